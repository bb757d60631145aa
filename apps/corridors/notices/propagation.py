"""Which consignments, voyages and corridors a notice touches, and the ``notice`` alerts that follow.

A notice touches a consignment when its place (or voyage) lies on the consignment's *remaining* route
within the notice's window, judged as of ``as_of`` (never the clock: the caller passes the moment):

- **a place** P, by the consignment's planned legs and their actual times (what its events derived):
  - it still has to *leave* P (a leg from P not departed by ``as_of``): its stay at P runs from its
    arrival there (the latest planned arrival of the legs before, or already there) to the leg's planned
    departure; the stay touches the window when it starts by the window's end and ends at or after its
    start;
  - P is its final destination and it has not arrived: the planned arrival falls in the window;
  - a consignment without legs: its origin while booked, its destination until it arrives, only while
    the notice is in force (nothing says when it will be there).
- **a voyage** (vessel IMO and voyage number, or the number alone): a leg on it not yet arrived whose
  planned departure (unless it already left) is by the window's end and planned arrival at or after its
  start. With a place as well, only the voyage's legs from or to that place count.

Anything still to happen cannot happen before ``as_of``: a planned time already past counts as
``as_of`` (the consignment is late, so still there or still coming), and so does a missing one.

Everything is a handful of set-based queries whatever the number of consignments (no per-consignment
loop over the table); the alerts go through ``alerts_sync``'s bulk path with the notice's ``key`` as
their ``rule``, and every open alert of the notice not found again is resolved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import translation

from apps.core import work
from apps.core.words import Text, gettext_noop
from apps.corridors.models import Corridor
from apps.corridors.notices.models import Notice, NoticeKind
from apps.corridors.selectors import corridors_for_consignments
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertSubject
from apps.disruptions.services import CHUNK, Finding, SyncResult, alerts_sync
from apps.partners.models import Partner
from apps.shipments import places
from apps.shipments.choices import ConsignmentStatus
from apps.shipments.models import TOUCHING_PLACES, Consignment, ConsignmentParty, Leg

SEVERITY = {
    NoticeKind.PORT_CLOSURE: AlertSeverity.CRITICAL,
    NoticeKind.CONFLICT: AlertSeverity.CRITICAL,
    NoticeKind.WEATHER: AlertSeverity.WARNING,
    NoticeKind.STRIKE: AlertSeverity.WARNING,
    NoticeKind.TARIFF_CHANGE: AlertSeverity.INFO,
}

LEG_FIELDS = (
    "consignment_id",
    "sequence",
    "mode",
    "origin",
    "destination",
    "vessel_imo",
    "voyage_number",
    "carrier_id",
    "planned_departure",
    "planned_arrival",
    "consignment__reference",
    "consignment__created_by_id",
    "consignment__corridor",
)


@dataclass(frozen=True)
class Touch:
    """One consignment a notice touches, by which leg (none for a consignment without legs) and how."""

    consignment_id: Any
    reference: str
    created_by_id: Any
    corridor: str
    how: str  # "departure" from the place, "arrival" at it, "voyage", "origin" or "destination" (no legs)
    leg: dict[str, Any] | None = None


@dataclass
class Reach:
    """What one propagation reached, and what it did to the alerts."""

    consignments: int = 0
    voyages: int = 0
    corridors: int = 0
    partners: int = 0
    result: SyncResult = field(default_factory=SyncResult)

    def as_json(self) -> dict[str, Any]:
        return {
            "consignments": self.consignments,
            "voyages": self.voyages,
            "corridors": self.corridors,
            "partners": self.partners,
            "raised": sum(self.result.raised.values()),
            "refreshed": sum(self.result.refreshed.values()),
            "resolved": sum(self.result.resolved.values()),
        }


# --- Which legs a notice touches (set-based) -----------------------------------------------------------


def _moment(value: datetime) -> Value:
    return Value(value, output_field=DateTimeField())


def _not_departed(as_of: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}actual_departure__isnull": True}) | Q(**{f"{prefix}actual_departure__gt": as_of})


def _not_arrived(as_of: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}actual_arrival__isnull": True}) | Q(**{f"{prefix}actual_arrival__gt": as_of})


def _voyage_filter(notice: Notice) -> Q:
    condition = Q(voyage_number=notice.voyage_number)
    return condition & Q(vessel_imo=notice.vessel_imo) if notice.vessel_imo else condition


def _leaving(place: str, *, starts: datetime, ends: datetime | None, as_of: datetime, voyage: Q | None) -> QuerySet:
    """Legs from ``place`` not yet departed, whose stay at the place overlaps the window."""
    legs = Leg.objects.filter(_not_departed(as_of), origin=place)
    if voyage is not None:
        legs = legs.filter(voyage)
    if as_of < starts:
        # Leaves after the window opens (a planned departure already past, or unknown, is "now").
        legs = legs.annotate(_departs=Coalesce("planned_departure", _moment(as_of))).filter(_departs__gte=starts)
    if ends is not None:
        # Arrives at the place by the window's end: no earlier leg still to arrive after it.
        late_before = (
            Leg.objects.filter(consignment_id=OuterRef("consignment_id"), sequence__lt=OuterRef("sequence"))
            .filter(_not_arrived(as_of))
            .annotate(_arrives=Coalesce("planned_arrival", _moment(as_of)))
            .filter(_arrives__gt=ends)
        )
        legs = legs.filter(~Exists(late_before))
    return legs


def _arriving(place: str, *, starts: datetime, ends: datetime | None, as_of: datetime, voyage: Q | None) -> QuerySet:
    """Legs into ``place`` not yet arrived, arriving within the window: the last leg (the place is the final
    destination; a leg onwards is judged by ``_leaving``), or with a voyage any of its legs into the place."""
    legs = Leg.objects.filter(_not_arrived(as_of), destination=place)
    if voyage is None:
        later = Leg.objects.filter(consignment_id=OuterRef("consignment_id"), sequence__gt=OuterRef("sequence"))
        legs = legs.filter(~Exists(later))
    else:
        legs = legs.filter(voyage)
    legs = legs.annotate(_arrives=Coalesce("planned_arrival", _moment(as_of)))
    if as_of < starts:
        legs = legs.filter(_arrives__gte=starts)
    if ends is not None:
        legs = legs.filter(_arrives__lte=ends)
    return legs


def _on_voyage(voyage: Q, *, starts: datetime, ends: datetime | None, as_of: datetime) -> QuerySet:
    """Legs on the voyage not yet arrived whose planned span overlaps the window."""
    legs = Leg.objects.filter(voyage).filter(_not_arrived(as_of))
    if ends is not None:
        departs = Coalesce("planned_departure", _moment(as_of))
        legs = legs.annotate(_departs=departs).filter(~_not_departed(as_of) | Q(_departs__lte=ends))
    if as_of < starts:
        legs = legs.annotate(_arrives=Coalesce("planned_arrival", _moment(as_of))).filter(_arrives__gte=starts)
    return legs


def _legless(place: str) -> QuerySet:
    """Consignments without legs that start or end at the place and have not got there yet."""
    return Consignment.objects.filter(~Exists(Leg.objects.filter(consignment_id=OuterRef("pk")))).filter(
        Q(origin=place, status=ConsignmentStatus.BOOKED)
        | Q(destination=place, status__in=[ConsignmentStatus.BOOKED, ConsignmentStatus.IN_TRANSIT])
    )


def _leg_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "sequence": row["sequence"],
        "mode": row["mode"],
        "origin": row["origin"],
        "destination": row["destination"],
        "vessel_imo": row["vessel_imo"],
        "voyage_number": row["voyage_number"],
        "planned_departure": row["planned_departure"].isoformat() if row["planned_departure"] else None,
        "planned_arrival": row["planned_arrival"].isoformat() if row["planned_arrival"] else None,
    }


def touches(
    notice: Notice, *, as_of: datetime, among: Sequence[Any] | None = None
) -> tuple[list[Touch], list[dict[str, Any]]]:
    """The consignments the notice touches as of ``as_of`` (one ``Touch`` each) and the touching legs' rows;
    with ``among``, only those of these consignment ids.

    Nothing once the window has closed (its end, or staff ended the notice) at or before ``as_of``.
    """
    ends = notice.window_end()
    if ends is not None and ends <= as_of:
        return [], []
    starts = notice.starts_at
    voyage = _voyage_filter(notice) if notice.voyage_number else None
    sources: list[tuple[str, QuerySet]] = []
    if notice.place:
        sources.append(("departure", _leaving(notice.place, starts=starts, ends=ends, as_of=as_of, voyage=voyage)))
        sources.append(("arrival", _arriving(notice.place, starts=starts, ends=ends, as_of=as_of, voyage=voyage)))
    elif voyage is not None:
        sources.append(("voyage", _on_voyage(voyage, starts=starts, ends=ends, as_of=as_of)))
    found: dict[Any, Touch] = {}
    rows: list[dict[str, Any]] = []
    for how, legs in sources:
        chosen = legs if among is None else legs.filter(consignment_id__in=among)
        for row in chosen.order_by("consignment_id", "sequence").values(*LEG_FIELDS):
            rows.append(row)
            if row["consignment_id"] not in found:
                found[row["consignment_id"]] = Touch(
                    consignment_id=row["consignment_id"],
                    reference=row["consignment__reference"],
                    created_by_id=row["consignment__created_by_id"],
                    corridor=row["consignment__corridor"],
                    how=how,
                    leg=_leg_json(row),
                )
    if notice.place and voyage is None and starts <= as_of:
        legless = _legless(notice.place) if among is None else _legless(notice.place).filter(pk__in=among)
        for pk, reference, created_by_id, corridor, origin in legless.values_list(
            "pk", "reference", "created_by_id", "corridor", "origin"
        ):
            how = "origin" if origin == notice.place else "destination"
            found.setdefault(pk, Touch(pk, reference, created_by_id, corridor, how))
    return list(found.values()), rows


# --- Who may see what was touched ---------------------------------------------------------------------


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def viewers(touched: Sequence[Touch]) -> dict[Any, set[Any]]:
    """Per consignment id, the partners entitled to see it: parties, its creator, customs of the countries
    it touches (``ConsignmentQuerySet.for_partner``'s rule, over loaded rows, a few queries per ``CHUNK``)."""
    seen: dict[Any, set[Any]] = {touch.consignment_id: {touch.created_by_id} for touch in touched}
    ids = list(seen)
    for chunk in _chunks(ids):
        for consignment_id, partner_id in ConsignmentParty.objects.filter(consignment_id__in=chunk).values_list(
            "consignment_id", "partner_id"
        ):
            seen[consignment_id].add(partner_id)
    customs: dict[str, list[Any]] = defaultdict(list)
    for pk, country in (
        Partner.objects.filter(is_active=True).exclude(serves_country="").values_list("pk", "serves_country")
    ):
        customs[country].append(pk)
    if not customs:
        return seen
    countries: dict[Any, set[str]] = defaultdict(set)
    for chunk in _chunks(ids):
        for row in Consignment.objects.filter(pk__in=chunk).values_list("pk", *TOUCHING_PLACES):
            countries[row[0]].update(code[:2] for code in row[1:] if code)
        for row in Leg.objects.filter(consignment_id__in=chunk).values_list("consignment_id", *TOUCHING_PLACES):
            countries[row[0]].update(code[:2] for code in row[1:] if code)
    for consignment_id, codes in countries.items():
        for code in codes:
            seen[consignment_id].update(customs.get(code, ()))
    return seen


# --- Findings -------------------------------------------------------------------------------------------


def _place_words(code: str) -> str:
    name = places.port_names().get(code, "")
    return f"{name} ({code})" if name else code


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else Text(gettext_noop("until further notice"))


def notice_json(notice: Notice) -> dict[str, Any]:
    """The notice as evidence names it: enough to find it and check what it says."""
    return {
        "id": str(notice.pk),
        "kind": notice.kind,
        "title": notice.title,
        "place": notice.place,
        "voyage": notice.voyage,
        "starts_at": notice.starts_at.isoformat(),
        "ends_at": notice.window_end().isoformat() if notice.window_end() else None,
        "source": notice.source,
    }


def _kind_words(kind: str) -> Text:
    """The notice's kind as its label's English (the catalogue's msgid), so a page says it in its own language."""
    with translation.override("en"):
        return Text(str(NoticeKind(kind).label) if kind in NoticeKind.values else kind)


def _what(notice: Notice) -> Text:
    """The notice in a few words: "Weather at Kaohsiung (TWKHH)", "Strike on voyage 9234567/042E"."""
    return _what_of(notice.kind, notice.place or "", notice.voyage or "")


def _what_of(kind_code: str, place: str, voyage: str) -> Text:
    kind = _kind_words(kind_code)
    if place and voyage:
        return Text(
            gettext_noop("%(kind)s at %(place)s for voyage %(voyage)s"),
            kind=kind,
            place=_place_words(place),
            voyage=voyage,
        )
    if place:
        return Text(gettext_noop("%(kind)s at %(place)s"), kind=kind, place=_place_words(place))
    return Text(gettext_noop("%(kind)s on voyage %(voyage)s"), kind=kind, voyage=voyage)


def _window(notice: Notice) -> Text:
    return _window_of(notice.starts_at, notice.window_end())


def _window_of(starts_at: datetime, ends_at: datetime | None) -> Text:
    return Text(gettext_noop("from %(start)s to %(end)s"), start=_when(starts_at), end=_when(ends_at))


def _consignment_summary(
    what: Text, window: Text, source: str, *, how: str, leg: Mapping[str, Any] | None, place: str
) -> Text:
    return Text(
        gettext_noop("%(what)s %(window)s (%(source)s). This consignment's remaining route meets it: %(how)s."),
        what=what,
        window=window,
        source=source,
        how=_touch_words(how, leg, place),
    )


def consignment_notice_words(evidence: Mapping[str, Any]) -> tuple[Text, Text] | None:
    """A consignment's notice alert's title and summary as a page says them, from its evidence (the notice as
    the evidence names it, how it meets the route, the leg): these alerts are raised by the ten thousand, so
    their words are not stored twice. ``None`` when the evidence does not say enough."""
    about = evidence.get("notice")
    if not isinstance(about, Mapping) or not about.get("kind") or not about.get("starts_at"):
        return None
    try:
        starts_at = datetime.fromisoformat(about["starts_at"])
        ends_at = datetime.fromisoformat(about["ends_at"]) if about.get("ends_at") else None
    except (TypeError, ValueError):
        return None
    place = about.get("place") or ""
    what = _what_of(about["kind"], place, about.get("voyage") or "")
    leg = evidence.get("leg") if isinstance(evidence.get("leg"), Mapping) else None
    title = Text("%(what)s: %(title)s", what=what, title=about.get("title", ""))
    summary = _consignment_summary(
        what,
        _window_of(starts_at, ends_at),
        about.get("source", ""),
        how=str(evidence.get("touches", "")),
        leg=leg,
        place=place,
    )
    return title, summary


# What a touched consignment's leg is still to do, by how the notice touches it.
_LEG_TOUCHES = {
    "departure": gettext_noop(
        "leg %(sequence)s %(origin)s→%(destination)s%(voyage)s is still to depart %(origin)s, planned %(departure)s"
    ),
    "arrival": gettext_noop(
        "leg %(sequence)s %(origin)s→%(destination)s%(voyage)s is still to arrive at %(destination)s, "
        "planned %(arrival)s"
    ),
    "voyage": gettext_noop(
        "leg %(sequence)s %(origin)s→%(destination)s%(voyage)s has not arrived yet: planned %(departure)s to "
        "%(arrival)s"
    ),
}


def _touch_words(how: str, leg: Mapping[str, Any] | None, place: str) -> Text:
    if leg is None:
        return Text(
            gettext_noop(
                "its %(how)s is %(place)s and it has no planned legs, so it counts as affected while the notice is "
                "in force"
            ),
            how=Text(_TOUCH_HOW.get(how, how)),
            place=place,
        )
    voyage = Text(gettext_noop(" on voyage %(voyage)s"), voyage=leg["voyage_number"]) if leg["voyage_number"] else ""
    return Text(
        _LEG_TOUCHES.get(how, _LEG_TOUCHES["voyage"]),
        sequence=leg["sequence"],
        origin=leg["origin"],
        destination=leg["destination"],
        voyage=voyage,
        departure=_when_iso(leg["planned_departure"]),
        arrival=_when_iso(leg["planned_arrival"]),
    )


# "its origin is TWKHH": the end of the route a consignment without legs is touched at.
_TOUCH_HOW = {"origin": gettext_noop("origin"), "destination": gettext_noop("destination")}


def _when_iso(value: str | None) -> str:
    return _when(datetime.fromisoformat(value)) if value else Text(gettext_noop("(no planned time)"))


def findings(notice: Notice, *, as_of: datetime) -> tuple[dict[Any, list[Finding]], Reach]:
    """The findings of one notice as of ``as_of``, per partner, and what they reached."""
    touched, rows = touches(notice, as_of=as_of)
    reach = Reach(consignments=len(touched))
    by_partner: dict[Any, list[Finding]] = defaultdict(list)
    live = notice.window_end() is None or notice.window_end() > as_of
    if not live:
        return by_partner, reach
    what, window = _what(notice), _window(notice)
    severity = SEVERITY.get(notice.kind, AlertSeverity.WARNING)
    _consignment_findings(notice, touched, by_partner)
    reach.voyages = _voyage_findings(notice, rows, by_partner, what=what, window=window, severity=severity)
    reach.corridors = _corridor_findings(notice, touched, by_partner, what=what, window=window, severity=severity)
    reach.partners = len(by_partner)
    return by_partner, reach


def _consignment_findings(notice: Notice, touched: Sequence[Touch], by_partner: dict[Any, list[Finding]]) -> None:
    """One finding per touched consignment, for every partner who may see it."""
    about = notice_json(notice)
    what, window = _what(notice), _window(notice)
    severity = SEVERITY.get(notice.kind, AlertSeverity.WARNING)
    place = notice.place or ""
    title = Text("%(what)s: %(title)s", what=what, title=notice.title)
    for touch, partners in _zip_viewers(touched):
        evidence = {
            "summary": _consignment_summary(what, window, notice.source, how=touch.how, leg=touch.leg, place=place),
            "notice": about,
            "touches": touch.how,
            "leg": touch.leg,
            "events": [],
        }
        finding = Finding(
            kind=AlertKind.NOTICE,
            subject_type=AlertSubject.CONSIGNMENT,
            subject_id=str(touch.consignment_id),
            title=title,
            evidence=evidence,
            rule=notice.key,
            severity=severity,
            consignment_id=touch.consignment_id,
            corridor_id=touch.corridor or None,
            # Said again from the evidence on the pages (consignment_notice_words), not stored per alert.
            worded=False,
        )
        for partner in partners:
            by_partner[partner].append(finding)


def _zip_viewers(touched: Sequence[Touch]) -> Iterable[tuple[Touch, set[Any]]]:
    seen = viewers(touched)
    return ((touch, seen[touch.consignment_id]) for touch in touched)


def _voyage_findings(
    notice: Notice,
    rows: list[dict[str, Any]],
    by_partner: dict[Any, list[Finding]],
    *,
    what: str,
    window: str,
    severity: str,
) -> int:
    """One alert per voyage whose remaining calls the notice touches, for the carriers running it."""
    voyages: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not row["voyage_number"]:
            continue
        name = f"{row['vessel_imo']}/{row['voyage_number']}" if row["vessel_imo"] else row["voyage_number"]
        entry = voyages.setdefault(name, {"carriers": set(), "consignments": set(), "legs": set()})
        if row["carrier_id"]:
            entry["carriers"].add(row["carrier_id"])
        entry["consignments"].add(row["consignment_id"])
        entry["legs"].add((row["origin"], row["destination"]))
    for name, entry in voyages.items():
        legs = sorted(f"{a}→{b}" for a, b in entry["legs"])
        finding = Finding(
            kind=AlertKind.NOTICE,
            subject_type=AlertSubject.VOYAGE,
            subject_id=name,
            title=Text(
                gettext_noop("%(what)s: %(title)s (voyage %(voyage)s)"), what=what, title=notice.title, voyage=name
            ),
            evidence={
                "summary": Text(
                    gettext_noop(
                        "%(what)s %(window)s (%(source)s). Voyage %(voyage)s still has to call there (%(legs)s) with "
                        "%(count)s consignment(s) on board or booked."
                    ),
                    what=what,
                    window=window,
                    source=notice.source,
                    voyage=name,
                    legs=", ".join(legs),
                    count=len(entry["consignments"]),
                ),
                "notice": notice_json(notice),
                "voyage": name,
                "legs": legs,
                "consignments": len(entry["consignments"]),
                "events": [],
            },
            rule=notice.key,
            severity=severity,
        )
        for carrier in entry["carriers"]:
            by_partner[carrier].append(finding)
    return len(voyages)


def _corridor_findings(
    notice: Notice,
    touched: Sequence[Touch],
    by_partner: dict[Any, list[Finding]],
    *,
    what: str,
    window: str,
    severity: str,
) -> int:
    """One alert per active corridor the notice touches, for its owner and members: a corridor whose nodes
    include the place, or (a voyage notice) a corridor some touched consignment is placed on or runs along
    (judged on the first ``CHUNK`` of them: a voyage carries a few thousand at most)."""
    corridors = list(Corridor.objects.active().prefetch_related("members"))
    if notice.place:
        hit = [c for c in corridors if notice.place in c.nodes]
    else:
        slugs = {touch.corridor for touch in touched if touch.corridor}
        consignments = list(Consignment.objects.filter(pk__in=[t.consignment_id for t in touched[:CHUNK]]))
        slugs |= {c.slug for c in corridors_for_consignments(consignments).values() if c is not None}
        hit = [c for c in corridors if c.slug in slugs]
    for corridor in hit:
        on_it = sum(1 for touch in touched if touch.corridor == corridor.slug)
        finding = Finding(
            kind=AlertKind.NOTICE,
            subject_type=AlertSubject.CORRIDOR,
            subject_id=corridor.slug,
            title=Text(
                gettext_noop("%(what)s: %(title)s (corridor %(corridor)s)"),
                what=what,
                title=notice.title,
                corridor=corridor.name,
            ),
            evidence={
                "summary": Text(
                    gettext_noop("%(what)s %(window)s (%(source)s). %(place)s is a node of the corridor (%(nodes)s)."),
                    what=what,
                    window=window,
                    source=notice.source,
                    place=notice.place,
                    nodes=" → ".join(corridor.nodes),
                )
                if notice.place
                else Text(
                    gettext_noop(
                        "%(what)s %(window)s (%(source)s). Consignments on the corridor travel on voyage %(voyage)s."
                    ),
                    what=what,
                    window=window,
                    source=notice.source,
                    voyage=notice.voyage,
                ),
                "notice": notice_json(notice),
                "nodes": list(corridor.nodes),
                "consignments_marked_on_corridor": on_it,
                "events": [],
            },
            rule=notice.key,
            severity=severity,
            corridor_id=corridor.slug,
        )
        for partner in {corridor.owner_id, *(m.pk for m in corridor.members.all())}:
            by_partner[partner].append(finding)
    return len(hit)


def notice_propagate(notice: Notice, *, as_of: datetime) -> Reach:
    """Bring the notice's alerts in line with what it touches as of ``as_of``: raise, refresh, resolve.

    Every open alert of the notice (its ``key`` is their ``rule``) not found again is resolved, so an
    edited place or window, an ended notice or a passed window clears what no longer holds.
    """
    by_partner, reach = findings(notice, as_of=as_of)
    reach.result = alerts_sync(
        findings_by_partner=by_partner, checked=(), as_of=as_of, checked_rules=[(AlertKind.NOTICE, notice.key)]
    )
    return reach


def consignments_notices_check(*, consignment_ids: Iterable[Any], as_of: datetime) -> SyncResult:
    """Bring the given consignments' ``notice`` alerts in line with the notices in force or ahead as of
    ``as_of``, after new events moved them (a leg departed, an arrival, a new leg): raise, refresh, resolve.

    Only the consignments' own alerts: a voyage's or corridor's follow at the notice's next propagation (the
    beat's refresh). Notices are read once; only those whose place or voyage lies on one of these
    consignments' routes are judged, each in a few queries over the batch, so the cost does not grow
    with the number of consignments loaded.
    """
    ids = list(dict.fromkeys(Consignment._meta.pk.to_python(pk) for pk in consignment_ids))
    places: set[str] = set()
    voyages: set[str] = set()
    for chunk in _chunks(ids):
        for origin, destination, voyage_number in Leg.objects.filter(consignment_id__in=chunk).values_list(
            "origin", "destination", "voyage_number"
        ):
            places.update((origin, destination))
            voyages.add(voyage_number)
        for origin, destination in Consignment.objects.filter(pk__in=chunk).values_list("origin", "destination"):
            places.update((origin, destination))
    places.discard("")
    voyages.discard("")
    by_partner: dict[Any, list[Finding]] = defaultdict(list)
    if places or voyages:
        notices = Notice.objects.in_force_or_ahead(as_of).filter(Q(place__in=places) | Q(voyage_number__in=voyages))
        for notice in notices.order_by("created_at", "pk"):
            for chunk in _chunks(ids):
                touched, _ = touches(notice, as_of=as_of, among=chunk)
                _consignment_findings(notice, touched, by_partner)
    checked = {(AlertKind.NOTICE, AlertSubject.CONSIGNMENT, str(pk)) for pk in ids}
    return alerts_sync(findings_by_partner=by_partner, checked=checked, as_of=as_of)


# --- The ledger: one notice at a time, claimed; the sweep and the refresh ----------------------------------


def notice_propagation_run(*, notice_id: Any, as_of: datetime) -> Reach | None:
    """Propagate one notice under a claim (None: another worker has it, or it is gone), then clear its due mark.

    The mark is cleared only if no write came in meanwhile (compare-and-set on ``propagation_due_at``),
    so an edit made while this ran is propagated again.
    """
    with work.claimed(Notice, notice_id, stale_after=work.claim_lifetime()) as ours:
        if not ours:
            return None
        notice = Notice.objects.filter(pk=notice_id).first()
        if notice is None:
            return None
        due = notice.propagation_due_at
        reach = notice_propagate(notice, as_of=as_of)
        Notice.objects.filter(pk=notice.pk).update(propagated_at=as_of, reach=reach.as_json())
        if due is not None:
            Notice.objects.filter(pk=notice.pk, propagation_due_at=due).update(propagation_due_at=None)
    return reach


def notices_to_refresh(*, as_of: datetime, every: timedelta) -> list[str]:
    """The notices the beat re-propagates as of ``as_of``: pending ones whose message was lost (due longer than
    the sweep interval) or whose worker died, and live ones last propagated ``every`` ago or more (routes move:
    consignments leave the place, new ones are booked), and those whose window closed since their last run
    (so their alerts resolve)."""
    stale = work.stale(
        Notice.objects.filter(propagation_due_at__isnull=False),
        waiting_since="propagation_due_at",
        waited=timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS),
        stale_after=work.claim_lifetime(),
    )
    live = Notice.objects.filter(propagation_due_at__isnull=True).filter(
        Q(propagated_at__isnull=True) | Q(propagated_at__lte=as_of - every)
    )
    live = live.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=F("propagated_at")) | Q(propagated_at__isnull=True))
    live = live.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=F("propagated_at")) | Q(propagated_at__isnull=True))
    held = set(work.held(Notice, stale_after=work.claim_lifetime()).values_list("pk", flat=True))
    ids = list(stale.values_list("pk", flat=True)) + [pk for pk in live.values_list("pk", flat=True) if pk not in held]
    return [str(pk) for pk in dict.fromkeys(ids)]
