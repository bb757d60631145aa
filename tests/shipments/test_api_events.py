"""POST/GET /api/v1/events/: Corridor's own event JSON, one event or a batch, all or nothing.

alpha (alice) made the consignment PO-1001 (Kaohsiung → Rotterdam, B/L BL-KHH-0001, booking
BKG-0001, container MSKU1234565) with bravo as its carrier; delta (dave) has nothing to do with it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest

from apps.partners.choices import MemberRole, TokenScope
from apps.shipments.choices import LinkVia
from apps.shipments.epcis.parse import parse_document
from apps.shipments.ingest import service
from apps.shipments.ingest.service import MAX_BATCH, event_batch_record
from apps.shipments.models import Consignment, Event, EventLink
from tests.helpers import assert_problem, audit_for
from tests.shipments.conftest import CONTAINER, OTHER_CONTAINER, actor_for, native_event

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"


def _post(api: Any, body: Any) -> Any:
    return api.post(EVENTS, body, format="json")


def _links(consignment: Consignment) -> dict[str, str]:
    """event_id → via, for the events linked to the consignment."""
    return dict(EventLink.objects.filter(consignment=consignment).values_list("event__event_id", "via"))


def _status(consignment: Consignment) -> str:
    consignment.refresh_from_db()
    return consignment.status


def _walk(api: Any, url: str) -> list[list[str]]:
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([row["event_id"] for row in body["results"]])
        url = body["next"]
        assert len(pages) < 20, "pagination does not end"
    return pages


# --- Recording ---------------------------------------------------------------------------------------


def test_one_event_is_201_with_the_stored_event(client_for, alice):
    response = _post(client_for(alice), native_event())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["outcomes"]) == (1, ["created"])
    (event,) = body["events"]
    assert event["event_id"] == "evt-depa-1"
    assert (event["recorder"], event["source"], event["event_type"], event["event_code"]) == (
        "alpha",
        "native",
        "TRANSPORT",
        "DEPA",
    )
    assert event["event_time_zone_offset"] == "+08:00"
    row = Event.objects.get()
    assert row.event_time == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert row.payload == native_event()


def test_a_list_of_events_records_each_in_the_order_sent(client_for, alice):
    batch = [native_event(event_id=f"evt-{i}", event_time=f"2026-03-0{i}T10:00:00+08:00") for i in range(1, 4)]
    response = _post(client_for(alice), batch)
    assert response.status_code == 201, response.content
    assert [event["event_id"] for event in response.json()["events"]] == ["evt-1", "evt-2", "evt-3"]
    assert Event.objects.count() == 3


def test_an_event_without_id_gets_a_urn_uuid_returned_to_the_caller(client_for, alice):
    response = _post(client_for(alice), native_event(event_id=None))
    assert response.status_code == 201, response.content
    event_id = response.json()["events"][0]["event_id"]
    assert event_id.startswith("urn:uuid:")
    assert Event.objects.get().event_id == event_id


def test_recording_writes_one_audit_record_for_the_batch(client_for, alice):
    response = _post(client_for(alice), [native_event(event_id="a"), native_event(event_id="b")])
    record = audit_for(response, "event.batch_record")
    assert record.partner.slug == "alpha"
    assert record.changes["channel"] == "native"
    assert record.changes["event_ids"] == ["a", "b"]


def test_a_batch_over_1000_events_is_413_and_stores_nothing(client_for, alice):
    batch = [native_event(event_id=f"evt-{i}") for i in range(MAX_BATCH + 1)]
    assert_problem(_post(client_for(alice), batch), 413, problem="payload-too-large")
    assert not Event.objects.exists()


def test_a_batch_of_exactly_1000_events_is_recorded(client_for, alice):
    batch = [native_event(event_id=f"evt-{i}") for i in range(MAX_BATCH)]
    assert _post(client_for(alice), batch).status_code == 201
    assert Event.objects.count() == MAX_BATCH


def test_an_empty_list_is_400(client_for, alice):
    assert_problem(_post(client_for(alice), []), 400, field="events")


def test_one_bad_event_stores_none_of_the_batch_and_names_its_index_and_field(client_for, alice):
    _post(client_for(alice), native_event(event_id="earlier"))
    batch = [native_event(event_id="good"), native_event(event_id="bad", event_time="next tuesday")]
    assert_problem(_post(client_for(alice), batch), 400, field="1.event_time")
    assert list(Event.objects.values_list("event_id", flat=True)) == ["earlier"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event_time": "2026-03-01T10:00:00"}, "event_time"),
        ({"event_time": "2026-03-01 10:00"}, "event_time"),
        ({"equipment": ["MSKU1234566"]}, "equipment"),
        ({"location": "XXABC"}, "location"),
        ({"location": "Kaohsiung"}, "location"),
        ({"vessel_imo": "9074728"}, "vessel_imo"),
        ({"type": "ShipmentHappened"}, "type"),
        ({"action": "JUMP"}, "action"),
        ({"colour": "blue"}, "colour"),
        ({"event_time": None}, "event_time"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else value,
)
def test_bad_input_is_400_naming_the_field(client_for, alice, changes, field):
    response = _post(client_for(alice), native_event(**changes))  # a None value leaves the field out
    problem = assert_problem(response, 400, problem="validation-error")
    assert any(name == field or name.startswith(f"{field}.") for name in [e["field"] for e in problem["errors"]])
    assert not Event.objects.exists()


def test_time_without_offset_explains_what_to_send(client_for, alice):
    response = _post(client_for(alice), native_event(event_time="2026-03-01T10:00:00"))
    problem = assert_problem(response, 400, field="event_time")
    assert "offset" in problem["errors"][0]["detail"]


def test_the_same_event_id_and_content_again_is_200_unchanged_with_no_new_row(client_for, alice):
    api = client_for(alice)
    first = _post(api, native_event())
    again = _post(api, native_event())
    assert again.status_code == 200, again.content
    body = again.json()
    assert (body["created"], body["outcomes"]) == (0, ["unchanged"])
    assert body["events"][0]["id"] == first.json()["events"][0]["id"]
    assert Event.objects.count() == 1


def test_the_same_event_id_with_different_content_is_409_and_changes_nothing(client_for, alice):
    api = client_for(alice)
    _post(api, native_event())
    before = list(Event.objects.values_list("pk", "event_code", "payload", "version", "is_latest"))
    response = _post(api, [native_event(event_id="new-one"), native_event(event_code="ARRI")])
    assert_problem(response, 409, problem="conflict", field="1.eventID")
    assert list(Event.objects.values_list("pk", "event_code", "payload", "version", "is_latest")) == before


def _racing(client: Any, other: dict[str, Any]):
    """Another request records ``other`` between this batch's read and its insert: the read is made to
    miss it (it sees no event at all), so the insert meets the unique constraint, as in a real race."""
    assert _post(client, other).status_code == 201
    plan = service._plan
    calls = []

    def stale_first_read(recorder, events):
        calls.append(len(events))
        if len(calls) == 1:
            return [("created", None, service.content_digest(event)) for event in events]
        return plan(recorder, events)

    return mock.patch.object(service, "_plan", side_effect=stale_first_read), calls


def test_an_exact_repeat_that_loses_a_race_is_unchanged_not_409(client_for, alice):
    api = client_for(alice)
    patch, calls = _racing(api, native_event())
    with patch:
        response = _post(api, [native_event(), native_event(event_id="evt-2")])
    assert response.status_code == 201, response.content
    assert response.json()["outcomes"] == ["unchanged", "created"]
    assert len(calls) == 2  # planned again after the conflict, not refused
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["evt-2", "evt-depa-1"]


def test_other_content_that_loses_a_race_is_still_409(client_for, alice):
    api = client_for(alice)
    patch, _ = _racing(api, native_event(event_code="ARRI"))
    with patch:
        response = _post(api, [native_event(), native_event(event_id="evt-2")])
    assert_problem(response, 409, problem="conflict", field="0.eventID")
    assert list(Event.objects.values_list("event_id", "event_code")) == [("evt-depa-1", "ARRI")]


def test_one_event_id_twice_in_a_batch_with_different_content_is_409(client_for, alice):
    response = _post(client_for(alice), [native_event(), native_event(event_code="ARRI")])
    assert_problem(response, 409, problem="conflict")
    assert not Event.objects.exists()


def test_event_ids_belong_to_their_recorder_so_another_partner_may_reuse_one(client_for, alice, charlie):
    assert _post(client_for(alice), native_event()).status_code == 201
    assert _post(client_for(charlie), native_event(event_code="ARRI")).status_code == 201
    assert sorted(Event.objects.values_list("recorder__slug", "event_code")) == [
        ("alpha", "DEPA"),
        ("bravo", "ARRI"),
    ]


def test_naming_a_consignment_one_is_no_party_of_is_403_and_stores_nothing(client_for, dave, consignment):
    batch = [native_event(event_id="fine"), native_event(event_id="intrusion", consignment=str(consignment.pk))]
    assert_problem(_post(client_for(dave), batch), 403, problem="permission-denied", field="1.consignment")
    assert not Event.objects.exists()


def test_naming_a_consignment_that_does_not_exist_is_403(client_for, alice):
    response = _post(client_for(alice), native_event(consignment="00000000-0000-4000-8000-000000000000"))
    assert_problem(response, 403, problem="permission-denied")
    assert not Event.objects.exists()


def test_viewer_cannot_record_events(client_for, bob):
    assert_problem(_post(client_for(bob), native_event()), 403, problem="permission-denied")
    assert not Event.objects.exists()


def test_read_scope_token_cannot_record_events(alpha, token_for, bearer):
    response = _post(bearer(token_for(alpha, scope=TokenScope.READ)), native_event())
    assert_problem(response, 403, problem="permission-denied")
    assert not Event.objects.exists()


def test_write_token_records_as_its_partner(alpha, token_for, bearer):
    assert _post(bearer(token_for(alpha)), native_event()).status_code == 201
    assert Event.objects.get().recorder == alpha


# --- Linking ---------------------------------------------------------------------------------------


def test_an_event_links_by_consignment_id(client_for, charlie, consignment):
    _post(client_for(charlie), native_event(consignment=str(consignment.pk)))
    assert _links(consignment) == {"evt-depa-1": LinkVia.CONSIGNMENT}


def test_an_event_links_by_the_recorders_consignment_reference(client_for, alice, consignment):
    _post(client_for(alice), native_event(consignment="PO-1001"))
    assert _links(consignment) == {"evt-depa-1": LinkVia.CONSIGNMENT}


def test_an_event_links_by_transport_document_number(client_for, charlie, consignment):
    _post(client_for(charlie), native_event(transport_document_number="BL-KHH-0001"))
    assert _links(consignment) == {"evt-depa-1": LinkVia.TRANSPORT_DOCUMENT}


def test_an_event_links_by_booking_reference(client_for, charlie, consignment):
    _post(client_for(charlie), native_event(booking_reference="BKG-0001"))
    assert _links(consignment) == {"evt-depa-1": LinkVia.BOOKING}


def test_a_container_links_its_events_only_while_assigned(client_for, charlie, make_consignment):
    window = {"assigned_from": datetime(2026, 3, 1, tzinfo=UTC), "assigned_until": datetime(2026, 3, 31, tzinfo=UTC)}
    consignment = make_consignment(equipment=[{"number": CONTAINER, **window}])
    batch = [
        native_event(event_id="before", event_time="2026-02-27T10:00:00+08:00", equipment=[CONTAINER]),
        native_event(event_id="during", event_time="2026-03-10T10:00:00+08:00", equipment=[CONTAINER]),
        native_event(event_id="after", event_time="2026-04-02T10:00:00+08:00", equipment=[CONTAINER]),
        native_event(event_id="other-box", event_time="2026-03-10T10:00:00+08:00", equipment=[OTHER_CONTAINER]),
    ]
    assert _post(client_for(charlie), batch).status_code == 201
    assert _links(consignment) == {"during": LinkVia.EQUIPMENT}


def test_a_container_written_with_spaces_is_the_same_container(client_for, charlie, consignment):
    _post(client_for(charlie), native_event(equipment=["MSKU 123456 5"]))
    assert Event.objects.get().equipment == [CONTAINER]
    assert _links(consignment) == {"evt-depa-1": LinkVia.EQUIPMENT}


def test_naming_another_partners_transport_document_links_nothing(client_for, dave, consignment):
    assert _post(client_for(dave), native_event(transport_document_number="BL-KHH-0001")).status_code == 201
    assert _links(consignment) == {}


def test_customs_of_a_country_the_consignment_touches_may_record_for_it(client_for, nora, consignment):
    response = _post(client_for(nora), native_event(event_code="RELS", consignment=str(consignment.pk)))
    assert response.status_code == 201, response.content
    assert _links(consignment) == {"evt-depa-1": LinkVia.CONSIGNMENT}
    assert _status(consignment) == "released"


def test_an_unmatched_event_is_kept_for_its_recorder_and_linked_when_its_consignment_appears(
    client_for, alice, charlie, make_consignment
):
    response = _post(client_for(charlie), native_event(transport_document_number="BL-LATER"))
    assert response.status_code == 201
    event_pk = response.json()["events"][0]["id"]
    assert not EventLink.objects.exists()
    assert client_for(charlie).get(f"{EVENTS}{event_pk}/").status_code == 200
    assert_problem(client_for(alice).get(f"{EVENTS}{event_pk}/"), 404, problem="not-found")

    consignment = make_consignment(transport_document_number="BL-LATER")
    assert _links(consignment) == {"evt-depa-1": LinkVia.TRANSPORT_DOCUMENT}
    assert _status(consignment) == "in_transit"
    assert client_for(alice).get(f"{EVENTS}{event_pk}/").status_code == 200


def test_a_pending_container_event_is_linked_only_inside_the_assignment_window(client_for, charlie, make_consignment):
    batch = [
        native_event(event_id="before", event_time="2026-02-20T10:00:00+08:00", equipment=[CONTAINER]),
        native_event(event_id="during", event_time="2026-03-10T10:00:00+08:00", equipment=[CONTAINER]),
    ]
    assert _post(client_for(charlie), batch).status_code == 201
    window = {"assigned_from": datetime(2026, 3, 1, tzinfo=UTC)}
    consignment = make_consignment(equipment=[{"number": CONTAINER, **window}])
    assert _links(consignment) == {"during": LinkVia.EQUIPMENT}


def test_a_pending_event_of_a_partner_that_is_no_party_stays_unlinked(client_for, dave, make_consignment):
    assert _post(client_for(dave), native_event(transport_document_number="BL-LATER")).status_code == 201
    consignment = make_consignment(transport_document_number="BL-LATER")
    assert _links(consignment) == {}


# --- Status ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"event_code": "DEPA", "location": "TWKHH"}, "in_transit"),
        ({"event_code": "ARRI", "location": "NLRTM"}, "arrived"),
        ({"event_code": "ARRI", "location": "SGSIN"}, "in_transit"),
        ({"type": "SHIPMENT", "event_code": "RELS", "location": "NLRTM"}, "released"),
        ({"type": "ObjectEvent", "event_code": None, "biz_step": "receiving", "location": "NLRTM"}, "delivered"),
        ({"type": "ObjectEvent", "event_code": None, "biz_step": "receiving", "location": "SGSIN"}, "booked"),
        ({"event_code": "HOLD", "location": "NLRTM"}, "exception"),
        ({"event_code": "GTIN", "location": "TWKHH"}, "in_transit"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else value,
)
def test_the_consignment_status_derives_from_its_events(client_for, charlie, consignment, changes, status):
    assert _status(consignment) == "booked"
    body = native_event(consignment=str(consignment.pk), **changes)
    assert _post(client_for(charlie), body).status_code == 201
    assert _status(consignment) == status


def _at_rotterdam(api: Any, consignment: Consignment, code: str, day: int) -> None:
    """Report ``code`` for the consignment at Rotterdam on that day of March 2026."""
    event = native_event(
        event_id=f"{code}-{day}",
        event_code=code,
        location="NLRTM",
        event_time=f"2026-03-{day:02d}T10:00:00Z",
        consignment=str(consignment.pk),
    )
    assert _post(api, event).status_code == 201


def test_a_hold_after_arrival_is_an_exception_until_released(client_for, charlie, consignment):
    api = client_for(charlie)
    _at_rotterdam(api, consignment, "ARRI", 20)
    assert _status(consignment) == "arrived"
    _at_rotterdam(api, consignment, "HOLD", 21)
    assert _status(consignment) == "exception"
    _at_rotterdam(api, consignment, "RELS", 22)
    assert _status(consignment) == "released"


def test_a_late_reported_earlier_hold_does_not_undo_a_later_release(client_for, charlie, consignment):
    """Events arrive out of order: the status is what all events prove in event-time order."""
    api = client_for(charlie)
    _at_rotterdam(api, consignment, "RELS", 22)
    assert _status(consignment) == "released"
    _at_rotterdam(api, consignment, "HOLD", 21)
    assert _status(consignment) == "released"


def test_movement_after_a_hold_keeps_the_furthest_stage_reached(client_for, charlie, consignment):
    api = client_for(charlie)
    _at_rotterdam(api, consignment, "ARRI", 20)
    _at_rotterdam(api, consignment, "HOLD", 21)
    assert _status(consignment) == "exception"
    _at_rotterdam(api, consignment, "GTOT", 22)
    assert _status(consignment) == "arrived"


# --- Reading ---------------------------------------------------------------------------------------


def test_the_recorder_sees_its_unlinked_events_and_another_partner_does_not(client_for, alice, charlie):
    pk = _post(client_for(charlie), native_event()).json()["events"][0]["id"]
    assert [row["id"] for row in client_for(charlie).get(EVENTS).json()["results"]] == [pk]
    assert client_for(alice).get(EVENTS).json()["results"] == []
    assert_problem(client_for(alice).get(f"{EVENTS}{pk}/"), 404, problem="not-found")


def test_events_of_a_consignment_are_visible_to_its_other_parties_only(client_for, alice, charlie, dave, consignment):
    pk = _post(client_for(alice), native_event(consignment=str(consignment.pk))).json()["events"][0]["id"]
    assert [row["id"] for row in client_for(charlie).get(EVENTS).json()["results"]] == [pk]
    detail = client_for(charlie).get(f"{EVENTS}{pk}/")
    assert detail.status_code == 200
    assert detail.json()["recorder"] == "alpha"
    assert client_for(dave).get(EVENTS).json()["results"] == []
    assert_problem(client_for(dave).get(f"{EVENTS}{pk}/"), 404, problem="not-found")


def test_customs_sees_events_of_consignments_touching_its_country(client_for, alice, nora, make_consignment):
    to_rotterdam = make_consignment()
    to_busan = make_consignment(reference="PO-2002", destination="KRPUS", legs=[], transport_document_number="")
    api = client_for(alice)
    _post(api, native_event(event_id="nl", consignment=str(to_rotterdam.pk)))
    _post(api, native_event(event_id="kr", consignment=str(to_busan.pk)))
    assert [row["event_id"] for row in client_for(nora).get(EVENTS).json()["results"]] == ["nl"]


def test_staff_sees_every_event(client_for, staff, alice, charlie):
    _post(client_for(alice), native_event(event_id="a"))
    _post(client_for(charlie), native_event(event_id="b"))
    assert {row["event_id"] for row in client_for(staff).get(EVENTS).json()["results"]} == {"a", "b"}


def test_the_detail_carries_the_payload_as_sent(client_for, alice):
    sent = native_event(sensor_readings=[{"type": "temperature", "value": 4.5, "unit": "CEL"}])
    pk = _post(client_for(alice), sent).json()["events"][0]["id"]
    body = client_for(alice).get(f"{EVENTS}{pk}/").json()
    assert body["payload"] == sent
    assert body["sensor_readings"] == sent["sensor_readings"]
    assert "payload" not in client_for(alice).get(EVENTS).json()["results"][0]


@pytest.fixture
def mixed_events(alpha, alice, client_for, consignment, make_consignment) -> dict[str, Any]:
    """alpha's events: two of PO-1001, one of its container, one of another consignment, one EPCIS."""
    api = client_for(alice)
    other = make_consignment(reference="PO-2002", transport_document_number="BL-2", booking_reference="", equipment=[])
    _post(api, native_event(event_id="c1", consignment=str(consignment.pk)))
    _post(api, native_event(event_id="c2", consignment=str(consignment.pk), event_code="ARRI", location="NLRTM"))
    _post(api, native_event(event_id="box", equipment=[CONTAINER], event_time="2026-03-02T10:00:00+08:00"))
    _post(api, native_event(event_id="other", consignment=str(other.pk)))
    doc = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-21T00:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventID": "urn:uuid:7d1c0c43-2f55-4d73-9a4b-3b0d0b5a0001",
                    "eventTime": "2026-03-03T10:00:00+08:00",
                    "eventTimeZoneOffset": "+08:00",
                    "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                }
            ]
        },
    }
    (parsed,) = parse_document(doc)
    event_batch_record(actor=actor_for(alpha, alice, MemberRole.OPERATOR), events=[parsed], channel="epcis")
    return {"consignment": consignment, "hash_id": parsed.hash_id, "epcis_id": parsed.event_id}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"consignment": "{consignment}"}, {"c1", "c2", "box"}),
        ({"equipment": CONTAINER}, {"box"}),
        ({"equipment": "msku 1234565"}, {"box"}),
        ({"hash_id": "{hash_id}"}, {"{epcis_id}"}),
        ({"source": "epcis"}, {"{epcis_id}"}),
        ({"source": "native", "event_code": "ARRI"}, {"c2"}),
        ({"event_time_after": "2026-03-02T00:00:00Z"}, {"box", "{epcis_id}"}),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else None,
)
def test_the_list_filters_by_consignment_equipment_hash_and_source(client_for, alice, mixed_events, params, expected):
    names = {**mixed_events, "consignment": str(mixed_events["consignment"].pk)}
    query = {key: value.format(**names) for key, value in params.items()}
    rows = client_for(alice).get(EVENTS, query).json()["results"]
    assert {row["event_id"] for row in rows} == {value.format(**names) for value in expected}


def test_an_unknown_consignment_filter_value_is_400(client_for, alice):
    assert_problem(client_for(alice).get(EVENTS, {"consignment": "not-a-uuid"}), 400, field="consignment")


def test_the_list_pages_by_cursor_without_duplicates_or_gaps(client_for, alice):
    api = client_for(alice)
    for batch in range(3):
        _post(api, [native_event(event_id=f"b{batch}-{i}") for i in range(3)])
    pages = _walk(api, f"{EVENTS}?limit=4")
    assert [len(page) for page in pages] == [4, 4, 1]
    seen = [event_id for page in pages for event_id in page]
    assert len(seen) == len(set(seen)) == 9
    assert {event_id[:2] for event_id in seen[:3]} == {"b2"}  # newest record first
