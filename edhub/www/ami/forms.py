from django import forms
from dsfr.forms import DsfrBaseForm

from edhub.ami import deliberations
from edhub.ami.models import Application, ApplicationNote
from edhub.inventories.models import Technology


class EligibleFilterForm(forms.Form):
    departement = forms.ChoiceField(label="Département", required=False)

    def __init__(self, *args, departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [("", "Tous les départements")] + [
            (code, f"{code} — {name}") for code, name in departements
        ]


class ApplicationForm(forms.ModelForm, DsfrBaseForm):
    """What the commune writes in its dossier; every field may stay empty in a draft."""

    deliberation = forms.FileField(
        label="Délibération du conseil municipal",
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.odt,.docx", "class": "fr-upload"}),
    )

    class Meta:
        model = Application
        fields = ("project", "estimated_cost", "cofunding", "contact_name", "contact_email")
        labels = {
            "project": "Projet",
            "estimated_cost": "Coût estimé (euros)",
            "cofunding": "Cofinancement (euros)",
            "contact_name": "Nom du contact",
            "contact_email": "Courriel du contact",
        }
        help_texts = {
            "project": "Raccordement des écoles, usages pédagogiques attendus, calendrier des travaux.",
            "estimated_cost": "Montant total estimé des travaux de raccordement, en euros.",
            "cofunding": "Part apportée par la commune ou par d'autres financeurs, en euros.",
            "contact_email": "Les changements d'état du dossier y sont notifiés.",
        }
        widgets = {"project": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = deliberations.megabytes(deliberations.max_bytes())
        help_text = f"PDF, ODT ou DOCX, {limit} Mo au plus."
        self.fields["deliberation"].help_text = self["deliberation"].help_text = help_text
        self.fields["deliberation"].widget.group_class = "fr-upload-group"
        self.deliberation_kind = None

    def clean_deliberation(self):
        file = self.cleaned_data.get("deliberation")
        if file:
            self.deliberation_kind = deliberations.check(file)
        return file

    def clean(self):
        cleaned = super().clean()
        cost, cofunding = cleaned.get("estimated_cost"), cleaned.get("cofunding")
        if cost is not None and cofunding is not None and cofunding > cost:
            self.add_error("cofunding", "Le cofinancement ne peut pas dépasser le coût estimé.")
        return cleaned

    def save(self, commit=True):
        application = super().save(commit=False)
        file = self.cleaned_data.get("deliberation")
        if file:
            if application.deliberation:
                application.deliberation.delete(save=False)
            name = f"deliberation_{application.commune.code}_{application.campaign_id}.{self.deliberation_kind}"
            application.deliberation.save(name, file, save=False)
        if commit:
            application.save()
        return application


class SchoolRowForm(DsfrBaseForm):
    """One école of the commune in the dossier: concerned or not, and its current connection."""

    concerned = forms.BooleanField(label="Concernée", required=False)
    technology = forms.ChoiceField(
        label="Connexion actuelle", required=False, choices=[("", "Non renseignée"), *Technology.choices]
    )
    download_mbps = forms.FloatField(
        label="Débit descendant mesuré (Mbit/s)",
        required=False,
        min_value=0,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class MoveForm(forms.Form):
    """A change of state, with its reason (required by the model for some moves)."""

    to = forms.ChoiceField(choices=Application.State.choices)
    reason = forms.CharField(
        label="Motif",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Obligatoire pour demander des compléments, ne pas retenir, classer sans suite ou rouvrir une décision. "
            "Il est envoyé à la commune."
        ),
    )


class NoteForm(forms.ModelForm, DsfrBaseForm):
    class Meta:
        model = ApplicationNote
        fields = ("text",)
        labels = {"text": "Nouvelle annotation"}
        help_texts = {"text": "Visible des seuls instructeurs, jamais de la commune."}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class StateFilterForm(forms.Form):
    etat = forms.ChoiceField(
        label="État", required=False, choices=[("", "Tous les états"), *Application.State.choices]
    )
