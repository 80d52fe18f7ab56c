"""What an uploaded file really is, from its first bytes: the extension a user gives a file proves nothing.

An inventory is accepted as a workbook only when its content is an XLSX workbook, and as a CSV only when its
content is text; anything else (a PNG renamed `.xlsx`, a PDF or a workbook renamed `.csv`) is refused with what
its content is, before anything is read.
"""

import zipfile
import zlib

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
