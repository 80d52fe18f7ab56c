"""Pre-identification on the real data of the test database (national geography, IPS of écoles, Arcep 2019)."""

import datetime

import pytest
from django.utils import timezone

from edhub.accounts.models import Role
from edhub.ami import followup
from edhub.ami.eligibility import DeclaredSchool, cached_pre_identify, pre_identify
from edhub.ami.models import Application
from edhub.inventories.models import Declaration, Technology, Upload
from edhub.opendata.models import ImportRun
from edhub.schools.models import School
from edhub.territories.models import Level
from tests.accounts.factories import agent
from tests.ami.factories import CampaignFactory, campaign_on, dossier_in


def declare(uai, technology, download_mbps=None):
    """A published local declaration of a school's connection (rentrée 2025)."""
    author = agent("national")
    upload = Upload.objects.create(
        author=author,
        role="national",
        file_name="inventaire.csv",
        checksum="0" * 64,
        status=Upload.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    Declaration.objects.create(
        upload=upload, school_id=uai, rentree=2025, line=2, technology=technology, download_mbps=download_mbps
    )


@pytest.mark.django_db
def test_ille_et_vilaine_eligible_communes_with_the_default_thresholds():
    result = pre_identify(campaign_on(Level.DEPARTEMENT, "35"))
    assert len(result.assessments) == 332
    assert len(result.eligible) == 85
    assert result.period == "2019-09-30"
    assert result.density_estimated  # no INSEE grid in the extracts: rurality is estimated
    assert [a.code for a in result.eligible[:3]] == ["35164", "35290", "35044"]
    assert [a.rank for a in result.eligible[:3]] == [1, 2, 3]
    assert result.departements() == [("35", "Ille-et-Vilaine")]


@pytest.mark.django_db
def test_a_known_eligible_commune_and_why():
    result = pre_identify(campaign_on(Level.DEPARTEMENT, "35"))
    commune = result.assessments["35164"]  # Marcillé-Raoul
    assert commune.eligible
    assert commune.reasons == [
        "commune rurale : Rural à habitat dispersé (estimée)",
        "1 école(s) publique(s) ouverte(s)",
        "mal connectée : 0,7 % des locaux éligibles à 30 Mbit/s (seuil : moins de 50,0 %)",
    ]
    # Arcep 2019: 2 of its 285 premises reach 30 Mbit/s; its école has 73 pupils (2022) and an IPS of 94.6.
    assert (commune.premises, commune.ecoles, commune.pupils, commune.ips) == (285, 1, 73, 94.6)
    components = commune.components
    assert components["connectivite"] == (39.7, "99,3 % des locaux sous 30 Mbit/s")
    assert components["ruralite"] == (13.3, "Rural à habitat dispersé (estimée)")
    assert components["ecoles"] == (5.0, "1 école(s), 73 élèves")
    assert components["social"][1].startswith("IPS moyen 94,6 (1 école(s))")
    assert commune.score == round(sum(points for points, _ in components.values()), 1)


@pytest.mark.django_db
def test_creteil_is_not_eligible_and_why():
    result = pre_identify(campaign_on(Level.DEPARTEMENT, "94"))
    creteil = result.assessments["94028"]
    assert not creteil.eligible
    assert creteil.reasons[0] == "commune non rurale : Grands centres urbains (estimée)"
    assert creteil.reasons[1] == "43 école(s) publique(s) ouverte(s)"
    assert creteil.reasons[2].startswith("connectivité suffisante : ")
    assert result.eligible == []  # no rural commune in Val-de-Marne


@pytest.mark.django_db
def test_a_rural_commune_without_ecole_is_not_eligible():
    result = pre_identify(campaign_on(Level.DEPARTEMENT, "35"))
    without = [a for a in result.assessments.values() if a.rural and a.ecoles == 0 and a.share is not None]
    assert without
    assert all(not a.eligible and "aucune école publique ouverte" in a.reasons for a in without)


@pytest.mark.django_db
def test_a_local_declaration_makes_a_well_covered_commune_eligible():
    campaign = campaign_on(Level.DEPARTEMENT, "35")
    before = pre_identify(campaign).assessments["35003"]  # Andouillé-Neuville: 90.7 % of premises at 30 Mbit/s
    assert not before.eligible
    assert before.reasons[2] == (
        "connectivité suffisante : 90,7 % des locaux éligibles à 30 Mbit/s (seuil : moins de 50,0 %)"
    )
    (uai,) = School.objects.filter(commune__code="35003", sector="public").values_list("uai", flat=True)
    declare(uai, Technology.AUCUNE)
    result = pre_identify(campaign)
    after = result.assessments["35003"]
    assert after.eligible
    assert after.reasons[2] == f"école(s) déclarée(s) mal connectée(s) : {uai} (aucune connexion)"
    assert after.components["connectivite"] == (
        40.0,
        "9,3 % des locaux sous 30 Mbit/s, 1/1 école(s) déclarée(s) mal connectée(s)",
    )
    assert len(result.eligible) == 86
    assert result.declarations == 1


@pytest.mark.django_db
def test_declared_good_measured_speeds_prevail_over_arcep():
    campaign = campaign_on(Level.DEPARTEMENT, "35")
    (uai,) = School.objects.filter(commune__code="35164", sector="public").values_list("uai", flat=True)
    declare(uai, Technology.FIBRE, download_mbps=300.0)
    commune = pre_identify(campaign).assessments["35164"]
    assert not commune.eligible
    assert commune.reasons[2].startswith("toutes les écoles déclarent un débit mesuré d'au moins 30 Mbit/s")


@pytest.mark.django_db
def test_france_and_thresholds():
    result = pre_identify(CampaignFactory())
    assert len(result.assessments) == 34875
    assert len(result.eligible) == 6832
    assert result.eligible[0].code == "97357"  # Grand-Santi (Guyane): no premises at 30 Mbit/s, IPS 54.5
    assert result.eligible[0].score == 100.0
    stricter = pre_identify(CampaignFactory(speed_threshold=8, share_threshold=80))
    assert len(stricter.eligible) == 37
    only_35 = pre_identify(CampaignFactory(), departement="35")
    assert [a.code for a in only_35.eligible] == [
        a.code for a in pre_identify(campaign_on(Level.DEPARTEMENT, "35")).eligible
    ]


MARCILLE_ECOLE = "0351663T"  # the one public école of Marcillé-Raoul (35164)
CONNECTED = {
    "works": "connected",
    "connected_on": datetime.date(2026, 3, 2),  # rentrée 2025
    "connected_technology": Technology.FIBRE,
    "connected_mbps": 100.0,
}
BADLY_CONNECTED = "mal connectée : 0,7 % des locaux éligibles à 30 Mbit/s (seuil : moins de 50,0 %)"


def connect_marcille(user=None):
    """Marcillé-Raoul, laureate of an earlier call, has its école connected at 100 Mbit/s by fibre."""
    earlier = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine 2025")
    earlier.open()
    laureate = dossier_in(earlier, "35164", state=Application.State.ACCEPTED)
    mayor = user or agent(Role.COMMUNE, Level.COMMUNE, "35164")
    pk = laureate.concerned.get(school_id=MARCILLE_ECOLE).pk
    return followup.update(laureate, mayor, {pk: CONNECTED})


@pytest.mark.django_db
def test_a_school_connected_by_a_call_counts_as_connected_for_a_later_call():
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine 2027")
    before = pre_identify(campaign).assessments["35164"]
    assert (before.eligible, before.badly_connected, before.declared) == (True, True, None)
    assert before.reasons[2] == BADLY_CONNECTED

    connect_marcille()
    result = pre_identify(campaign)
    after = result.assessments["35164"]
    assert after.declared == [DeclaredSchool(MARCILLE_ECOLE, 2025, Technology.FIBRE, 100.0, followed=True)]
    assert (after.eligible, after.badly_connected, after.declared_well, after.badly_declared) == (
        False,
        False,
        True,
        None,
    )
    assert after.reasons == [
        "commune rurale : Rural à habitat dispersé (estimée)",
        "1 école(s) publique(s) ouverte(s)",
        "toutes les écoles ont un débit mesuré d'au moins 30 Mbit/s, déclaré ou relevé par le suivi d'un appel : "
        "0351663T (connectée par les travaux d'un appel : Fibre optique (FttH, FttO), 100,0 Mbit/s mesurés) "
        "(0,7 % des locaux éligibles à 30 Mbit/s (seuil : moins de 50,0 %))",
    ]
    assert len(result.eligible) == 84  # 85 before
    assert result.declarations == 0  # no local declaration: the follow-up alone

    # A call asking for 1 Gbit/s still finds the école under its threshold, and says where the figure comes from.
    gigabit = pre_identify(campaign_on(Level.DEPARTEMENT, "35", speed_threshold=1000)).assessments["35164"]
    assert gigabit.eligible
    assert gigabit.reasons[2] == (
        "école(s) déclarée(s) mal connectée(s) : 0351663T (connectée par les travaux d'un appel : "
        "Fibre optique (FttH, FttO), 100,0 Mbit/s mesurés)"
    )


@pytest.mark.django_db
def test_a_declaration_published_after_the_follow_up_prevails():
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine 2027")
    connect_marcille()
    declare(MARCILLE_ECOLE, Technology.CUIVRE, download_mbps=4.0)  # rentrée 2025, published after the works
    commune = pre_identify(campaign).assessments["35164"]
    assert commune.declared == [DeclaredSchool(MARCILLE_ECOLE, 2025, Technology.CUIVRE, 4.0)]
    assert commune.eligible
    assert commune.reasons[2] == "école(s) déclarée(s) mal connectée(s) : 0351663T (4,0 Mbit/s mesurés)"


@pytest.mark.django_db
def test_an_older_declaration_gives_way_to_the_follow_up():
    declare(MARCILLE_ECOLE, Technology.CUIVRE, download_mbps=4.0)  # rentrée 2025, published before the works
    connect_marcille()
    commune = pre_identify(campaign_on(Level.DEPARTEMENT, "35")).assessments["35164"]
    assert commune.declared == [DeclaredSchool(MARCILLE_ECOLE, 2025, Technology.FIBRE, 100.0, followed=True)]
    assert not commune.eligible


@pytest.mark.django_db
def test_marking_a_school_connected_renews_the_cached_pre_identification():
    campaign = campaign_on(Level.DEPARTEMENT, "35", title="AMI Ille-et-Vilaine 2027")
    version = ImportRun.objects.data_version()
    assert "35164" in cached_pre_identify(campaign).assessments
    assert cached_pre_identify(campaign).assessments["35164"].reasons[2] == BADLY_CONNECTED
    run = connect_marcille()
    assert run.rows_updated == 1
    assert ImportRun.objects.data_version() != version  # the follow-up records an import of the inventories
    result = cached_pre_identify(campaign)
    assert "35164" not in result.assessments  # only the eligible communes are cached
    assert len(result.eligible) == 84
