"""Real-world accidents on every source, built from the real extracts: each gives its exact outcome.

A file is either imported (the accident repaired or reported as warnings, line by line) or refused whole with its
reason, and then the database is as it was: `edhub status --json` (loaded_status) says the same before and after,
but for the refused run it records.
"""

import csv
import datetime
import io
import os
import subprocess
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from edhub.opendata.importing import INTERRUPTED, run_import
from edhub.opendata.models import ImportRun
from edhub.opendata.reader import RefusedFile
from edhub.opendata.sources import SOURCES
from edhub.opendata.status import loaded_status
from edhub.schools.models import School, SchoolFigure
from tests.conftest import OPENDATA

pytestmark = pytest.mark.django_db
ROWS = 300  # rows taken from the national extracts: enough for every accident, quick to import


def extract(name, header_line, rows=ROWS):
    """(lines up to the header, data lines) of a real extract, as text lines."""
    lines = (OPENDATA / name).read_bytes().decode("utf-8-sig").splitlines()
    return lines[:header_line], lines[header_line : header_line + rows]


def split(line, separator=";"):
    return next(csv.reader([line], delimiter=separator))


def join(cells, separator=";"):
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="").writerow(cells)
    return out.getvalue()


def ips_colleges_lines():
    """An IPS file of the collèges (2021 header) for 300 real collèges of the geolocation file."""
    head, rows = extract("fr-en-adresse-et-geolocalisation-colleges.csv", 1, 330)
    header = split(head[0])
    out = [
        "Rentrée scolaire;Académie;Code du département;Département;UAI;Nom de l'établissment;"
        "Code INSEE de la commune;Nom de la commune;Secteur;IPS;Ecart-type de l'IPS"
    ]
    for i, line in enumerate(rows):
        r = dict(zip(header, split(line), strict=True))
        if r["code_commune"][:3] in ("975", "977", "978") or r["code_commune"].startswith("98"):
            continue
        sector = "public" if r["secteur_public_prive_libe"] == "Public" else "privé sous contrat"
        out.append(
            join(
                [
                    "2021-2022",
                    r["libelle_academie"].upper(),
                    r["code_departement"],
                    r["libelle_departement"].upper(),
                    r["numero_uai"],
                    r["appellation_officielle"],
                    r["code_commune"],
                    r["libelle_commune"].upper(),
                    sector,
                    f"{80 + i % 60}.5",
                    f"{25 + i % 10}.1",
                ]
            )
        )
    return out[: ROWS + 1]


def ips_lycees_lines():
    """An IPS file of the lycées (API field names) built on the same real establishments."""
    head, *rows = ips_colleges_lines()
    out = [
        "rentree_scolaire;academie;code_du_departement;departement;uai;nom_de_l_etablissment;"
        "code_insee_de_la_commune;nom_de_la_commune;secteur;type_de_lycee;ips_voie_gt;ips_voie_pro;"
        "ips_ensemble_gt_pro"
    ]
    for i, line in enumerate(rows):
        cells = split(line)
        kind = ("LEGT", "LP", "LPO")[i % 3]
        gt, pro = ("", f"{cells[9]}") if kind == "LP" else (cells[9], "") if kind == "LEGT" else (cells[9], "90.2")
        out.append(join([*cells[:9], kind, gt, pro, cells[9]]))
    return out


def insee_lines():
    """A density grid (CSV) of 300 real communes of the Arcep file, with levels 1 to 7 in turn."""
    _, rows = extract("arcep-mci-commune-debit-2019.csv", 2)
    labels = ("Grands centres urbains", "Centres urbains intermédiaires", "Petites villes", "Ceintures urbaines")
    labels += ("Bourgs ruraux", "Rural à habitat dispersé", "Rural à habitat très dispersé")
    out = ["CODGEO;LIBGEO;DENS;LIBDENS"]
    for i, line in enumerate(rows):
        cells = line.split(";")
        out.append(join([cells[0], cells[1], str(1 + i % 7), labels[i % 7]]))
    return out


def real(name, header_line, rows=ROWS):
    def lines():
        head, data = extract(name, header_line, rows)
        return [*head, *data]

    return lines


# slug: (file name, lines of the file, index of the header line, separator)
FILES = {
    "annuaire": ("fr-en-annuaire-education.csv", real("fr-en-annuaire-education_094.csv", 1, 613), 0, ";"),
    "geoloc": ("geoloc.csv", real("fr-en-adresse-et-geolocalisation-colleges.csv", 1), 0, ";"),
    "ips-ecoles": ("fr-en-ips_ecoles.csv", real("fr-en-ips_ecoles_2021-2022.csv", 1), 0, ";"),
    "ips-colleges": ("fr-en-ips_colleges.csv", ips_colleges_lines, 0, ";"),
    "ips-lycees": ("fr-en-ips_lycees.csv", ips_lycees_lines, 0, ";"),
    "effectifs-ecoles": ("effectifs.csv", real("fr-en-ecoles-effectifs-nb_classes_035.csv", 1), 0, ";"),
    "arcep-communes": ("arcep-communes.csv", real("arcep-communes-rurales-2018.csv", 5), 4, ","),
    "arcep-debit": ("commune_debit_filaire.csv", real("arcep-mci-commune-debit-2019.csv", 2), 1, ";"),
    "insee-densite": ("grille_densite_2025.csv", insee_lines, 0, ";"),
}


@pytest.fixture
def write(tmp_path):
    def make(slug, edit=None, *, encoding="utf-8", name=None):
        file_name, lines, header, separator = FILES[slug]
        lines = lines()
        if edit is not None:
            lines = edit(lines, header, separator)
        path = tmp_path / (name or file_name)
        path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
        return path

    return make


def data_status():
    """What `edhub status --json` says of the data (the last run, refused or not, aside)."""
    status = loaded_status()
    status.pop("last_import")
    return status


def refused(source, path):
    """Import a file that must be refused: the message, once checked that nothing changed but the refused run."""
    before = data_status()
    runs = ImportRun.objects.count()
    with pytest.raises(RefusedFile) as refusal:
        run_import(SOURCES[source], path)
    assert data_status() == before
    assert ImportRun.objects.count() == runs + 1
    run = ImportRun.objects.latest("started_at")
    assert (run.status, run.message) == (ImportRun.Status.REFUSED, str(refusal.value))
    assert loaded_status()["last_import"]["status"] == "refused"
    return str(refusal.value)


def outcome(run):
    return (run.status, run.rows_read, run.rows_rejected, run.rows_warned, run.rows_out_of_scope)


def imported(source, path, *, force=True):
    return run_import(SOURCES[source], path, force=force).run


# --- Separator: rows re-saved with another separator under the original header ------------------------------


@pytest.mark.parametrize("source", FILES)
def test_rows_resaved_with_another_separator_are_refused_naming_the_separator(write, source):
    def resave(lines, header, separator):
        other = ";" if separator == "," else ","
        return [*lines[: header + 1], *(join(split(line, separator), other) for line in lines[header + 1 :])]

    message = refused(source, write(source, resave))
    separator, other = ("« , »", "« ; »") if source == "arcep-communes" else ("« ; »", "« , »")
    rows = 613 if source == "annuaire" else ROWS
    assert message.startswith(f"{rows} lignes rejetées sur {rows} dans « {FILES[source][0]} » (aucune ligne acceptée)")
    assert f"de l'en-tête séparées par {separator} : elles sont séparées par {other}." in message


def test_directory_saved_as_one_column_by_a_spreadsheet_is_refused_naming_the_separator(write):
    """The accident of the issue: Excel opened the `;` file without splitting it and saved it with `,`: every
    line holding a comma (all of them: « position » is « lat, lon ») becomes one quoted cell."""

    def one_column(lines, header, separator):
        return [join([line], ",") for line in lines]

    message = refused("annuaire", write("annuaire", one_column))
    assert message == (
        "613 lignes rejetées sur 613 dans « fr-en-annuaire-education.csv » (aucune ligne acceptée) : le fichier est "
        "refusé en entier. Cause probable : les lignes n'ont pas les 71 colonnes de l'en-tête séparées par « ; » : "
        "chaque ligne tient en une seule cellule (entre guillemets), ce que fait un tableur qui réenregistre le "
        "fichier avec le séparateur « , » sans l'avoir découpé en colonnes. Reprenez le fichier officiel."
    )


def test_command_exits_with_an_error_on_a_refused_file_and_writes_its_report(write, tmp_path):
    def resave(lines, header, separator):
        return [lines[0], *(join(split(line), ",") for line in lines[1:])]

    report = tmp_path / "rapport.csv"
    with pytest.raises(CommandError, match="fichier refusé, rien n'a été importé : 300 lignes rejetées sur 300"):
        call_command("import", "ips-ecoles", str(write("ips-ecoles", resave)), "--report", str(report), verbosity=0)
    rows = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[:2] == [
        ["type", "ligne", "colonne", "valeur", "motif"],
        ["rejet", "2", "", "", "nombre de colonnes incorrect (séparateur ou guillemets dans une valeur ?)"],
    ]
    assert len(rows) == 101  # a refused run keeps its first 100 rejections


def test_a_whole_file_written_with_commas_is_a_valid_csv_and_imports_the_same_rows(write):
    def commas(lines, header, separator):
        return [join(split(line), ",") for line in lines]

    run = imported("ips-ecoles", write("ips-ecoles", commas))
    assert outcome(run) == ("success", ROWS, 0, 0, 0)
    assert run.rows_unchanged == 2 * ROWS  # each row's school and its IPS


# --- Encoding: Windows-1252 (latin-1) copies ----------------------------------------------------------------


@pytest.mark.parametrize("source", FILES)
def test_windows_1252_copy_gives_the_same_as_utf8(write, source):
    def encodable(lines, header, separator):
        return [line for line in lines if line.encode("cp1252", "replace").decode("cp1252") == line]

    first = imported(source, write(source, encodable, name="utf8.csv"))
    run = imported(source, write(source, encodable, encoding="cp1252"))
    assert outcome(run) == outcome(first)
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (
        0,
        0,
        first.rows_created + first.rows_updated + first.rows_unchanged,
    )


def test_windows_1252_directory_keeps_accented_names(write):
    run = imported("annuaire", write("annuaire", encoding="cp1252"))
    assert (run.rows_read, run.rows_unchanged) == (613, 613)
    assert School.objects.get(uai="0940176F").name == "Ecole élémentaire Robert Doisneau"
    assert School.objects.get(uai="0940513X").name == "Ecole maternelle Saint Exupéry"


# --- Excel-mangled codes: leading zeros dropped ---------------------------------------------------------------

CODES = {
    # source: (UAI column, commune column)
    "annuaire": ("Identifiant_de_l_etablissement", "Code_commune"),
    "geoloc": ("numero_uai", "code_commune"),
    "ips-ecoles": ("UAI", "Code INSEE de la commune"),
    "ips-colleges": ("UAI", "Code INSEE de la commune"),
    "ips-lycees": ("uai", "code_insee_de_la_commune"),
    "effectifs-ecoles": ("Numéro de l'école", None),
    "arcep-communes": (None, "Code commune"),
    "arcep-debit": (None, "code_insee"),
    "insee-densite": (None, "CODGEO"),
}
MANGLED = {
    # source: (rows warned, first warning)
    "annuaire": (613, ("Identifiant_de_l_etablissement", "940176F", "0940176F")),
    "geoloc": (300, ("numero_uai", "071168G", "0071168G")),
    "ips-ecoles": (300, ("UAI", "352443R", "0352443R")),
    "ips-colleges": (300, ("UAI", "071168G", "0071168G")),
    "ips-lycees": (300, ("uai", "071168G", "0071168G")),
    "effectifs-ecoles": (300, ("Numéro de l'école", "350103X", "0350103X")),
    "arcep-communes": (29, ("Code commune", "2001", "02001")),
    "arcep-debit": (26, ("code_insee", "9066", "09066")),
    "insee-densite": (26, ("CODGEO", "9066", "09066")),
}


def without_leading_zeros(source):
    def edit(lines, header, separator):
        cells = split(lines[header], separator)
        columns = [cells.index(c) for c in CODES[source] if c]
        out = list(lines[: header + 1])
        for line in lines[header + 1 :]:
            cells = split(line, separator)
            for i in columns:
                if cells[i].startswith("0"):
                    cells[i] = cells[i][1:]
            out.append(join(cells, separator))
        return out

    return edit


@pytest.mark.parametrize("source", FILES)
def test_codes_without_their_leading_zero_are_repaired_with_a_warning(write, source):
    first = imported(source, write(source, name="original.csv"))
    run = imported(source, write(source, without_leading_zeros(source)))
    warned, warning = MANGLED[source]
    assert outcome(run) == ("success", first.rows_read, first.rows_rejected, warned, 0)
    # Repaired to the very same codes: nothing to change.
    assert (run.rows_created, run.rows_updated) == (0, 0)
    if warning:
        column, value, repaired = warning
        assert (run.warnings[0]["column"], run.warnings[0]["value"], run.warnings[0]["reason"]) == (
            column,
            value,
            f"zéro initial rétabli : {repaired} (code abîmé par un tableur ?)",
        )


def test_a_uai_without_its_zero_whose_check_letter_disagrees_is_rejected(write):
    def edit(lines, header, separator):
        lines = list(lines)
        lines[1] = lines[1].replace("0940176F", "940176G", 1)
        return lines

    run = imported("annuaire", write("annuaire", edit))
    assert [(r["line"], r["value"], r["reason"]) for r in run.rejections] == [
        (2, "940176G", "UAI invalide (attendu : 7 chiffres et une lettre, ex. 0940176F)")
    ]


# --- A column dropped -----------------------------------------------------------------------------------------

DROPPED = {
    # source: (a required column, an optional column)
    "annuaire": ("Code_commune", "Appartenance_Education_Prioritaire"),
    "geoloc": ("code_commune", "date_ouverture"),
    "ips-ecoles": ("UAI", "Secteur"),
    "ips-colleges": ("Ecart-type de l'IPS", "Nom de l'établissment"),
    "ips-lycees": ("ips_ensemble_gt_pro", "ips_voie_pro"),
    "effectifs-ecoles": ("Nombre total d'élèves", "Nombre d'élèves en ULIS"),
    "arcep-communes": ("Commune rurale", "Commune de montagne"),
    "arcep-debit": ("date", "elig_hd05"),
    "insee-densite": ("DENS", "LIBGEO"),
}


def dropping(column):
    def edit(lines, header, separator):
        index = split(lines[header], separator).index(column)
        out = list(lines[:header])
        for line in lines[header:]:
            cells = split(line, separator)
            out.append(join(cells[:index] + cells[index + 1 :], separator))
        return out

    return edit


@pytest.mark.parametrize("source", FILES)
def test_a_required_column_dropped_is_refused_naming_it(write, source):
    column = DROPPED[source][0]
    message = refused(source, write(source, dropping(column)))
    assert f"Colonnes manquantes : « {column} »." in message


DROPPED_OPTIONAL = {
    # source: (rows read, rejected, warned), first warning
    "annuaire": ((613, 0, 0), None),
    "geoloc": ((300, 0, 0), None),
    "ips-ecoles": ((300, 0, 0), None),
    "ips-colleges": ((300, 0, 0), None),
    "ips-lycees": ((300, 0, 0), None),
    # Without the ULIS pupils, the levels no longer add up to the total where an école has an ULIS class.
    "effectifs-ecoles": (
        (300, 0, 16),
        (7, "Nombre total d'élèves", "total incohérent : la somme des niveaux fait 219 ; champ laissé vide"),
    ),
    "arcep-communes": ((300, 0, 0), None),
    # Without the 0.5-3 Mbit/s class, the exclusive classes of Boeschepe (3 premises in it) no longer add up.
    "arcep-debit": (
        (300, 0, 1),
        (284, "nbr", "classes de débit incohérentes : leur somme fait 1048 ; locaux et débits laissés vides"),
    ),
    "insee-densite": ((300, 0, 0), None),
}


@pytest.mark.parametrize("source", FILES)
def test_an_optional_column_dropped_imports_with_that_field_empty(write, source):
    run = imported(source, write(source, dropping(DROPPED[source][1])))
    counts, warning = DROPPED_OPTIONAL[source]
    assert outcome(run) == ("success", *counts, 0)
    if warning:
        assert (run.warnings[0]["line"], run.warnings[0]["column"], run.warnings[0]["reason"]) == warning


def test_directory_without_priority_education_column_leaves_it_empty(write):
    run = imported("annuaire", write("annuaire", dropping("Appartenance_Education_Prioritaire")))
    assert run.rows_updated == 185 + 22
    assert School.objects.filter(commune__departement__code="94").exclude(priority_education="").count() == 0


# --- A column renamed by a later schema --------------------------------------------------------------------------

RENAMED = {
    # source: (official header, later name, accepted)
    "annuaire": ("Code_postal", "Code postal", True),  # 2023 schema
    "geoloc": ("numero_uai", "Code établissement", True),  # labelled export
    "ips-ecoles": ("Nom de l'établissment", "Nom de l'établissement", True),  # ap2022 spelling
    "ips-colleges": ("Nom de l'établissment", "Nom de l'établissement", True),
    "ips-lycees": ("ips_ensemble_gt_pro", "ips_etab", True),  # newer releases
    "effectifs-ecoles": ("Numéro de l'école", "numero_ecole", True),  # API field names
    "arcep-communes": ("Code commune", "Code INSEE", False),
    "arcep-debit": ("code_insee", "code_commune", False),
    "insee-densite": ("CODGEO", "Code géographique", False),
}


def renaming(old, new):
    def edit(lines, header, separator):
        cells = split(lines[header], separator)
        cells[cells.index(old)] = new
        return [*lines[:header], join(cells, separator), *lines[header + 1 :]]

    return edit


@pytest.mark.parametrize("source", FILES)
def test_a_renamed_column_is_accepted_when_it_is_a_known_spelling(write, source):
    old, new, accepted = RENAMED[source]
    path = write(source, renaming(old, new))
    if not accepted:
        message = refused(source, path)
        assert f"Colonnes manquantes : « {old} »." in message
        return
    first = imported(source, write(source, name="original.csv"))
    run = imported(source, path)
    assert outcome(run) == outcome(first)
    assert (run.rows_created, run.rows_updated) == (0, 0)


# --- The other dataset's file -------------------------------------------------------------------------------------

OTHER = {
    "annuaire": "geoloc",
    "geoloc": "annuaire",
    "ips-ecoles": "ips-colleges",
    "ips-colleges": "ips-ecoles",
    "ips-lycees": "ips-ecoles",
    "effectifs-ecoles": "ips-ecoles",
    "arcep-communes": "arcep-debit",
    "arcep-debit": "arcep-communes",
    "insee-densite": "arcep-debit",
}


@pytest.mark.parametrize("source", FILES)
def test_another_datasets_file_is_refused_naming_that_dataset(write, source):
    other = OTHER[source]
    path = write(other)
    message = refused(source, path)
    assert message.startswith(f"Le fichier « {path.name} » n'a pas l'en-tête attendu")
    assert message.endswith(
        f"Ce fichier ressemble plutôt à « {SOURCES[other].title} » : edhub import {other} {path.name}"
    )


# --- Shifted columns, empty files -----------------------------------------------------------------------------


def shifted(lines, header, separator):
    """Every data row shifted one cell to the right under an unchanged header."""
    out = list(lines[: header + 1])
    for line in lines[header + 1 :]:
        cells = split(line, separator)
        out.append(join([cells[-1], *cells[:-1]], separator))
    return out


SHIFTED = {
    "annuaire": (
        "613 lignes rejetées sur 613",
        "« Identifiant_de_l_etablissement » n'a pas de valeur valable sur 610 lignes (UAI manquant)",
    ),
    "ips-ecoles": (
        "300 lignes rejetées sur 300",
        "« UAI » n'a pas de valeur valable sur 300 lignes (UAI invalide (attendu : 7 chiffres et une lettre, "
        "ex. 0940176F))",
    ),
    "arcep-debit": (
        "300 lignes rejetées sur 300",
        "« code_insee » n'a pas de valeur valable sur 300 lignes (code commune INSEE invalide (attendu : 5 "
        "caractères, ex. 94028 ou 2A004))",
    ),
}


@pytest.mark.parametrize("source", SHIFTED)
def test_shifted_columns_are_refused_naming_the_column(write, source):
    message = refused(source, write(source, shifted))
    counts, detail = SHIFTED[source]
    assert message.startswith(counts)
    assert f"Cause probable : colonnes décalées ou mal nommées : la colonne {detail}." in message


def test_a_header_without_rows_is_refused(write):
    message = refused("ips-ecoles", write("ips-ecoles", lambda lines, header, separator: lines[:1]))
    assert message == "Le fichier « fr-en-ips_ecoles.csv » a l'en-tête attendu mais aucune ligne de données."


def test_a_file_with_most_rows_rejected_is_refused_and_one_with_half_is_imported(write):
    def com(count):
        def edit(lines, header, separator):
            out = [lines[0]]
            for i, line in enumerate(lines[1:11]):
                cells = split(line)
                if i < count:
                    cells[6] = "97701"  # Saint-Barthélemy: outside the académies
                out.append(join(cells))
            return out

        return edit

    message = refused("ips-ecoles", write("ips-ecoles", com(6)))
    assert message.startswith("6 lignes rejetées sur 10 dans « fr-en-ips_ecoles.csv » (plus de la moitié)")
    run = imported("ips-ecoles", write("ips-ecoles", com(5), name="half.csv"))
    assert outcome(run) == ("success", 10, 5, 0, 0)


# --- Done means: an older directory with RPI identifiers, services and three broken rows ---------------------


def older_directory(lines, header, separator):
    """The 2023 schema of the directory (69 columns), with RPI identifiers, services and three broken rows."""
    head = split(lines[0])
    renames = {
        "Code_postal": "Code postal",
        "coordX_origine": "coordonnee_X",
        "coordY_origine": "coordonnee_Y",
        "epsg_origine": "epsg",
        "multi_uai": "etablissement_multi_lignes",
    }
    dropped = [head.index(c) for c in ("code_circonscription", "code_zone_animation_pedagogique")]
    dropped.append(head.index("libelle_zone_animation_pedagogique"))
    column = {name: i for i, name in enumerate(head)}

    def reshape(cells, pupils):
        kept = [c for i, c in enumerate(cells) if i not in dropped]
        kept.insert(column["SIREN_SIRET"] + 1, pupils)
        return join(kept)

    rows = [split(line) for line in lines[1:]]
    for i, cells in enumerate(rows[:40]):  # 40 rural-like écoles in RPIs: identifiers, not 0/1
        cells[column["rpi_disperse"]] = "0350123X" if i % 2 else "RPI 12"
        cells[column["rpi_concentre"]] = "0"
    out = [reshape([renames.get(c, c) for c in head], "Nombre_d_eleves")]
    out += [reshape(cells, "120") for cells in rows]
    services = [
        ("0941234A", "Circonscription d'inspection du 1er degré de Fresnes", "", ""),
        ("0941235B", "Direction des services départementaux de l'Education nationale", "Service Administratif", ""),
        ("0941236C", "Centre d'information et d'orientation de Créteil", "Information et orientation", "Public"),
        ("0941237D", "Institut médico-éducatif", "Médico-social", "Privé"),
        ("0941238E", "Rectorat de l'académie de Créteil", "Service Administratif", "Public"),
    ]
    template = rows[0]
    for uai, name, kind, sector in services:
        cells = list(template)
        cells[column["Identifiant_de_l_etablissement"]] = uai
        cells[column["Nom_etablissement"]] = name
        cells[column["Type_etablissement"]] = kind
        cells[column["Statut_public_prive"]] = sector
        cells[column["Ecole_maternelle"]] = cells[column["Ecole_elementaire"]] = ""
        cells[column["code_nature"]] = cells[column["libelle_nature"]] = ""
        out.append(reshape(cells, ""))
    for uai, commune in (("94O0176F", "94034"), ("0940999Z", "94999"), ("", "94034")):
        cells = list(template)
        cells[column["Identifiant_de_l_etablissement"]] = uai
        cells[column["Code_commune"]] = commune
        out.append(reshape(cells, "120"))
    return out


def test_older_directory_with_rpi_identifiers_and_services_imports_every_school_and_reports_the_broken_rows(write):
    path = write("annuaire", older_directory, name="fr-en-annuaire-education-2023.csv")
    assert len(split(path.read_text(encoding="utf-8").splitlines()[0])) == 69
    run = imported("annuaire", path)
    assert outcome(run) == ("success", 613 + 5 + 3, 3, 0, 5)
    assert [(r["line"], r["column"], r["value"], r["reason"]) for r in run.rejections] == [
        (
            620,
            "Identifiant_de_l_etablissement",
            "94O0176F",
            "UAI invalide (attendu : 7 chiffres et une lettre, ex. 0940176F)",
        ),
        (621, "Code_commune", "94999", "code commune inconnu du Code officiel géographique (ni actuel, ni ancien)"),
        (622, "Identifiant_de_l_etablissement", "", "UAI manquant"),
    ]
    schools = School.objects.filter(run__source="annuaire", commune__departement__code="94")
    assert schools.count() == 613
    assert schools.exclude(state="ferme").count() == 613
    assert schools.filter(rpi_dispersed=True).count() == 40
    assert schools.filter(rpi_concentrated=True).count() == 0
    assert not School.objects.filter(uai__in=["0941234A", "0941235B", "0941236C", "0941237D", "0941238E"]).exists()
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 40, 573)
    status = {s["source"]: s for s in loaded_status()["sources"]}["annuaire"]
    assert (status["rows_read"], status["rows_rejected"], status["rows_out_of_scope"]) == (621, 3, 5)
    assert status["scope"] == "Val-de-Marne (94) : 613 écoles et établissements"


def test_a_file_whose_rows_are_another_datasets_is_refused_naming_it(write):
    """An IPS file under which someone added the directory's column names, left empty: the header passes for
    the directory, no row does, and the rows are those of the IPS file."""

    def with_directory_columns(lines, header, separator):
        extra = ";Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Code_commune"
        return [lines[0] + extra, *(line + ";;;Ecole;Public;" for line in lines[1:])]

    message = refused("annuaire", write("ips-ecoles", with_directory_columns))
    assert message == (
        "300 lignes rejetées sur 300 dans « fr-en-ips_ecoles.csv » (aucune ligne acceptée) : le fichier est refusé en "
        "entier. Cause probable : ce fichier est plutôt « Indice de position sociale des écoles » (edhub import "
        "ips-ecoles fr-en-ips_ecoles.csv) ; 300 lignes rejetées pour la colonne « Identifiant_de_l_etablissement » : "
        "UAI manquant."
    )


# --- Malformed files (issue 10): a clear refusal or warning, never a traceback ---------------------------------

EXPECTED_IPS = (
    "Format attendu pour « Indice de position sociale des écoles » : un tableau avec au moins les colonnes "
    "« Rentrée scolaire », « UAI », « Code INSEE de la commune », « IPS »."
)


def test_a_300_kb_field_is_refused_naming_its_line(write):
    def huge(lines, header, separator):
        cells = split(lines[5])
        cells[1] = "x" * 300_000
        return [*lines[:5], join(cells), *lines[6:]]

    assert refused("annuaire", write("annuaire", huge)) == (
        "Le fichier « fr-en-annuaire-education.csv » est refusé en entier : ligne 6 illisible, une valeur dépasse "
        "100\u202f000 caractères (guillemet ouvrant sans guillemet fermant ?). Corrigez cette ligne ou reprenez le "
        "fichier officiel."
    )


def test_a_nul_character_past_the_first_bytes_is_refused_naming_its_line(write):
    def nul(lines, header, separator):
        return [*lines[:250], lines[250].replace("Ecole", "Ec\x00ole", 1), *lines[251:]]

    assert refused("annuaire", write("annuaire", nul)) == (
        "Le fichier « fr-en-annuaire-education.csv » est refusé en entier : sa ligne 251 contient un caractère nul "
        "(contenu binaire dans un fichier texte, fichier abîmé ?). Reprenez le fichier officiel. Format attendu pour "
        "« Annuaire de l'éducation (fr-en-annuaire-education) » : un tableau avec au moins les colonnes "
        "« Identifiant_de_l_etablissement », « Nom_etablissement », « Type_etablissement », « Statut_public_prive », "
        "« Code_commune »."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"results": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "Le fichier JSON « ips.json » est imbriqué trop profondément pour être lu : ce n'est pas un export de "
            f"données. {EXPECTED_IPS}",
        ),
        (
            '{"results": 5}',
            "Le fichier JSON « ips.json » n'a pas de liste d'enregistrements (« results » ou « records » doit être "
            f"une liste d'objets). {EXPECTED_IPS}",
        ),
        (
            '{"results": {"uai": "0940176F", "ips": 100}}',
            "Le fichier JSON « ips.json » n'a pas de liste d'enregistrements (« results » ou « records » doit être "
            f"une liste d'objets). {EXPECTED_IPS}",
        ),
        (
            '[{"uai": "0940176F"}, 5]',
            "Le fichier JSON « ips.json » est refusé en entier : son enregistrement n° 2 n'est pas un objet (champ : "
            f"valeur). {EXPECTED_IPS}",
        ),
    ],
    ids=["nested", "results-number", "results-object", "record-number"],
)
def test_a_json_file_of_the_wrong_shape_is_refused(tmp_path, content, message):
    path = tmp_path / "ips.json"
    path.write_text(content)
    assert refused("ips-ecoles", path) == message


def test_a_truncated_xlsx_sheet_is_refused_naming_where_it_breaks(tmp_path):
    book = openpyxl.Workbook()
    for line in FILES["ips-ecoles"][1]():
        book.active.append(split(line))
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    path = tmp_path / "fr-en-ips_ecoles.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    assert refused("ips-ecoles", path) == (
        "Le classeur « fr-en-ips_ecoles.xlsx » est refusé en entier : sa feuille « Sheet » est tronquée ou abîmée "
        "après la ligne 150. Réenregistrez-le depuis le tableur ou reprenez le fichier officiel."
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_copy_with_its_bom_gives_the_same_as_utf8(write, encoding):
    first = imported("annuaire", write("annuaire", name="utf8.csv"))
    path = write("annuaire", encoding=encoding)
    if encoding == "utf-16-be":  # Python writes the BOM for "utf-16" only
        path.write_bytes(b"\xfe\xff" + path.read_bytes())
    run = imported("annuaire", path)
    assert outcome(run) == outcome(first) == ("success", 613, 0, 0, 0)
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 0, 613)
    assert School.objects.get(uai="0940513X").name == "Ecole maternelle Saint Exupéry"


def test_implausible_counts_are_warnings_with_line_and_column_and_stay_empty(write):
    def huge(lines, header, separator):
        lines = list(lines)
        for i, column, value in ((1, 11, "99999999999999999999999"), (2, 12, "1e300"), (3, 12, "nan")):
            cells = split(lines[i])
            cells[column] = value
            lines[i] = join(cells)
        return lines

    figures = {
        (f.school_id, f.variable): f.value
        for f in SchoolFigure.objects.filter(rentree=2022, variable__in=["classes", "pupils"])
    }
    run = imported("effectifs-ecoles", write("effectifs-ecoles", huge))
    assert outcome(run) == ("success", ROWS, 0, 3, 0)
    assert [(w["line"], w["column"], w["value"], w["reason"]) for w in run.warnings] == [
        (
            2,
            "Nombre total de classes",
            "99999999999999999999999",
            "valeur hors de la plage plausible (0 à 100) ; champ laissé vide",
        ),
        (
            3,
            "Nombre total d'élèves",
            "1e300",
            "valeur hors de la plage plausible (0 à 5\u202f000) ; champ laissé vide",
        ),
        (4, "Nombre total d'élèves", "nan", "nombre attendu ; champ laissé vide"),
    ]
    after = {
        (f.school_id, f.variable): f.value
        for f in SchoolFigure.objects.filter(rentree=2022, variable__in=["classes", "pupils"])
    }
    assert after == figures  # the session's values stay: nothing implausible is written


def test_implausible_premises_counts_are_warnings(write):
    def huge(lines, header, separator):
        lines = list(lines)
        cells = split(lines[header + 1])
        cells[4] = "1e300"
        lines[header + 1] = join(cells)
        return lines

    run = imported("arcep-debit", write("arcep-debit", huge))
    assert outcome(run) == ("success", ROWS, 0, 1, 0)
    assert [(w["line"], w["column"], w["value"], w["reason"]) for w in run.warnings[:1]] == [
        (3, "nbr", "1e300", "valeur hors de la plage plausible (0 à 10\u202f000\u202f000) ; champ laissé vide")
    ]


def test_a_file_whose_only_row_is_rejected_is_refused(write):
    def one_bad_row(lines, header, separator):
        cells = split(lines[1])
        cells[6] = "97701"
        return [lines[0], join(cells)]

    assert refused("ips-ecoles", write("ips-ecoles", one_bad_row)).startswith(
        "1 lignes rejetées sur 1 dans « fr-en-ips_ecoles.csv » (aucune ligne acceptée) : le fichier est refusé en "
        "entier."
    )


def test_an_interrupted_import_is_marked_failed_and_the_next_one_proceeds(write):
    """A run whose process was killed, or running for 7 hours, is « interrompu » in edhub status; a run whose
    process is alive (this one) is still running."""
    going = ImportRun.objects.create(source="geoloc", file_name="en-cours.csv", checksum="2" * 64, pid=os.getpid())
    stuck = ImportRun.objects.create(source="annuaire", file_name="bloque.csv", checksum="1" * 64, pid=os.getpid())
    ImportRun.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - datetime.timedelta(hours=7))
    gone = subprocess.Popen(["true"])
    gone.wait()
    killed = ImportRun.objects.create(source="ips-ecoles", file_name="tue.csv", checksum="0" * 64, pid=gone.pid)

    out = io.StringIO()
    call_command("status", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        f"Dernier import : ips-ecoles (tue.csv), failed, {killed.started_at.isoformat(timespec='seconds')} — "
        "Import interrompu : son processus s'est arrêté avant la fin (arrêt forcé, panne). Rien n'a été importé de "
        "ce fichier ; relancez l'import."
    )
    runs = ImportRun.objects.filter(pk__in=[going.pk, stuck.pk, killed.pk]).order_by("pk")
    assert [(r.status, r.message) for r in runs] == [("running", ""), ("failed", INTERRUPTED), ("failed", INTERRUPTED)]
    assert imported("ips-ecoles", write("ips-ecoles")).status == "success"
