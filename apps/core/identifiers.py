"""Trade identifiers: validation and normalisation with maintained libraries (no Django imports).

Each ``normalize_*`` returns the canonical form or raises ``InvalidIdentifier`` with a message a
person can act on. Check digits come from python-stdnum; countries from pycountry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType

import pycountry
from stdnum import lei as stdnum_lei
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.util import get_cc_module

from apps.core.words import Text
from apps.core.words import gettext_noop as _


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier of the kind asked for: ``str`` is the English message, ``text``
    the same as a :class:`~apps.core.words.Text` a page renders in its language."""

    def __init__(self, template: str, **args: object) -> None:
        self.text = Text(template, **args)
        super().__init__(str(self.text))

    def render(self, translate: Callable[[str], str]) -> str:
        """The message in the reader's language (``translate`` is ``gettext``)."""
        return self.text.render(translate)


def stdnum_words(exc: ValidationError) -> Text | str:
    """python-stdnum's message (English), as a text the pages can translate."""
    for kind, words in _STDNUM_WORDS.items():
        if isinstance(exc, kind):
            return Text(words)
    return str(exc)


# python-stdnum's own messages, word for word, marked for the catalogue.
_STDNUM_WORDS = {
    InvalidChecksum: _("The number's checksum or check digit is invalid."),
    InvalidFormat: _("The number has an invalid format."),
    InvalidLength: _("The number has an invalid length."),
    InvalidComponent: _("One of the parts of the number are invalid or unknown."),
}


def normalize_country(value: str) -> str:
    """ISO 3166-1 alpha-2 code, upper case."""
    code = (value or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidIdentifier(_("'%(value)s' is not an ISO 3166-1 alpha-2 country code."), value=value)
    return code


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def normalize_lei(value: str) -> str:
    """Legal Entity Identifier (ISO 17442): 20 characters, ISO 7064 mod 97-10 check digits."""
    try:
        return stdnum_lei.validate(value)
    except InvalidChecksum as exc:
        raise InvalidIdentifier(
            _("'%(value)s' is not a valid LEI: the check digits do not match."), value=value
        ) from exc
    except (InvalidLength, InvalidFormat) as exc:
        raise InvalidIdentifier(
            _("'%(value)s' is not a valid LEI: it must be 18 letters or digits and 2 check digits."), value=value
        ) from exc
    except ValidationError as exc:
        raise InvalidIdentifier(
            _("'%(value)s' is not a valid LEI: %(problem)s"), value=value, problem=stdnum_words(exc)
        ) from exc


# EORI numbers are issued by the EU member states and, since Brexit, by the UK (GB) and for
# Northern Ireland (XI). python-stdnum has no EORI module: the structure is fixed by Commission
# Implementing Regulation (EU) 2015/2447 art. 7 (country code + up to 15 characters), and the UK
# form is GB/XI + a VAT number + three digits, whose VAT part stdnum does validate.
EORI_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "GB",
        "XI",
    ]
)
_EORI_FORMAT = re.compile(r"^([A-Z]{2})([A-Z0-9]{1,15})$")


def normalize_eori(value: str) -> str:
    """Economic Operators Registration and Identification number (EU, GB, XI)."""
    compact = re.sub(r"[\s.-]", "", value or "").upper()
    match = _EORI_FORMAT.match(compact)
    if not match:
        raise InvalidIdentifier(
            _("'%(value)s' is not an EORI number: a country code and 1 to 15 letters or digits."), value=value
        )
    country, national = match.groups()
    if country not in EORI_COUNTRIES:
        raise InvalidIdentifier(
            _("'%(value)s' is not an EORI number: %(country)s does not issue EORI numbers."),
            value=value,
            country=country,
        )
    if country in {"GB", "XI"}:
        if not re.fullmatch(r"\d{12}|\d{15}", national):
            raise InvalidIdentifier(
                _("'%(value)s' is not a UK EORI number: %(country)s and 12 or 15 digits."), value=value, country=country
            )
        try:
            gb_vat.validate(national[:9])
        except ValidationError as exc:
            raise InvalidIdentifier(
                _("'%(value)s' is not a UK EORI number: its VAT part fails the check."), value=value
            ) from exc
    return compact


# The national tax / business register number, checked with the country's stdnum module where one
# exists (Taiwan UBN, Korea BRN, US EIN, EU VAT numbers, ...), in this order of preference.
_TAX_MODULE_NAMES = ("vat", "ubn", "brn", "ein", "uen", "abn", "bn", "gstin", "uscc", "cnpj", "rut", "nit", "tin")
_GENERIC_TAX_FORMAT = re.compile(r"^[A-Z0-9][A-Z0-9 ./-]{2,30}$")


def tax_number_module(country: str) -> ModuleType | None:
    for name in _TAX_MODULE_NAMES:
        module = get_cc_module(country.lower(), name)
        if module is not None:
            return module
    return None


def normalize_tax_number(value: str, *, country: str) -> str:
    """A national tax or business number of ``country``, check digits verified where known."""
    module = tax_number_module(country)
    if module is None:
        compact = (value or "").strip().upper()
        if not _GENERIC_TAX_FORMAT.match(compact):
            raise InvalidIdentifier(
                _("'%(value)s' is not a tax or business number: 3 to 31 letters, digits or . / -."), value=value
            )
        return compact
    label = module.__name__.rsplit(".", 1)[-1].upper()
    try:
        return module.compact(module.validate(value))
    except (InvalidChecksum, InvalidComponent) as exc:
        raise InvalidIdentifier(
            _("'%(value)s' is not a valid %(country)s %(label)s: the check digits do not match."),
            value=value,
            country=country,
            label=label,
        ) from exc
    except ValidationError as exc:
        raise InvalidIdentifier(
            _("'%(value)s' is not a valid %(country)s %(label)s: %(problem)s"),
            value=value,
            country=country,
            label=label,
            problem=stdnum_words(exc),
        ) from exc


_UNLOCODE = re.compile(r"^([A-Z]{2})([A-Z2-9]{3})$")


def normalize_unlocode(value: str) -> str:
    """UN/LOCODE: ISO 3166-1 country and three letters or digits 2-9, e.g. TWKHH, KRPUS, USLAX."""
    compact = re.sub(r"\s", "", value or "").upper()
    match = _UNLOCODE.match(compact)
    if not match:
        raise InvalidIdentifier(
            _("'%(value)s' is not a UN/LOCODE: a country code and three letters or digits 2-9."), value=value
        )
    normalize_country(match.group(1))
    return compact
