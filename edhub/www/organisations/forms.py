from django import forms
from django.contrib.auth import get_user_model, password_validation
from dsfr.forms import DsfrBaseForm

from edhub.accounts.members import roles_for
from edhub.accounts.models import Role


def role_choices(organisation):
    return [(role, Role(role).label) for role in roles_for(organisation)]


class InviteForm(DsfrBaseForm):
    email = forms.EmailField(
        label="Adresse e-mail de la personne invitée",
        help_text="Elle reçoit un lien valable 7 jours, qui ne sert qu'une fois.",
        error_messages={
            "required": "Indiquez l'adresse e-mail de la personne à inviter.",
            "invalid": "Cette adresse e-mail n'est pas valide : vérifiez-la (exemple : prenom.nom@ville.fr).",
        },
    )
    role = forms.ChoiceField(label="Rôle dans l'organisation")
    is_admin = forms.BooleanField(
        label="Administrateur de l'organisation",
        help_text="Il pourra inviter et retirer des membres, et répondre aux demandes d'adhésion.",
        required=False,
    )

    def __init__(self, organisation, *args, days=7, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organisation)
        self.fields["role"].error_messages["invalid_choice"] = "Choisissez l'un des rôles proposés."
        self.fields["email"].help_text = f"Elle reçoit un lien valable {days} jours, qui ne sert qu'une fois."


class AnswerForm(forms.Form):
    """The role given to a requester whose request is accepted."""

    role = forms.ChoiceField(label="Rôle du nouveau membre")

    def __init__(self, organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organisation)


class JoinForm(DsfrBaseForm):
    message = forms.CharField(
        label="Message aux administrateurs (facultatif)",
        help_text="Votre fonction, votre service : ce qui les aidera à reconnaître votre demande.",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SignUpForm(DsfrBaseForm):
    """The account of an invited person who has none yet: its identifier is the address invited, in lower case (as
    people type it when they log in)."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 12 caractères, ni trop courant, ni proche de votre nom ou de votre adresse.",
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, email, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.email, self.username = email, email.lower()
        for name in ("first_name", "last_name", "password1", "password2"):
            label = self.fields[name].label.lower()
            self.fields[name].error_messages["required"] = f"Indiquez votre {label}."
        self.fields["password2"].error_messages["required"] = "Saisissez une seconde fois le mot de passe."

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2:
            if password1 != password2:
                self.add_error("password2", "Les deux mots de passe diffèrent : saisissez deux fois le même.")
            else:
                user = get_user_model()(
                    username=self.username,
                    email=self.email,
                    first_name=cleaned.get("first_name", ""),
                    last_name=cleaned.get("last_name", ""),
                )
                try:
                    password_validation.validate_password(password1, user)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return cleaned

    def save(self):
        return get_user_model().objects.create_user(
            username=self.username,
            email=self.email,
            password=self.cleaned_data["password1"],
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
        )
