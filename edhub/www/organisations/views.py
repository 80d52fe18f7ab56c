"""Organisation pages: an organisation's sheet (its territory, its activity, and for its administrators its members,
invitations and requests to join), inviting by e-mail, accepting an invitation, asking to join, leaving.

Who may do what is the permission policy's; what the organisation's state forbids is edhub.accounts.members'
(Refused, shown as an error message, nothing changed)."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from edhub.accounts import members
from edhub.accounts.middleware import SESSION_KEY, use
from edhub.accounts.models import TERRITORIAL_KINDS, Invitation, JoinRequest, Kind, Membership, Organisation
from edhub.accounts.organisations import compact
from edhub.accounts.permissions import may, require
from edhub.utils.text import fold
from edhub.www.organisations.forms import AnswerForm, InviteForm, JoinForm, SignUpForm

SEARCH_RESULTS = 30


def _crumbs(current, links=()):
    return {"root_dir": reverse("home"), "links": list(links), "current": current}


def _invitation_days():
    return getattr(settings, "ACCOUNTS_INVITATION_DAYS", 7)


def _organisation(pk):
    return get_object_or_404(Organisation.objects.select_related("territory", "school"), pk=pk)


def _activity(organisation):
    """What the organisation's page counts: its members, and for a collectivité or a State service the inventory
    uploads and the connectivity call's dossiers of its territory."""
    from edhub.ami.models import Application
    from edhub.inventories.models import Upload

    counts = {
        "members": organisation.memberships.count(),
        "admins": organisation.memberships.filter(is_admin=True).count(),
    }
    if organisation.kind in TERRITORIAL_KINDS:
        territory = organisation.territory
        if organisation.kind == Kind.NATIONAL:
            counts["uploads"], counts["dossiers"] = Upload.objects.count(), Application.objects.count()
        elif territory is not None:
            counts["uploads"] = Upload.objects.filter(territory=territory).count()
            counts["dossiers"] = Application.objects.filter(territory.inside("commune__")).count()
    return counts


def _render_detail(request, organisation, invite_form=None, status=200):
    user = request.user
    sees_members = may(user, "accounts.see_members", organisation)
    own = next((m for m in request.memberships if m.organisation_id == organisation.pk), None)
    context = {
        "organisation": organisation,
        "activity": _activity(organisation),
        "own_membership": own,
        "sees_members": sees_members,
        # An administrator of this organisation acting for another one: rights follow the membership in use.
        "admin_elsewhere": own is not None and own.is_admin and not sees_members,
        "pending_request": organisation.join_requests.filter(user=user, answered_at__isnull=True).first(),
        "acting_here": request.membership is not None and request.membership.organisation_id == organisation.pk,
        "active_nav": "organisations",
        "breadcrumb_data": _crumbs(organisation.name),
    }
    if sees_members:
        context.update(
            members=organisation.memberships.select_related("user", "granted_by").order_by(
                "-is_admin", "user__last_name", "user__first_name", "user__username", "pk"
            ),
            invitations=organisation.invitations.filter(accepted_at__isnull=True)
            .select_related("invited_by")
            .order_by("-created_at", "-pk")[:50],
            join_requests=organisation.join_requests.filter(answered_at__isnull=True)
            .select_related("user")
            .order_by("created_at", "pk"),
            answer_form=AnswerForm(organisation),
            can_invite=may(user, "accounts.invite", organisation),
            invite_form=invite_form or InviteForm(organisation, days=_invitation_days()),
            can_see_log=may(user, "accounts.see_log", organisation),
        )
    return render(request, "organisations/detail.html", context, status=status)


@login_required
def detail(request, pk):
    return _render_detail(request, _organisation(pk))


@login_required
@require_POST
def invite(request, pk):
    organisation = _organisation(pk)
    require(request.user, "accounts.invite", organisation)
    form = InviteForm(organisation, request.POST, days=_invitation_days())
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation, sent = members.invite(
                organisation,
                data["email"],
                data["role"],
                data["is_admin"],
                request.user,
                request.build_absolute_uri("/"),
            )
        except members.Refused as error:
            form.add_error("email", str(error))
        else:
            until = f"{invitation.expires_at:%d/%m/%Y}"
            if sent:
                messages.success(
                    request, f"Invitation envoyée à {invitation.email} : le lien est valable jusqu'au {until}."
                )
            else:
                messages.warning(
                    request,
                    f"L'invitation de {invitation.email} est enregistrée, mais l'e-mail n'a pas pu partir : "
                    "réessayez dans quelques minutes (une nouvelle invitation remplace la précédente).",
                )
            return redirect("organisations:detail", pk=organisation.pk)
    return _render_detail(request, organisation, invite_form=form, status=400)


@login_required
@require_POST
def newcomers(request, pk):
    """Whether the agents arriving through ProConnect with the organisation's SIRET wait for an administrator's
    approval (a request to join) or join at once as readers. Decided by those who invite."""
    organisation = _organisation(pk)
    require(request.user, "accounts.invite", organisation)
    organisation.approves_newcomers = request.POST.get("approves_newcomers") == "1"
    organisation.save(update_fields=["approves_newcomers"])
    messages.success(
        request,
        "Les agents arrivant par ProConnect avec le SIRET de l'organisation "
        + (
            "attendront désormais l'accord d'un administrateur."
            if organisation.approves_newcomers
            else "la rejoignent désormais directement, en lecture seule."
        ),
    )
    return redirect(reverse("organisations:detail", args=[organisation.pk]) + "#demandes")


@login_required
@require_POST
def cancel_invitation(request, pk, invitation_pk):
    organisation = _organisation(pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)
    require(request.user, "accounts.invite", organisation)
    try:
        members.cancel(invitation, request.user)
    except members.Refused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"L'invitation de {invitation.email} est annulée : son lien ne fonctionne plus.")
    return redirect("organisations:detail", pk=organisation.pk)


def _member_of(organisation, member_pk):
    """A membership of this organisation (404 for another organisation's: an id does not reach across)."""
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"), pk=member_pk, organisation=organisation
    )


@login_required
@require_POST
def remove(request, pk, member_pk):
    organisation = _organisation(pk)
    membership = _member_of(organisation, member_pk)
    require(request.user, "accounts.manage_member", membership)
    try:
        members.remove(membership, request.user)
    except members.Refused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.get_username()} n'est plus membre de « {organisation.name} ».")
        if membership.user_id == request.user.pk:
            _forget_if_in_use(request, organisation)
            return redirect(reverse("accounts:account"))
    return redirect("organisations:detail", pk=organisation.pk)


@login_required
@require_POST
def admin_flag(request, pk, member_pk, action):
    organisation = _organisation(pk)
    membership = _member_of(organisation, member_pk)
    require(request.user, "accounts.manage_member", membership)
    try:
        members.set_admin(membership, action == "accorder", request.user)
    except members.Refused as error:
        messages.error(request, str(error))
    else:
        name = membership.user.get_username()
        messages.success(
            request,
            f"{name} administre désormais « {organisation.name} »."
            if action == "accorder"
            else f"{name} n'administre plus « {organisation.name} ».",
        )
    return redirect("organisations:detail", pk=organisation.pk)


@login_required
@require_POST
def answer(request, pk, request_pk, verdict):
    organisation = _organisation(pk)
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user", "organisation"), pk=request_pk, organisation=organisation
    )
    require(request.user, "accounts.answer_join_request", organisation)
    accepted = verdict == "accepter"
    role = None
    if accepted:
        form = AnswerForm(organisation, request.POST)
        role = form.cleaned_data["role"] if form.is_valid() else None
    try:
        members.answer(join_request, accepted, request.user, role=role, base_url=request.build_absolute_uri("/"))
    except members.Refused as error:
        messages.error(request, str(error))
    else:
        name = join_request.user.get_username()
        messages.success(
            request,
            f"{name} est désormais membre de « {organisation.name} »."
            if accepted
            else f"La demande de {name} est refusée.",
        )
    return redirect("organisations:detail", pk=organisation.pk)


@login_required
@require_POST
def leave(request, pk):
    organisation = _organisation(pk)
    try:
        members.leave(request.user, organisation)
    except members.Refused as error:
        messages.error(request, str(error))
        return redirect("organisations:detail", pk=organisation.pk)
    _forget_if_in_use(request, organisation)
    messages.success(request, f"Vous avez quitté « {organisation.name} ».")
    return redirect(reverse("accounts:account"))


def _forget_if_in_use(request, organisation):
    """Left on purpose: the next request acts for the user's next membership without warning them that the one in
    use is gone (the warning is for a membership removed by someone else)."""
    if request.membership is not None and request.membership.organisation_id == organisation.pk:
        request.session.pop(SESSION_KEY, None)


# The letters an accent-free letter stands for in a name: « debrouillards » finds « Débrouillards ».
ACCENTED = {"a": "aàâä", "c": "cç", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü", "y": "yÿ"}


def _accented(word):
    """A case-insensitive regular expression (SQLite and PostgreSQL) matching `word` (folded) with or without
    accents."""
    return "".join(f"[{ACCENTED[letter]}]" if letter in ACCENTED else re.escape(letter) for letter in word)


def search(query):
    """Organisations by name (accents and case ignored), by the name of their territory, or by SIRET / SIREN."""
    identifier = compact(query)
    if identifier.isdigit() and len(identifier) in (9, 14):
        condition = Q(siret=identifier) | Q(siren=identifier[:9])
    else:
        words = fold(query).split()
        if not words:
            return Organisation.objects.none()
        condition = Q()
        for word in words:
            condition &= Q(name__iregex=_accented(word)) | Q(territory__search_name__contains=word)
    return Organisation.objects.filter(condition).select_related("territory").order_by("name", "pk")


@login_required
def join(request):
    query = request.GET.get("q", "").strip()
    form = JoinForm(request.POST or None)
    if request.method == "POST":
        chosen = request.POST.get("organisation", "").strip()
        organisation = get_object_or_404(Organisation, pk=int(chosen) if chosen.isdigit() else 0)
        if form.is_valid():
            try:
                members.ask_to_join(
                    request.user, organisation, form.cleaned_data["message"], request.build_absolute_uri("/")
                )
            except members.Refused as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    f"Votre demande est transmise aux administrateurs de « {organisation.name} » : vous serez membre "
                    "dès que l'un d'eux l'aura acceptée.",
                )
                return redirect("organisations:detail", pk=organisation.pk)
        else:
            messages.error(request, " ".join(form.errors.get("message", [])))
    results = list(search(query)[: SEARCH_RESULTS + 1]) if query else []
    held = {m.organisation_id for m in request.memberships}
    pending = set(
        request.user.join_requests.filter(answered_at__isnull=True).values_list("organisation_id", flat=True)
    )
    return render(
        request,
        "organisations/join.html",
        {
            "query": query,
            "results": [(o, o.pk in held, o.pk in pending) for o in results[:SEARCH_RESULTS]],
            "more": len(results) > SEARCH_RESULTS,
            "form": form,
            "active_nav": "organisations",
            "breadcrumb_data": _crumbs("Rejoindre une organisation"),
        },
    )


def invitation(request, token):
    """An invitation's page: a logged-in user accepts it; a visitor logs in first when the address invited has an
    account, or creates one (its identifier is the address invited)."""
    crumbs = _crumbs("Invitation")
    try:
        pending = members.invitation_for(token)
    except members.Refused as error:
        status = 404 if str(error) == members.FORGED else 410
        return render(
            request, "organisations/invitation.html", {"refusal": str(error), "breadcrumb_data": crumbs}, status=status
        )
    context = {"invitation": pending, "breadcrumb_data": crumbs}
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            return _accept(request, token, user)
        context["other_address"] = (user.email or "").lower() != pending.email.lower()
        return render(request, "organisations/invitation.html", context)
    users = get_user_model().objects.filter(Q(email__iexact=pending.email) | Q(username__iexact=pending.email))
    if users.exists():
        context["login_url"] = f"{reverse('accounts:login')}?next={request.path}"
        return render(request, "organisations/invitation.html", context)
    form = SignUpForm(pending.email, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                membership = members.accept(token, user)
        except members.Refused as error:
            messages.error(request, str(error))
            return redirect("organisations:invitation", token=token)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _welcome(request, membership)
    context["form"] = form
    return render(request, "organisations/invitation.html", context, status=400 if form.errors else 200)


def _accept(request, token, user):
    try:
        membership = members.accept(token, user)
    except members.Refused as error:
        messages.error(request, str(error))
        return redirect("organisations:invitation", token=token)
    return _welcome(request, membership)


def _welcome(request, membership):
    """Act for the organisation just joined."""
    use(request, membership)
    messages.success(
        request, f"Bienvenue dans « {membership.organisation.name} » : vous agissez désormais pour cette organisation."
    )
    return redirect("organisations:detail", pk=membership.organisation_id)
