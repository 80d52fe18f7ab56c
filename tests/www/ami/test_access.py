"""Each role sees on the pages of a call only the links it may follow, and each refusal is a 403 page whose message
says what the account lacks, logged without a traceback (edhub.ami.access)."""

import datetime
import logging
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from edhub.accounts.models import Role
from edhub.ami.models import Application
from edhub.territories.models import Level, Territory
from tests.accounts.factories import agent
from tests.ami.factories import CampaignFactory, campaign_on, greedy_trap, instructor
from tests.www.utils import text_of

State = Application.State
# Créteil (94028) against the default rules of a call on France: urban, and well connected (Arcep, 2019-09-30).
CRETEIL_REFUSAL = (
    "Créteil n'est pas éligible à cet appel. Créteil n'est pas une commune rurale : sa densité (grille communale de "
    "l'INSEE) est « Grands centres urbains (estimée) », l'appel est réservé aux communes rurales (niveaux 5 à 7). "
    "93,2 % des locaux de la commune sont éligibles à 30 Mbit/s, au-dessus du seuil de 50,0 % : l'appel est réservé "
    "aux communes dont moins de 50,0 % des locaux le sont, ou qui ont une école déclarée sans connexion ou sous "
    "30 Mbit/s dans l'inventaire local."
)
INSTRUCTORS_ONLY = (
    "Les candidatures sont instruites et notées par l'administration nationale et par les académies (DANE) pour "
    "leurs communes (votre compte : {})."
)
FRANCE_COMMITTEE = (
    "Le comité de sélection de cet appel (France) est réservé à l'administration nationale (votre compte : {})."
)
MANAGERS_ONLY = "La gestion des appels est réservée aux administrateurs nationaux (votre compte : {})."


def open_today(**fields):
    today = timezone.localdate()
    return dict(opens_on=today - datetime.timedelta(days=10), closes_on=today + datetime.timedelta(days=10), **fields)


@pytest.fixture
def france(db):
    """A call on France open today, with four fully scored dossiers of the Côtes-d'Armor (académie de Rennes)."""
    campaign = CampaignFactory(**open_today(laureates_min=1, budget=120_000))
    campaign.open()
    greedy_trap(
        campaign, [instructor("alice", "Alice", "Durand"), instructor("bruno", "Bruno", "Morel", Role.NATIONAL)]
    )
    return campaign


def ami_links(response, campaign):
    """The pages of the call that a page links to (its rules page excepted)."""
    prefix = campaign.get_absolute_url()
    hrefs = set(re.findall(r'href="([^"#?]+)', response.content.decode()))
    return {href.removeprefix(prefix) for href in hrefs if href.startswith(prefix) and href != prefix}


ALWAYS = {"eligibles/", "carte/"}
# The pages of a call shown or hidden according to the account, and how the 403 page of each names the account.
GUARDED = {
    "modifier/": "edit",
    "candidature/": "apply",
    "candidatures/": "list",
    "notation/": "scoring",
    "comite/": "committee",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("account", "shown", "refusals"),
    [
        (
            (Role.NATIONAL, None, None),
            {"modifier/", "candidatures/", "notation/", "comite/"},
            {"candidature/": "Une candidature est déposée par un agent habilité d'une commune, pour sa commune."},
        ),
        (
            (Role.ACADEMIE, Level.ACADEMIE, "14"),
            {"candidatures/", "notation/"},
            {
                "modifier/": MANAGERS_ONLY.format("Académie (DANE) — Rennes"),
                "candidature/": "Une candidature est déposée par un agent habilité d'une commune, pour sa commune.",
                "comite/": FRANCE_COMMITTEE.format("Académie (DANE) — Rennes"),
            },
        ),
        (
            (Role.ACADEMIE, Level.ACADEMIE, "24"),
            {"candidatures/", "notation/"},
            {
                "modifier/": MANAGERS_ONLY.format("Académie (DANE) — Créteil"),
                "candidature/": "Une candidature est déposée par un agent habilité d'une commune, pour sa commune.",
                "comite/": FRANCE_COMMITTEE.format("Académie (DANE) — Créteil"),
            },
        ),
        (
            (Role.DEPARTEMENT, Level.DEPARTEMENT, "94"),
            set(),
            {
                "modifier/": MANAGERS_ONLY.format("Département — Val-de-Marne"),
                "candidature/": "Une candidature est déposée par un agent habilité d'une commune, pour sa commune.",
                "candidatures/": INSTRUCTORS_ONLY.format("Département — Val-de-Marne"),
                "notation/": INSTRUCTORS_ONLY.format("Département — Val-de-Marne"),
                "comite/": FRANCE_COMMITTEE.format("Département — Val-de-Marne"),
            },
        ),
        (
            (Role.COMMUNE, Level.COMMUNE, "94028"),
            set(),
            {
                "modifier/": MANAGERS_ONLY.format("Commune — Créteil"),
                "candidature/": CRETEIL_REFUSAL,
                "candidatures/": INSTRUCTORS_ONLY.format("Commune — Créteil"),
                "notation/": INSTRUCTORS_ONLY.format("Commune — Créteil"),
                "comite/": FRANCE_COMMITTEE.format("Commune — Créteil"),
            },
        ),
        (
            (Role.COMMUNE, Level.COMMUNE, "35164"),
            {"candidature/"},
            {
                "modifier/": MANAGERS_ONLY.format("Commune — Marcillé-Raoul"),
                "candidatures/": INSTRUCTORS_ONLY.format("Commune — Marcillé-Raoul"),
                "notation/": INSTRUCTORS_ONLY.format("Commune — Marcillé-Raoul"),
                "comite/": FRANCE_COMMITTEE.format("Commune — Marcillé-Raoul"),
            },
        ),
    ],
)
def test_each_role_sees_the_links_it_may_follow_and_a_true_refusal_for_the_others(
    client, france, caplog, account, shown, refusals
):
    client.force_login(agent(*account))
    assert ami_links(client.get(france.get_absolute_url()), france) == ALWAYS | shown
    for page in GUARDED:
        url = france.get_absolute_url() + page
        caplog.clear()
        response = client.get(url)
        if page in shown:
            assert response.status_code == 200, page
            continue
        assert response.status_code == 403, page
        assert "Accès refusé" in text_of(response)
        assert refusals[page] in text_of(response), page
        # One warning line, no traceback: a refusal is not a fault of the code.
        assert [(r.levelno, r.getMessage(), r.exc_info) for r in caplog.records] == [
            (logging.WARNING, f"Forbidden (Permission denied): {url}", None)
        ]
        assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_anonymous_sees_the_public_pages_only(client, france):
    assert ami_links(client.get(france.get_absolute_url()), france) == ALWAYS
    for page in GUARDED:
        url = france.get_absolute_url() + page
        assert client.get(url)["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.django_db
def test_the_academie_of_a_call_on_its_academie_sits_on_its_committee(client, caplog):
    rennes = campaign_on(Level.ACADEMIE, "14", **open_today(title="AMI — académie de Rennes", laureates_min=1))
    rennes.open()
    client.force_login(agent(Role.ACADEMIE, Level.ACADEMIE, "14"))
    assert ami_links(client.get(rennes.get_absolute_url()), rennes) == ALWAYS | {
        "candidatures/",
        "notation/",
        "comite/",
    }
    assert client.get(reverse("ami:committee", args=[rennes.pk])).status_code == 200
    client.force_login(agent(Role.ACADEMIE, Level.ACADEMIE, "24"))
    assert ami_links(client.get(rennes.get_absolute_url()), rennes) == ALWAYS
    response = client.get(reverse("ami:committee", args=[rennes.pk]))
    assert response.status_code == 403
    assert (
        "Le comité de sélection de cet appel (Rennes) est réservé à l'administration nationale et à l'académie de "
        "Rennes (votre compte : Académie (DANE) — Créteil)."
    ) in text_of(response)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


@pytest.mark.django_db
def test_an_ineligible_commune_sees_why_and_cannot_open_nor_deposit_a_dossier(client, france):
    mayor = agent(Role.COMMUNE, Level.COMMUNE, "94028")
    client.force_login(mayor)
    response = client.get(france.get_absolute_url())
    text = text_of(response)
    assert f"Votre commune ne peut pas déposer de candidature à cet appel {CRETEIL_REFUSAL}" in text
    assert "Déposer une candidature" not in text
    new = reverse("ami:application-new", args=[france.pk])
    data = {"project": "Fibre", "estimated_cost": "10000", "contact_name": "C. Martin", "action": "submit"}
    response = client.post(new, data)
    assert response.status_code == 403
    assert CRETEIL_REFUSAL in text_of(response)
    assert not Application.objects.filter(commune__code="94028").exists()

    # A draft written before (or by other means) is not offered the deposit, and a forged deposit is refused.
    creteil = Territory.objects.get(level=Level.COMMUNE, code="94028")
    draft = Application.objects.create(campaign=france, commune=creteil, author=mayor, project="Fibre")
    response = client.get(reverse("ami:application", args=[draft.pk]))
    text = text_of(response)
    assert f"Ce dossier ne peut pas être déposé {CRETEIL_REFUSAL}" in text
    assert "Déposer la candidature" not in text
    assert "Déposer la candidature" not in text_of(client.get(reverse("ami:application-edit", args=[draft.pk])))
    response = client.post(reverse("ami:application-move", args=[draft.pk]), {"to": State.SUBMITTED})
    assert CRETEIL_REFUSAL in text_of(response)
    response = client.post(reverse("ami:application-edit", args=[draft.pk]), data)
    assert f"La candidature n’est pas déposée {CRETEIL_REFUSAL}" in text_of(response)
    draft.refresh_from_db()
    assert (draft.state, draft.events.count()) == (State.DRAFT, 0)


@pytest.mark.django_db
def test_an_eligible_commune_is_invited_and_a_rural_call_tells_an_urban_one_only_what_it_fails(client):
    # A call open to urban communes too: Créteil fails only on its connectivity.
    campaign = CampaignFactory(**open_today(rural_only=False))
    campaign.open()
    client.force_login(agent(Role.COMMUNE, Level.COMMUNE, "94028"))
    assert (
        "Créteil n'est pas éligible à cet appel. 93,2 % des locaux de la commune sont éligibles à 30 Mbit/s, "
        "au-dessus du seuil de 50,0 % : l'appel est réservé aux communes dont moins de 50,0 % des locaux le sont, ou "
        "qui ont une école déclarée sans connexion ou sous 30 Mbit/s dans l'inventaire local."
    ) in text_of(client.get(campaign.get_absolute_url()))
    client.force_login(agent(Role.COMMUNE, Level.COMMUNE, "35164"))
    text = text_of(client.get(campaign.get_absolute_url()))
    assert "Déposer une candidature" in text
    assert "n'est pas éligible" not in text
