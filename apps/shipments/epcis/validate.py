"""Whether an EPCIS 2.0 document can be recorded, with every problem named (no Django imports).

``validate_document(doc)`` raises ``IngestValidationError`` listing every problem of a parsed document,
or returns None; ``parse.py`` runs the same checks over a stream, one event at a time. What "valid"
means, in the order it is checked:

1. **The official EPCIS 2.0 JSON Schema** (``schema.py``): the document without its events, then each
   event on its own.
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

Problems about the document rather than one event carry ``index == DOCUMENT_INDEX``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pyld import jsonld

from apps.core.words import Text, gettext_noop
from apps.shipments.epcis.schema import (
    joined_path,
    schema_problems,
    schema_validators,
    short_detail,
    short_words,
    validate_event,
)
from apps.shipments.epcis.vocabulary import GS1_CONTEXT_URL, GS1_CONTEXT_URLS, gs1_context
from apps.shipments.ingest.types import EPCIS_EVENT_TYPES, FieldProblem, IngestValidationError

DOCUMENT_INDEX = -1  # FieldProblem.index of a problem with the document rather than one event

# Problems are Texts (see schema.py): ``_`` marks their templates for the catalogue, translated only on a page.
_ = Text

# Where each document type keeps its events (EPCIS 2.0 §12).
EVENT_LISTS = {
    "EPCISDocument": ("epcisBody", "eventList"),
    "EPCISQueryDocument": ("epcisBody", "queryResults", "resultsBody", "eventList"),
}

# jsonschema explains a failing event far better than fastjsonschema, at ~1 ms an event: past this many
# bad events (a whole feed with one systematic mistake) the fast one-line explanation is enough.
_DETAILED_EVENTS = 100


# --- JSON-LD ------------------------------------------------------------------------------------------


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
            "document": copy.deepcopy(gs1_context()),
        }
    raise jsonld.JsonLdError(
        f"{url} is not bundled and is never fetched",
        "jsonld.LoadDocumentError",
        {"url": url},
        code="loading remote context failed",
    )


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
    gs1 = gs1_context()["@context"]
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
            _(
                "'%(entry)s' is not a context Corridor knows; only the GS1 EPCIS 2.0 context "
                "(%(url)s) and inline objects are accepted, and nothing is fetched",
                entry=entry,
                url=GS1_CONTEXT_URL,
            ),
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
                _(
                    "redefines '%(term)s', a protected term of the GS1 EPCIS 2.0 context (JSON-LD "
                    "error: protected term redefinition); declare a prefix of your own instead",
                    term=term,
                ),
                event_id,
            )
            for term in terms
        ]
    # pyld's message is its own English, kept as it is inside a sentence of ours.
    detail = short_words(
        gettext_noop("is not a valid JSON-LD context (%(code)s): %(message)s"), code=code, message=message
    )
    return [FieldProblem(index, where, detail, event_id)]


def _document_context_problems(context: Any) -> list[FieldProblem]:
    entries = _context_entries(context)
    if not any(isinstance(entry, str) and entry in GS1_CONTEXT_URLS for entry in entries):
        return [
            FieldProblem(
                DOCUMENT_INDEX, "@context", _("must include the GS1 EPCIS 2.0 context %(url)s", url=GS1_CONTEXT_URL)
            )
        ]
    return _jsonld_problems(entries, base=[], index=DOCUMENT_INDEX, where="@context")


def _nested_contexts(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, context) of every ``@context`` below the top level of ``value``; the slow, rare path."""
    items: Iterable[tuple[Any, Any]] = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        here = f"{path}[{key}]" if isinstance(key, int) else joined_path(path, key)
        if isinstance(item, dict) and "@context" in item:
            yield joined_path(here, "@context"), item["@context"]
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
    contexts = [entry for _path, context in nested for entry in _context_entries(context)]
    terms = _redefined_terms(contexts) if code == _PROTECTED_REDEFINITION else []
    if terms:
        return [
            FieldProblem(
                index,
                where,
                _("redefines '%(term)s', a protected term of the GS1 EPCIS 2.0 context", term=term),
                event_id,
            )
            for term in terms
        ]
    detail = short_words(gettext_noop("is not valid JSON-LD (%(code)s): %(message)s"), code=code, message=message)
    return [FieldProblem(index, where, detail, event_id)]


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


_TOO_DEEP_DETAIL = _("nests deeper than %(depth)s levels", depth=MAX_DEPTH)


def _unstorable_values(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, why) of NaN, infinities, lone surrogates and integers beyond 2^53 in ``node``: Python's json takes
    them (``NaN``, ``"\\ud800"``), but the CBV hash (UTF-8), PostgreSQL's jsonb or other systems cannot hold
    them, and the streaming parser refuses some of them; refusing them everywhere keeps both paths alike."""
    items: Iterable[tuple[Any, Any]] = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        here = f"{path}[{key}]" if isinstance(key, int) else joined_path(path, key)
        if isinstance(key, str) and _SURROGATE.search(key):
            yield here, _("the name contains a lone UTF-16 surrogate, which is not Unicode text")
        if isinstance(value, dict | list):
            yield from _unstorable_values(value, here)
        elif isinstance(value, float) and not math.isfinite(value):
            yield here, _("%(value)s is not a JSON number", value=value)
        elif type(value) is int and not -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:
            yield here, _("is beyond ±(2^53-1), the integers JSON can exchange exactly (RFC 7493)")
        elif isinstance(value, str) and _SURROGATE.search(value):
            yield here, _("contains a lone UTF-16 surrogate, which is not Unicode text")


# --- Validation -------------------------------------------------------------------------------------


def event_list(document: dict[str, Any]) -> list[Any]:
    """The events of an EPCISDocument or EPCISQueryDocument; [] when there is no list where they belong."""
    node: Any = document
    for key in EVENT_LISTS[document["type"]]:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def _skeleton(document: dict[str, Any]) -> dict[str, Any]:
    """The document with an empty event list (shallow copies along the path): what the streaming pass sees."""
    keys = EVENT_LISTS[document["type"]]
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
class DocumentCheck:
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


def document_check(document: Any) -> DocumentCheck:
    """Problems of the document itself (its event list left out); the context when usable."""
    if not isinstance(document, dict):
        return DocumentCheck([FieldProblem(DOCUMENT_INDEX, "", _("an EPCIS document must be a JSON object"))])
    if not isinstance(document.get("type"), str) or document["type"] not in EVENT_LISTS:
        return DocumentCheck([FieldProblem(DOCUMENT_INDEX, "type", _("must be EPCISDocument or EPCISQueryDocument"))])
    kind = document["type"]
    skeleton = _skeleton(document)
    flags = _screen(skeleton)
    if flags & _TOO_DEEP:
        return DocumentCheck([FieldProblem(DOCUMENT_INDEX, "", _TOO_DEEP_DETAIL)], kind=kind)
    validators = schema_validators()
    problems = schema_problems(
        validators.document, validators.document_detail, skeleton, DOCUMENT_INDEX, "", detailed=True
    )
    if problems:
        return DocumentCheck(problems, kind=kind)
    problems = _document_context_problems(skeleton["@context"])
    context = None if problems else _context_entries(skeleton["@context"])
    if flags & (_NON_ASCII | _ODD_NUMBER):
        problems += [FieldProblem(DOCUMENT_INDEX, where, detail) for where, detail in _unstorable_values(skeleton)]
    if context is not None and flags & _NESTED_CONTEXT:
        problems += _expansion_problems(skeleton, context, DOCUMENT_INDEX, "")
    return DocumentCheck(problems, kind=kind, context=context)


def _event_problems(event: Any, index: int, context: list[Any] | None, *, detailed: bool) -> list[FieldProblem]:
    """Every problem of one event (schema, type, JSON-LD, unstorable values); [] when it can be recorded."""
    if not isinstance(event, dict):
        return [FieldProblem(index, "", _("an event must be a JSON object"))]
    event_id = event.get("eventID") if isinstance(event.get("eventID"), str) else ""
    event_type = event.get("type")
    if isinstance(event_type, str) and event_type not in EPCIS_EVENT_TYPES:
        return [
            FieldProblem(
                index,
                "type",
                _(
                    "'%(type)s' is not an event type Corridor records; expected one of %(types)s",
                    type=short_detail(event_type),
                    types=", ".join(EPCIS_EVENT_TYPES),
                ),
                event_id,
            )
        ]
    flags = _screen(event)
    if flags & _TOO_DEEP:
        return [FieldProblem(index, "", _TOO_DEEP_DETAIL, event_id)]
    problems = schema_problems(
        validate_event, schema_validators().event_detail, event, index, event_id, detailed=detailed, lenient=True
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


def raise_if_invalid(check: DocumentCheck) -> None:
    if check.problems:
        raise IngestValidationError(check.problems)


def validate_document(doc: Any) -> None:
    """Raise ``IngestValidationError`` listing every problem of an EPCIS 2.0 document (parsed JSON); else None."""
    check = document_check(doc)
    if check.kind:
        for index, event in enumerate(event_list(doc)):
            check.add_event(event, index)
    raise_if_invalid(check)
