"""The official GS1 EPCIS 2.0 JSON Schema: a fast verdict, and every problem explained (no Django imports).

The schema (``schemas/EPCIS-JSON-Schema.json``, bundled unmodified) is compiled once with fastjsonschema.
``validate.py`` checks the document without its events, then each event on its own, so every bad event
is named (index in ``eventList``, JSON path of the field, message) and a stream can be checked event by
event. Only a failing event is validated again with jsonschema, to list all its problems. Formats are
RFC 3339 ``date-time`` (with an offset, and a real calendar time) and RFC 3986 ``uri`` (fastjsonschema's
own ``uri`` refuses schemes with ``-`` such as the extension prefix ``repository-x:``, which upstream
vectors use).

Leniency, on purpose: CBV 1.x URNs (``urn:epcglobal:cbv:bizstep:shipping``) in vocabulary fields are
accepted, since events converted from EPCIS 1.x XML carry them and CBV 2.0 declares them equivalent; the
JSON Schema only admits the short names there. The payload keeps the URN; ``biz_step`` is ``"shipping"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import unquote

import fastjsonschema
import jsonschema
from jsonschema.exceptions import best_match

from apps.core.words import Quoted, Text, gettext_noop
from apps.shipments.epcis.vocabulary import SCHEMA_DIR, short_name
from apps.shipments.ingest.types import EPCIS_EVENT_TYPES, FieldProblem

_MAX_DETAIL = 300  # characters of one problem's detail; a schema message can quote a whole event

# A problem's detail is a Text: English where it is made (the API answers it, a capture job stores it), said in
# the reader's language on a page. ``_`` marks its template for the catalogue; nothing is translated here.
_ = Text

# jsonschema's and fastjsonschema's own messages are English no catalogue holds: they are kept word for word
# (what the API has always answered), and a page frames them in the reader's language.
SCHEMA_MESSAGE = gettext_noop("does not match the schema: %(message)s")


@cache
def _official_schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))


# --- Formats and schemas -------------------------------------------------------------------------------

# RFC 3986 scheme, a colon, then anything without white space (a compact IRI such as "ext1:float" is one).
_URI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*:\S+\Z"
_URI = re.compile(_URI_PATTERN)
# RFC 3339 date-time: an offset is required, since an event time without one is not a point in time.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)\Z")


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime, or None (a leap second, 2013-02-30 or year 0 in UTC)."""
    if not _TIMESTAMP.match(text):
        return None
    try:
        return datetime.fromisoformat(text.upper()).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or _URI.match(value) is not None


def _is_timestamp(value: object) -> bool:
    return not isinstance(value, str) or parse_time(value) is not None


# fastjsonschema takes a format as a regex (matched inline, the cheaper way for "uri", met ~25 times an event)
# or a function; jsonschema as a function. Both get the same rules.
_FORMATS: dict[str, str | Callable[[object], bool]] = {"uri": _URI_PATTERN, "date-time": _is_timestamp}
_FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
_FORMAT_CHECKER.checks("uri")(_is_uri)
_FORMAT_CHECKER.checks("date-time")(_is_timestamp)


def _tried_cheapest_first(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema, rewritten so that fastjsonschema checks it in about half the time.

    fastjsonschema tries ``anyOf`` branches in order, and each failing branch costs an exception. The EPCIS
    schema lists a URI branch before the enum of standard names (event fields, ``bizStep``...), so every
    standard value failed once or twice before matching. Nested ``anyOf`` are flattened and plain enums of
    one type merged and tried first (a disjunction does not depend on its order), then each string enum
    becomes one anchored regex. No verdict changes (``test_fast_schema_agrees_with_the_official_one``);
    problems are still explained from the schema as published, by jsonschema.
    """
    definitions = schema["definitions"]

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and node.keys() == {"$ref"}:
            node = definitions[unquote(node["$ref"].removeprefix("#/definitions/"))]
        return node

    def branches(node: list[Any]) -> list[Any]:
        flat: list[Any] = []
        for branch in node:
            target = resolve(branch)
            if isinstance(target, dict) and target.keys() == {"anyOf"} and isinstance(target["anyOf"], list):
                flat.extend(branches(rewrite(target)["anyOf"]))
            else:
                flat.append(branch)
        enums: dict[str, list[Any]] = {}
        rest = []
        for branch in flat:
            target = resolve(branch)
            if isinstance(target, dict) and "enum" in target and target.keys() <= {"enum", "type"}:
                enums.setdefault(json.dumps(target.get("type")), []).extend(target["enum"])
            else:
                rest.append(branch)
        merged = [
            {"enum": values, **({"type": json.loads(kind)} if kind != "null" else {})} for kind, values in enums.items()
        ]
        return merged + rest

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: value if key in ("enum", "const") else rewrite(value) for key, value in node.items()}
        if isinstance(node.get("anyOf"), list):
            node["anyOf"] = branches(node["anyOf"])
        return node

    def patterns(node: Any) -> Any:
        # A string enum is compiled to a chain of comparisons; one anchored regex is a single C call.
        if isinstance(node, list):
            return [patterns(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: value if key in ("enum", "const") else patterns(value) for key, value in node.items()}
        values = node.get("enum")
        strings = isinstance(values, list) and len(values) > 1 and all(isinstance(value, str) for value in values)
        if strings and node.get("type") == "string" and "pattern" not in node:
            del node["enum"]
            node["pattern"] = "^(?:" + "|".join(re.escape(value) for value in values) + ")$"
        return node

    return patterns(rewrite(schema))


@dataclass(frozen=True)
class _Validators:
    document: Callable[[Any], Any]  # fast; does not look inside the event list
    events: dict[str, Callable[[Any], Any]]  # fast; one event of an eventList, per event type
    any_event: Callable[[Any], Any]  # fast; an eventList item without a usable type
    document_detail: jsonschema.Draft7Validator
    event_detail: jsonschema.Draft7Validator


@cache
def schema_validators() -> _Validators:
    """Compiled once per process (under a second): fastjsonschema for the verdict, jsonschema to explain it."""
    schema = _official_schema()

    def definition(name: str) -> dict[str, Any]:
        return {
            "$schema": schema["$schema"],
            "definitions": schema["definitions"],
            "allOf": [{"$ref": f"#/definitions/{name}"}],
        }

    # The document without its events: each event is validated on its own, so it can be named (and streamed).
    document = {**schema, "definitions": {**schema["definitions"], "eventList": {"type": "array"}}}
    any_event = definition("EPCIS-Document-Event")
    return _Validators(
        document=fastjsonschema.compile(_tried_cheapest_first(document), formats=_FORMATS),
        # An eventList item is checked against the definition its type selects ("EPCIS-Document-Event" is an
        # if/then per type). The type is known to be one of the five before validation, so going straight to
        # its definition gives the same verdict without trying the other four conditions.
        events={
            kind: fastjsonschema.compile(_tried_cheapest_first(definition(kind)), formats=_FORMATS)
            for kind in EPCIS_EVENT_TYPES
        },
        any_event=fastjsonschema.compile(_tried_cheapest_first(any_event), formats=_FORMATS),
        document_detail=jsonschema.Draft7Validator(document, format_checker=_FORMAT_CHECKER),
        event_detail=jsonschema.Draft7Validator(any_event, format_checker=_FORMAT_CHECKER),
    )


def validate_event(event: Any) -> None:
    """fastjsonschema's verdict on one eventList item; raises ``JsonSchemaValueException``."""
    validators = schema_validators()
    kind = event.get("type") if isinstance(event, dict) else None
    validate = validators.events.get(kind) if isinstance(kind, str) else None
    (validate or validators.any_event)(event)


# --- Schema problems, explained ---------------------------------------------------------------------


def _path(parts: Iterable[Any]) -> str:
    """A JSON path relative to the event (or document): ``bizTransactionList[0].type``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def joined_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def short_detail(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def short_words(template: str, **args: object) -> str:
    """``short_detail`` of a :class:`Text`, still a Text: the English is cut exactly as ``short_detail`` cuts it.

    The long part is the last argument when the template ends with it (a quoted value, a library's message):
    that argument is shortened instead. Otherwise a text too long is cut as plain English (a page shows it so).
    """
    text = Text(template, **args)
    if len(text) <= _MAX_DETAIL:
        return text
    last = list(args)[-1]
    value = str(args[last])
    keep = _MAX_DETAIL - 3 - (len(text) - len(value))
    if keep >= 0 and template.endswith(f"%({last})s"):
        return Text(template, **{**args, last: value[:keep] + "..."})
    return short_detail(text)


def library_words(message: str) -> Quoted:
    """A validator's own English message, shortened, framed on a page as a schema mismatch."""
    return Quoted(SCHEMA_MESSAGE, short_detail(message))


def _explained(error: jsonschema.ValidationError) -> list[tuple[str, str]]:
    """(field, detail) pairs for one jsonschema error, naming the field rather than quoting the whole object."""
    path = _path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        return [
            (joined_path(path, name), _("is required")) for name in error.validator_value if name not in error.instance
        ]
    if "propertyNames" in error.absolute_schema_path:
        name = error.instance if isinstance(error.instance, str) else str(error.instance)
        return [
            (joined_path(path, name), _("is not an EPCIS field; an extension needs a namespace prefix ('example:x')"))
        ]
    if error.validator in ("anyOf", "oneOf") and error.context:
        return _explained_alternatives(error, path)
    return [(path, library_words(error.message))]


def _explained_alternatives(error: jsonschema.ValidationError, path: str) -> list[tuple[str, str]]:
    """An ``anyOf`` that failed: the branch that got furthest, rather than jsonschema's whole-object message."""
    branches = error.context or []
    deeper = [branch for branch in branches if len(branch.absolute_path) > len(error.absolute_path)]
    if deeper:  # a field is there but wrong: that is the problem (e.g. epcList that is not a list)
        return _explained(max(deeper, key=lambda branch: len(branch.absolute_path)))
    missing = [branch for branch in branches if branch.validator == "required" and isinstance(branch.instance, dict)]
    if len(missing) == len(branches):
        names = sorted({name for branch in missing for name in branch.validator_value if name not in branch.instance})
        return [(path, _("needs one of: %(names)s", names=", ".join(names)))]
    if any(branch.validator == "enum" for branch in branches):  # bizStep, disposition, type of a transaction...
        return [
            (
                path,
                short_words(
                    gettext_noop("%(value)s is neither a standard CBV value nor a URI of your own"),
                    value=repr(error.instance),
                ),
            )
        ]
    leaf = best_match(branches)
    return _explained(leaf) if leaf is not None else [(path, library_words(error.message))]


def _detailed_problems(
    validator: jsonschema.Draft7Validator, instance: Any, index: int, event_id: str
) -> list[FieldProblem]:
    # One problem per field: the schema often says the same thing twice (``action`` is checked both by its
    # enum and by a pattern in an anyOf), and the first explanation is the direct one.
    problems: dict[str, FieldProblem] = {}
    for error in validator.iter_errors(instance):
        for where, detail in _explained(error):
            problems.setdefault(where, FieldProblem(index=index, field=where, detail=detail, event_id=event_id))
    return list(problems.values())


def _fast_problem(exc: fastjsonschema.JsonSchemaValueException, index: int, event_id: str) -> FieldProblem:
    name = exc.name or "data"
    where = name.removeprefix("data").lstrip(".")
    return FieldProblem(
        index=index, field=where, detail=library_words(exc.message.removeprefix(name).strip()), event_id=event_id
    )


def schema_problems(
    fast: Callable[[Any], Any],
    detail: jsonschema.Draft7Validator,
    instance: Any,
    index: int,
    event_id: str,
    *,
    detailed: bool,
    lenient: bool = False,
) -> list[FieldProblem]:
    """[] when valid; else every problem (``detailed``) or the first one fastjsonschema met.

    ``lenient``: an event that fails only for CBV 1.x URNs in vocabulary fields passes (see the module doc).
    """
    try:
        fast(instance)
    except fastjsonschema.JsonSchemaValueException as exc:
        first = _fast_problem(exc, index, event_id)
    else:
        return []
    rewritten = _with_cbv_short_names(instance) if lenient else None
    if rewritten is not None:
        try:
            fast(rewritten)
        except fastjsonschema.JsonSchemaValueException:
            pass
        else:
            return []
    # Explain the rewritten event, if any: the URNs it accepts are not the event's problem.
    problems = _detailed_problems(detail, rewritten or instance, index, event_id) if detailed else []
    # The two validators agree on verdicts; should they ever not, the fast one's reason is still reported.
    return problems or [first]


# --- CBV 1.x URNs -------------------------------------------------------------------------------------

_CBV_URN = "urn:epcglobal:cbv:"


def _with_cbv_short_names(event: dict[str, Any]) -> dict[str, Any] | None:
    """The event with CBV 1.x URN values as short names (a shallow copy), or None if it has none to rewrite."""
    changed = False

    def short(value: Any, vocabulary: str) -> Any:
        nonlocal changed
        if isinstance(value, str) and value.startswith(_CBV_URN):
            name = short_name(value, vocabulary)
            changed = changed or name != value
            return name
        return value

    def typed(items: Any, vocabulary: str) -> Any:
        if not isinstance(items, list):
            return items
        return [
            {**item, "type": short(item["type"], vocabulary)} if isinstance(item, dict) and "type" in item else item
            for item in items
        ]

    rewritten = dict(event)
    for key, vocabulary in (("bizStep", "BizStep"), ("disposition", "Disp")):
        if key in rewritten:
            rewritten[key] = short(rewritten[key], vocabulary)
    if isinstance(persistent := rewritten.get("persistentDisposition"), dict):
        rewritten["persistentDisposition"] = {
            key: [short(value, "Disp") for value in values] if isinstance(values, list) else values
            for key, values in persistent.items()
        }
    for key, vocabulary in (("bizTransactionList", "BTT"), ("sourceList", "SDT"), ("destinationList", "SDT")):
        if key in rewritten:
            rewritten[key] = typed(rewritten[key], vocabulary)
    if isinstance(declaration := rewritten.get("errorDeclaration"), dict) and "reason" in declaration:
        rewritten["errorDeclaration"] = {**declaration, "reason": short(declaration["reason"], "ER")}
    return rewritten if changed else None
