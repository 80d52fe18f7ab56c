"""Text helpers shared by importers, search and the API."""

import functools
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


# Imports fold the same labels (a type, a sector) on every row, and a school's name several times.
@functools.lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Lowercase, accent-free, punctuation-free form of a text: 'Saint-Maur-des-Fossés' -> 'saint maur des fosses'."""
    text = text or ""
    if text.isascii():  # nothing to decompose
        ascii_text = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


def column_key(header: str) -> str:
    """Canonical form of a column header: 'Code postal' and 'Code_postal' both give 'code_postal'; a '+' is a word
    ('REP +' gives 'rep_plus', not the 'rep' of the column beside it)."""
    return fold(header.replace("\ufeff", "").replace("+", " plus ")).replace(" ", "_")
