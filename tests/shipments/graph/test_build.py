"""The event graph and its analyses, on one consignment from Kaohsiung to Los Angeles via Busan.

Pure functions: no database. The story: Formosa Exports ships a container from Kaohsiung (TWKHH)
on MSC's voyage IMO9321483/2103S to Busan (KRPUS), where Busan Newport transships it onto voyage
IMO9703291/212E to Los Angeles (USLAX); Pacific Imports accepts it. Terminals report in DCSA and
EPCIS, so some moves are reported twice; the container's events before and after its assignment
belong to other shipments, and the vessels report voyage-wide arrivals and departures.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import networkx as nx
import pytest
from stdnum import iso6346

from apps.shipments.graph.consistency import (
    AGGREGATION,
    ARRIVAL_BEFORE_DEPARTURE,
    CARRIED_BY,
    CORROBORATES,
    HAS_LEG,
    IMPOSSIBLE_SPEED,
    OUT_OF_ORDER,
    SEQUENCE,
    TOUCHES,
    TRANSSHIPMENT,
    TWO_PLACES_AT_ONCE,
    EquipmentAssignment,
    Finding,
    GraphEvent,
    LegInfo,
    PartyInfo,
    build_event_graph,
    chain_of_custody,
    corroborating_pairs,
    impact,
    inconsistencies,
    movement_code,
    node_id,
    step_name,
    timeline,
    to_graphml,
    to_json,
)

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


# --- vocabulary ------------------------------------------------------------------------------------


def test_steps_are_named_by_their_dcsa_code_or_cbv_short_name():
    assert step_name("urn:epcglobal:cbv:bizstep:loading") == "loading"
    assert step_name("https://ref.gs1.org/cbv/BizStep-unloading") == "unloading"
    assert step_name("GTIN") == "GTIN"
    assert movement_code("receiving") == "GTIN"
    assert movement_code("departing") == "DEPA"
    assert movement_code("accepting") == "accepting"


def test_container_numbers_in_the_story_have_valid_check_digits():
    assert iso6346.is_valid(CONTAINER)
    assert iso6346.is_valid(THIRD_CONTAINER)


def test_inputs_must_be_timezone_aware():
    with pytest.raises(ValueError, match="event_time must be timezone-aware"):
        GraphEvent(key="x", recorder="msc", step="LOAD", event_time=datetime(2024, 3, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        EquipmentAssignment(consignment=C1, equipment=CONTAINER, end=datetime(2024, 3, 1))  # noqa: DTZ001


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


# --- timeline ----------------------------------------------------------------------------------------


def test_timeline_orders_direct_container_and_voyage_events():
    keys = [entry.key for entry in timeline(story_graph(), C1)]
    assert keys == [
        "e01-empty-pick-up",
        "e02-shipping",
        "e03-gate-in",
        "e04-receiving",
        "e05-wrong-departure",
        "e06-load",
        "e07-loading",
        "v11-departs-twkhh",
        "d01-bl-issued",
        "v12-arrives-krpus",
        "e08-discharge-krpus",
        "e09-load-krpus",
        "v20-departs-krpus",
        "v21-arrives-uslax",
        "e10-discharge-uslax",
        "e11-gate-out-uslax",
        "e12-accepted",
    ]


def test_timeline_says_how_each_event_relates():
    entries = {entry.key: entry for entry in timeline(story_graph(), C1)}
    assert entries["e02-shipping"].relation == "direct"  # names the consignment and the container
    assert entries["e02-shipping"].inherited_from == ""
    assert entries["e03-gate-in"].relation == f"via equipment {CONTAINER}"
    assert entries["e03-gate-in"].inherited_from == "equipment"
    assert entries["v11-departs-twkhh"].relation == f"via voyage {V1}"
    assert entries["v11-departs-twkhh"].inherited_from == "voyage"
    assert entries["v21-arrives-uslax"].via == V2


def test_container_events_outside_its_assignment_are_not_inherited():
    keys = {entry.key for entry in timeline(story_graph(), C1)}
    assert "e00-previous-gate-in" not in keys  # the box's previous shipment
    assert "e13-empty-return" not in keys  # after the assignment ended


def test_container_events_inside_the_previous_assignment_go_to_that_consignment():
    keys = [entry.key for entry in timeline(story_graph(), C0)]
    assert keys == ["e00-previous-gate-in"]


def test_voyage_events_while_the_consignment_was_not_aboard_are_not_inherited():
    keys = {entry.key for entry in timeline(story_graph(), C1)}
    assert "v10-vessel-berths-twkhh" not in keys  # before the load
    assert "v13-departs-krpus" not in keys  # the vessel sails on after the discharge


def test_voyage_events_are_inherited_from_legs_alone_when_no_container_is_seen():
    events = {k: e for k, e in story_events().items() if k.startswith("v")}
    entries = timeline(story_graph(events, assignments=[]), C1)
    assert [e.key for e in entries] == [
        "v11-departs-twkhh",
        "v12-arrives-krpus",
        "v20-departs-krpus",
        "v21-arrives-uslax",
    ]
    assert {e.inherited_from for e in entries} == {"voyage"}


def test_a_leg_under_way_keeps_inheriting_its_voyages_events_past_the_planned_arrival():
    events = {k: e for k, e in story_events().items() if k.startswith("v2")}
    events["v21-arrives-uslax"] = replace(events["v21-arrives-uslax"], event_time=at(21, 6))  # two days late
    legs = story_legs()
    legs["L2"] = replace(legs["L2"], actual_arrival=None)
    entries = timeline(story_graph(events, legs=legs, assignments=[]), C1)
    assert [e.key for e in entries] == ["v20-departs-krpus", "v21-arrives-uslax"]


def test_timeline_flags_erroneous_events_and_shows_corroboration():
    entries = {entry.key: entry for entry in timeline(story_graph(), C1)}
    assert entries["e05-wrong-departure"].erroneous is True
    assert entries["e06-load"].erroneous is False
    assert entries["e03-gate-in"].corroborated_by == ("e04-receiving",)
    assert entries["e07-loading"].corroborated_by == ("e06-load",)


def test_timeline_of_an_unknown_consignment_is_empty():
    assert timeline(story_graph(), "CON-NOPE") == []


# --- chain of custody --------------------------------------------------------------------------------


def test_custody_passes_from_shipper_to_terminal_carrier_and_consignee():
    spans = chain_of_custody(story_graph(), C1, parties=PARTIES)
    assert [(s.role, s.holder, s.start, s.end, s.location) for s in spans] == [
        ("consignor", "formosa-exports", at(1, 2), at(2, 10), ""),
        ("terminal_operator", "kaohsiung-terminal", at(2, 10), at(3, 8), "TWKHH"),
        ("carrier", "msc", at(3, 8), at(6, 4), "TWKHH"),
        ("terminal_operator", "busan-newport", at(6, 4), at(8, 12), "KRPUS"),
        ("carrier", "msc", at(8, 12), at(20, 3), "KRPUS"),
        ("terminal_operator", "lax-terminal", at(20, 3), at(21, 15), "USLAX"),
        ("haulier", "", at(21, 15), at(22, 9), "USLAX"),
        ("consignee", "pacific-imports", at(22, 9), None, "USLAX"),
    ]
    # The Busan load was recorded by the terminal; the carrier is the only one the parties name.
    assert (spans[4].recorded_by, spans[4].opened_by, spans[4].closed_by) == (
        "busan-newport",
        "e09-load-krpus",
        "e10-discharge-uslax",
    )


def test_custody_roles_stand_without_parties_but_holders_are_unknown():
    spans = chain_of_custody(story_graph(), C1)
    assert [s.role for s in spans] == [
        "consignor",
        "terminal_operator",
        "carrier",
        "terminal_operator",
        "carrier",
        "terminal_operator",
        "haulier",
        "consignee",
    ]
    assert {s.holder for s in spans} == {""}


def test_custody_ignores_erroneous_and_voyage_wide_events():
    # The erroneous "departing" at 12:00 on 2 March would otherwise hand the box to the carrier early.
    spans = chain_of_custody(story_graph(), C1, parties=PARTIES)
    assert spans[2].start == at(3, 8)
    assert "e05-wrong-departure" not in {s.opened_by for s in spans}


def test_custody_starts_unknown_when_the_first_event_is_a_hand_over():
    events = {k: e for k, e in story_events().items() if k >= "e03" and not k.startswith("d")}
    spans = chain_of_custody(story_graph(events), C1, parties=PARTIES)
    assert (spans[0].role, spans[0].start, spans[0].end) == ("consignor", None, at(2, 10))


def test_receiving_by_the_consignee_is_delivery():
    events = with_changes(e12={"step": "receiving"})
    spans = chain_of_custody(story_graph(events), C1, parties=PARTIES)
    assert (spans[-1].role, spans[-1].holder, spans[-1].opened_by) == ("consignee", "pacific-imports", "e12-accepted")


def test_custody_of_a_consignment_without_events_is_empty():
    assert chain_of_custody(story_graph(), "CON-NOPE") == []


# --- inconsistencies ---------------------------------------------------------------------------------


def test_the_story_is_consistent():
    assert inconsistencies(story_graph(), distance_km=distance_km) == []


def test_leg_arriving_before_it_departed():
    legs = story_legs()
    legs["L1"] = replace(legs["L1"], actual_arrival=at(3, 10))
    finding = only(inconsistencies(story_graph(legs=legs), distance_km=distance_km), ARRIVAL_BEFORE_DEPARTURE, "leg:L1")
    assert finding.evidence == {"times": "actual", "departure": at(3, 14), "arrival": at(3, 10)}
    assert "2024-03-03 10:00 UTC" in finding.detail
    assert "2024-03-03 14:00 UTC" in finding.detail


def test_arrival_event_before_the_departure_event():
    events = with_changes(v12={"event_time": at(3, 11)})
    findings = inconsistencies(story_graph(events), distance_km=distance_km)
    finding = only(findings, ARRIVAL_BEFORE_DEPARTURE, "leg:L1")
    assert finding.events == ("v11-departs-twkhh", "v12-arrives-krpus")
    assert "arrived at KRPUS on 2024-03-03 11:00 UTC" in finding.detail


def test_next_leg_departing_before_the_previous_arrived_is_out_of_order():
    legs = story_legs()
    legs["L2"] = replace(legs["L2"], actual_departure=at(5, 12))
    finding = only(inconsistencies(story_graph(legs=legs), distance_km=distance_km), OUT_OF_ORDER, "leg:L2")
    assert finding.evidence["previous_leg"] == "L1"


def test_discharge_before_load_on_the_same_voyage_is_out_of_order():
    events = with_changes(e08={"event_time": at(2, 12)})
    findings = inconsistencies(story_graph(events), distance_km=distance_km)
    order = [f for f in findings if f.kind == OUT_OF_ORDER]
    assert [f.events for f in order] == [("e08-discharge-krpus", "e06-load")]
    assert order[0].subject == node_id("equipment", CONTAINER)
    assert f"discharged at KRPUS from {V1} on 2024-03-02 12:00 UTC" in order[0].detail
    assert "before it loaded at TWKHH" in order[0].detail
    assert order[0].evidence["recorded_later"] == "e06-load"


def test_gate_out_before_discharge_is_out_of_order():
    events = with_changes(e11={"event_time": at(19, 20)})
    findings = inconsistencies(story_graph(events), distance_km=distance_km)
    finding = only(findings, OUT_OF_ORDER, node_id("equipment", CONTAINER))
    assert finding.events == ("e11-gate-out-uslax", "e10-discharge-uslax")
    assert finding.evidence["needs"] == "in terminal USLAX"
    assert finding.evidence["was"] == f"aboard {V2}"


def test_gate_out_before_gate_in_is_out_of_order():
    # The empty return: its gate-out stamped an hour before the gate-in it follows.
    events = story_events()
    events["e14-empty-gate-out"] = dcsa("e14-empty-gate-out", "GTOT", at(23, 9), "USLAX", recorder="lax-terminal")
    graph = story_graph(events, assignments=story_assignments(end=None))
    finding = only(inconsistencies(graph, distance_km=distance_km), OUT_OF_ORDER, node_id("equipment", CONTAINER))
    assert finding.events == ("e14-empty-gate-out", "e13-empty-return")
    assert finding.detail == (
        f"{CONTAINER} gated out of USLAX on 2024-03-23 09:00 UTC [e14-empty-gate-out], "
        "before it gated in at USLAX on 2024-03-23 10:00 UTC [e13-empty-return]"
    )


def test_load_before_gate_in_is_out_of_order():
    events = with_changes(e03={"event_time": at(3, 12)})
    findings = inconsistencies(story_graph(events), distance_km=distance_km)
    order = [f for f in findings if f.kind == OUT_OF_ORDER]
    assert [f.events for f in order] == [("e06-load", "e03-gate-in")]


def test_a_repeated_report_of_one_move_is_not_out_of_order():
    events = story_events()
    events["e06b-load-again"] = dcsa("e06b-load-again", "LOAD", at(3, 8, 30), "TWKHH", voyage=V1, recorder="other")
    assert inconsistencies(story_graph(events), distance_km=distance_km) == []


def test_moves_across_a_gap_between_assignments_are_not_judged():
    # CNSHA gate-in, then an empty pick-up at TWKHH: the moves in between belong to nobody here.
    graph = story_graph()
    assert not [f for f in inconsistencies(graph, distance_km=distance_km) if f.kind == OUT_OF_ORDER]


def test_container_in_two_places_at_the_same_time():
    events = story_events()
    events["x01-ghost"] = dcsa("x01-ghost", "GTIN", at(8, 12), "USLAX", recorder="lax-terminal")
    findings = inconsistencies(story_graph(events), distance_km=distance_km)
    finding = only(findings, TWO_PLACES_AT_ONCE, node_id("equipment", CONTAINER))
    assert set(finding.events) == {"e09-load-krpus", "x01-ghost"}
    assert "at the same time" in finding.detail


def test_container_further_apart_than_any_mode_could_travel_is_in_two_places():
    events = story_events()
    events["x01-ghost"] = dcsa("x01-ghost", "GTIN", at(8, 14), "USLAX", recorder="lax-terminal")
    findings = inconsistencies(story_graph(events), distance_km=distance_km)
    finding = only(findings, TWO_PLACES_AT_ONCE, node_id("equipment", CONTAINER))
    assert finding.events == ("e09-load-krpus", "x01-ghost")
    assert finding.evidence["mode"] == "AIR"
    assert finding.evidence["hours"] == 2.0
    assert finding.evidence["speed_kmh"] > 4000
    assert "faster than any mode allows (AIR 1000 km/h)" in finding.detail


def test_impossible_speed_for_the_legs_mode():
    events = with_changes(e08={"event_time": at(4, 0)})  # Kaohsiung to Busan in 15 hours by sea
    findings = inconsistencies(story_graph(events), distance_km=distance_km)
    finding = only(findings, IMPOSSIBLE_SPEED, node_id("equipment", CONTAINER))
    assert finding.events == ("e07-loading", "e08-discharge-krpus")
    km = distance_km("TWKHH", "KRPUS")
    assert finding.evidence == {
        "from": "TWKHH",
        "to": "KRPUS",
        "hours": 15.0,
        "distance_km": km,
        "speed_kmh": round(km / 15, 1),
        "mode": "VESSEL",
        "max_speed_kmh": 60.0,
    }
    assert f"{km:.0f} km in 15.0 h = {km / 15:.0f} km/h, above the VESSEL limit of 60 km/h" in finding.detail
    # The vessel itself is seen doing the same.
    assert only(findings, IMPOSSIBLE_SPEED, node_id("voyage", V1)).events == (
        "v11-departs-twkhh",
        "e08-discharge-krpus",
    )


def test_speed_limits_can_be_raised_per_mode():
    events = with_changes(e08={"event_time": at(4, 0)})
    findings = inconsistencies(story_graph(events), distance_km=distance_km, max_speed_kmh={"sea": 200})
    assert IMPOSSIBLE_SPEED not in kinds_of(findings)


def test_unknown_distances_are_skipped():
    events = with_changes(e08={"event_time": at(4, 0)})
    assert inconsistencies(story_graph(events), distance_km=lambda a, b: None) == []


def test_erroneous_and_document_events_are_not_judged():
    events = story_events()
    events["x01-ghost"] = dcsa("x01-ghost", "GTIN", at(8, 12), "USLAX", erroneous=True)
    events["x02-bl"] = dcsa("x02-bl", "ISSU", at(8, 12), "TWTPE", event_type="SHIPMENT", voyage=V2)
    assert inconsistencies(story_graph(events), distance_km=distance_km) == []


# --- impact ------------------------------------------------------------------------------------------


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


# --- export ------------------------------------------------------------------------------------------


def test_json_export_is_serialisable_with_iso_times():
    graph = story_graph()
    data = json.loads(json.dumps(to_json(graph)))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["event:e03-gate-in"]["event_time"] == "2024-03-02T18:00:00+08:00"
    assert nodes["event:e03-gate-in"]["equipment"] == [CONTAINER]
    assert nodes["leg:L1"]["actual_arrival"] == "2024-03-05T22:00:00+00:00"
    assert len(data["edges"]) == graph.number_of_edges()
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()


def test_graphml_parses_back_with_networkx():
    graph = story_graph()
    back = nx.parse_graphml(to_graphml(graph))
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    event = back.nodes["event:e03-gate-in"]
    assert event["event_time"] == "2024-03-02T18:00:00+08:00"
    assert json.loads(event["equipment"]) == [CONTAINER]
    assert event["erroneous"] is False
    assert "record_time" not in event  # unknown, so left out
    assert back.nodes["leg:L2"]["sequence"] == 2
    kinds = {d["kind"] for _, _, d in back.edges(data=True)}
    assert kinds == {TOUCHES, SEQUENCE, AGGREGATION, TRANSSHIPMENT, HAS_LEG, CARRIED_BY, CORROBORATES}
