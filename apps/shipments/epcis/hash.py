"""GS1 CBV 2.0 event hash ID (CBV 2.0 §8.9) of EPCIS 2.0 JSON/JSON-LD events (no Django imports).

The hash names an event by its content, whatever the syntax it came in: any key order, EPC URNs or
GS1 Digital Link URIs, CBV short names (``"shipping"``) or full IRIs, timestamps in any offset. Corridor
uses it to spot exact duplicates and as the id of an EPCIS event sent without ``eventID``.

How the pre-hash string is written (the algorithm of §8.9, in the profile ``CBV2.0`` of the reference
implementation RalphTro/epcis-event-hash-generator after its PR #123, which the vectors in
``tests/vectors/epcis-hash`` come from):

1. The event becomes a tree of ``(name, value, children)`` elements, as in the XML binding: JSON lists
   become repeated elements (``epcList`` holds ``epc`` elements, ``quantityList`` holds
   ``quantityElement``...), user extension names become ``{namespace IRI}localName``.
2. ``eventType=...``, then the standard fields in the CBV canonical property order, ``name=value``
   with nothing between them; repeated elements are sorted as strings. Values are normalised: CBV
   URNs and short names to ``https://ref.gs1.org/cbv/...`` IRIs, identifiers to canonical Digital Link
   URIs, numbers without redundant zeros, times to UTC at millisecond precision (half-up).
3. Then ``ilmd``, then the user extensions found inside standard fields (prefixed by the names of
   the fields that hold them), then the event's own user extensions; extensions are sorted.
4. ``eventID``, ``recordTime``, ``errorDeclaration`` and ``certificationInfo`` are not hashed.

Speed: no JSON-LD expansion runs. The document's ``@context`` is read once into prefix maps
(``hash_context``), and the CBV short names come from the term tables of the GS1 EPCIS 2.0 context, so a
field is resolved by dict lookups; ``bench/bench_epcis_hash.py`` measures it against the capture floor of
2,000 events/s.

Where this module differs on purpose from the reference, all for results that depend on the event
alone (no vector exercises these cases):

* CBV short names are expanded only in the fields the EPCIS context declares as vocabulary fields
  (``bizStep``, ``disposition``, ``type`` of a business transaction...). The reference also rewrites a
  matching bare string anywhere in the document, so an event's hash depends on its neighbours.
* ``type`` is hashed before ``bizTransaction``/``source``/``destination`` whatever the key order; a
  business transaction without a type is hashed instead of dropping the event.
* An ``@context`` inside an event adds its prefixes and is not hashed as data.
* A timestamp without offset is read as UTC, not in the machine's time zone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from apps.shipments.epcis.digital_link import canonical_digital_link

HASH_PREFIX = "ni:///sha-256;"
HASH_SUFFIX = "?ver=CBV2.0"

GS1_VOC = "https://ref.gs1.org/voc/"
CBV = "https://ref.gs1.org/cbv/"
# Prefixes every EPCIS document has, before its own @context. "cbvmda" has no trailing colon so that a
# master-data attribute gets the element name of the XML binding ({urn:epcglobal:cbv:mda}lotNumber);
# a document that declares the prefix itself keeps its own IRI.
_DEFAULT_NAMESPACES = {
    "gs1": GS1_VOC,
    "cbv": CBV,
    "epcis": "https://ref.gs1.org/epcis/",
    "cbvmda": "urn:epcglobal:cbv:mda",
}
_NAME_CACHE_SIZE = 4096
# Only CURIE values in GS1 namespaces are expanded: a value such as "example:x" is data, not an IRI.
_GS1_NAMESPACE_STARTS = ("https://ref.gs1.org", "https://gs1.org")


@dataclass(frozen=True, slots=True)
class HashContext:
    """The prefixes in force for an EPCIS document, resolved once per document so each key is one lookup.

    Build it with ``hash_context(document["@context"])``.
    """

    element_prefixes: Mapping[str, str]  # prefix -> "{namespace IRI}", to name extension elements
    value_prefixes: Mapping[str, str]  # prefix -> namespace IRI, GS1 namespaces only, to expand CURIE values
    # Element names already resolved: the same keys recur in every event of a document.
    _names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def extended(self, jsonld_context: object) -> HashContext:
        """This context with the prefixes of a nested ``@context`` (an event's own) added."""
        namespaces = {prefix: iri[1:-1] for prefix, iri in self.element_prefixes.items()}
        _collect_prefixes(jsonld_context, namespaces)
        return _context_from(namespaces)

    def element_name(self, key: str) -> str:
        name = self._names.get(key)
        if name is None:
            prefix, colon, local = key.partition(":")
            namespace = self.element_prefixes.get(prefix) if colon else None
            name = key if namespace is None else namespace + local
            if len(self._names) < _NAME_CACHE_SIZE:  # bounded: keys come from senders
                self._names[key] = name
        return name

    def value(self, text: str) -> str:
        prefix, colon, local = text.partition(":")
        if colon:
            namespace = self.value_prefixes.get(prefix)
            if namespace is not None:
                return namespace + local
        return text


def _collect_prefixes(jsonld_context: object, namespaces: dict[str, str]) -> None:
    # Context URLs are the GS1 EPCIS contexts, whose terms this module carries as tables; only
    # embedded objects add prefixes. A term definition object contributes its "@id".
    if isinstance(jsonld_context, list):
        for entry in jsonld_context:
            _collect_prefixes(entry, namespaces)
    elif isinstance(jsonld_context, Mapping):
        for prefix, definition in jsonld_context.items():
            if prefix.startswith("@"):
                continue
            iri = definition.get("@id") if isinstance(definition, Mapping) else definition
            if isinstance(iri, str):
                namespaces[prefix] = iri


def _context_from(namespaces: dict[str, str]) -> HashContext:
    # "gs1" always means the current GS1 Web Vocabulary, as in the EPCIS 2.0 context GS1 publishes now.
    namespaces["gs1"] = GS1_VOC
    return HashContext(
        element_prefixes={prefix: "{" + iri + "}" for prefix, iri in namespaces.items()},
        value_prefixes={p: iri for p, iri in namespaces.items() if iri.startswith(_GS1_NAMESPACE_STARTS)},
    )


def hash_context(jsonld_context: object = None) -> HashContext:
    """Prefix maps for a document's ``@context`` (a URL, an object, or a list of them); computed once per document."""
    namespaces = dict(_DEFAULT_NAMESPACES)
    _collect_prefixes(jsonld_context, namespaces)
    return _context_from(namespaces)


DEFAULT_CONTEXT = hash_context()

# --- CBV vocabularies: the short names the GS1 EPCIS 2.0 JSON-LD context defines, per field ---------

_Terms = tuple[str, frozenset[str]]  # (IRI prefix, the short names it expands)


def _terms(prefix: str, names: str) -> _Terms:
    return prefix, frozenset(names.split())


_BIZ_STEPS = _terms(
    CBV + "BizStep-",
    "accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting "
    "decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting "
    "installing killing loading other packing picking receiving removing repackaging repairing replacing reserving "
    "retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting "
    "unloading unpacking void_shipping",
)
_DISPOSITIONS = _terms(
    CBV + "Disp-",
    "active available completeness_verified completeness_inferred conformant container_closed container_open "
    "damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_instance "
    "mismatch_class mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other "
    "partially_dispensed recalled reserved retail_sold returned sellable_accessible sellable_not_accessible "
    "stolen unavailable unknown",
)
_BIZ_TRANSACTION_TYPES = _terms(
    CBV + "BTT-", "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
_SOURCE_DESTINATION_TYPES = _terms(CBV + "SDT-", "owning_party possessing_party location")
_ERROR_REASONS = _terms(CBV + "ER-", "did_not_occur incorrect_data")
_MEASUREMENT_TYPES = _terms(
    GS1_VOC,
    "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude AmountOfSubstance "
    "AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance "
    "Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity "
    "ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency "
    "Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux "
    "LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration "
    "MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power "
    "Pressure RadiantFlux RadiantIntensity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume "
    "Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction "
    "VolumetricFlux Wavenumber",
)
_SENSOR_ALERTS = _terms(GS1_VOC, "ALARM_CONDITION ERROR_CONDITION")
_COMPONENTS = _terms(
    CBV + "Comp-",
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing latitude "
    "longitude altitude",
)

# Where each vocabulary applies, as the context's property-scoped contexts say: key -> (terms of its value,
# scope inside it). Scopes propagate to nested objects, as JSON-LD property-scoped contexts do.
_Scope = dict[str, tuple[_Terms | None, "_Scope | None"]]
_TOP: _Scope = {"bizStep": (_BIZ_STEPS, None), "disposition": (_DISPOSITIONS, None)}
_PERSISTENT_DISPOSITION: _Scope = {**_TOP, "set": (_DISPOSITIONS, None), "unset": (_DISPOSITIONS, None)}
_BIZ_TRANSACTION: _Scope = {**_TOP, "type": (_BIZ_TRANSACTION_TYPES, None)}
_SOURCE_DESTINATION: _Scope = {**_TOP, "type": (_SOURCE_DESTINATION_TYPES, None)}
_ERROR_DECLARATION: _Scope = {**_TOP, "reason": (_ERROR_REASONS, None)}
_SENSOR_ELEMENT: _Scope = dict(_TOP)
_SENSOR_REPORT: _Scope = {
    **_TOP,
    "type": (_MEASUREMENT_TYPES, None),
    "exception": (_SENSOR_ALERTS, None),
    "component": (_COMPONENTS, None),
}
_SENSOR_ELEMENT["sensorReport"] = (None, _SENSOR_REPORT)
_TOP.update(
    {
        "persistentDisposition": (None, _PERSISTENT_DISPOSITION),
        "bizTransactionList": (None, _BIZ_TRANSACTION),
        "sourceList": (None, _SOURCE_DESTINATION),
        "destinationList": (None, _SOURCE_DESTINATION),
        "sensorElementList": (None, _SENSOR_ELEMENT),
        "errorDeclaration": (None, _ERROR_DECLARATION),
    }
)


def _inherit(scope: _Scope, parent: _Scope) -> None:
    for key, entry in parent.items():
        scope.setdefault(key, entry)


for _nested in (_PERSISTENT_DISPOSITION, _BIZ_TRANSACTION, _SOURCE_DESTINATION, _ERROR_DECLARATION, _SENSOR_ELEMENT):
    _inherit(_nested, _TOP)
_inherit(_SENSOR_REPORT, _SENSOR_ELEMENT)

# --- JSON to the element tree -----------------------------------------------------------------------

# Keys that are not fields: comments (CBV 2.0 excludes them), JSON-LD context definitions, and "#text",
# the element's own value in JSON converted from XML.
_SKIPPED_KEYS = frozenset({"#text", "comment", "rdfs:comment", "@context"})
# The reference sorts the fields of every JSON object by content, except in objects holding these keys
# (a type/id pair), which keep their key order; the order shows only where strings are not re-sorted.
_ORDERED_KEYS = frozenset({"bizTransaction", "source", "destination"})
_PAIR_LISTS = {"bizTransactionList": "bizTransaction", "sourceList": "source", "destinationList": "destination"}

_NO_VOCABULARY: tuple[None, None] = (None, None)


class _Element:
    """An element of the XML binding's tree, which the pre-hash string is written from."""

    __slots__ = ("children", "name", "text")
    pair = False  # see _Pair
    source: Mapping[str, Any] | None = None  # see _Object
    sorted_among_siblings = True

    def __init__(self, name: str, text: str, children: list[_Element]) -> None:
        self.name = name
        self.text = text
        self.children = children


class _Pair(_Element):
    """The (type, id) of one bizTransaction, source or destination: hashed as a unit, type first."""

    __slots__ = ()
    pair = True


class _Object(_Element):
    """An element made from a JSON object, with where it came from: its JSON, vocabulary scope and terms,
    and whether the reference sorted it among its siblings (it keeps key order around a type/id pair).
    That is enough to order repeated containers as the reference does, only when it shows (_extensions_of).
    """

    __slots__ = ("scope", "sorted_among_siblings", "source", "terms")

    def __init__(
        self, name: str, text: str, children: list[_Element], *, source: Mapping[str, Any], scope: _Scope,
        terms: _Terms | None,
    ) -> None:  # fmt: skip
        super().__init__(name, text, children)
        self.source = source
        self.scope = scope
        self.terms = terms
        self.sorted_among_siblings = True


# The XML binding names the members of input/output/child lists "epc" and "quantityElement" (and a
# quantityList member "quantity" too, but not the quantity value inside it: see _binding_name).
_RENAMED = {
    "inputEPC": "epc",
    "outputEPC": "epc",
    "inputQuantity": "quantityElement",
    "outputQuantity": "quantityElement",
    "childQuantity": "quantityElement",
}
_MAPPINGS = (dict, Mapping)  # dict first: isinstance tries it before the slower abstract check


def _binding_name(name: str, has_children: bool) -> str:
    if has_children and name == "quantity":
        return "quantityElement"
    return _RENAMED.get(name, name)


def _element(name: str, value: Any, context: HashContext, scope: _Scope, terms: _Terms | None) -> _Element:
    """One JSON value as an element named `name`."""
    if isinstance(value, _MAPPINGS):
        children = _children(value, context, scope)
        text = _text(value, context, terms)
        return _Object(_binding_name(name, bool(children)), text, children, source=value, scope=scope, terms=terms)
    if isinstance(value, list):
        # A list inside a list: its items are anonymous elements (named after their "type", if any), in
        # the reference's sorted order, which can show when an item is named "source" or the like.
        if not any(isinstance(item, str) and item in _ORDERED_KEYS for item in value):
            value = sorted(value, key=lambda item: (_kind(item), *_raw(item, context, scope, terms)))
        children = _regrouped([_element(_kind(item), item, context, scope, terms) for item in value])
        return _Element(_binding_name(name, bool(children)), "", children)
    return _Element(_RENAMED.get(name, name), _scalar(value, context, terms), [])


def _kind(value: Any) -> str:
    kind = value.get("type", "") if isinstance(value, _MAPPINGS) else ""
    return kind if isinstance(kind, str) else str(kind)


def _children(value: Mapping[str, Any], context: HashContext, scope: _Scope) -> list[_Element]:
    """The elements of a JSON object: plain fields in key order, then one element per *List, then childEPCs."""
    sorted_among_siblings = _ORDERED_KEYS.isdisjoint(value)
    plain: list[_Element] = []
    lists: dict[str, list[_Element]] = {}
    child_epcs: list[_Element] = []
    for key, item in value.items():
        if key in _SKIPPED_KEYS:
            continue
        name = context.element_name(key)
        terms, item_scope = scope.get(key, _NO_VOCABULARY)
        items = item if isinstance(item, list) else (item,)
        if name == "childEPCs":
            child_epcs.extend(_Element("epc", _text(epc, context, terms), []) for epc in items)
            continue
        if name.endswith("List"):
            # "epcList": ["a", "b"] is <epcList><epc>a</epc><epc>b</epc></epcList> in XML.
            target = lists.setdefault(name, [])
            name = name[:-4]
        else:
            target = plain
        for member in items:
            if type(member) is str:  # most values: no call, no recursion
                text = terms[0] + member if terms is not None and member in terms[1] else context.value(member)
                target.append(_Element(_RENAMED.get(name, name), text, []))
                continue
            element = _element(name, member, context, item_scope or scope, terms)
            if element.source is not None:
                element.sorted_among_siblings = sorted_among_siblings
            target.append(element)
    for list_name, members in lists.items():
        id_name = _PAIR_LISTS.get(list_name)
        if id_name is None:
            plain.append(_Element(list_name, "", _regrouped(members)))
        else:
            plain.append(_Element(list_name, "", [_pair(member, id_name) for member in members]))
    if child_epcs:
        plain.append(_Element("childEPCs", "", child_epcs))
    return plain


def _regrouped(elements: list[_Element]) -> list[_Element]:
    """Apply the *List and childEPCs grouping to elements that are not object fields (rare: nested lists)."""
    if not any(element.name.endswith("List") or element.name == "childEPCs" for element in elements):
        return elements
    plain: list[_Element] = []
    lists: dict[str, list[_Element]] = {}
    child_epcs: list[_Element] = []
    for element in elements:
        if element.name.endswith("List"):
            list_name = element.name
            element.name = _binding_name(list_name[:-4], bool(element.children))
            lists.setdefault(list_name, []).append(element)
        elif element.name == "childEPCs":
            child_epcs.append(_Element("epc", element.text, []))
        else:
            plain.append(element)
    plain.extend(_Element(list_name, "", _regrouped(members)) for list_name, members in lists.items())
    if child_epcs:
        plain.append(_Element("childEPCs", "", child_epcs))
    return plain


def _text(value: Any, context: HashContext, terms: _Terms | None) -> str:
    if isinstance(value, _MAPPINGS):
        text = value.get("#text", "")
        return text if isinstance(text, str) else str(text)
    return "" if isinstance(value, list) else _scalar(value, context, terms)


def _scalar(value: Any, context: HashContext, terms: _Terms | None) -> str:
    if isinstance(value, str):
        if terms is not None and value in terms[1]:
            return terms[0] + value
        return context.value(value)
    if isinstance(value, bool):  # before int: JSON true is "true", as in XML
        return "true" if value else "false"
    return str(value)


def _pair(member: _Element, id_name: str) -> _Element:
    # Type first, then the id, whatever the key order of the JSON object.
    by_name: dict[str, _Element] = {}
    for child in member.children:
        by_name.setdefault(child.name, child)
    return _Pair("", "", [by_name[name] for name in ("type", id_name) if name in by_name])


_RawElement = tuple[str, list["_RawElement"]]  # (value, children) of the reference's sorted element tree


def _sort_key(element: _Element, context: HashContext) -> _RawElement:
    """The element as the reference's sorted (value, children) tree, to order repeated containers alike."""
    if not isinstance(element, _Object):
        return (element.text, [])
    return _raw(element.source, context, element.scope, element.terms)


def _raw(value: Any, context: HashContext, scope: _Scope, terms: _Terms | None) -> _RawElement:
    """A JSON value as the reference's element tree, fields sorted by content; only for ordering."""
    if isinstance(value, _MAPPINGS):
        children = []
        for key, item in value.items():
            if key in _SKIPPED_KEYS:
                continue
            name = context.element_name(key)
            item_terms, item_scope = scope.get(key, _NO_VOCABULARY)
            for member in item if isinstance(item, list) else (item,):
                children.append((name, *_raw(member, context, item_scope or scope, item_terms)))
        if _ORDERED_KEYS.isdisjoint(value):
            children.sort()
        return (_text(value, context, terms), children)
    if isinstance(value, list):
        items = [(_kind(item), *_raw(item, context, scope, terms)) for item in value]
        if not any(isinstance(item, str) and item in _ORDERED_KEYS for item in value):
            items.sort()
        return ("", items)
    return (_scalar(value, context, terms), [])


# --- Value normalisation --------------------------------------------------------------------------

_CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", CBV + "ER-"),
)
# Beyond this exponent a number is left as written: expanding 1e-999999999 would take gigabytes.
_MAX_EXPONENT = 1000


# Values repeat across events (steps, locations, the same EPCs on several events), so canonical forms
# are cached; long values are rare and would make the cache a memory sink, so they are not.
_CACHED_LENGTH = 256


def _canonical_value(text: str) -> str:
    """A value as hashed: CBV 1.x URNs as CBV 2.0 IRIs, numbers without redundant zeros, GS1 keys as Digital Link."""
    return _cached_value(text) if len(text) <= _CACHED_LENGTH else _uncached_value(text)


def _uncached_value(text: str) -> str:
    if "urn:epcglobal:cbv:" in text:
        for urn, iri in _CBV_URNS:
            text = text.replace(urn, iri)
    text = _canonical_number(text)
    return canonical_digital_link(text) or text


_cached_value = lru_cache(maxsize=8192)(_uncached_value)


def _canonical_number(text: str) -> str:
    if not text or not (text[0].isdigit() or text[0] in "+-."):  # cheap test before Decimal's exception path
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite() or abs(number.as_tuple().exponent) > _MAX_EXPONENT:  # type: ignore[arg-type]
        return text
    integral = number.to_integral_value()
    if number == integral:
        return str(integral)
    return format(number.normalize(), "f")


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d\d):?(\d\d)?)?"
)


def _canonical_time(text: str) -> str:
    """UTC, milliseconds rounded half-up (``.1415`` -> ``.142``), ``Z``; a value that is not a timestamp stays as is."""
    return _cached_time(text) if len(text) <= _CACHED_LENGTH else _uncached_time(text)


def _uncached_time(text: str) -> str:
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return text
    year, month, day, hour, minute, second, fraction, _, sign, offset_hours, offset_minutes = match.groups()
    digits = fraction or ""
    millis = int(digits[:3].ljust(3, "0")) + (1 if len(digits) > 3 and digits[3] >= "5" else 0)
    # Naive UTC arithmetic: much cheaper than aware datetimes, and a value without offset is read as UTC
    # (EPCIS requires an offset; the machine's time zone must not change a hash).
    to_utc = 0
    if sign:
        to_utc = int(offset_hours) * 60 + int(offset_minutes or 0)
        to_utc = to_utc if sign == "-" else -to_utc
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))  # noqa: DTZ001
        moment += timedelta(minutes=to_utc, milliseconds=millis)
    except (ValueError, OverflowError):
        return text
    return moment.isoformat(timespec="milliseconds") + "Z"


_cached_time = lru_cache(maxsize=8192)(_uncached_time)


# --- The canonical property order (CBV 2.0 §8.9) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Level:
    """One level of the canonical property order: field names in hash order, each with its sub-level."""

    fields: tuple[tuple[str, _Level | None], ...]
    names: frozenset[str]


def _level(*fields: str | tuple[str, _Level]) -> _Level:
    entries = tuple((entry, None) if isinstance(entry, str) else entry for entry in fields)
    return _Level(entries, frozenset(name for name, _ in entries))


_EPCS = _level("epc")
_QUANTITIES = _level(("quantityElement", _level("epcClass", "quantity", "uom")))
_ID = _level("id")
_PAIRS = _level()  # members are (type, id) pairs, written whole
_EVENT = _level(
    "eventTime",
    "eventTimeZoneOffset",
    ("epcList", _EPCS),
    "parentID",
    ("inputEPCList", _EPCS),
    ("childEPCs", _EPCS),
    ("quantityList", _QUANTITIES),
    ("childQuantityList", _QUANTITIES),
    ("inputQuantityList", _QUANTITIES),
    ("outputEPCList", _EPCS),
    ("outputQuantityList", _QUANTITIES),
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    ("persistentDisposition", _level("set", "unset")),
    ("readPoint", _ID),
    ("bizLocation", _ID),
    ("bizTransactionList", _PAIRS),
    ("sourceList", _PAIRS),
    ("destinationList", _PAIRS),
    (
        "sensorElementList",
        _level(
            (
                "sensorElement",
                _level(
                    (
                        "sensorMetadata",
                        _level("time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
                               "dataProcessingMethod", "bizRules"),
                    ),
                    (
                        "sensorReport",
                        _level("type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
                               "time", "microorganism", "chemicalSubstance", "value", "component", "stringValue",
                               "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue",
                               "sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem"),
                    ),
                ),
            ),
        ),
    ),
)  # fmt: skip
# Top-level fields that identify or annotate the capture, not the event (CBV 2.0 §8.9).
_NOT_HASHED = frozenset({"type", "eventID", "recordTime", "errorDeclaration", "certificationInfo"})
_UNSORTED_NAMES = frozenset(_PAIR_LISTS.values())


def _label(name: str) -> str:
    # CBV 2.0 writes sensor elements without their list's name.
    return "" if name == "sensorElementList" else name


def _is_extension(name: str) -> bool:
    # {namespace}name with a namespace IRI ending in "/", as the reference requires: a cbvmda attribute
    # ({urn:epcglobal:cbv:mda}...) inside a standard field stays with that field instead.
    return "{" in name and "/}" in name


# --- Writing the pre-hash string -----------------------------------------------------------------------


def _standard(children: list[_Element], level: _Level) -> str:
    """The fields of `level`, in order, each group sorted; consumed elements leave `children`."""
    names = level.names
    by_name: dict[str, list[_Element]] = {}
    for child in children:
        if child.name in names:
            by_name.setdefault(child.name, []).append(child)
    if not by_name:
        return ""
    parts: list[str] = []
    for name, sub_level in level.fields:
        group = by_name.get(name)
        if group is None:
            continue
        if len(group) == 1:
            text = _standard_element(group[0], sub_level)
            if text:
                parts.append(text)
        else:
            parts.extend(sorted(text for text in (_standard_element(element, sub_level) for element in group) if text))
    # What is left (extensions, unknown fields, fields that hold extensions) is written after ilmd.
    children[:] = [child for child in children if child.children or child.name not in names]
    return "".join(parts)


# Standard fields holding a timestamp: "time" in the name, but not eventTimeZoneOffset.
_TIME_FIELDS = frozenset({"eventTime", "time", "startTime", "endTime"})


def _standard_element(element: _Element, level: _Level | None) -> str:
    inner = ""
    if level is not None:
        if element.children and all(child.pair for child in element.children):
            inner = _generic(element.children)
            element.children.clear()
        else:
            inner = _standard(element.children, level)
    value = element.text.strip()
    if value:
        value = _canonical_time(value) if element.name in _TIME_FIELDS else _canonical_value(value)
    if value:
        return _label(element.name) + "=" + value + inner
    if inner:
        return _label(element.name) + inner
    return ""


def _generic(elements: list[_Element]) -> str:
    """Elements outside the property order (ilmd, extensions): every element, sorted as strings."""
    parts = []
    for element in elements:
        if element.pair:
            parts.append(_generic(element.children))
            continue
        value = element.text.strip()
        parts.append(element.name + ("=" + _canonical_value(value) if value else "") + _generic(element.children))
    if len(elements) > 1 and not any(element.name in _UNSORTED_NAMES for element in elements):
        parts.sort()
    return "".join(parts)


def _field_extensions(children: list[_Element], level: _Level, context: HashContext) -> str:
    """User extensions inside standard fields, each prefixed by the names of the fields that hold it."""
    parts = []
    for name, sub_level in level.fields:
        if sub_level is not None:
            parts.extend(_label(name) + inner for _, inner in _extensions_of(children, name, sub_level, context))
    extensions = [child for child in children if _is_extension(child.name)]
    if extensions:
        parts.append(_generic(extensions))
    return "".join(parts)


def _extensions_of(
    children: list[_Element], name: str, level: _Level, context: HashContext
) -> list[tuple[_Element, str]]:
    """The `name` fields among `children` that hold extensions, each with its extension block."""
    found = [(child, _field_extensions(child.children, level, context)) for child in children if child.name == name]
    found = [(child, inner) for child, inner in found if inner]
    if len(found) > 1 and found[0][0].sorted_among_siblings:
        # The reference sorts the elements of every JSON object by their whole content before writing,
        # and this block is the only place that shows it: computed here, for the few events with
        # extensions in several sensor elements or reports, rather than for every element.
        found.sort(key=lambda item: _sort_key(item[0], context))
    return found


def event_prehash(event: Mapping[str, Any], context: HashContext = DEFAULT_CONTEXT) -> str:
    """The canonical pre-hash string of one EPCIS event (CBV 2.0 §8.9); shown to people to explain a hash.

    `context` holds the prefixes of the event's document (``hash_context(document["@context"])``), so
    that ``example:field`` is hashed as ``{http://ns.example.com/epcis/}field``.
    """
    if not isinstance(event, Mapping):
        raise TypeError(f"an EPCIS event is a JSON object, not {type(event).__name__}")
    if "@context" in event:
        context = context.extended(event["@context"])
    children = _children(event, context, _TOP)
    standard = _standard(children, _EVENT)
    ilmd = [child for child in children if child.name == "ilmd"]
    rest = [child for child in children if child.name != "ilmd"]
    parts = ["eventType=", _kind(event), standard, _generic(ilmd)]
    done: set[int] = set()
    if any(child.children and child.name in _EVENT.names for child in rest):
        for name, sub_level in _EVENT.fields:
            if sub_level is not None:
                for child, inner in _extensions_of(rest, name, sub_level, context):
                    parts.append(_label(name) + inner)
                    done.add(id(child))
    # What is left are the event's own extensions (and fields no standard names).
    parts.append(_generic([c for c in rest if id(c) not in done and c.name not in _NOT_HASHED]))
    return "".join(parts)


def prehash_to_hash(prehash: str) -> str:
    """The event hash ID of a pre-hash string: ``ni:///sha-256;<lowercase hex>?ver=CBV2.0`` (RFC 6920)."""
    return HASH_PREFIX + hashlib.sha256(prehash.encode("utf-8")).hexdigest() + HASH_SUFFIX


def event_hash(event: Mapping[str, Any], context: HashContext = DEFAULT_CONTEXT) -> str:
    """The CBV 2.0 event hash ID of one EPCIS event: equal for the same event in any syntax or key order."""
    return prehash_to_hash(event_prehash(event, context))


def document_events(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The events of an EPCISDocument or EPCISQueryDocument, in document order.

    Schema validation is the capture pipeline's job; a body without events gives an empty list.
    """
    body = document.get("epcisBody") or {}
    if "eventList" in body:
        return list(body["eventList"])
    if "queryResults" in body:
        return list(body["queryResults"].get("resultsBody", {}).get("eventList", []))
    if "event" in body:
        return [body["event"]]
    return []


def document_event_hashes(document: Mapping[str, Any]) -> list[str]:
    """The CBV 2.0 hash of every event of an EPCIS document, in document order.

    The document's ``@context`` supplies the prefixes of user extensions; it is read once for all events.
    """
    context = hash_context(document.get("@context"))
    return [event_hash(event, context) for event in document_events(document)]
