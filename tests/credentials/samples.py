"""Step-credential-shaped documents for the credential tests and ``bench/bench_credentials.py``.

A step credential (DESIGN §5, §10) is a VC 2.0 credential typed ``StepCredential`` whose subject is the
recorded event in its EPCIS 2.0 shape plus the consignment it belongs to, with two
``BitstringStatusListEntry`` entries (revocation, suspension) and ``relatedResource`` naming the
previous step credential of the chain with its ``digestMultibase``. The reference event is the first
event of GS1's ``Example_9.6.1-ObjectEvent.jsonld`` (the issuance floor's named reference).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2
from tests.vectors import VECTORS

EXAMPLE_9_6_1 = VECTORS / "epcis" / "Example_9.6.1-ObjectEvent.jsonld"

ISSUER = "did:web:corridor.example:partners:acme-forwarding"
BASE = "https://corridor.example"
PREVIOUS_CREDENTIAL = f"{BASE}/credentials/0b0e5cc6-5b8e-4d4e-8f5c-1a2b3c4d5e6f"
PREVIOUS_DIGEST = "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA"


def first_epcis_event() -> dict[str, Any]:
    """The first ObjectEvent of GS1 Example 9.6.1, as published."""
    document = json.loads(EXAMPLE_9_6_1.read_text(encoding="utf-8"))
    return document["epcisBody"]["eventList"][0]


def step_subject(event: dict[str, Any], *, number: int = 0) -> dict[str, Any]:
    """The event as a credential subject: EPCIS fields kept as sent, plus what Corridor adds."""
    subject = copy.deepcopy(event)
    subject.update(
        recordTime="2005-04-03T20:40:00Z",
        eventVersion=1,
        source="epcis",
        recorder=ISSUER,
        consignment=[
            {
                "id": f"{BASE}/consignments/1b4e28ba-2fa1-11d2-883f-{number:012d}",
                "type": "Consignment",
                "consignmentReference": "PO-12345678",
                "transportDocumentNumber": "MAEU123456789",
            }
        ],
    )
    return subject


def step_credential(event: dict[str, Any] | None = None, *, number: int = 0) -> dict[str, Any]:
    """An unsigned step credential for ``event`` (the Example 9.6.1 event by default)."""
    subject = step_subject(event if event is not None else first_epcis_event(), number=number)
    status = f"{BASE}/status/acme-forwarding"
    return {
        "@context": [CREDENTIALS_V2, CORRIDOR_V1],
        "id": f"{BASE}/credentials/7f3c1a52-4c8e-4a43-9a2c-{number:012d}",
        "type": ["VerifiableCredential", "StepCredential"],
        "issuer": ISSUER,
        "validFrom": "2005-04-03T20:40:00Z",
        "credentialSubject": subject,
        "credentialStatus": [
            {
                "id": f"{status}/revocation/1#{94567 + number}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(94567 + number),
                "statusListCredential": f"{status}/revocation/1",
            },
            {
                "id": f"{status}/suspension/1#{23452 + number}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "suspension",
                "statusListIndex": str(23452 + number),
                "statusListCredential": f"{status}/suspension/1",
            },
        ],
        "relatedResource": [{"id": PREVIOUS_CREDENTIAL, "digestMultibase": PREVIOUS_DIGEST}],
    }


def full_subject() -> dict[str, Any]:
    """A subject using every field the Corridor context defines for events, AEO data aside."""
    return {
        "id": f"{BASE}/events/5d3c0a8e-8c7a-4a4e-9f55-2b8f8c0f6e11",
        "type": "AggregationEvent",
        "eventID": "ni:///sha-256;00e1e6eba3a7cc6125be4793a631f0af50f8322e0ab5f2c0bab994a11cec1d79?ver=CBV2.0",
        "eventType": "AggregationEvent",
        "eventTime": "2026-03-01T10:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "recordTime": "2026-03-01T02:00:05Z",
        "eventVersion": 2,
        "action": "ADD",
        "bizStep": "packing",
        "disposition": "container_closed",
        "persistentDisposition": {"set": ["completeness_verified"], "unset": ["completeness_inferred"]},
        "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
        "bizLocation": {"id": "urn:epc:id:sgln:4012345.00002.0"},
        "parentID": "urn:epc:id:sscc:4012345.0000000111",
        "childEPCs": ["urn:epc:id:sgtin:4012345.011111.1001"],
        "epcList": ["urn:epc:id:sgtin:4012345.011111.1002"],
        "inputEPCList": ["urn:epc:id:sgtin:4012345.011111.1003"],
        "outputEPCList": ["urn:epc:id:sgtin:4012345.011111.1004"],
        "transformationID": "urn:epc:id:gdti:4012345.55555.1234",
        "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.4444", "quantity": 10, "uom": "KGM"}],
        "childQuantityList": [{"epcClass": "urn:epc:idpat:sgtin:4012345.011111.*", "quantity": 2}],
        "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.5555", "quantity": 3.5, "uom": "KGM"}],
        "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.6666", "quantity": 1}],
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-1"}],
        "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00001"}],
        "destinationList": [{"type": "location", "destination": "urn:epc:id:sgln:4012345.00003.0"}],
        "sensorElementList": [
            {
                "sensorMetadata": {
                    "time": "2026-03-01T09:55:00.000+08:00",
                    "startTime": "2026-03-01T09:00:00.000+08:00",
                    "endTime": "2026-03-01T09:55:00.000+08:00",
                    "deviceID": "urn:epc:id:giai:4000001.111",
                    "deviceMetadata": "https://id.example.org/giai/4000001111",
                    "rawData": "https://example.org/giai/401234599999",
                    "dataProcessingMethod": "https://example.com/gdti/4012345000054987",
                    "bizRules": "https://example.org/gdti/4012345000054987",
                },
                "sensorReport": [
                    {
                        "type": "Temperature",
                        "exception": "ALARM_CONDITION",
                        "deviceID": "urn:epc:id:giai:4000001.111",
                        "deviceMetadata": "https://id.example.org/giai/4000001111",
                        "rawData": "https://example.org/giai/401234599999",
                        "dataProcessingMethod": "https://example.com/gdti/4012345000054987",
                        "time": "2026-03-01T09:54:00.000+08:00",
                        "microorganism": "https://www.ncbi.nlm.nih.gov/taxonomy/1126011",
                        "chemicalSubstance": "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
                        "value": 26,
                        "component": "x",
                        "stringValue": "SomeString",
                        "booleanValue": True,
                        "hexBinaryValue": "f0f0f0",
                        "uriValue": "https://id.gs1.org/giai/4000001111",
                        "minValue": 26,
                        "maxValue": 26.2,
                        "meanValue": 13.2,
                        "sDev": 0.1,
                        "percRank": 50,
                        "percValue": 12.7,
                        "uom": "CEL",
                        "coordinateReferenceSystem": "http://www.opengis.net/def/crs/EPSG/0/4979",
                    }
                ],
            }
        ],
        "certificationInfo": ["https://accreditation-council.example.org/certificate/ABC12345"],
        "ilmd": {"bestBeforeDate": "2026-12-31", "lotNumber": "LOT-1"},
        "extensions": {"example:myField": "Example of a vendor/user extension"},
        "errorDeclaration": {
            "declarationTime": "2026-03-02T10:00:00Z",
            "reason": "incorrect_data",
            "correctiveEventIDs": ["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"],
        },
        "consignment": [
            {
                "id": f"{BASE}/consignments/1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                "type": "Consignment",
                "consignmentReference": "PO-1001",
                "transportDocumentType": "BL",
                "transportDocumentNumber": "BL-KHH-0001",
                "bookingReference": "BKG-0001",
            }
        ],
        "documentReference": [{"type": "BKG", "value": "BKG-0001"}],
        "unlocode": "TWKHH",
        "eventCode": "LOAD",
        "eventClassifier": "ACT",
        "equipment": ["MSKU1234565"],
        "modeOfTransport": "VESSEL",
        "vesselIMONumber": "9074729",
        "voyageNumber": "2103S",
        "recorder": ISSUER,
        "source": "dcsa-3.0",
    }


def aeo_subject() -> dict[str, Any]:
    """An AEO credential subject: the certificate a customs authority holds for a trader."""
    return {
        "id": "did:web:corridor.example:partners:acme-forwarding",
        "type": "Organization",
        "name": "ACME Forwarding B.V.",
        "lei": "724500VKKSH9QOLTFR81",
        "countryCode": "NL",
        "certificate": {
            "id": f"{BASE}/aeo/NL-AEOF-0001",
            "type": "AeoCertificate",
            "certificateNumber": "NLAEOF0001",
            "aeoType": "AEOF",
            "issuingAuthority": "did:web:corridor.example:partners:nl-customs",
            "certificateValidFrom": "2024-01-01T00:00:00Z",
            "certificateValidUntil": "2027-01-01T00:00:00Z",
        },
    }
