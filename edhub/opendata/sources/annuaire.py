"""Annuaire de l'éducation (data.education.gouv.fr): the directory of schools. 2023 and 2026 headers, CSV or JSON."""

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.opendata.sources.base import FirstLines, Rejected, Source, commune_of, file_date, parse
from edhub.schools.classify import kind_of, sector_of, state_of
from edhub.schools.models import School, State
from edhub.schools.writer import SchoolWriter
from edhub.territories.resolver import CommuneResolver

FRANCE_LATITUDE = (-22.0, 52.0)  # from La Réunion / Mayotte to Dunkerque
FRANCE_LONGITUDE = (-62.0, 56.0)  # from the Antilles to La Réunion


class AnnuaireSource(Source):
    slug = "annuaire"
    title = "Annuaire de l'éducation"
    producer = "Ministère de l'Éducation nationale"
    dataset_url = "https://data.education.gouv.fr/explore/dataset/fr-en-annuaire-education/"
    download_url = (
        "https://data.education.gouv.fr/explore/dataset/fr-en-annuaire-education/download/"
        "?format=csv&use_labels_for_header=true&csv_separator=%3B"
    )
    file_name = "fr-en-annuaire-education.csv"
    file_patterns = ("fr-en-annuaire-education*.csv", "fr-en-annuaire-education*.json")
    schema = Schema(
        title="Annuaire de l'éducation (fr-en-annuaire-education)",
        columns={
            "uai": ("Identifiant_de_l_etablissement",),
            "name": ("Nom_etablissement",),
            "type": ("Type_etablissement",),
            "sector": ("Statut_public_prive",),
            "address": ("Adresse_1",),
            "postcode": ("Code_postal", "Code postal"),
            "commune": ("Code_commune",),
            "maternelle": ("Ecole_maternelle",),
            "elementaire": ("Ecole_elementaire",),
            "phone": ("Telephone",),
            "website": ("Web",),
            "email": ("Mail",),
            "priority": ("Appartenance_Education_Prioritaire",),
            "position": ("position",),
            "contract": ("Type_contrat_prive",),
            "latitude": ("latitude",),
            "longitude": ("longitude",),
            "precision": ("precision_localisation",),
            "opened": ("date_ouverture",),
            "updated": ("date_maj_ligne",),
            "state": ("etat",),
            "rpi_concentrated": ("rpi_concentre",),
            "rpi_dispersed": ("rpi_disperse",),
            "nature_code": ("code_nature",),
            "nature_label": ("libelle_nature",),
        },
        required=("uai", "name", "type", "sector", "commune"),
    )

    def load(self, table, context):
        writer = SchoolWriter(context)
        communes = CommuneResolver()
        seen = FirstLines()
        updated = []
        for line, row in self.rows(table, context):
            try:
                uai = parse(row, "uai", values.uai)
                fields = self.describe(row, communes)
                seen.claim(uai, line, "uai", "UAI")
            except Rejected as rejected:
                context.reject(line, self.column(rejected.column), rejected.value, rejected.reason)
                continue
            writer.describe(uai, **fields)
            if row.get("updated"):
                updated.append(row["updated"][:10])
        writer.save()
        context.run.rows_updated += self.close_missing(seen, writer)
        context.run.vintage = max(updated) if updated else file_date(context.path)

    def describe(self, row, communes):
        commune_code, commune_id = commune_of(row, communes)
        latitude = parse(row, "latitude", values.coordinate, low=FRANCE_LATITUDE[0], high=FRANCE_LATITUDE[1])
        longitude = parse(row, "longitude", values.coordinate, low=FRANCE_LONGITUDE[0], high=FRANCE_LONGITUDE[1])
        if latitude is None and row.get("position"):
            latitude, longitude = self.position(row)
        sector = parse(row, "sector", sector_of)
        priority = row.get("priority", "").upper().replace(" ", "")
        if priority not in ("", "REP", "REP+"):
            raise Rejected("priority", row["priority"], "valeur attendue : vide, REP ou REP+")
        return {
            "name": row["name"] or row["uai"],
            "kind": kind_of(
                row.get("nature_code", ""),
                row["type"],
                parse(row, "maternelle", values.flag),
                parse(row, "elementaire", values.flag),
                row["name"],
            ),
            "nature_code": row.get("nature_code", ""),
            "nature_label": row.get("nature_label", ""),
            "sector": sector,
            "private_contract": "" if row.get("contract", "").upper() == "SANS OBJET" else row.get("contract", ""),
            "state": state_of(row.get("state", "")),
            "commune_id": commune_id,
            "commune_code": commune_code,
            "address": row.get("address", ""),
            "postcode": values.postcode(row.get("postcode", "")),
            "latitude": latitude,
            "longitude": longitude,
            "location_precision": row.get("precision", ""),
            "priority_education": priority,
            "rpi_concentrated": parse(row, "rpi_concentrated", values.flag),
            "rpi_dispersed": parse(row, "rpi_dispersed", values.flag),
            "email": row.get("email", ""),
            "phone": row.get("phone", ""),
            "website": row.get("website", ""),
            "opened_on": parse(row, "opened", values.date),
        }

    def position(self, row):
        try:
            latitude, longitude = (float(part) for part in row["position"].split(","))
        except ValueError:
            raise Rejected("position", row["position"], "position attendue « latitude, longitude »") from None
        return latitude, longitude

    def close_missing(self, seen, writer):
        """Schools of the départements this file covers, listed by an earlier directory but gone from this one,
        are marked closed (never deleted)."""
        departements = {
            d for d in School.objects.filter(uai__in=list(seen)).values_list("commune__departement", flat=True) if d
        }
        gone = (
            School.objects.filter(run__source=self.slug, commune__departement__in=departements)
            .exclude(uai__in=list(seen))
            .exclude(state=State.CLOSED)
        )
        return gone.update(state=State.CLOSED, run=writer.run)
