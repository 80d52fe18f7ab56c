from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from edhub.inventories.files import mismatch, over_limits

ACCEPTED_EXTENSIONS = (".xlsx", ".csv", ".txt")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier d'inventaire",
        help_text="Le modèle rempli, en XLSX ou en CSV (séparateur « ; » ou « , »), 20 Mo au plus.",
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith(ACCEPTED_EXTENSIONS):
            raise forms.ValidationError(
                f"« {file.name} » n'est ni un classeur XLSX ni un fichier CSV : déposez le modèle rempli "
                "(extension .xlsx ou .csv)."
            )
        if file.size > settings.FILE_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"Le fichier pèse {filesizeformat(file.size)} : la limite est de "
                f"{filesizeformat(settings.FILE_UPLOAD_MAX_BYTES)}. Découpez-le par commune ou par département."
            )
        wrong_content = mismatch(file.name, file) or over_limits(file.name, file)
        if wrong_content:
            raise forms.ValidationError(wrong_content)
        return file


class RollbackForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Il est conservé dans l'historique des versions.",
    )
