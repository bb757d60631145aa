"""GET /api/v1/consignments/{id}/graph/, /timeline/, /custody/ and /consistency/.

PO-1001 goes from Kaohsiung to Rotterdam in container MSKU1234565 (assigned for March 2026);
bravo, its carrier, reports the container's and the vessel's moves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import networkx as nx
import pytest

from apps.partners.access import Actor
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.ingest.types import DOC_CONSIGNMENT, SOURCE_NATIVE, DocumentRef, EventIn
from apps.shipments.models import Consignment, Event
from tests.helpers import assert_problem
from tests.shipments.conftest import CONTAINER, VESSEL_IMO, native_event

pytestmark = pytest.mark.django_db

ENDPOINTS = ("graph", "timeline", "custody", "consistency")
MARCH = {"assigned_from": datetime(2026, 3, 1, tzinfo=UTC), "assigned_until": datetime(2026, 3, 31, tzinfo=UTC)}
VOYAGE = {"vessel_imo": VESSEL_IMO, "voyage_number": "042W"}


def _url(consignment: Consignment, endpoint: str) -> str:
    return f"/api/v1/consignments/{consignment.pk}/{endpoint}/"


def _record(api: Any, *events: dict[str, Any]) -> dict[str, str]:
    """Record events; returns event_id → stored pk (the graph's event keys)."""
    response = api.post("/api/v1/events/", list(events), format="json")
    assert response.status_code == 201, response.content
    return {event["event_id"]: event["id"] for event in response.json()["events"]}


def _box(event_id: str, code: str, when: str, location: str, **changes: Any) -> dict[str, Any]:
    """A container (equipment) event of MSKU1234565."""
    return native_event(
        event_id=event_id,
        type="EQUIPMENT",
        event_code=code,
        event_time=when,
        location=location,
        equipment=[CONTAINER],
        **changes,
    )


@pytest.fixture
def shipped(make_consignment) -> Consignment:
    return make_consignment(equipment=[{"number": CONTAINER, **MARCH}])


@pytest.fixture
def history(client_for, charlie, shipped) -> dict[str, str]:
    """bravo's reports: the container's gate-in, load, discharge; the consignment's departure and arrival."""
    link = {"consignment": str(shipped.pk)}
    return _record(
        client_for(charlie),
        _box("early", "GTOT", "2026-02-20T09:00:00+08:00", "TWKHH"),
        _box("gtin", "GTIN", "2026-03-01T08:30:00+08:00", "TWKHH"),
        _box("load", "LOAD", "2026-03-01T09:00:00+08:00", "TWKHH", **VOYAGE),
        native_event(event_id="depa", event_time="2026-03-01T10:00:00+08:00", location="TWKHH", **VOYAGE, **link),
        native_event(
            event_id="arri", event_code="ARRI", event_time="2026-03-28T08:00:00+01:00", location="NLRTM", **link
        ),
        _box("disc", "DISC", "2026-03-28T12:00:00+01:00", "NLRTM", **VOYAGE),
    )


# --- Graph -----------------------------------------------------------------------------------------


def test_graph_is_node_link_json_with_events_objects_and_edges(client_for, alice, shipped, history):
    response = client_for(alice).get(_url(shipped, "graph"))
    assert response.status_code == 200, response.content
    body = response.json()
    graph = nx.node_link_graph(body, edges="edges")
    assert graph.is_directed()
    assert graph.is_multigraph()
    nodes = set(graph.nodes)
    assert {f"consignment:{shipped.pk}", f"equipment:{CONTAINER}"} <= nodes
    assert {f"event:{history[name]}" for name in ("gtin", "load", "depa", "arri", "disc")} <= nodes
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert {"touches", "sequence"} <= kinds


def test_graphml_parses_with_networkx_and_has_the_same_nodes(client_for, alice, shipped, history):
    api = client_for(alice)
    response = api.get(_url(shipped, "graph"), {"format": "graphml"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/graphml+xml")
    parsed = nx.parse_graphml(response.content.decode())
    as_json = api.get(_url(shipped, "graph")).json()
    assert set(parsed.nodes) == {node["id"] for node in as_json["nodes"]}
    assert parsed.number_of_edges() == len(as_json["edges"])


# --- Timeline --------------------------------------------------------------------------------------


def test_timeline_is_in_event_order_with_container_events_inside_the_assignment_window(
    client_for, alice, shipped, history
):
    body = client_for(alice).get(_url(shipped, "timeline")).json()
    assert body["consignment"] == str(shipped.pk)
    entries = body["events"]
    assert [entry["event_id"] for entry in entries] == ["gtin", "load", "depa", "arri", "disc"]
    times = [datetime.fromisoformat(entry["event_time"]) for entry in entries]
    assert times == sorted(times)
    relations = {entry["event_id"]: entry["relation"] for entry in entries}
    assert relations == {
        "gtin": f"via equipment {CONTAINER}",
        "load": f"via equipment {CONTAINER}",
        "depa": "direct",
        "arri": "direct",
        "disc": f"via equipment {CONTAINER}",
    }


def test_timeline_carries_the_derived_status(client_for, alice, shipped, history):
    assert client_for(alice).get(_url(shipped, "timeline")).json()["status"] == "arrived"


def test_container_events_of_a_partner_that_is_no_party_stay_out_of_the_timeline(
    client_for, alice, dave, shipped, history
):
    _record(client_for(dave), _box("intruder", "GTIN", "2026-03-10T09:00:00+08:00", "TWKHH"))
    event_ids = [entry["event_id"] for entry in client_for(alice).get(_url(shipped, "timeline")).json()["events"]]
    assert "intruder" not in event_ids


def test_the_timeline_of_a_consignment_without_events_is_empty(client_for, alice, shipped):
    assert client_for(alice).get(_url(shipped, "timeline")).json()["events"] == []


# --- Custody ---------------------------------------------------------------------------------------


def test_custody_passes_from_consignor_through_terminal_to_the_carrier(client_for, alice, shipped, history):
    body = client_for(alice).get(_url(shipped, "custody")).json()
    assert body["consignment"] == str(shipped.pk)
    spans = body["custody"]
    roles = [span["role"] for span in spans]
    assert roles[:3] == ["consignor", "terminal_operator", "carrier"]
    carrier = spans[2]
    assert carrier["holder"] == "bravo"
    assert carrier["opened_by"] == history["load"]
    assert datetime.fromisoformat(carrier["start"]) == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 09:00+08:00
    ends = [span["end"] for span in spans]
    assert all(ends[:-1])
    assert ends[-1] is None


# --- Consistency -----------------------------------------------------------------------------------


def test_a_plausible_history_is_consistent(client_for, alice, shipped, history):
    body = client_for(alice).get(_url(shipped, "consistency")).json()
    assert (body["consistent"], body["findings"]) == (True, [])


def test_an_arrival_before_the_departure_is_a_finding_with_evidence(client_for, charlie, alice, shipped):
    link = {"consignment": str(shipped.pk)}
    keys = _record(
        client_for(charlie),
        native_event(event_id="depa", event_time="2026-03-01T10:00:00+08:00", location="TWKHH", **link),
        native_event(
            event_id="arri", event_code="ARRI", event_time="2026-02-20T08:00:00+01:00", location="NLRTM", **link
        ),
    )
    body = client_for(alice).get(_url(shipped, "consistency")).json()
    assert body["consistent"] is False
    (finding,) = [f for f in body["findings"] if f["kind"] == "arrival_before_departure"]
    assert set(finding["events"]) == {keys["depa"], keys["arri"]}
    assert datetime.fromisoformat(finding["evidence"]["arrival"]) < datetime.fromisoformat(
        finding["evidence"]["departure"]
    )
    assert finding["detail"]


def test_an_impossible_speed_is_a_finding_with_distance_time_and_speed(client_for, charlie, alice, shipped):
    keys = _record(
        client_for(charlie),
        _box("gtin", "GTIN", "2026-03-01T09:00:00+08:00", "TWKHH"),
        _box("gtin-nl", "GTIN", "2026-03-03T09:00:00+08:00", "NLRTM"),
    )
    body = client_for(alice).get(_url(shipped, "consistency")).json()
    assert body["consistent"] is False
    (finding,) = [f for f in body["findings"] if f["kind"] == "impossible_speed"]
    assert finding["subject"] == f"equipment:{CONTAINER}"
    assert finding["events"] == [keys["gtin"], keys["gtin-nl"]]
    evidence = finding["evidence"]
    assert (evidence["from"], evidence["to"], evidence["hours"]) == ("TWKHH", "NLRTM", 48.0)
    assert 9000 < evidence["distance_km"] < 10500
    assert evidence["speed_kmh"] > evidence["max_speed_kmh"] == 60.0


def test_erroneous_events_are_left_out_of_the_findings(client_for, charlie, alice, shipped):
    _record(
        client_for(charlie),
        _box("gtin", "GTIN", "2026-03-01T09:00:00+08:00", "TWKHH"),
        _box("gtin-nl", "GTIN", "2026-03-03T09:00:00+08:00", "NLRTM"),
    )
    Event.objects.filter(event_id="gtin-nl").update(is_erroneous=True)
    assert client_for(alice).get(_url(shipped, "consistency")).json()["consistent"] is True


# --- Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_graph_endpoint_is_404_for_another_partner(client_for, dave, shipped, history, endpoint):
    assert_problem(client_for(dave).get(_url(shipped, endpoint)), 404, problem="not-found")


def test_graphml_is_404_for_another_partner(client_for, dave, shipped, history):
    assert_problem(client_for(dave).get(_url(shipped, "graph"), {"format": "graphml"}), 404, problem="not-found")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_graph_endpoint_answers_the_other_parties_and_customs(client_for, charlie, nora, shipped, endpoint):
    for user in (charlie, nora):
        assert client_for(user).get(_url(shipped, endpoint)).status_code == 200


@pytest.mark.usefixtures("history")
def test_the_graph_shows_only_events_the_caller_may_see(client_for, alice, charlie, nora, shipped):
    """Customs sees the consignment, so every linked event; nobody sees another's unlinked events."""
    _record(client_for(charlie), native_event(event_id="bravo-private", location="KRPUS"))
    for user in (alice, nora):
        ids = {node.get("event_id") for node in client_for(user).get(_url(shipped, "graph")).json()["nodes"]}
        assert {"gtin", "depa", "arri"} <= ids
        assert "bravo-private" not in ids


def test_the_cached_timeline_shows_an_event_recorded_after_it_was_read(client_for, alice, make_consignment, alpha):
    consignment = make_consignment()
    api = client_for(alice)
    before = api.get(f"/api/v1/consignments/{consignment.pk}/timeline/").json()["events"]
    event_batch_record(
        actor=Actor(partner=alpha, role="operator"),
        events=[
            EventIn(
                source=SOURCE_NATIVE,
                event_type="TRANSPORT",
                event_id="late-arrival",
                event_time=consignment.created_at,
                event_time_zone_offset="+00:00",
                payload={"n": 1},
                event_code="ARRI",
                location="USLAX",
                documents=[DocumentRef(DOC_CONSIGNMENT, str(consignment.pk))],
            )
        ],
        channel="test",
    )
    after = api.get(f"/api/v1/consignments/{consignment.pk}/timeline/").json()["events"]
    assert len(after) == len(before) + 1
    assert "late-arrival" in {entry["event_id"] for entry in after}
