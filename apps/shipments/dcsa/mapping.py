"""DCSA Track & Trace 2.2 and 3.0 event lists, validated against DCSA's own OpenAPI schemas, as ``EventIn``.

Pure Python (no Django), so the API view, a Celery task replaying a stored body and the tests all
run the same code. ``parse_dcsa_events`` checks the whole batch and either returns every event or
raises ``IngestValidationError`` listing every problem: a feed is never half stored.

What is checked, and why:

- **DCSA's schemas, as published** (``schemas/dcsa/``, bundled unmodified). OpenAPI 3.0 is turned
  into JSON Schema here: ``$ref`` inlined, ``nullable`` honoured, the discriminator replaced by
  choosing the schema from ``eventType`` (2.2) or ``eventClassification.eventTypeCode`` (3.0), so
  a problem names the field instead of "matches none of anyOf". Each event is validated by a
  compiled ``fastjsonschema`` function; only an event that fails is validated again with
  ``jsonschema`` to list all its problems, so the common case stays fast.
- **``date-time`` is strict RFC 3339 with an offset**: a time without one cannot be placed on the
  timeline, and the offset is kept as sent (``event_time_zone_offset``).
- **Corridor's additions**, because storage depends on them: ``eventID`` is required (events are
  identified and versioned by it) and unique in a batch (per ``eventUpdatedDateTime`` in 3.0,
  whose updates share an id); 3.0 lists its codes only in descriptions, so the codes Corridor
  maps (event type, classifier, event codes, mode of transport, temperature unit) are read from
  those descriptions into enums; a 3.0 event needs ``eventDateTime``, ``eventUpdatedDateTime`` and
  its classification unless it is a retraction (DCSA: "any event data other than the eventID is
  irrelevant"), which needs ``eventUpdatedDateTime`` to be ordered against earlier versions.
- **Times that cannot be true**: a creation or update time in the future, an actual (ACT) event in
  the future, and (2.2) an actual event created before it happened.
- **UN/LOCODE** in every location field: an ISO 3166 country and three characters A-Z, 2-9.
- **I-JSON** (RFC 7493): NaN, infinities, integers beyond ±(2^53-1) and lone surrogates cannot be
  canonicalised (RFC 8785) for the content digest nor stored, so they are rejected here.
- **Check digits are warnings** (DESIGN §10): a container number failing ISO 6346 or an IMO number
  failing its check digit is kept, with an entry in ``EventIn.warnings``.

Problems about the body itself (not an array, no ``events``) carry ``index == BODY_INDEX``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import yaml
from stdnum import imo as stdnum_imo
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from apps.core import identifiers
from apps.shipments.ingest.types import (
    SOURCE_DCSA_2,
    SOURCE_DCSA_3,
    DocumentRef,
    EventIn,
    FieldProblem,
    IngestValidationError,
)

DCSA_VERSIONS = ("2.2", "3.0")
BODY_INDEX = -1  # FieldProblem.index of a problem with the body rather than one event

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_SPEC_FILES = {"2.2": "TNT_v2.2.0-resolved.yaml", "3.0": "TNT_v3.0.0.yaml"}

# Producers' clocks drift; a few minutes either way is not a false statement about the world.
CLOCK_SKEW = timedelta(minutes=5)

_V2_SCHEMA_BY_TYPE = {"SHIPMENT": "shipmentEvent", "TRANSPORT": "transportEvent", "EQUIPMENT": "equipmentEvent"}
_V2_CODE_BY_TYPE = {
    "SHIPMENT": "shipmentEventTypeCode",
    "TRANSPORT": "transportEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
}
_V3_CODE_BY_TYPE = {
    "SHIPMENT": "shipmentEventTypeCode",
    "TRANSPORT": "transportEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
    "IOT": "iotEventTypeCode",
    "REEFER": "reeferEventTypeCode",
}
# 3.0 properties whose code list lives only in the description ("- `ARRI` - Arrived") and whose
# value Corridor maps into EventIn, so an unknown code would be stored as if it meant something.
_V3_CODE_LISTS = (
    *(("EventClassification", name) for name in ("eventTypeCode", "eventClassifierCode", *_V3_CODE_BY_TYPE.values())),
    ("TransportCall", "modeOfTransport"),
    ("ReeferDetails", "temperatureUnit"),
)
_CODE_ITEM = re.compile(r"^\s*-\s+`([A-Z0-9_]+)`", re.MULTILINE)

# --- RFC 3339 ----------------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))\Z"
)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")


@functools.lru_cache(maxsize=1024)  # each time is read twice: by the schema's format check, then for EventIn
def _parse_date_time(value: str) -> tuple[datetime, str]:
    """An RFC 3339 ``date-time`` as an aware datetime and its offset as sent ("Z" read as "+00:00").

    Stricter than ``datetime.fromisoformat``, which takes a time without offset, a space for "T"
    and other ISO 8601 forms DCSA's ``format: date-time`` excludes. Leap seconds (":60") and times
    that fall outside ``datetime``'s range once moved to UTC are refused: they could not be stored.
    """
    match = _RFC3339.match(value)
    if match is None:
        raise ValueError(value)
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    if match.group(8):
        tz, offset = UTC, "+00:00"
    else:
        sign, hours, minutes = match.group(9), int(match.group(10)), int(match.group(11))
        if hours > 23 or minutes > 59:
            raise ValueError(value)
        delta = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
        tz, offset = (timezone(delta) if delta else UTC), f"{sign}{hours:02d}:{minutes:02d}"
    try:
        moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
        moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(value) from exc
    return moment, offset


def _is_date_time(value: str) -> bool:
    try:
        _parse_date_time(value)
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    match = _DATE.match(value)
    if match is None:
        return False
    try:
        date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def _is_uuid(value: str) -> bool:
    return _UUID.match(value) is not None


def _string_format(check: Callable[[str], bool], value: Any) -> bool:
    return not isinstance(value, str) or check(value)


# The same checks for both validators, so fastjsonschema and jsonschema never disagree on a value.
_FORMATS: dict[str, Callable[[str], bool]] = {"date-time": _is_date_time, "date": _is_date, "uuid": _is_uuid}
_FORMAT_HINTS = {
    "date-time": "is not an RFC 3339 date-time with a time-zone offset, e.g. 2021-01-09T14:12:56+01:00",
    "date": "is not a date (YYYY-MM-DD)",
    "uuid": "is not a UUID",
}

# --- OpenAPI 3.0 -> JSON Schema ----------------------------------------------------------------

# Annotations (and OpenAPI-only keywords) that JSON Schema validators ignore or misread. YAML turns
# unquoted ``example`` timestamps into datetimes, another reason to drop them.
_ANNOTATIONS = frozenset(
    {"description", "example", "examples", "deprecated", "discriminator", "readOnly", "writeOnly", "xml"}
    | {"externalDocs", "nullable", "default", "title"}
)


def _json_schema(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """One OpenAPI 3.0 schema object as self-contained JSON Schema (draft 7)."""
    if isinstance(node, list):
        return [_json_schema(item, components, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        # OpenAPI 3.0 ignores a $ref's siblings; DCSA's T&T schemas are not recursive.
        name = node["$ref"].removeprefix("#/components/schemas/")
        if name in seen:
            raise ValueError(f"recursive schema {name}")
        return _json_schema(components[name], components, (*seen, name))
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or (key == "format" and value not in _FORMATS):
            continue
        if key == "properties":
            converted[key] = {name: _json_schema(sub, components, seen) for name, sub in value.items()}
        else:
            converted[key] = _json_schema(value, components, seen)
    if node.get("nullable") is True and "type" in converted:
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
    return converted


def _load_components(version: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (SCHEMA_DIR / _SPEC_FILES[version]).open(encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader, C or Python
    return spec["components"]["schemas"]


def _code_list(description: str) -> list[str]:
    codes = _CODE_ITEM.findall(description)
    if not codes:
        raise ValueError(f"no code list in {description[:60]!r}: has the bundled DCSA spec changed?")
    return codes


@dataclass(frozen=True)
class _Schema:
    """One event schema, compiled twice: fast to accept, thorough to explain a rejection."""

    fast: Callable[[Any], Any]
    full: jsonschema.protocols.Validator

    @classmethod
    def compile(cls, schema: dict[str, Any]) -> _Schema:
        schema = {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
        checker = jsonschema.FormatChecker(formats=())
        for name, check in _FORMATS.items():
            # jsonschema asks about every type; a format only constrains strings (as in fastjsonschema).
            checker.checks(name)(functools.partial(_string_format, check))
        return cls(
            fast=fastjsonschema.compile(schema, formats=_FORMATS, use_default=False),
            full=jsonschema.Draft7Validator(schema, format_checker=checker),
        )

    def problems(self, event: dict[str, Any]) -> list[tuple[str, str]]:
        try:
            self.fast(event)
        except fastjsonschema.JsonSchemaValueException as exc:
            try:
                found = [(_error_field(error), _error_detail(error)) for error in self.full.iter_errors(event)]
            except RecursionError:  # jsonschema's messages repr() the value, and a value may nest deeply
                found = []
            if not found:  # or the two validators disagree: still a rejection, in fastjsonschema's words
                found = [(_dotted((exc.path or ["data"])[1:]), exc.message[:200])]
            return sorted(dict.fromkeys(found))
        return []


_NON_EMPTY = {"minLength": 1}  # an empty eventID identifies nothing


@dataclass(frozen=True)
class _VersionSchemas:
    by_type: dict[str, _Schema]  # chosen by the event's type, as the discriminator would
    untyped: _Schema  # type missing or unknown: checks what every event needs, names the type field
    retraction: _Schema | None  # 3.0 isRetracted: true


@functools.cache
def _schemas(version: str) -> _VersionSchemas:
    """Compiled once per process, on first use (a few hundred ms), not at import."""
    components = _load_components(version)
    if version == "2.2":
        event_types = components["eventTypes"]["items"]["enum"]
        must = {"required": ["eventID"], "properties": {"eventID": _NON_EMPTY}}
        return _VersionSchemas(
            by_type={
                event_type: _Schema.compile({"allOf": [_json_schema(components[name], components), must]})
                for event_type, name in _V2_SCHEMA_BY_TYPE.items()
            },
            untyped=_Schema.compile(
                {
                    "allOf": [
                        _json_schema(components["baseEvent"], components),
                        must,
                        {"required": ["eventType"], "properties": {"eventType": {"enum": event_types}}},
                    ]
                }
            ),
            retraction=None,
        )
    for schema_name, prop in _V3_CODE_LISTS:
        spec = components[schema_name]["properties"][prop]
        spec["enum"] = _code_list(spec["description"])
    event = _json_schema(components["Event"], components)

    def typed(required_codes: list[str]) -> _Schema:
        return _Schema.compile(
            {
                "allOf": [
                    event,
                    {
                        "required": ["eventID", "eventDateTime", "eventUpdatedDateTime", "eventClassification"],
                        "properties": {
                            "eventID": _NON_EMPTY,
                            "eventClassification": {
                                "required": ["eventTypeCode", "eventClassifierCode", *required_codes]
                            },
                        },
                    },
                ]
            }
        )

    return _VersionSchemas(
        by_type={event_type: typed([code]) for event_type, code in _V3_CODE_BY_TYPE.items()},
        untyped=typed([]),
        retraction=_Schema.compile(
            {"allOf": [event, {"required": ["eventID", "eventUpdatedDateTime"], "properties": {"eventID": _NON_EMPTY}}]}
        ),
    )


# --- Problem wording -----------------------------------------------------------------------------

_TYPE_WORDS = {
    "string": "a string",
    "object": "an object",
    "array": "an array",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _dotted(path: Iterable[Any]) -> str:
    """A path relative to the event as people write it: ``transportCall.vessel``, ``references[1].referenceType``."""
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in path]
    return "".join(parts).removeprefix(".")


def _shown(value: Any, limit: int = 60) -> str:
    """A value as quoted in a problem: short, and never the whole of a (possibly huge or deep) array or object."""
    if isinstance(value, dict | list):
        return _json_type(value)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _error_field(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    if error.validator == "required":
        # One error per missing property; the message is the only place that names which.
        missing = next(
            (name for name in error.validator_value if error.message == f"{name!r} is a required property"), None
        )
        if missing is not None:
            path.append(missing)
    return _dotted(path)


_PLAIN_DETAILS = {"required": "is required", "minLength": "must not be empty"}  # minLength is only ever 1 here


def _error_detail(error: jsonschema.ValidationError) -> str:
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind in _PLAIN_DETAILS:
        return _PLAIN_DETAILS[kind]
    if kind == "type":
        wanted = " or ".join(
            _TYPE_WORDS.get(name, name) for name in ([expected] if isinstance(expected, str) else expected)
        )
        return f"must be {wanted}, not {_json_type(value)}"
    if kind == "enum":
        return f"{_shown(value)} is not one of {', '.join(str(option) for option in expected)}"
    if kind == "format":
        return f"{_shown(value)} {_FORMAT_HINTS.get(expected, f'is not a {expected}')}"
    if kind in ("maxLength", "maxItems"):
        unit = "characters" if kind == "maxLength" else "items"
        return f"must have at most {expected} {unit}, not {len(value)}"
    return error.message[:200]


# --- I-JSON --------------------------------------------------------------------------------------

_MAX_SAFE_INTEGER = 2**53 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_INTEROP_PROBLEMS = 5


# Where an integer of 16 or more digits may start in json.dumps output (a string can match too;
# the exact walk then finds nothing).
_LONG_INTEGER = re.compile(r"[:\[,] ?-?[0-9]{16}")


def _interop_problems(event: dict[str, Any]) -> list[tuple[str, str]]:
    """Values JSON parsers accept but RFC 8785 (content digest) and the database cannot hold."""
    try:
        # A C-speed screen: NaN/infinities raise here, lone surrogates on encoding; the walk
        # below, twenty times slower, runs only when the screen finds something.
        text = json.dumps(event, allow_nan=False, ensure_ascii=False)
        text.encode()
    except (ValueError, UnicodeEncodeError, RecursionError):
        pass
    else:
        if not _LONG_INTEGER.search(text):
            return []
    return _interop_walk(event)


def _interop_walk(event: dict[str, Any]) -> list[tuple[str, str]]:
    """Exact, iterative (a deep document must not recurse) and linear: a path is rebuilt only for a problem."""
    found: list[tuple[str, str]] = []
    # Each entry: (value, its key or index, the entry of its parent) - a linked path.
    stack: list[tuple[Any, Any, Any]] = [(event, None, None)]
    while stack and len(found) < _MAX_INTEROP_PROBLEMS:
        entry = stack.pop()
        value = entry[0]
        detail = ""
        if isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    found.append((_linked_path((None, key, entry)), "the name contains a lone UTF-16 surrogate"))
                stack.append((item, key, entry))
        elif isinstance(value, list):
            stack.extend((item, position, entry) for position, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            detail = f"{value} is not a JSON number"
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE_INTEGER:
            detail = "is beyond ±(2^53-1), the integers JSON can exchange exactly (RFC 7493)"
        elif isinstance(value, str) and _SURROGATE.search(value):
            detail = "contains a lone UTF-16 surrogate, which is not Unicode text"
        if detail:
            found.append((_linked_path(entry), detail))
    return found


def _linked_path(entry: tuple[Any, Any, Any]) -> str:
    keys = []
    while entry[2] is not None:
        keys.append(entry[1])
        entry = entry[2]
    return _dotted(reversed(keys))


def _printable(text: str) -> str:
    """``text`` with lone surrogates written as escapes, so it can be encoded and shown."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


# --- Identifiers -----------------------------------------------------------------------------------
# Cached: a feed names the same few containers, vessels and ports over and over.


@functools.lru_cache(maxsize=8192)
def _locode(value: str) -> tuple[str, str]:
    """(UN/LOCODE, "") or ("", why not)."""
    try:
        return identifiers.normalize_unlocode(value), ""
    except identifiers.InvalidIdentifier as exc:
        return "", str(exc)


@functools.lru_cache(maxsize=8192)
def _container(value: str) -> tuple[str, str]:
    """(ISO 6346 number without spaces, warning or ""); SMDG allows non-ISO ids, so it is kept either way."""
    number = iso6346.compact(value)
    try:
        iso6346.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the ISO 6346 check digit; kept as sent."
    except StdnumError:
        return number, f"'{number}' is not an ISO 6346 container number; kept as sent."
    return number, ""


@functools.lru_cache(maxsize=8192)
def _imo(value: str) -> tuple[str, str]:
    """(IMO number without "IMO" or spaces, warning or "")."""
    number = stdnum_imo.compact(value)
    try:
        stdnum_imo.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the IMO check digit; kept as sent."
    except StdnumError:
        return number, f"'{number}' is not an IMO number (7 digits); kept as sent."
    return number, ""


# --- Reading one event ---------------------------------------------------------------------------


def _dig(node: Any, *keys: str) -> Any:
    """The value at ``keys`` or None; safe on any input, since a schema failure does not stop reading."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class _Reader:
    """Problems and warnings of one event, each named by its field path."""

    def __init__(self, index: int, event: dict[str, Any]):
        self.index = index
        self.event = event
        raw_id = event.get("eventID")
        self.event_id = raw_id if isinstance(raw_id, str) else ""
        self.problems: list[FieldProblem] = []
        self.warnings: list[dict[str, str]] = []
        self._fields_at_fault: set[str] = set()

    def schema_problems(self, found: list[tuple[str, str]]) -> None:
        for field_path, detail in found:
            self._add(field_path, detail)

    def problem(self, field_path: str, detail: str) -> None:
        """A problem found after the schema; one per field, none where the schema already spoke."""
        if field_path not in self._fields_at_fault:
            self._add(field_path, detail)

    def _add(self, field_path: str, detail: str) -> None:
        self._fields_at_fault.add(field_path)
        # Problems quote what was sent, and the error response must still encode as UTF-8.
        problem = FieldProblem(self.index, _printable(field_path), _printable(detail), _printable(self.event_id))
        self.problems.append(problem)

    def time(self, field_path: str) -> tuple[datetime, str] | None:
        value = _dig(self.event, *field_path.split("."))
        if not isinstance(value, str):
            return None
        try:
            return _parse_date_time(value)
        except ValueError:
            self.problem(field_path, f"{_shown(value)} {_FORMAT_HINTS['date-time']}")
            return None

    def locode(self, *field_paths: str) -> str:
        """The first UN/LOCODE among ``field_paths``; every one given must be valid."""
        first = ""
        for field_path in field_paths:
            value = _dig(self.event, *field_path.split("."))
            if isinstance(value, str) and value:
                code, problem = _locode(value)
                if problem:
                    self.problem(field_path, problem)
                first = first or code
        return first

    def container(self, field_path: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            return ""
        number, warning = _container(value)
        if warning:
            self.warn(field_path, warning)
        return number

    def imo(self, field_path: str) -> str:
        value = _dig(self.event, *field_path.split("."))
        if not isinstance(value, str) or not value.strip():
            return ""
        number, warning = _imo(value)
        if warning:
            self.warn(field_path, warning)
        return number

    def warn(self, field_path: str, detail: str) -> None:
        self.warnings.append({"field": field_path, "detail": detail})

    def check_times(
        self,
        *,
        now: datetime,
        classifier: str,
        when: tuple[datetime, str] | None,
        recorded: tuple[datetime, str] | None,
        recorded_field: str,
        actual_after_recorded: bool,
    ) -> None:
        """Refuse what cannot be true. Differences, not sums: datetimes near year 1 or 9999 must not overflow."""
        if recorded and recorded[0] - now > CLOCK_SKEW:
            self.problem(recorded_field, "is in the future")
        if classifier != "ACT" or when is None:
            return
        if when[0] - now > CLOCK_SKEW:
            self.problem("eventDateTime", "an actual (ACT) event cannot be in the future")
        elif actual_after_recorded and recorded and when[0] - recorded[0] > CLOCK_SKEW:
            self.problem(
                recorded_field, "is before the actual (ACT) eventDateTime: an event is created after it happens"
            )


def _documents(pairs: Iterable[tuple[Any, Any]]) -> list[DocumentRef]:
    """DocumentRefs in the order sent, without repeats; DCSA's type codes kept (BKG, TRD, FF, EQ...)."""
    seen: dict[DocumentRef, None] = {}
    for doc_type, value in pairs:
        if isinstance(doc_type, str) and doc_type and isinstance(value, str) and value:
            seen.setdefault(DocumentRef(doc_type, value), None)
    return list(seen)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def _read_v2(reader: _Reader, *, now: datetime) -> EventIn | None:
    """One DCSA 2.2 event (transport, shipment or equipment)."""
    event = reader.event
    event_type = _text(event.get("eventType"))
    classifier = _text(event.get("eventClassifierCode"))
    when = reader.time("eventDateTime")
    created = reader.time("eventCreatedDateTime")
    reader.check_times(
        now=now,
        classifier=classifier,
        when=when,
        recorded=created,
        recorded_field="eventCreatedDateTime",
        actual_after_recorded=True,
    )
    call = event.get("transportCall")
    location = reader.locode(
        "eventLocation.UNLocationCode", "transportCall.UNLocationCode", "transportCall.location.UNLocationCode"
    )
    references = _items(event.get("references"))
    equipment = [reader.container("equipmentReference", event.get("equipmentReference"))]
    equipment += [
        reader.container(f"references[{position}].referenceValue", reference.get("referenceValue"))
        for position, reference in enumerate(references)
        if reference.get("referenceType") == "EQ"
    ]
    vessel_imo = reader.imo("transportCall.vessel.vesselIMONumber")
    if reader.problems or when is None:
        return None
    documents = _documents(
        [
            *(
                (ref.get("documentReferenceType"), ref.get("documentReferenceValue"))
                for ref in _items(event.get("documentReferences"))
            ),
            (event.get("documentTypeCode"), event.get("documentID")),
            *((ref.get("referenceType"), ref.get("referenceValue")) for ref in references),
        ]
    )
    return EventIn(
        source=SOURCE_DCSA_2,
        event_type=event_type,
        event_id=reader.event_id,
        event_time=when[0],
        event_time_zone_offset=when[1],
        record_time=created[0] if created else None,
        payload=event,
        event_code=_text(event.get(_V2_CODE_BY_TYPE.get(event_type, ""))),
        event_classifier=classifier,
        location=location,
        facility_code=_text(_dig(event, "eventLocation", "facilityCode"))
        or _text(_dig(call, "facilityCode"))
        or _text(_dig(call, "location", "facilityCode")),
        equipment=_unique(equipment),
        documents=documents,
        mode_of_transport=_text(_dig(call, "modeOfTransport")),
        vessel_imo=vessel_imo,
        vessel_name=_text(_dig(call, "vessel", "vesselName")),
        # DCSA's own rule for its deprecated carrierVoyageNumber: the export voyage when there are two.
        voyage_number=_text(_dig(call, "exportVoyageNumber"))
        or _text(_dig(call, "importVoyageNumber"))
        or _text(_dig(call, "carrierVoyageNumber")),
        carrier_code=_text(_dig(call, "vessel", "vesselOperatorCarrierCode")),
        warnings=reader.warnings,
    )


# 3.0 reefer parameters: (DCSA property, reading type, unit). The unit None means "no unit".
_REEFER_PARAMETERS = (
    ("o2Percentage", "o2", "%"),
    ("co2Percentage", "co2", "%"),
    ("humidityPercentage", "humidity", "%"),
    ("airExchangeValue", "air_exchange", "airExchangeUnit"),
    ("isVentilationOpen", "ventilation_open", None),
    ("isDrainholesOpen", "drainholes_open", None),
    ("isBulbMode", "bulb_mode", None),
    ("isColdTreatmentRequired", "cold_treatment_required", None),
    ("isControlledAtmosphereRequired", "controlled_atmosphere_required", None),
)


def _reading(kind: str, value: Any, unit: str | None = None, **extra: Any) -> dict[str, Any]:
    reading = {"type": kind, "value": value}
    if unit:
        reading["unit"] = unit
    reading.update(extra)
    return reading


def _sensor_readings(event: dict[str, Any], event_type: str) -> list[dict[str, Any]]:
    """3.0 reefer and IoT details as readings ``{type, value, unit}``; DCSA gives no per-reading time.

    Setpoints are kept beside measurements (``setpoint_*``) because an excursion is judged against them.
    """
    readings: list[dict[str, Any]] = []
    reefer = event.get("reeferDetails")
    if isinstance(reefer, dict):
        unit = _text(reefer.get("temperatureUnit"))
        for probe in _items(reefer.get("temperatureProbeMeasurements")):
            if isinstance(probe.get("measuredTemperatureValue"), int | float):
                label = next(
                    (probe[key] for key in ("USDAProbeNumber", "COAProbeUDMKey", "probeLabel") if key in probe), None
                )
                extra = {"probe": label} if label is not None else {}
                readings.append(_reading("temperature", probe["measuredTemperatureValue"], unit, **extra))
        for key, kind in (
            ("ambientMeasuredTemperature", "ambient_temperature"),
            ("internalSetpointTemperature", "setpoint_temperature"),
        ):
            if isinstance(reefer.get(key), int | float):
                readings.append(_reading(kind, reefer[key], unit))
        for group, prefix in (("measuredParameters", ""), ("setpointParameters", "setpoint_")):
            parameters = reefer.get(group)
            if not isinstance(parameters, dict):
                continue
            for key, kind, parameter_unit in _REEFER_PARAMETERS:
                if key in parameters and parameters[key] is not None:
                    named_unit = (
                        _text(parameters.get(parameter_unit)) if parameter_unit == "airExchangeUnit" else parameter_unit
                    )
                    readings.append(_reading(prefix + kind, parameters[key], named_unit))
    iot_code = _text(_dig(event, "iotDetails", "iotEventCode"))
    if iot_code:
        readings.append(_reading("iot_event", iot_code))
    position = _dig(event, "eventLocation", "geoCoordinate")
    if event_type == "IOT" and isinstance(position, dict) and position:
        readings.append(
            _reading("position", {key: position[key] for key in ("latitude", "longitude") if key in position})
        )
    return readings


def _read_v3(reader: _Reader, *, now: datetime) -> EventIn | None:
    """One DCSA 3.0 event (shipment, transport, equipment, IoT or reefer), or a retraction."""
    event = reader.event
    classification = event.get("eventClassification")
    event_type = _text(_dig(classification, "eventTypeCode"))
    classifier = _text(_dig(classification, "eventClassifierCode"))
    when = reader.time("eventDateTime")
    updated = reader.time("eventUpdatedDateTime")
    reader.check_times(
        now=now,
        classifier=classifier,
        when=when,
        recorded=updated,
        recorded_field="eventUpdatedDateTime",
        # DCSA's own 3.0 samples update actual events before their eventDateTime; not enforced.
        actual_after_recorded=False,
    )
    retracted = event.get("isRetracted") is True
    when = when or (updated if retracted else None)  # a bare retraction has only its update time
    location = reader.locode("eventLocation.UNLocationCode")
    call = _dig(event, "transportDetails", "transportCall")
    details = event.get("shipmentDetails")
    shipment_refs = [
        *(
            ("shipmentReferences", position, ref)
            for position, ref in enumerate(_items(_dig(details, "shipmentReferences")))
        ),
        *(
            (f"shipmentReferenceReplacements[{outer}].{side}", position, ref)
            for outer, replacement in enumerate(_items(_dig(details, "shipmentReferenceReplacements")))
            for side in ("oldReferences", "newReferences")
            for position, ref in enumerate(_items(replacement.get(side)))
        ),
    ]
    equipment = [
        reader.container("equipmentDetails.equipmentReference", _dig(event, "equipmentDetails", "equipmentReference"))
    ]
    equipment += [
        reader.container(f"shipmentDetails.{where}[{position}].reference", ref.get("reference"))
        for where, position, ref in shipment_refs
        if ref.get("typeCode") == "EQ"
    ]
    vessel_imo = reader.imo("transportDetails.transportCall.vesselTransport.vesselIMONumber")
    if reader.problems or when is None:
        return None
    primary = _dig(details, "documentReference")
    document_refs = [
        *([primary] if isinstance(primary, dict) else []),
        *_items(_dig(details, "additionalDocumentReferences")),
        *(
            ref
            for replacement in _items(_dig(details, "documentReferenceReplacements"))
            for side in ("oldReferences", "newReferences")
            for ref in _items(replacement.get(side))
        ),
    ]
    export_voyage = _dig(call, "exportVoyageNumberOrReference")
    import_voyage = _dig(call, "importVoyageNumberOrReference")
    return EventIn(
        source=SOURCE_DCSA_3,
        event_type=event_type,
        event_id=reader.event_id,
        event_time=when[0],
        event_time_zone_offset=when[1],
        record_time=updated[0] if updated else None,
        updated_at=updated[0] if updated else None,
        is_retracted=retracted,
        payload=event,
        event_code=_text(_dig(classification, _V3_CODE_BY_TYPE.get(event_type, ""))),
        event_classifier=classifier,
        location=location,
        facility_code=_text(_dig(event, "eventLocation", "facility", "facilityCode")),
        equipment=_unique(equipment),
        documents=_documents(
            [
                *((ref.get("typeCode"), ref.get("reference")) for ref in document_refs),
                *((ref.get("typeCode"), ref.get("reference")) for _, _, ref in shipment_refs),
            ]
        ),
        mode_of_transport=_text(_dig(call, "modeOfTransport")),
        vessel_imo=vessel_imo,
        vessel_name=_text(_dig(call, "vesselTransport", "vesselName")),
        voyage_number=_text(_dig(export_voyage, "carrierVoyageNumber"))
        or _text(_dig(export_voyage, "universalVoyageReference"))
        or _text(_dig(import_voyage, "carrierVoyageNumber"))
        or _text(_dig(import_voyage, "universalVoyageReference")),
        carrier_code=_text(_dig(call, "vesselTransport", "operatorCarrierCode")),
        sensor_readings=_sensor_readings(event, event_type),
        warnings=reader.warnings,
    )


# --- The batch -----------------------------------------------------------------------------------


def _event_list(body: Any, version: str) -> tuple[list[Any], list[FieldProblem]]:
    """The events of a body: 2.2 sends a bare array (GET /v2/events and its subscription callback);
    3.0 sends ``{"events": [...]}`` (POST /events, GET /events); a bare array is taken for 3.0 too."""
    if isinstance(body, list):
        return body, []
    if version == "3.0" and isinstance(body, dict):
        if "events" not in body:
            return [], [FieldProblem(BODY_INDEX, "events", 'is required: a DCSA 3.0 body is {"events": [...]}')]
        if not isinstance(body["events"], list):
            return [], [FieldProblem(BODY_INDEX, "events", f"must be an array, not {_json_type(body['events'])}")]
        return body["events"], []
    shape = "a JSON array of events" if version == "2.2" else 'an object {"events": [...]} or an array of events'
    return [], [FieldProblem(BODY_INDEX, "", f"a DCSA {version} body must be {shape}, not {_json_type(body)}")]


def parse_dcsa_events(body: Any, *, version: str, now: datetime | None = None) -> list[EventIn]:
    """Every event of a DCSA Track & Trace ``version`` ("2.2" or "3.0") body, or IngestValidationError.

    ``body`` is the decoded JSON as received; each ``EventIn.payload`` is the event's dict itself
    (not copied, never changed). ``now`` is for tests; times in the future are judged against it.
    """
    if version not in DCSA_VERSIONS:
        raise ValueError(f"DCSA Track & Trace version must be one of {', '.join(DCSA_VERSIONS)}, not {version!r}")
    events, problems = _event_list(body, version)
    if problems:
        raise IngestValidationError(problems)
    schemas = _schemas(version)
    now = now or datetime.now(UTC)
    read = _read_v2 if version == "2.2" else _read_v3
    parsed: list[EventIn] = []
    first_seen: dict[tuple[str, datetime | None], int] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            problems.append(FieldProblem(index, "", f"an event must be a JSON object, not {_json_type(event)}"))
            continue
        reader = _Reader(index, event)
        reader.schema_problems(_interop_problems(event))
        if not reader.problems:
            reader.schema_problems(_event_schema(schemas, event, version).problems(event))
        result = read(reader, now=now)
        problems.extend(reader.problems)
        if result is None:
            continue
        parsed.append(result)
        # 3.0 versions of one event share its eventID and differ by eventUpdatedDateTime; 2.2 has no versions.
        key = (result.event_id, result.updated_at if version == "3.0" else None)
        if key in first_seen:
            problems.append(
                FieldProblem(index, "eventID", f"repeats event {first_seen[key]} of this batch", result.event_id)
            )
        else:
            first_seen[key] = index
    if problems:
        raise IngestValidationError(problems)
    return parsed


def _event_schema(schemas: _VersionSchemas, event: dict[str, Any], version: str) -> _Schema:
    if version == "2.2":
        event_type = event.get("eventType")
    else:
        if event.get("isRetracted") is True and schemas.retraction is not None:
            return schemas.retraction
        event_type = _dig(event, "eventClassification", "eventTypeCode")
    return schemas.by_type.get(event_type, schemas.untyped) if isinstance(event_type, str) else schemas.untyped
