import datetime
import re

import pytest

from edhub.opendata import values


@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [
        (values.commune_code, "1001", "01001"),
        (values.commune_code, "2a004", "2A004"),
        (values.commune_code, " 94028 ", "94028"),
        (values.postcode, "1000", "01000"),
        (values.postcode, "94260", "94260"),
        (values.departement_code, "094", "94"),
        (values.departement_code, "02A", "2A"),
        (values.departement_code, "971", "971"),
        (values.number, "103,5", 103.5),
        (values.number, "1 234", 1234.0),
        (values.count, " 81    ", 81),
        (values.count, "-", None),
        (values.date, "27/05/2026", datetime.date(2026, 5, 27)),
        (values.date, "2026-05-27", datetime.date(2026, 5, 27)),
        (values.rentree, "2021-2022", 2021),
        (values.flag, "-", False),
        (values.marked, "FRTE", True),
        (values.school_years, {2022, 2019, 2020}, "2019-2020 à 2022-2023"),
    ],
)
def test_values_written_every_way_the_files_write_them(parser, raw, expected):
    assert parser(raw) == expected


@pytest.mark.parametrize(
    ("parser", "raw", "reason"),
    [
        (values.uai, "940176F", "UAI invalide (attendu : 7 chiffres et une lettre, ex. 0940176F)"),
        (
            values.commune_code,
            "2,17003E+13",
            "code commune INSEE invalide (attendu : 5 caractères, ex. 94028 ou 2A004)",
        ),
        (values.number, "abc", "nombre attendu"),
        (values.count, "1.5", "nombre entier positif attendu"),
        (values.date, "2026/13/45", "date attendue (AAAA-MM-JJ ou JJ/MM/AAAA)"),
        (values.flag, "peut-être", "indicateur attendu (1 ou 0)"),
    ],
)
def test_bad_values_say_what_was_expected(parser, raw, reason):
    with pytest.raises(ValueError, match=re.escape(reason)) as error:
        parser(raw)
    assert str(error.value) == reason


def test_ns_is_accepted_only_where_allowed():
    assert values.number("NS", allow_ns=True) is None
    with pytest.raises(ValueError, match="nombre attendu"):
        values.number("NS")
