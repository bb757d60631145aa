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
from typing import Any, BinaryIO

import ijson

from apps.shipments.epcis.hash import hash_context
from apps.shipments.epcis.mapping import event_in
from apps.shipments.epcis.schema import short_detail
from apps.shipments.epcis.validate import (
    DOCUMENT_INDEX,
    EVENT_LISTS,
    DocumentCheck,
    document_check,
    event_list,
    raise_if_invalid,
    validate_document,
)
from apps.shipments.ingest.types import EventIn, FieldProblem, IngestValidationError

# Where each document type keeps its events, as an ijson prefix.
_ITEM_PREFIXES = {kind: ".".join(keys) + ".item" for kind, keys in EVENT_LISTS.items()}


def parse_document(doc: Any) -> list[EventIn]:
    """The events of an EPCIS 2.0 document (parsed JSON) as ``EventIn``, in order; ``IngestValidationError`` if any
    problem, naming them all. The document's ``@context`` is read once for all events (hash prefixes)."""
    validate_document(doc)
    context = hash_context(doc["@context"])
    return [event_in(event, context) for event in event_list(doc)]


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


def _stream_check(stream: BinaryIO) -> tuple[DocumentCheck, Any]:
    """Pass one over a seekable stream: the header, then every event validated one at a time."""
    if not stream.seekable():
        raise ValueError("an EPCIS document is read twice (validate, then map): pass a seekable stream, e.g. a file")
    try:
        stream.seek(0)
        header = _read_header(stream)
        check = document_check(header)
        if check.kind:
            stream.seek(0)
            for index, event in enumerate(ijson.items(stream, _ITEM_PREFIXES[check.kind], use_float=True)):
                check.add_event(event, index)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise IngestValidationError([FieldProblem(DOCUMENT_INDEX, "", short_detail(f"not valid JSON: {exc}"))]) from exc
    return check, header


def _stream_events(stream: BinaryIO, header: dict[str, Any], skip: set[int]) -> Iterator[EventIn]:
    """Pass two: map the events, one at a time, leaving out those at ``skip``."""
    context = hash_context(header["@context"])
    stream.seek(0)
    for index, event in enumerate(ijson.items(stream, _ITEM_PREFIXES[header["type"]], use_float=True)):
        if index not in skip:
            yield event_in(event, context)


def validate_stream(stream: BinaryIO) -> None:
    """``validate_document`` for a seekable binary stream (an upload on disk), reading one event at a time."""
    check, _ = _stream_check(stream)
    raise_if_invalid(check)


def iter_events(stream: BinaryIO) -> Iterator[EventIn]:
    """The events of a document in a seekable binary stream, one at a time, all validated before the first.

    Validation runs when this is called (pass one) and raises ``IngestValidationError`` naming every
    problem; the iterator then maps the events (pass two), reading the stream again: keep it open until the
    iterator is exhausted. The same events as ``parse_document``.
    """
    check, header = _stream_check(stream)
    raise_if_invalid(check)
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
