"""A consignment's timeline, with the events it inherits from its container and voyages.

On the Kaohsiung to Los Angeles story of ``story.py``; pure functions, no database.
"""

from __future__ import annotations

from dataclasses import replace

from apps.shipments.graph.timeline import timeline
from tests.shipments.graph.story import C0, C1, CONTAINER, V1, V2, at, story_events, story_graph, story_legs


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
