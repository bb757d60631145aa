"""Demo consignments on the Kaohsiung → Busan → Los Angeles corridor, with histories from all three
ingest paths: the shipper captures GS1 EPCIS 2.0, the carrier sends DCSA Track & Trace 2.2, terminals,
customs and the consignee post Corridor JSON. Everything goes through the real services, so the demo
shows linking, statuses, timelines and the graph exactly as production would. Idempotent: references
and event ids are fixed, so a second run records nothing new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile

from apps.partners.access import Actor, command_label
from apps.partners.choices import MemberRole
from apps.partners.models import Partner
from apps.shipments.dcsa.parse import parse_dcsa_events
from apps.shipments.epcis.capture import capture_job_run
from apps.shipments.ingest.native import NativeEventSerializer, native_event
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import CaptureJob, Consignment, Event
from apps.shipments.services import consignment_create

GS1_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CORRIDOR_NAMESPACE = "https://w3id.org/corridor/ns#"  # Corridor's extension terms (cor:unlocode)
FIRST_VESSEL = ("9412347", "Pacific Bridge Harmony")  # Kaohsiung → Busan
SECOND_VESSEL = ("9530010", "Pacific Bridge Endeavour")  # Busan → Los Angeles


@dataclass(frozen=True)
class DemoConsignment:
    reference: str
    bill_of_lading: str
    booking: str
    container: str
    departs: datetime
    progress: int  # how many of the corridor's milestones have happened
    hs_code: str
    goods: str
    voyages: tuple[str, str]  # first and second leg
    shipper: str = "demo-formosa-precision"  # the consignor, who also captures the EPCIS packing events


DEMO_CONSIGNMENTS = (
    DemoConsignment(
        "DEMO-KHH-LAX-0001",
        "PBLU2611000001",
        "PBLBK2611001",
        "PBLU7700122",
        datetime(2026, 10, 28, 1, 0, tzinfo=UTC),
        99,
        "847130",
        "Notebook computers",
        ("041E", "117E"),
    ),
    DemoConsignment(
        "DEMO-KHH-LAX-0002",
        "PBLU2611000002",
        "PBLBK2611002",
        "TGHU7700127",
        datetime(2026, 11, 12, 1, 0, tzinfo=UTC),
        7,
        "851762",
        "Network switches",
        ("043E", "119E"),
    ),
    DemoConsignment(
        "DEMO-KHH-LAX-0003",
        "PBLU2611000003",
        "PBLBK2611003",
        "MSCU7700126",
        datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        3,
        "854231",
        "Integrated circuits",
        ("045E", "121E"),
    ),
    # The shipper's AEO has expired (apps/compliance/demo.py): US customs trusts the chain partially.
    DemoConsignment(
        "DEMO-KHH-LAX-0004",
        "PBLU2611000004",
        "PBLBK2611004",
        "TCLU7700128",
        datetime(2026, 11, 16, 1, 0, tzinfo=UTC),
        5,
        "847330",
        "Computer parts",
        ("044E", "120E"),
        shipper="demo-tainan-circuits",
    ),
    # The shipper holds a General AEO, which Taiwan's MRAs with Korea and the US do not cover.
    DemoConsignment(
        "DEMO-KHH-LAX-0005",
        "PBLU2611000005",
        "PBLBK2611005",
        "SEGU7700129",
        datetime(2026, 11, 24, 1, 0, tzinfo=UTC),
        2,
        "853400",
        "Printed circuit boards",
        ("046E", "122E"),
        shipper="demo-hsinchu-components",
    ),
)


def _actor(slug: str) -> Actor:
    partner = Partner.objects.get(slug=slug)
    return Actor(partner=partner, role=MemberRole.OPERATOR, system_label=command_label("demo_corridor"))


def _consignment(spec: DemoConsignment) -> Consignment:
    forwarder = _actor("demo-harbor-link")
    existing = Consignment.objects.filter(created_by=forwarder.partner, reference=spec.reference).first()
    if existing is not None:
        return existing
    first_arrival = spec.departs + timedelta(days=2)
    return consignment_create(
        actor=forwarder,
        data={
            "reference": spec.reference,
            "transport_document_number": spec.bill_of_lading,
            "booking_reference": spec.booking,
            "origin": "TWKHH",
            "destination": "USLAX",
            "corridor": "TWKHH-KRPUS-USLAX (demo)",
            "parties": [
                {"partner": spec.shipper, "role": "consignor"},
                {"partner": "demo-sierra-home", "role": "consignee"},
                {"partner": "demo-harbor-link", "role": "freight_forwarder"},
                {"partner": "demo-pacific-bridge", "role": "carrier"},
                {"partner": "demo-kaohsiung-terminal", "role": "terminal_operator"},
                {"partner": "demo-busan-terminal", "role": "terminal_operator"},
                {"partner": "demo-san-pedro-terminal", "role": "terminal_operator"},
                {"partner": "demo-golden-gate-brokers", "role": "customs_broker"},
            ],
            "goods_items": [
                {
                    "hs_code": spec.hs_code,
                    "description": spec.goods,
                    "packages": 240,
                    "package_type": "CT",
                    "gross_weight_kg": "5400.000",
                    "value": "412000.00",
                    "currency": "USD",
                    "country_of_origin": "TW",
                }
            ],
            "equipment": [
                {
                    "number": spec.container,
                    "size_type": "42G1",
                    "seal_numbers": [f"SL{spec.bill_of_lading[-6:]}"],
                    "assigned_from": spec.departs - timedelta(days=3),
                }
            ],
            "legs": [
                {
                    "sequence": 1,
                    "mode": "sea",
                    "origin": "TWKHH",
                    "destination": "KRPUS",
                    "carrier": "demo-pacific-bridge",
                    "vessel_imo": FIRST_VESSEL[0],
                    "vessel_name": FIRST_VESSEL[1],
                    "voyage_number": spec.voyages[0],
                    "planned_departure": spec.departs,
                    "planned_arrival": first_arrival,
                },
                {
                    "sequence": 2,
                    "mode": "sea",
                    "origin": "KRPUS",
                    "destination": "USLAX",
                    "carrier": "demo-pacific-bridge",
                    "vessel_imo": SECOND_VESSEL[0],
                    "vessel_name": SECOND_VESSEL[1],
                    "voyage_number": spec.voyages[1],
                    "planned_departure": first_arrival + timedelta(days=2),
                    "planned_arrival": first_arrival + timedelta(days=14),
                },
            ],
        },
    )


def _epcis_document(spec: DemoConsignment) -> dict[str, Any]:
    """The shipper's EPCIS story: cartons packed into the container, then shipped under the B/L."""
    packed = spec.departs - timedelta(days=2)
    cartons = [f"urn:epc:id:sgtin:4712345.012345.{spec.reference[-4:]}{n:03d}" for n in range(1, 4)]
    bol = {"type": "bol", "bizTransaction": f"urn:epcglobal:cbv:bt:4712345000009:{spec.bill_of_lading}"}
    shipping_location = {"id": "urn:epc:id:sgln:4712345.00001.0", "cor:unlocode": "TWKHH"}
    return {
        "@context": [GS1_CONTEXT, {"cor": CORRIDOR_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": packed.isoformat().replace("+00:00", "Z"),
        "epcisBody": {
            "eventList": [
                {
                    "type": "AggregationEvent",
                    "eventID": f"urn:uuid:{_uuid(spec, 1)}",
                    "eventTime": packed.isoformat().replace("+00:00", "Z"),
                    "eventTimeZoneOffset": "+08:00",
                    "parentID": f"urn:epc:id:bic:{spec.container}",
                    "childEPCs": cartons,
                    "action": "ADD",
                    "bizStep": "packing",
                    "disposition": "container_closed",
                    "readPoint": shipping_location,
                    "bizTransactionList": [bol],
                },
                {
                    "type": "ObjectEvent",
                    "eventID": f"urn:uuid:{_uuid(spec, 2)}",
                    "eventTime": (packed + timedelta(hours=20)).isoformat().replace("+00:00", "Z"),
                    "eventTimeZoneOffset": "+08:00",
                    "epcList": [f"urn:epc:id:bic:{spec.container}"],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "readPoint": shipping_location,
                    "bizTransactionList": [bol],
                },
            ]
        },
    }


def _uuid(spec: DemoConsignment, n: int) -> str:
    return f"00000000-0000-4000-8000-{spec.reference[-4:]}{n:08d}"


def _dcsa_event(
    spec: DemoConsignment, n: int, *, kind: str, code: str, when: datetime, place: str, vessel: tuple[str, str, str]
) -> dict[str, Any]:
    imo, name, voyage = vessel
    event: dict[str, Any] = {
        "eventID": _uuid(spec, 100 + n),
        "eventCreatedDateTime": (when + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        "eventType": kind,
        "eventClassifierCode": "ACT",
        "eventDateTime": when.isoformat().replace("+00:00", "Z"),
        "transportCall": {
            "transportCallID": _uuid(spec, 200 + n),
            "carrierServiceCode": "TPX",
            "exportVoyageNumber": voyage,
            "transportCallSequenceNumber": 1,
            "UNLocationCode": place,
            "facilityTypeCode": "POTE",
            "modeOfTransport": "VESSEL",
            "vessel": {"vesselIMONumber": imo, "vesselName": name},
        },
        "documentReferences": [
            {"documentReferenceType": "BKG", "documentReferenceValue": spec.booking},
            {"documentReferenceType": "TRD", "documentReferenceValue": spec.bill_of_lading},
        ],
    }
    if kind == "EQUIPMENT":
        event["equipmentEventTypeCode"] = code
        event["equipmentReference"] = spec.container
        event["ISOEquipmentCode"] = "42G1"
        event["emptyIndicatorCode"] = "LADEN"
        event["eventLocation"] = {"UNLocationCode": place}
    else:
        event["transportEventTypeCode"] = code
    return event


def _carrier_events(spec: DemoConsignment) -> list[tuple[int, dict[str, Any]]]:
    """(milestone number, DCSA event) of the carrier's part, in corridor order."""
    d = spec.departs
    first, second = (*FIRST_VESSEL, spec.voyages[0]), (*SECOND_VESSEL, spec.voyages[1])
    steps = [
        (1, "EQUIPMENT", "GTIN", d - timedelta(hours=20), "TWKHH", first),
        (2, "EQUIPMENT", "LOAD", d - timedelta(hours=4), "TWKHH", first),
        (3, "TRANSPORT", "DEPA", d, "TWKHH", first),
        (4, "TRANSPORT", "ARRI", d + timedelta(days=2), "KRPUS", first),
        (5, "EQUIPMENT", "DISC", d + timedelta(days=2, hours=6), "KRPUS", first),
        (6, "EQUIPMENT", "LOAD", d + timedelta(days=3, hours=20), "KRPUS", second),
        (7, "TRANSPORT", "DEPA", d + timedelta(days=4), "KRPUS", second),
        (8, "TRANSPORT", "ARRI", d + timedelta(days=16), "USLAX", second),
        (9, "EQUIPMENT", "DISC", d + timedelta(days=16, hours=8), "USLAX", second),
    ]
    return [
        (n, _dcsa_event(spec, n, kind=kind, code=code, when=when, place=place, vessel=vessel))
        for n, kind, code, when, place, vessel in steps
    ]


def _native(actor: Actor, events: list[dict[str, Any]]) -> None:
    data = NativeEventSerializer(data=events, many=True)
    data.is_valid(raise_exception=True)
    event_batch_record(
        actor=actor,
        events=[native_event(clean, raw) for clean, raw in zip(data.validated_data, events, strict=True)],
        channel="demo",
    )


def _capture(actor: Actor, document: dict[str, Any]) -> None:
    job = CaptureJob(recorder=actor.partner)
    job.document.save(f"demo-{job.pk}.jsonld", ContentFile(json.dumps(document).encode()), save=True)
    capture_job_run(job_id=str(job.pk))


def demo_shipments_load() -> dict[str, int]:
    """Create the demo consignments and record what has happened to each so far."""
    created = 0
    for spec in DEMO_CONSIGNMENTS:
        if not Consignment.objects.filter(reference=spec.reference).exists():
            created += 1
        consignment = _consignment(spec)
        if Event.objects.filter(event_id=f"urn:uuid:{_uuid(spec, 1)}").exists():
            continue  # recorded by an earlier run; the ingest is idempotent, but capture jobs are not free
        _capture(_actor(spec.shipper), _epcis_document(spec))
        carrier_events = [event for n, event in _carrier_events(spec) if n <= spec.progress]
        if carrier_events:
            event_batch_record(
                actor=_actor("demo-pacific-bridge"),
                events=parse_dcsa_events(carrier_events, version="2.2"),
                channel="demo",
            )
        if spec.progress >= 9:
            arrived = spec.departs + timedelta(days=16, hours=8)
            ref = str(consignment.pk)
            _native(
                _actor("demo-san-pedro-terminal"),
                [
                    {
                        "event_id": f"{spec.reference}-gate-out",
                        "type": "EQUIPMENT",
                        "event_code": "GTOT",
                        "event_time": (arrived + timedelta(days=1)).isoformat(),
                        "location": "USLAX",
                        "equipment": [spec.container],
                        "consignment": ref,
                    },
                ],
            )
            _native(
                _actor("demo-us-customs"),
                [
                    {
                        "event_id": f"{spec.reference}-release",
                        "type": "SHIPMENT",
                        "event_code": "RELS",
                        "event_time": (arrived + timedelta(hours=20)).isoformat(),
                        "location": "USLAX",
                        "consignment": ref,
                    },
                ],
            )
            _native(
                _actor("demo-sierra-home"),
                [
                    {
                        "event_id": f"{spec.reference}-received",
                        "type": "ObjectEvent",
                        "action": "OBSERVE",
                        "biz_step": "receiving",
                        "disposition": "in_progress",
                        "event_time": (arrived + timedelta(days=2)).isoformat(),
                        "location": "USLAX",
                        "equipment": [spec.container],
                        "consignment": ref,
                    },
                ],
            )
    return {"consignments": created}
