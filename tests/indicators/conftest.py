import pytest

from edhub.indicators.engine import compute

# Computed once per session on the real data of the test database (see tests/conftest.py).
SESSION_INDICATORS = [
    "etablissements",
    "ecoles",
    "ecoles_publiques",
    "colleges",
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


@pytest.fixture(scope="session")
def computed(django_db_setup, django_db_blocker):
    """The session indicators, computed on the real data; tests then run in transactions rolled back."""
    with django_db_blocker.unblock():
        return {outcome.slug: outcome for outcome in compute(SESSION_INDICATORS)}
