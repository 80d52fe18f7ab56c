from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from edhub.accounts import throttle


class LoginForm(AuthenticationForm):
    """Local login, locked for a while after LOGIN_ATTEMPTS failures on the same account (whatever the address),
    parallel attempts included (see edhub/accounts/throttle.py)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
        "locked": "Trop de tentatives échouées pour ce compte : réessayez dans %(minutes)d minutes.",
    }

    def clean(self):
        username = self.data.get("username", "")
        if not throttle.take_attempt(username):
            raise ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": settings.LOGIN_LOCK_SECONDS // 60}
            )
        cleaned = super().clean()
        throttle.clear(username)
        return cleaned


class ProfileForm(forms.ModelForm, DsfrBaseForm):
    """The names and e-mail address of an account (its identifier is fixed). The e-mail is the one a password reset
    link is sent to and the one ProConnect matches: it belongs to one account only."""

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email"]
        labels = {"first_name": "Prénom", "last_name": "Nom", "email": "Adresse électronique"}
        help_texts = {"email": "Format attendu : prenom.nom@domaine.fr"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True
        self.fields["first_name"].error_messages["required"] = "Indiquez votre prénom."
        self.fields["last_name"].error_messages["required"] = "Indiquez votre nom."
        self.fields["email"].error_messages.update(
            required="Indiquez votre adresse électronique.",
            invalid="Indiquez une adresse électronique valide, au format prenom.nom@domaine.fr.",
        )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        others = get_user_model().objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(
                "Cette adresse est déjà celle d'un autre compte : indiquez votre propre adresse, ou demandez à "
                "l'administrateur de la plateforme de réunir les deux comptes."
            )
        return email


class PasswordChangeForm(auth_forms.PasswordChangeForm, DsfrBaseForm):
    pass


class PasswordResetForm(auth_forms.PasswordResetForm, DsfrBaseForm):
    pass


class SetPasswordForm(auth_forms.SetPasswordForm, DsfrBaseForm):
    pass
