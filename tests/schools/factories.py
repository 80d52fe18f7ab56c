from types import SimpleNamespace

import factory

from edhub.schools.models import Kind, School, SchoolFigure, Sector, State, Variable
from edhub.territories.models import Level
from tests.opendata.factories import ImportRunFactory
from tests.territories.factories import TerritoryFactory, TerritoryFigureFactory


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    uai = factory.Sequence(lambda n: f"{9980000 + n:07d}A")  # no real UAI starts with 998
    name = factory.Sequence(lambda n: f"École n° {n}")
    kind = Kind.ECOLE_PRIMAIRE
    sector = Sector.PUBLIC
    state = State.OPEN
    commune = factory.SubFactory(TerritoryFactory)
    commune_code = factory.SelfAttribute("commune.code")
    address = factory.Faker("street_address", locale="fr_FR")
    postcode = factory.Faker("postcode", locale="fr_FR")
    run = factory.SubFactory(ImportRunFactory)


class SchoolFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolFigure

    school = factory.SubFactory(SchoolFactory)
    variable = Variable.PUPILS
    rentree = 2022
    value = 100
    run = factory.SubFactory(ImportRunFactory, source="effectifs-ecoles", vintage="2022")


def small_world():
    """France → région académique → académie → département → two communes; three schools in the first one.

    Every code is fictitious, so that the world sits beside the real geography of the test database.
    Returns a namespace with every object, for exact assertions.
    """
    density_run = ImportRunFactory(source="insee-densite", vintage="2025", file_name="grille_densite.xlsx")
    directory = ImportRunFactory(source="annuaire", vintage="2026-01-15", file_name="annuaire.csv")
    pupils_run = ImportRunFactory(source="effectifs-ecoles", vintage="2022", file_name="effectifs.csv")
    ips_run = ImportRunFactory(source="ips-ecoles", vintage="2022", file_name="ips.csv")
    arcep_run = ImportRunFactory(source="arcep-debit", vintage="2019-09-30", file_name="arcep.csv")

    france = TerritoryFactory(france=True)
    region_academique = TerritoryFactory(
        level=Level.REGION_ACADEMIQUE,
        code="R99",
        name="Région académique d'Essai",
        parent=france,
        population=300_000,
        area_km2=5_000.0,
    )
    academie = TerritoryFactory(
        level=Level.ACADEMIE,
        code="A99",
        name="Académie d'Éole",
        parent=region_academique,
        population=200_000,
        area_km2=3_000.0,
        region_academique=region_academique,
    )
    departement = TerritoryFactory(
        level=Level.DEPARTEMENT,
        code="9Z",
        name="Val-d'Évian",
        parent=academie,
        population=150_000,
        area_km2=1_000.0,
        academie=academie,
        region_academique=region_academique,
    )
    links = {
        "parent": departement,
        "departement": departement,
        "academie": academie,
        "region_academique": region_academique,
    }
    etrechy = TerritoryFactory(
        code="9Z001",
        name="Étréchy-la-Forêt",
        population=12_345,
        area_km2=10.5,
        latitude=48.5,
        longitude=2.2,
        density_level=6,
        density_run=density_run,
        **links,
    )
    bourg = TerritoryFactory(
        code="9Z002", name="Bourg-Neuf", population=45_000, area_km2=20.0, density_level=2, **links
    )
    ferry = SchoolFactory(
        uai="9990001A",
        name="École élémentaire Jules Ferry",
        kind="ecole_elementaire",
        sector="public",
        commune=etrechy,
        address="1 rue Jules Ferry",
        postcode="99001",
        latitude=48.51,
        longitude=2.21,
        location_precision="Numéro de rue",
        priority_education="REP",
        run=directory,
    )
    schweitzer = SchoolFactory(
        uai="9990002B",
        name="Collège Albert Schweitzer",
        kind="college",
        sector="public",
        commune=etrechy,
        address="2 avenue du Général de Gaulle",
        postcode="99001",
        run=directory,
    )
    therese = SchoolFactory(
        uai="9990003C",
        name="École Sainte-Thérèse",
        kind="ecole_primaire",
        sector="prive",
        commune=etrechy,
        address="3 place de l'Église",
        postcode="99001",
        run=directory,
    )
    for school, pupils, ips in ((ferry, 200, 100.0), (schweitzer, 600, 110.0), (therese, 150, None)):
        SchoolFigureFactory(school=school, variable="pupils", rentree=2022, value=pupils, run=pupils_run)
        SchoolFigureFactory(
            school=school,
            variable="ips",
            rentree=2022,
            value=ips,
            status="" if ips is not None else SchoolFigure.Status.NS,
            run=ips_run,
        )
    for commune, locaux, fast in ((etrechy, 5_000, 4_500), (bourg, 20_000, 10_000)):
        for variable, value in (("locaux", locaux), ("locaux_ge_30", fast)):
            TerritoryFigureFactory(
                territory=commune, variable=variable, period="2019-09-30", value=value, run=arcep_run
            )
    return SimpleNamespace(**locals())
