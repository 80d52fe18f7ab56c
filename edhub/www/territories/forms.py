from django import forms

from edhub.schools.models import Kind, Sector


class SchoolFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Tous les types"), *Kind.choices])
    sector = forms.ChoiceField(label="Secteur", required=False, choices=[("", "Tous les secteurs"), *Sector.choices])

    def filter(self, schools):
        """The schools matching the valid filters (an invalid value filters nothing)."""
        if not self.is_valid():
            return schools
        if self.cleaned_data["kind"]:
            schools = schools.filter(kind=self.cleaned_data["kind"])
        if self.cleaned_data["sector"]:
            schools = schools.filter(sector=self.cleaned_data["sector"])
        return schools

    def api_params(self):
        """The valid filters as query parameters of the API."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}
