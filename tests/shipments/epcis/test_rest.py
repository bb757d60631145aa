"""GS1 EPCIS 2.0 REST binding: POST /epcis/capture (202 + capture job) and GET /epcis/events.

Every GS1 example in ``tests/vectors/epcis`` is captured and read back with the same event ids and
fields; the one that redefines a protected term of the GS1 context fails its job with a clear error.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.partners.choices import TokenScope
from apps.shipments import tasks
from apps.shipments.models import CaptureJob, Event
from tests.vectors import VECTORS

pytestmark = pytest.mark.django_db

PROTECTED = "transformation_event_all_possible_fields.jsonld"
NOT_EXAMPLES = {"epcis-context.jsonld", PROTECTED}
EXAMPLES = sorted(path.name for path in (VECTORS / "epcis").glob("*.jsonld") if path.name not in NOT_EXAMPLES)
GS1_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

SGTIN = "urn:epc:id:sgtin:0614141.107346."
SSCC = "urn:epc:id:sscc:0614141.1234567890"
CLASS = "urn:epc:class:lgtin:4012345.012345.998877"


def _example(name: str) -> tuple[str, list[dict[str, Any]]]:
    text = (VECTORS / "epcis" / name).read_text(encoding="utf-8")
    return text, json.loads(text)["epcisBody"]["eventList"]


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [GS1_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-21T00:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def object_event(number: int, **changes: Any) -> dict[str, Any]:
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "eventTime": "2026-03-01T10:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": [f"{SGTIN}{number}"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": f"urn:epc:id:sgln:0614141.00001.{number}"},
    }
    event.update(changes)
    return {key: value for key, value in event.items() if value is not None}


@pytest.fixture
def capture(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """POST /epcis/capture and run the capture job it enqueues on commit."""

    def post(api: Any, body: str | dict[str, Any], **headers: str) -> Any:
        text = body if isinstance(body, str) else json.dumps(body)
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/epcis/capture", data=text, content_type="application/ld+json", headers=headers)

    return post


def _job(api: Any, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.content
    job = api.get(response["Location"])
    assert job.status_code == 200, job.content
    return job.json()


def _events(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    return body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def _ids(response: Any) -> set[str]:
    return {event["eventID"] for event in _events(response)}


# --- Capture ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_gs1_example_captures_and_reads_back_with_the_same_ids_and_fields(client_for, alice, capture, name):
    text, events = _example(name)
    api = client_for(alice)
    response = capture(api, text)
    assert re.fullmatch(r"/epcis/capture/[0-9a-f-]{36}", response["Location"])
    job = _job(api, response)
    assert (job["running"], job["success"], job["errors"]) == (False, True, [])
    assert job["capturedCount"] == len(events)
    stored = {row.payload_key: row for row in _rows_by_payload()}
    for sent in events:
        row = stored[json.dumps(sent, sort_keys=True)]
        event_id = sent.get("eventID", row.hash_id)
        assert row.event_id == event_id
        found = _events(api.get("/epcis/events", {"EQ_eventID": event_id}))
        assert found == [sent]


def _rows_by_payload() -> list[Event]:
    rows = list(Event.objects.all())
    for row in rows:
        row.payload_key = json.dumps(row.payload, sort_keys=True)
    return rows


def test_events_without_event_id_get_their_cbv_hash_as_id_and_recapture_is_idempotent(client_for, alice, capture):
    text, events = _example("Example-TransactionEvents-2020_07_03y.jsonld")
    assert not any("eventID" in event for event in events)
    api = client_for(alice)
    assert _job(api, capture(api, text))["success"] is True
    rows = list(Event.objects.all())
    assert len(rows) == len(events)
    for row in rows:
        assert row.event_id == row.hash_id
        assert re.fullmatch(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0", row.event_id)
        assert len(_events(api.get("/epcis/events", {"EQ_eventID": row.event_id}))) == 1

    again = _job(api, capture(api, text))
    assert again["success"] is True
    assert Event.objects.count() == len(events)


def test_redefining_a_protected_gs1_term_fails_the_job_naming_the_term(client_for, alice, capture):
    text, _ = _example(PROTECTED)
    api = client_for(alice)
    job = _job(api, capture(api, text))
    assert (job["running"], job["success"], job["capturedCount"]) == (False, False, 0)
    (error,) = job["errors"]
    assert error["type"] == "epcisException:ValidationException"
    assert "cbvmda" in error["detail"]
    assert "protected term" in error["detail"]
    assert not Event.objects.exists()


def test_one_invalid_event_rolls_back_the_whole_capture_by_default(client_for, alice, capture):
    api = client_for(alice)
    doc = document(object_event(1), object_event(2, action="JUMP"), object_event(3))
    job = _job(api, capture(api, doc))
    assert (job["running"], job["success"]) == (False, False)
    assert {(error["eventIndex"], error["pointer"]) for error in job["errors"]} == {(1, "action")}
    assert {error["type"] for error in job["errors"]} == {"epcisException:ValidationException"}
    assert not Event.objects.exists()


def test_proceed_records_the_valid_events_and_reports_the_invalid_one(client_for, alice, capture):
    api = client_for(alice)
    doc = document(object_event(1), object_event(2, action="JUMP"), object_event(3))
    job = _job(api, capture(api, doc, **{"GS1-Capture-Error-Behaviour": "proceed"}))
    assert job["running"] is False
    assert job["captureErrorBehaviour"] == "proceed"
    assert {(error["eventIndex"], error["eventID"]) for error in job["errors"]} == {(1, object_event(2)["eventID"])}
    assert job["capturedCount"] == 2
    assert set(Event.objects.values_list("event_id", flat=True)) == {
        object_event(1)["eventID"],
        object_event(3)["eventID"],
    }


@pytest.mark.parametrize("behaviour", ["rollback", "proceed"])
def test_a_body_that_is_not_json_is_refused_at_once_and_starts_no_job(client_for, alice, capture, behaviour):
    """It used to be accepted (202) and fail its job; schemathesis counted that as a request that breaks the
    schema accepted. (A job whose stored document is broken still fails naming it: test_parse.py.)"""
    api = client_for(alice)
    broken = '{"type": "EPCISDocument", "epcisBody": {'
    response = capture(api, broken, **{"GS1-Capture-Error-Behaviour": behaviour})
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "epcisException:ValidationException"
    assert "not valid JSON" in response.json()["detail"]
    assert not CaptureJob.objects.exists()


def test_unknown_capture_error_behaviour_is_400(client_for, alice, capture):
    response = capture(client_for(alice), document(object_event(1)), **{"GS1-Capture-Error-Behaviour": "ignore"})
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:ValidationException"
    assert not CaptureJob.objects.exists()


def test_read_scope_token_cannot_capture(alpha, token_for, bearer, capture):
    response = capture(bearer(token_for(alpha, scope=TokenScope.READ)), document(object_event(1)))
    assert response.status_code == 403
    assert not CaptureJob.objects.exists()
    assert not Event.objects.exists()


def test_viewer_cannot_capture(client_for, bob, capture):
    assert capture(client_for(bob), document(object_event(1))).status_code == 403
    assert not CaptureJob.objects.exists()


def test_another_partners_capture_job_is_404(client_for, alice, charlie, capture):
    response = capture(client_for(charlie), document(object_event(1)))
    assert _job(client_for(charlie), response)["success"] is True
    outsider = client_for(alice).get(response["Location"])
    assert outsider.status_code == 404
    assert outsider.json()["type"] == "epcisException:NoSuchResourceException"


def test_another_partners_captured_events_never_appear_in_its_query(client_for, alice, charlie, capture):
    text, events = _example("Example_9.6.1-ObjectEvent.jsonld")
    assert _job(client_for(charlie), capture(client_for(charlie), text))["success"] is True
    bravo_only = document(object_event(9))
    assert _job(client_for(charlie), capture(client_for(charlie), bravo_only))["success"] is True
    # alpha captures the same GS1 document: ids are per recorder, so both keep their own copies.
    assert _job(client_for(alice), capture(client_for(alice), text))["success"] is True

    alice_sees = _events(client_for(alice).get("/epcis/events", {"perPage": 1000}))
    assert sorted(event["eventID"] for event in alice_sees) == sorted(event["eventID"] for event in events)
    assert _events(client_for(alice).get("/epcis/events", {"EQ_eventID": object_event(9)["eventID"]})) == []
    assert len(_events(client_for(alice).get("/epcis/events", {"EQ_eventID": events[0]["eventID"]}))) == 1
    assert Event.objects.filter(event_id=events[0]["eventID"]).count() == 2


# --- Query ----------------------------------------------------------------------------------------------

E1 = object_event(
    1,
    bizLocation={"id": "urn:epc:id:sgln:0614141.00777.0"},
    bizStep="https://ref.gs1.org/cbv/BizStep-shipping",
)
E2 = object_event(2, eventTime="2026-03-05T10:00:00+08:00", bizStep="departing")
E3 = {
    "type": "AggregationEvent",
    "eventID": "urn:uuid:00000000-0000-4000-8000-000000000003",
    "eventTime": "2026-03-10T09:00:00+01:00",
    "eventTimeZoneOffset": "+01:00",
    "parentID": SSCC,
    "childEPCs": [f"{SGTIN}3"],
    "action": "ADD",
    "bizStep": "packing",
    "disposition": "in_progress",
    "readPoint": {"id": "urn:epc:id:sgln:0614141.00001.3"},
}
E4 = object_event(
    4,
    eventTime="2026-03-20T16:30:00+01:00",
    eventTimeZoneOffset="+01:00",
    bizStep="receiving",
    disposition="in_progress",
    bizLocation={"id": "urn:epc:id:sgln:0614141.00888.0"},
    quantityList=[{"epcClass": CLASS, "quantity": 5}],
)
QUERY_EVENTS = {"e1": E1, "e2": E2, "e3": E3, "e4": E4}


@pytest.fixture
def queried(client_for, alice, capture) -> Any:
    """alice's four captured events (e1..e4, in event-time order) and her API client."""
    api = client_for(alice)
    assert _job(api, capture(api, document(*copy.deepcopy(list(QUERY_EVENTS.values())))))["success"] is True
    return api


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"e1", "e2", "e3", "e4"}),
        ({"eventType": "AggregationEvent"}, {"e3"}),
        ({"eventType": "ObjectEvent"}, {"e1", "e2", "e4"}),
        ({"eventType": "AggregationEvent|TransactionEvent"}, {"e3"}),
        ({"GE_eventTime": "2026-03-05T02:00:00Z"}, {"e2", "e3", "e4"}),
        ({"LT_eventTime": "2026-03-05T02:00:00Z"}, {"e1"}),
        ({"GE_eventTime": "2026-03-05T10:00:00+08:00", "LT_eventTime": "2026-03-20T15:30:00Z"}, {"e2", "e3"}),
        ({"EQ_bizStep": "shipping"}, {"e1"}),
        ({"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-departing"}, {"e2"}),
        ({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:receiving"}, {"e4"}),
        ({"EQ_bizStep": "shipping|packing"}, {"e1", "e3"}),
        ({"EQ_disposition": "in_progress"}, {"e3", "e4"}),
        ({"EQ_disposition": "https://ref.gs1.org/cbv/Disp-in_transit"}, {"e1", "e2"}),
        ({"EQ_bizLocation": "urn:epc:id:sgln:0614141.00777.0"}, {"e1"}),
        ({"EQ_readPoint": "urn:epc:id:sgln:0614141.00001.2"}, {"e2"}),
        ({"MATCH_epc": f"{SGTIN}1"}, {"e1"}),
        ({"MATCH_epc": f"{SGTIN}3"}, {"e3"}),
        ({"MATCH_epc": SSCC}, set()),
        ({"MATCH_epc": "urn:epc:idpat:sgtin:0614141.107346.*"}, {"e1", "e2", "e3", "e4"}),
        ({"MATCH_anyEPC": SSCC}, {"e3"}),
        ({"MATCH_anyEPC": f"{SGTIN}4|{SSCC}"}, {"e3", "e4"}),
        ({"MATCH_anyEPC": "urn:epc:idpat:sscc:0614141.*"}, {"e3"}),
        ({"eventType": "ObjectEvent", "EQ_disposition": "in_transit", "GE_eventTime": "2026-03-02T00:00:00Z"}, {"e2"}),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else None,
)
def test_query_parameters_select_the_standard_events(queried, params, expected):
    wanted = {QUERY_EVENTS[key]["eventID"] for key in expected}
    assert _ids(queried.get("/epcis/events", params)) == wanted


def test_query_answers_an_epcis_query_document_with_the_events_as_captured(queried):
    response = queried.get("/epcis/events", {"EQ_eventID": E3["eventID"]})
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    body = response.json()
    assert body["@context"] == [GS1_CONTEXT]
    assert body["epcisBody"]["queryResults"]["queryName"] == "SimpleEventQuery"
    assert _events(response) == [E3]


def test_ge_record_time_selects_events_captured_since(queried, capture):
    between = timezone.now()
    later = object_event(5)
    assert _job(queried, capture(queried, document(later)))["success"] is True
    assert _ids(queried.get("/epcis/events", {"GE_recordTime": between.isoformat()})) == {later["eventID"]}
    assert len(_ids(queried.get("/epcis/events", {"LT_recordTime": between.isoformat()}))) == 4


def test_per_page_and_next_page_token_walk_every_event_once(queried, capture):
    more = [object_event(number) for number in range(5, 8)]
    assert _job(queried, capture(queried, document(*more)))["success"] is True
    pages: list[list[str]] = []
    response = queried.get("/epcis/events", {"perPage": 2})
    while True:
        pages.append([event["eventID"] for event in _events(response)])
        link = response.get("Link")
        if not link:
            break
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match, link
        assert "nextPageToken=" in match.group(1)
        assert len(pages) < 10, "pagination does not end"
        response = queried.get(match.group(1))
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    seen = [event_id for page in pages for event_id in page]
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == {event["eventID"] for event in [*QUERY_EVENTS.values(), *more]}


@pytest.mark.parametrize(
    "params",
    [
        {"EQ_fooBar": "x"},
        {"GE_eventTime": "yesterday"},
        {"GE_eventTime": "2026-03-01T10:00:00"},
        {"perPage": "0"},
        {"perPage": "many"},
        {"nextPageToken": "not-a-token"},
        {"MATCH_epc": "urn:epc:idpat:sgtin:*.107346.1"},
    ],
    ids=lambda params: "&".join(f"{key}={value}" for key, value in params.items()),
)
def test_bad_query_parameter_is_400_query_parameter_exception(queried, params):
    response = queried.get("/epcis/events", params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["status"] == 400
    assert body["detail"]


def test_unknown_query_parameter_is_named_in_the_error(queried):
    response = queried.get("/epcis/events", {"EQ_fooBar": "x"})
    assert "EQ_fooBar" in response.json()["detail"]


def test_query_leaves_out_events_recorded_in_other_formats(queried):
    native = {
        "event_id": "native-1",
        "type": "ObjectEvent",
        "event_time": "2026-03-02T10:00:00+08:00",
        "biz_step": "shipping",
        "epcs": [f"{SGTIN}1"],
    }
    assert queried.post("/api/v1/events/", native, format="json").status_code == 201
    assert _ids(queried.get("/epcis/events", {"EQ_bizStep": "shipping"})) == {E1["eventID"]}


def test_captured_event_keeps_its_time_zone_offset_and_gets_a_record_time(queried):
    row = Event.objects.get(event_id=E3["eventID"])
    assert row.event_time_zone_offset == "+01:00"
    assert row.event_time == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    assert row.record_time is not None
    assert row.source == "epcis"


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_still_answers_202_and_leaves_the_job_to_the_sweep(client_for, alice, monkeypatch):
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.epcis_capture_process, "delay", broker_down)
    response = client_for(alice).post(
        "/epcis/capture", data=json.dumps(document(object_event(1))), content_type="application/ld+json"
    )
    assert response.status_code == 202, response.content
    job = CaptureJob.objects.get()
    assert job.state == "running"

    # A sweep interval later the ledger still holds the job, and the sweep sends it.
    CaptureJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    sent: list[str] = []
    monkeypatch.setattr(tasks.epcis_capture_process, "delay", sent.append)
    assert tasks.epcis_capture_sweep() == 1
    assert sent == [str(job.pk)]
