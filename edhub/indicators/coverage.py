"""When a value may be printed, and how its coverage is said: one rule for the engine, the pages, the API and the
exports.

A value is published only when its coverage is known and at least MIN_COVERAGE (0,1 %, the smallest share the
pages print): below, the engine stores the coverage with no value, and every page says « N.C. » with the reason.
A published value whose coverage is below 100 % (as printed) is partial, and marked so wherever it is shown.
"""

from edhub.indicators.measures import Value

MIN_COVERAGE = 0.001
COMPLETE = 0.9995  # printed « 100 % » at one decimal


def published(value):
    """The value as the engine stores it: without its figures when its coverage is unknown or too small."""
    if value.value is None or (value.coverage is not None and value.coverage >= MIN_COVERAGE):
        return value
    return Value(None, None, None, value.coverage, value.note)


def is_partial(value, coverage):
    """Whether a published value rests on part of what it describes only."""
    return value is not None and coverage is not None and coverage < COMPLETE


def status(value, coverage):
    """ "complete", "partial", or None for a value that is not published (N.C.)."""
    if value is None:
        return None
    return "partial" if is_partial(value, coverage) else "complete"


def missing_reason(coverage):
    """Why a value is « N.C. », in French, from the coverage stored beside it (None: no row at all)."""
    if coverage is None:
        return "aucune donnée chargée pour ce territoire"
    if coverage == 0:
        return "aucune source chargée ne couvre ce territoire (couverture nulle)"
    return "couverture inférieure à 0,1 % : trop faible pour publier une valeur"


def status_label(value, coverage):
    """The status of a value in an export, in French: « complète », « partielle », or why it is « N.C. »."""
    if value is None:
        return f"N.C. : {missing_reason(coverage)}"
    return "partielle" if is_partial(value, coverage) else "complète"
