"""The chain of custody.

On the Kaohsiung to Los Angeles story of ``story.py``; pure functions, no database.
"""

from __future__ import annotations

from apps.shipments.graph.custody import chain_of_custody
from apps.shipments.graph.types import PartyInfo
from tests.shipments.graph.story import C1, PARTIES, at, story_events, story_graph, with_changes


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


def test_a_terminal_recorded_by_the_carrier_is_named_by_the_country_of_its_port():
    # Three terminal operators are parties and the carrier records every gate-in and discharge, as in the
    # demo corridor: the terminal span at each port goes to the party in that port's country.
    parties = [
        PartyInfo(partner="formosa-exports", role="consignor", country="TW"),
        PartyInfo(partner="msc", role="carrier", country="CH"),
        PartyInfo(partner="kaohsiung-terminal", role="terminal_operator", country="TW"),
        PartyInfo(partner="busan-newport", role="terminal_operator", country="KR"),
        PartyInfo(partner="lax-terminal", role="terminal_operator", country="US"),
    ]
    terminals = {"kaohsiung-terminal", "busan-newport", "lax-terminal"}
    recorded_by_the_carrier = {
        key.split("-")[0]: {"recorder": "msc"} for key, event in story_events().items() if event.recorder in terminals
    }
    spans = chain_of_custody(story_graph(with_changes(**recorded_by_the_carrier)), C1, parties=parties)
    assert [(s.location, s.holder) for s in spans if s.role == "terminal_operator"] == [
        ("TWKHH", "kaohsiung-terminal"),
        ("KRPUS", "busan-newport"),
        ("USLAX", "lax-terminal"),
    ]
