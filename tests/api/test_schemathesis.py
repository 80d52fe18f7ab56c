"""The whole OpenAPI document fuzzed by schemathesis, in-process against the Django app on the real test data.

Every operation gets a bounded, derandomized number of generated requests, those that fit the document and those
that do not: none may answer a server error, and every answer must match the schema the document gives for it.
"""

from collections import Counter

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(operation, mode, statuses, failures):
    """Run the generated cases of one operation in one mode, counting answers and recording failed checks: 1 if
    the mode has cases for this operation, else 0."""

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    def run(case):
        response = case.call(headers={"Accept-Encoding": "identity"})  # read as sent, not gzipped
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            failures.append(f"{operation.label} [{mode}] {case.formatted_path} {case.query}: {failure}")

    try:
        run()
    except Unsatisfiable:
        # No request outside the document can be sent: no parameter, or only free strings (a path segment).
        assert mode == GenerationMode.NEGATIVE
        return 0
    return 1


def test_whole_openapi_document(db, computed, capsys):
    # The test client's way: neither a request's start nor its end may close the connection holding the test's
    # transaction (with CONN_MAX_AGE=0, as on PostgreSQL in `make test`, both would).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        operations = [result.ok() for result in schema.get_all_operations()]
        statuses, failures, runs = Counter(), [], 0
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                runs += fuzz(operation, mode, statuses, failures)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    with capsys.disabled():
        answers = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        print(f"\nschemathesis: {len(operations)} operations ({runs} operation × mode runs), ", end="")
        print(f"{statuses.total()} requests ({answers})")
        print(f"{len(failures)} failures", *failures, sep="\n")
    assert len(operations) == 11
    assert not statuses.keys() & range(500, 600)
    assert failures == []
