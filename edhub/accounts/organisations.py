"""Organisations' identifiers: SIRET, SIREN, RNA.

SIRET and SIREN are checked by python-stdnum (digits, length, Luhn key; La Poste's establishments, which have no
Luhn key, by the sum of their digits). The RNA number has no checksum and stdnum has no module for it: see
RNA_PATTERN.
"""

import re

from django.core.exceptions import ValidationError
from stdnum import exceptions
from stdnum.fr import siren, siret

# « W suivi de 9 chiffres »: W, the code of the prefecture that registered the association, then a sequence number.
# The code of Corsica's and some overseas prefectures holds a letter in second place (W2A…, W9R…): accepted too.
RNA_PATTERN = re.compile(r"W[0-9][0-9A-Z][0-9]{7}")


def compact(value):
    """The identifier as typed, without spaces, dots, dashes or slashes, in capitals ("" for none)."""
    return re.sub(r"[\s./-]", "", value or "").upper()


def _check(module, value, name, digits):
    # InvalidLength is an InvalidFormat: it is caught first.
    try:
        module.validate(value)
    except exceptions.InvalidLength:
        raise ValidationError(
            f"Le {name} compte {digits} chiffres, « {value} » en a {len(value)} : vérifiez qu'il est complet.",
            code="invalid_length",
        ) from None
    except exceptions.InvalidFormat:
        raise ValidationError(
            f"Le {name} ne contient que des chiffres ({digits}) : corrigez « {value} ».", code="invalid_format"
        ) from None
    except exceptions.InvalidChecksum:
        raise ValidationError(
            f"Le {name} « {value} » n'existe pas (sa clé de contrôle est fausse) : recopiez-le depuis l'avis de "
            "situation INSEE ou l'annuaire des entreprises.",
            code="invalid_checksum",
        ) from None


def validate_siret(value):
    _check(siret, value, "SIRET", 14)


def validate_siren(value):
    _check(siren, value, "SIREN", 9)


def validate_rna(value):
    if not RNA_PATTERN.fullmatch(value):
        raise ValidationError(
            f"Le numéro RNA est la lettre W suivie de 9 chiffres (ex. W751234567) : corrigez « {value} ».",
            code="invalid_format",
        )
