"""DCSA Track & Trace ingest: POST /api/v1/dcsa/v2/events (2.2) and /api/v1/dcsa/v3/events (3.0).

DCSA's own samples in ``tests/vectors/dcsa/messages`` ingest with their eventIDs as sent; its
deliberately wrong ones are refused in DCSA's error object with nothing stored.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.partners.choices import TokenScope
from apps.shipments.choices import LinkVia
from apps.shipments.models import Event, EventLink
from tests.vectors import VECTORS

pytestmark = pytest.mark.django_db

MESSAGES = VECTORS / "dcsa" / "messages"
SAMPLES = sorted(path.name for path in MESSAGES.glob("tnt-*.json") if "-wrong-" not in path.name)
WRONG = sorted(path.name for path in MESSAGES.glob("tnt-*-wrong-*.json"))
DCSA_ERROR_KEYS = {"httpMethod", "requestUri", "statusCode", "statusCodeText", "errorDateTime", "errors"}
EQUIPMENT_SAMPLE = "tnt-300-request-equipment.json"


def _sample(name: str) -> Any:
    return json.loads((MESSAGES / name).read_text(encoding="utf-8"))


def _url(name: str) -> str:
    return "/api/v1/dcsa/v2/events" if name.startswith("tnt-220-") else "/api/v1/dcsa/v3/events"


def _events_of(body: Any) -> list[dict[str, Any]]:
    return body if isinstance(body, list) else body["events"]


def _v3(**changes: Any) -> dict[str, Any]:
    """DCSA's 3.0 equipment event (a LOAD of APZU4812090 at Rotterdam), changed as asked."""
    event = copy.deepcopy(_sample(EQUIPMENT_SAMPLE)["events"][0])
    event.update(changes)
    return event


def _post_v3(api: Any, *events: dict[str, Any]) -> Any:
    return api.post("/api/v1/dcsa/v3/events", {"events": list(events)}, format="json")


def assert_dcsa_error(response: Any, status: int, path: str) -> dict[str, Any]:
    """DCSA's own error object (not RFC 9457) with this status: 2.2's ErrorResponse, 3.0's feedbackElements."""
    assert response.status_code == status, response.content
    body = response.json()
    if "/v3/" in path:
        assert set(body) == {"feedbackElements"}, body
        assert body["feedbackElements"]
        assert all(
            e["severity"] == "ERROR" and e["message"] and e["propertyPath"].startswith("$")
            for e in body["feedbackElements"]
        )
        return body
    assert set(body) == DCSA_ERROR_KEYS, body
    assert body["httpMethod"] == "POST"
    assert body["requestUri"] == path
    assert body["statusCode"] == status
    assert body["statusCodeText"]
    assert datetime.fromisoformat(body["errorDateTime"]).tzinfo is not None
    assert body["errors"]
    assert all(error["reason"] and error["message"] for error in body["errors"])
    return body


@pytest.mark.parametrize("name", SAMPLES)
def test_dcsa_sample_ingests_with_its_event_ids_as_sent(client_for, charlie, name):
    sent = _events_of(_sample(name))
    response = client_for(charlie).post(_url(name), _sample(name), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcomes"] == ["created"] * len(sent)
    assert [event["event_id"] for event in body["events"]] == [event["eventID"] for event in sent]
    rows = {row.event_id: row for row in Event.objects.filter(recorder__slug="bravo")}
    assert set(rows) == {event["eventID"] for event in sent}
    source = "dcsa-2.2" if name.startswith("tnt-220-") else "dcsa-3.0"
    for event in sent:
        row = rows[event["eventID"]]
        assert (row.source, row.version, row.is_latest) == (source, 1, True)
        assert row.payload == event


@pytest.mark.parametrize("name", SAMPLES)
def test_reposting_a_dcsa_sample_is_idempotent(client_for, charlie, name):
    api = client_for(charlie)
    assert api.post(_url(name), _sample(name), format="json").status_code == 201
    count = Event.objects.count()
    again = api.post(_url(name), _sample(name), format="json")
    assert again.status_code == 200, again.content
    assert set(again.json()["outcomes"]) == {"unchanged"}
    assert Event.objects.count() == count


@pytest.mark.parametrize("name", WRONG)
def test_wrong_dcsa_sample_is_400_in_dcsas_error_shape_and_stores_nothing(client_for, charlie, name):
    response = client_for(charlie).post(_url(name), _sample(name), format="json")
    assert_dcsa_error(response, 400, _url(name))
    assert not Event.objects.exists()


def test_wrong_event_ids_are_each_named_by_index_and_property(client_for, charlie):
    name = "tnt-220-response-wrong-event-ids.json"
    body = assert_dcsa_error(client_for(charlie).post(_url(name), _sample(name), format="json"), 400, _url(name))
    assert {0, 1} <= {error["index"] for error in body["errors"]}
    assert any(error["property"] == "eventID" for error in body["errors"])


def test_iot_and_reefer_events_keep_their_sensor_readings(client_for, charlie):
    api = client_for(charlie)
    for name in ("tnt-300-request-iot.json", "tnt-300-request-reefer.json"):
        assert api.post(_url(name), _sample(name), format="json").status_code == 201
    assert Event.objects.count() == 2
    for row in Event.objects.all():
        assert row.event_type in {"IOT", "REEFER"}
        assert row.sensor_readings


def test_a_later_update_with_different_content_is_version_2_and_the_latest(client_for, charlie):
    api = client_for(charlie)
    assert _post_v3(api, _v3()).status_code == 201
    update = _v3(eventUpdatedDateTime="2026-01-21T08:00:00+01:00")
    update["eventClassification"] = {**update["eventClassification"], "equipmentEventTypeCode": "DISC"}
    response = _post_v3(api, update)
    assert response.status_code == 201, response.content
    assert response.json()["outcomes"] == ["updated"]
    rows = list(Event.objects.filter(event_id=update["eventID"]).order_by("version"))
    assert [(row.version, row.is_latest, row.event_code) for row in rows] == [(1, False, "LOAD"), (2, True, "DISC")]
    assert rows[1].payload == update

    latest = api.get("/api/v1/events/", {"event_id": update["eventID"], "latest": "true"}).json()["results"]
    assert [(event["version"], event["event_code"]) for event in latest] == [(2, "DISC")]


def test_an_earlier_update_with_different_content_is_409_and_changes_nothing(client_for, charlie):
    api = client_for(charlie)
    assert _post_v3(api, _v3()).status_code == 201
    before = list(Event.objects.values_list("pk", "version", "is_latest", "event_code"))
    older = _v3(eventUpdatedDateTime="2026-01-20T14:16:00Z")
    older["equipmentDetails"] = {**older["equipmentDetails"], "emptyIndicatorCode": "EMPTY"}
    body = assert_dcsa_error(_post_v3(api, older), 409, "/api/v1/dcsa/v3/events")
    assert body["feedbackElements"][0]["propertyPath"] == "$.events[0].eventID"
    assert list(Event.objects.values_list("pk", "version", "is_latest", "event_code")) == before


def test_the_same_update_time_with_different_content_is_409(client_for, charlie):
    api = client_for(charlie)
    assert _post_v3(api, _v3()).status_code == 201
    assert_dcsa_error(_post_v3(api, _v3(eventDateTime="2026-01-20T14:16:00Z")), 409, "/api/v1/dcsa/v3/events")
    assert Event.objects.count() == 1


def test_is_retracted_marks_the_event_retracted(client_for, charlie):
    api = client_for(charlie)
    assert _post_v3(api, _v3()).status_code == 201
    retraction = {"eventID": _v3()["eventID"], "isRetracted": True, "eventUpdatedDateTime": "2026-02-01T00:00:00Z"}
    response = _post_v3(api, retraction)
    assert response.status_code == 201, response.content
    assert response.json()["outcomes"] == ["retracted"]
    latest = Event.objects.get(event_id=retraction["eventID"], is_latest=True)
    assert latest.is_retracted is True
    assert latest.event_type == "EQUIPMENT"  # a bare retraction keeps the type it had
    assert Event.objects.filter(event_id=retraction["eventID"]).count() == 2


def test_retracting_an_event_never_recorded_is_refused_and_stores_nothing(client_for, charlie):
    retraction = {"eventID": "never-sent", "isRetracted": True, "eventUpdatedDateTime": "2026-02-01T00:00:00Z"}
    assert_dcsa_error(_post_v3(client_for(charlie), retraction), 404, "/api/v1/dcsa/v3/events")
    assert not Event.objects.exists()


def test_dcsa_events_link_to_the_consignment_of_their_transport_document(client_for, charlie, make_consignment):
    consignment = make_consignment(transport_document_number="reserved-HHL123", booking_reference="")
    name = "tnt-220-response.json"
    assert client_for(charlie).post(_url(name), _sample(name), format="json").status_code == 201
    links = EventLink.objects.filter(consignment=consignment)
    assert links.exists()
    assert set(links.values_list("via", flat=True)) <= {LinkVia.TRANSPORT_DOCUMENT, LinkVia.EQUIPMENT}
    naming_the_bl = [
        row.pk for row in Event.objects.all() if {"type": "TRD", "value": "reserved-HHL123"} in row.documents
    ]
    assert len(naming_the_bl) >= 4
    assert set(links.filter(via=LinkVia.TRANSPORT_DOCUMENT).values_list("event_id", flat=True)) == set(naming_the_bl)


def test_a_partner_that_is_no_party_does_not_link_by_naming_the_transport_document(client_for, dave, make_consignment):
    consignment = make_consignment(transport_document_number="reserved-HHL123")
    name = "tnt-220-response.json"
    assert client_for(dave).post(_url(name), _sample(name), format="json").status_code == 201
    assert not EventLink.objects.filter(consignment=consignment).exists()


def test_viewer_and_read_token_cannot_post_dcsa_events(client_for, bob, alpha, token_for, bearer):
    body = _sample("tnt-300-request-shipment.json")
    assert client_for(bob).post("/api/v1/dcsa/v3/events", body, format="json").status_code == 403
    read = bearer(token_for(alpha, scope=TokenScope.READ))
    assert read.post("/api/v1/dcsa/v3/events", body, format="json").status_code == 403
    assert not Event.objects.exists()


def test_anonymous_cannot_post_dcsa_events(db):
    response = APIClient().post("/api/v1/dcsa/v2/events", _sample("tnt-220-response.json"), format="json")
    assert response.status_code == 401
    assert not Event.objects.exists()


def test_a_v3_body_on_the_v2_endpoint_is_400(client_for, charlie):
    response = client_for(charlie).post("/api/v1/dcsa/v2/events", _sample(EQUIPMENT_SAMPLE), format="json")
    assert_dcsa_error(response, 400, "/api/v1/dcsa/v2/events")
    assert not Event.objects.exists()
