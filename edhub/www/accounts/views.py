"""Accounts: login, the account page (profile, memberships, password), the switch between memberships, the password
reset by e-mail for local accounts, and the page a ProConnect agent without organisation gets."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from edhub.accounts.middleware import use
from edhub.www.accounts.forms import LoginForm, PasswordChangeForm, PasswordResetForm, ProfileForm, SetPasswordForm

NOT_HELD = (
    "Vous n'êtes pas membre de cette organisation : vous ne pouvez pas agir pour elle. Choisissez l'une de vos "
    "organisations dans l'en-tête, ou demandez à un de ses administrateurs de vous inviter."
)


def _crumbs(current, links=()):
    return {"root_dir": reverse_lazy("home"), "links": list(links), "current": current}


ACCOUNT_CRUMB = {"url": reverse_lazy("accounts:account"), "title": "Mon compte"}
LOGIN_CRUMB = {"url": reverse_lazy("accounts:login"), "title": "Connexion"}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "proconnect": settings.PROCONNECT,
            "breadcrumb_data": _crumbs("Connexion"),
        }


def safe_next(request, default):
    """The `next` of the request when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
@require_POST
def switch(request):
    """Act for another of the user's memberships; one they do not hold (a crafted request) is refused, and the
    session keeps the membership in use."""
    chosen = request.POST.get("membership", "")
    membership = next((m for m in request.memberships if str(m.pk) == chosen), None)
    if membership is None:
        raise PermissionDenied(NOT_HELD)
    use(request, membership)
    messages.success(request, f"Vous agissez désormais pour {membership.label()}.")
    return redirect(safe_next(request, reverse("dashboard")))


@login_required
def account(request):
    """The account page: profile, memberships (act for one, leave one), password, how to join an organisation."""
    form = ProfileForm(instance=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, "Votre profil est enregistré.")
            return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "memberships": request.memberships,
            "membership_in_use": request.membership,
            "local_password": request.user.has_usable_password(),
            "breadcrumb_data": _crumbs("Mon compte"),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password of a local account (an account that signs in with ProConnect has none here)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:account")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_usable_password():
            messages.info(
                request, "Votre compte se connecte avec ProConnect : son mot de passe se change chez ProConnect."
            )
            return redirect("accounts:account")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        messages.success(self.request, "Votre mot de passe est changé.")
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        crumbs = _crumbs("Changer de mot de passe", [ACCOUNT_CRUMB])
        return {**super().get_context_data(**kwargs), "breadcrumb_data": crumbs}


# Password reset by e-mail, for local accounts. Whether an address has an account is never said: the same page
# follows every request; the e-mail goes only to an active account with a password (Django's PasswordResetForm).
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"breadcrumb_data": _crumbs("Mot de passe oublié", [LOGIN_CRUMB])}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"breadcrumb_data": _crumbs("Mot de passe oublié", [LOGIN_CRUMB])}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"breadcrumb_data": _crumbs("Nouveau mot de passe", [LOGIN_CRUMB])}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    extra_context = {"breadcrumb_data": _crumbs("Nouveau mot de passe", [LOGIN_CRUMB])}


def proconnect_unknown(request):
    """Where a ProConnect agent lands when no organisation of edhub has their SIRET: how to be invited."""
    from edhub.accounts.oidc import UNKNOWN_KEY  # ProConnect's library, loaded only on this page

    return render(
        request,
        "accounts/proconnect_unknown.html",
        {
            "proconnect": request.session.pop(UNKNOWN_KEY, {}),
            "breadcrumb_data": _crumbs("Organisation inconnue", [LOGIN_CRUMB]),
        },
    )
