"""GS1 EPCIS 2.0 JSON/JSON-LD documents, validated and mapped to ``EventIn`` (no Django imports).

Public API:

- ``validate_document(doc)``: raise ``IngestValidationError`` naming every problem, or return None;
- ``parse_document(doc)``: the document's events as ``EventIn``, in document order (validates first);
- ``validate_stream(stream)`` / ``iter_events(stream)``: the same for a large upload on disk, read with
  ijson one event at a time, in two passes (validate everything, then map), so a capture is never half
  stored and a 50 MB document is never held in memory; ``parse_stream(stream)`` serves
  ``GS1-Capture-Error-Behaviour: proceed`` (valid events and the problems of the others);
- ``short_cbv_name(value)``: any spelling of a CBV value as its short name (``"shipping"``).

What "valid" means, in the order it is checked:

1. **The official EPCIS 2.0 JSON Schema** (``schemas/epcis/``, bundled unmodified), compiled once with
   fastjsonschema. The document is checked without its events, then each event on its own, so every bad
   event is named (index in ``eventList``, JSON path of the field, message) and a stream can be checked
   event by event. Only a failing event is validated again with jsonschema, to list all its problems.
   Formats are RFC 3339 ``date-time`` (with an offset, and a real calendar time) and RFC 3986 ``uri``
   (fastjsonschema's own ``uri`` refuses schemes with ``-`` such as the extension prefix
   ``repository-x:``, which upstream vectors use).
2. **JSON-LD.** The ``@context`` of the document, and any ``@context`` inside an event, must be accepted by
   a JSON-LD 1.1 processor (pyld) against the bundled GS1 EPCIS context. Above all it must not redefine a
   term that context declares ``@protected``: GS1's own ``transformation_event_all_possible_fields.jsonld``
   redefines ``cbvmda`` and is rejected, naming the term. Nothing is fetched: the versioned and the
   unversioned GS1 context URLs are served from the bundled copy, any other URL is an error, and the
   document must include the GS1 context. pyld's verdict is cached per distinct context, so a partner
   sending the same context every time pays a dictionary lookup per document.
3. **What Corridor needs beyond the schema:** one of the five EPCIS event types (an extension event type
   is refused, as Corridor cannot store it), and values the event hash, the database and the streaming
   parser all take: no NaN or infinity, no integer beyond 2^53 (I-JSON), no lone UTF-16 surrogate, no
   nesting deeper than ``MAX_DEPTH``. Parsed in memory or streamed, a document gets the same verdict.

Leniency, on purpose: CBV 1.x URNs (``urn:epcglobal:cbv:bizstep:shipping``) in vocabulary fields are
accepted, since events converted from EPCIS 1.x XML carry them and CBV 2.0 declares them equivalent; the
JSON Schema only admits the short names there. The payload keeps the URN; ``biz_step`` is ``"shipping"``.

Mapping notes: ``event_id`` is the ``eventID`` as sent, or the CBV 2.0 hash when absent (DESIGN §10);
``hash_id`` is always the hash. ``location`` is a UN/LOCODE only when the event says so through the
Corridor extension ``"cor:unlocode"`` on ``bizLocation`` (preferred) or ``readPoint``: an SGLN is not a
place code. ``equipment`` holds ISO 6346 numbers from ``urn:epc:id:bic:`` EPCs (and web URIs ending in
``/bic/{number}``; GS1 Digital Link has no BIC key), ``vessel_imo`` the first ``urn:epc:id:imovn:`` EPC;
check-digit failures are kept with a warning. ``biz_transactions`` keep the EPCIS shape with the type as
a short name (omitted when the event has none).

Problems about the document rather than one event carry ``index == DOCUMENT_INDEX``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

import fastjsonschema
import ijson
import jsonschema
from jsonschema.exceptions import best_match
from pyld import jsonld
from stdnum import imo as stdnum_imo
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from apps.core.identifiers import InvalidIdentifier, normalize_unlocode
from apps.shipments.epcis import hash as epcis_hash
from apps.shipments.ingest.types import (
    DOC_OTHER,
    DOC_PURCHASE_ORDER,
    DOC_TRANSPORT_DOCUMENT,
    EPCIS_EVENT_TYPES,
    SOURCE_EPCIS,
    DocumentRef,
    EventIn,
    FieldProblem,
    IngestValidationError,
)

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
GS1_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# The unversioned URL means "the current EPCIS context"; DESIGN §10 pins it to the bundled 2.0 copy.
GS1_CONTEXT_URLS = frozenset({GS1_CONTEXT_URL, "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"})

DOCUMENT_INDEX = -1  # FieldProblem.index of a problem with the document rather than one event
UNLOCODE_EXTENSION = "cor:unlocode"  # Corridor's extension on bizLocation/readPoint naming the UN/LOCODE

# Where each document type keeps its events (EPCIS 2.0 §12), as keys and as an ijson prefix.
_EVENT_LISTS = {
    "EPCISDocument": ("epcisBody", "eventList"),
    "EPCISQueryDocument": ("epcisBody", "queryResults", "resultsBody", "eventList"),
}
_ITEM_PREFIXES = {kind: ".".join(keys) + ".item" for kind, keys in _EVENT_LISTS.items()}

# jsonschema explains a failing event far better than fastjsonschema, at ~1 ms an event: past this many
# bad events (a whole feed with one systematic mistake) the fast one-line explanation is enough.
_DETAILED_EVENTS = 100
_MAX_DETAIL = 300  # characters of one problem's detail; a schema message can quote a whole event


# --- Bundled resources ------------------------------------------------------------------------------


@cache
def _gs1_context() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "epcis-context.jsonld").read_text(encoding="utf-8"))


@cache
def _official_schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))


def _load_bundled_context(url: str, options: object = None) -> dict[str, Any]:
    """pyld document loader: the GS1 context from the bundle; anything else fails instead of being fetched.

    pyld caches what it loads (per URL, process-wide), so this runs about once; the copy keeps the tables
    read from the same file (short names, protected terms) out of pyld's hands.
    """
    if url in GS1_CONTEXT_URLS:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(_gs1_context()),
        }
    raise jsonld.JsonLdError(
        f"{url} is not bundled and is never fetched",
        "jsonld.LoadDocumentError",
        {"url": url},
        code="loading remote context failed",
    )


# --- CBV vocabularies --------------------------------------------------------------------------------

CBV = "https://ref.gs1.org/cbv/"
_CBV_TERM = re.compile(r"cbv:(?P<vocabulary>[A-Za-z]+)-(?P<name>\w+)\Z")
_GS1_TERM = re.compile(r"gs1:(?P<name>\w+)\Z")
_GS1_VOCABULARY_IRIS = ("https://ref.gs1.org/voc/", "https://gs1.org/voc/")  # current and 2.0.0-context IRI


@cache
def _vocabularies() -> dict[str, dict[str, str]]:
    """Per CBV vocabulary ("BizStep", "Disp", "BTT", "SDT", "ER"; "gs1" for sensor types): spelling -> short name.

    Read from the term tables of the bundled GS1 context, so the names Corridor accepts are the ones the
    context defines. Spellings: the short name, the CURIE, the CBV 2.0 IRI and the CBV 1.x URN.
    """
    tables: dict[str, dict[str, str]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for term, definition in node.items():
                if isinstance(definition, str):
                    add(term, definition)
                else:
                    visit(definition)

    def add(term: str, definition: str) -> None:
        if (match := _CBV_TERM.match(definition)) and match["name"] == term:
            vocabulary = match["vocabulary"]
            spellings = (
                f"cbv:{vocabulary}-{term}",
                f"{CBV}{vocabulary}-{term}",
                f"urn:epcglobal:cbv:{vocabulary.lower()}:{term}",
            )
        elif (match := _GS1_TERM.match(definition)) and match["name"] == term:
            vocabulary, spellings = "gs1", (definition, *(iri + term for iri in _GS1_VOCABULARY_IRIS))
        else:
            return
        table = tables.setdefault(vocabulary, {})
        table[term] = term
        table.update(dict.fromkeys(spellings, term))

    visit(_gs1_context())
    return tables


def _short_name(value: Any, vocabulary: str) -> str:
    """A CBV value of one vocabulary as its short name; a custom value (a URI of its own) as sent."""
    if not isinstance(value, str):
        return ""
    return _vocabularies().get(vocabulary, {}).get(value, value)


@cache
def _all_spellings() -> dict[str, str]:
    return {spelling: name for table in _vocabularies().values() for spelling, name in table.items()}


def short_cbv_name(value: str) -> str:
    """Any spelling of a CBV value (short name, CURIE, CBV 2.0 IRI, CBV 1.x URN) as its short name; else as sent.

    Used for query parameters (``EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping``) as for captured events.
    """
    return _all_spellings().get(value, value)


# --- Formats and schemas -------------------------------------------------------------------------------

# RFC 3986 scheme, a colon, then anything without white space (a compact IRI such as "ext1:float" is one).
_URI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*:\S+\Z"
_URI = re.compile(_URI_PATTERN)
# RFC 3339 date-time: an offset is required, since an event time without one is not a point in time.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)\Z")


def _parse_time(text: str) -> datetime | None:
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
    return not isinstance(value, str) or _parse_time(value) is not None


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
def _validators() -> _Validators:
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


def _validate_event(event: Any) -> None:
    """fastjsonschema's verdict on one eventList item; raises ``JsonSchemaValueException``."""
    validators = _validators()
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


def _joined(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _short(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def _explained(error: jsonschema.ValidationError) -> list[tuple[str, str]]:
    """(field, detail) pairs for one jsonschema error, naming the field rather than quoting the whole object."""
    path = _path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        return [(_joined(path, name), "is required") for name in error.validator_value if name not in error.instance]
    if "propertyNames" in error.absolute_schema_path:
        name = error.instance if isinstance(error.instance, str) else str(error.instance)
        return [(_joined(path, name), "is not an EPCIS field; an extension needs a namespace prefix ('example:x')")]
    if error.validator in ("anyOf", "oneOf") and error.context:
        return _explained_alternatives(error, path)
    return [(path, _short(error.message))]


def _explained_alternatives(error: jsonschema.ValidationError, path: str) -> list[tuple[str, str]]:
    """An ``anyOf`` that failed: the branch that got furthest, rather than jsonschema's whole-object message."""
    branches = error.context or []
    deeper = [branch for branch in branches if len(branch.absolute_path) > len(error.absolute_path)]
    if deeper:  # a field is there but wrong: that is the problem (e.g. epcList that is not a list)
        return _explained(max(deeper, key=lambda branch: len(branch.absolute_path)))
    missing = [branch for branch in branches if branch.validator == "required" and isinstance(branch.instance, dict)]
    if len(missing) == len(branches):
        names = sorted({name for branch in missing for name in branch.validator_value if name not in branch.instance})
        return [(path, "needs one of: " + ", ".join(names))]
    if any(branch.validator == "enum" for branch in branches):  # bizStep, disposition, type of a transaction...
        return [(path, _short(f"{error.instance!r} is neither a standard CBV value nor a URI of your own"))]
    leaf = best_match(branches)
    return _explained(leaf) if leaf is not None else [(path, _short(error.message))]


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
        index=index, field=where, detail=_short(exc.message.removeprefix(name).strip()), event_id=event_id
    )


def _schema_problems(
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
            name = _short_name(value, vocabulary)
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


# --- JSON-LD ------------------------------------------------------------------------------------------

_PROTECTED_REDEFINITION = "protected term redefinition"


def _canonical(value: Any) -> str:
    # Term definitions in a context object do not depend on key order; list order is kept.
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=1024)
def _jsonld_error(canonical_context: str) -> tuple[str, str] | None:
    """None if a JSON-LD 1.1 processor accepts this context; else (error code, message). Cached per context."""
    try:
        jsonld.expand({"@context": json.loads(canonical_context)}, {"documentLoader": _load_bundled_context})
    except jsonld.JsonLdError as exc:
        return exc.code or exc.type, str(exc.args[0]) if exc.args else ""
    except Exception as exc:  # pyld meets some malformed contexts with plain Python errors
        return type(exc).__name__, str(exc)
    return None


def _context_entries(context: Any) -> list[Any]:
    return context if isinstance(context, list) else [context]


def _redefined_terms(entries: Iterable[Any]) -> list[str]:
    """Terms of the GS1 context (all protected) that inline context objects define differently."""
    gs1 = _gs1_context()["@context"]
    found: dict[str, None] = {}
    for entry in entries:
        if isinstance(entry, dict):
            for term, definition in entry.items():
                if term in gs1 and not term.startswith("@") and definition != gs1[term]:
                    found[term] = None
    return list(found)


def _jsonld_problems(
    entries: list[Any], *, base: list[Any], index: int, where: str, event_id: str = ""
) -> list[FieldProblem]:
    """Problems of context ``entries`` processed after ``base`` (the document's context, for an event's own)."""
    problems = [
        FieldProblem(
            index,
            f"{where}[{position}]" if len(entries) > 1 else where,
            f"'{entry}' is not a context Corridor knows; only the GS1 EPCIS 2.0 context "
            f"({GS1_CONTEXT_URL}) and inline objects are accepted, and nothing is fetched",
            event_id,
        )
        for position, entry in enumerate(entries)
        if isinstance(entry, str) and entry not in GS1_CONTEXT_URLS
    ]
    if problems:
        return problems
    error = _jsonld_error(_canonical([*base, *entries]))
    if error is None:
        return []
    code, message = error
    terms = _redefined_terms(entries) if code == _PROTECTED_REDEFINITION else []
    if terms:
        return [
            FieldProblem(
                index,
                where,
                f"redefines '{term}', a protected term of the GS1 EPCIS 2.0 context (JSON-LD "
                "error: protected term redefinition); declare a prefix of your own instead",
                event_id,
            )
            for term in terms
        ]
    return [FieldProblem(index, where, _short(f"is not a valid JSON-LD context ({code}): {message}"), event_id)]


def _document_context_problems(context: Any) -> list[FieldProblem]:
    entries = _context_entries(context)
    if not any(isinstance(entry, str) and entry in GS1_CONTEXT_URLS for entry in entries):
        return [FieldProblem(DOCUMENT_INDEX, "@context", f"must include the GS1 EPCIS 2.0 context {GS1_CONTEXT_URL}")]
    return _jsonld_problems(entries, base=[], index=DOCUMENT_INDEX, where="@context")


def _nested_contexts(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, context) of every ``@context`` below the top level of ``value``; the slow, rare path."""
    items: Iterable[tuple[Any, Any]] = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        here = f"{path}[{key}]" if isinstance(key, int) else _joined(path, key)
        if isinstance(item, dict) and "@context" in item:
            yield _joined(here, "@context"), item["@context"]
        if isinstance(item, dict | list):
            yield from _nested_contexts(item, here)


def _expansion_problems(
    node: dict[str, Any], document_context: list[Any], index: int, event_id: str
) -> list[FieldProblem]:
    """Expand ``node`` under the document's context: exact for ``@context`` found deep inside it (rare)."""
    nested = list(_nested_contexts(node))
    where = nested[0][0] if nested else "@context"
    try:
        jsonld.expand({"@context": document_context, "@graph": [node]}, {"documentLoader": _load_bundled_context})
    except jsonld.JsonLdError as exc:
        code, message = exc.code or exc.type, str(exc.args[0]) if exc.args else ""
    except Exception as exc:  # as in _jsonld_error
        code, message = type(exc).__name__, str(exc)
    else:
        return []
    contexts = [entry for _, context in nested for entry in _context_entries(context)]
    terms = _redefined_terms(contexts) if code == _PROTECTED_REDEFINITION else []
    if terms:
        return [
            FieldProblem(index, where, f"redefines '{term}', a protected term of the GS1 EPCIS 2.0 context", event_id)
            for term in terms
        ]
    return [FieldProblem(index, where, _short(f"is not valid JSON-LD ({code}): {message}"), event_id)]


# --- Values the hash and the database cannot hold ---------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_NESTED_CONTEXT, _ODD_NUMBER, _NON_ASCII, _TOO_DEEP = 1, 2, 4, 8  # odd: NaN, infinity, beyond 2^53
_MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON (RFC 7493); ijson refuses integers beyond 64 bits outright
# EPCIS events nest a handful of levels (the richest GS1 example, 9). A limit keeps the recursive code
# after validation (the CBV hash, JSON-LD expansion, error messages quoting a value) within Python's stack.
MAX_DEPTH = 100


def _screen(node: dict[str, Any]) -> int:
    """Flags for what ``node`` holds: an ``@context`` below its top level, NaN, infinity or an integer beyond
    2^53, non-ASCII text, and nesting beyond ``MAX_DEPTH``.

    One iterative pass (a few µs an event), so the common event pays nothing more; a flag sends the event
    down the exact, slower path. Keys are strings, as in any parsed JSON.
    """
    flags = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            flags |= _TOO_DEEP
            continue
        if type(current) is dict:
            if current is not node and "@context" in current:
                flags |= _NESTED_CONTEXT
            if not "".join(current).isascii():
                flags |= _NON_ASCII
            current = current.values()
        for value in current:
            kind = type(value)
            if kind is str:
                if not value.isascii():
                    flags |= _NON_ASCII
            elif kind is dict or kind is list:
                stack.append((value, depth + 1))
            elif (kind is float and not math.isfinite(value)) or (
                kind is int and not -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER
            ):
                flags |= _ODD_NUMBER
    return flags


_TOO_DEEP_DETAIL = f"nests deeper than {MAX_DEPTH} levels"


def _unstorable_values(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, why) of NaN, infinities, lone surrogates and integers beyond 2^53 in ``node``: Python's json takes
    them (``NaN``, ``"\\ud800"``), but the CBV hash (UTF-8), PostgreSQL's jsonb or other systems cannot hold
    them, and the streaming parser refuses some of them; refusing them everywhere keeps both paths alike."""
    items: Iterable[tuple[Any, Any]] = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        here = f"{path}[{key}]" if isinstance(key, int) else _joined(path, key)
        if isinstance(key, str) and _SURROGATE.search(key):
            yield here, "the name contains a lone UTF-16 surrogate, which is not Unicode text"
        if isinstance(value, dict | list):
            yield from _unstorable_values(value, here)
        elif isinstance(value, float) and not math.isfinite(value):
            yield here, f"{value} is not a JSON number"
        elif type(value) is int and not -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
            yield here, "is beyond ±(2^53-1), the integers JSON can exchange exactly (RFC 7493)"
        elif isinstance(value, str) and _SURROGATE.search(value):
            yield here, "contains a lone UTF-16 surrogate, which is not Unicode text"


# --- Validation -------------------------------------------------------------------------------------


def _event_list(document: dict[str, Any]) -> list[Any]:
    """The events of an EPCISDocument or EPCISQueryDocument; [] when there is no list where they belong."""
    node: Any = document
    for key in _EVENT_LISTS[document["type"]]:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def _skeleton(document: dict[str, Any]) -> dict[str, Any]:
    """The document with an empty event list (shallow copies along the path): what the streaming pass sees."""
    keys = _EVENT_LISTS[document["type"]]
    top = dict(document)
    node = top
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            return top
        node[key] = dict(node[key])
        node = node[key]
    if isinstance(node.get(keys[-1]), list):
        node[keys[-1]] = []
    return top


@dataclass
class _Check:
    """The outcome of validating one document: its problems, and what mapping its events needs."""

    problems: list[FieldProblem]
    kind: str = ""  # EPCISDocument or EPCISQueryDocument; "" when not an EPCIS document at all
    context: list[Any] | None = None  # the document's @context entries, when they are valid
    total: int = 0  # events seen
    bad: set[int] = field(default_factory=set)  # indices of the events with problems

    @property
    def document_valid(self) -> bool:
        return self.kind != "" and not any(problem.index == DOCUMENT_INDEX for problem in self.problems)

    def add_event(self, event: Any, index: int) -> None:
        problems = _event_problems(event, index, self.context, detailed=len(self.bad) < _DETAILED_EVENTS)
        self.total += 1
        if problems:
            self.bad.add(index)
            self.problems.extend(problems)


def _document_check(document: Any) -> _Check:
    """Problems of the document itself (its event list left out); the context when usable."""
    if not isinstance(document, dict):
        return _Check([FieldProblem(DOCUMENT_INDEX, "", "an EPCIS document must be a JSON object")])
    if not isinstance(document.get("type"), str) or document["type"] not in _EVENT_LISTS:
        return _Check([FieldProblem(DOCUMENT_INDEX, "type", "must be EPCISDocument or EPCISQueryDocument")])
    kind = document["type"]
    skeleton = _skeleton(document)
    flags = _screen(skeleton)
    if flags & _TOO_DEEP:
        return _Check([FieldProblem(DOCUMENT_INDEX, "", _TOO_DEEP_DETAIL)], kind=kind)
    validators = _validators()
    problems = _schema_problems(
        validators.document, validators.document_detail, skeleton, DOCUMENT_INDEX, "", detailed=True
    )
    if problems:
        return _Check(problems, kind=kind)
    problems = _document_context_problems(skeleton["@context"])
    context = None if problems else _context_entries(skeleton["@context"])
    if flags & (_NON_ASCII | _ODD_NUMBER):
        problems += [FieldProblem(DOCUMENT_INDEX, where, detail) for where, detail in _unstorable_values(skeleton)]
    if context is not None and flags & _NESTED_CONTEXT:
        problems += _expansion_problems(skeleton, context, DOCUMENT_INDEX, "")
    return _Check(problems, kind=kind, context=context)


def _event_problems(event: Any, index: int, context: list[Any] | None, *, detailed: bool) -> list[FieldProblem]:
    """Every problem of one event (schema, type, JSON-LD, unstorable values); [] when it can be recorded."""
    if not isinstance(event, dict):
        return [FieldProblem(index, "", "an event must be a JSON object")]
    event_id = event.get("eventID") if isinstance(event.get("eventID"), str) else ""
    event_type = event.get("type")
    if isinstance(event_type, str) and event_type not in EPCIS_EVENT_TYPES:
        return [
            FieldProblem(
                index,
                "type",
                f"'{_short(event_type)}' is not an event type Corridor records; "
                f"expected one of {', '.join(EPCIS_EVENT_TYPES)}",
                event_id,
            )
        ]
    flags = _screen(event)
    if flags & _TOO_DEEP:
        return [FieldProblem(index, "", _TOO_DEEP_DETAIL, event_id)]
    problems = _schema_problems(
        _validate_event, _validators().event_detail, event, index, event_id, detailed=detailed, lenient=True
    )
    if problems:
        return problems
    if flags & (_NON_ASCII | _ODD_NUMBER):
        problems = [FieldProblem(index, where, detail, event_id) for where, detail in _unstorable_values(event)]
    if context is not None and "@context" in event:
        problems += _jsonld_problems(
            _context_entries(event["@context"]), base=context, index=index, where="@context", event_id=event_id
        )
    if context is not None and flags & _NESTED_CONTEXT and not problems:
        problems += _expansion_problems(event, context, index, event_id)
    return problems


def _raise_if_invalid(check: _Check) -> None:
    if check.problems:
        raise IngestValidationError(check.problems)


def validate_document(doc: Any) -> None:
    """Raise ``IngestValidationError`` listing every problem of an EPCIS 2.0 document (parsed JSON); else None."""
    check = _document_check(doc)
    if check.kind:
        for index, event in enumerate(_event_list(doc)):
            check.add_event(event, index)
    _raise_if_invalid(check)


# --- Mapping ------------------------------------------------------------------------------------------


def _cbv_hash(event: Mapping[str, Any], context: epcis_hash.HashContext) -> str:
    """The CBV 2.0 event hash ID: the one call into ``apps.shipments.epcis_hash``."""
    return epcis_hash.event_hash(event, context)


def _hash_context(document_context: Any) -> epcis_hash.HashContext:
    return epcis_hash.hash_context(document_context)


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _classes(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item["epcClass"] for item in value if isinstance(item, dict) and isinstance(item.get("epcClass"), str)]


def _place(value: Any) -> str:
    return value["id"] if isinstance(value, dict) and isinstance(value.get("id"), str) else ""


def _time(text: str) -> datetime:
    moment = _parse_time(text)
    if moment is None:  # validation admits only timestamps _parse_time reads
        raise ValueError(f"not a timestamp: {text!r}")
    return moment


_BIC_EPC = "urn:epc:id:bic:"
_IMO_EPC = "urn:epc:id:imovn:"
_BIC_WEB = re.compile(r"https?://[^/?#]+(?:/[^?#]*)?/bic/(?P<number>[^/?#]+)\Z", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _container(value: str) -> tuple[str, str]:
    """(ISO 6346 number, warning) for a BIC EPC or web URI; ("", "") when the value is not one."""
    if value.startswith(_BIC_EPC):
        number = iso6346.compact(value.removeprefix(_BIC_EPC))
    elif match := _BIC_WEB.match(value):
        number = iso6346.compact(unquote(match["number"]))
    else:
        return "", ""
    try:
        iso6346.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the ISO 6346 check digit; kept as sent"
    except StdnumError:
        return "", f"'{number}' is not an ISO 6346 container number; not recorded as equipment"
    return number, ""


@lru_cache(maxsize=8192)
def _vessel(value: str) -> tuple[str, str]:
    """(IMO number, warning) for an ``urn:epc:id:imovn:`` EPC."""
    number = stdnum_imo.compact(value.removeprefix(_IMO_EPC))
    try:
        stdnum_imo.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the IMO check digit; kept as sent"
    except StdnumError:
        return "", f"'{number}' is not an IMO number (7 digits); not recorded as the vessel"
    return number, ""


def _transport_means(named: list[tuple[str, str]], warnings: list[dict[str, str]]) -> tuple[list[str], str]:
    """(containers, vessel IMO) among (field, identifier) pairs; check-digit failures become warnings."""
    equipment: dict[str, None] = {}
    vessel = ""
    for where, value in named:
        # Only candidates reach the cached checks, so the caches hold containers and vessels, not every EPC.
        if value.startswith(_IMO_EPC):
            number, warning = _vessel(value)
            vessel = vessel or number
        elif value.startswith(_BIC_EPC) or "/bic/" in value.lower():
            number, warning = _container(value)
            if number:
                equipment[number] = None
        else:
            continue
        if warning:
            warnings.append({"field": where, "detail": warning})
    return list(equipment), vessel


def _location(event: dict[str, Any], warnings: list[dict[str, str]]) -> str:
    for where in ("bizLocation", "readPoint"):
        place = event.get(where)
        code = place.get(UNLOCODE_EXTENSION) if isinstance(place, dict) else None
        if isinstance(code, str):
            try:
                return normalize_unlocode(code)
            except InvalidIdentifier as exc:
                warnings.append({"field": f"{where}.{UNLOCODE_EXTENSION}", "detail": str(exc)})
    return ""


_DOCUMENT_TYPES = {"bol": DOC_TRANSPORT_DOCUMENT, "po": DOC_PURCHASE_ORDER}


def _transactions(items: Any) -> tuple[list[DocumentRef], list[dict[str, str]]]:
    """bizTransactionList as document references (bol -> TRD, po -> PO, others by name) and in EPCIS shape."""
    documents: dict[DocumentRef, None] = {}
    transactions = []
    for item in items if isinstance(items, list) else []:
        value = item.get("bizTransaction") if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        if "type" in item:
            name = _short_name(item["type"], "BTT")
            documents[DocumentRef(type=_DOCUMENT_TYPES.get(name, name), value=value)] = None
            transactions.append({"type": name, "bizTransaction": value})
        else:
            documents[DocumentRef(type=DOC_OTHER, value=value)] = None
            transactions.append({"bizTransaction": value})
    return list(documents), transactions


# Standard sensorReport fields carried into a reading besides type/value/uom/time (extensions stay in payload).
_REPORT_FIELDS = (
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
    "microorganism",
    "chemicalSubstance",
    "coordinateReferenceSystem",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
)
_METADATA_FIELDS = ("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules", "startTime", "endTime")


def _sensor_readings(elements: Any) -> list[dict[str, Any]]:
    """One flat reading per sensorReport; the element's metadata fills what the report leaves out."""
    readings = []
    for element in elements if isinstance(elements, list) else []:
        metadata = element.get("sensorMetadata") if isinstance(element.get("sensorMetadata"), dict) else {}
        for report in element.get("sensorReport") or []:
            reading = {key: metadata[key] for key in _METADATA_FIELDS if key in metadata}
            reading.update((key, report[key]) for key in _REPORT_FIELDS if key in report)
            reading.update(
                type=_short_name(report.get("type"), "gs1"),
                value=report.get("value"),
                uom=report.get("uom", ""),
                time=report.get("time") or metadata.get("time") or "",
            )
            readings.append(reading)
    return readings


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _event_in(event: dict[str, Any], context: epcis_hash.HashContext) -> EventIn:
    """One validated event as ``EventIn``; ``payload`` is the event dict itself, as sent."""
    warnings: list[dict[str, str]] = []
    hash_id = _cbv_hash(event, context)
    epcs = _unique(
        [
            *_strings(event.get("epcList")),
            *_classes(event.get("quantityList")),
            *_strings(event.get("inputEPCList")),
            *_classes(event.get("inputQuantityList")),
            *_strings(event.get("outputEPCList")),
            *_classes(event.get("outputQuantityList")),
            *_classes(event.get("childQuantityList")),
        ]
    )
    child_epcs = _unique(_strings(event.get("childEPCs")))
    parent_id = event.get("parentID", "")
    read_point, biz_location = _place(event.get("readPoint")), _place(event.get("bizLocation"))
    named = [
        *(
            (key, epc)
            for key in ("epcList", "inputEPCList", "outputEPCList", "childEPCs")
            for epc in _strings(event.get(key))
        ),
        ("parentID", parent_id),
        ("readPoint.id", read_point),
        ("bizLocation.id", biz_location),
    ]
    equipment, vessel_imo = _transport_means(named, warnings)
    documents, transactions = _transactions(event.get("bizTransactionList"))
    return EventIn(
        source=SOURCE_EPCIS,
        event_type=event["type"],
        event_time=_time(event["eventTime"]),
        event_time_zone_offset=event["eventTimeZoneOffset"],
        payload=event,
        event_id=event.get("eventID") or hash_id,
        record_time=_time(event["recordTime"]) if "recordTime" in event else None,
        action=event.get("action", ""),
        biz_step=_short_name(event.get("bizStep"), "BizStep"),
        disposition=_short_name(event.get("disposition"), "Disp"),
        location=_location(event, warnings),
        read_point=read_point,
        biz_location=biz_location,
        epcs=epcs,
        parent_id=parent_id,
        child_epcs=child_epcs,
        equipment=equipment,
        documents=documents,
        biz_transactions=transactions,
        vessel_imo=vessel_imo,
        sensor_readings=_sensor_readings(event.get("sensorElementList")),
        error_declaration=event.get("errorDeclaration"),
        hash_id=hash_id,
        warnings=warnings,
    )


def parse_document(doc: Any) -> list[EventIn]:
    """The events of an EPCIS 2.0 document (parsed JSON) as ``EventIn``, in order; ``IngestValidationError`` if any
    problem, naming them all. The document's ``@context`` is read once for all events (hash prefixes)."""
    validate_document(doc)
    context = _hash_context(doc["@context"])
    return [_event_in(event, context) for event in _event_list(doc)]


# --- Streaming ----------------------------------------------------------------------------------------


def _read_header(stream: BinaryIO) -> Any:
    """The document without its events, in one pass: members may follow ``epcisBody`` (GS1's examples put
    ``@context`` last), so the whole stream is read, but event tokens are skipped, never built."""
    builder = ijson.ObjectBuilder()
    skipped = tuple(_ITEM_PREFIXES.values())
    for prefix, event, value in ijson.parse(stream, use_float=True):
        if not prefix.startswith(skipped):
            builder.event(event, value)
    return builder.value


def _stream_check(stream: BinaryIO) -> tuple[_Check, Any]:
    """Pass one over a seekable stream: the header, then every event validated one at a time."""
    if not stream.seekable():
        raise ValueError("an EPCIS document is read twice (validate, then map): pass a seekable stream, e.g. a file")
    try:
        stream.seek(0)
        header = _read_header(stream)
        check = _document_check(header)
        if check.kind:
            stream.seek(0)
            for index, event in enumerate(ijson.items(stream, _ITEM_PREFIXES[check.kind], use_float=True)):
                check.add_event(event, index)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise IngestValidationError([FieldProblem(DOCUMENT_INDEX, "", _short(f"not valid JSON: {exc}"))]) from exc
    return check, header


def _stream_events(stream: BinaryIO, header: dict[str, Any], skip: set[int]) -> Iterator[EventIn]:
    """Pass two: map the events, one at a time, leaving out those at ``skip``."""
    context = _hash_context(header["@context"])
    stream.seek(0)
    for index, event in enumerate(ijson.items(stream, _ITEM_PREFIXES[header["type"]], use_float=True)):
        if index not in skip:
            yield _event_in(event, context)


def validate_stream(stream: BinaryIO) -> None:
    """``validate_document`` for a seekable binary stream (an upload on disk), reading one event at a time."""
    check, _ = _stream_check(stream)
    _raise_if_invalid(check)


def iter_events(stream: BinaryIO) -> Iterator[EventIn]:
    """The events of a document in a seekable binary stream, one at a time, all validated before the first.

    Validation runs when this is called (pass one) and raises ``IngestValidationError`` naming every
    problem; the iterator then maps the events (pass two), reading the stream again: keep it open until the
    iterator is exhausted. The same events as ``parse_document``.
    """
    check, header = _stream_check(stream)
    _raise_if_invalid(check)
    return _stream_events(stream, header, skip=set())


def parse_stream(stream: BinaryIO) -> tuple[list[EventIn], list[FieldProblem], int]:
    """(valid events, problems, number of events) for ``GS1-Capture-Error-Behaviour: proceed``.

    A problem with the document itself leaves no valid event. The valid events are held in memory: for
    ``rollback`` (all or nothing), ``iter_events`` streams them instead.
    """
    check, header = _stream_check(stream)
    if not check.document_valid:
        return [], check.problems, check.total
    return list(_stream_events(stream, header, skip=check.bad)), check.problems, check.total
