"""Inconsistencies: what cannot have happened.

On the Kaohsiung to Los Angeles story of ``story.py``; pure functions, no database.
"""

from __future__ import annotations

from dataclasses import replace

from apps.shipments.graph.consistency import inconsistencies
from apps.shipments.graph.types import (
    ARRIVAL_BEFORE_DEPARTURE,
    IMPOSSIBLE_SPEED,
    OUT_OF_ORDER,
    TWO_PLACES_AT_ONCE,
    node_id,
)
from tests.shipments.graph.story import (
    CONTAINER,
    V1,
    V2,
    at,
    dcsa,
    distance_km,
    kinds_of,
    only,
    story_assignments,
    story_events,
    story_graph,
    story_legs,
    with_changes,
)


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


def test_a_detail_keeps_its_phrases_so_a_page_can_say_it_in_another_language():
    events = story_events()
    events["e14-empty-gate-out"] = dcsa("e14-empty-gate-out", "GTOT", at(23, 9), "USLAX", recorder="lax-terminal")
    graph = story_graph(events, assignments=story_assignments(end=None))
    finding = only(inconsistencies(graph, distance_km=distance_km), OUT_OF_ORDER, node_id("equipment", CONTAINER))
    catalogue = {
        "%(subject)s %(event)s, before it %(first)s": "%(subject)s: %(first)s, then too early %(event)s",
        "%(move)s on %(time)s %(event)s": "%(time)s %(move)s",
        "gated out of %(place)s": "OUT %(place)s",
        "gated in at %(place)s": "IN %(place)s",
    }
    assert finding.detail.render(lambda template: catalogue.get(template, template)) == (
        f"{CONTAINER}: 2024-03-23 10:00 UTC IN USLAX, then too early 2024-03-23 09:00 UTC OUT USLAX"
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
