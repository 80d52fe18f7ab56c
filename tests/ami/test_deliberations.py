"""The council's deliberation: PDF, ODT or DOCX recognised by their whole structure, within the size limit."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from edhub.ami.deliberations import check, megabytes
from tests.ami.factories import one_page_pdf

PDF = one_page_pdf()


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ODT_TYPE = "application/vnd.oasis.opendocument.text"
MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_TYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
CONTENT = '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'
ODT_ENTRIES = {"mimetype": ODT_TYPE, "META-INF/manifest.xml": MANIFEST, "content.xml": CONTENT}
ODT = zipped(ODT_ENTRIES)
ODS = zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX_ENTRIES = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document xmlns:w='urn:w'/>"}
DOCX = zipped(DOCX_ENTRIES)
XLSX = zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


def pdf_of_size(size):
    """A real one-page PDF of exactly `size` bytes (padded by a metadata text)."""

    def written(padding):
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.add_metadata({"/Subject": "x" * padding})
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    padding = size - len(written(0))
    return written(padding - (len(written(padding)) - size))  # corrected for the longer offsets of the xref


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


def without(entries, name, **changes):
    return zipped({**{key: value for key, value in entries.items() if key != name}, **changes})


@pytest.mark.parametrize(
    ("content", "why"),
    [
        # A polyglot: a PDF's first bytes, then an executable.
        (b"%PDF-1.7\n" + EXE, "le PDF est incomplet (sa fin manque)"),
        (PDF[: len(PDF) // 2], "le PDF est incomplet (sa fin manque)"),
        (PDF + EXE * 10, "d'autres données suivent la fin du PDF"),
        (PDF[: PDF.index(b"xref")] + b"%%EOF\n", "le PDF est endommagé, sa structure est illisible"),
        (
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
            "le PDF est endommagé, sa structure est illisible",
        ),
        (without(ODT_ENTRIES, "META-INF/manifest.xml"), "il y manque META-INF/manifest.xml"),
        (without(ODT_ENTRIES, "content.xml"), "il y manque content.xml"),
        (
            without(
                ODT_ENTRIES,
                "META-INF/manifest.xml",
                **{"META-INF/manifest.xml": MANIFEST.replace(".text", ".spreadsheet")},
            ),
            "son manifeste (META-INF/manifest.xml) ne déclare pas un document texte",
        ),
        (
            without(ODT_ENTRIES, "content.xml", **{"content.xml": "<office:document-content"}),
            "content.xml est illisible",
        ),
        (ODT[: len(ODT) - 40], "l'archive du document est endommagée"),
        (without(DOCX_ENTRIES, "[Content_Types].xml"), "il y manque [Content_Types].xml"),
        (
            without(DOCX_ENTRIES, "[Content_Types].xml", **{"[Content_Types].xml": "<Types/>"}),
            "[Content_Types].xml ne déclare pas word/document.xml comme document Word",
        ),
    ],
)
def test_damaged_documents_are_refused_by_their_structure(content, why):
    with pytest.raises(ValidationError) as error:
        check(upload("deliberation", content))
    assert error.value.messages == [
        f"Le fichier « deliberation » est illisible : {why}. Enregistrez de nouveau la délibération en PDF, ODT "
        "ou DOCX depuis votre logiciel, puis joignez ce fichier."
    ]


def test_size_limit_default_10_mo():
    big = upload("scan.pdf", PDF + bytes(int(12.3 * 1024 * 1024) - len(PDF) + 1))
    with pytest.raises(ValidationError) as error:
        check(big)
    assert error.value.messages == ["Le fichier « scan.pdf » dépasse la taille maximale de 10 Mo (12,3 Mo)."]
    exactly = pdf_of_size(10 * 1024 * 1024)
    assert len(exactly) == 10 * 1024 * 1024
    assert check(upload("scan.pdf", exactly)) == "pdf"


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
