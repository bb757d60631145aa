"""EPC URIs and GS1 Digital Link URIs to one constrained canonical GS1 Digital Link URI (no Django imports).

The CBV 2.0 event hash (§8.9) writes every identifier as a canonical GS1 Digital Link URI on
``https://id.gs1.org/``, at its finest identification level and without the qualifiers that are not part of
the identity (CPV, lot when a serial is present) or a query string. That makes an event captured with EPC
URNs and the same event captured with Digital Link URIs hash alike. EPCIS query filters such as
``MATCH_epc`` need the same normal form, which is why this is a module of its own.

``canonical_digital_link`` returns ``None`` for anything it cannot normalise (a value that is not a GS1
identifier, or one outside the constrained syntax); the caller then keeps the value as written. The
behaviour follows the CBV 2.0 reference implementation (RalphTro/epcis-event-hash-generator), including
its choice to keep serial characters literally instead of percent-encoding them again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

CANONICAL_HOST = "https://id.gs1.org"

# One character of an EPC URI component: the GS1 AI encodable set, where the characters a URN cannot
# carry literally appear as %-escapes (EPC Tag Data Standard, EPC URI syntax).
_URN_CHAR = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"
)
# One character of a CPI component reference: digits, capitals, '-', and '#', '/' escaped.
_CPI_CHAR = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
# GS1 company prefix, then the digits that complete the key (item, location, asset... reference).
_PREFIX = r"(?P<gcp>\d{6,12})\.(?P<ref>\d*)"
_PREFIX_GIAI = rf"(?P<gcp>\d{{6,12}})\.(?P<ref>{_URN_CHAR}+)"  # then an alphanumeric reference
_PREFIX_CPI = rf"(?P<gcp>\d{{6,12}})\.(?P<ref>{_CPI_CHAR}+)"


def check_digit(digits: str) -> str:
    """GS1 mod-10 check digit (GS1 General Specifications 7.9.1) for GTIN, GLN, SSCC, GSRN, GDTI..."""
    # Weights 3, 1, 3... from the rightmost digit.
    total = 3 * sum(map(int, digits[::-2])) + sum(map(int, digits[-2::-2]))
    return str(-total % 10)


def _indicator_first(length: int) -> Callable[[re.Match[str]], str | None]:
    """Key whose first digit (GTIN indicator, SSCC extension) leads the reference in the EPC URI."""

    def key(match: re.Match[str]) -> str | None:
        gcp, ref = match["gcp"], match["ref"]
        if len(gcp) + len(ref) != length or not ref:
            return None
        body = ref[0] + gcp + ref[1:]
        return body + check_digit(body)

    return key


def _keyed(length: int, lead: str = "") -> Callable[[re.Match[str]], str | None]:
    """Key of `length` digits before the check digit: company prefix + reference (GLN, GSRN, GSIN...)."""

    def key(match: re.Match[str]) -> str | None:
        body = match["gcp"] + match["ref"]
        if len(body) != length:
            return None
        body = lead + body
        return body + check_digit(body)

    return key


def _limited(limit: int) -> Callable[[re.Match[str]], str | None]:
    """Company prefix + free reference of at most `limit` characters, no check digit (GIAI, GINC, CPI)."""

    def key(match: re.Match[str]) -> str | None:
        body = match["gcp"] + match["ref"]
        return body if len(body) - 2 * body.count("%") <= limit else None

    return key


def _format(template: str, key: Callable[[re.Match[str]], str | None]) -> Callable[[re.Match[str]], str | None]:
    """Build the Digital Link path from the computed key and the other named groups of the match."""

    def build(match: re.Match[str]) -> str | None:
        value = key(match)
        if value is None:
            return None
        return CANONICAL_HOST + template.format(key=value, **match.groupdict())

    return build


_gtin = _indicator_first(13)
_sscc = _indicator_first(17)
_gln_like = _keyed(12)  # GLN, party GLN, GDTI and GCN: 12 digits and a check digit


def _sgln(match: re.Match[str]) -> str | None:
    # The extension "0" means "no extension": the location is the GLN alone.
    gln = _gln_like(match)
    if gln is None:
        return None
    extension = match["ext"]
    return f"{CANONICAL_HOST}/414/{gln}" + ("" if extension == "0" else f"/254/{extension}")


# Each EPC scheme: the URI after "urn:epc:", its syntax, and how it maps to Digital Link (TDS 2.x, §6/§7).
_EPC_SCHEMES: dict[str, tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]]] = {
    scheme: (re.compile(pattern), builder)
    for scheme, pattern, builder in (
        ("id:sgtin", rf"{_PREFIX}\.(?P<serial>{_URN_CHAR}{{1,20}})", _format("/01/{key}/21/{serial}", _gtin)),
        ("id:sscc", _PREFIX, _format("/00/{key}", _sscc)),
        ("id:sgln", rf"{_PREFIX}\.(?P<ext>{_URN_CHAR}{{1,20}})", _sgln),
        ("id:grai", rf"{_PREFIX}\.(?P<serial>{_URN_CHAR}{{1,16}})", _format("/8003/{key}{serial}", _keyed(12, "0"))),
        ("id:giai", _PREFIX_GIAI, _format("/8004/{key}", _limited(30))),
        ("id:gsrn", _PREFIX, _format("/8018/{key}", _keyed(17))),
        ("id:gsrnp", _PREFIX, _format("/8017/{key}", _keyed(17))),
        ("id:gdti", rf"{_PREFIX}\.(?P<serial>{_URN_CHAR}{{0,19}})", _format("/253/{key}{serial}", _gln_like)),
        ("id:cpi", _PREFIX_CPI + r"\.(?P<serial>\d{1,12})", _format("/8010/{key}/8011/{serial}", _limited(30))),
        ("id:sgcn", rf"{_PREFIX}\.(?P<serial>\d{{1,12}})", _format("/255/{key}{serial}", _gln_like)),
        ("id:ginc", _PREFIX_GIAI, _format("/401/{key}", _limited(30))),
        ("id:gsin", _PREFIX, _format("/402/{key}", _keyed(16))),
        (
            "id:itip",
            rf"{_PREFIX}\.(?P<piece>\d\d)\.(?P<total>\d\d)\.(?P<serial>{_URN_CHAR}{{1,20}})",
            _format("/8006/{key}{piece}{total}/21/{serial}", _gtin),
        ),
        ("id:upui", rf"{_PREFIX}\.(?P<tpx>{_URN_CHAR}{{1,28}})", _format("/01/{key}/235/{tpx}", _gtin)),
        ("id:pgln", _PREFIX, _format("/417/{key}", _gln_like)),
        ("class:lgtin", rf"{_PREFIX}\.(?P<lot>{_URN_CHAR}{{1,20}})", _format("/01/{key}/10/{lot}", _gtin)),
        ("idpat:sgtin", rf"{_PREFIX}\.\*", _format("/01/{key}", _gtin)),
        ("idpat:grai", rf"{_PREFIX}\.\*", _format("/8003/{key}", _keyed(12, "0"))),
        ("idpat:gdti", rf"{_PREFIX}\.\*", _format("/253/{key}", _gln_like)),
        ("idpat:sgcn", rf"{_PREFIX}\.\*", _format("/255/{key}", _gln_like)),
        ("idpat:cpi", _PREFIX_CPI + r"\.\*", _format("/8010/{key}", _limited(30))),
        (
            "idpat:itip",
            rf"{_PREFIX}\.(?P<piece>\d\d)\.(?P<total>\d\d)\.\*",
            _format("/8006/{key}{piece}{total}", _gtin),
        ),
        ("idpat:upui", rf"{_PREFIX}\.\*", _format("/01/{key}", _gtin)),
    )
}


# Digital Link URIs: any host, a primary key (AI or its legacy short name) followed by at least 4 digits.
_DL_KEYS = (
    "01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|"
    "8003|grai|8004|giai"
)
_DL_URI = re.compile(rf"https?:[^?#]*/(?:{_DL_KEYS})/\d{{4}}[^/]")
_SHORT_NAMES = (
    ("/gtin/", "/01/"), ("/itip/", "/8006/"), ("/cpid/", "/8010/"), ("/gln/", "/414/"), ("/party/", "/417/"),
    ("/gsrnp/", "/8017/"), ("/gsrn/", "/8018/"), ("/gcn/", "/255/"), ("/sscc/", "/00/"), ("/gdti/", "/253/"),
    ("/ginc/", "/401/"), ("/gsin/", "/402/"), ("/grai/", "/8003/"), ("/giai/", "/8004/"), ("/cpv/", "/22/"),
    ("/lot/", "/10/"), ("/ser/", "/21/"),
)  # fmt: skip
_PRIMARY_KEYS = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018")
_ON_CANONICAL_HOST = re.compile(rf"https://id\.gs1\.org/(?:{'|'.join(_PRIMARY_KEYS)})/\d{{4}}[^/]")
_GTIN_DIGITS = re.compile(r"https://id\.gs1\.org/01/(\d*)")
# The GS1 AI encodable characters a canonical Digital Link may carry literally in a key or qualifier.
_X = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_WITH_CPV = re.compile(rf"https://id\.gs1\.org/(?:8006/\d{{18}}|01/\d{{14}})/22/(?:{_X}|/){{0,20}}")
_LOT_AND_SERIAL = re.compile(rf"https://id\.gs1\.org/(?:8006/\d{{18}}|01/\d{{14}})/10/{_X}{{0,20}}/21/{_X}{{0,20}}")
_CANONICAL = re.compile(
    "https://id\\.gs1\\.org/(?:"
    + "|".join(
        (
            r"00/\d{18}",
            rf"01/\d{{14}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}}|/235/{_X}{{0,28}})?",
            rf"253/\d{{13}}{_X}{{0,17}}",
            r"255/\d{13}\d{0,12}",
            rf"401/{_X}{{0,30}}",
            r"402/\d{17}",
            rf"414/\d{{13}}(?:/254/{_X}{{0,20}})?",
            r"417/\d{13}",
            rf"8003/\d{{14}}{_X}{{0,16}}",
            rf"8004/{_X}{{0,30}}",
            rf"8006/\d{{18}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}})?",
            r"8010/[#\-/0-9A-Z]{0,30}(?:/8011/\d{0,12})?",
            r"8017/\d{18}",
            r"8018/\d{18}",
        )
    )
    + ")"
)


def _from_epc_uri(uri: str) -> str | None:
    body = uri[8:]  # after "urn:epc:"
    kind, _, rest = body.partition(":")
    scheme, _, value = rest.partition(":")
    entry = _EPC_SCHEMES.get(f"{kind}:{scheme}")
    if entry is None:
        return None
    pattern, build = entry
    match = pattern.fullmatch(value)
    return build(match) if match else None


def _from_digital_link(uri: str) -> str | None:
    if _DL_URI.match(uri) is None:
        return None
    uri = uri.partition("?")[0]
    for short, ai in _SHORT_NAMES:
        uri = uri.replace(short, ai)
    if _ON_CANONICAL_HOST.match(uri) is None:
        # Another resolver's host: keep the path from the primary key on, on the canonical host.
        for ai in _PRIMARY_KEYS:
            start = uri.find(f"/{ai}/")
            if start != -1:
                uri = CANONICAL_HOST + uri[start:]
                break
    gtin = _GTIN_DIGITS.match(uri)
    if gtin is not None and len(gtin[1]) < 14:
        # GTIN-8/12/13 are written as GTIN-14 (left zero padding).
        digits = len(gtin[1])
        padding = "0" if digits == 13 else "00" if digits == 12 else "000000" if digits >= 8 else ""
        uri = uri.replace("/01/", "/01/" + padding)
    if _WITH_CPV.fullmatch(uri):
        # The consumer product variant does not identify the object: drop it, keep what follows it.
        start = uri.find("/22/")
        after = uri[start + 4 :]
        uri = uri[:start] + (after[after.find("/") :] if "/" in after else "")
    if _LOT_AND_SERIAL.fullmatch(uri):
        # A serial identifies the instance: the lot is redundant.
        start = uri.find("/10/")
        after = uri[start + 4 :]
        uri = uri[:start] + after[after.find("/") :]
    return uri if _CANONICAL.fullmatch(uri) else None


def canonical_digital_link(value: str) -> str | None:
    """Canonical, constrained GS1 Digital Link URI for an EPC URI, EPC class/pattern URI or Digital Link URI.

    ``None`` when `value` is not such an identifier or falls outside the constrained syntax.
    """
    if "." not in value:  # every EPC URI and every Digital Link host has one; a cheap first filter
        return None
    if value.startswith("urn:epc:"):
        return _from_epc_uri(value)
    if value.startswith("http"):
        return _from_digital_link(value)
    return None
