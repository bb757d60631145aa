"""DCSA Track & Trace 2.2 / 3.0 parsing: DCSA's own samples, its deliberately wrong ones, and fuzzing.

No database: the parser is pure. The samples are in ``tests/vectors/dcsa/messages`` (the app reads its
bundled copy of the schemas).
"""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.shipments.dcsa.parse import BODY_INDEX, parse_dcsa_events
from apps.shipments.dcsa.validate import SCHEMA_DIR
from apps.shipments.ingest.types import (
    DOC_BOOKING,
    DOC_TRANSPORT_DOCUMENT,
    SOURCE_DCSA_2,
    SOURCE_DCSA_3,
    DocumentRef,
    EventIn,
    IngestValidationError,
)
from tests.vectors import VECTORS

MESSAGES = VECTORS / "dcsa" / "messages"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CET = timezone(timedelta(hours=1))
ADELAIDE = timezone(timedelta(hours=8, minutes=30))


def _sample(name: str) -> Any:
    return json.loads((MESSAGES / name).read_text(encoding="utf-8"))


def _version(name: str) -> str:
    return "2.2" if name.startswith("tnt-220-") else "3.0"


def _sample_names(*, wrong: bool) -> list[str]:
    names = sorted(path.name for path in MESSAGES.glob("tnt-*.json"))
    return [name for name in names if ("-wrong-" in name) == wrong]


def _problems(body: Any, version: str, **kwargs: Any) -> list[tuple[int, str]]:
    with pytest.raises(IngestValidationError) as caught:
        parse_dcsa_events(body, version=version, now=NOW, **kwargs)
    return [(problem.index, problem.field) for problem in caught.value.problems]


def _v2_event(**changes: Any) -> dict[str, Any]:
    """The equipment event of DCSA's 2.2 sample, changed as asked."""
    event = copy.deepcopy(_sample("tnt-220-response.json")[2])
    event.update(changes)
    return event


def _v3_event(name: str = "tnt-300-request-equipment.json", **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(_sample(name)["events"][0])
    event.update(changes)
    return event


# --- DCSA's valid samples --------------------------------------------------------------------------


def test_the_bundled_schemas_and_licence_are_in_the_app() -> None:
    names = {path.name for path in SCHEMA_DIR.iterdir()}
    assert {"TNT_v2.2.0-resolved.yaml", "TNT_v3.0.0.yaml", "LICENSE-Apache-2.0"} <= names


@pytest.mark.parametrize("name", _sample_names(wrong=False))
def test_every_valid_dcsa_sample_parses_completely(name: str) -> None:
    body = _sample(name)
    version = _version(name)
    events = parse_dcsa_events(body, version=version, now=NOW)
    sent = body if version == "2.2" else body["events"]
    assert len(events) == len(sent)
    for event, original in zip(events, sent, strict=True):
        assert isinstance(event, EventIn)
        assert event.source == (SOURCE_DCSA_2 if version == "2.2" else SOURCE_DCSA_3)
        assert event.payload is original
        assert event.event_id == original["eventID"]
        assert event.event_time.utcoffset() is not None


def test_the_samples_parse_against_the_real_clock_too() -> None:
    assert len(parse_dcsa_events(_sample("tnt-220-response.json"), version="2.2")) == 7
    assert len(parse_dcsa_events(_sample("tnt-300-response.json"), version="3.0")) == 5


def test_v2_transport_event_maps_call_vessel_voyage_and_documents() -> None:
    arrival = parse_dcsa_events(_sample("tnt-220-response.json"), version="2.2", now=NOW)[0]
    assert arrival.event_type == "TRANSPORT"
    assert arrival.event_id == "3cecb101-7a1a-43a4-9d62-e88a131651e2"
    assert arrival.event_code == "ARRI"
    assert arrival.event_classifier == "ACT"
    assert arrival.event_time == datetime(2021, 1, 9, 14, 12, 56, tzinfo=CET)
    assert arrival.event_time_zone_offset == "+01:00"
    assert arrival.record_time == datetime(2021, 1, 23, 12, 34, 56, tzinfo=UTC)
    assert arrival.updated_at is None
    assert arrival.is_retracted is False
    assert arrival.location == "FRPAR"
    assert arrival.facility_code == "ADT"
    assert arrival.mode_of_transport == "VESSEL"
    assert arrival.vessel_imo == "9321483"
    assert arrival.vessel_name == "King of the Seas"
    assert arrival.voyage_number == "2103S"  # DCSA: the export voyage when there are two
    assert arrival.carrier_code == "MAEU"
    assert arrival.equipment == ["APZU4812090"]  # from the EQ reference
    assert arrival.documents == [
        DocumentRef(DOC_BOOKING, "ABC123123123"),
        DocumentRef(DOC_TRANSPORT_DOCUMENT, "reserved-HHL123"),
        DocumentRef("FF", "string"),
        DocumentRef("EQ", "APZU4812090"),
    ]
    assert arrival.warnings == []


def test_v2_shipment_and_equipment_events_map_their_codes_documents_and_places() -> None:
    events = parse_dcsa_events(_sample("tnt-220-response.json"), version="2.2", now=NOW)
    shipment, loading = events[1], events[2]

    assert (shipment.event_type, shipment.event_code, shipment.event_classifier) == ("SHIPMENT", "DRFT", "ACT")
    assert shipment.event_time == datetime(2019, 11, 12, 7, 41, tzinfo=ADELAIDE)
    assert shipment.event_time_zone_offset == "+08:30"
    assert shipment.documents[0] == DocumentRef("SHI", "reserved-HHL123")  # documentTypeCode + documentID
    assert shipment.location == ""

    assert (loading.event_type, loading.event_code, loading.event_classifier) == ("EQUIPMENT", "LOAD", "EST")
    assert loading.equipment == ["APZU4812090"]
    assert loading.location == "FRPAR"  # eventLocation first, then the transport call
    assert loading.voyage_number == "2103S"
    assert [event.documents for event in events[4:7:2]] == [
        [DocumentRef("BKG", "ABC123123123"), DocumentRef("FF", "string"), DocumentRef("EQ", "APZU4812090")],
        [DocumentRef("TRD", "reserved-HHL123"), DocumentRef("FF", "string"), DocumentRef("EQ", "APZU4812090")],
    ]


def test_v3_transport_event_maps_transport_call_and_shipment_documents() -> None:
    (arrival,) = parse_dcsa_events(_sample("tnt-300-request-transport.json"), version="3.0", now=NOW)
    assert (arrival.event_type, arrival.event_code, arrival.event_classifier) == ("TRANSPORT", "ARRI", "ACT")
    assert arrival.event_id == "evt-trans-001-2026-01-20T12:30:00Z"
    assert arrival.event_time == datetime(2026, 1, 20, 12, 30, tzinfo=UTC)
    assert arrival.event_time_zone_offset == "+00:00"  # "Z" as sent
    assert arrival.updated_at == arrival.record_time == datetime(2025, 1, 25, 1, 23, 45, tzinfo=UTC)
    assert arrival.location == "DEHAM"
    assert arrival.mode_of_transport == "VESSEL"
    assert (arrival.vessel_imo, arrival.vessel_name) == ("1234567", "Example Vessel Alpha")
    assert arrival.voyage_number == "V001E"
    assert arrival.documents == [DocumentRef("BKG", "ABC709951"), DocumentRef("TRD", "HHL71800000")]
    assert arrival.warnings == []


def test_v3_response_keeps_a_bad_imo_check_digit_with_a_warning() -> None:
    events = parse_dcsa_events(_sample("tnt-300-response.json"), version="3.0", now=NOW)
    departure = events[1]
    assert (departure.event_code, departure.location, departure.vessel_imo) == ("DEPA", "GBSOU", "7654321")
    assert departure.warnings == [
        {
            "field": "transportDetails.transportCall.vesselTransport.vesselIMONumber",
            "detail": "'7654321' fails the IMO check digit; kept as sent.",
        }
    ]
    assert [event.event_type for event in events] == ["SHIPMENT", "TRANSPORT", "EQUIPMENT", "IOT", "REEFER"]
    assert [event.event_code for event in events] == ["CONF", "DEPA", "GTIN", "DETC", "MEAS"]
    assert [event.location for event in events] == ["", "GBSOU", "FRPAR", "", "BEANR"]


def test_v3_equipment_event_maps_equipment_details() -> None:
    (loading,) = parse_dcsa_events(_sample("tnt-300-request-equipment.json"), version="3.0", now=NOW)
    assert (loading.event_type, loading.event_code, loading.location) == ("EQUIPMENT", "LOAD", "NLRTM")
    assert loading.equipment == ["APZU4812090"]
    assert loading.updated_at == datetime(2026, 1, 20, 14, 20, tzinfo=UTC)


def test_v3_reefer_event_becomes_sensor_readings_with_units() -> None:
    (reefer,) = parse_dcsa_events(_sample("tnt-300-request-reefer.json"), version="3.0", now=NOW)
    assert (reefer.event_type, reefer.event_code, reefer.location) == ("REEFER", "MEAS", "USNYC")
    assert reefer.equipment == ["APZU4812090"]
    assert reefer.sensor_readings == [
        {"type": "temperature", "value": -18.2, "unit": "CEL", "probe": 1},
        {"type": "temperature", "value": -18.7, "unit": "CEL", "probe": 2},
        {"type": "ambient_temperature", "value": 22.3, "unit": "CEL"},
        {"type": "setpoint_temperature", "value": -18.5, "unit": "CEL"},
        {"type": "setpoint_o2", "value": 21.0, "unit": "%"},
        {"type": "setpoint_co2", "value": 0.5, "unit": "%"},
        {"type": "setpoint_humidity", "value": 75.0, "unit": "%"},
    ]


def test_v3_iot_event_becomes_a_door_reading_and_a_position() -> None:
    (door,) = parse_dcsa_events(_sample("tnt-300-request-iot.json"), version="3.0", now=NOW)
    assert (door.event_type, door.event_code, door.location) == ("IOT", "DETC", "")
    assert door.sensor_readings == [
        {"type": "iot_event", "value": "DRO"},
        {"type": "position", "value": {"latitude": "52.3676", "longitude": "4.9041"}},
    ]


def test_v3_shipment_event_maps_primary_and_additional_documents() -> None:
    (confirmed,) = parse_dcsa_events(_sample("tnt-300-request-shipment.json"), version="3.0", now=NOW)
    assert (confirmed.event_type, confirmed.event_code, confirmed.event_classifier) == ("SHIPMENT", "CONF", "ACT")
    assert confirmed.documents == [
        DocumentRef(DOC_BOOKING, "ABC709951"),
        DocumentRef(DOC_TRANSPORT_DOCUMENT, "HHL71800000"),
    ]
    assert confirmed.equipment == []


def test_v3_accepts_a_bare_array_of_events() -> None:
    body = _sample("tnt-300-response-nextpage.json")["events"]
    events = parse_dcsa_events(body, version="3.0", now=NOW)
    assert [event.event_id for event in events] == [
        "evt-resp-ship-002",
        "evt-resp-trans-002",
        "evt-resp-equip-002",
        "evt-resp-iot-002",
        "evt-resp-reefer-002",
    ]
    assert events[1].event_classifier == "EST"


def test_parsing_does_not_change_the_body() -> None:
    body = _sample("tnt-300-response.json")
    before = copy.deepcopy(body)
    parse_dcsa_events(body, version="3.0", now=NOW)
    assert body == before


# --- DCSA's deliberately wrong samples -----------------------------------------------------------


@pytest.mark.parametrize("name", _sample_names(wrong=True))
def test_every_wrong_dcsa_sample_is_rejected(name: str) -> None:
    assert _problems(_sample(name), _version(name))


def test_wrong_attribute_values_name_the_missing_id_and_the_non_country_locodes() -> None:
    problems = _problems(_sample("tnt-220-response-wrong-attribute-values.json"), "2.2")
    assert set(problems) == {
        (0, "eventID"),
        (0, "transportCall.UNLocationCode"),  # XYABC: XY is no ISO 3166 country
        (0, "transportCall.location.UNLocationCode"),  # XYBCD
        (2, "eventLocation.UNLocationCode"),  # XYABC
        (2, "transportCall.UNLocationCode"),  # XYBCD
        (2, "transportCall.location.UNLocationCode"),  # XYCDE
    }
    # Event 1 (VOID of an arrival notice) is well-formed: DCSA made it to mismatch a query filter.


def test_wrong_date_times_name_each_missing_malformed_or_impossible_time() -> None:
    problems = _problems(_sample("tnt-220-response-wrong-date-times.json"), "2.2")
    assert set(problems) == {(index, "eventID") for index in range(7)} | {
        (1, "eventCreatedDateTime"),  # missing
        (2, "eventDateTime"),  # missing
        (3, "eventCreatedDateTime"),  # "2021 01 01 14:12:56"
        (4, "eventDateTime"),  # "2019/11/12 07:41:00 +08:30"
        (5, "eventCreatedDateTime"),  # 1999: created twenty years before the actual event happened
        (6, "eventCreatedDateTime"),  # 2099: created in the future
    }


def test_wrong_event_ids_name_the_non_string_the_non_uuid_and_the_repeats() -> None:
    with pytest.raises(IngestValidationError) as caught:
        parse_dcsa_events(_sample("tnt-220-response-wrong-event-ids.json"), version="2.2", now=NOW)
    found = {(problem.index, problem.field): problem.detail for problem in caught.value.problems}
    assert found == {
        (0, "eventID"): "must be a string, not an integer",
        (1, "eventID"): '"incorrect" is not a UUID',
        (3, "eventID"): "repeats event 2 of this batch",
        (6, "eventID"): "repeats event 5 of this batch",
    }
    assert caught.value.problems[1].event_id == "incorrect"


def test_wrong_structure_wrappers_are_not_events() -> None:
    problems = _problems(_sample("tnt-220-response-wrong-structure.json"), "2.2")
    required = {"eventID", "eventType", "eventCreatedDateTime", "eventDateTime", "eventClassifierCode"}
    assert set(problems) == {(index, field) for index in (0, 1) for field in required}


# --- Times -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2019-11-12T07:41:00", "2019-11-12 07:41:00+08:30", "2019-11-12T07:41+08:30"])
def test_a_time_without_an_rfc_3339_offset_is_rejected(value: str) -> None:
    with pytest.raises(IngestValidationError) as caught:
        parse_dcsa_events([_v2_event(eventDateTime=value)], version="2.2", now=NOW)
    (problem,) = caught.value.problems
    assert (problem.field, problem.event_id) == ("eventDateTime", "3cecb101-7a1a-43a4-9d62-e88a131651e4")
    assert "time-zone offset" in problem.detail


def test_a_v3_time_without_an_offset_is_rejected() -> None:
    assert _problems({"events": [_v3_event(eventDateTime="2026-01-20T14:15:00")]}, "3.0") == [(0, "eventDateTime")]


@pytest.mark.parametrize(
    ("value", "moment", "offset"),
    [
        ("2021-01-09T14:12:56.123456789-05:00", datetime(2021, 1, 9, 19, 12, 56, 123456, tzinfo=UTC), "-05:00"),
        ("2021-01-09t14:12:56z", datetime(2021, 1, 9, 14, 12, 56, tzinfo=UTC), "+00:00"),
        ("2021-01-09T14:12:56-00:00", datetime(2021, 1, 9, 14, 12, 56, tzinfo=UTC), "-00:00"),
    ],
)
def test_the_offset_is_kept_as_sent(value: str, moment: datetime, offset: str) -> None:
    (event,) = parse_dcsa_events([_v2_event(eventDateTime=value)], version="2.2", now=NOW)
    assert (event.event_time, event.event_time_zone_offset) == (moment, offset)


@pytest.mark.parametrize("value", ["2021-02-29T00:00:00Z", "2016-12-31T23:59:60Z", "0001-01-01T00:00:00+01:00"])
def test_a_time_that_cannot_be_stored_is_rejected(value: str) -> None:
    assert _problems([_v2_event(eventDateTime=value)], "2.2") == [(0, "eventDateTime")]


def test_an_actual_event_in_the_future_is_rejected_an_estimate_is_not() -> None:
    tomorrow = (NOW + timedelta(days=1)).isoformat()
    actual = _v3_event(eventDateTime=tomorrow)
    estimate = _v3_event(eventDateTime=tomorrow, eventID="est")
    estimate["eventClassification"] = {**estimate["eventClassification"], "eventClassifierCode": "EST"}
    assert _problems({"events": [actual, estimate]}, "3.0") == [(0, "eventDateTime")]
    assert parse_dcsa_events({"events": [estimate]}, version="3.0", now=NOW)[0].event_classifier == "EST"


# --- Identifiers -----------------------------------------------------------------------------------


def test_a_bad_iso_6346_check_digit_is_kept_with_a_warning() -> None:
    (event,) = parse_dcsa_events([_v2_event(equipmentReference="APZU4812091")], version="2.2", now=NOW)
    assert event.equipment[0] == "APZU4812091"
    assert event.warnings == [
        {"field": "equipmentReference", "detail": "'APZU4812091' fails the ISO 6346 check digit; kept as sent."}
    ]


def test_container_numbers_are_normalised_and_non_iso_ids_kept_with_a_warning() -> None:
    (spaced,) = parse_dcsa_events([_v2_event(equipmentReference="apzu 481209 0")], version="2.2", now=NOW)
    assert (spaced.equipment, spaced.warnings) == (["APZU4812090"], [])
    event = _v3_event()
    event["equipmentDetails"] = {"equipmentReference": "TRAILER-17"}
    (trailer,) = parse_dcsa_events({"events": [event]}, version="3.0", now=NOW)
    assert trailer.equipment == ["TRAILER-17"]
    assert trailer.warnings[0]["field"] == "equipmentDetails.equipmentReference"


def test_unlocodes_are_upper_cased_and_a_bad_one_rejected() -> None:
    event = _v3_event()
    event["eventLocation"] = {"UNLocationCode": "nlrtm"}
    assert parse_dcsa_events({"events": [event]}, version="3.0", now=NOW)[0].location == "NLRTM"
    event["eventLocation"] = {"UNLocationCode": "NLRT1"}  # 0 and 1 are not UN/LOCODE characters
    assert _problems({"events": [event]}, "3.0") == [(0, "eventLocation.UNLocationCode")]


def test_v3_codes_come_from_the_specs_descriptions() -> None:
    event = _v3_event()
    event["eventClassification"] = {**event["eventClassification"], "equipmentEventTypeCode": "TELEPORT"}
    assert _problems({"events": [event]}, "3.0") == [(0, "eventClassification.equipmentEventTypeCode")]
    event["eventClassification"] = {"eventTypeCode": "ROCKET", "eventClassifierCode": "ACT"}
    assert _problems({"events": [event]}, "3.0") == [(0, "eventClassification.eventTypeCode")]


def test_v3_an_event_needs_its_type_code() -> None:
    event = _v3_event()
    del event["eventClassification"]["equipmentEventTypeCode"]
    assert _problems({"events": [event]}, "3.0") == [(0, "eventClassification.equipmentEventTypeCode")]


# --- DCSA 3.0 versions and retractions -----------------------------------------------------------


def test_v3_versions_of_one_event_may_share_a_batch_exact_repeats_may_not() -> None:
    first = _v3_event()
    later = _v3_event(eventUpdatedDateTime="2026-01-21T08:00:00+01:00")
    events = parse_dcsa_events({"events": [first, later]}, version="3.0", now=NOW)
    assert [event.updated_at for event in events] == [
        datetime(2026, 1, 20, 14, 20, tzinfo=UTC),
        datetime(2026, 1, 21, 7, 0, tzinfo=UTC),
    ]
    same_instant = _v3_event(eventUpdatedDateTime="2026-01-20T15:20:00+01:00")
    assert _problems({"events": [first, same_instant]}, "3.0") == [(1, "eventID")]


def test_v3_a_bare_retraction_is_accepted() -> None:
    retraction = {
        "eventID": "evt-equip-001-2026-01-20T14:15:00Z",
        "isRetracted": True,
        "eventUpdatedDateTime": "2026-02-01T00:00:00Z",
    }
    (event,) = parse_dcsa_events({"events": [retraction]}, version="3.0", now=NOW)
    assert event.is_retracted is True
    assert event.event_time == event.updated_at == datetime(2026, 2, 1, tzinfo=UTC)
    assert event.event_type == ""  # DCSA: nothing but the eventID matters in a retraction


def test_v3_a_retraction_needs_its_update_time() -> None:
    assert _problems({"events": [{"eventID": "x", "isRetracted": True}]}, "3.0") == [(0, "eventUpdatedDateTime")]


# --- Batches and bodies ----------------------------------------------------------------------------


def test_one_bad_event_rejects_the_whole_batch() -> None:
    good = _sample("tnt-220-response.json")
    bad = _v2_event(eventID="7a5b8f0e-0d0c-4a7f-9b1e-3f2c1d0e9a88", eventDateTime="yesterday")
    with pytest.raises(IngestValidationError) as caught:
        parse_dcsa_events([*good, bad], version="2.2", now=NOW)
    assert [(problem.index, problem.field) for problem in caught.value.problems] == [(7, "eventDateTime")]
    assert caught.value.problems[0].as_dict()["event_id"] == "7a5b8f0e-0d0c-4a7f-9b1e-3f2c1d0e9a88"


def test_every_problem_of_the_batch_is_reported_at_once() -> None:
    events = [_v2_event(eventID="1", eventDateTime="soon"), "not an event", _v2_event(eventType="PARTY")]
    assert _problems(events, "2.2") == [(0, "eventDateTime"), (0, "eventID"), (1, ""), (2, "eventType")]


@pytest.mark.parametrize(
    ("body", "version", "field"),
    [
        ({"events": []}, "2.2", ""),  # 2.2 has no wrapper, not even in its subscription callback
        ("[]", "2.2", ""),
        ({"feedbackElements": []}, "3.0", "events"),
        ({"events": {}}, "3.0", "events"),
        (None, "3.0", ""),
    ],
)
def test_a_body_of_the_wrong_shape_is_one_problem(body: Any, version: str, field: str) -> None:
    assert _problems(body, version) == [(BODY_INDEX, field)]


def test_an_empty_list_is_no_events() -> None:
    assert parse_dcsa_events([], version="2.2") == []
    assert parse_dcsa_events({"events": []}, version="3.0") == []


def test_an_unknown_version_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"2\.2, 3\.0"):
        parse_dcsa_events([], version="2.1")


@pytest.mark.parametrize(
    ("value", "field"),
    [(math.nan, "transportCall.transportCallSequenceNumber"), (2**53, "transportCall.transportCallSequenceNumber")],
)
def test_numbers_json_cannot_exchange_are_rejected(value: Any, field: str) -> None:
    event = _v2_event()
    event["transportCall"] = {**event["transportCall"], "transportCallSequenceNumber": value}
    assert _problems([event], "2.2") == [(0, field)]


def test_a_lone_surrogate_is_rejected_and_quoted_printably() -> None:
    assert _problems([_v2_event(changeRemark="\ud800")], "2.2") == [(0, "changeRemark")]
    with pytest.raises(IngestValidationError) as caught:
        parse_dcsa_events({"events": [_v3_event(eventID="\udc00")]}, version="3.0", now=NOW)
    assert [(problem.field, problem.event_id) for problem in caught.value.problems] == [("eventID", "\\udc00")]


# --- Fuzzing ---------------------------------------------------------------------------------------

DCSA_KEYS = (
    "eventID",
    "eventType",
    "eventDateTime",
    "eventCreatedDateTime",
    "eventUpdatedDateTime",
    "eventClassifierCode",
    "eventClassification",
    "eventTypeCode",
    "isRetracted",
    "transportCall",
    "equipmentReference",
    "UNLocationCode",
    "vessel",
    "vesselIMONumber",
    "references",
    "documentReferences",
    "shipmentDetails",
    "reeferDetails",
    "temperatureProbeMeasurements",
    "events",
    "\udc00",
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json.loads accepts them
    | st.text(max_size=20)
    # Near misses, and what json.loads accepts but hypothesis's text() never makes (lone surrogates).
    | st.sampled_from(
        [
            "2021-01-09T14:12:56+01:00",
            "2021-01-09T14:12:56",
            "9999-12-31T23:59:59-14:00",
            "ACT",
            "EQUIPMENT",
            "REEFER",
            "APZU4812090",
            "APZU4812091",
            "nlrtm",
            "XYABC",
            "9321483",
            "\ud800",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(DCSA_KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


def _parse_or_reject(body: Any, version: str) -> None:
    """The contract: a list of EventIn for every event, or IngestValidationError; nothing else escapes."""
    try:
        events = parse_dcsa_events(body, version=version, now=NOW)
    except IngestValidationError as exc:
        rejection: IngestValidationError | None = exc
    else:
        rejection = None
    if rejection is not None:
        assert rejection.problems
        # The problems go back to the sender as JSON: they must encode, whatever was sent.
        json.dumps([problem.as_dict() for problem in rejection.problems], ensure_ascii=False).encode()
        return
    sent = body["events"] if isinstance(body, dict) else body
    assert len(events) == len(sent)
    assert all(isinstance(event, EventIn) and event.event_time.utcoffset() is not None for event in events)


@settings(max_examples=300, deadline=None)
@given(body=JSON, version=st.sampled_from(["2.2", "3.0"]))
def test_random_json_is_parsed_or_rejected(body: Any, version: str) -> None:
    _parse_or_reject(body, version)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            found += _paths(value, (*prefix, position))
    return found


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(_sample_names(wrong=False)),
    data=st.data(),
)
def test_mutated_samples_are_parsed_or_rejected(name: str, data: st.DataObject) -> None:
    body = copy.deepcopy(_sample(name))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(body)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON, label="value")
    _parse_or_reject(body, _version(name))


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("field", ["eventType", "someExtension"])
def test_a_deeply_nested_value_is_rejected_or_kept_without_crashing(field: str) -> None:
    event = _v2_event(**{field: _nested(50_000)})
    if field == "eventType":
        assert _problems([event], "2.2") == [(0, "eventType")]
    else:
        assert parse_dcsa_events([event], version="2.2", now=NOW)[0].payload[field] is event[field]


def test_an_empty_event_id_identifies_nothing() -> None:
    assert _problems({"events": [_v3_event(eventID="")]}, "3.0") == [(0, "eventID")]
