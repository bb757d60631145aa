"""The one ingest service every path (native JSON, EPCIS 2.0, DCSA) goes through.

``event_batch_record`` takes parsed ``EventIn`` objects, decides for each whether it is new, an
exact repeat (idempotent: the stored event is returned), a new DCSA version, or a conflict (409,
nothing written), links it to the consignments it concerns, and writes the whole batch in one
transaction with one audit record.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.core.canonical_json import canonical_json
from apps.core.db import bulk_insert, bulk_insert_values
from apps.core.domain_events import EventsDeclaredErroneous, EventsRecorded, publish
from apps.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from apps.core.services import audit_record
from apps.core.words import Text
from apps.partners.access import Actor, require
from apps.partners.models import Partner
from apps.shipments.choices import LinkVia
from apps.shipments.ingest.types import (
    DOC_BOOKING,
    DOC_CONSIGNMENT,
    DOC_TRANSPORT_DOCUMENT,
    SOURCE_EPCIS,
    EventIn,
)
from apps.shipments.models import Consignment, EquipmentAssignment, Event, EventLink, EventObject, Leg
from apps.shipments.services import (
    RECORD,
    consignment_leg_times_refresh,
    consignment_status_advance,
    consignment_status_refresh,
    event_moves,
)

MAX_BATCH = 1000
# A batch that lost a race for an event id is planned again this often before the caller is told to retry.
CONCURRENT_RECORD_ATTEMPTS = 3
# Outcomes that store a new row (a first version, or a later one); the others change no event row's content.
NEW_ROW_OUTCOMES = ("created", "updated", "retracted")


@dataclass
class BatchResult:
    """What happened to each event of a batch, in the order sent."""

    events: list[Event] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)  # created, unchanged, updated, retracted

    @property
    def created(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome != "unchanged")


def content_digest(event: EventIn) -> str:
    """What "same content" compares (DESIGN §10): the CBV hash for EPCIS, JCS of the payload otherwise."""
    if event.source == SOURCE_EPCIS and event.hash_id:
        return hashlib.sha256(event.hash_id.encode()).hexdigest()
    return hashlib.sha256(canonical_json(event.payload)).hexdigest()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def resolve_links(recorder: Partner, events: list[EventIn]) -> list[list[tuple[int, str]]]:
    """For each event, the (consignment pk, via) pairs it links to, with bounded queries per batch.

    Only consignments the recorder may record for are candidates: a partner cannot attach its
    events to someone else's consignment by naming its B/L number.
    """
    refs: dict[str, set[str]] = defaultdict(set)
    numbers: set[str] = set()
    for event in events:
        for doc in event.documents:
            refs[doc.type].add(doc.value)
        numbers.update(event.equipment)

    candidates = Consignment.objects.for_partner(recorder)
    by_id: dict[str, Any] = {}
    by_reference: dict[str, Any] = {}
    by_document: dict[str, list[Any]] = defaultdict(list)
    by_booking: dict[str, list[Any]] = defaultdict(list)
    consignment_refs = refs.get(DOC_CONSIGNMENT, set())
    lookup = Q()
    if consignment_refs:
        ids = [value for value in consignment_refs if _is_uuid(value)]
        lookup |= Q(pk__in=ids) | Q(reference__in=consignment_refs)
    if refs.get(DOC_TRANSPORT_DOCUMENT):
        lookup |= Q(transport_document_number__in=refs[DOC_TRANSPORT_DOCUMENT])
    if refs.get(DOC_BOOKING):
        lookup |= Q(booking_reference__in=refs[DOC_BOOKING])
    if lookup:
        for row in (
            candidates.filter(lookup)
            .values("pk", "reference", "transport_document_number", "booking_reference", "created_by_id")
            .distinct()
        ):
            by_id[str(row["pk"])] = row["pk"]
            if row["created_by_id"] == recorder.pk or row["reference"] not in by_reference:
                by_reference[row["reference"]] = row["pk"]
            if row["transport_document_number"]:
                by_document[row["transport_document_number"]].append(row["pk"])
            if row["booking_reference"]:
                by_booking[row["booking_reference"]].append(row["pk"])

    assignments: dict[str, list[tuple[Any, datetime | None, datetime | None]]] = defaultdict(list)
    if numbers:
        allowed_ids = candidates.values("pk")
        for row in EquipmentAssignment.objects.filter(
            equipment__number__in=numbers, consignment_id__in=allowed_ids
        ).values("consignment_id", "equipment__number", "assigned_from", "assigned_until"):
            assignments[row["equipment__number"]].append(
                (row["consignment_id"], row["assigned_from"], row["assigned_until"])
            )

    result = []
    for event in events:
        links: dict[Any, str] = {}
        for doc in event.documents:
            if doc.type == DOC_CONSIGNMENT:
                pk = by_id.get(doc.value) or by_reference.get(doc.value)
                if pk is not None:
                    links.setdefault(pk, LinkVia.CONSIGNMENT)
            elif doc.type == DOC_TRANSPORT_DOCUMENT:
                for pk in by_document.get(doc.value, []):
                    links.setdefault(pk, LinkVia.TRANSPORT_DOCUMENT)
            elif doc.type == DOC_BOOKING:
                for pk in by_booking.get(doc.value, []):
                    links.setdefault(pk, LinkVia.BOOKING)
        for number in event.equipment:
            for pk, start, end in assignments.get(number, []):
                # A container's events belong to a consignment only while it carried it.
                if (start is None or event.event_time >= start) and (end is None or event.event_time <= end):
                    links.setdefault(pk, LinkVia.EQUIPMENT)
        result.append(list(links.items()))
    return result


def _objects_for(event: EventIn) -> list[tuple[str, str]]:
    objects = [("epc", epc) for epc in event.epcs]
    if event.parent_id:
        objects.append(("parent", event.parent_id))
    objects.extend(("child", epc) for epc in event.child_epcs)
    objects.extend(("equipment", number) for number in event.equipment)
    objects.extend(("document", f"{doc.type}:{doc.value}") for doc in event.documents)
    # Keep each identifier once per role; EventObject rows are an index, not a history.
    return list(dict.fromkeys(objects))


def _event_row(recorder: Partner, event: EventIn, *, digest: str, version: int, now: datetime) -> Event:
    # Positional arguments in concrete-field order take Django's fast path in Model.__init__ (the
    # ingest builds a thousand rows a batch; keyword construction was a fifth of its time).
    values = {
        "id": uuid.uuid4(),
        "recorder_id": recorder.pk,
        "event_id": event.event_id,
        "version": version,
        "is_latest": True,
        "source": event.source,
        "event_type": event.event_type,
        "action": event.action,
        "biz_step": event.biz_step,
        "disposition": event.disposition,
        "event_code": event.event_code,
        "event_classifier": event.event_classifier,
        "event_time": event.event_time,
        "event_time_zone_offset": event.event_time_zone_offset,
        "record_time": now,
        "location": event.location,
        "read_point": event.read_point,
        "biz_location": event.biz_location,
        "epcs": event.epcs,
        "parent_id": event.parent_id,
        "child_epcs": event.child_epcs,
        "equipment": event.equipment,
        "documents": [{"type": doc.type, "value": doc.value} for doc in event.documents],
        "biz_transactions": event.biz_transactions,
        "sensor_readings": event.sensor_readings,
        "mode_of_transport": event.mode_of_transport,
        "vessel_imo": event.vessel_imo,
        "voyage_number": event.voyage_number,
        "hash_id": event.hash_id,
        "content_digest": digest,
        "source_updated_at": event.updated_at,
        "is_retracted": event.is_retracted,
        "is_erroneous": False,
        "error_declaration": event.error_declaration,
        "warnings": event.warnings,
        "payload": event.payload,
    }
    row = Event(*(values[name] for name in _EVENT_ATTNAMES))
    row.recorder = recorder
    return row


_EVENT_ATTNAMES = tuple(field.attname for field in Event._meta.concrete_fields)


def _assign_ids(events: list[EventIn]) -> None:
    for event in events:
        if not event.event_id:
            # DESIGN §10: an EPCIS event without eventID is identified by its CBV hash (so re-sending
            # it is idempotent); a native one gets a fresh id, returned to the caller.
            event.event_id = (
                event.hash_id if event.source == SOURCE_EPCIS and event.hash_id else (f"urn:uuid:{uuid.uuid4()}")
            )


def _plan(recorder: Partner, events: list[EventIn]) -> list[tuple[str, Event | None, str]]:
    """Per event: (outcome, existing latest version or None, digest). Raises 409 on any conflict."""
    digests = [content_digest(event) for event in events]
    seen: dict[str, str] = {}
    for index, (event, digest) in enumerate(zip(events, digests, strict=True)):
        if event.event_id in seen and seen[event.event_id] != digest:
            raise ConflictError(
                Text(
                    gettext_noop("Event %(event)s appears twice in this batch with different content."),
                    event=repr(event.event_id),
                ),
                field=f"{index}.eventID",
            )
        seen[event.event_id] = digest

    existing = {
        row.event_id: row for row in Event.objects.filter(recorder=recorder, event_id__in=list(seen), is_latest=True)
    }
    plan = []
    for index, (event, digest) in enumerate(zip(events, digests, strict=True)):
        stored = existing.get(event.event_id)
        if not event.event_type:
            # A bare DCSA 3.0 retraction names only the event; it keeps the type it had.
            if stored is None:
                raise NotFoundError(
                    Text(gettext_noop("Event %(event)s retracts an event never recorded."), event=repr(event.event_id)),
                    field=f"{index}.eventID",
                )
            event.event_type = stored.event_type
        if stored is None:
            plan.append(("created", None, digest))
        elif stored.content_digest == digest and event.error_declaration and not stored.is_erroneous:
            # EPCIS 2.0 declares an event erroneous by re-sending it with an errorDeclaration (which the
            # CBV hash leaves out): the stored event is marked, its credential revoked.
            plan.append(("declared_erroneous", stored, digest))
        elif stored.content_digest == digest:
            plan.append(("unchanged", stored, digest))
        elif event.updated_at and stored.source_updated_at and event.updated_at > stored.source_updated_at:
            plan.append(("retracted" if event.is_retracted else "updated", stored, digest))
        else:
            raise ConflictError(
                Text(
                    gettext_noop(
                        "Event %(event)s was already recorded with different content; send a new eventID "
                        "(or, for DCSA, a later eventUpdatedDateTime)."
                    ),
                    event=repr(event.event_id),
                ),
                field=f"{index}.eventID",
            )
    return plan


def event_batch_record(*, actor: Actor, events: list[EventIn], channel: str) -> BatchResult:
    """Record a batch of parsed events for the acting partner: all or nothing, idempotent per event id."""
    recorder = require(actor, **RECORD)
    if len(events) > MAX_BATCH:
        raise ApplicationError(
            Text(
                gettext_noop("A batch holds at most %(limit)s events; this one has %(count)s."),
                limit=MAX_BATCH,
                count=len(events),
            ),
            field="events",
            status=413,
            code="payload-too-large",
        )
    if not events:
        raise ApplicationError(Text(gettext_noop("The batch holds no events.")), field="events")
    _assign_ids(events)
    for attempt in range(1, CONCURRENT_RECORD_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _write_batch(actor, recorder, events, channel)
        except IntegrityError as exc:
            # Another request recorded one of these event ids between our read and our insert (two
            # captures of one document, a client's retry racing its first try). Its transaction has
            # committed by now (the insert waited for it), so planning again sees its events: the same
            # content is a repeat, other content a 409, as if the two had come one after the other.
            if attempt == CONCURRENT_RECORD_ATTEMPTS:
                raise ConflictError(
                    Text(gettext_noop("Some of these events were recorded concurrently; retry the batch."))
                ) from exc
    raise AssertionError("unreachable")


def _refuse_foreign_consignments(recorder: Partner, events: list[EventIn]) -> None:
    """An event that names a consignment by id or reference must name one its recorder is party to.

    (Transport documents and bookings in EPCIS/DCSA feeds are different: an unknown one is kept and
    linked later, since the consignment may not be on the platform yet.)
    """
    named = {doc.value for event in events for doc in event.documents if doc.type == DOC_CONSIGNMENT}
    if not named:
        return
    allowed = Consignment.objects.for_partner(recorder)
    ids = [value for value in named if _is_uuid(value)]
    known = {str(pk) for pk in allowed.filter(pk__in=ids).values_list("pk", flat=True)}
    known |= set(allowed.filter(reference__in=named).values_list("reference", flat=True))
    for index, event in enumerate(events):
        for doc in event.documents:
            if doc.type == DOC_CONSIGNMENT and doc.value not in known:
                raise PermissionDeniedError(
                    Text(
                        gettext_noop(
                            "You are not a party of consignment %(consignment)s (or there is none): "
                            "nothing was recorded."
                        ),
                        consignment=repr(doc.value),
                    ),
                    field=f"{index}.consignment",
                )


def _write_batch(actor: Actor, recorder: Partner, events: list[EventIn], channel: str) -> BatchResult:
    _refuse_foreign_consignments(recorder, events)
    plan = _plan(recorder, events)
    now = timezone.now()
    fresh = [
        (i, event)
        for i, (event, (outcome, _, _)) in enumerate(zip(events, plan, strict=True))
        if outcome in NEW_ROW_OUTCOMES
    ]
    superseded = [stored.pk for outcome, stored, _ in plan if stored is not None and outcome in NEW_ROW_OUTCOMES]
    if superseded:
        Event.objects.filter(pk__in=superseded).update(is_latest=False)

    rows: dict[int, Event] = {}
    for index, event in fresh:
        outcome, stored, digest = plan[index]
        version = stored.version + 1 if stored is not None else 1
        rows[index] = _event_row(recorder, event, digest=digest, version=version, now=now)
    bulk_insert(Event, list(rows.values()))

    bulk_insert_values(
        EventObject,
        ("event_id", "role", "value"),
        [(rows[index].pk, role, value[:255]) for index, event in fresh for role, value in _objects_for(event)],
    )

    links = resolve_links(recorder, [event for _, event in fresh])
    link_rows = [
        (rows[index].pk, pk, via)
        for (index, _), event_links in zip(fresh, links, strict=True)
        for pk, via in event_links
    ]
    bulk_insert_values(EventLink, ("event_id", "consignment_id", "via"), link_rows)

    _declare_erroneous(
        actor, [(stored, events[i]) for i, (outcome, stored, _) in enumerate(plan) if outcome == "declared_erroneous"]
    )

    result = BatchResult()
    for index, (outcome, stored, _) in enumerate(plan):
        result.events.append(rows.get(index) or stored)
        result.outcomes.append(outcome)

    if fresh:
        by_pk = {row.pk: row for row in rows.values()}
        superseded_links = {consignment for event_pk, consignment, _ in link_rows if by_pk[event_pk].version > 1}
        if superseded_links:
            # A new version replaces an old one: the old one's effect must go, so recompute.
            consignment_status_refresh(consignment_ids=superseded_links)
        consignment_status_advance(
            new_links=[
                (consignment, event_pk) for event_pk, consignment, _ in link_rows if consignment not in superseded_links
            ],
            events=by_pk,
        )
        _leg_times_refresh(list(rows.values()), link_rows, skip=superseded_links)
        # One announcement per batch, not one per event (DESIGN §9): credentials issues the batch's
        # step credentials in one task, compliance re-judges the consignments whose chain grew.
        publish(
            EventsRecorded(
                event_ids=tuple(str(row.pk) for row in rows.values()),
                consignment_ids=tuple(sorted({str(consignment) for _, consignment, _ in link_rows})),
            )
        )
        counts = {outcome: result.outcomes.count(outcome) for outcome in set(result.outcomes)}
        audit_record(
            actor=actor,
            action="event.batch_record",
            object_type="shipments.event",
            object_id=str(rows[fresh[0][0]].pk),
            object_repr=Text(gettext_noop("1 event via %(channel)s"), channel=channel)
            if len(fresh) == 1
            else Text(gettext_noop("%(count)s events via %(channel)s"), count=len(fresh), channel=channel),
            changes={"channel": channel, "counts": counts, "event_ids": [event.event_id for _, event in fresh][:100]},
        )
    return result


def _leg_times_refresh(rows: list[Event], link_rows: list[tuple[Any, Any, str]], *, skip: set[Any]) -> None:
    """Legs' actual times from the batch's movements: of the consignments they link to, and of those whose
    legs are on a voyage a voyage-wide movement names (a vessel's departure links to no consignment)."""
    moving = {row.pk: row for row in rows if event_moves(row) and not row.is_retracted}
    if not moving:
        return
    consignments = {consignment for event_pk, consignment, _ in link_rows if event_pk in moving}
    voyages = {row.voyage_number for row in moving.values() if row.voyage_number and not row.equipment}
    if voyages:
        consignments |= set(Leg.objects.filter(voyage_number__in=voyages).values_list("consignment_id", flat=True))
    # A superseded event's consignments were refreshed whole, legs included.
    if consignments - skip:
        consignment_leg_times_refresh(consignment_ids=consignments - skip)


def _declare_erroneous(actor: Actor, declared: list[tuple[Event, EventIn]]) -> None:
    """Mark events declared erroneous and keep the declaration (reason, correctiveEventIDs).

    Their credentials are revoked in this transaction by whoever holds them (the announcement's
    in-transaction subscribers), so the revocation commits with the declaration.
    """
    if not declared:
        return
    for stored, event in declared:
        Event.objects.filter(pk=stored.pk).update(is_erroneous=True, error_declaration=event.error_declaration)
        stored.is_erroneous, stored.error_declaration = True, event.error_declaration
        audit_record(
            actor=actor,
            action="event.declare_erroneous",
            target=stored,
            changes={"errorDeclaration": event.error_declaration},
        )
    publish(EventsDeclaredErroneous(event_ids=tuple(str(stored.pk) for stored, _ in declared)))
    consignment_status_refresh(
        consignment_ids=set(
            EventLink.objects.filter(event__in=[s for s, _ in declared]).values_list("consignment_id", flat=True)
        )
    )
