"""Writes of the corridors domain: corridors and their membership, baselines, ETAs. Validated, transactional.

People's writes (creating a corridor, changing its thresholds or members, placing a consignment on it)
are audited one record each. Baselines are audited once per corridor recomputed. ETAs are derived from
the events as a consignment's status is, recomputed on every new event: not audited, like the status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from apps.core import identifiers
from apps.core.db import bulk_upsert_values
from apps.core.errors import ApplicationError, ConflictError, NotFoundError
from apps.core.services import audit_record
from apps.core.words import Text
from apps.corridors import eta as eta_model
from apps.corridors import selectors
from apps.corridors.baselines import LegSpec, compute_baselines, transit_seconds_for_distance
from apps.corridors.models import Baseline, ConsignmentEta, Corridor, CorridorConsignment, CorridorLeg
from apps.corridors.thresholds import ThresholdError, thresholds_validate
from apps.partners.access import Actor, require, system_actor
from apps.partners.choices import MemberRole
from apps.partners.models import Partner
from apps.shipments import places
from apps.shipments.choices import TransportMode
from apps.shipments.models import Consignment

SEA_MODES = frozenset({TransportMode.SEA, TransportMode.INLAND_WATERWAY})


# --- Who may change a corridor --------------------------------------------------------------------------


def _require_owner(actor: Actor, corridor: Corridor, *, role: str, to: str) -> None:
    """Staff, or the owner's member with ``role``: a member who is not the owner may look (403), an outsider
    does not learn the corridor exists (404)."""
    visible = Corridor.objects.visible_to(actor).filter(pk=corridor.pk).exists()
    require(actor, owner=corridor.owner, visible=visible, role=role, write=True, to=to)


# --- Validation -----------------------------------------------------------------------------------------


def _nodes(nodes: Sequence[str]) -> list[str]:
    if not isinstance(nodes, list | tuple) or len(nodes) < 2:
        raise ApplicationError("A corridor needs at least two nodes (UN/LOCODEs, in order).", field="nodes")
    clean: list[str] = []
    for index, node in enumerate(nodes):
        try:
            code = identifiers.normalize_unlocode(str(node))
        except identifiers.InvalidIdentifier as exc:
            raise ApplicationError(str(exc), field=f"nodes.{index}") from exc
        if code in clean:
            raise ApplicationError(f"{code} is listed twice; a corridor passes each node once.", field=f"nodes.{index}")
        clean.append(code)
    return clean


def _modes(modes: Sequence[str] | None, legs: int) -> list[str]:
    if modes is None:
        return [TransportMode.SEA] * legs
    if len(modes) != legs:
        raise ApplicationError(f"Give one mode per leg: {legs} for these nodes, got {len(modes)}.", field="modes")
    for index, mode in enumerate(modes):
        if mode not in TransportMode.values:
            raise ApplicationError(
                f"'{mode}' is not a mode; one of {', '.join(TransportMode.values)}.", field=f"modes.{index}"
            )
    return list(modes)


def _thresholds(changes: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    if not isinstance(changes, dict):
        raise ApplicationError("thresholds must be an object.", field="thresholds")
    try:
        return thresholds_validate(changes, current=current)
    except ThresholdError as exc:
        raise ApplicationError(str(exc), field=f"thresholds.{exc.field}") from exc


def _values(corridor: Corridor) -> dict[str, Any]:
    return {
        "slug": corridor.slug,
        "name": corridor.name,
        "owner": corridor.owner.slug,
        "nodes": list(corridor.nodes),
        "modes": [leg.mode for leg in corridor.legs.order_by("sequence")],
        "members": sorted(corridor.members.values_list("slug", flat=True)),
        "thresholds": corridor.thresholds,
        "is_active": corridor.is_active,
    }


# --- Corridors ------------------------------------------------------------------------------------------


def corridor_create(
    *,
    actor: Actor,
    slug: str,
    name: str,
    owner: Partner,
    nodes: Sequence[str],
    modes: Sequence[str] | None = None,
    members: Iterable[Partner] = (),
    thresholds: dict[str, Any] | None = None,
) -> Corridor:
    """Create a watched corridor: its nodes in order, a leg (with its mode) between each two, members."""
    require(actor, staff=True, write=True, to=gettext_noop("create corridors"))
    clean_nodes = _nodes(nodes)
    clean_modes = _modes(modes, len(clean_nodes) - 1)
    clean_thresholds = _thresholds(thresholds or {})
    if not name.strip():
        raise ApplicationError("A corridor needs a name.", field="name")
    taken = ConflictError(f"A corridor '{slug}' exists.", field="slug")
    with transaction.atomic():
        try:
            with transaction.atomic():
                corridor = Corridor.objects.create(
                    slug=slug, name=name.strip(), owner=owner, nodes=clean_nodes, thresholds=clean_thresholds
                )
        except IntegrityError as exc:
            raise taken from exc
        CorridorLeg.objects.bulk_create(
            CorridorLeg(corridor=corridor, sequence=index + 1, from_locode=a, to_locode=b, mode=mode)
            for index, (a, b, mode) in enumerate(zip(clean_nodes, clean_nodes[1:], clean_modes, strict=False))
        )
        corridor.members.set(list(members))
        audit_record(actor=actor, action="corridor.create", target=corridor, partner=owner, changes=_values(corridor))
    return corridor


def corridor_update(
    *,
    actor: Actor,
    corridor: Corridor,
    name: str | None = None,
    thresholds: dict[str, Any] | None = None,
    members: Iterable[Partner] | None = None,
    is_active: bool | None = None,
) -> Corridor:
    """Change a corridor's name, thresholds (merged into the current ones), members or activity.

    The owner's admins and staff may; out-of-range thresholds are refused naming the field, nothing stored.
    """
    _require_owner(actor, corridor, role=MemberRole.ADMIN, to=gettext_noop("change it"))
    with transaction.atomic():
        corridor = Corridor.objects.select_for_update().get(pk=corridor.pk)
        before = _values(corridor)
        if thresholds is not None:
            corridor.thresholds = _thresholds(thresholds, corridor.thresholds)
        if name is not None:
            if not name.strip():
                raise ApplicationError("A corridor needs a name.", field="name")
            corridor.name = name.strip()
        if is_active is not None:
            corridor.is_active = is_active
        corridor.save()
        if members is not None:
            corridor.members.set(list(members))
        after = _values(corridor)
        changed = {key: {"before": before[key], "after": after[key]} for key in after if before[key] != after[key]}
        audit_record(actor=actor, action="corridor.update", target=corridor, partner=corridor.owner, changes=changed)
    return corridor


def corridor_consignment_add(*, actor: Actor, corridor: Corridor, consignment_id: Any) -> CorridorConsignment:
    """Place a consignment the actor may see on the corridor explicitly (whatever its route says)."""
    _require_owner(actor, corridor, role=MemberRole.OPERATOR, to=gettext_noop("place consignments on it"))
    with transaction.atomic():
        consignment = Consignment.objects.visible_to(actor).filter(pk=consignment_id).first()
        if consignment is None:
            raise NotFoundError("No such consignment visible to you.", field="consignment")
        link, created = CorridorConsignment.objects.get_or_create(corridor=corridor, consignment=consignment)
        if created:
            audit_record(
                actor=actor,
                action="corridor.consignment_add",
                target=corridor,
                partner=corridor.owner,
                changes={"consignment": str(consignment.pk), "reference": consignment.reference},
            )
    return link


# --- Baselines ------------------------------------------------------------------------------------------


def _distance_seconds(coordinates: dict[str, tuple[float, float]]) -> Any:
    def seconds(leg: LegSpec) -> float | None:
        km = places.distance_km(leg.from_locode, leg.to_locode, extra=coordinates, by_sea=leg.mode in SEA_MODES)
        return transit_seconds_for_distance(km, leg.mode) if km else None

    return seconds


def baseline_rows(corridor: Corridor, figures: Iterable[Any], *, as_of: datetime, window_days: int) -> list[Baseline]:
    """Unsaved ``Baseline`` rows of a corridor from computed figures (``baselines.Figures``)."""
    return [
        Baseline(
            corridor=corridor,
            kind=f.kind,
            from_locode=f.from_locode,
            to_locode=f.to_locode,
            mode=f.mode,
            median_seconds=f.median,
            p10_seconds=f.p10,
            p90_seconds=f.p90,
            samples=f.samples,
            source=f.source,
            computed_at=as_of,
            window_days=window_days,
        )
        for f in figures
    ]


def corridor_baselines_recompute(*, corridor: Corridor, as_of: datetime) -> dict[str, int]:
    """Recompute every baseline of the corridor from its trailing window up to ``as_of``; counts per source.

    Completed consignments are those that arrived at their own destination in the window; every
    consignment active in the window contributes its plan to the schedule fallback.
    """
    thresholds = selectors.corridor_thresholds(corridor)
    since = as_of - timedelta(days=thresholds.baseline_window_days)
    ids = selectors.corridor_active_consignments(corridor=corridor, since=since, as_of=as_of)
    completed, planned = [], []
    for start in range(0, len(ids), selectors.BATCH):
        for history in selectors.consignment_histories(ids[start : start + selectors.BATCH], as_of=as_of).values():
            planned.append(history)
            if history.legs:
                arrival = history.times.get(history.legs[-1].to_locode)
                if arrival is not None and arrival.arrived_at is not None and arrival.arrived_at >= since:
                    completed.append(history)
    legs = selectors.corridor_legs(corridor)
    figures = compute_baselines(
        nodes=corridor.nodes,
        legs=legs,
        completed=completed,
        planned=planned,
        min_samples=thresholds.baseline_min_samples,
        distance_seconds=_distance_seconds(selectors.place_coordinates(corridor.nodes)),
    )
    rows = baseline_rows(corridor, figures, as_of=as_of, window_days=thresholds.baseline_window_days)
    counts: dict[str, int] = {}
    for f in figures:
        counts[f.source] = counts.get(f.source, 0) + 1
    with transaction.atomic():
        Baseline.objects.filter(corridor=corridor).delete()
        Baseline.objects.bulk_create(rows)
        audit_record(
            actor=system_actor(Text(gettext_noop("corridor baselines"))),
            action="corridor.baselines_recompute",
            target=corridor,
            partner=corridor.owner,
            changes={"as_of": as_of.isoformat(), "completed": len(completed), "baselines": counts},
        )
    return counts


def baselines_recompute_all(*, as_of: datetime) -> int:
    """Recompute the baselines of every active corridor; how many corridors."""
    corridors = list(Corridor.objects.active().select_related("owner").prefetch_related("legs"))
    for corridor in corridors:
        corridor_baselines_recompute(corridor=corridor, as_of=as_of)
    return len(corridors)


# --- ETA ------------------------------------------------------------------------------------------------


ETA_FIELDS = ["corridor", "destination", "predicted_arrival", "p10", "p90", "last_event_time", "basis", "computed_at"]
# ``eta_store``'s rows: the consignment, then ``ETA_FIELDS`` by attribute name.
_ETA_COLUMNS = ("consignment_id", *(ConsignmentEta._meta.get_field(name).attname for name in ETA_FIELDS))


def eta_refresh(*, consignment_ids: Iterable[Any], as_of: datetime, fresh_since: datetime | None = None) -> int:
    """Recompute and store the ETA of each consignment as of ``as_of``; how many were stored.

    A consignment without legs or figures to predict from loses a stale ETA. Batches of ``selectors.BATCH`` cost
    a constant number of queries each. Called on each new event (the subscriber's task) and by the scan.

    ``fresh_since``: the moment the triggering events were committed. A consignment whose stored ETA was
    computed after it is skipped: that computation's queries started after the commit and saw those events
    (``computed_at`` is the ``as_of`` read before them), so a backlog of event batches for the same
    consignments is computed once, not once per batch.
    """
    ids = list(dict.fromkeys(str(pk) for pk in consignment_ids))
    if fresh_since is not None:
        ids = selectors.not_done_since(
            ConsignmentEta.objects.all(), ids=ids, moment_field="computed_at", since=fresh_since
        )
    stored = 0
    for start in range(0, len(ids), selectors.BATCH):
        stored += _eta_refresh_batch(ids[start : start + selectors.BATCH], as_of=as_of)
    return stored


@dataclass(frozen=True)
class EtaInput:
    """What one consignment's ETA stands on (from its history, or from the watch's ``Watched``)."""

    consignment_id: Any
    origin: str
    destination: str
    corridor: Corridor | None
    legs: tuple[LegSpec, ...]
    times: dict[str, Any]
    last_event: Any
    baselines: dict[Any, Any]


def _eta_refresh_batch(ids: list[str], *, as_of: datetime) -> int:
    # The watch's own reading: the ETA stands on the same events (voyage-wide ones included) as the scan's.
    return eta_store(eta_inputs(selectors.watch_batch(ids, as_of=as_of)), as_of=as_of)


def eta_inputs(batch: selectors.WatchBatch) -> list[EtaInput]:
    """What each consignment of a watch batch gives its ETA to stand on (no further reading)."""
    return [
        EtaInput(
            consignment_id=w.consignment_id,
            origin=w.origin,
            destination=w.destination,
            corridor=batch.corridors.get(w.consignment_id),
            legs=w.legs,
            times=w.times,
            last_event=w.last_event,
            baselines=dict(w.baselines),
        )
        for w in batch.watched
    ]


def eta_store(inputs: Sequence[EtaInput], *, as_of: datetime) -> int:
    """Predict and store the ETA of each input as of ``as_of`` (two queries and the writes); how many stored.

    The scan calls it with what its detectors already read, so an ETA costs no second reading of the events.
    """
    places_used = {code for i in inputs for code in (i.origin, i.destination)}
    places_used |= {code for i in inputs for leg in i.legs for code in (leg.from_locode, leg.to_locode)}
    distance = _distance_seconds(selectors.place_coordinates(places_used))
    rows, without = [], []
    for item in inputs:
        # Without legs, the consignment's own origin to destination is its one leg, by sea.
        legs = item.legs or (LegSpec(item.origin, item.destination, TransportMode.SEA),)
        prediction = eta_model.predict(
            legs=legs,
            times=item.times,
            baselines=item.baselines,
            last_event=item.last_event,
            as_of=as_of,
            distance_seconds=distance,
        )
        if prediction is None:
            without.append(item.consignment_id)
            continue
        rows.append(
            (
                item.consignment_id,
                item.corridor.pk if item.corridor else None,
                prediction.destination,
                prediction.predicted_arrival,
                prediction.p10,
                prediction.p90,
                item.last_event.event_time if item.last_event else None,
                prediction.basis(as_of=as_of),
                as_of,
            )
        )
    with transaction.atomic():
        ConsignmentEta.objects.filter(consignment_id__in=without).delete()
        bulk_upsert_values(ConsignmentEta, _ETA_COLUMNS, rows, unique_field="consignment")
    return len(rows)
