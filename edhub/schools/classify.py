"""Deriving a school's type, sector and state from the official labels and codes."""

from edhub.schools.models import Kind, Sector, State
from edhub.utils.text import fold

LYCEE_NATURES = {
    "300": Kind.LYCEE_GT,
    "301": Kind.LYCEE_GT,
    "302": Kind.LYCEE_GT,
    "306": Kind.LYCEE_POLYVALENT,
    "307": Kind.LYCEE,
    "320": Kind.LYCEE_PRO,
    "310": Kind.EREA,
}

# Directory rows of these types are not schools: set aside as « hors champ », neither imported nor rejected.
NOT_SCHOOL_TYPES = {"service administratif", "information et orientation", "medico social", "autre"}


def kind_of(nature_code="", type_label="", maternelle=None, elementaire=None, name="") -> str:
    """The school type from (in that order) its nature code, its directory flags, its type label, its name."""
    code = nature_code.strip()
    type_folded = fold(type_label)
    name_folded = fold(name)
    if code in LYCEE_NATURES:
        return LYCEE_NATURES[code]
    if code.startswith("34") or code.startswith("35") or type_folded == "college":
        return Kind.COLLEGE
    if type_folded == "erea":
        return Kind.EREA
    if type_folded == "lycee" or code.startswith("3"):
        return Kind.LYCEE
    is_ecole = code.startswith("1") or type_folded == "ecole" or name_folded.startswith("ecole")
    if is_ecole:
        if maternelle and elementaire:
            return Kind.ECOLE_PRIMAIRE
        if maternelle:
            return Kind.ECOLE_MATERNELLE
        if elementaire:
            return Kind.ECOLE_ELEMENTAIRE
        if "primaire" in name_folded:
            return Kind.ECOLE_PRIMAIRE
        if "maternelle" in name_folded or code in ("101", "102", "103", "111"):
            return Kind.ECOLE_MATERNELLE
        if "elementaire" in name_folded or code.startswith("15"):
            return Kind.ECOLE_ELEMENTAIRE
        return Kind.ECOLE_PRIMAIRE
    if name_folded.startswith("college"):
        return Kind.COLLEGE
    if name_folded.startswith("lycee"):
        return Kind.LYCEE
    return Kind.AUTRE


def is_school(type_label: str, sector_label: str, kind: str) -> bool:
    """False for the directory's rows that are not schools: administrative services, orientation centres,
    medico-social places, and rows of no known kind without a public/private status (circonscriptions, DSDEN,
    rectorat)."""
    if fold(type_label) in NOT_SCHOOL_TYPES:
        return False
    return kind != Kind.AUTRE or bool(fold(sector_label))


def sector_of(label: str) -> str:
    folded = fold(label)
    if folded.startswith("pu"):
        return Sector.PUBLIC
    if folded.startswith("pr"):
        return Sector.PRIVE
    raise ValueError("secteur attendu : Public ou Privé")


def sector_or_blank(label: str) -> str:
    """The sector when the label gives one, else blank (files where the sector is a mere complement)."""
    try:
        return sector_of(label)
    except ValueError:
        return ""


def state_of(label: str) -> str:
    folded = fold(label)
    return {
        "ouvert": State.OPEN,
        "1": State.OPEN,
        "a ouvrir": State.TO_OPEN,
        "3": State.TO_OPEN,
        "a fermer": State.TO_CLOSE,
        "2": State.TO_CLOSE,
        "ferme": State.CLOSED,
    }.get(folded, State.OPEN)
