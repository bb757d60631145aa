"""DCSA Track & Trace 2.2 and 3.0 event lists, validated against DCSA's own OpenAPI schemas, as ``EventIn``.

Pure Python (no Django), so the API view, a Celery task replaying a stored body and the tests all
run the same code. ``parse_dcsa_events`` checks the whole batch and either returns every event or
raises ``IngestValidationError`` listing every problem: a feed is never half stored.

What is checked, and why:

- **DCSA's schemas, as published** (``schemas/``, bundled unmodified). ``validate.py`` turns OpenAPI 3.0
  into JSON Schema: ``$ref`` inlined, ``nullable`` honoured, the discriminator replaced by
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

from datetime import UTC, datetime
from typing import Any

from apps.core.words import Text
from apps.shipments.dcsa.mapping import EventReader, dig, read_v2, read_v3
from apps.shipments.dcsa.validate import EventSchema, VersionSchemas, interop_problems, json_type, version_schemas
from apps.shipments.ingest.types import EventIn, FieldProblem, IngestValidationError

DCSA_VERSIONS = ("2.2", "3.0")
BODY_INDEX = -1  # FieldProblem.index of a problem with the body rather than one event

# Problems are Texts (see validate.py): ``_`` marks their templates for the catalogue, translated only on a page.
_ = Text


def _event_list(body: Any, version: str) -> tuple[list[Any], list[FieldProblem]]:
    """The events of a body: 2.2 sends a bare array (GET /v2/events and its subscription callback);
    3.0 sends ``{"events": [...]}`` (POST /events, GET /events); a bare array is taken for 3.0 too."""
    if isinstance(body, list):
        return body, []
    if version == "3.0" and isinstance(body, dict):
        if "events" not in body:
            return [], [FieldProblem(BODY_INDEX, "events", _('is required: a DCSA 3.0 body is {"events": [...]}'))]
        if not isinstance(body["events"], list):
            got = json_type(body["events"])
            return [], [FieldProblem(BODY_INDEX, "events", _("must be an array, not %(got)s", got=got))]
        return body["events"], []
    shape = _("a JSON array of events") if version == "2.2" else _('an object {"events": [...]} or an array of events')
    detail = _(
        "a DCSA %(version)s body must be %(shape)s, not %(got)s", version=version, shape=shape, got=json_type(body)
    )
    return [], [FieldProblem(BODY_INDEX, "", detail)]


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
    schemas = version_schemas(version)
    now = now or datetime.now(UTC)
    read = read_v2 if version == "2.2" else read_v3
    parsed: list[EventIn] = []
    first_seen: dict[tuple[str, datetime | None], int] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            problems.append(
                FieldProblem(index, "", _("an event must be a JSON object, not %(got)s", got=json_type(event)))
            )
            continue
        reader = EventReader(index, event)
        reader.schema_problems(interop_problems(event))
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
                FieldProblem(
                    index, "eventID", _("repeats event %(index)s of this batch", index=first_seen[key]), result.event_id
                )
            )
        else:
            first_seen[key] = index
    if problems:
        raise IngestValidationError(problems)
    return parsed


def _event_schema(schemas: VersionSchemas, event: dict[str, Any], version: str) -> EventSchema:
    if version == "2.2":
        event_type = event.get("eventType")
    else:
        if event.get("isRetracted") is True and schemas.retraction is not None:
            return schemas.retraction
        event_type = dig(event, "eventClassification", "eventTypeCode")
    return schemas.by_type.get(event_type, schemas.untyped) if isinstance(event_type, str) else schemas.untyped
