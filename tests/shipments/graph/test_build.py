"""Building the event graph: nodes, edges and corroborating reports.

On the Kaohsiung to Los Angeles story of ``story.py``; pure functions, no database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from apps.shipments.graph.build import build_event_graph, corroborating_pairs
from apps.shipments.graph.types import (
    AGGREGATION,
    CARRIED_BY,
    CORROBORATES,
    HAS_LEG,
    SEQUENCE,
    TOUCHES,
    TRANSSHIPMENT,
    GraphEvent,
    node_id,
)
from tests.shipments.graph.story import (
    C1,
    CONTAINER,
    OTHER_CONTAINER,
    SGTIN,
    V1,
    V2,
    at,
    dcsa,
    epcis,
    story_events,
    story_graph,
    story_legs,
)

# --- building ----------------------------------------------------------------------------------------


def test_graph_has_a_node_for_each_event_and_object_with_its_kind():
    graph = story_graph()
    kinds = dict(graph.nodes(data="kind"))
    assert sum(1 for k in kinds.values() if k == "event") == len(story_events())
    assert kinds[node_id("consignment", C1)] == "consignment"
    assert kinds[node_id("equipment", CONTAINER)] == "equipment"
    assert kinds[node_id("voyage", V1)] == kinds[node_id("voyage", V2)] == "voyage"
    assert kinds[node_id("epc", SGTIN)] == "epc"
    assert kinds["leg:L1"] == kinds["leg:L2"] == "leg"
    assert graph.nodes["event:e06-load"]["movement"] == "LOAD"


def test_an_event_touches_every_object_it_names():
    graph = story_graph()
    touched = {v for _, v, kind in graph.out_edges("event:e02-shipping", data="kind") if kind == TOUCHES}
    assert touched == {node_id("consignment", C1), node_id("equipment", CONTAINER), node_id("epc", SGTIN)}


def test_sequence_edges_follow_an_objects_events_in_time_order():
    graph = story_graph()
    container = node_id("equipment", CONTAINER)
    nexts = {u: v for u, v, data in graph.edges(data=True) if data["kind"] == SEQUENCE and data["object"] == container}
    chain, node = [], "event:e00-previous-gate-in"
    while node:
        chain.append(node.removeprefix("event:"))
        node = nexts.get(node)
    expected = [
        k for k, e in sorted(story_events().items(), key=lambda kv: kv[1].event_time) if CONTAINER in e.equipment
    ]
    assert chain == expected


def test_sequence_ties_break_by_record_time_then_key():
    when = at(3, 8)
    events = [
        GraphEvent(key="c", recorder="msc", step="LOAD", event_time=when, equipment=(CONTAINER,)),
        GraphEvent(key="b", recorder="msc", step="LOAD", event_time=when, equipment=(CONTAINER,), record_time=at(3, 9)),
        GraphEvent(
            key="a", recorder="msc", step="LOAD", event_time=when, equipment=(CONTAINER,), record_time=at(3, 10)
        ),
        GraphEvent(key="d", recorder="msc", step="LOAD", event_time=when, equipment=(CONTAINER,)),
    ]
    graph = build_event_graph(events)
    pairs = [(u[6:], v[6:]) for u, v, kind in graph.edges(data="kind") if kind == SEQUENCE]
    assert sorted(pairs) == [("a", "c"), ("b", "a"), ("c", "d")]


def test_erroneous_events_are_touched_but_not_sequenced():
    graph = story_graph()
    node = "event:e05-wrong-departure"
    assert graph.nodes[node]["erroneous"] is True
    assert any(kind == TOUCHES for _, _, kind in graph.out_edges(node, data="kind"))
    edges = [*graph.out_edges(node, data="kind"), *graph.in_edges(node, data="kind")]
    assert not [e for e in edges if e[2] == SEQUENCE]


def test_equipment_aggregates_into_the_consignment_while_assigned():
    graph = story_graph()
    spans = [
        (d["start"], d["end"])
        for _, v, d in graph.out_edges(node_id("equipment", CONTAINER), data=True)
        if d["kind"] == AGGREGATION and v == node_id("consignment", C1)
    ]
    assert spans == [(at(1, 0), at(22, 12))]


def test_equipment_is_aboard_each_voyage_from_its_load_to_its_discharge():
    graph = story_graph()
    aboard = {
        v: (d["start"], d["end"], d["opened_by"], d["closed_by"])
        for _, v, d in graph.out_edges(node_id("equipment", CONTAINER), data=True)
        if d["kind"] == AGGREGATION and v.startswith("voyage:")
    }
    assert aboard == {
        node_id("voyage", V1): (at(3, 8), at(6, 4), "e06-load", "e08-discharge-krpus"),
        node_id("voyage", V2): (at(8, 12), at(20, 3), "e09-load-krpus", "e10-discharge-uslax"),
    }


def test_a_container_still_aboard_has_an_open_span():
    events = {k: e for k, e in story_events().items() if e.event_time < at(15, 0)}
    graph = story_graph(events)
    (span,) = [
        d
        for _, v, d in graph.out_edges(node_id("equipment", CONTAINER), data=True)
        if v == node_id("voyage", V2) and d["kind"] == AGGREGATION
    ]
    assert span["start"] == at(8, 12)
    assert span["end"] is None


def test_epcis_aggregation_links_children_to_parent_until_deleted():
    sscc = "urn:epc:id:sscc:4712345.0000000001"
    events = [
        GraphEvent(
            key="pack",
            recorder="formosa-exports",
            step="packing",
            event_time=at(1, 9),
            parent=sscc,
            children=(SGTIN,),
            action="ADD",
            event_type="AggregationEvent",
            source="epcis",
        ),
        GraphEvent(
            key="stuff",
            recorder="formosa-exports",
            step="loading",
            event_time=at(2, 5),
            parent=CONTAINER,
            children=(sscc,),
            action="ADD",
            event_type="AggregationEvent",
            source="epcis",
        ),
        GraphEvent(
            key="unpack",
            recorder="pacific-imports",
            step="unpacking",
            event_time=at(22, 10),
            parent=sscc,
            action="DELETE",
            event_type="AggregationEvent",
            source="epcis",
        ),
    ]
    graph = build_event_graph(events)
    edges = {(u, v): (d["start"], d["end"]) for u, v, d in graph.edges(data=True) if d["kind"] == AGGREGATION}
    assert edges == {
        (node_id("epc", SGTIN), node_id("epc", sscc)): (at(1, 9), at(22, 10)),
        (node_id("epc", sscc), node_id("equipment", CONTAINER)): (at(2, 5), None),
    }


def test_legs_joined_at_busan_have_a_transshipment_edge():
    graph = story_graph()
    (edge,) = [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == TRANSSHIPMENT]
    assert edge == ("leg:L1", "leg:L2", {"kind": TRANSSHIPMENT, "location": "KRPUS"})
    assert graph.has_edge(node_id("consignment", C1), "leg:L1")
    assert {d["kind"] for d in graph.get_edge_data(node_id("consignment", C1), "leg:L2").values()} == {HAS_LEG}
    assert {d["kind"] for d in graph.get_edge_data("leg:L2", node_id("voyage", V2)).values()} == {CARRIED_BY}


def test_legs_that_do_not_meet_have_no_transshipment_edge():
    legs = story_legs()
    legs["L2"] = replace(legs["L2"], origin="KRKAN")
    graph = story_graph(legs=legs)
    assert not [e for e in graph.edges(data="kind") if e[2] == TRANSSHIPMENT]


def test_two_events_with_one_key_are_refused():
    event = story_events()["e06-load"]
    with pytest.raises(ValueError, match="two events with key 'e06-load'"):
        build_event_graph([event, event])


def test_corroborating_reports_are_joined_in_the_graph():
    graph = story_graph()
    pairs = sorted((u[6:], v[6:]) for u, v, kind in graph.edges(data="kind") if kind == CORROBORATES)
    assert pairs == [("e03-gate-in", "e04-receiving"), ("e06-load", "e07-loading")]


# --- corroboration -----------------------------------------------------------------------------------


def test_epcis_and_dcsa_reports_of_one_move_corroborate():
    assert corroborating_pairs(story_events().values()) == [
        ("e03-gate-in", "e04-receiving"),
        ("e06-load", "e07-loading"),
    ]


def test_corroboration_tolerance_is_a_parameter():
    # The empty pick-up (DCSA GTOT) and the shipper's "shipping" are 28 hours apart.
    pairs = corroborating_pairs(story_events().values(), tolerance=timedelta(hours=30))
    assert ("e01-empty-pick-up", "e02-shipping") in pairs


@pytest.mark.parametrize(
    ("change", "paired"),
    [
        ({}, True),
        ({"source": "dcsa-3.0"}, False),  # one carrier's feed in two versions is one witness
        ({"source": "native"}, True),
        ({"location": "KRPUS"}, False),
        ({"location": ""}, False),
        ({"equipment": (OTHER_CONTAINER,)}, False),
        ({"event_time": at(3, 8) + timedelta(hours=2, seconds=1)}, False),
        ({"event_time": at(3, 8) - timedelta(hours=2)}, True),
        ({"step": "unloading"}, False),
        ({"erroneous": True}, False),
    ],
)
def test_corroboration_needs_same_equipment_step_place_and_time(change, paired):
    load = story_events()["e06-load"]
    other = replace(
        epcis("x-loading", "loading", at(3, 8, 45), "TWKHH", recorder="kaohsiung-terminal", voyage=V1), **change
    )
    assert bool(corroborating_pairs([load, other])) is paired


@pytest.mark.parametrize(("code", "step"), [("GTIN", "arriving"), ("GTOT", "departing"), ("DEPA", "departing")])
def test_gate_moves_match_their_cbv_equivalents(code, step):
    a = dcsa("a", code, at(2, 10), "TWKHH")
    b = epcis("b", step, at(2, 11), "TWKHH", recorder="kaohsiung-terminal")
    assert corroborating_pairs([a, b]) == [("a", "b")]
