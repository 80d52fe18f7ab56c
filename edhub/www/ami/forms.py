from django import forms


class EligibleFilterForm(forms.Form):
    departement = forms.ChoiceField(label="Département", required=False)

    def __init__(self, *args, departements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [("", "Tous les départements")] + [
            (code, f"{code} — {name}") for code, name in departements
        ]
