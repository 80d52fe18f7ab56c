"""The deliberation of the municipal council joined to a dossier: a PDF, an ODT or a DOCX, recognised by its content.

The extension a user gives a file proves nothing: the file is accepted when its bytes are those of one of the
three formats, and stored under the extension of the format found.
"""

import math
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
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


def kind_of(file):
    """ "pdf", "odt" or "docx" from the first bytes (and the zip entries) of a file; None for anything else."""
    file.seek(0)
    head = file.read(5)
    file.seek(0)
    if head == b"%PDF-":
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            small = "mimetype" in names and archive.getinfo("mimetype").file_size <= len(ODT_MIMETYPE) + 2
            if small and archive.read("mimetype").strip() == ODT_MIMETYPE:
                return "odt"
            if "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    finally:
        file.seek(0)
    return None


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
    kind = kind_of(file)
    if kind is None:
        raise ValidationError(f"Le fichier « {file.name} » n'est pas un PDF, un ODT ou un DOCX.", code="format")
    return kind
