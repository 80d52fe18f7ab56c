import factory

from edhub.territories.models import Level, Territory, TerritoryAlias, TerritoryFigure
from tests.opendata.factories import ImportRunFactory


class TerritoryFactory(factory.django.DjangoModelFactory):
    """A commune by default; pass `level` and the enclosing links for other levels.

    The test database holds the real geography: default codes ("9Y…") exist in no official file, and
    `france=True` returns the real France when it is loaded.
    """

    class Meta:
        model = Territory
        django_get_or_create = ("level", "code")

    level = Level.COMMUNE
    code = factory.Sequence(lambda n: f"9Y{n:03d}")
    name = factory.Faker("city", locale="fr_FR")
    population = factory.Faker("random_int", min=100, max=50_000)
    area_km2 = factory.Faker("pyfloat", min_value=1, max_value=100, right_digits=2)

    class Params:
        france = factory.Trait(level=Level.FRANCE, code="FR", name="France", area_km2=None)


class TerritoryFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritoryFigure

    territory = factory.SubFactory(TerritoryFactory)
    variable = "locaux"
    period = "2019-T3"
    value = 100
    run = factory.SubFactory(ImportRunFactory, source="arcep-mci", vintage="2019-09-30")


class TerritoryAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritoryAlias

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    name = factory.Faker("city", locale="fr_FR")
    kind = TerritoryAlias.Kind.FORMER
    territory = factory.SubFactory(TerritoryFactory)
