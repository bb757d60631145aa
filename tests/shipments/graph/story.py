"""The story the event graph tests share: one consignment from Kaohsiung to Los Angeles via Busan.

Pure data, no database: Formosa Exports ships a container from Kaohsiung (TWKHH) on MSC's voyage
IMO9321483/2103S to Busan (KRPUS), where Busan Newport transships it onto voyage IMO9703291/212E to
Los Angeles (USLAX); Pacific Imports accepts it. Terminals report in DCSA and
EPCIS, so some moves are reported twice; the container's events before and after its assignment
belong to other shipments, and the vessels report voyage-wide arrivals and departures.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import networkx as nx
from stdnum import iso6346

from apps.shipments.graph.build import build_event_graph
from apps.shipments.graph.types import EquipmentAssignment, Finding, GraphEvent, LegInfo, PartyInfo

CONTAINER = "MSCU123456" + iso6346.calc_check_digit("MSCU123456")
OTHER_CONTAINER = "MSCU765432" + iso6346.calc_check_digit("MSCU765432")
THIRD_CONTAINER = "MEDU123456" + iso6346.calc_check_digit("MEDU123456")
V1 = "IMO9321483/2103S"  # Kaohsiung -> Busan
V2 = "IMO9703291/212E"  # Busan -> Los Angeles
C1 = "CON-TW-2024-0042"
C0 = "CON-CN-2024-0007"  # the container's previous shipment
TAIPEI = timezone(timedelta(hours=8))
SGTIN = "urn:epc:id:sgtin:4712345.012345.1001"

COORDINATES = {  # degrees latitude, longitude
    "TWKHH": (22.61, 120.28),
    "TWTPE": (25.03, 121.52),
    "KRPUS": (35.10, 129.04),
    "CNSHA": (31.23, 121.49),
    "USLAX": (33.74, -118.27),
}
PARTIES = [
    PartyInfo(partner="formosa-exports", role="consignor"),
    PartyInfo(partner="pacific-imports", role="consignee"),
    PartyInfo(partner="msc", role="carrier"),
    PartyInfo(partner="kaohsiung-terminal", role="terminal_operator"),
    PartyInfo(partner="busan-newport", role="terminal_operator"),
    PartyInfo(partner="lax-terminal", role="terminal_operator"),
]


def distance_km(a: str, b: str) -> float | None:
    """Great-circle distance between two known UN/LOCODEs (None for unknown places)."""
    if a not in COORDINATES or b not in COORDINATES:
        return None
    (lat1, lon1), (lat2, lon2) = (map(math.radians, COORDINATES[x]) for x in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


def dcsa(key: str, code: str, when: datetime, location: str, *, recorder: str = "msc", **kw) -> GraphEvent:
    kw.setdefault("equipment", (CONTAINER,))
    kw.setdefault("event_type", "EQUIPMENT")
    return GraphEvent(
        key=key, event_id=key, recorder=recorder, step=code, event_time=when, location=location, source="dcsa-2.2", **kw
    )


def vessel(key: str, code: str, when: datetime, location: str, voyage: str) -> GraphEvent:
    return dcsa(key, code, when, location, equipment=(), event_type="TRANSPORT", voyage=voyage)


def epcis(key: str, step: str, when: datetime, location: str, *, recorder: str, **kw) -> GraphEvent:
    kw.setdefault("equipment", (CONTAINER,))
    return GraphEvent(
        key=key,
        event_id=f"urn:uuid:{key}",
        recorder=recorder,
        step=step,
        event_time=when,
        record_time=when + timedelta(minutes=5),
        location=location,
        event_type="ObjectEvent",
        source="epcis",
        **kw,
    )


def story_events() -> dict[str, GraphEvent]:
    events = [
        dcsa("e00-previous-gate-in", "GTIN", at(10, 8, month=2), "CNSHA", recorder="shanghai-terminal"),
        dcsa("e01-empty-pick-up", "GTOT", at(1, 2), "TWKHH"),
        epcis(
            "e02-shipping",
            "shipping",
            at(2, 6),
            "TWKHH",
            recorder="formosa-exports",
            consignments=(C1,),
            epcs=(SGTIN,),
        ),
        dcsa("e03-gate-in", "GTIN", datetime(2024, 3, 2, 18, 0, tzinfo=TAIPEI), "TWKHH", recorder="kaohsiung-terminal"),
        epcis("e04-receiving", "receiving", at(2, 10, 30), "TWKHH", recorder="kaohsiung-terminal"),
        epcis(
            "e05-wrong-departure",
            "departing",
            at(2, 12),
            "TWKHH",
            recorder="msc",
            consignments=(C1,),
            equipment=(),
            erroneous=True,
        ),
        vessel("v10-vessel-berths-twkhh", "ARRI", at(2, 20), "TWKHH", V1),
        dcsa("e06-load", "LOAD", at(3, 8), "TWKHH", voyage=V1),
        epcis("e07-loading", "loading", at(3, 9), "TWKHH", recorder="kaohsiung-terminal", voyage=V1),
        vessel("v11-departs-twkhh", "DEPA", at(3, 14), "TWKHH", V1),
        dcsa("d01-bl-issued", "ISSU", at(3, 16), "TWTPE", equipment=(), consignments=(C1,), event_type="SHIPMENT"),
        vessel("v12-arrives-krpus", "ARRI", at(5, 22), "KRPUS", V1),
        dcsa("e08-discharge-krpus", "DISC", at(6, 4), "KRPUS", recorder="busan-newport", voyage=V1),
        vessel("v13-departs-krpus", "DEPA", at(6, 18), "KRPUS", V1),
        dcsa("e09-load-krpus", "LOAD", at(8, 12), "KRPUS", recorder="busan-newport", voyage=V2),
        vessel("v20-departs-krpus", "DEPA", at(8, 20), "KRPUS", V2),
        vessel("v21-arrives-uslax", "ARRI", at(19, 16), "USLAX", V2),
        dcsa("e10-discharge-uslax", "DISC", at(20, 3), "USLAX", recorder="lax-terminal", voyage=V2),
        dcsa("e11-gate-out-uslax", "GTOT", at(21, 15), "USLAX", recorder="lax-terminal"),
        epcis(
            "e12-accepted",
            "accepting",
            at(22, 9),
            "USLAX",
            recorder="pacific-imports",
            consignments=(C1,),
            equipment=(),
        ),
        dcsa("e13-empty-return", "GTIN", at(23, 10), "USLAX", recorder="lax-terminal"),
    ]
    return {e.key: e for e in events}


ASSIGNMENT_END = at(22, 12)  # stripped at the consignee's; the empty return comes after


def story_assignments(end: datetime | None = ASSIGNMENT_END) -> list[EquipmentAssignment]:
    return [
        EquipmentAssignment(consignment=C0, equipment=CONTAINER, start=at(5, 0, month=2), end=at(20, 0, month=2)),
        EquipmentAssignment(consignment=C1, equipment=CONTAINER, start=at(1, 0), end=end),
    ]


def story_legs() -> dict[str, LegInfo]:
    legs = [
        LegInfo(
            key="L1",
            consignment=C1,
            sequence=1,
            mode="sea",
            origin="TWKHH",
            destination="KRPUS",
            voyage=V1,
            planned_departure=at(3, 12),
            planned_arrival=at(5, 20),
            actual_departure=at(3, 14),
            actual_arrival=at(5, 22),
        ),
        LegInfo(
            key="L2",
            consignment=C1,
            sequence=2,
            mode="sea",
            origin="KRPUS",
            destination="USLAX",
            voyage=V2,
            planned_departure=at(8, 18),
            planned_arrival=at(19, 12),
            actual_departure=at(8, 20),
            actual_arrival=at(19, 16),
        ),
    ]
    return {leg.key: leg for leg in legs}


def story_graph(
    events: dict[str, GraphEvent] | None = None,
    legs: dict[str, LegInfo] | None = None,
    assignments: list[EquipmentAssignment] | None = None,
) -> nx.MultiDiGraph:
    return build_event_graph(
        (events or story_events()).values(),
        story_assignments() if assignments is None else assignments,
        (legs or story_legs()).values(),
    )


def with_changes(**changes: dict) -> dict[str, GraphEvent]:
    """The story with some events changed: ``with_changes(e08=dict(event_time=...))`` (key prefix)."""
    events = story_events()
    for prefix, fields in changes.items():
        (key,) = [k for k in events if k.startswith(prefix.replace("_", "-") + "-")]
        events[key] = replace(events[key], **fields)
    return events


def kinds_of(findings: list[Finding]) -> set[str]:
    return {f.kind for f in findings}


def only(findings: list[Finding], kind: str, subject: str) -> Finding:
    (finding,) = [f for f in findings if f.kind == kind and f.subject == subject]
    return finding
