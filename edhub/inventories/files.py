"""What an uploaded file really is, from its first bytes: the extension a user gives a file proves nothing; and
whether it stays within the limits of an upload, before it is parsed.

An inventory is accepted as a workbook only when its content is an XLSX workbook, and as a CSV only when its
content is text; anything else (a PNG renamed `.xlsx`, a PDF or a workbook renamed `.csv`) is refused with what
its content is, before anything is read. A file larger than the limits (rows, columns, line length, size once
decompressed, compression ratio of a workbook's parts: a zip bomb) is refused from its zip directory or its raw
lines, before it is parsed.
"""

import re
import zipfile
import zlib

from django.conf import settings
from django.template.defaultfilters import filesizeformat

HEAD_BYTES = 8192
EXPECTED = {
    ".xlsx": ("xlsx", "un classeur XLSX"),
    ".csv": ("text", "un fichier CSV"),
    ".txt": ("text", "un fichier CSV"),
}
CONTENTS = {
    "xlsx": "un classeur XLSX",
    "ods": "un classeur OpenDocument (ODS)",
    "xls": "un classeur Excel 97-2003 (XLS) ou un autre document Office ancien",
    "docx": "un document Word (DOCX)",
    "odt": "un document OpenDocument (ODT)",
    "zip": "une archive ZIP",
    "damaged": "une archive ZIP endommagée (un classeur incomplet ?)",
    "pdf": "un document PDF",
    "png": "une image PNG",
    "jpeg": "une image JPEG",
    "gif": "une image GIF",
    "binary": "binaire (ni du texte ni un classeur)",
    "text": "du texte (un CSV ?)",
}
SIGNATURES = (
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF-", "pdf"),
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"\xff\xfe", "text"),  # UTF-16 (Excel's « Texte Unicode »): the reader decodes it
    (b"\xfe\xff", "text"),
)
HINTS = {
    "xlsx": "Redonnez-lui l'extension « .xlsx », ou enregistrez-le au format CSV depuis votre tableur.",
    "text": "Redonnez-lui l'extension « .csv », ou enregistrez-le au format XLSX depuis votre tableur.",
    "ods": "Enregistrez-le au format XLSX (ou CSV) depuis votre tableur.",
    "xls": "Enregistrez-le au format XLSX (ou CSV) depuis votre tableur.",
    "damaged": "Enregistrez-le à nouveau depuis votre tableur.",
}
DEFAULT_HINT = "Déposez le modèle rempli, enregistré au format XLSX ou CSV depuis votre tableur."


def content_of(file):
    """The kind of content of a binary file object (a key of CONTENTS), read from its first bytes and, for a zip
    archive, from the names it holds. The file is left at its start."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, zlib.error, KeyError, OSError, RuntimeError, NotImplementedError):
            return "damaged"
        finally:
            file.seek(0)
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
        if mimetype.endswith(b"opendocument.spreadsheet"):
            return "ods"
        if mimetype.endswith(b"opendocument.text"):
            return "odt"
        return "zip"
    return "binary" if b"\x00" in head else "text"


def mismatch(name, file):
    """Why a file is not what its extension says, in French; None when it is (or its extension is not ours)."""
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if extension not in EXPECTED:
        return None
    expected, label = EXPECTED[extension]
    found = content_of(file)
    if found == expected:
        return None
    return (
        f"Le fichier « {name} » n'est pas {label} : son contenu est {CONTENTS[found]}. "
        f"{HINTS.get(found, DEFAULT_HINT)}"
    )


def fr_int(number):
    return f"{number:,}".replace(",", "\u202f")


def over_limits(name, file):
    """Why a file exceeds the limits of an upload (settings.INVENTORY_LIMITS), in French, read from its zip
    directory or its raw lines before any parsing; None when it does not. The file is left at its start."""
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    try:
        return _zip_over_limits(name, file) if head == b"PK\x03\x04" else _text_over_limits(name, file)
    finally:
        file.seek(0)


def _refusal(name, what, limit, hint):
    return f"Le fichier « {name} » est refusé en entier : {what} ({limit}, limite d'edhub). {hint}"


SPLIT_HINT = "Découpez-le (par commune ou par département) et déposez chaque morceau."


def _zip_over_limits(name, file):
    limits = settings.INVENTORY_LIMITS
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            unzipped = sum(entry.file_size for entry in entries)
            if unzipped > limits["unzipped_bytes"]:
                return _refusal(
                    name,
                    f"une fois décompressé, il occuperait {filesizeformat(unzipped)}",
                    f"au plus {filesizeformat(limits['unzipped_bytes'])}",
                    SPLIT_HINT,
                )
            for entry in entries:
                ratio = entry.file_size / max(entry.compress_size, 1)
                if entry.file_size > ZIP_RATIO_MIN_BYTES and ratio > limits["zip_ratio"]:
                    return _refusal(
                        name,
                        f"sa partie « {entry.filename} » est compressée {fr_int(int(ratio))} fois, ce qu'aucun "
                        "tableur ne produit (bombe de décompression ?)",
                        f"au plus {limits['zip_ratio']} fois",
                        "Enregistrez à nouveau le modèle depuis votre tableur.",
                    )
            for entry in entries:
                if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                    with archive.open(entry) as sheet:
                        found = DIMENSION.search(sheet.read(DIMENSION_BYTES))
                    if found:
                        refusal = _sheet_over_limits(name, found)
                        if refusal:
                            return refusal
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        return None  # a damaged archive: the reader refuses it with its own message
    return None


# Entries smaller than this are not judged by their ratio (a few kilobytes of repeated XML compress well).
ZIP_RATIO_MIN_BYTES = 1024 * 1024
DIMENSION_BYTES = 4096  # the <dimension> of a worksheet comes before its rows
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def _sheet_over_limits(name, found):
    limits = settings.INVENTORY_LIMITS
    letters, rows = found.group(1).decode(), int(found.group(2))
    columns = 0
    for letter in letters:
        columns = columns * 26 + ord(letter) - ord("A") + 1
    if rows - 1 > limits["rows"]:
        what = f"sa feuille compte {fr_int(rows - 1)} lignes de données"
        return _refusal(name, what, f"au plus {fr_int(limits['rows'])}", SPLIT_HINT)
    if columns > limits["columns"]:
        return _refusal(
            name,
            f"sa feuille compte {fr_int(columns)} colonnes",
            f"au plus {limits['columns']}",
            "Déposez le modèle, sans colonnes ajoutées.",
        )
    return None


def _text_over_limits(name, file):
    limits = settings.INVENTORY_LIMITS
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return (
            f"Le fichier « {name} » est refusé en entier : son contenu est du JSON, pas un tableau CSV. "
            "Déposez le modèle rempli, enregistré au format XLSX ou CSV depuis votre tableur."
        )
    width = 2 if head.startswith((b"\xff\xfe", b"\xfe\xff")) else 1  # UTF-16: two bytes a character
    lines, longest, longest_line, current = 0, 0, 0, 0
    for chunk in iter(lambda: file.read(1 << 20), b""):
        parts = chunk.split(b"\n")
        for index, part in enumerate(parts):
            current += len(part)
            if index == len(parts) - 1:
                break  # the line goes on in the next chunk
            lines += 1
            if current > longest:
                longest, longest_line = current, lines
            current = 0
    if current:
        lines += 1
        if current > longest:
            longest, longest_line = current, lines
    if lines - 1 > limits["rows"]:
        what = f"il compte {fr_int(lines - 1)} lignes de données"
        return _refusal(name, what, f"au plus {fr_int(limits['rows'])}", SPLIT_HINT)
    if longest // width > limits["line_chars"]:
        return _refusal(
            name,
            f"sa ligne {fr_int(longest_line)} compte {fr_int(longest // width)} caractères",
            f"au plus {fr_int(limits['line_chars'])} par ligne",
            "Une valeur y est trop longue, ou un guillemet n'y est pas fermé : corrigez cette ligne.",
        )
    return None
