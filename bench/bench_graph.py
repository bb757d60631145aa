"""How long does an event graph take to build, per consignment and whole? Run by hand:
``.venv/bin/python bench/bench_graph.py``.

DESIGN §8b: per-consignment graphs are built from bounded queries, never from a whole-table graph;
§9 measured about 0.4 s for a 100k-node networkx graph. This builds, with the same
``build_event_graph``, one consignment with 200 events (two containers, two sea legs with a
transshipment, EPCIS and DCSA reports of the same moves, voyage-wide vessel events, reefer readings)
and a whole graph of about 100,000 nodes made of many smaller such consignments (20 to a voyage),
and prints the medians and their ratio, with the analyses on the per-consignment graph.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import iso6346

from apps.shipments.graph.build import build_event_graph, corroborating_pairs
from apps.shipments.graph.consistency import inconsistencies
from apps.shipments.graph.custody import chain_of_custody
from apps.shipments.graph.timeline import timeline
from apps.shipments.graph.types import EquipmentAssignment, GraphEvent, LegInfo

BASE = datetime(2024, 1, 1, tzinfo=UTC)
PER_CONSIGNMENT_EVENTS = 200
WHOLE_EVENTS_EACH = 40
WHOLE_TARGET_NODES = 100_000
CONSIGNMENTS_PER_VOYAGE = 20
ROUNDS_SMALL = 200
ROUNDS_WHOLE = 5

# (step, source, location, which voyage, hours after the start); the container's moves.
CONTAINER_MOVES = [
    ("GTOT", "dcsa-2.2", "TWKHH", 0, 0),
    ("GTIN", "dcsa-2.2", "TWKHH", 0, 32),
    ("receiving", "epcis", "TWKHH", 0, 32.5),
    ("LOAD", "dcsa-2.2", "TWKHH", 1, 54),
    ("loading", "epcis", "TWKHH", 1, 55),
    ("DISC", "dcsa-2.2", "KRPUS", 1, 122),
    ("LOAD", "dcsa-2.2", "KRPUS", 2, 178),
    ("DISC", "dcsa-2.2", "USLAX", 2, 457),
    ("GTOT", "dcsa-2.2", "USLAX", 0, 493),
]
VESSEL_MOVES = [
    ("DEPA", "TWKHH", 1, 60),
    ("ARRI", "KRPUS", 1, 116),
    ("DEPA", "KRPUS", 2, 186),
    ("ARRI", "USLAX", 2, 446),
]
JOURNEY_HOURS = 511
DISTANCES = {frozenset(("TWKHH", "KRPUS")): 1628.0, frozenset(("KRPUS", "USLAX")): 9600.0}


def distance_km(a: str, b: str) -> float | None:
    return DISTANCES.get(frozenset((a, b)))


def container_number(index: int) -> str:
    body = f"MSCU{index % 1_000_000:06d}"
    return body + iso6346.calc_check_digit(body)


def consignment_inputs(
    index: int, events_wanted: int
) -> tuple[list[GraphEvent], list[EquipmentAssignment], list[LegInfo]]:
    """One consignment's events (about ``events_wanted``), assignments and legs, on shared voyages."""
    group = index // CONSIGNMENTS_PER_VOYAGE
    start = BASE + timedelta(days=3 * group)
    consignment = f"CON-{index:06d}"
    voyages = {0: "", 1: f"IMO9321483/{group:04d}S", 2: f"IMO9703291/{group:04d}E"}
    boxes = [container_number(2 * index), container_number(2 * index + 1)]

    def hours(h: float) -> datetime:
        return start + timedelta(hours=h)

    events = [
        GraphEvent(
            key=f"{box}-{n}-{index}",
            recorder="msc" if source.startswith("dcsa") else "terminal",
            step=step,
            event_time=hours(h + n_box * 0.25),
            location=location,
            equipment=(box,),
            voyage=voyages[v],
            event_type="EQUIPMENT" if source.startswith("dcsa") else "ObjectEvent",
            source=source,
        )
        for n_box, box in enumerate(boxes)
        for n, (step, source, location, v, h) in enumerate(CONTAINER_MOVES)
    ]
    events += [
        GraphEvent(
            key=f"{voyages[v]}-{code}-{location}",
            recorder="msc",
            step=code,
            event_time=hours(h),
            location=location,
            voyage=voyages[v],
            event_type="TRANSPORT",
            source="dcsa-2.2",
        )
        for code, location, v, h in VESSEL_MOVES
    ]
    events += [
        GraphEvent(
            key=f"{consignment}-shipping",
            recorder="shipper",
            step="shipping",
            event_time=hours(28),
            location="TWKHH",
            consignments=(consignment,),
            equipment=tuple(boxes),
            source="epcis",
        ),
        GraphEvent(
            key=f"{consignment}-accepted",
            recorder="consignee",
            step="accepting",
            event_time=hours(511),
            location="USLAX",
            consignments=(consignment,),
            source="epcis",
        ),
    ]
    readings = max(0, events_wanted - len(events))
    events += [
        GraphEvent(
            key=f"{consignment}-reefer-{n}",
            recorder="msc",
            step="REEFER",
            event_time=hours(JOURNEY_HOURS * (n + 0.5) / readings),
            equipment=(boxes[n % 2],),
            event_type="REEFER",
            source="dcsa-3.0",
        )
        for n in range(readings)
    ]
    assignments = [
        EquipmentAssignment(consignment=consignment, equipment=box, start=hours(-1), end=hours(520)) for box in boxes
    ]
    legs = [
        LegInfo(
            key=f"{consignment}-L{n}",
            consignment=consignment,
            sequence=n,
            mode="sea",
            origin=origin,
            destination=destination,
            voyage=voyages[n],
            planned_departure=hours(dep),
            planned_arrival=hours(arr),
            actual_departure=hours(dep),
            actual_arrival=hours(arr),
        )
        for n, origin, destination, dep, arr in [(1, "TWKHH", "KRPUS", 60, 116), (2, "KRPUS", "USLAX", 186, 446)]
    ]
    return events, assignments, legs


def whole_inputs(target_nodes: int) -> tuple[list[GraphEvent], list[EquipmentAssignment], list[LegInfo]]:
    """Enough consignments of ``WHOLE_EVENTS_EACH`` events for about ``target_nodes`` graph nodes."""
    sample = build_event_graph(*consignment_inputs(0, WHOLE_EVENTS_EACH)).number_of_nodes()
    events: dict[str, GraphEvent] = {}
    assignments: list[EquipmentAssignment] = []
    legs: list[LegInfo] = []
    for index in range(target_nodes // (sample - 6)):  # its 2 voyages and 4 vessel events are shared by 20
        its_events, its_assignments, its_legs = consignment_inputs(index, WHOLE_EVENTS_EACH)
        events.update((e.key, e) for e in its_events)
        assignments += its_assignments
        legs += its_legs
    return list(events.values()), assignments, legs


def median_ms(function: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        begin = time.perf_counter()
        function()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


def main() -> None:
    small = consignment_inputs(1, PER_CONSIGNMENT_EVENTS)
    consignment = small[2][0].consignment
    graph = build_event_graph(*small)
    assert not inconsistencies(graph, distance_km=distance_km), "the generated consignment should be consistent"
    whole = whole_inputs(WHOLE_TARGET_NODES)
    whole_graph = build_event_graph(*whole)
    print(f"per consignment: {len(small[0])} events, {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")
    print(
        f"whole graph:     {len(whole[0])} events, {whole_graph.number_of_nodes()} nodes, "
        f"{whole_graph.number_of_edges()} edges, {len({leg.consignment for leg in whole[2]})} consignments"
    )
    del whole_graph

    build_small = median_ms(lambda: build_event_graph(*small), ROUNDS_SMALL)
    build_whole = median_ms(lambda: build_event_graph(*whole), ROUNDS_WHOLE)
    print(f"build, per consignment (median of {ROUNDS_SMALL}): {build_small:9.3f} ms")
    print(f"build, whole graph (median of {ROUNDS_WHOLE}):       {build_whole:9.3f} ms")
    print(f"ratio whole / per consignment:           {build_whole / build_small:9.0f} x")
    analyses = {
        "timeline": lambda: timeline(graph, consignment),
        "chain_of_custody": lambda: chain_of_custody(graph, consignment),
        "inconsistencies": lambda: inconsistencies(graph, distance_km=distance_km),
        "corroborating_pairs": lambda: corroborating_pairs(small[0]),
    }
    for name, function in analyses.items():
        print(f"{name + ', per consignment:':40} {median_ms(function, ROUNDS_SMALL):9.3f} ms")


if __name__ == "__main__":
    main()
