"""A validated EPCIS 2.0 event as ``EventIn`` (no Django imports).

``event_id`` is the ``eventID`` as sent, or the CBV 2.0 hash when absent (DESIGN §10); ``hash_id`` is
always the hash. ``location`` is a UN/LOCODE only when the event says so through the Corridor extension
``"cor:unlocode"`` on ``bizLocation`` (preferred) or ``readPoint``: an SGLN is not a place code.
``equipment`` holds ISO 6346 numbers from ``urn:epc:id:bic:`` EPCs (and web URIs ending in
``/bic/{number}``; GS1 Digital Link has no BIC key), ``vessel_imo`` the first ``urn:epc:id:imovn:`` EPC;
check-digit failures are kept with a warning. ``biz_transactions`` keep the EPCIS shape with the type as
a short name (omitted when the event has none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from stdnum import imo as stdnum_imo
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from apps.core.identifiers import InvalidIdentifier, normalize_unlocode
from apps.shipments.epcis.hash import HashContext, event_hash
from apps.shipments.epcis.schema import parse_time
from apps.shipments.epcis.vocabulary import short_name
from apps.shipments.ingest.types import (
    DOC_OTHER,
    DOC_PURCHASE_ORDER,
    DOC_TRANSPORT_DOCUMENT,
    SOURCE_EPCIS,
    DocumentRef,
    EventIn,
)

UNLOCODE_EXTENSION = "cor:unlocode"  # Corridor's extension on bizLocation/readPoint naming the UN/LOCODE


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _classes(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item["epcClass"] for item in value if isinstance(item, dict) and isinstance(item.get("epcClass"), str)]


def _place(value: Any) -> str:
    return value["id"] if isinstance(value, dict) and isinstance(value.get("id"), str) else ""


def _time(text: str) -> datetime:
    moment = parse_time(text)
    if moment is None:  # validation admits only timestamps parse_time reads
        raise ValueError(f"not a timestamp: {text!r}")
    return moment


_BIC_EPC = "urn:epc:id:bic:"
_IMO_EPC = "urn:epc:id:imovn:"
_BIC_WEB = re.compile(r"https?://[^/?#]+(?:/[^?#]*)?/bic/(?P<number>[^/?#]+)\Z", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _container(value: str) -> tuple[str, str]:
    """(ISO 6346 number, warning) for a BIC EPC or web URI; ("", "") when the value is not one."""
    if value.startswith(_BIC_EPC):
        number = iso6346.compact(value.removeprefix(_BIC_EPC))
    elif match := _BIC_WEB.match(value):
        number = iso6346.compact(unquote(match["number"]))
    else:
        return "", ""
    try:
        iso6346.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the ISO 6346 check digit; kept as sent"
    except StdnumError:
        return "", f"'{number}' is not an ISO 6346 container number; not recorded as equipment"
    return number, ""


@lru_cache(maxsize=8192)
def _vessel(value: str) -> tuple[str, str]:
    """(IMO number, warning) for an ``urn:epc:id:imovn:`` EPC."""
    number = stdnum_imo.compact(value.removeprefix(_IMO_EPC))
    try:
        stdnum_imo.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the IMO check digit; kept as sent"
    except StdnumError:
        return "", f"'{number}' is not an IMO number (7 digits); not recorded as the vessel"
    return number, ""


def _transport_means(named: list[tuple[str, str]], warnings: list[dict[str, str]]) -> tuple[list[str], str]:
    """(containers, vessel IMO) among (field, identifier) pairs; check-digit failures become warnings."""
    equipment: dict[str, None] = {}
    vessel = ""
    for where, value in named:
        # Only candidates reach the cached checks, so the caches hold containers and vessels, not every EPC.
        if value.startswith(_IMO_EPC):
            number, warning = _vessel(value)
            vessel = vessel or number
        elif value.startswith(_BIC_EPC) or "/bic/" in value.lower():
            number, warning = _container(value)
            if number:
                equipment[number] = None
        else:
            continue
        if warning:
            warnings.append({"field": where, "detail": warning})
    return list(equipment), vessel


def _location(event: dict[str, Any], warnings: list[dict[str, str]]) -> str:
    for where in ("bizLocation", "readPoint"):
        place = event.get(where)
        code = place.get(UNLOCODE_EXTENSION) if isinstance(place, dict) else None
        if isinstance(code, str):
            try:
                return normalize_unlocode(code)
            except InvalidIdentifier as exc:
                warnings.append({"field": f"{where}.{UNLOCODE_EXTENSION}", "detail": str(exc)})
    return ""


_DOCUMENT_TYPES = {"bol": DOC_TRANSPORT_DOCUMENT, "po": DOC_PURCHASE_ORDER}


def _transactions(items: Any) -> tuple[list[DocumentRef], list[dict[str, str]]]:
    """bizTransactionList as document references (bol -> TRD, po -> PO, others by name) and in EPCIS shape."""
    documents: dict[DocumentRef, None] = {}
    transactions = []
    for item in items if isinstance(items, list) else []:
        value = item.get("bizTransaction") if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        if "type" in item:
            name = short_name(item["type"], "BTT")
            documents[DocumentRef(type=_DOCUMENT_TYPES.get(name, name), value=value)] = None
            transactions.append({"type": name, "bizTransaction": value})
        else:
            documents[DocumentRef(type=DOC_OTHER, value=value)] = None
            transactions.append({"bizTransaction": value})
    return list(documents), transactions


# Standard sensorReport fields carried into a reading besides type/value/uom/time (extensions stay in payload).
_REPORT_FIELDS = (
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
    "microorganism",
    "chemicalSubstance",
    "coordinateReferenceSystem",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
)
_METADATA_FIELDS = ("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules", "startTime", "endTime")


def _sensor_readings(elements: Any) -> list[dict[str, Any]]:
    """One flat reading per sensorReport; the element's metadata fills what the report leaves out."""
    readings = []
    for element in elements if isinstance(elements, list) else []:
        metadata = element.get("sensorMetadata") if isinstance(element.get("sensorMetadata"), dict) else {}
        for report in element.get("sensorReport") or []:
            reading = {key: metadata[key] for key in _METADATA_FIELDS if key in metadata}
            reading.update((key, report[key]) for key in _REPORT_FIELDS if key in report)
            reading.update(
                type=short_name(report.get("type"), "gs1"),
                value=report.get("value"),
                uom=report.get("uom", ""),
                time=report.get("time") or metadata.get("time") or "",
            )
            readings.append(reading)
    return readings


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def event_in(event: dict[str, Any], context: HashContext) -> EventIn:
    """One validated event as ``EventIn``; ``payload`` is the event dict itself, as sent."""
    warnings: list[dict[str, str]] = []
    hash_id = event_hash(event, context)
    epcs = _unique(
        [
            *_strings(event.get("epcList")),
            *_classes(event.get("quantityList")),
            *_strings(event.get("inputEPCList")),
            *_classes(event.get("inputQuantityList")),
            *_strings(event.get("outputEPCList")),
            *_classes(event.get("outputQuantityList")),
            *_classes(event.get("childQuantityList")),
        ]
    )
    child_epcs = _unique(_strings(event.get("childEPCs")))
    parent_id = event.get("parentID", "")
    read_point, biz_location = _place(event.get("readPoint")), _place(event.get("bizLocation"))
    named = [
        *(
            (key, epc)
            for key in ("epcList", "inputEPCList", "outputEPCList", "childEPCs")
            for epc in _strings(event.get(key))
        ),
        ("parentID", parent_id),
        ("readPoint.id", read_point),
        ("bizLocation.id", biz_location),
    ]
    equipment, vessel_imo = _transport_means(named, warnings)
    documents, transactions = _transactions(event.get("bizTransactionList"))
    return EventIn(
        source=SOURCE_EPCIS,
        event_type=event["type"],
        event_time=_time(event["eventTime"]),
        event_time_zone_offset=event["eventTimeZoneOffset"],
        payload=event,
        event_id=event.get("eventID") or hash_id,
        record_time=_time(event["recordTime"]) if "recordTime" in event else None,
        action=event.get("action", ""),
        biz_step=short_name(event.get("bizStep"), "BizStep"),
        disposition=short_name(event.get("disposition"), "Disp"),
        location=_location(event, warnings),
        read_point=read_point,
        biz_location=biz_location,
        epcs=epcs,
        parent_id=parent_id,
        child_epcs=child_epcs,
        equipment=equipment,
        documents=documents,
        biz_transactions=transactions,
        vessel_imo=vessel_imo,
        sensor_readings=_sensor_readings(event.get("sensorElementList")),
        error_declaration=event.get("errorDeclaration"),
        hash_id=hash_id,
        warnings=warnings,
    )
