"""The inventory pages: template download, upload, preview, publication, rollback, and who may do what."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edhub.accounts.models import Role
from edhub.accounts.scope import membership_of, writable_schools
from edhub.inventories.models import Upload
from edhub.inventories.tasks import INLINE_MAX_BYTES
from edhub.inventories.validation import current_rentree
from edhub.territories.models import Level
from tests.accounts.factories import PASSWORD, agent
from tests.inventories.utils import (
    CRETEIL_ECOLE,
    CRETEIL_ECOLE_2,
    FRESNES_ECOLE,
    inventory_csv,
    row,
    upload_file,
    zip_bomb,
)
from tests.www.utils import text_of

pytestmark = pytest.mark.django_db
INDEX = reverse("inventories:index")


@pytest.fixture
def commune_agent(client):
    user = agent(Role.COMMUNE, Level.COMMUNE, "94028")
    client.force_login(user)
    return user


def post_file(client, content, name="inventaire.csv"):
    return client.post(INDEX, {"file": SimpleUploadedFile(name, content)})


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={INDEX}"


def test_an_account_without_membership_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("sans-role", password=PASSWORD))
    response = client.get(INDEX)
    assert response.status_code == 403
    assert "Votre compte n’est membre d’aucune organisation" in text_of(response).replace("'", "’")


def test_index_says_the_scope(client, commune_agent):
    text = text_of(client.get(INDEX))
    assert "Vous agissez pour Commune — Créteil Rôle : Commune." in text
    assert "Vous pouvez déclarer : les écoles publiques de Créteil" in text
    assert "Aucun dépôt pour l’instant." in text


def test_the_template_is_prefilled_with_the_schools_of_the_scope(client, commune_agent):
    response = client.get(reverse("inventories:template", args=["xlsx"]))
    assert response["Content-Disposition"] == f'attachment; filename="inventaire_94028_{current_rentree()}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book["Inventaire"].iter_rows(values_only=True))
    assert rows[0][:5] == ("UAI", "Nom", "Commune", "Rentrée", "Élèves")
    uais = {r[0] for r in rows[1:]}
    assert {CRETEIL_ECOLE, CRETEIL_ECOLE_2} <= uais
    assert FRESNES_ECOLE not in uais
    assert len(uais) == 43  # the public écoles of Créteil in the directory of Val-de-Marne
    assert {r[2] for r in rows[1:]} == {"Créteil"}
    assert book["Notice"]["A6"].value == "UAI"

    csv = client.get(reverse("inventories:template", args=["csv"])).content.decode("utf-8")
    assert csv.startswith("\ufeffUAI;Nom;Commune;Rentrée;Élèves;Classes;")
    assert len(csv.strip().splitlines()) == 44


def test_upload_preview_publish_and_rollback(client, commune_agent, django_capture_on_commit_callbacks):
    response = post_file(client, inventory_csv([row(CRETEIL_ECOLE), row(FRESNES_ECOLE)]))
    upload = Upload.objects.get(author=commune_agent)
    assert response["Location"] == upload.get_absolute_url()
    text = text_of(client.get(upload.get_absolute_url()))
    assert "2 lignes lues 1 école déclarée 0 école non renseignée" in text
    assert "1 ligne rejetée (1 anomalie bloquante) 0 avertissement" in text
    assert f"3 UAI {FRESNES_ECOLE} hors de votre périmètre" in text
    assert "Publier 1 école déclarée comme nouvelle version" in text
    assert "Ecole élémentaire Charles Beuvin A (0940197D)" in text

    report = client.get(reverse("inventories:problems", args=[upload.pk])).content.decode("utf-8")
    assert report.splitlines()[1].startswith(f"3;UAI;{FRESNES_ECOLE};hors de votre périmètre")
    assert report.splitlines()[1].endswith(";bloquant;ligne rejetée")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inventories:act", args=[upload.pk, "publish"]))
    upload.refresh_from_db()
    assert (upload.status, upload.version) == (Upload.Status.CONFIRMED, 1)
    history = text_of(client.get(INDEX))
    assert "inventaire.csv Créteil 1 Publié" in history

    response = client.post(reverse("inventories:act", args=[upload.pk, "rollback"]), {"reason": ""}, follow=True)
    assert "Indiquez le motif de l’annulation." in text_of(response).replace("'", "’")
    client.post(reverse("inventories:act", args=[upload.pk, "rollback"]), {"reason": "Doublon"})
    upload.refresh_from_db()
    assert (upload.status, upload.rollback_reason) == (Upload.Status.ROLLED_BACK, "Doublon")


def test_the_downloaded_template_with_two_schools_filled_declares_two(client, commune_agent):
    response = client.get(reverse("inventories:template", args=["xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Inventaire"]
    column = {cell.value: cell.column for cell in sheet[1]}
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value == CRETEIL_ECOLE:
            sheet.cell(cells[0].row, column["Élèves"], 200)
            sheet.cell(cells[0].row, column["Classes"], 8)
        elif cells[0].value == CRETEIL_ECOLE_2:
            sheet.cell(cells[0].row, column["Classes"], "huit")  # two bad values: the school is kept
            sheet.cell(cells[0].row, column["Technologie de connexion"], "pigeon")
            sheet.cell(cells[0].row, column["ENT utilisé"], "oui")
    buffer = io.BytesIO()
    book.save(buffer)
    post_file(client, buffer.getvalue(), "inventaire_94028.xlsx")
    upload = Upload.objects.get(author=commune_agent)
    text = text_of(client.get(upload.get_absolute_url()))
    assert (
        "43 lignes lues 2 écoles déclarées 41 écoles non renseignées (lignes du modèle laissées vides : ni erreur, "
        "ni publiées) 0 ligne rejetée (0 anomalie bloquante) 2 avertissements (valeurs ignorées ou à vérifier : "
        "les écoles sont conservées)"
    ) in text
    assert "Publier 2 écoles déclarées comme nouvelle version" in text

    report = client.get(reverse("inventories:problems", args=[upload.pk])).content.decode("utf-8")
    line = next(cells[0].row for cells in sheet.iter_rows(min_row=2) if cells[0].value == CRETEIL_ECOLE_2)
    assert report.splitlines() == [
        "\ufeffligne;colonne;valeur;motif;gravité;conséquence",
        f"{line};Classes;huit;nombre attendu;avertissement;valeur ignorée",
        f"{line};Technologie de connexion;pigeon;technologie inconnue (valeurs possibles : « fibre », « cuivre », "
        "« cable », « mobile », « radio », « satellite », « aucune »);avertissement;valeur ignorée",
    ]
    history = text_of(client.get(INDEX))
    assert "Écoles déclarées Non renseignées Lignes rejetées" in history
    assert "Analysé : à confirmer commune-94028" in history


def test_a_refused_upload_shows_why_with_its_anomalies(client, commune_agent):
    post_file(client, inventory_csv([row(CRETEIL_ECOLE), row(FRESNES_ECOLE), row("9999999Z")]))
    upload = Upload.objects.get(author=commune_agent)
    text = text_of(client.get(upload.get_absolute_url()))
    assert (
        "Fichier refusé 2 des 3 lignes renseignées sont rejetées, plus de la moitié : le fichier est refusé en "
        "entier. Cause probable : ses écoles sont hors de votre périmètre (les écoles publiques de Créteil) : "
        "fichier d’un autre territoire ? Rien n’a été enregistré"
    ) in text.replace("'", "’")
    assert "3 lignes lues 1 école déclarée 0 école non renseignée" in text
    assert f"3 UAI {FRESNES_ECOLE} hors de votre périmètre" in text
    assert "4 UAI 9999999Z UAI inconnue du répertoire des écoles et établissements" in text
    assert "Publier" not in text
    assert upload.declarations.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("photo.png", b"\x89PNG", "« photo.png » n’est ni un classeur XLSX ni un fichier CSV"),
        ("vide.csv", b"", "Le fichier soumis est vide."),
        (
            "inventaire.xlsx",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "Le fichier « inventaire.xlsx » n’est pas un classeur XLSX : son contenu est une image PNG.",
        ),
        (
            "inventaire.csv",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            "Le fichier « inventaire.csv » n’est pas un fichier CSV : son contenu est un document PDF.",
        ),
    ],
)
def test_wrong_files_are_refused_by_the_form(client, commune_agent, name, content, error):
    response = post_file(client, content, name)
    assert response.status_code == 200
    assert error in text_of(response).replace("'", "’")
    assert not Upload.objects.filter(author=commune_agent).exists()


def test_a_zip_bomb_is_refused_by_the_form_before_it_is_stored(client, commune_agent):
    content = zip_bomb(200_000)
    entry = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml")
    response = post_file(client, content, "bombe.xlsx")
    assert response.status_code == 200
    ratio = f"{entry.file_size // entry.compress_size:,}".replace(",", " ")  # text_of: spaces collapsed
    assert (
        f"Le fichier « bombe.xlsx » est refusé en entier : sa partie « xl/worksheets/sheet1.xml » est compressée "
        f"{ratio} fois, ce qu’aucun tableur ne produit (bombe de décompression ?) (au plus 100 fois, limite "
        "d’edhub)."
    ) in text_of(response).replace("'", "’")
    assert not Upload.objects.filter(author=commune_agent).exists()


def test_a_large_file_is_analysed_in_the_background_with_its_progress(client, commune_agent):
    ecoles = writable_schools(membership_of(commune_agent)).values_list("uai", flat=True)
    rows = [row(uai, **{"Rentrée": str(rentree)}) for rentree in range(2005, 2026) for uai in ecoles]
    rows += [row(CRETEIL_ECOLE)] * 20  # duplicates of its rentrée 2025
    content = inventory_csv(rows)
    assert len(content) > INLINE_MAX_BYTES
    post_file(client, content)
    upload = Upload.objects.get(author=commune_agent)
    # The immediate task backend of the tests analysed it at once.
    # 21 rentrées of the 43 public écoles of Créteil, and 20 duplicates.
    assert (upload.status, upload.rows_read, upload.rows_valid, upload.rows_rejected) == (
        Upload.Status.VALIDATED,
        923,
        903,
        20,
    )
    fragment = client.get(reverse("inventories:progress", args=[upload.pk]))
    assert fragment["HX-Refresh"] == "true"
    assert "Analysé : à confirmer : 100 %" in text_of(fragment)


def test_agents_only_see_and_act_on_their_territory(client, commune_agent):
    other = agent(Role.COMMUNE, Level.COMMUNE, "94034")
    theirs = upload_file(other, inventory_csv([row(FRESNES_ECOLE)]))
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(reverse("inventories:act", args=[theirs.pk, "publish"])).status_code == 404
    assert client.get(reverse("inventories:problems", args=[theirs.pk])).status_code == 404
    assert theirs.get_absolute_url() not in client.get(INDEX).content.decode()

    national = agent(Role.NATIONAL)
    client.force_login(national)
    assert client.get(theirs.get_absolute_url()).status_code == 200


def test_a_reader_sees_the_history_but_cannot_upload_or_publish(client):
    writer = agent(Role.DEPARTEMENT, Level.DEPARTEMENT, "94", username="dep94")
    reader = agent(Role.READER, Level.DEPARTEMENT, "94", username="lecteur94")
    upload = upload_file(writer, inventory_csv([row("0941351H")]))
    client.force_login(reader)
    page = text_of(client.get(INDEX))
    assert "Déposer le fichier rempli" not in page
    assert "inventaire.csv" in page
    assert post_file(client, inventory_csv([row("0941351H")])).status_code == 403
    assert client.post(reverse("inventories:act", args=[upload.pk, "publish"])).status_code == 403
    assert client.get(reverse("inventories:template", args=["xlsx"])).status_code == 403


def test_the_documentation_is_public(client):
    text = text_of(client.get(reverse("inventories:documentation")))
    assert "Classes avec vidéoprojecteur ou écran interactif" in text
    assert "Une cellule vide signifie « inconnu »" in text
    assert (
        "Limites d’un dépôt, vérifiées avant sa lecture : 120 000 lignes de données, 100 colonnes, 1 000 caractères "
        "par valeur et 10 000 par ligne (CSV), 256,0 Mio une fois décompressé (XLSX)."
    ) in text


def test_the_school_page_shows_the_declaration_in_force(client, commune_agent, django_capture_on_commit_callbacks):
    school_url = reverse("schools:detail", args=[CRETEIL_ECOLE])
    assert "Aucun inventaire local publié ne décrit cet établissement (N.C.)." in text_of(client.get(school_url))
    upload = upload_file(commune_agent, inventory_csv([row(CRETEIL_ECOLE, **{"Élèves": ""})]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inventories:act", args=[upload.pk, "publish"]))
    text = text_of(client.get(school_url))
    assert "Équipement déclaré pour la rentrée 2025" in text
    assert "Élèves N.C. Classes 8 Ordinateurs fixes élèves 10" in text
    assert "Débit descendant mesuré (Mbit/s) 95,5 Mbit/s" in text
    assert "Technologie de connexion Fibre optique (FttH, FttO)" in text
    assert "Déclaration locale Inventaire de Créteil, version 1 publiée le" in text
    assert "Inventaires locaux : déclarations des collectivités et des académies (edhub)" in text
