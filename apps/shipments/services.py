"""Writes for consignments: create with parties, goods, equipment and legs; update; status; linking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from stdnum import imo as stdnum_imo
from stdnum import iso6346
from stdnum.exceptions import ValidationError as StdnumError

from apps.core import identifiers
from apps.core.domain_events import ConsignmentPartiesChanged, EventsLinked, publish
from apps.core.errors import NOT_VISIBLE, ConflictError, NotFoundError, PermissionDeniedError
from apps.core.services import audit_record
from apps.partners.access import Actor, Rule, require
from apps.partners.choices import MemberRole
from apps.partners.models import Partner
from apps.shipments.choices import ConsignmentStatus, LinkVia, PartyRole
from apps.shipments.graph.types import step_name
from apps.shipments.ingest.types import DOC_BOOKING, DOC_CONSIGNMENT, DOC_TRANSPORT_DOCUMENT
from apps.shipments.legs import MOVEMENT_STEPS, LegPlan, Movement, leg_times
from apps.shipments.models import (
    Consignment,
    ConsignmentParty,
    Equipment,
    EquipmentAssignment,
    Event,
    EventLink,
    EventObject,
    GoodsItem,
    Leg,
)
from apps.shipments.selectors import consignment_disclosure
from apps.shipments.status import StatusEvent, derive_status

_HS_CODE = re.compile(r"^\d{6,10}$")

# Who records consignments and events: an operator with a write scope, for the partner it acts for
# (staff choose one: a consignment and an event always belong to a partner).
RECORD = Rule(role=MemberRole.OPERATOR, write=True, acting=True, to=gettext_noop("record consignments and events"))
CONSIGNMENT_FIELDS = (
    "reference",
    "transport_document_type",
    "transport_document_number",
    "booking_reference",
    "origin",
    "destination",
    "corridor",
)


def normalize_container_number(value: str) -> str:
    """ISO 6346 container number with a valid check digit (the native API is strict)."""
    try:
        return iso6346.validate(value)
    except StdnumError as exc:
        raise identifiers.InvalidIdentifier(
            gettext_noop("'%(value)s' is not a valid ISO 6346 container number: %(problem)s"),
            value=value,
            problem=identifiers.stdnum_words(exc),
        ) from exc


def normalize_imo(value: str) -> str:
    try:
        return stdnum_imo.compact(stdnum_imo.validate(value))
    except StdnumError as exc:
        raise identifiers.InvalidIdentifier(
            gettext_noop("'%(value)s' is not a valid IMO ship number: %(problem)s"),
            value=value,
            problem=identifiers.stdnum_words(exc),
        ) from exc


def _check(errors: dict[str, list[str]], path: str, fn: Any, value: Any) -> Any:
    try:
        return fn(value)
    except identifiers.InvalidIdentifier as exc:
        errors.setdefault(path, []).append(exc.render(gettext))
        return value


def _currency(value: str) -> str:
    code = (value or "").upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise identifiers.InvalidIdentifier(f"'{value}' is not an ISO 4217 currency code.")
    return code


def _hs_code(value: str) -> str:
    compact = re.sub(r"[\s.]", "", value or "")
    if not _HS_CODE.match(compact):
        raise identifiers.InvalidIdentifier(f"'{value}' is not an HS code: 6 to 10 digits.")
    return compact


def _clean_lists(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for i, party in enumerate(data.get("parties") or []):
        if party["role"] not in PartyRole.values:
            errors.setdefault(f"parties.{i}.role", []).append(f"'{party['role']}' is not a party role.")
    for i, item in enumerate(data.get("goods_items") or []):
        item["hs_code"] = _check(errors, f"goods_items.{i}.hs_code", _hs_code, item["hs_code"])
        item["country_of_origin"] = _check(
            errors, f"goods_items.{i}.country_of_origin", identifiers.normalize_country, item["country_of_origin"]
        )
        if item.get("value") is not None or item.get("currency"):
            if item.get("value") is None:
                errors.setdefault(f"goods_items.{i}.value", []).append("A currency needs a value.")
            item["currency"] = _check(errors, f"goods_items.{i}.currency", _currency, item.get("currency", ""))
    for i, unit in enumerate(data.get("equipment") or []):
        unit["number"] = _check(errors, f"equipment.{i}.number", normalize_container_number, unit["number"])
        start, end = unit.get("assigned_from"), unit.get("assigned_until")
        if start and end and end < start:
            errors.setdefault(f"equipment.{i}.assigned_until", []).append("Ends before it starts.")
    for i, leg in enumerate(data.get("legs") or []):
        for place in ("origin", "destination"):
            leg[place] = _check(errors, f"legs.{i}.{place}", identifiers.normalize_unlocode, leg[place])
        if leg.get("vessel_imo"):
            leg["vessel_imo"] = _check(errors, f"legs.{i}.vessel_imo", normalize_imo, leg["vessel_imo"])
        if leg["origin"] == leg["destination"]:
            errors.setdefault(f"legs.{i}.destination", []).append("A leg must go somewhere else.")
        for start, end in (("planned_departure", "planned_arrival"), ("actual_departure", "actual_arrival")):
            if leg.get(start) and leg.get(end) and leg[end] < leg[start]:
                errors.setdefault(f"legs.{i}.{end}", []).append(f"Before {start}.")
    sequences = [leg["sequence"] for leg in data.get("legs") or []]
    if len(sequences) != len(set(sequences)):
        errors.setdefault("legs", []).append("Leg sequence numbers must be unique.")


def _resolve_partners(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Partner]:
    slugs = {party["partner"] for party in data.get("parties") or []}
    slugs |= {leg["carrier"] for leg in data.get("legs") or [] if leg.get("carrier")}
    found = {p.slug: p for p in Partner.objects.filter(slug__in=slugs, is_active=True)}
    for i, party in enumerate(data.get("parties") or []):
        if party["partner"] not in found:
            errors.setdefault(f"parties.{i}.partner", []).append(f"No active partner '{party['partner']}'.")
    for i, leg in enumerate(data.get("legs") or []):
        if leg.get("carrier") and leg["carrier"] not in found:
            errors.setdefault(f"legs.{i}.carrier", []).append(f"No active partner '{leg['carrier']}'.")
    return found


def _write_children(consignment: Consignment, data: dict[str, Any], partners: dict[str, Partner]) -> None:
    if "parties" in data:
        consignment.parties.all().delete()
        ConsignmentParty.objects.bulk_create(
            [
                ConsignmentParty(consignment=consignment, partner=partners[p["partner"]], role=p["role"])
                for p in {(p["partner"], p["role"]): p for p in data["parties"]}.values()
            ]
        )
    if "goods_items" in data:
        consignment.goods_items.all().delete()
        GoodsItem.objects.bulk_create(
            [GoodsItem(consignment=consignment, sequence=i + 1, **item) for i, item in enumerate(data["goods_items"])]
        )
    if "equipment" in data:
        consignment.equipment_assignments.all().delete()
        for unit in data["equipment"]:
            equipment, _ = Equipment.objects.get_or_create(
                number=unit["number"], defaults={"size_type": unit.get("size_type", "")}
            )
            EquipmentAssignment.objects.create(
                consignment=consignment,
                equipment=equipment,
                seal_numbers=unit.get("seal_numbers", []),
                assigned_from=unit.get("assigned_from"),
                assigned_until=unit.get("assigned_until"),
            )
    if "legs" in data:
        consignment.legs.all().delete()
        Leg.objects.bulk_create(
            [
                Leg(consignment=consignment, **{**leg, "carrier": partners.get(leg.get("carrier") or "")})
                for leg in data["legs"]
            ]
        )


def _clean_consignment(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for place in ("origin", "destination"):
        if place in data:
            data[place] = _check(errors, place, identifiers.normalize_unlocode, data[place])
    if data.get("origin") and data.get("origin") == data.get("destination"):
        errors.setdefault("destination", []).append("Destination must differ from origin.")
    _clean_lists(data, errors)


@transaction.atomic
def consignment_create(*, actor: Actor, data: dict[str, Any]) -> Consignment:
    """Create a consignment with its parties, goods, equipment and legs; the creator is a party."""
    creator = require(actor, **RECORD)
    errors: dict[str, list[str]] = {}
    _clean_consignment(data, errors)
    partners = _resolve_partners(data, errors)
    if Consignment.objects.filter(created_by=creator, reference=data["reference"]).exists():
        errors.setdefault("reference", []).append(f"You already have a consignment '{data['reference']}'.")
    if errors:
        raise ValidationError(errors)
    consignment = Consignment(created_by=creator, **{k: data[k] for k in CONSIGNMENT_FIELDS if k in data})
    try:
        with transaction.atomic():
            consignment.save()
    except IntegrityError as exc:
        raise ConflictError(f"You already have a consignment '{data['reference']}'.", field="reference") from exc
    _write_children(consignment, data, partners)
    audit_record(
        actor=actor,
        action="consignment.create",
        target=consignment,
        changes={k: data[k] for k in CONSIGNMENT_FIELDS if k in data},
    )
    publish(ConsignmentPartiesChanged(consignment_ids=(str(consignment.pk),)))
    consignment_link_pending(consignment=consignment)
    return consignment


@transaction.atomic
def consignment_update(*, actor: Actor, consignment: Consignment, data: dict[str, Any]) -> Consignment:
    """Change a consignment; lists given (parties, goods_items, equipment, legs) replace the old ones."""
    require(actor, **RECORD)
    locked = Consignment.objects.visible_to(actor).select_for_update().filter(pk=consignment.pk).first()
    if locked is None:
        raise NotFoundError(NOT_VISIBLE)
    if (
        not actor.is_staff
        and not locked.parties.filter(partner=actor.partner).exists()
        and locked.created_by_id != actor.partner.pk
    ):
        raise PermissionDeniedError("Only the consignment's parties may change it.")
    if "goods_items" in data and "goods_values" not in consignment_disclosure(actor=actor, consignment=locked):
        # Replacing the lines would overwrite values this party is not entitled to read.
        raise PermissionDeniedError(
            "Goods lines carry values your role in this consignment may not read, so you may not replace them.",
            field="goods_items",
        )
    errors: dict[str, list[str]] = {}
    merged = {"origin": locked.origin, "destination": locked.destination, **data}
    _clean_consignment(merged, errors)
    partners = _resolve_partners(merged, errors)
    if errors:
        raise ValidationError(errors)
    before = {k: getattr(locked, k) for k in CONSIGNMENT_FIELDS}
    for key in CONSIGNMENT_FIELDS:
        if key in merged:
            setattr(locked, key, merged[key])
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise ConflictError("You already have a consignment with this reference.", field="reference") from exc
    _write_children(locked, merged, partners)
    changes: dict[str, Any] = {
        k: [before[k], getattr(locked, k)] for k in CONSIGNMENT_FIELDS if before[k] != getattr(locked, k)
    }
    changes.update({k: "replaced" for k in ("parties", "goods_items", "equipment", "legs") if k in data})
    audit_record(actor=actor, action="consignment.update", target=locked, changes=changes)
    if "parties" in data:
        publish(ConsignmentPartiesChanged(consignment_ids=(str(locked.pk),)))
    consignment_link_pending(consignment=locked)
    consignment_status_refresh(consignment_ids={locked.pk})
    return locked


def consignment_link_pending(*, consignment: Consignment) -> int:
    """Link events recorded before the consignment (or its container) was known; returns how many."""
    recorders = set(consignment.parties.values_list("partner_id", flat=True)) | {consignment.created_by_id}
    documents = {f"{DOC_CONSIGNMENT}:{consignment.pk}", f"{DOC_CONSIGNMENT}:{consignment.reference}"}
    via_for = {
        f"{DOC_CONSIGNMENT}:{consignment.pk}": LinkVia.CONSIGNMENT,
        f"{DOC_CONSIGNMENT}:{consignment.reference}": LinkVia.CONSIGNMENT,
    }
    if consignment.transport_document_number:
        key = f"{DOC_TRANSPORT_DOCUMENT}:{consignment.transport_document_number}"
        documents.add(key)
        via_for[key] = LinkVia.TRANSPORT_DOCUMENT
    if consignment.booking_reference:
        key = f"{DOC_BOOKING}:{consignment.booking_reference}"
        documents.add(key)
        via_for[key] = LinkVia.BOOKING
    candidates: dict[Any, str] = {}
    for event_pk, value in EventObject.objects.filter(
        role="document", value__in=documents, event__recorder_id__in=recorders
    ).values_list("event_id", "value"):
        candidates.setdefault(event_pk, via_for[value])
    for assignment in consignment.equipment_assignments.select_related("equipment"):
        window = Q()
        if assignment.assigned_from:
            window &= Q(event__event_time__gte=assignment.assigned_from)
        if assignment.assigned_until:
            window &= Q(event__event_time__lte=assignment.assigned_until)
        for event_pk in EventObject.objects.filter(
            window, role="equipment", value=assignment.equipment.number, event__recorder_id__in=recorders
        ).values_list("event_id", flat=True):
            candidates.setdefault(event_pk, LinkVia.EQUIPMENT)
    already = set(
        EventLink.objects.filter(consignment=consignment, event_id__in=list(candidates)).values_list(
            "event_id", flat=True
        )
    )
    new_links = [
        EventLink(event_id=pk, consignment=consignment, via=via) for pk, via in candidates.items() if pk not in already
    ]
    EventLink.objects.bulk_create(new_links, ignore_conflicts=True)
    if new_links:
        consignment_status_refresh(consignment_ids={consignment.pk})
        # Events that were waiting for their consignment get their step credential now, in its chain.
        publish(
            EventsLinked(
                event_ids=tuple(str(link.event_id) for link in new_links), consignment_ids=(str(consignment.pk),)
            )
        )
    return len(new_links)


def consignment_status_advance(*, new_links: Iterable[tuple[Any, Any]], events: dict[Any, Any]) -> None:
    """Fold newly linked events into their consignments' statuses (the ingest hot path).

    ``new_links`` are (consignment id, event pk) pairs; ``events`` maps event pk to the stored Event.
    Reading only the new events keeps a batch's cost independent of how long the history is.
    """
    by_consignment: dict[Any, list[StatusEvent]] = {}
    for consignment_id, event_pk in new_links:
        event = events[event_pk]
        if event.is_retracted or event.is_erroneous:
            continue
        by_consignment.setdefault(consignment_id, []).append(
            StatusEvent(event.event_time, event.location, event.biz_step, event.disposition, event.event_code)
        )
    if not by_consignment:
        return
    # Folding is only sound for events later than all those already folded; a late report of an
    # earlier event (or a consignment held in exception, whose earlier progress the status hides)
    # is re-derived from the whole history. Events mostly arrive in time order, so this stays rare.
    earliest = {pk: min(event.event_time for event in folded) for pk, folded in by_consignment.items()}
    # The batch's rows share one record time; anything recorded before it is history (no NOT IN list).
    batch_recorded = min(event.record_time for event in events.values())
    later = EventLink.objects.filter(
        consignment_id__in=list(by_consignment),
        event__event_time__gt=min(earliest.values()),
        event__record_time__lt=batch_recorded,
        event__is_latest=True,
    )
    rederive = {pk for pk, time in later.values_list("consignment_id", "event__event_time") if time > earliest[pk]}
    # Primary-key order, as the credential workers lock consignments, so the two cannot deadlock.
    for pk, status, destination in (
        Consignment.objects.filter(pk__in=list(by_consignment))
        .order_by("pk")
        .values_list("pk", "status", "destination")
    ):
        if pk in rederive or status == ConsignmentStatus.EXCEPTION:
            rederive.add(pk)
            continue
        advanced = derive_status(by_consignment[pk], destination=destination, since=status)
        if advanced != status:
            Consignment.objects.filter(pk=pk).update(status=advanced)
    if rederive:
        consignment_status_refresh(consignment_ids=rederive)


def consignment_status_refresh(*, consignment_ids: Iterable[Any]) -> None:
    """Re-derive the status of these consignments from their current events."""
    for consignment in Consignment.objects.filter(pk__in=list(consignment_ids)).order_by("pk"):
        rows = Event.objects.filter(
            links__consignment=consignment, is_latest=True, is_retracted=False, is_erroneous=False
        ).values_list("event_time", "location", "biz_step", "disposition", "event_code")
        status = derive_status((StatusEvent(*row) for row in rows), destination=consignment.destination)
        if status != consignment.status:
            Consignment.objects.filter(pk=consignment.pk).update(status=status)
    consignment_leg_times_refresh(consignment_ids=consignment_ids)


def event_moves(event: Event) -> bool:
    """Whether the event reports a vehicle leaving or reaching a place (what legs' actual times are read from)."""
    return step_name(event.event_code or event.biz_step) in MOVEMENT_STEPS


def _movement_condition(prefix: str = "") -> Q:
    steps = sorted(MOVEMENT_STEPS)
    return Q(**{f"{prefix}event_code__in": steps}) | Q(**{f"{prefix}biz_step__in": steps})


def consignment_leg_times_refresh(*, consignment_ids: Iterable[Any]) -> int:
    """Fill the legs' actual departure and arrival from the consignments' current events; returns legs changed.

    The events are those linked to the consignment and the voyage-wide reports (a vessel's departure,
    naming no container) of its legs' voyages recorded by its parties, read by ``legs.leg_times``. A
    time no event reports keeps what was stored (a leg's actual times may also be given through the API).
    Four queries whatever the number of consignments, and one update per changed leg.
    """
    ids = list(consignment_ids)
    legs = list(Leg.objects.filter(consignment_id__in=ids).order_by("consignment_id", "sequence"))
    if not legs:
        return 0
    ids = sorted({leg.consignment_id for leg in legs})
    current = Q(is_latest=True, is_retracted=False, is_erroneous=False)
    movements: dict[Any, list[Movement]] = {pk: [] for pk in ids}
    linked = EventLink.objects.filter(
        _movement_condition("event__"),
        consignment_id__in=ids,
        event__is_latest=True,
        event__is_retracted=False,
        event__is_erroneous=False,
    ).values_list(
        "consignment_id",
        "event__event_time",
        "event__location",
        "event__event_code",
        "event__biz_step",
        "event__voyage_number",
    )
    for consignment_id, when, place, code, biz_step, voyage in linked:
        movements[consignment_id].append(Movement(when, place, code or biz_step, voyage))
    voyages: dict[str, set[Any]] = {}
    for leg in legs:
        if leg.voyage_number:
            voyages.setdefault(leg.voyage_number, set()).add(leg.consignment_id)
    if voyages:
        parties: dict[Any, set[Any]] = {pk: set() for pk in ids}
        for consignment_id, partner_id in ConsignmentParty.objects.filter(consignment_id__in=ids).values_list(
            "consignment_id", "partner_id"
        ):
            parties[consignment_id].add(partner_id)
        for consignment_id, partner_id in Consignment.objects.filter(pk__in=ids).values_list("pk", "created_by_id"):
            parties[consignment_id].add(partner_id)
        voyage_wide = Event.objects.filter(
            current,
            _movement_condition(),
            voyage_number__in=list(voyages),
            recorder_id__in={p for members in parties.values() for p in members},
            equipment=[],
        ).values_list("event_time", "location", "event_code", "biz_step", "voyage_number", "recorder_id")
        for when, place, code, biz_step, voyage, recorder in voyage_wide:
            for consignment_id in voyages[voyage]:
                if recorder in parties[consignment_id]:
                    movements[consignment_id].append(Movement(when, place, code or biz_step, voyage))
    changed = []
    by_consignment: dict[Any, list[Leg]] = {}
    for leg in legs:
        by_consignment.setdefault(leg.consignment_id, []).append(leg)
    for consignment_id, rows in by_consignment.items():
        plans = [LegPlan(leg.sequence, leg.mode, leg.origin, leg.destination, leg.voyage_number) for leg in rows]
        times = leg_times(plans, movements[consignment_id])
        for leg in rows:
            derived = times[leg.sequence]
            departure = derived.actual_departure or leg.actual_departure
            arrival = derived.actual_arrival or leg.actual_arrival
            if (departure, arrival) != (leg.actual_departure, leg.actual_arrival):
                leg.actual_departure, leg.actual_arrival = departure, arrival
                changed.append(leg)
    Leg.objects.bulk_update(changed, ["actual_departure", "actual_arrival"])
    return len(changed)
