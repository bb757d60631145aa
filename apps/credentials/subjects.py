"""The subject of a step credential: the event in its EPCIS 2.0 shape, the consignments it belongs to.

Every term used is defined by Corridor's context (the VC 2.0 context has no ``@vocab``, so an
undefined term would silently drop out of the signed data). What has no term of its own (EPCIS
extensions, ILMD, sensor reports, DCSA details) is carried verbatim under ``extensions``, a JSON
literal, so it is signed byte for byte without needing a vocabulary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# EPCIS fields whose every nested term Corridor's context defines: kept in place.
_EPCIS_STRUCTURED = (
    "eventID",
    "action",
    "bizStep",
    "disposition",
    "epcList",
    "parentID",
    "childEPCs",
    "inputEPCList",
    "outputEPCList",
    "bizTransactionList",
)
_EPCIS_HANDLED = {
    *_EPCIS_STRUCTURED,
    "type",
    "eventTime",
    "eventTimeZoneOffset",
    "recordTime",
    "readPoint",
    "bizLocation",
    "@context",
}
_DCSA_TYPES = {
    "SHIPMENT": "ShipmentEvent",
    "TRANSPORT": "TransportEvent",
    "EQUIPMENT": "EquipmentEvent",
    "IOT": "IotEvent",
    "REEFER": "ReeferEvent",
}


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _place(value: Any) -> dict[str, str] | None:
    place_id = value.get("id") if isinstance(value, dict) else value
    return {"id": place_id} if isinstance(place_id, str) and place_id else None


def step_subject(event: Any, *, consignments: list[Any], recorder_did: str, base_url: str) -> dict[str, Any]:
    """The credential subject for a stored ``shipments.Event`` and the consignments it is linked to."""
    subject: dict[str, Any] = {"type": _DCSA_TYPES.get(event.event_type, event.event_type)}
    extensions: dict[str, Any] = {}
    if event.source == "epcis":
        payload = event.payload
        subject.update({key: payload[key] for key in _EPCIS_STRUCTURED if key in payload})
        for key in ("readPoint", "bizLocation"):
            place = _place(payload.get(key))
            if place:
                subject[key] = place
        extensions.update({key: value for key, value in payload.items() if key not in _EPCIS_HANDLED})
        extensions.update(
            {
                key: payload[key]
                for key in ("readPoint", "bizLocation")
                if isinstance(payload.get(key), dict) and len(payload[key]) > 1
            }
        )
    else:
        subject["eventID"] = event.event_id
        for key, value in (
            ("action", event.action),
            ("bizStep", event.biz_step),
            ("disposition", event.disposition),
            ("parentID", event.parent_id),
        ):
            if value:
                subject[key] = value
        if event.epcs:
            subject["epcList"] = list(event.epcs)
        if event.child_epcs:
            subject["childEPCs"] = list(event.child_epcs)
        if event.read_point:
            subject["readPoint"] = {"id": event.read_point}
        if event.biz_location:
            subject["bizLocation"] = {"id": event.biz_location}
        extensions["original"] = event.payload
    subject["eventID"] = event.event_id
    subject["eventTime"] = _time(event.event_time)
    subject["eventTimeZoneOffset"] = event.event_time_zone_offset
    subject["recordTime"] = _time(event.record_time)
    subject["eventVersion"] = event.version
    subject["source"] = event.source
    subject["recorder"] = recorder_did
    optional = {
        "eventCode": event.event_code,
        "eventClassifier": event.event_classifier,
        "unlocode": event.location,
        "vesselIMONumber": event.vessel_imo,
        "voyageNumber": event.voyage_number,
        "modeOfTransport": event.mode_of_transport,
    }
    subject.update({key: value for key, value in optional.items() if value})
    if event.equipment:
        subject["equipment"] = list(event.equipment)
    if event.documents:
        subject["documentReference"] = [{"type": d["type"], "value": d["value"]} for d in event.documents]
    if extensions:
        subject["extensions"] = extensions
    subject["consignment"] = [
        {
            "id": f"{base_url}/consignments/{consignment.pk}",
            "type": "Consignment",
            "consignmentReference": consignment.reference,
            **(
                {"transportDocumentNumber": consignment.transport_document_number}
                if consignment.transport_document_number
                else {}
            ),
        }
        for consignment in consignments
    ]
    return subject
