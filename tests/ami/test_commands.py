import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.mark.django_db
def test_ami_eligibles_default_rules_one_departement(tmp_path):
    out, path = io.StringIO(), tmp_path / "eligibles.csv"
    call_command("ami_eligibles", departement="35", csv=str(path), stdout=out)
    first = out.getvalue().splitlines()[0]
    assert first.startswith(
        "85 communes éligibles sur 332 examinées (Arcep 2019-09-30, 30 Mbit/s, moins de 50 %, ruralité estimée) en "
    )
    assert "     1. 35164 Marcillé-Raoul : " in out.getvalue()
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfRang;Code commune;")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 86
    assert rows[1][:4] == ["1", "35164", "Marcillé-Raoul", "35"]


@pytest.mark.django_db
def test_ami_eligibles_unknown_campaign():
    with pytest.raises(CommandError, match="Appel 999 inconnu."):
        call_command("ami_eligibles", campaign=999)
