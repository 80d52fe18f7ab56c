"""The audit log (/journal/): who changed which record, when, in which membership, and what changed.

A national administrator reads every entry, and may narrow them to an organisation; an organisation's administrator
reads its organisation's (edhub.accounts.audit.about_organisation); anyone else is refused by the policy
(« accounts.see_log »). Both filter by kind of record and by date, newest first, and export what they filter as CSV.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import islice

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst

from edhub.accounts import permissions
from edhub.accounts.audit import about_organisation
from edhub.accounts.models import Organisation, Role
from edhub.utils.exports import csv_response

ENTRIES_PER_PAGE = 50
EXPORT_CHUNK = 1000
ACTIONS = {
    LogEntry.Action.CREATE: "création",
    LogEntry.Action.UPDATE: "modification",
    LogEntry.Action.DELETE: "suppression",
    LogEntry.Action.ACCESS: "consultation",
}
# The page of each kind of record that has one (its id in the URL).
RECORD_PAGES = {
    "inventories.upload": "inventories:upload",
    "ami.campaign": "ami:detail",
    "ami.application": "ami:application",
}
NO_ACTOR = "Sans auteur (commande ou traitement automatique)"
EMPTY = "(vide)"
EXPORT_HEADER = [
    "Date",
    "Auteur",
    "Courriel",
    "Organisation",
    "Rôle",
    "Action",
    "Type d'enregistrement",
    "Enregistrement",
    "Modifications",
]


# -- Who reads what ------------------------------------------------------------------------------------------------


def readable_entries(request):
    """The entries this user may read in the membership in use; PermissionDenied (with the policy's reason)
    otherwise. Also says whether the user reads every organisation's."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if permissions.is_national(request.user):
        return entries, True
    membership = getattr(request, "membership", None)
    if membership is None:
        permissions.require(request.user, "accounts.act")
    permissions.require(request.user, "accounts.see_log", membership.organisation)
    return entries.filter(about_organisation(membership.organisation_id)), False


# -- Filters -------------------------------------------------------------------------------------------------------


def record_kinds():
    """[(app_label.model, « Dépôt d'inventaire »)]: the kinds of record the log keeps, by name."""
    kinds = [(model._meta.label_lower, capfirst(model._meta.verbose_name)) for model in auditlog.get_models()]
    return sorted(kinds, key=lambda kind: kind[1])


class LogFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name", "pk"),
        required=False,
        empty_label="Toutes les organisations",
    )
    type = forms.ChoiceField(label="Type d'enregistrement", required=False)
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, national, **kwargs):
        super().__init__(*args, **kwargs)
        if not national:
            del self.fields["organisation"]
        self.fields["type"].choices = [("", "Tous les types"), *record_kinds()]

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", "La date de fin suit la date de début.")
        return data

    def filter(self, entries):
        """The entries the valid filters keep (an invalid one is shown with its error and not applied)."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("organisation"):
            entries = entries.filter(about_organisation(data["organisation"].pk))
        if data.get("type"):
            model = apps.get_model(data["type"])
            entries = entries.filter(content_type=ContentType.objects.get_for_model(model))
        # Days in French time, as bounds of the timestamp (which its index serves).
        if data.get("du"):
            entries = entries.filter(timestamp__gte=_midnight(data["du"]))
        if data.get("au"):
            entries = entries.filter(timestamp__lt=_midnight(data["au"] + timedelta(days=1)))
        return entries


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


# -- How an entry reads --------------------------------------------------------------------------------------------


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Line:
    at: datetime
    who: str
    email: str
    organisation: str
    role: str
    action: str
    kind: str
    label: str
    url: str = ""
    changes: list = field(default_factory=list)
    shows_before: bool = True  # an update shows before → after; a creation or a deletion its values (`after`)


def person(user):
    return user.get_full_name() or user.get_username()


def _model_field(model, name):
    try:
        return model._meta.get_field(name) if model is not None else None
    except models.FieldDoesNotExist:
        return None


def _is_reference(model_field):
    return model_field is not None and (model_field.many_to_one or model_field.one_to_one)


def _references(entries):
    """{(related model, pk): its name} for every record an entry's changes point to, one query per kind."""
    wanted = {}
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            model_field = _model_field(model, name)
            if _is_reference(model_field):
                wanted.setdefault(model_field.related_model, set()).update(v for v in values if v is not None)
    users = get_user_model()
    names = {}
    for related, pks in wanted.items():
        for pk, obj in related._default_manager.in_bulk(pks).items():
            names[related, pk] = person(obj) if related is users else str(obj)
    return names


def _pages(entries):
    """{(content type id, object id): URL} of the records that have a page and still exist."""
    wanted = {}
    for entry in entries:
        if entry.content_type.app_label + "." + entry.content_type.model in RECORD_PAGES and entry.object_id:
            wanted.setdefault(entry.content_type, set()).add(entry.object_id)
    urls = {}
    for content_type, ids in wanted.items():
        name = RECORD_PAGES[f"{content_type.app_label}.{content_type.model}"]
        for pk in content_type.model_class()._default_manager.filter(pk__in=ids).values_list("pk", flat=True):
            urls[content_type.pk, pk] = reverse(name, args=[pk])
    return urls


def shown(model_field, value, names):
    """A value of a change as people read it: choices by their label, records by their name, dates in French."""
    if value is None or value == "":
        return EMPTY
    if model_field is None:
        return str(value)
    if _is_reference(model_field):
        return names.get((model_field.related_model, value), f"n° {value} (supprimé)")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str) and parse_datetime(value):
        moment = parse_datetime(value)
        if timezone.is_naive(moment):  # auditlog keeps them in UTC, without their offset
            moment = moment.replace(tzinfo=UTC)
        return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"
    if isinstance(model_field, models.DateField) and isinstance(value, str) and parse_date(value):
        return f"{parse_date(value):%d/%m/%Y}"
    return str(value)


def _changes(entry, model, names):
    order = {f.name: index for index, f in enumerate(model._meta.fields)} if model is not None else {}
    changes = []
    for name in sorted(entry.changes or {}, key=lambda name: (order.get(name, len(order)), name)):
        before, after = entry.changes[name]
        model_field = _model_field(model, name)
        label = capfirst(model_field.verbose_name) if model_field is not None else name
        changes.append(Change(str(label), shown(model_field, before, names), shown(model_field, after, names)))
    return changes


def lines(entries):
    """[Line] of a batch of entries (their referenced records and pages read in a few queries)."""
    entries = list(entries)
    names, pages = _references(entries), _pages(entries)
    result = []
    for entry in entries:
        model = entry.content_type.model_class()
        data = entry.additional_data or {}
        role = data.get("role") or ""
        changes = _changes(entry, model, names)
        if entry.action == LogEntry.Action.DELETE:  # what the record held when it was deleted
            changes = [Change(c.field, "", c.before) for c in changes]
        elif entry.action != LogEntry.Action.UPDATE:  # what it was created with
            changes = [Change(c.field, "", c.after) for c in changes]
        result.append(
            Line(
                at=timezone.localtime(entry.timestamp),
                who=person(entry.actor) if entry.actor is not None else (entry.actor_email or NO_ACTOR),
                email=entry.actor_email or (entry.actor.email if entry.actor is not None else ""),
                organisation=data.get("organisation_name") or "",
                role=Role(role).label if role in Role.values else role,
                action=ACTIONS.get(entry.action, str(entry.action)),
                kind=str(capfirst(model._meta.verbose_name)) if model is not None else entry.content_type.model,
                label=entry.object_repr,
                url=pages.get((entry.content_type_id, entry.object_id), ""),
                changes=changes,
                shows_before=entry.action == LogEntry.Action.UPDATE,
            )
        )
    return result


# -- Pages ---------------------------------------------------------------------------------------------------------


def _filtered(request):
    entries, national = readable_entries(request)
    form = LogFilterForm(request.GET, national=national)
    return form.filter(entries), form, national


@login_required
def journal(request):
    entries, form, national = _filtered(request)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    membership = getattr(request, "membership", None)
    return render(
        request,
        "audit/journal.html",
        {
            "form": form,
            "national": national,
            "organisation": None if national else membership.organisation,
            "page": page,
            "lines": lines(page.object_list),
            "export_url": f"{reverse('audit:export')}?{query.urlencode()}" if query else reverse("audit:export"),
            "breadcrumb_data": {"root_dir": reverse("home"), "links": [], "current": "Journal des modifications"},
        },
    )


def _export_rows(entries):
    iterator = entries.iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(iterator, EXPORT_CHUNK)):
        for line in lines(chunk):
            changes = " | ".join(
                f"{c.field} : {c.before} → {c.after}" if line.shows_before else f"{c.field} : {c.after}"
                for c in line.changes
            )
            yield [
                f"{line.at:%d/%m/%Y %H:%M:%S}",
                line.who,
                line.email,
                line.organisation,
                line.role,
                line.action,
                line.kind,
                line.label,
                changes,
            ]


@login_required
def export(request):
    entries, _form, _national = _filtered(request)
    return csv_response("journal-des-modifications.csv", EXPORT_HEADER, _export_rows(entries))
