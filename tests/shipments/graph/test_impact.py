"""Which consignments a place, a voyage or a container affects.

On the Kaohsiung to Los Angeles story of ``story.py``; pure functions, no database.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest

from apps.shipments.graph.build import build_event_graph
from apps.shipments.graph.impact import impact
from apps.shipments.graph.types import (
    EquipmentAssignment,
    LegInfo,
)
from tests.shipments.graph.story import (
    C1,
    CONTAINER,
    OTHER_CONTAINER,
    THIRD_CONTAINER,
    V1,
    V2,
    at,
    dcsa,
    story_assignments,
    story_events,
    story_graph,
    story_legs,
)


def snapshot_graph() -> nx.MultiDiGraph:
    """Three consignments on 7 March: C1 waits at Busan; C2 was delivered to Busan; C3 is aboard V2."""
    c2, c3 = "CON-TW-2024-0040", "CON-CN-2024-0311"
    c1_events = {k: e for k, e in story_events().items() if e.event_time < at(7, 0)}
    legs = story_legs()
    legs["L2"] = replace(legs["L2"], actual_departure=None, actual_arrival=None)
    c1 = story_graph(c1_events, legs=legs)
    c2_leg = LegInfo(
        key="L9",
        consignment=c2,
        sequence=1,
        mode="sea",
        origin="TWKHH",
        destination="KRPUS",
        voyage=V1,
        actual_departure=at(3, 14),
        actual_arrival=at(5, 22),
    )
    c2_graph = build_event_graph(
        [dcsa("c2-disc", "DISC", at(6, 5), "KRPUS", equipment=(OTHER_CONTAINER,), voyage=V1)],
        [EquipmentAssignment(consignment=c2, equipment=OTHER_CONTAINER, start=at(1, 0), end=at(6, 20))],
        [c2_leg],
    )
    c3_graph = build_event_graph(
        [dcsa("c3-load", "LOAD", at(6, 10), "CNSHA", equipment=(THIRD_CONTAINER,), voyage=V2)],
        [EquipmentAssignment(consignment=c3, equipment=THIRD_CONTAINER, start=at(1, 0))],
    )
    return nx.compose_all([c1, c2_graph, c3_graph])


def test_closing_busan_affects_consignments_still_to_pass_it():
    assert impact(snapshot_graph(), location="KRPUS") == {C1}


def test_a_place_still_ahead_is_affected():
    assert impact(snapshot_graph(), location="USLAX") == {C1}
    assert impact(snapshot_graph(), location="TWKHH") == set()


def test_a_voyage_affects_consignments_booked_or_aboard():
    assert impact(snapshot_graph(), voyage=V2) == {C1, "CON-CN-2024-0311"}
    assert impact(snapshot_graph(), voyage=V1) == set()  # everyone is off it
    assert impact(snapshot_graph(), voyage="IMO9999999/001N") == set()


def test_a_container_affects_only_its_current_consignment():
    graph = story_graph(assignments=story_assignments(end=None))
    assert impact(graph, equipment=CONTAINER) == {C1}  # not C0, whose assignment ended


def test_impact_criteria_combine():
    assert impact(snapshot_graph(), location="KRPUS", equipment=THIRD_CONTAINER) == {C1, "CON-CN-2024-0311"}


def test_impact_needs_a_criterion():
    with pytest.raises(ValueError, match="needs a location"):
        impact(snapshot_graph())
