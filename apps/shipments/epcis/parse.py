"""GS1 EPCIS 2.0 JSON/JSON-LD documents, validated and mapped to ``EventIn`` (no Django imports).

Public API:

- ``parse_document(doc)``: the document's events as ``EventIn``, in document order (validates first);
- ``validate_stream(stream)`` / ``iter_events(stream)``: the same for a large upload on disk, read with
  ijson one event at a time, in two passes (validate everything, then map), so a capture is never half
  stored and a 50 MB document is never held in memory; ``parse_stream(stream)`` serves
  ``GS1-Capture-Error-Behaviour: proceed`` (valid events and the problems of the others).

What "valid" means is ``validate.py`` (its ``validate_document(doc)`` checks a parsed document without
mapping it), how an event becomes ``EventIn`` is ``mapping.py``, and ``vocabulary.short_cbv_name(value)``
reads any spelling of a CBV value as its short name (``"shipping"``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import ijson

from apps.core.words import Text, gettext_noop
from apps.shipments.epcis.hash import hash_context
from apps.shipments.epcis.mapping import event_in
from apps.shipments.epcis.schema import short_words
from apps.shipments.epcis.validate import (
    DOCUMENT_INDEX,
    EVENT_LISTS,
    MAX_DEPTH,
    DocumentCheck,
    document_check,
    event_list,
    raise_if_invalid,
    validate_document,
)
from apps.shipments.ingest.types import EventIn, FieldProblem, IngestValidationError


def parse_document(doc: Any) -> list[EventIn]:
    """The events of an EPCIS 2.0 document (parsed JSON) as ``EventIn``, in order; ``IngestValidationError`` if any
    problem, naming them all. The document's ``@context`` is read once for all events (hash prefixes)."""
    validate_document(doc)
    context = hash_context(doc["@context"])
    return [event_in(event, context) for event in event_list(doc)]


# --- Streaming ----------------------------------------------------------------------------------------

# What one event (and the document around the events) may weigh, in bytes of its JSON text, roughly: every
# token counts 8 and every string or name its length. A built event takes at most about 50 times its weight
# in memory (the worst case, many one-member objects), so with the default a worker holds at most about
# 100 MB for any document, however large or deep; the richest GS1 example weighs 6 KB.
MAX_EVENT_WEIGHT = 2 * 1024 * 1024
_TOKEN_WEIGHT = 8
_STARTS = frozenset(("start_map", "start_array"))
_ENDS = frozenset(("end_map", "end_array"))
# Every place a document type keeps its events, as a path of keys ("item" for an array's members).
_ITEM_PATH_SET = frozenset((*keys, "item") for keys in EVENT_LISTS.values())
_ITEM_PREFIXES = {kind: ".".join(keys) + ".item" for kind, keys in EVENT_LISTS.items()}


@dataclass(frozen=True)
class StreamLimits:
    """The bounds a streamed document is held to while it is read, before anything is built."""

    max_depth: int = MAX_DEPTH
    max_event_weight: int = MAX_EVENT_WEIGHT


# Problems are Texts (see schema.py): ``_`` marks their templates for the catalogue, translated only on a page.
_ = Text


class _Refused(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _tokens(stream: BinaryIO, limits: StreamLimits) -> Iterator[tuple[str, Any]]:
    """The document's tokens outside its event lists, ``(event, value)``, with every token (events' included)
    held to ``limits`` as it comes; events are measured, never built.

    ijson's ``basic_parse`` keeps no tree and no prefix strings (``ijson.parse`` builds a prefix as long as the
    nesting for every token), so a document nested 50,000 levels deep is refused at its 101st level having
    held nothing, and one event of 100 MB at its first 2 MB.
    """
    keys: list[str] = []  # outside an event: per open container, its current member's name ("item" in arrays)
    in_event = False
    depth = inner = weight = header_weight = 0
    for event, value in ijson.basic_parse(stream, use_float=True):
        if not keys and depth == 0 and event != "start_map":
            raise _Refused(_("must be a JSON object"))
        cost = _TOKEN_WEIGHT + (len(value) if type(value) is str else 0)
        if not in_event and event != "map_key" and event not in _ENDS and tuple(keys) in _ITEM_PATH_SET:
            in_event, inner, weight = True, 0, 0  # an event starts
        if event in _STARTS:
            depth += 1
            if depth > limits.max_depth:
                raise _Refused(_("nests deeper than %(depth)s levels", depth=limits.max_depth))
        elif event in _ENDS:
            depth -= 1
        if in_event:
            weight += cost
            if weight > limits.max_event_weight:
                raise _Refused(_("an event is larger than %(size)s bytes", size=f"{limits.max_event_weight:,}"))
            if event in _STARTS:
                inner += 1
            elif event in _ENDS:
                inner -= 1
            in_event = inner > 0  # false after the event's last token (or a scalar in the list)
            continue
        header_weight += cost
        if header_weight > limits.max_event_weight:
            raise _Refused(
                _("the document around its events is larger than %(size)s bytes", size=f"{limits.max_event_weight:,}")
            )
        if event == "map_key":
            keys[-1] = value
        elif event == "start_map":
            keys.append("")
        elif event == "start_array":
            keys.append("item")
        elif event in _ENDS:
            keys.pop()
        yield event, value


def _guarded(tokens: Iterator[Any]) -> Iterator[Any]:
    """``tokens`` with a broken or oversized document turned into ``IngestValidationError``."""
    try:
        yield from tokens
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        # ijson's message is its own English, kept as it is inside a sentence of ours.
        detail = short_words(gettext_noop("not valid JSON: %(error)s"), error=exc)
        raise IngestValidationError([FieldProblem(DOCUMENT_INDEX, "", detail)]) from exc
    except _Refused as exc:
        raise IngestValidationError([FieldProblem(DOCUMENT_INDEX, "", exc.detail)]) from exc


def check_stream_limits(stream: BinaryIO, limits: StreamLimits = StreamLimits()) -> None:
    """One pass over a document that builds nothing: ``IngestValidationError`` naming the first bound it breaks
    (not an object, nesting, an event's or the header's weight) or its broken JSON. The capture endpoint runs
    this before it accepts a document, so a hostile or broken one is refused at once, not by a worker later."""
    stream.seek(0)
    try:
        for _token in _guarded(_tokens(stream, limits)):
            pass
    finally:
        stream.seek(0)


def _read_header(stream: BinaryIO, limits: StreamLimits) -> Any:
    """The document without its events, in one pass that also holds every event to ``limits``: members may
    follow ``epcisBody`` (GS1's examples put ``@context`` last), so the whole stream is read, but events are
    only measured, never built."""
    builder = ijson.ObjectBuilder()
    for event, value in _guarded(_tokens(stream, limits)):
        builder.event(event, value)
    return builder.value


def _events(stream: BinaryIO, kind: str) -> Iterator[Any]:
    """The events of a document of type ``kind``, built one at a time by ijson's C backend: safe because
    ``_read_header`` has already held every event of the same bytes to the limits."""
    return _guarded(ijson.items(stream, _ITEM_PREFIXES[kind], use_float=True))


def _stream_check(stream: BinaryIO, limits: StreamLimits) -> tuple[DocumentCheck, Any]:
    """Pass one over a seekable stream: the header, then every event validated one at a time."""
    if not stream.seekable():
        raise ValueError("an EPCIS document is read twice (validate, then map): pass a seekable stream, e.g. a file")
    stream.seek(0)
    header = _read_header(stream, limits)
    check = document_check(header)
    if check.kind:
        stream.seek(0)
        for index, event in enumerate(_events(stream, check.kind)):
            check.add_event(event, index)
    return check, header


def _stream_events(stream: BinaryIO, header: dict[str, Any], skip: set[int]) -> Iterator[EventIn]:
    """Pass two: map the events, one at a time, leaving out those at ``skip``."""
    context = hash_context(header["@context"])
    stream.seek(0)
    for index, event in enumerate(_events(stream, header["type"])):
        if index not in skip:
            yield event_in(event, context)


def validate_stream(stream: BinaryIO, limits: StreamLimits = StreamLimits()) -> None:
    """``validate_document`` for a seekable binary stream (an upload on disk), reading one event at a time."""
    check, _header = _stream_check(stream, limits)
    raise_if_invalid(check)


def iter_events(stream: BinaryIO, limits: StreamLimits = StreamLimits()) -> Iterator[EventIn]:
    """The events of a document in a seekable binary stream, one at a time, all validated before the first.

    Validation runs when this is called (pass one) and raises ``IngestValidationError`` naming every
    problem; the iterator then maps the events (pass two), reading the stream again: keep it open until the
    iterator is exhausted. The same events as ``parse_document``.
    """
    check, header = _stream_check(stream, limits)
    raise_if_invalid(check)
    return _stream_events(stream, header, skip=set())


def parse_stream(
    stream: BinaryIO, limits: StreamLimits = StreamLimits()
) -> tuple[list[EventIn], list[FieldProblem], int]:
    """(valid events, problems, number of events) for ``GS1-Capture-Error-Behaviour: proceed``.

    A problem with the document itself leaves no valid event. The valid events are held in memory: for
    ``rollback`` (all or nothing), ``iter_events`` streams them instead.
    """
    check, header = _stream_check(stream, limits)
    if not check.document_valid:
        return [], check.problems, check.total
    return list(_stream_events(stream, header, skip=check.bad)), check.problems, check.total
