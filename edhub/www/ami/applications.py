"""Pages of the connectivity call: the dossier of a commune and its instruction.

A commune agent drafts its commune's dossier (its open public écoles pre-filled with their known connection),
joins the council's deliberation and deposits it; it edits it again only in draft or when an instructor asks for
corrections. Instructors (a national administrator, an académie for its communes) list the dossiers of a call,
export them, move a dossier from state to state with a written reason, and keep private annotations that the
commune never sees. Every change of state is e-mailed to the commune (edhub.ami.notifications).
"""

import os
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from edhub.accounts.models import Role
from edhub.accounts.permissions import may, require
from edhub.accounts.scope import membership_of
from edhub.ami import deliberations
from edhub.ami.eligibility import candidate_schools
from edhub.ami.models import Application, ApplicationSchool
from edhub.ami.notifications import notify_state_change, recipients
from edhub.inventories.models import Declaration
from edhub.schools.models import School, SchoolFigure, Variable
from edhub.territories.models import Territory, TerritoryFigure
from edhub.utils.exports import table_response
from edhub.www.ami.forms import ApplicationForm, MoveForm, NoteForm, SchoolRowForm, StateFilterForm
from edhub.www.ami.views import breadcrumb, campaign_or_404

DOSSIERS_PER_PAGE = 50
# The label of the button of each move, and its style.
MOVE_BUTTONS = {
    Application.State.SUBMITTED: ("Déposer la candidature", ""),
    Application.State.IN_INSTRUCTION: ("Passer en instruction", ""),
    Application.State.CORRECTIONS: ("Demander des compléments à la commune", "fr-btn--secondary"),
    Application.State.ACCEPTED: ("Retenir le dossier", ""),
    Application.State.REFUSED: ("Ne pas retenir le dossier", "fr-btn--secondary"),
    Application.State.WITHOUT_FOLLOW_UP: ("Classer sans suite", "fr-btn--tertiary"),
}
REOPEN_BUTTON = "Rouvrir l’instruction"
EXPORT_HEADER = [
    "Code commune",
    "Commune",
    "Département",
    "État",
    "Déposé le",
    "Écoles concernées",
    "Coût estimé (euros)",
    "Cofinancement (euros)",
    "Contact",
    "Courriel du contact",
    "Délibération jointe",
    "Projet",
    "Adresse du dossier",
]


# -- Who may do what ---------------------------------------------------------------------------------------------


def _visible_dossier(request, pk):
    """The dossier if this account may see it (404 otherwise: its existence is not disclosed)."""
    require(request.user, "accounts.act")  # a member of an organisation, else the reason
    dossiers = Application.objects.visible_to(request.user)
    dossiers = dossiers.select_related("campaign__territory", "commune__departement", "commune__academie", "author")
    return get_object_or_404(dossiers, pk=pk)


def _editable_dossier(request, pk):
    application = _visible_dossier(request, pk)
    require(request.user, "ami.edit", application)
    return application


# -- What the data says of the commune's écoles ------------------------------------------------------------------


def current_declarations(uais):
    """{uai: Declaration}: the local declaration in force for the latest rentrée declared of each school."""
    found = {}
    for row in Declaration.objects.filter(school_id__in=uais).in_force():  # latest rentrée first
        found.setdefault(row.school_id, row)
    return found


def latest_figures(uais):
    """{uai: {variable: (rentrée, value)}}: the latest pupils and classes of the registry."""
    figures = {}
    rows = SchoolFigure.objects.filter(
        school_id__in=uais, variable__in=(Variable.PUPILS, Variable.CLASSES), value__isnull=False
    )
    for uai, variable, rentree, value in rows.values_list("school_id", "variable", "rentree", "value").order_by():
        known = figures.setdefault(uai, {})
        if rentree >= known.get(variable, (0, None))[0]:
            known[variable] = (rentree, value)
    return figures


@dataclass
class ArcepFigures:
    period: str
    premises: int
    reached: int
    speed: int

    @property
    def share(self):
        return 100 * self.reached / self.premises


def arcep_figures(commune, speed):
    """The premises of the commune eligible to `speed` Mbit/s by wire (Arcep, latest period), or None."""
    places = Territory.objects.filter(commune.inside()).values("id")
    figures = TerritoryFigure.objects.filter(territory_id__in=places, value__isnull=False)
    period = figures.filter(variable="locaux").aggregate(latest=Max("period"))["latest"]
    if period is None:
        return None
    totals = {}
    for variable, value in figures.filter(period=period, variable__in=("locaux", f"locaux_ge_{speed}")).values_list(
        "variable", "value"
    ):
        totals[variable] = totals.get(variable, 0) + value
    premises, reached = totals.get("locaux"), totals.get(f"locaux_ge_{speed}")
    if not premises or reached is None:
        return None
    return ArcepFigures(period, int(premises), int(reached), speed)


@dataclass
class SchoolRow:
    """An école in the dossier form or on the dossier page, with what the data says of it."""

    school: School
    declaration: Declaration | None
    figures: dict
    form: SchoolRowForm | None = None
    concerned: ApplicationSchool | None = None

    @property
    def pupils(self):
        return self.figures.get(Variable.PUPILS, (None, None))

    @property
    def classes(self):
        return self.figures.get(Variable.CLASSES, (None, None))


def school_rows(application, commune, data=None):
    """The rows of the dossier form: the commune's open public écoles and those already in the dossier.

    A new dossier has every école checked, with its connection from its local declaration in force; a saved one
    shows what the commune saved."""
    schools = list(candidate_schools(commune))
    concerned = {}
    if application.pk:
        concerned = {c.school_id: c for c in application.concerned.select_related("school")}
        known = {school.uai for school in schools}
        schools += [c.school for c in concerned.values() if c.school_id not in known]
    uais = [school.uai for school in schools]
    declared, figures = current_declarations(uais), latest_figures(uais)
    rows = []
    for school in schools:
        declaration, saved = declared.get(school.uai), concerned.get(school.uai)
        if saved is not None:
            initial = {"concerned": True, "technology": saved.technology, "download_mbps": saved.download_mbps}
        else:
            initial = {
                "concerned": application.pk is None,
                "technology": declaration.technology if declaration else "",
                "download_mbps": declaration.download_mbps if declaration else None,
            }
        form = SchoolRowForm(data, prefix=f"ecole-{school.uai}", initial=initial)
        rows.append(SchoolRow(school, declaration, figures.get(school.uai, {}), form, saved))
    return rows


def concerned_rows(application):
    """The écoles of a saved dossier with the connection it states and what the data says of them."""
    concerned = list(application.concerned.select_related("school"))
    uais = [c.school_id for c in concerned]
    declared, figures = current_declarations(uais), latest_figures(uais)
    return [
        SchoolRow(c.school, declared.get(c.school_id), figures.get(c.school_id, {}), concerned=c) for c in concerned
    ]


# -- The commune's dossier ---------------------------------------------------------------------------------------


def deliberation_name(application):
    return os.path.basename(application.deliberation.name) if application.deliberation else ""


def dossier_url(request, application):
    return request.build_absolute_uri(reverse("ami:application", args=[application.pk]))


def _move(request, application, to, reason=""):
    """Move the dossier and e-mail the commune once the change is committed."""
    with transaction.atomic():
        event = application.move(to, request.user, reason=reason)
        notify_state_change(event, dossier_url(request, application))
    return event


def _moved_message(event):
    sent_to = recipients(event.application)
    told = f" Un courriel est envoyé à {', '.join(sent_to)}." if sent_to else ""
    if event.to_state == Application.State.SUBMITTED:
        return f"La candidature est déposée.{told}"
    return f"Le dossier est passé à l'état « {event.get_to_state_display()} ».{told}"


def _save_dossier(form, rows):
    with transaction.atomic():
        application = form.save()
        for row in rows:
            data = row.form.cleaned_data
            if data["concerned"]:
                ApplicationSchool.objects.update_or_create(
                    application=application,
                    school=row.school,
                    defaults={"technology": data["technology"], "download_mbps": data["download_mbps"]},
                )
            else:
                ApplicationSchool.objects.filter(application=application, school=row.school).delete()
    return application


def _mark_missing(form, rows_errors, application):
    """Point at each mandatory field left empty, beside the message of the model."""
    for name in Application.MANDATORY:
        if getattr(application, name) in (None, "") and name in form.fields:
            form.add_error(name, "À renseigner pour déposer la candidature.")
    if not application.concerned.exists():
        rows_errors.append("Cochez au moins une école concernée par le projet.")


def _dossier_form(request, campaign, commune, application):
    """The dossier form (new when `application` has no pk yet): save the draft or deposit it."""
    data = request.POST if request.method == "POST" else None
    form = ApplicationForm(data, request.FILES if data is not None else None, instance=application)
    rows = school_rows(application, commune, data)
    rows_errors, submit_error = [], ""
    if data is not None:
        rows_valid = [row.form.is_valid() for row in rows]  # every row validated, to show all errors
        if form.is_valid() and all(rows_valid):
            try:
                application = _save_dossier(form, rows)
            except IntegrityError:  # another agent of the commune opened the dossier meanwhile
                existing = Application.objects.get(campaign=campaign, commune=commune)
                messages.error(request, "Un dossier de votre commune existe déjà pour cet appel : le voici.")
                return redirect("ami:application", existing.pk)
            if request.POST.get("action") != "submit":
                messages.success(request, "Vos saisies sont enregistrées. Déposez le dossier quand il est complet.")
                return redirect("ami:application", application.pk)
            try:
                event = _move(request, application, Application.State.SUBMITTED)
            except ValidationError as error:
                submit_error = " ".join(error.messages)
                _mark_missing(form, rows_errors, application)
            else:
                messages.success(request, _moved_message(event))
                return redirect("ami:application", application.pk)
    last_correction = None
    if application.state == Application.State.CORRECTIONS:
        last_correction = application.events.filter(to_state=Application.State.CORRECTIONS).last()
    title = "Modifier la candidature" if application.pk else "Déposer une candidature"
    context = {
        "campaign": campaign,
        "commune": commune,
        "application": application,
        "form": form,
        "rows": rows,
        "rows_errors": rows_errors,
        "submit_error": submit_error,
        "deposit_refusal": application.deposit_refusal(timezone.localdate()),
        "saved": application.pk is not None,
        "action_url": (
            reverse("ami:application-edit", args=[application.pk])
            if application.pk
            else reverse("ami:application-new", args=[campaign.pk])
        ),
        "arcep": arcep_figures(commune, campaign.speed_threshold),
        "deliberation_name": deliberation_name(application),
        "last_correction": last_correction,
        "title": f"{title} — {commune.name}",
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign, title),
    }
    return render(request, "ami/application_form.html", context)


@login_required
def application_new(request, pk):
    """The commune's dossier on a call: the form of a new dossier, or its dossier when it has one."""
    campaign = campaign_or_404(request, pk)
    membership = membership_of(request.user)
    if membership is not None and membership.role == Role.COMMUNE:
        existing = Application.objects.filter(campaign=campaign, commune=membership.territory).first()
        if existing is not None:
            return redirect("ami:application", existing.pk)
    require(request.user, "ami.apply", campaign)
    commune = membership.territory
    application = Application(campaign=campaign, commune=commune, author=request.user)
    return _dossier_form(request, campaign, commune, application)


@login_required
def application_edit(request, pk):
    application = _editable_dossier(request, pk)
    return _dossier_form(request, application.campaign, application.commune, application)


# -- The dossier page --------------------------------------------------------------------------------------------


def _render_dossier(request, application, move_form=None, note_form=None, move_error="", status=200):
    instructor = may(request.user, "ami.instruct_dossier", application)
    allowed = application.allowed_moves(request.user)
    # The commune is offered the deposit only when the call would take it (the same check as Application.move).
    deposit_refusal = ""
    if Application.State.SUBMITTED in allowed:
        deposit_refusal = application.deposit_refusal(timezone.localdate())
    moves = [
        {
            "state": to,
            "label": REOPEN_BUTTON if application.state in Application.DECISIONS else MOVE_BUTTONS[to][0],
            "style": MOVE_BUTTONS[to][1],
        }
        for to in allowed
        if not (to == Application.State.SUBMITTED and deposit_refusal)
    ]
    events = list(application.events.select_related("user"))
    last_correction = next((e for e in reversed(events) if e.to_state == Application.State.CORRECTIONS), None)
    campaign = application.campaign
    crumbs = breadcrumb(campaign, f"Candidature de {application.commune.name}")
    if may(request.user, "ami.instruct", campaign):
        crumbs["links"].append({"url": reverse("ami:applications", args=[campaign.pk]), "title": "Candidatures"})
    commune_may_edit = may(request.user, "ami.edit", application)
    context = {
        "application": application,
        "campaign": campaign,
        "rows": concerned_rows(application),
        "arcep": arcep_figures(application.commune, campaign.speed_threshold),
        "deliberation_name": deliberation_name(application),
        "events": events,
        "last_correction": last_correction if application.state == Application.State.CORRECTIONS else None,
        "moves": moves,
        "deposit_refusal": deposit_refusal,
        "move_form": move_form or MoveForm(),
        "move_error": move_error,
        "instructor": instructor,
        "commune_may_edit": commune_may_edit,
        "missing": application.missing_fields() if commune_may_edit else [],
        "notes": application.notes.select_related("author") if instructor else None,
        "note_form": note_form or NoteForm(),
        "active_nav": "ami",
        "breadcrumb_data": crumbs,
    }
    return render(request, "ami/application_detail.html", context, status=status)


@login_required
def application_detail(request, pk):
    return _render_dossier(request, _visible_dossier(request, pk))


@login_required
@require_POST
def application_move(request, pk):
    application = _visible_dossier(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("État demandé inconnu.")
    to = form.cleaned_data["to"]
    try:
        event = _move(request, application, to, form.cleaned_data["reason"])
    except ValidationError as error:
        application.refresh_from_db()
        return _render_dossier(request, application, move_form=form, move_error=" ".join(error.messages))
    messages.success(request, _moved_message(event))
    return redirect("ami:application", application.pk)


@login_required
@require_POST
def application_note(request, pk):
    application = _visible_dossier(request, pk)
    require(request.user, "ami.instruct_dossier", application)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_dossier(request, application, note_form=form)
    form.instance.application, form.instance.author = application, request.user
    form.save()
    messages.success(request, "Annotation enregistrée (visible des seuls instructeurs).")
    return redirect(reverse("ami:application", args=[application.pk]) + "#annotations")


@login_required
def application_deliberation(request, pk):
    application = _visible_dossier(request, pk)
    if not application.deliberation:
        raise Http404("Aucune délibération jointe à ce dossier.")
    name = deliberation_name(application)
    kind = name.rsplit(".", 1)[-1].lower()
    return FileResponse(
        application.deliberation.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=deliberations.CONTENT_TYPES.get(kind, "application/octet-stream"),
    )


# -- The instructors' list and exports ---------------------------------------------------------------------------


def _dossiers_of(request, campaign):
    """The dossiers of the campaign this instructor sees, the state filter, and the counts per state."""
    require(request.user, "ami.instruct", campaign)
    dossiers = Application.objects.visible_to(request.user).filter(campaign=campaign)
    counts = dict(dossiers.values_list("state").annotate(count=Count("id")).order_by())
    form = StateFilterForm(request.GET or None)
    if request.GET.get("etat") and not form.is_valid():
        raise Http404("État inconnu.")
    state = form.cleaned_data["etat"] if form.is_bound and form.is_valid() else ""
    if state:
        dossiers = dossiers.filter(state=state)
    dossiers = dossiers.select_related("commune__departement").annotate(schools_count=Count("concerned"))
    return dossiers.order_by("commune__search_name", "commune__code"), form, state, counts


@login_required
def applications(request, pk):
    campaign = campaign_or_404(request, pk)
    dossiers, form, state, counts = _dossiers_of(request, campaign)
    page = Paginator(dossiers, DOSSIERS_PER_PAGE).get_page(request.GET.get("page"))
    query = f"?etat={state}" if state else ""
    list_url = reverse("ami:applications", args=[campaign.pk])
    context = {
        "campaign": campaign,
        "form": form,
        "state": state,
        "state_label": Application.State(state).label if state else "",
        "counts": [
            {"state": value, "label": label, "count": counts.get(value, 0), "url": f"{list_url}?etat={value}"}
            for value, label in Application.State.choices
        ],
        "total": sum(counts.values()),
        "page": page,
        "export_csv": reverse("ami:applications-export", args=[campaign.pk, "csv"]) + query,
        "export_xlsx": reverse("ami:applications-export", args=[campaign.pk, "xlsx"]) + query,
        "active_nav": "ami",
        "breadcrumb_data": breadcrumb(campaign, "Candidatures"),
    }
    return render(request, "ami/application_list.html", context)


def export_rows(request, dossiers):
    for application in dossiers:
        submitted = timezone.localdate(application.submitted_at) if application.submitted_at else None
        yield [
            application.commune.code,
            application.commune.name,
            application.commune.departement.code if application.commune.departement_id else "",
            application.get_state_display(),
            submitted,
            application.schools_count,
            application.estimated_cost,
            application.cofunding,
            application.contact_name,
            application.contact_email,
            "oui" if application.deliberation else "non",
            application.project,
            dossier_url(request, application),
        ]


@login_required
def applications_export(request, pk, extension):
    campaign = campaign_or_404(request, pk)
    dossiers, _, state, _ = _dossiers_of(request, campaign)
    name = f"candidatures_ami_{campaign.pk}{'_' + state if state else ''}"
    return table_response(name, extension, "Candidatures", EXPORT_HEADER, export_rows(request, dossiers))


urlpatterns = [
    path("<int:pk>/candidature/", application_new, name="application-new"),
    path("<int:pk>/candidatures/", applications, name="applications"),
    re_path(
        r"^(?P<pk>[0-9]+)/candidatures\.(?P<extension>csv|xlsx)$", applications_export, name="applications-export"
    ),
    path("candidatures/<int:pk>/", application_detail, name="application"),
    path("candidatures/<int:pk>/modifier/", application_edit, name="application-edit"),
    path("candidatures/<int:pk>/etat/", application_move, name="application-move"),
    path("candidatures/<int:pk>/annotations/", application_note, name="application-note"),
    path("candidatures/<int:pk>/deliberation/", application_deliberation, name="application-deliberation"),
]
