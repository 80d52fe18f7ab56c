"""Demo data of the embedded platform (`make run`): one account per kind of agent, and the connectivity call alive.

The open demo call receives dossiers of real eligible rural communes of the académie de Rennes in every state of the
instruction, scored by two demo scorers of the académie, enough of them fully scored for its committee to select; a
closed demo call of Ille-et-Vilaine has its selection arrested, its results published and a laureate's schools
followed up to their connection. The communes are the best-ranked eligible ones of the pre-identification, so that
the demo fits the data installed.

Idempotent: each part is created once (accounts, the call, its dossiers, the closed call); running the command again
changes nothing and prints the accounts. A demo of an earlier version is completed: the open call's missing dossiers
are added and its rules brought to OPEN_RULES.
"""

import datetime
import secrets
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify

from edhub.accounts.agents import parse_territory, save_agent
from edhub.accounts.models import Role
from edhub.ami import followup
from edhub.ami.eligibility import candidate_schools, pre_identify
from edhub.ami.models import Application, ApplicationEvent, ApplicationSchool, Campaign, CampaignVersion, Score
from edhub.inventories.models import Technology
from edhub.territories.models import Level, Territory

State = Application.State

# The demo accounts: one per kind of agent around Créteil, and the two scorers of the académie de Rennes (with a
# name, shown beside their points). The communes' accounts are added with their dossiers.
DEMO_AGENTS = (
    ("demo-national", Role.NATIONAL, None, ""),
    ("demo-academie-creteil", Role.ACADEMIE, "academie:24", ""),
    ("demo-val-de-marne", Role.DEPARTEMENT, "departement:94", ""),
    ("demo-creteil", Role.COMMUNE, "commune:94028", ""),
    ("demo-rennes-evaluatrice", Role.ACADEMIE, "academie:14", "Anne Le Goff"),
    ("demo-rennes-evaluateur", Role.ACADEMIE, "academie:14", "Yann Morvan"),
)
SCORERS = ("demo-rennes-evaluatrice", "demo-rennes-evaluateur")
ACCOUNTS_HEADER = "Comptes de démonstration (page /compte/connexion/ du site) :"

DEMO_CAMPAIGN = "Écoles rurales connectées (démonstration)"
CLOSED_CAMPAIGN = "Écoles d'Ille-et-Vilaine (démonstration)"

# The dossiers of the open call, taken in order from the eligible communes of each département: the state reached,
# the estimated cost and the points of each scorer on the manual criteria of the grid, in order (projet,
# cofinancement, cohérence; None: not scored by that scorer). The draft (its contact's e-mail still missing) and the
# dossier sent back for corrections are those of communes whose agent logs in; the other communes' agents are the
# authors of their dossiers, without a password (each password costs a second to hash).
OPEN_DOSSIERS = (
    ("35", State.DRAFT, 14_000, ()),
    ("35", State.SUBMITTED, 12_500, ()),
    ("35", State.CORRECTIONS, 18_000, ()),
    ("22", State.IN_INSTRUCTION, 14_500, ((16, 8, 7), (15, 7, 8))),
    ("22", State.IN_INSTRUCTION, 13_000, ((17, 6, 8), (9, 5, 7))),  # 8 points apart on the project: a disagreement
    ("22", State.IN_INSTRUCTION, 21_000, ((12, 5, 6), (13, 6, 5))),  # over the ceiling of 15 000 € per école
    ("22", State.IN_INSTRUCTION, 9_800, ((14, 7, 7), None)),  # the second scorer has not scored it yet
    ("29", State.IN_INSTRUCTION, 12_000, ((15, 7, 8), (14, 8, 7))),
    ("29", State.IN_INSTRUCTION, 16_500, ((11, 6, 6), (12, 5, 6))),
    ("56", State.IN_INSTRUCTION, 10_500, ((18, 9, 8), (17, 8, 9))),
    ("56", State.IN_INSTRUCTION, 13_500, ((10, 4, 5), (11, 5, 5))),
)
# The rules of the open call: its committee selects among the dossiers fully scored above (seven, at most three per
# département), so that its page shows a selection.
OPEN_RULES = {
    "budget": 3_000_000,
    "laureates_min": 5,
    "laureates_max": 50,
    "ceiling_per_school": 15_000,
    "cap_per_departement": 3,
}
OPEN_RULES_NOTE = "Démonstration : au moins 5 lauréats parmi les dossiers notés de l'appel"
LOGGING_IN = (State.DRAFT, State.CORRECTIONS)
CORRECTIONS_REASON = (
    "La délibération du conseil municipal n'est pas jointe et le coût n'est pas détaillé par école : joignez la "
    "délibération et précisez le devis de raccordement de chaque école."
)
# The dossiers of the closed call: the next eligible communes of Ille-et-Vilaine after those of the open call, with
# their estimated cost and the points of both scorers.
CLOSED_DOSSIERS = (
    (95_000, ((18, 8, 9), (17, 9, 8))),
    (35_000, ((14, 6, 7), (15, 7, 6))),
    (30_000, ((11, 5, 5), (12, 4, 6))),
    (45_000, ((13, 7, 6), (12, 6, 7))),
    (40_000, ((9, 4, 5), (10, 5, 4))),
)
# The speeds measured on copper that the communes state for their écoles, in turn (Mbit/s).
SPEEDS = (2.5, 4.0, 1.5, 6.0)
# The closed call, in days before today: opening, deposits, closing, instruction, scoring, committee, connection.
OPENED, DEPOSITS, CLOSED, INSTRUCTION, SCORING, COMMITTEE, CONNECTED = 200, 150, 110, 100, 80, 60, 20


class Command(BaseCommand):
    help = (
        "Données de démonstration de la plateforme embarquée : un compte par rôle (mots de passe aléatoires gardés "
        "dans var/demo-comptes.txt), un appel à manifestation d'intérêt « connectivité » ouvert avec des "
        "candidatures à chaque étape de l'instruction, et un appel clos aux résultats publiés. À ne pas lancer en "
        "production."
    )

    def handle(self, *args, **options):
        if not Territory.objects.filter(level=Level.FRANCE).exists():
            self.stdout.write("Référentiel géographique absent : lancez d'abord « edhub setup ».")
            return
        self.path = settings.VAR_DIR / "demo-comptes.txt"
        self.accounts = read_accounts(self.path)
        self.changed = False
        with transaction.atomic():
            users = {
                username: self._agent(username, role, parse_territory(place) if place else None, name)
                for username, role, place, name in DEMO_AGENTS
            }
            campaign = self._open_campaign(users["demo-national"])
            self._open_dossiers(campaign, users)
            self._closed_campaign(users)
        if self.changed:
            width = max(len(username) for username in self.accounts)
            lines = [
                f"  {username:<{width}}  {password}   ({about})"
                for username, (password, about) in self.accounts.items()
            ]
            self.path.write_text("\n".join([ACCOUNTS_HEADER, *lines]) + "\n", encoding="utf-8")
        self.stdout.write(self.path.read_text(encoding="utf-8"), ending="")

    # -- Accounts -------------------------------------------------------------------------------------------------

    def _agent(self, username, role, territory, name=""):
        """The demo agent (administrator of its organisation), created with a new password unless it exists and its
        password is in the accounts file."""
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and username in self.accounts:
            return user
        membership, password = save_agent(username, role, territory, password=secrets.token_urlsafe(12), admin=True)
        user = membership.user
        if name:
            user.first_name, user.last_name = name.split(" ", 1)
            user.save(update_fields=["first_name", "last_name"])
        self.accounts[username] = (password, membership.label())
        self.changed = True
        return user

    def _author(self, username, commune):
        """A demo agent of the commune without a password: the author of its dossier."""
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model()(username=username)
            user.set_unusable_password()
            user.save()
            save_agent(username, Role.COMMUNE, commune)
        return user

    # -- The open call --------------------------------------------------------------------------------------------

    def _open_campaign(self, national):
        """The open call, created with OPEN_RULES; a call of an earlier demo with other rules is brought to them
        (a new version of its rules)."""
        campaign = Campaign.objects.filter(title=DEMO_CAMPAIGN).first()
        if campaign is not None:
            changed = {name: value for name, value in OPEN_RULES.items() if getattr(campaign, name) != value}
            if changed and campaign.status == Campaign.Status.OPEN:
                Campaign.objects.filter(pk=campaign.pk).update(**changed)
                campaign.refresh_from_db()
                campaign.record_version(national, OPEN_RULES_NOTE)
                self.stdout.write(f"Règles de l'appel de démonstration mises à jour : {OPEN_RULES_NOTE}.")
            return campaign
        today = timezone.localdate()
        campaign = Campaign.objects.create(
            title=DEMO_CAMPAIGN,
            territory=Territory.objects.get(level=Level.FRANCE),
            opens_on=today,
            closes_on=today + datetime.timedelta(days=90),
            **OPEN_RULES,
        )
        campaign.open(national)
        self.stdout.write(f"Appel de démonstration ouvert : « {campaign.title} » ({campaign.get_absolute_url()}).")
        return campaign

    def _open_dossiers(self, campaign, users):
        """The dossiers of OPEN_DOSSIERS that the call does not have yet (counted per département, in order)."""
        if campaign.status != Campaign.Status.OPEN:
            return
        existing = Counter(campaign.applications.values_list("commune__departement__code", flat=True))
        wanted = defaultdict(list)
        for row in OPEN_DOSSIERS:
            wanted[row[0]].append(row)
        missing = [row for code, rows in wanted.items() for row in rows[existing[code] :]]
        if not missing:
            return
        applied = set(campaign.applications.values_list("commune_id", flat=True))
        eligible = {
            code: [a for a in pre_identify(campaign, departement=code).eligible if a.id not in applied]
            for code in {row[0] for row in missing}
        }
        needed = Counter(row[0] for row in missing)
        if any(len(eligible[code]) < count for code, count in needed.items()):
            self.stdout.write("Pas assez de communes éligibles dans les données installées : appel sans candidature.")
            return
        now = timezone.now()
        today = min(timezone.localdate(), campaign.closes_on)
        instructor, scorers = users[SCORERS[0]], [users[username] for username in SCORERS]
        taken = {code: iter(assessments) for code, assessments in eligible.items()}
        for departement, state, cost, points in missing:
            commune = Territory.objects.get(pk=next(taken[departement]).id)
            application, mayor = self._dossier(
                campaign, commune, cost, now, complete=state != State.DRAFT, login=state in LOGGING_IN
            )
            if state not in LOGGING_IN:
                attach_deliberation(application, now)
            if state == State.DRAFT:
                continue
            self._move(application, State.SUBMITTED, mayor, now, today=today)
            if state == State.SUBMITTED:
                continue
            self._move(application, State.IN_INSTRUCTION, instructor, now)
            if state == State.CORRECTIONS:
                self._move(application, State.CORRECTIONS, instructor, now, reason=CORRECTIONS_REASON)
                continue
            for scorer, values in zip(scorers, points, strict=True):
                if values is not None:
                    give_scores(application, scorer, values, now)
        self.stdout.write(f"Candidatures de démonstration déposées sur « {campaign.title} ».")

    # -- The closed call ------------------------------------------------------------------------------------------

    def _closed_campaign(self, users):
        if Campaign.objects.filter(title=CLOSED_CAMPAIGN).exists():
            return
        from edhub.ami import scoring  # SciPy (the committee's solver) takes a second to import: only when needed

        today = timezone.localdate()
        national, instructor = users["demo-national"], users[SCORERS[0]]
        scorers = [users[username] for username in SCORERS]
        campaign = Campaign(
            title=CLOSED_CAMPAIGN,
            territory=Territory.objects.get(level=Level.DEPARTEMENT, code="35"),
            opens_on=today - datetime.timedelta(days=OPENED),
            closes_on=today - datetime.timedelta(days=CLOSED),
            budget=180_000,
            laureates_min=2,
            laureates_max=3,
            ceiling_per_school=40_000,
        )
        skipped = sum(1 for row in OPEN_DOSSIERS if row[0] == "35")
        eligible = pre_identify(campaign).eligible[skipped : skipped + len(CLOSED_DOSSIERS)]
        if len(eligible) < len(CLOSED_DOSSIERS):
            self.stdout.write("Pas assez de communes éligibles dans les données installées : pas d'appel clos.")
            return
        campaign.save()
        campaign.open(national)
        CampaignVersion.objects.filter(campaign=campaign).update(created_at=days_ago(OPENED))
        dossiers = []
        for position, (assessment, (cost, points)) in enumerate(zip(eligible, CLOSED_DOSSIERS, strict=True)):
            commune = Territory.objects.get(pk=assessment.id)
            deposit = days_ago(DEPOSITS - position)
            application, mayor = self._dossier(campaign, commune, cost, deposit - datetime.timedelta(days=5))
            attach_deliberation(application, deposit - datetime.timedelta(days=12))
            self._move(application, State.SUBMITTED, mayor, deposit)
            dossiers.append((application, mayor, points))
        closure = campaign.close(national)
        CampaignVersion.objects.filter(pk=closure.pk).update(created_at=days_ago(CLOSED))
        for application, _, points in dossiers:
            self._move(application, State.IN_INSTRUCTION, instructor, days_ago(INSTRUCTION))
            for scorer, values in zip(scorers, points, strict=True):
                give_scores(application, scorer, values, days_ago(SCORING))
        scoring.arrest(campaign, national)
        decided = ApplicationEvent.objects.filter(application__campaign=campaign, to_state__in=Application.DECISIONS)
        decided.update(at=days_ago(COMMITTEE))
        scoring.publish(campaign, national, now=days_ago(COMMITTEE))
        mayors = {application.pk: mayor for application, mayor, _ in dossiers}
        laureates = campaign.applications.filter(state=State.ACCEPTED).annotate(schools_count=Count("concerned"))
        laureate = laureates.order_by("-schools_count", "pk").first()
        self._follow_up(laureate, mayors[laureate.pk])
        self.stdout.write(f"Appel clos de démonstration, résultats publiés : « {campaign.title} ».")

    def _follow_up(self, laureate, mayor):
        """The laureate's first school connected by fibre with its measured speed, the second with works planned."""
        schools = list(laureate.concerned.order_by("school__uai"))
        changes = {schools[0].pk: {"works": ApplicationSchool.Works.CONNECTED}}
        changes[schools[0].pk].update(
            connected_on=timezone.localdate() - datetime.timedelta(days=CONNECTED),
            connected_technology=Technology.FIBRE,
            connected_mbps=320.0,
        )
        changes.update({school.pk: {"works": ApplicationSchool.Works.PLANNED} for school in schools[1:2]})
        followup.update(laureate, mayor, changes)
        ApplicationSchool.objects.filter(pk__in=changes).update(works_updated_at=days_ago(CONNECTED))

    # -- Dossiers -------------------------------------------------------------------------------------------------

    def _dossier(self, campaign, commune, cost, at, complete=True, login=False):
        """The dossier of a commune written by its demo agent (`login`: with a password): its open public écoles on
        copper, the project and the contact (an incomplete one lacks its e-mail)."""
        slug = slugify(commune.name)
        username = f"demo-mairie-{slug}"
        mayor = self._agent(username, Role.COMMUNE, commune) if login else self._author(username, commune)
        schools = list(candidate_schools(commune))
        application = Application.objects.create(
            campaign=campaign,
            commune=commune,
            author=mayor,
            project=(
                f"Raccordement en fibre optique de {'l’école' if len(schools) == 1 else f'{len(schools)} écoles'} de "
                f"{commune.name}, aujourd’hui desservie{'' if len(schools) == 1 else 's'} par le cuivre, et câblage "
                "des classes (réseau filaire et Wi-Fi) pour les usages pédagogiques numériques. Travaux prévus "
                "pendant les vacances d’été."
            ),
            estimated_cost=cost,
            cofunding=cost // 5,
            contact_name=f"Secrétariat de mairie de {commune.name}",
            contact_email=f"mairie@{slug}.demo.invalid" if complete else "",
        )
        Application.objects.filter(pk=application.pk).update(created_at=at)
        ApplicationSchool.objects.bulk_create(
            ApplicationSchool(
                application=application,
                school=school,
                technology=Technology.CUIVRE,
                download_mbps=SPEEDS[i % len(SPEEDS)],
            )
            for i, school in enumerate(schools)
        )
        return application, mayor

    def _move(self, application, to, user, at, reason="", today=None):
        """Application.move (checked and logged), dated `at`."""
        event = application.move(to, user, reason=reason, today=today or timezone.localdate(at))
        ApplicationEvent.objects.filter(pk=event.pk).update(at=at)
        if to == State.SUBMITTED:
            application.submitted_at = at  # saved again by the next move
            Application.objects.filter(pk=application.pk).update(submitted_at=at)
        return event


def read_accounts(path):
    """{username: (password, membership)} from the accounts file (empty when there is none)."""
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.split(maxsplit=2) for line in lines if line.strip()]
    return {
        username: (password, about.strip().removeprefix("(").removesuffix(")")) for username, password, about in rows
    }


def days_ago(days):
    """Ten in the morning, `days` days ago."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def give_scores(application, scorer, points, at):
    """The scorer's points on the manual criteria of the dossier's grid, in order (within each weight)."""
    manual = application.campaign.criteria.filter(automatic=False).order_by("position", "pk")
    Score.objects.bulk_create(
        Score(application=application, criterion=criterion, scorer=scorer, points=min(value, criterion.weight), at=at)
        for criterion, value in zip(manual, points, strict=False)  # a grid edited since may have other criteria
    )


def attach_deliberation(application, at):
    """The council's deliberation of the dossier's commune, as the dossier form stores it."""
    name = f"deliberation_{application.commune.code}_{application.campaign_id}.pdf"
    pdf = deliberation_pdf(application.commune, application.campaign, timezone.localdate(at))
    application.deliberation.save(name, ContentFile(pdf))


def deliberation_pdf(commune, campaign, on):
    """A one-page PDF: the extract of the council's deliberation applying to the call (a demo document)."""
    lines = [
        "Extrait du registre des délibérations du conseil municipal",
        f"Commune de {commune.name} ({commune.code}), séance du {on:%d/%m/%Y}",
        "",
        "Le conseil municipal approuve la candidature de la commune à l'appel",
        f"« {campaign.title} »",
        "et autorise le maire à signer tout document s'y rapportant.",
        "",
        "Document de démonstration, sans valeur.",
    ]
    shown = " ".join(f"({_pdf_text(line)}) '" for line in lines)
    content = f"BT /F1 11 Tf 16 TL 56 800 Td {shown} ET".encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def _pdf_text(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
