"""Adresse et géolocalisation des établissements (labelled or field-name header)."""

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.opendata.sources.annuaire import FRANCE_LATITUDE, FRANCE_LONGITUDE
from edhub.opendata.sources.base import FirstLines, Rejected, Source, commune_of, file_date, parse
from edhub.schools.classify import kind_of, sector_of, state_of
from edhub.schools.writer import SchoolWriter
from edhub.territories.resolver import CommuneResolver

DATASET = "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre"


class GeolocSource(Source):
    slug = "geoloc"
    title = "Adresse et géolocalisation des établissements"
    producer = "Ministère de l'Éducation nationale"
    dataset_url = f"https://data.education.gouv.fr/explore/dataset/{DATASET}/"
    download_url = (
        f"https://data.education.gouv.fr/api/explore/v2.1/catalog/datasets/{DATASET}/exports/csv?delimiter=%3B"
    )
    file_name = f"{DATASET}.csv"
    file_patterns = ("fr-en-adresse-et-geolocalisation*.csv",)
    schema = Schema(
        title="Adresse et géolocalisation des établissements",
        columns={
            "uai": ("numero_uai", "Code établissement"),
            "name": ("appellation_officielle", "Appellation officielle"),
            "denomination": ("denomination_principale", "Dénomination principale"),
            "sector": ("secteur_public_prive_libe", "Secteur Public/Privé"),
            "address": ("adresse_uai", "Adresse"),
            "postcode": ("code_postal_uai", "Code postal"),
            "commune": ("code_commune", "Code commune"),
            "latitude": ("latitude", "Latitude"),
            "longitude": ("longitude", "Longitude"),
            "precision": ("appariement", "Qualité d'appariement"),
            "nature_code": ("nature_uai", "Code nature"),
            "nature_label": ("nature_uai_libe", "Nature"),
            "state": ("etat_etablissement_libe", "Etat établissement"),
            "contract": ("secteur_prive_libelle_type_contrat",),
            "opened": ("date_ouverture",),
        },
        required=("uai", "name", "sector", "commune", "latitude", "longitude"),
    )

    def load(self, table, context):
        writer = SchoolWriter(context)
        communes = CommuneResolver()
        seen = FirstLines()
        for line, row in self.rows(table, context):
            try:
                uai = parse(row, "uai", values.uai)
                commune_code, commune_id = commune_of(row, communes)
                sector = parse(row, "sector", sector_of)
                fields = {
                    "name": row["name"] or row.get("denomination") or uai,
                    "kind": kind_of(row.get("nature_code", ""), name=row.get("denomination", "")),
                    "nature_code": row.get("nature_code", ""),
                    "nature_label": row.get("nature_label", ""),
                    "sector": sector,
                    "private_contract": ""
                    if row.get("contract", "").upper() == "SANS OBJET"
                    else row.get("contract", ""),
                    "state": state_of(row.get("state", "")),
                    "commune_id": commune_id,
                    "commune_code": commune_code,
                    "address": row.get("address", ""),
                    "postcode": values.postcode(row.get("postcode", "")),
                    "latitude": parse(
                        row, "latitude", values.coordinate, low=FRANCE_LATITUDE[0], high=FRANCE_LATITUDE[1]
                    ),
                    "longitude": parse(
                        row, "longitude", values.coordinate, low=FRANCE_LONGITUDE[0], high=FRANCE_LONGITUDE[1]
                    ),
                    "location_precision": row.get("precision", ""),
                    "opened_on": parse(row, "opened", values.date),
                }
                seen.claim(uai, line, "uai", "UAI")
            except Rejected as rejected:
                context.reject(line, self.column(rejected.column), rejected.value, rejected.reason)
                continue
            writer.describe(uai, **fields)
        writer.save()
        context.run.vintage = file_date(context.path)
