"""Adresse et géolocalisation des établissements (labelled or field-name header)."""

from edhub.opendata import values
from edhub.opendata.reader import Schema
from edhub.opendata.sources.annuaire import FRANCE_LATITUDE, FRANCE_LONGITUDE
from edhub.opendata.sources.base import Communes, FirstLines, Rejected, Source, commune_of, lenient, uai_of
from edhub.schools.classify import kind_of, sector_of, state_of
from edhub.schools.writer import SchoolWriter

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
        communes = Communes()
        seen = FirstLines()
        for line, row in self.rows(table, context):
            warnings = []
            try:
                uai = uai_of(row, warnings)
                commune_code, commune_id = commune_of(row, communes, warnings)
                seen.claim(uai, line, "uai", "UAI")
            except Rejected as rejected:
                self.reject(context, line, rejected)
                continue
            latitude = lenient(
                row, "latitude", values.coordinate, warnings, low=FRANCE_LATITUDE[0], high=FRANCE_LATITUDE[1]
            )
            longitude = lenient(
                row, "longitude", values.coordinate, warnings, low=FRANCE_LONGITUDE[0], high=FRANCE_LONGITUDE[1]
            )
            if latitude is None or longitude is None:
                latitude = longitude = None
            fields = {
                "name": row["name"] or row.get("denomination") or uai,
                "kind": kind_of(row.get("nature_code", ""), name=row.get("denomination", "")),
                "nature_code": row.get("nature_code", ""),
                "nature_label": row.get("nature_label", ""),
                "sector": lenient(row, "sector", sector_of, warnings) or "",
                "private_contract": "" if row.get("contract", "").upper() == "SANS OBJET" else row.get("contract", ""),
                "state": state_of(row.get("state", "")),
                "commune_id": commune_id,
                "commune_code": commune_code,
                "address": row.get("address", ""),
                "postcode": values.postcode(row.get("postcode", "")),
                "latitude": latitude,
                "longitude": longitude,
                "location_precision": row.get("precision", ""),
                "opened_on": lenient(row, "opened", values.date, warnings),
            }
            self.warn(context, line, warnings)
            context.cover(commune_id, uai)
            writer.describe(uai, **fields)
        writer.save()
        # The file says nothing of its date: its vintage is unknown (never the day it was downloaded or imported).
        context.run.vintage = ""
