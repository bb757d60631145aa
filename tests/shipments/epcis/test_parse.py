"""EPCIS 2.0 documents to EventIn: GS1's own examples, the ways a document is refused, streaming, fuzzing.

No database: the parser is pure. The examples are in ``tests/vectors`` (the app reads its bundled copies).
"""

from __future__ import annotations

import copy
import functools
import io
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from apps.shipments.epcis import schema as epcis_schema
from apps.shipments.epcis import validate as epcis_validate
from apps.shipments.epcis.hash import document_event_hashes
from apps.shipments.epcis.parse import iter_events, parse_document, parse_stream, validate_stream
from apps.shipments.epcis.schema import validate_event
from apps.shipments.epcis.validate import DOCUMENT_INDEX, MAX_DEPTH, validate_document
from apps.shipments.epcis.vocabulary import GS1_CONTEXT_URL, SCHEMA_DIR, short_cbv_name
from apps.shipments.ingest.types import DocumentRef, EventIn, IngestValidationError
from tests.vectors import VECTORS

GS1_EXAMPLES = VECTORS / "epcis"
HASH_VECTORS = VECTORS / "epcis-hash"
BUNDLED = SCHEMA_DIR
REJECTED = "transformation_event_all_possible_fields.jsonld"  # redefines the protected term cbvmda
UNVERSIONED_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _example(name: str) -> dict[str, Any]:
    return _load(GS1_EXAMPLES / name)


def _example_names() -> list[str]:
    return sorted(path.name for path in GS1_EXAMPLES.glob("*.jsonld") if path.name != "epcis-context.jsonld")


def _document(*events: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return {
        "@context": context if context is not None else [GS1_CONTEXT_URL, {"example": "http://ns.example.com/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T10:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def _event(**fields: Any) -> dict[str, Any]:
    """A container leaving a terminal; ``fields`` override (None removes a field)."""
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T09:30:00.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "epcList": ["urn:epc:id:bic:CSQU3054383"],
        "action": "OBSERVE",
        "bizStep": "departing",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
        "bizTransactionList": [{"type": "bol", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:BL-778812"}],
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def _problems(document: Any) -> list[tuple[int, str]]:
    with pytest.raises(IngestValidationError) as caught:
        validate_document(document)
    return [(problem.index, problem.field) for problem in caught.value.problems]


def _details(document: Any) -> list[str]:
    with pytest.raises(IngestValidationError) as caught:
        validate_document(document)
    return [problem.detail for problem in caught.value.problems]


def _stream(document: Any) -> io.BytesIO:
    return io.BytesIO(json.dumps(document).encode("utf-8"))


# --- The bundle -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["EPCIS-JSON-Schema.json", "epcis-context.jsonld", "LICENSE"])
def test_the_bundled_gs1_files_are_the_official_ones(name: str) -> None:
    assert (BUNDLED / name).read_bytes() == (GS1_EXAMPLES / name).read_bytes()


# --- GS1's examples, with their real values ------------------------------------------------------------


def test_every_gs1_example_parses_with_the_ids_it_sends_except_the_one_redefining_a_protected_term() -> None:
    names = _example_names()
    assert len(names) == 10
    for name in names:
        document = _example(name)
        if name == REJECTED:
            continue
        events = parse_document(document)
        sent = document["epcisBody"]["eventList"]
        hashes = document_event_hashes(document)
        assert [event.event_id for event in events] == [
            e.get("eventID") or h for e, h in zip(sent, hashes, strict=True)
        ], name
        assert [event.hash_id for event in events] == hashes, name
        assert [event.event_type for event in events] == [e["type"] for e in sent], name
        assert [event.event_time_zone_offset for event in events] == [e["eventTimeZoneOffset"] for e in sent]
        assert all(event.payload is e and event.source == "epcis" for event, e in zip(events, sent, strict=True))


def test_hash_ids_match_the_published_cbv_values_for_the_gs1_examples() -> None:
    checked = 0
    for expected in sorted((HASH_VECTORS / "shared-epcis").glob("*.hashes")):
        events = parse_document(_example(expected.name.replace(".hashes", ".jsonld")))
        assert [event.hash_id for event in events] == expected.read_text(encoding="utf-8").split()
        checked += 1
    assert checked == 8


def test_example_9_6_1_object_events() -> None:
    first, second = parse_document(_example("Example_9.6.1-ObjectEvent.jsonld"))
    assert first.event_id == "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0"
    assert first.hash_id == "ni:///sha-256;df6523665bc5e5803d6c7b84f5a04e103694d8220f2abc4f2c74310e89f31bc6?ver=CBV2.0"
    assert first.event_type == "ObjectEvent"
    assert first.event_time == datetime(2005, 4, 4, 2, 33, 31, 116000, tzinfo=UTC)
    assert first.event_time_zone_offset == "-06:00"
    assert first.record_time is None
    assert (first.action, first.biz_step, first.disposition) == ("OBSERVE", "shipping", "in_transit")
    assert first.epcs == ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"]
    assert first.read_point == "urn:epc:id:sgln:0614141.07346.1234"
    assert (first.biz_location, first.location) == ("", "")  # an SGLN is not a UN/LOCODE
    assert first.documents == [DocumentRef("PO", "http://transaction.acme.com/po/12345678")]
    assert first.biz_transactions == [{"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"}]
    assert (first.equipment, first.warnings, first.error_declaration) == ([], [], None)

    assert (second.biz_step, second.disposition) == ("receiving", "in_progress")
    assert second.biz_location == "urn:epc:id:sgln:0012345.11111.0"
    assert second.documents == [
        DocumentRef("PO", "http://transaction.acme.com/po/12345678"),
        DocumentRef("desadv", "urn:epcglobal:cbv:bt:0614141073467:1152"),  # kept as sent
    ]
    assert second.payload["example:myField"] == "Example of a vendor/user extension"


def test_example_9_6_2_quantities_are_epcs() -> None:
    (event,) = parse_document(_example("Example_9.6.2-ObjectEvent.jsonld"))
    assert event.epcs == ["urn:epc:class:lgtin:4012345.012345.998877"]
    assert event.event_time == datetime(2013, 6, 8, 14, 58, 56, 591000, tzinfo=UTC)
    assert event.event_time_zone_offset == "+02:00"
    assert (event.read_point, event.biz_location) == (
        "urn:epc:id:sgln:0614141.00777.0",
        "urn:epc:id:sgln:0614141.00888.0",
    )


def test_example_9_6_3_aggregation() -> None:
    (event,) = parse_document(_example("Example_9.6.3-AggregationEvent.jsonld"))
    assert event.event_type == "AggregationEvent"
    assert event.parent_id == "urn:epc:id:sscc:0614141.1234567890"
    assert event.child_epcs == ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"]
    assert event.epcs == ["urn:epc:idpat:sgtin:4012345.098765.*", "urn:epc:class:lgtin:4012345.012345.998877"]


def test_example_9_6_4_transformation() -> None:
    (event,) = parse_document(_example("Example_9.6.4-TransformationEvent.jsonld"))
    assert event.event_type == "TransformationEvent"
    assert event.action == ""  # a transformation has none
    assert event.biz_step == "commissioning"
    assert event.epcs == [
        "urn:epc:id:sgtin:4012345.011122.25",
        "urn:epc:id:sgtin:4000001.065432.99886655",
        "urn:epc:class:lgtin:4012345.011111.4444",
        "urn:epc:class:lgtin:0614141.077777.987",
        "urn:epc:idpat:sgtin:4012345.066666.*",
        "urn:epc:id:sgtin:4012345.077889.25",
        "urn:epc:id:sgtin:4012345.077889.26",
        "urn:epc:id:sgtin:4012345.077889.27",
        "urn:epc:id:sgtin:4012345.077889.28",
    ]


def test_transaction_events_without_event_id_are_named_by_their_cbv_hash() -> None:
    first, second = parse_document(_example("Example-TransactionEvents-2020_07_03y.jsonld"))
    assert first.event_id == first.hash_id
    assert first.hash_id == "ni:///sha-256;61500fbc3a2c8f036b8bff19ac0b1737b6b258a239f2606fdb12364b7f427435?ver=CBV2.0"
    assert first.biz_step == "http://epcis.example.org/hc/bizstep/summarising_discharge"  # custom: as sent
    assert first.documents == [DocumentRef("OTHER", "urn:epc:id:gdti:95252084.0001.0003555480001000")]
    assert first.biz_transactions == [{"bizTransaction": "urn:epc:id:gdti:95252084.0001.0003555480001000"}]
    assert second.event_id == second.hash_id != first.hash_id
    assert (second.biz_step, second.disposition, second.action) == ("transporting", "in_transit", "ADD")
    assert second.documents == [
        DocumentRef("urn:gs1:epcisapp:rail:btt:passage", "http://transaction.examplerail.com/passage/xyz12345")
    ]
    assert second.payload["rail:trainAxleCount"] == "12"


def test_object_event_with_every_field() -> None:
    (event,) = parse_document(_example("object_event_all_possible_fields.jsonld"))
    assert event.event_id == "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8"
    assert event.event_time == datetime(2005, 4, 5, 2, 33, 31, 116000, tzinfo=UTC)
    assert event.action == "ADD"
    assert event.epcs == ["urn:epc:id:sgtin:0614141.107346.2018", "urn:epc:class:lgtin:4012345.012345.998877"]
    assert event.documents == [
        DocumentRef("PO", "urn:epc:id:gdti:0614141.00001.1618034"),
        DocumentRef("pedigree", "urn:epc:id:gsrn:0614141.0000010253"),
    ]
    assert event.error_declaration == {
        "declarationTime": "2006-11-07T14:00:00.000+01:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": [
            "ni:///sha-256;fec9667280c4710a3fa9558b7bc8ddc2ced0dc442d87f82becae24bb6ca6a46f?ver=CBV2.0"
        ],
    }
    (reading,) = event.sensor_readings
    assert reading["type"] == "Temperature"
    assert (reading["value"], reading["uom"], reading["time"]) == (26, "CEL", "2019-07-19T13:00:00.000Z")
    assert (reading["minValue"], reading["maxValue"], reading["meanValue"]) == (26, 26.2, 13.2)
    assert reading["deviceID"] == "urn:epc:id:giai:4000001.111"
    assert reading["startTime"] == "2019-04-02T12:55:01.000Z"  # from the element's metadata
    assert "ext1:someFurtherReportData" not in reading  # extensions stay in the payload


@pytest.mark.parametrize(
    ("name", "event_type", "parent_id", "children"),
    [
        (
            "aggregation_event_all_possible_fields.jsonld",
            "AggregationEvent",
            "urn:epc:id:sscc:0614141.1234567890",
            ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
        ),
        (
            "association_event_all_possible_fields.jsonld",
            "AssociationEvent",
            "urn:epc:id:grai:4012345.55555.987",
            ["urn:epc:id:giai:4000001.12345", "urn:epc:id:giai:4000001.12346"],
        ),
    ],
)
def test_aggregation_and_association_with_every_field(
    name: str, event_type: str, parent_id: str, children: list[str]
) -> None:
    document = _example(name)
    (event,) = parse_document(document)
    sent = document["epcisBody"]["eventList"][0]
    assert (event.event_type, event.parent_id, event.child_epcs) == (event_type, parent_id, children)
    assert event.event_id == sent["eventID"]
    assert event.error_declaration == sent["errorDeclaration"]
    assert len(event.sensor_readings) == sum(len(element["sensorReport"]) for element in sent["sensorElementList"])


def test_a_protected_term_redefinition_is_refused_naming_the_term() -> None:
    document = _example(REJECTED)
    for check in (validate_document, parse_document):
        with pytest.raises(IngestValidationError) as caught:
            check(document)
        (problem,) = caught.value.problems
        assert (problem.index, problem.field) == (DOCUMENT_INDEX, "@context")
        assert "'cbvmda'" in problem.detail
        assert "protected term" in problem.detail
    with pytest.raises(IngestValidationError) as streamed:
        validate_stream(_stream(document))
    assert streamed.value.problems == caught.value.problems


def test_the_hash_vectors_documents_parse_too() -> None:
    """27 more documents (OpenEPCIS, the reference hash generator): CURIEs, a query document, comments..."""
    folder = HASH_VECTORS / "vectors"
    parsed = 0
    for path in sorted(folder.glob("*.json*")):
        document = _load(path)
        if path.name == "TransformationEvent_all_possible_fields.json":  # the same cbvmda redefinition
            assert _problems(document) == [(DOCUMENT_INDEX, "@context")]
            continue
        events = parse_document(document)
        assert [event.hash_id for event in events] == document_event_hashes(document), path.name
        parsed += len(events)
    assert parsed == 46


# --- JSON-LD ------------------------------------------------------------------------------------------


def test_the_unversioned_gs1_context_url_is_the_bundled_context() -> None:
    events = parse_document(_document(_event(), context=[UNVERSIONED_CONTEXT, {"cor": "https://example.org/cor/"}]))
    assert events[0].biz_step == "departing"
    assert _problems(_document(_event(), context=[UNVERSIONED_CONTEXT, {"type": "@id"}])) == [
        (DOCUMENT_INDEX, "@context")
    ]


def test_redefining_a_protected_term_the_same_way_is_allowed() -> None:
    # JSON-LD 1.1 allows an identical redefinition; upstream vectors do it for cbv, cbvmda and rdfs.
    context = [GS1_CONTEXT_URL, {"cbv": "https://ref.gs1.org/cbv/", "cbvmda": "urn:epcglobal:cbv:mda:"}]
    assert len(parse_document(_document(_event(), context=context))) == 1


@pytest.mark.parametrize("term", ["eventTime", "type", "bizStep", "gs1"])
def test_redefining_another_protected_term_is_refused_naming_it(term: str) -> None:
    document = _document(_event(), context=[GS1_CONTEXT_URL, {term: "https://example.org/mine"}])
    assert _details(document) == [
        f"redefines '{term}', a protected term of the GS1 EPCIS 2.0 context (JSON-LD error: protected term "
        "redefinition); declare a prefix of your own instead"
    ]


def test_a_protected_term_redefined_inside_an_event_is_refused_at_that_event() -> None:
    nested = _event(**{"example:detail": {"@context": {"cbvmda": "https://example.org/x/"}, "example:y": "1"}})
    own = _event(**{"@context": {"disposition": "https://example.org/d"}})
    problems = _problems(_document(_event(), nested, own))
    assert problems == [(1, "example:detail.@context"), (2, "@context")]


def test_an_event_context_naming_another_url_is_refused_not_fetched() -> None:
    own = _event(**{"@context": ["https://example.org/my-context.jsonld"]})
    assert _problems(_document(_event(), own)) == [(1, "@context")]


@pytest.mark.parametrize(
    "context",
    [
        ["https://example.org/my-context.jsonld"],  # never fetched
        [GS1_CONTEXT_URL, "https://gs1.github.io/EPCIS/epcis-context.jsonld"],
        [{"example": "http://ns.example.com/epcis/"}],  # no GS1 context at all
    ],
)
def test_a_context_corridor_cannot_resolve_offline_is_refused(context: list[Any]) -> None:
    problems = _problems(_document(_event(), context=context))
    assert problems
    assert {index for index, _ in problems} == {DOCUMENT_INDEX}
    assert all(field.startswith("@context") for _, field in problems)


# --- Refused events, named -------------------------------------------------------------------------


def test_every_bad_event_is_named_with_its_index_and_field() -> None:
    document = _document(
        _event(eventTime=None),
        _event(),
        _event(eventTimeZoneOffset="+8"),
        _event(type="ShipmentEvent"),
        _event(epcList="urn:epc:id:bic:CSQU3054383"),
        _event(eventTime="2026-02-30T09:30:00+01:00"),
        _event(eventTimeZoneOffset=None),
        _event(bizStep="sailing"),
        _event(readPoint={}),
        _event(vessel="EVER GIVEN"),
    )
    document["schemaVersion"] = 2
    assert _problems(document) == [
        (DOCUMENT_INDEX, "schemaVersion"),
        (0, "eventTime"),
        (2, "eventTimeZoneOffset"),
        (3, "type"),
        (4, "epcList"),
        (5, "eventTime"),
        (6, "eventTimeZoneOffset"),
        (7, "bizStep"),
        (8, "readPoint.id"),
        (9, "vessel"),
    ]


def test_problem_details_say_what_is_wrong() -> None:
    details = _details(_document(_event(eventTime=None), _event(type="ShipmentEvent"), _event(bizStep="sailing")))
    assert details == [
        "is required",
        "'ShipmentEvent' is not an event type Corridor records; expected one of ObjectEvent, AggregationEvent, "
        "TransactionEvent, TransformationEvent, AssociationEvent",
        "'sailing' is neither a standard CBV value nor a URI of your own",
    ]


def test_problems_carry_the_event_id_when_there_is_one() -> None:
    with pytest.raises(IngestValidationError) as caught:
        validate_document(_document(_event(eventID="urn:uuid:6c4bbd7e-3f1c-4e0f-9b35-0d6a4b7f1e11", action="MOVE")))
    (problem,) = caught.value.problems
    assert (problem.index, problem.field, problem.event_id) == (
        0,
        "action",
        "urn:uuid:6c4bbd7e-3f1c-4e0f-9b35-0d6a4b7f1e11",
    )


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "EPCISDocument",
        {"type": "ObjectEvent", "eventTime": "2026-03-01T09:30:00Z"},
        {**_document(), "type": "EPCISMasterDataDocument"},
    ],
)
def test_what_is_not_an_epcis_document_is_refused(document: Any) -> None:
    assert [index for index, _ in _problems(document)] == [DOCUMENT_INDEX]


def test_an_event_missing_what_it_is_about_is_refused() -> None:
    assert _details(_document(_event(epcList=None))) == ["needs one of: epcList, quantityList, sensorElementList"]


def test_values_neither_the_hash_nor_the_database_can_hold_are_refused() -> None:
    extensions = {"example:reading": 1.5, "example:note": "ok", "example:count": [2**53]}
    raw = json.dumps(_document(_event(**extensions)))
    raw = raw.replace("1.5", "NaN").replace('"ok"', '"\\ud800"')  # json.loads takes both
    assert _problems(json.loads(raw)) == [(0, "example:reading"), (0, "example:note"), (0, "example:count[0]")]


def test_a_deeply_nested_extension_is_refused_without_crashing() -> None:
    value: list[Any] = []
    for _ in range(5_000):
        value = [value]
    assert _details(_document(_event(**{"example:deep": value}))) == [f"nests deeper than {MAX_DEPTH} levels"]


# --- Mapping ------------------------------------------------------------------------------------------


def test_cbv_uris_and_urns_become_short_names() -> None:
    event = _event(
        bizStep="urn:epcglobal:cbv:bizstep:shipping",
        disposition="https://ref.gs1.org/cbv/Disp-in_transit",
        bizTransactionList=[
            {"type": "urn:epcglobal:cbv:btt:bol", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:BL-1"},
            {"type": "https://ref.gs1.org/cbv/BTT-po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-7"},
            {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:ASN-3"},
        ],
    )
    (parsed,) = parse_document(_document(event))
    assert (parsed.biz_step, parsed.disposition) == ("shipping", "in_transit")
    assert parsed.documents == [
        DocumentRef("TRD", "urn:epcglobal:cbv:bt:4012345000009:BL-1"),
        DocumentRef("PO", "urn:epcglobal:cbv:bt:4012345000009:PO-7"),
        DocumentRef("desadv", "urn:epcglobal:cbv:bt:4012345000009:ASN-3"),
    ]
    assert [transaction["type"] for transaction in parsed.biz_transactions] == ["bol", "po", "desadv"]
    assert parsed.payload["bizStep"] == "urn:epcglobal:cbv:bizstep:shipping"  # the payload is as sent
    assert (
        parsed.hash_id
        == parse_document(
            _document(
                _event(
                    bizStep="shipping",
                    disposition="in_transit",
                    bizTransactionList=event["bizTransactionList"],
                )
            )
        )[0].hash_id
    )


def test_an_unknown_cbv_urn_is_still_refused() -> None:
    assert _problems(_document(_event(bizStep="urn:epcglobal:cbv:bizstep:sailing"))) == [(0, "bizStep")]


def test_short_cbv_name() -> None:
    assert short_cbv_name("urn:epcglobal:cbv:bizstep:shipping") == "shipping"
    assert short_cbv_name("https://ref.gs1.org/cbv/BizStep-shipping") == "shipping"
    assert short_cbv_name("cbv:Disp-in_transit") == "in_transit"
    assert short_cbv_name("in_transit") == "in_transit"
    assert short_cbv_name("https://example.org/steps/lashing") == "https://example.org/steps/lashing"


def test_containers_and_vessels_are_read_from_epcs_with_check_digit_warnings() -> None:
    event = _event(
        type="AggregationEvent",
        epcList=None,
        parentID="urn:epc:id:imovn:9176187",
        childEPCs=[
            "urn:epc:id:bic:CSQU3054383",
            "urn:epc:id:bic:CSQU3054384",  # wrong check digit: kept, with a warning
            "https://id.example.org/bic/MSCU1234566",
            "urn:epc:id:bic:CSQ3054383",  # not an ISO 6346 number at all
        ],
        action="ADD",
        bizStep="loading",
    )
    (parsed,) = parse_document(_document(event))
    assert parsed.equipment == ["CSQU3054383", "CSQU3054384", "MSCU1234566"]
    assert parsed.vessel_imo == "9176187"
    assert parsed.parent_id == "urn:epc:id:imovn:9176187"
    assert parsed.warnings == [
        {"field": "childEPCs", "detail": "'CSQU3054384' fails the ISO 6346 check digit; kept as sent"},
        {"field": "childEPCs", "detail": "'CSQ3054383' is not an ISO 6346 container number; not recorded as equipment"},
    ]


def test_a_wrong_imo_check_digit_is_a_warning() -> None:
    (parsed,) = parse_document(_document(_event(epcList=["urn:epc:id:imovn:9176188"])))
    assert parsed.vessel_imo == "9176188"
    assert parsed.warnings == [{"field": "epcList", "detail": "'9176188' fails the IMO check digit; kept as sent"}]


def test_location_comes_from_the_corridor_unlocode_extension() -> None:
    place = {"id": "urn:epc:id:sgln:4012345.00001.0", "cor:unlocode": "nlrtm"}
    (parsed,) = parse_document(_document(_event(bizLocation=place)))
    assert (parsed.location, parsed.biz_location) == ("NLRTM", "urn:epc:id:sgln:4012345.00001.0")
    (parsed,) = parse_document(_document(_event(readPoint={**place, "cor:unlocode": "XX123"})))
    assert parsed.location == ""
    assert parsed.warnings[0]["field"] == "readPoint.cor:unlocode"


def test_times_are_utc_and_keep_the_offset_as_sent() -> None:
    (parsed,) = parse_document(
        _document(
            _event(
                eventTime="2026-03-01t09:30:00.1234567+01:00",
                recordTime="2026-03-01T08:31:00Z",
            )
        )
    )
    assert parsed.event_time == datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
    assert parsed.record_time == datetime(2026, 3, 1, 8, 31, tzinfo=UTC)
    assert parsed.event_time_zone_offset == "+01:00"


def test_a_query_document_parses_like_a_capture() -> None:
    capture = _document(_event(), _event(bizStep="arriving"))
    query = {
        **capture,
        "type": "EPCISQueryDocument",
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": capture["epcisBody"]["eventList"]},
            }
        },
    }
    assert parse_document(query) == parse_document(capture)
    assert list(iter_events(_stream(query))) == parse_document(capture)


# --- Streaming ----------------------------------------------------------------------------------------


def _big_document(events: int, *, context_last: bool) -> dict[str, Any]:
    """A capture of GS1's example events, each with its own id and serials (about 1 kB an event)."""
    sample = [
        event
        for name in (
            "Example_9.6.1-ObjectEvent.jsonld",
            "Example_9.6.3-AggregationEvent.jsonld",
            "object_event_all_possible_fields.jsonld",
            "Example-TransactionEvents-2020_07_03y.jsonld",
        )
        for event in _example(name)["epcisBody"]["eventList"]
    ]
    body = []
    for number in range(events):
        event = copy.deepcopy(sample[number % len(sample)])
        if number % 3:
            event["eventID"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
        event["epcList" if "epcList" in event else "childEPCs"] = [f"urn:epc:id:sgtin:0614141.107346.{number}"]
        body.append(event)
    context = [
        GS1_CONTEXT_URL,
        {
            "example": "http://ns.example.com/epcis/",
            "ext1": "http://example.com/ext1/",
            "rail": "urn:gs1:epcisapp:rail:",
        },
    ]
    head = {"type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-01T10:00:00Z"}
    if context_last:  # as GS1's own examples do
        return {**head, "epcisBody": {"eventList": body}, "@context": context}
    return {"@context": context, **head, "epcisBody": {"eventList": body}}


@pytest.mark.parametrize("context_last", [False, True])
def test_streaming_a_large_document_yields_what_parse_document_does(context_last: bool, tmp_path: Path) -> None:
    document = _big_document(3_000, context_last=context_last)
    path = tmp_path / "capture.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert path.stat().st_size > 3_000_000
    with path.open("rb") as stream:
        streamed = list(iter_events(stream))
    expected = parse_document(document)
    assert len(streamed) == 3_000
    assert streamed == expected
    assert streamed[1].event_id == "urn:uuid:00000000-0000-4000-8000-000000000001"


def _streaming_peak(path: Path) -> int:
    """Peak Python memory while streaming every event of ``path`` (both passes)."""
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            for _ in iter_events(stream):
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_memory_does_not_grow_with_the_document(tmp_path: Path) -> None:
    small, large = tmp_path / "small.jsonld", tmp_path / "large.jsonld"
    small.write_text(json.dumps(_big_document(200, context_last=True)), encoding="utf-8")
    large.write_text(json.dumps(_big_document(800, context_last=True)), encoding="utf-8")
    _streaming_peak(small)  # compile the schemas, fill the caches of the context
    # ijson's buffers and one event at a time: the same peak for four times the events (json.loads would not).
    assert _streaming_peak(large) < 1.2 * _streaming_peak(small)


def test_streaming_validates_every_event_before_yielding_the_first() -> None:
    document = _document(_event(), _event(), _event(eventTimeZoneOffset="+8"))
    with pytest.raises(IngestValidationError) as streamed:
        iter_events(_stream(document))  # raises on the call, before any event is read
    with pytest.raises(IngestValidationError) as parsed:
        validate_document(document)
    assert streamed.value.problems == parsed.value.problems
    assert [(p.index, p.field) for p in streamed.value.problems] == [(2, "eventTimeZoneOffset")]


def test_parse_stream_returns_the_valid_events_and_the_problems_of_the_others() -> None:
    document = _document(_event(), _event(type="ShipmentEvent"), _event(bizStep="arriving"))
    events, problems, total = parse_stream(_stream(document))
    assert total == 3
    assert [event.biz_step for event in events] == ["departing", "arriving"]
    assert [(problem.index, problem.field) for problem in problems] == [(1, "type")]
    events, problems, total = parse_stream(_stream(_document(_event(), context=["https://example.org/c"])))
    assert (events, total) == ([], 1)
    assert problems[0].index == DOCUMENT_INDEX


@pytest.mark.parametrize("raw", [b"", b"{", b'{"type": "EPCISDocument"} trailing', b"\xff\xfe"])
def test_streaming_what_is_not_json_is_refused(raw: bytes) -> None:
    with pytest.raises(IngestValidationError) as caught:
        validate_stream(io.BytesIO(raw))
    assert caught.value.problems[0].index == DOCUMENT_INDEX


# --- Properties ---------------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "+8",
            "+01:00",
            "2026-03-01T09:30:00Z",
            "2026-13-01T09:30:00Z",
            "ObjectEvent",
            "AggregationEvent",
            "shipping",
            "urn:epcglobal:cbv:bizstep:shipping",
            "urn:epc:id:bic:CSQU3054384",
            "urn:epc:id:imovn:9176187",
            "https://example.org/x",
            "ext1:x",
            "@context",
            GS1_CONTEXT_URL,
            "cbvmda",
            "bol",
        ]
    )
)
KEYS = st.sampled_from(
    [
        "type",
        "eventTime",
        "eventTimeZoneOffset",
        "eventID",
        "epcList",
        "action",
        "bizStep",
        "bizTransactionList",
        "readPoint",
        "id",
        "@context",
        "cbvmda",
        "example:x",
        "cor:unlocode",
        "childEPCs",
        "parentID",
        "sensorReport",
    ]
) | st.text(max_size=8)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)
SEEDS = [
    "Example_9.6.1-ObjectEvent.jsonld",
    "Example_9.6.3-AggregationEvent.jsonld",
    "Example_9.6.4-TransformationEvent.jsonld",
    "Example-TransactionEvents-2020_07_03y.jsonld",
    "object_event_all_possible_fields.jsonld",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            found += _paths(value, (*prefix, position))
    return found


def _outcome(parse: Any, *args: Any) -> list[EventIn] | list[tuple[int, str, str]]:
    """The contract: a list of EventIn, or IngestValidationError; any other exception fails the test."""
    try:
        events = list(parse(*args))
    except IngestValidationError as exc:
        refused = exc.problems
    else:
        assert all(isinstance(event, EventIn) and event.event_time.tzinfo is UTC for event in events)
        return events
    assert refused
    # The problems go back to the sender as JSON: they must encode, whatever was sent.
    json.dumps([problem.as_dict() for problem in refused], ensure_ascii=False).encode()
    return [(problem.index, problem.field, problem.detail) for problem in refused]


@settings(max_examples=120, deadline=None)
@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_mutated_documents_parse_or_are_refused_alike_in_memory_and_streamed(seed: str, data: st.DataObject) -> None:
    document = copy.deepcopy(_example(seed))
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        paths = _paths(document)
        path = data.draw(st.sampled_from(paths), label="path")
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON, label="value")
    in_memory = _outcome(parse_document, document)
    assert _outcome(lambda raw: iter_events(io.BytesIO(raw)), json.dumps(document).encode()) == in_memory


@settings(max_examples=60, deadline=None)
@given(document=JSON)
def test_random_json_is_refused_without_crashing(document: Any) -> None:
    _outcome(parse_document, document)


@settings(max_examples=60, deadline=None)
@given(
    context=st.lists(
        st.sampled_from([GS1_CONTEXT_URL, UNVERSIONED_CONTEXT])
        | st.dictionaries(
            st.sampled_from(["cbvmda", "cbv", "type", "id", "eventTime", "example", "ext1", "@vocab", "@protected"]),
            st.sampled_from(
                [
                    "urn:epcglobal:cbv:mda:",
                    "https://ref.gs1.org/cbv/",
                    "@type",
                    "@id",
                    "http://example.com/x/",
                    {"@id": "urn:epcglobal:cbv:mda:"},
                    None,
                    True,
                    5,
                ]
            ),
            max_size=3,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_the_context_check_agrees_with_a_json_ld_processor(context: list[Any]) -> None:
    """Accepted exactly when pyld, with the bundled GS1 context and no network, accepts the context."""
    assume(len({json.dumps(entry, sort_keys=True) for entry in context}) == len(context))  # the schema wants that
    try:
        jsonld.expand({"@context": context}, {"documentLoader": epcis_validate._load_bundled_context})
    except Exception:  # any failure of the processor means "not valid JSON-LD"
        processor_accepts = False
    else:
        processor_accepts = any(entry in (GS1_CONTEXT_URL, UNVERSIONED_CONTEXT) for entry in context)
    try:
        validate_document(_document(_event(), context=context))
    except IngestValidationError as exc:
        problems = exc.problems
    else:
        problems = []
    assert not problems if processor_accepts else problems
    assert all(problem.field.startswith("@context") for problem in problems)


@settings(max_examples=80, deadline=None)
@given(seed=st.sampled_from([*SEEDS, "aggregation_event_all_possible_fields.jsonld"]), data=st.data())
def test_fast_schema_agrees_with_the_official_one(seed: str, data: st.DataObject) -> None:
    """The rewritten schema fastjsonschema runs gives the verdicts of the published schema, event by event."""
    official = _official_event_validator()
    for sent in _example(seed)["epcisBody"]["eventList"]:
        event = copy.deepcopy(sent)
        for _ in range(data.draw(st.integers(0, 2), label="mutations")):
            path = data.draw(st.sampled_from(_paths(event)), label="path")
            parent = event
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = data.draw(JSON, label="value")
        assert _verdict(validate_event, event) == _verdict(official, event)


@functools.cache
def _official_event_validator() -> Any:
    """The published schema's eventList item, compiled as is (no rewriting), with the same formats."""
    schema = json.loads((BUNDLED / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    event = {
        "$schema": schema["$schema"],
        "definitions": schema["definitions"],
        "allOf": [{"$ref": "#/definitions/EPCIS-Document-Event"}],
    }
    return fastjsonschema.compile(event, formats=epcis_schema._FORMATS)


def _verdict(validate: Any, event: Any) -> bool:
    try:
        validate(event)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True
