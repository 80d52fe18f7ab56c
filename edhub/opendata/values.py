"""Parsing of single values from official files. Each parser raises ValueError with a French reason."""

import datetime
import functools
import math
import re

UAI_RE = re.compile(r"^\d{7}[A-Z]$")
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # the check letter of a UAI: its 7 digits modulo 23
NS_VALUES = ("NS", "N.S.", "NC")  # « non significatif », « non communiqué »
COMMUNE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
# Above any count an official file gives (the premises of Paris are 1.5 million): a larger one is a typing or
# export accident, and would not even fit the database.
MAX_COUNT = 10_000_000


def uai(text: str) -> str:
    value = text.strip().upper()
    if not value:
        raise ValueError("UAI manquant")
    if not UAI_RE.match(value):
        raise ValueError("UAI invalide (attendu : 7 chiffres et une lettre, ex. 0940176F)")
    return value


def uai_without_zero(text: str) -> str | None:
    """The UAI a spreadsheet stripped of its leading zero ('940176F' -> '0940176F'), when the check letter
    confirms it; else None."""
    value = text.strip().upper()
    if len(value) == 7 and value[:6].isdigit() and UAI_LETTERS[int(value[:6]) % 23] == value[6]:
        return "0" + value
    return None


@functools.lru_cache(maxsize=65_536)  # a file names each commune on many rows
def commune_code(text: str) -> str:
    """An INSEE commune code as text; restores the leading zero that spreadsheets drop ('1001' -> '01001')."""
    value = text.strip().upper()
    if value.isdigit() and len(value) == 4:
        value = "0" + value
    if not COMMUNE_RE.match(value):
        raise ValueError("code commune INSEE invalide (attendu : 5 caractères, ex. 94028 ou 2A004)")
    return value


def postcode(text: str) -> str:
    """A postcode as text; restores the leading zero that spreadsheets drop ('1000' -> '01000')."""
    value = text.strip()[:5]
    return "0" + value if value.isdigit() and len(value) == 4 else value


def departement_code(text: str) -> str:
    """'094' -> '94', '02A' -> '2A', '971' -> '971'."""
    value = text.strip().upper()
    if len(value) == 3 and value.startswith("0"):
        value = value[1:]
    if len(value) == 1 and value.isdigit():
        value = "0" + value
    return value


def number(text: str, *, allow_ns: bool = False) -> float | None:
    """A number written the French or the English way; '' -> None; 'NS' -> None when allowed."""
    try:  # most cells are plain numbers ('12', '103.4')
        result = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(result):
            raise ValueError("nombre attendu")
        return result
    value = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if value == "" or value == "-":
        return None
    if allow_ns and value.upper() in NS_VALUES:
        return None
    try:
        result = float(value.replace(",", "."))
    except ValueError:
        raise ValueError("nombre attendu") from None
    if not math.isfinite(result):
        raise ValueError("nombre attendu")
    return result


@functools.lru_cache(maxsize=65_536)  # counts repeat across a file's rows and columns (0, 1, 12…)
def count(text: str, *, high: int = MAX_COUNT) -> int | None:
    """A whole number from 0 to `high`, the largest plausible value of the field."""
    value = number(text)
    if value is None:
        return None
    if value < 0 or not float(value).is_integer():
        raise ValueError("nombre entier positif attendu")
    if value > high:
        raise ValueError(f"valeur hors de la plage plausible (0 à {high:,})".replace(",", "\u202f"))
    return int(value)


def flag(text: str) -> bool:
    """Flags are written 1/0, 1/-, OUI/NON."""
    value = text.strip().upper()
    if value in ("1", "OUI", "O", "TRUE", "VRAI", "X"):
        return True
    if value in ("", "0", "-", "NON", "N", "FALSE", "FAUX"):
        return False
    raise ValueError("indicateur attendu (1 ou 0)")


def membership(text: str) -> bool:
    """A flag that may also carry the identifier of the group it marks (an RPI: '0350123X', 'RPI 12'): any value
    but an empty or negative one means "belongs"."""
    return text.strip().upper() not in ("", "0", "-", "NON", "N", "FALSE", "FAUX")


def marked(text: str) -> bool:
    """A cell that marks a commune by any value ('1', an operator code…); '-', '0' or empty mark nothing."""
    return text.strip() not in ("", "-", "0")


# Files repeat one date (the file's) or one rentrée on every row: parsed once.
@functools.lru_cache(maxsize=4096)
def date(text: str) -> datetime.date | None:
    value = text.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d"):
        try:
            return datetime.datetime.strptime(value[:19] if "T" in value else value, fmt).date()
        except ValueError:
            continue
    raise ValueError("date attendue (AAAA-MM-JJ ou JJ/MM/AAAA)")


@functools.lru_cache(maxsize=4096)
def rentree(text: str) -> int:
    """'2021-2022', '2021' -> 2021."""
    match = re.match(r"^\s*(\d{4})", text)
    if not match:
        raise ValueError("année de rentrée attendue (ex. 2021 ou 2021-2022)")
    return int(match.group(1))


def coordinate(text: str, low: float, high: float) -> float | None:
    value = number(text)
    if value is None:
        return None
    if not low <= value <= high:
        raise ValueError(f"coordonnée hors bornes ({low} à {high})")
    return value


def school_years(rentrees) -> str:
    """The vintage of a file covering several rentrées: {2019, 2022} -> '2019-2020 à 2022-2023'."""
    years = sorted(rentrees)
    if not years:
        return ""
    if len(years) == 1:
        return f"{years[0]}-{years[0] + 1}"
    return f"{years[0]}-{years[0] + 1} à {years[-1]}-{years[-1] + 1}"
