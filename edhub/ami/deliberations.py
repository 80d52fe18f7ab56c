"""The deliberation of the municipal council joined to a dossier: a PDF, an ODT or a DOCX, checked by its structure.

The extension a user gives a file proves nothing, nor do its first bytes (a `%PDF-` followed by an executable is not
a PDF): the file is accepted when its whole structure is that of one of the three formats — a PDF read by pypdf,
ending with its end-of-file marker and holding at least one page; an ODT or a DOCX as a zip whose entries are intact,
with its manifest (META-INF/manifest.xml, [Content_Types].xml) declaring the text document it holds — and stored
under the extension of the format found.
"""

import math
import zipfile
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
# A PDF ends with %%EOF, give or take a few bytes of line ends and padding (what readers tolerate).
PDF_TAIL_BYTES = 1024
# The entries of a document's zip are read whole to check them: at most this once decompressed (no zip bomb).
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def max_bytes():
    return getattr(settings, "AMI_DELIBERATION_MAX_BYTES", DEFAULT_MAX_BYTES)


def megabytes(size, up=False):
    """12_897_485 → "12,3": mebibytes to the nearest tenth (`up`: rounded up), without a useless ",0"."""
    tenths = size * 10 / (1024 * 1024)
    tenths = math.ceil(tenths) if up else math.floor(tenths + 0.5)
    whole, tenth = divmod(tenths, 10)
    return f"{whole},{tenth}" if tenth else str(whole)


class Damaged(Exception):
    """A file of a known format whose structure is broken; the message says what is wrong, in French."""


def kind_of(file):
    """ "pdf", "odt" or "docx" from the structure of a file; None for any other format; Damaged when it announces
    one of the three formats but its structure is broken."""
    file.seek(0)
    head = file.read(5)
    file.seek(0)
    try:
        if head == b"%PDF-":
            check_pdf(file)
            return "pdf"
        if head.startswith(b"PK\x03\x04"):
            return zipped_kind(file)
        return None
    finally:
        file.seek(0)


def check_pdf(file):
    """Damaged unless the PDF ends with its end-of-file marker and pypdf reads its catalog and at least one page."""
    content = file.read()
    marker = content.rfind(b"%%EOF")
    if marker < 0:
        raise Damaged("le PDF est incomplet (sa fin manque)")
    if len(content) - marker > PDF_TAIL_BYTES:
        raise Damaged("d'autres données suivent la fin du PDF")
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        pages = len(reader.pages)
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        raise Damaged("le PDF est endommagé, sa structure est illisible") from None
    if pages == 0:
        raise Damaged("le PDF ne contient aucune page")


def zipped_kind(file):
    """ "odt" or "docx" for a zip holding one, checked entry by entry; None for another zip (a spreadsheet…)."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= len(ODT_MIMETYPE) + 2:
                if archive.read("mimetype").strip() != ODT_MIMETYPE:
                    return None
                check_entries(archive, ["META-INF/manifest.xml", "content.xml"])
                check_odt_manifest(archive)
                return "odt"
            if "word/document.xml" in names:
                check_entries(archive, ["[Content_Types].xml", "word/document.xml"])
                check_docx_content_types(archive)
                return "docx"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, zipfile.LargeZipFile):
        if head_is_document(file):
            raise Damaged("l'archive du document est endommagée") from None
        return None
    return None


def head_is_document(file):
    """Whether a broken zip still names an ODT or DOCX entry in its first bytes (a truncated document)."""
    file.seek(0)
    head = file.read(4096)
    return b"mimetypeapplication/vnd.oasis.opendocument.text" in head or b"[Content_Types].xml" in head


def check_entries(archive, required):
    """Damaged unless the required entries are there, and every entry decompresses whole with its checksum."""
    missing = [name for name in required if name not in archive.namelist()]
    if missing:
        raise Damaged(f"il y manque {', '.join(missing)}")
    if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
        raise Damaged("son contenu décompressé dépasse 100 Mo")
    if archive.testzip() is not None:
        raise Damaged("l'archive du document est endommagée")
    for name in required:
        xml(archive, name)


def xml(archive, name):
    try:
        return ElementTree.fromstring(archive.read(name))
    except ElementTree.ParseError:
        raise Damaged(f"{name} est illisible") from None


def check_odt_manifest(archive):
    manifest = xml(archive, "META-INF/manifest.xml")
    entries = {
        entry.get(f"{{{MANIFEST_NS}}}full-path"): entry.get(f"{{{MANIFEST_NS}}}media-type")
        for entry in manifest.iter(f"{{{MANIFEST_NS}}}file-entry")
    }
    if entries.get("/") != ODT_MIMETYPE.decode() or "content.xml" not in entries:
        raise Damaged("son manifeste (META-INF/manifest.xml) ne déclare pas un document texte")


def check_docx_content_types(archive):
    types = xml(archive, "[Content_Types].xml")
    overrides = {
        entry.get("PartName"): entry.get("ContentType") for entry in types.iter(f"{{{CONTENT_TYPES_NS}}}Override")
    }
    if overrides.get("/word/document.xml") != DOCX_MAIN_TYPE:
        raise Damaged("[Content_Types].xml ne déclare pas word/document.xml comme document Word")


def check(file):
    """The format of an uploaded deliberation ("pdf", "odt" or "docx"), or a ValidationError saying why not."""
    limit = max_bytes()
    if file.size > limit:
        size = megabytes(file.size)
        if size == megabytes(limit):  # just over the limit: "10,1 Mo", not "10 Mo"
            size = megabytes(file.size, up=True)
        raise ValidationError(
            f"Le fichier « {file.name} » dépasse la taille maximale de {megabytes(limit)} Mo ({size} Mo).",
            code="too_large",
        )
    try:
        kind = kind_of(file)
    except Damaged as damage:
        raise ValidationError(
            f"Le fichier « {file.name} » est illisible : {damage}. Enregistrez de nouveau la délibération en PDF, ODT "
            "ou DOCX depuis votre logiciel, puis joignez ce fichier.",
            code="damaged",
        ) from None
    if kind is None:
        raise ValidationError(f"Le fichier « {file.name} » n'est pas un PDF, un ODT ou un DOCX.", code="format")
    return kind
