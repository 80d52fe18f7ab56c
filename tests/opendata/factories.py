import hashlib

import factory
from django.utils import timezone

from edhub.opendata.models import ImportRun


class ImportRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRun

    source = "annuaire-education"
    file_name = factory.LazyAttribute(lambda run: f"{run.source}.csv")
    checksum = factory.Sequence(lambda n: hashlib.sha256(f"fichier {n}".encode()).hexdigest())
    vintage = "2026-01-15"
    status = ImportRun.Status.SUCCESS
    finished_at = factory.LazyFunction(timezone.now)
    rows_read = 100
    rows_created = 100
