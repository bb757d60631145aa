"""DCSA's Track & Trace schemas as JSON Schema, compiled, and the wording of what they refuse (no Django imports).

DCSA publishes OpenAPI 3.0 (``schemas/``, bundled unmodified); here it becomes draft-7 JSON Schema,
compiled twice per event type (fastjsonschema to accept, jsonschema to explain), with strict RFC 3339
``date-time`` and the 3.0 code lists read from their descriptions. Also the I-JSON check (RFC 7493):
values a JSON parser accepts but the content digest and the database cannot hold.

Problems are :class:`~apps.core.words.Text`: English (what the API answers) that a page says in the reader's
language; ``_`` marks their templates for the catalogue, and nothing is translated here.
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

from apps.core.words import Quoted, Text, gettext_noop

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_SPEC_FILES = {"2.2": "TNT_v2.2.0-resolved.yaml", "3.0": "TNT_v3.0.0.yaml"}

_V2_SCHEMA_BY_TYPE = {"SHIPMENT": "shipmentEvent", "TRANSPORT": "transportEvent", "EQUIPMENT": "equipmentEvent"}
V3_CODE_BY_TYPE = {
    "SHIPMENT": "shipmentEventTypeCode",
    "TRANSPORT": "transportEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
    "IOT": "iotEventTypeCode",
    "REEFER": "reeferEventTypeCode",
}
# 3.0 properties whose code list lives only in the description ("- `ARRI` - Arrived") and whose
# value Corridor maps into EventIn, so an unknown code would be stored as if it meant something.
_V3_CODE_LISTS = (
    *(("EventClassification", name) for name in ("eventTypeCode", "eventClassifierCode", *V3_CODE_BY_TYPE.values())),
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
def parse_date_time(value: str) -> tuple[datetime, str]:
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
        parse_date_time(value)
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
_FORMAT_PROBLEMS = {
    "date-time": gettext_noop(
        "%(value)s is not an RFC 3339 date-time with a time-zone offset, e.g. 2021-01-09T14:12:56+01:00"
    ),
    "date": gettext_noop("%(value)s is not a date (YYYY-MM-DD)"),
    "uuid": gettext_noop("%(value)s is not a UUID"),
}


def format_problem(value: Any, name: str) -> Text:
    """``value`` (quoted short) is not in the format ``name`` ("date-time")."""
    if name in _FORMAT_PROBLEMS:
        return Text(_FORMAT_PROBLEMS[name], value=shown(value))
    return Text(gettext_noop("%(value)s is not a %(format)s"), value=shown(value), format=name)


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
class EventSchema:
    """One event schema, compiled twice: fast to accept, thorough to explain a rejection."""

    fast: Callable[[Any], Any]
    full: jsonschema.protocols.Validator

    @classmethod
    def compile(cls, schema: dict[str, Any]) -> EventSchema:
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
                found = [(_dotted((exc.path or ["data"])[1:]), Quoted(SCHEMA_MESSAGE, exc.message[:200]))]
            return sorted(dict.fromkeys(found))
        return []


_NON_EMPTY = {"minLength": 1}  # an empty eventID identifies nothing


@dataclass(frozen=True)
class VersionSchemas:
    by_type: dict[str, EventSchema]  # chosen by the event's type, as the discriminator would
    untyped: EventSchema  # type missing or unknown: checks what every event needs, names the type field
    retraction: EventSchema | None  # 3.0 isRetracted: true


@functools.cache
def version_schemas(version: str) -> VersionSchemas:
    """Compiled once per process, on first use (a few hundred ms), not at import."""
    components = _load_components(version)
    if version == "2.2":
        event_types = components["eventTypes"]["items"]["enum"]
        must = {"required": ["eventID"], "properties": {"eventID": _NON_EMPTY}}
        return VersionSchemas(
            by_type={
                event_type: EventSchema.compile({"allOf": [_json_schema(components[name], components), must]})
                for event_type, name in _V2_SCHEMA_BY_TYPE.items()
            },
            untyped=EventSchema.compile(
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

    def typed(required_codes: list[str]) -> EventSchema:
        return EventSchema.compile(
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

    return VersionSchemas(
        by_type={event_type: typed([code]) for event_type, code in V3_CODE_BY_TYPE.items()},
        untyped=typed([]),
        retraction=EventSchema.compile(
            {"allOf": [event, {"required": ["eventID", "eventUpdatedDateTime"], "properties": {"eventID": _NON_EMPTY}}]}
        ),
    )


# --- Problem wording -----------------------------------------------------------------------------

_ = Text

# The validators' own messages are English no catalogue holds: kept word for word (what the API has always
# answered), and framed on a page in the reader's language.
SCHEMA_MESSAGE = gettext_noop("does not match the schema: %(message)s")

_TYPE_WORDS = {
    "string": _("a string"),
    "object": _("an object"),
    "array": _("an array"),
    "integer": _("an integer"),
    "number": _("a number"),
    "boolean": _("true or false"),
    "null": _("null"),
}


def _dotted(path: Iterable[Any]) -> str:
    """A path relative to the event as people write it: ``transportCall.vessel``, ``references[1].referenceType``."""
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in path]
    return "".join(parts).removeprefix(".")


def shown(value: Any, limit: int = 60) -> str:
    """A value as quoted in a problem: short, and never the whole of a (possibly huge or deep) array or object."""
    if isinstance(value, dict | list):
        return json_type(value)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_VALUE_WORDS: dict[type, Text] = {
    dict: _TYPE_WORDS["object"],
    list: _TYPE_WORDS["array"],
    str: _TYPE_WORDS["string"],
    int: _TYPE_WORDS["integer"],
    float: _TYPE_WORDS["number"],
}


def json_type(value: Any) -> str:
    if value is None:
        return _TYPE_WORDS["null"]
    if isinstance(value, bool):
        return _("a boolean")
    return _VALUE_WORDS.get(type(value), type(value).__name__)


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


_PLAIN_DETAILS = {"required": _("is required"), "minLength": _("must not be empty")}  # minLength is only ever 1 here


_AT_MOST = {
    "maxLength": gettext_noop("must have at most %(limit)s characters, not %(length)s"),
    "maxItems": gettext_noop("must have at most %(limit)s items, not %(length)s"),
}


def _either(words: list[str]) -> str:
    """Words joined two by two ("a string or null"), so a language may join them its own way."""
    return functools.reduce(lambda a, b: _("%(a)s or %(b)s", a=a, b=b), words)


def _error_detail(error: jsonschema.ValidationError) -> str:
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind in _PLAIN_DETAILS:
        return _PLAIN_DETAILS[kind]
    if kind == "type":
        wanted = _either(
            [_TYPE_WORDS.get(name, name) for name in ([expected] if isinstance(expected, str) else expected)]
        )
        return _("must be %(wanted)s, not %(got)s", wanted=wanted, got=json_type(value))
    if kind == "enum":
        return _(
            "%(value)s is not one of %(options)s",
            value=shown(value),
            options=", ".join(str(option) for option in expected),
        )
    if kind == "format":
        return format_problem(value, expected)
    if kind in _AT_MOST:
        return Text(_AT_MOST[kind], limit=expected, length=len(value))
    return Quoted(SCHEMA_MESSAGE, error.message[:200])


# --- I-JSON --------------------------------------------------------------------------------------

_MAX_SAFE_INTEGER = 2**53 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_INTEROP_PROBLEMS = 5


# Where an integer of 16 or more digits may start in json.dumps output (a string can match too;
# the exact walk then finds nothing).
_LONG_INTEGER = re.compile(r"[:\[,] ?-?[0-9]{16}")


def interop_problems(event: dict[str, Any]) -> list[tuple[str, str]]:
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
                    found.append((_linked_path((None, key, entry)), _("the name contains a lone UTF-16 surrogate")))
                stack.append((item, key, entry))
        elif isinstance(value, list):
            stack.extend((item, position, entry) for position, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            detail = _("%(value)s is not a JSON number", value=value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE_INTEGER:
            detail = _("is beyond ±(2^53-1), the integers JSON can exchange exactly (RFC 7493)")
        elif isinstance(value, str) and _SURROGATE.search(value):
            detail = _("contains a lone UTF-16 surrogate, which is not Unicode text")
        if detail:
            found.append((_linked_path(entry), detail))
    return found


def _linked_path(entry: tuple[Any, Any, Any]) -> str:
    keys = []
    while entry[2] is not None:
        keys.append(entry[1])
        entry = entry[2]
    return _dotted(reversed(keys))


def printable(text: str) -> str:
    """``text`` with lone surrogates written as escapes, so it can be encoded and shown; ``text`` itself (a
    :class:`Text` stays one) when it has none. One that has some is shown as this English."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
