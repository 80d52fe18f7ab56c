"""Annuaire de l'éducation (data.education.gouv.fr): the directory of schools. 2023 and 2026 headers, CSV or JSON."""

# The module, not its names: importing imports the sources (`edhub status` imports it first).
from edhub.opendata import importing, values
from edhub.opendata.reader import RefusedFile, Schema
from edhub.opendata.sources.base import Communes, FirstLines, Rejected, Source, commune_of, lenient, uai_of
from edhub.schools.classify import is_school, kind_of, sector_of, state_of
from edhub.schools.models import School, State
from edhub.schools.writer import SchoolWriter

FRANCE_LATITUDE = (-22.0, 52.0)  # from La Réunion / Mayotte to Dunkerque
FRANCE_LONGITUDE = (-62.0, 56.0)  # from the Antilles to La Réunion
# A directory declared complete lacks at most this share of a département's schools (some close every year).
MAX_CLOSED_SHARE = 0.1


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
        communes = Communes()
        seen = FirstLines()
        mentioned = set()  # every UAI of the file, rows set aside or rejected included: none of them is closed
        updated = []
        for line, row in self.rows(table, context):
            warnings = []
            kind = kind_of(
                row.get("nature_code", ""),
                row["type"],
                lenient(row, "maternelle", values.flag, warnings),
                lenient(row, "elementaire", values.flag, warnings),
                row["name"],
            )
            if not is_school(row["type"], row["sector"], kind):
                context.run.rows_out_of_scope += 1
                mentioned.add(row["uai"].strip().upper())
                continue
            mentioned.add(row["uai"].strip().upper())
            try:
                uai = uai_of(row, warnings)
                mentioned.add(uai)
                fields = self.describe(row, kind, communes, warnings)
                seen.claim(uai, line, "uai", "UAI")
            except Rejected as rejected:
                self.reject(context, line, rejected)
                continue
            self.warn(context, line, warnings)
            context.cover(fields["commune_id"], uai)
            writer.describe(uai, **fields)
            day = lenient(row, "updated", values.date, warnings)
            if day is not None:
                updated.append(day)
        writer.save()
        self.close_missing(context, mentioned)
        # The directory's vintage is its latest update of a row; a file without dates has an unknown vintage.
        context.run.vintage = max(updated).isoformat() if updated else ""

    def describe(self, row, kind, communes, warnings):
        commune_code, commune_id = commune_of(row, communes, warnings)
        latitude = lenient(
            row, "latitude", values.coordinate, warnings, low=FRANCE_LATITUDE[0], high=FRANCE_LATITUDE[1]
        )
        longitude = lenient(
            row, "longitude", values.coordinate, warnings, low=FRANCE_LONGITUDE[0], high=FRANCE_LONGITUDE[1]
        )
        if latitude is None or longitude is None:
            latitude, longitude = self.position(row, warnings) if row.get("position") else (None, None)
        return {
            "name": row["name"] or row["uai"],
            "kind": kind,
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
            "priority_education": lenient(row, "priority", priority_of, warnings) or "",
            # 0/1, or the identifier of the RPI the école belongs to (older schemas, académies' re-exports).
            "rpi_concentrated": values.membership(row.get("rpi_concentrated", "")),
            "rpi_dispersed": values.membership(row.get("rpi_dispersed", "")),
            "email": row.get("email", ""),
            "phone": row.get("phone", ""),
            "website": row.get("website", ""),
            "opened_on": lenient(row, "opened", values.date, warnings),
        }

    def position(self, row, warnings):
        try:
            latitude, longitude = (float(part) for part in row["position"].split(","))
        except ValueError:
            warnings.append(
                ("position", row["position"], "position attendue « latitude, longitude » ; champ laissé vide")
            )
            return None, None
        return latitude, longitude

    def close_missing(self, context, mentioned):
        """Mark closed (never delete) the schools of the départements the file is declared to describe whole
        (`context.complete`) that it no longer lists; the rows it rejected or set aside still list theirs. Without
        that declaration a file may be partial (an extract, a few lines): nothing is closed. A declared file that
        lacks more than a tenth of a département's schools is refused: it is truncated, not complete."""
        run = context.run
        if not context.complete:
            run.message = (
                "Aucune école fermée : le fichier n'est pas déclaré complet (edhub import annuaire FICHIER --complete "
                "ferme les écoles absentes des départements qu'il décrit en entier)."
            )
            return
        covered = importing.departements_of(context.communes)
        codes = sorted(covered) if context.complete is True else sorted(context.complete)
        for code in codes:
            if code not in covered:
                raise RefusedFile(
                    f"Le fichier « {context.path.name} » est déclaré complet pour le département {code} mais ne "
                    f"décrit aucune de ses écoles : rien n'est importé ni fermé. Vérifiez le code du département."
                )
        closed = 0
        for code in codes:
            listed = set(
                School.objects.filter(run__source=self.slug, commune__departement_id=covered[code][0])
                .exclude(state=State.CLOSED)
                .values_list("uai", flat=True)
            )
            gone = sorted(listed - mentioned)
            if len(gone) > MAX_CLOSED_SHARE * len(listed):
                raise RefusedFile(
                    f"Le fichier « {context.path.name} » est déclaré complet pour le département {code} mais il y "
                    f"manque {len(gone)} des {len(listed)} écoles et établissements connus : il est tronqué ou "
                    "partiel, rien n'est importé ni fermé. Importez le fichier entier, ou celui-ci sans --complete."
                )
            for start in range(0, len(gone), 5000):
                closed += School.objects.filter(uai__in=gone[start : start + 5000]).update(state=State.CLOSED, run=run)
        run.schools_closed = closed
        declared = ("le département " if len(codes) == 1 else "les départements ") + ", ".join(codes)
        if closed:
            plural = "s" if closed > 1 else ""
            run.message = (
                f"{closed} école{plural} fermée{plural} : absente{plural} de ce fichier, déclaré complet pour "
            )
            run.message += f"{declared}."
        else:
            run.message = f"Aucune école fermée : ce fichier, déclaré complet pour {declared}, les liste toutes."


def priority_of(text):
    value = text.upper().replace(" ", "")
    if value not in ("", "REP", "REP+"):
        raise ValueError("valeur attendue : vide, REP ou REP+")
    return value
