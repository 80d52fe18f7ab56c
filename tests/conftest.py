"""Test set-up shared by every test.

The test database (SQLite in memory, or PostgreSQL with DATABASE_URL) is created once per session and filled
with the real national reference geography and the real open-data extracts of ../shared/opendata: tests assert
figures computed from the official files. Each test then runs in a transaction rolled back at its end.
"""

import os
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models import OrderBy
from django.db.models.functions import Random
from django.db.models.sql.compiler import SQLCompiler

from edhub.api.cache import recent as recent_responses
from edhub.indicators.engine import compute
from edhub.opendata.geography import load_geography
from edhub.opendata.importing import run_import
from edhub.opendata.sources import SOURCES
from tests.schools.factories import small_world

OPENDATA = Path(os.environ.get("EDHUB_SHARED_OPENDATA", settings.BASE_DIR.parent / "shared" / "opendata"))

# The real extracts, imported once per session in this order (directory first).
REAL_FILES = {
    "annuaire": "fr-en-annuaire-education_094.csv",
    "geoloc": "fr-en-adresse-et-geolocalisation-colleges.csv",
    "ips-ecoles": "fr-en-ips_ecoles_2021-2022.csv",
    "effectifs-ecoles": "fr-en-ecoles-effectifs-nb_classes_035.csv",
    "arcep-communes": "arcep-communes-rurales-2018.csv",
    "arcep-debit": "arcep-mci-commune-debit-2019.csv",
}

# Indicators computed once per session on the real data of the test database (fixture `computed`).
SESSION_INDICATORS = [
    "etablissements",
    "ecoles",
    "ecoles_publiques",
    "colleges",
    "lycees",
    "eleves_ecoles",
    "ips_ecoles",
    "ips_ecoles_mediane",
    "ips_ecoles_ecart_academie",
    "ips_ecoles_ecart_france",
    "part_rep",
    "population",
    "part_population_rurale",
    "debit_30",
    "inelig_3",
    "etablissements_sous_30",
    "part_etablissements_sous_30",
]


@pytest.fixture(scope="session", autouse=True)
def _unordered_queries_in_random_order():
    """A query without any ORDER BY (neither order_by() nor the model's Meta.ordering) comes back in random order:
    code or a test that relies on the order rows happen to be stored in fails, instead of passing by chance on one
    database and failing on another. DISTINCT queries are left alone (PostgreSQL wants their ORDER BY selected)."""
    django_pairs = SQLCompiler._order_by_pairs

    def order_by_pairs(compiler):
        query = compiler.query
        meta = query.get_meta()
        if (
            query.default_ordering
            and not query.order_by
            and not query.extra_order_by
            and not (meta and meta.ordering)
            and not query.distinct
        ):
            yield OrderBy(Random()), False
        else:
            yield from django_pairs(compiler)

    with mock.patch.object(SQLCompiler, "_order_by_pairs", order_by_pairs):
        yield


@pytest.fixture(scope="session")
def computed(django_db_setup, django_db_blocker):
    """The session indicators, computed on the real data; tests then run in transactions rolled back."""
    with django_db_blocker.unblock():
        return {outcome.slug: outcome for outcome in compute(SESSION_INDICATORS)}


def pytest_configure(config):
    missing = [name for name in REAL_FILES.values() if not (OPENDATA / name).is_file()]
    if missing:
        raise pytest.UsageError(f"Real open-data extracts missing in {OPENDATA}: {missing}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_geography(progress=False)
        for slug, name in REAL_FILES.items():
            run_import(SOURCES[slug], OPENDATA / name)


@pytest.fixture
def opendata():
    """The folder of real open-data extracts."""
    return OPENDATA


@pytest.fixture(autouse=True)
def _isolated_var(tmp_path, settings):
    """Caches and reports written by a test go to its own temporary folder."""
    settings.OPENDATA_CACHE_DIR = tmp_path / "opendata"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    """Background tasks run at once, inside the test; uploaded files go to the test's temporary folder."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached figures and API responses never leak from one test to the next."""
    cache.clear()
    recent_responses.clear()


@pytest.fixture
def world(db):
    """A small made-up territory with three schools, beside the real data (codes that do not exist)."""
    return small_world()
