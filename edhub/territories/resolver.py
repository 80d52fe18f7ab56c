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
        return self._names.get((fold(departement_name), fold(commune_name)))
