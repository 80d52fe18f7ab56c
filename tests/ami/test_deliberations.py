"""The council's deliberation: PDF, ODT or DOCX recognised by content, within the size limit."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from edhub.ami.deliberations import check, megabytes

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ODT = zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office:document-content/>"})
ODS = zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
DOCX = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("deliberation.pdf", PDF, "pdf"),
        ("deliberation.odt", ODT, "odt"),
        ("deliberation.docx", DOCX, "docx"),
        # The content decides, not the name: a PDF saved without its extension is a PDF.
        ("Délibération du 12 janvier", PDF, "pdf"),
    ],
)
def test_accepted_formats(name, content, kind):
    file = upload(name, content)
    assert check(file) == kind
    assert file.tell() == 0  # left ready to be stored


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.exe", EXE),
        ("deliberation.pdf", b"Ceci n'est pas un PDF, seulement son extension.\n"),
        ("deliberation.odt", ODS),  # an OpenDocument spreadsheet, not a text
        ("deliberation.docx", XLSX),  # an Office workbook, not a Word document
        ("deliberation.docx", b"PK\x03\x04 truncated zip"),
        ("vide.pdf", b""),
    ],
)
def test_refused_formats_say_why(name, content):
    with pytest.raises(ValidationError) as error:
        check(upload(name, content))
    assert error.value.messages == [f"Le fichier « {name} » n'est pas un PDF, un ODT ou un DOCX."]


def test_size_limit_default_10_mo():
    big = upload("scan.pdf", PDF + bytes(int(12.3 * 1024 * 1024) - len(PDF) + 1))
    with pytest.raises(ValidationError) as error:
        check(big)
    assert error.value.messages == ["Le fichier « scan.pdf » dépasse la taille maximale de 10 Mo (12,3 Mo)."]
    assert check(upload("scan.pdf", PDF + bytes(10 * 1024 * 1024 - len(PDF)))) == "pdf"  # exactly 10 Mo


def test_size_limit_from_settings(settings):
    settings.AMI_DELIBERATION_MAX_BYTES = 2 * 1024 * 1024
    with pytest.raises(ValidationError) as error:
        check(upload("scan.pdf", PDF + bytes(2 * 1024 * 1024)))
    assert error.value.messages == ["Le fichier « scan.pdf » dépasse la taille maximale de 2 Mo (2,1 Mo)."]


def test_sizes_in_mo():
    mo = 1024 * 1024
    assert [megabytes(n) for n in (10 * mo, 12_897_485, 1_572_864, 1)] == ["10", "12,3", "1,5", "0"]
    assert [megabytes(n, up=True) for n in (10 * mo, 10 * mo + 1, 1)] == ["10", "10,1", "0,1"]


def test_just_over_the_limit_does_not_read_as_the_limit(settings):
    settings.AMI_DELIBERATION_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as error:
        check(upload("scan.pdf", PDF + bytes(1024 * 1024)))
    assert error.value.messages == ["Le fichier « scan.pdf » dépasse la taille maximale de 1 Mo (1,1 Mo)."]
