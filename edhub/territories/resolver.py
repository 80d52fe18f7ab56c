"""Resolving commune codes and names of any vintage to today's communes."""

from edhub.territories.models import Level, Territory, TerritoryAlias
from edhub.utils.text import fold


class CommuneResolver:
    """Maps INSEE codes (current, arrondissement, délégué, associé or former) to today's territory id."""

    def __init__(self):
        rows = Territory.objects.current().filter(level__in=[Level.COMMUNE, Level.ARRONDISSEMENT])
        self.codes = dict(rows.values_list("code", "id"))
        self.aliases = dict(TerritoryAlias.objects.values_list("code", "territory_id"))
        self._names = None

    def resolve(self, code):
        return self.codes.get(code) or self.aliases.get(code)

    def by_name(self, departement_name, commune_name):
        """The commune named so in the département named so, when exactly one matches."""
        if self._names is None:
            self._names = {}
            rows = (
                Territory.objects.current()
                .filter(level=Level.COMMUNE)
                .values_list("id", "search_name", "departement__search_name")
            )
            for pk, name, departement in rows:
                key = (departement, name)
                self._names[key] = None if key in self._names else pk
            # Former communes (déléguées, associées) are still named in files: they lead to today's commune.
            for pk, name, departement in TerritoryAlias.objects.exclude(name="").values_list(
                "territory_id", "name", "territory__departement__search_name"
            ):
                self._names.setdefault((departement, fold(name)), pk)
        return self._names.get((fold(departement_name), fold(commune_name)))


def unknown_commune_reason(code):
    """Why a commune code does not resolve, in words a user can act on."""
    if code[:3] in ("975", "977", "978") or code.startswith("98"):
        return "commune d'une collectivité d'outre-mer, hors du référentiel des académies (non couverte)"
    return "code commune inconnu du Code officiel géographique (ni actuel, ni ancien)"
