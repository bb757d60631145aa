"""One DCSA Track & Trace event read into ``EventIn``, with the problems only reading finds (no Django imports).

The schema has spoken by then (``validate.py``); reading adds what it cannot say: times that cannot be
true, UN/LOCODEs, and check digits, which are warnings (DESIGN §10). 2.2 and 3.0 differ in shape, so each
has its reader (``read_v2``, ``read_v3``); both fill the same ``EventIn`` fields.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from stdnum import imo as stdnum_imo
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from apps.core import identifiers
from apps.core.words import Text
from apps.shipments.dcsa.validate import V3_CODE_BY_TYPE, format_problem, parse_date_time, printable
from apps.shipments.ingest.types import SOURCE_DCSA_2, SOURCE_DCSA_3, DocumentRef, EventIn, FieldProblem

# Problems are Texts (see validate.py): ``_`` marks their templates for the catalogue, translated only on a page.
_ = Text

# Producers' clocks drift; a few minutes either way is not a false statement about the world.
CLOCK_SKEW = timedelta(minutes=5)

_V2_CODE_BY_TYPE = {
    "SHIPMENT": "shipmentEventTypeCode",
    "TRANSPORT": "transportEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
}


# --- Identifiers -----------------------------------------------------------------------------------
# Cached: a feed names the same few containers, vessels and ports over and over.


@functools.lru_cache(maxsize=8192)
def _locode(value: str) -> tuple[str, str]:
    """(UN/LOCODE, "") or ("", why not)."""
    try:
        return identifiers.normalize_unlocode(value), ""
    except identifiers.InvalidIdentifier as exc:
        return "", exc.text


@functools.lru_cache(maxsize=8192)
def _container(value: str) -> tuple[str, str]:
    """(ISO 6346 number without spaces, warning or ""); SMDG allows non-ISO ids, so it is kept either way."""
    number = iso6346.compact(value)
    try:
        iso6346.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the ISO 6346 check digit; kept as sent."
    except StdnumError:
        return number, f"'{number}' is not an ISO 6346 container number; kept as sent."
    return number, ""


@functools.lru_cache(maxsize=8192)
def _imo(value: str) -> tuple[str, str]:
    """(IMO number without "IMO" or spaces, warning or "")."""
    number = stdnum_imo.compact(value)
    try:
        stdnum_imo.validate(number)
    except InvalidChecksum:
        return number, f"'{number}' fails the IMO check digit; kept as sent."
    except StdnumError:
        return number, f"'{number}' is not an IMO number (7 digits); kept as sent."
    return number, ""


# --- Reading one event ---------------------------------------------------------------------------


def dig(node: Any, *keys: str) -> Any:
    """The value at ``keys`` or None; safe on any input, since a schema failure does not stop reading."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class EventReader:
    """Problems and warnings of one event, each named by its field path."""

    def __init__(self, index: int, event: dict[str, Any]):
        self.index = index
        self.event = event
        raw_id = event.get("eventID")
        self.event_id = raw_id if isinstance(raw_id, str) else ""
        self.problems: list[FieldProblem] = []
        self.warnings: list[dict[str, str]] = []
        self._fields_at_fault: set[str] = set()

    def schema_problems(self, found: list[tuple[str, str]]) -> None:
        for field_path, detail in found:
            self._add(field_path, detail)

    def problem(self, field_path: str, detail: str) -> None:
        """A problem found after the schema; one per field, none where the schema already spoke."""
        if field_path not in self._fields_at_fault:
            self._add(field_path, detail)

    def _add(self, field_path: str, detail: str) -> None:
        self._fields_at_fault.add(field_path)
        # Problems quote what was sent, and the error response must still encode as UTF-8.
        problem = FieldProblem(self.index, printable(field_path), printable(detail), printable(self.event_id))
        self.problems.append(problem)

    def time(self, field_path: str) -> tuple[datetime, str] | None:
        value = dig(self.event, *field_path.split("."))
        if not isinstance(value, str):
            return None
        try:
            return parse_date_time(value)
        except ValueError:
            self.problem(field_path, format_problem(value, "date-time"))
            return None

    def locode(self, *field_paths: str) -> str:
        """The first UN/LOCODE among ``field_paths``; every one given must be valid."""
        first = ""
        for field_path in field_paths:
            value = dig(self.event, *field_path.split("."))
            if isinstance(value, str) and value:
                code, problem = _locode(value)
                if problem:
                    self.problem(field_path, problem)
                first = first or code
        return first

    def container(self, field_path: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            return ""
        number, warning = _container(value)
        if warning:
            self.warn(field_path, warning)
        return number

    def imo(self, field_path: str) -> str:
        value = dig(self.event, *field_path.split("."))
        if not isinstance(value, str) or not value.strip():
            return ""
        number, warning = _imo(value)
        if warning:
            self.warn(field_path, warning)
        return number

    def warn(self, field_path: str, detail: str) -> None:
        self.warnings.append({"field": field_path, "detail": detail})

    def check_times(
        self,
        *,
        now: datetime,
        classifier: str,
        when: tuple[datetime, str] | None,
        recorded: tuple[datetime, str] | None,
        recorded_field: str,
        actual_after_recorded: bool,
    ) -> None:
        """Refuse what cannot be true. Differences, not sums: datetimes near year 1 or 9999 must not overflow."""
        if recorded and recorded[0] - now > CLOCK_SKEW:
            self.problem(recorded_field, _("is in the future"))
        if classifier != "ACT" or when is None:
            return
        if when[0] - now > CLOCK_SKEW:
            self.problem("eventDateTime", _("an actual (ACT) event cannot be in the future"))
        elif actual_after_recorded and recorded and when[0] - recorded[0] > CLOCK_SKEW:
            self.problem(
                recorded_field, _("is before the actual (ACT) eventDateTime: an event is created after it happens")
            )


def _documents(pairs: Iterable[tuple[Any, Any]]) -> list[DocumentRef]:
    """DocumentRefs in the order sent, without repeats; DCSA's type codes kept (BKG, TRD, FF, EQ...)."""
    seen: dict[DocumentRef, None] = {}
    for doc_type, value in pairs:
        if isinstance(doc_type, str) and doc_type and isinstance(value, str) and value:
            seen.setdefault(DocumentRef(doc_type, value), None)
    return list(seen)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def read_v2(reader: EventReader, *, now: datetime) -> EventIn | None:
    """One DCSA 2.2 event (transport, shipment or equipment)."""
    event = reader.event
    event_type = _text(event.get("eventType"))
    classifier = _text(event.get("eventClassifierCode"))
    when = reader.time("eventDateTime")
    created = reader.time("eventCreatedDateTime")
    reader.check_times(
        now=now,
        classifier=classifier,
        when=when,
        recorded=created,
        recorded_field="eventCreatedDateTime",
        actual_after_recorded=True,
    )
    call = event.get("transportCall")
    location = reader.locode(
        "eventLocation.UNLocationCode", "transportCall.UNLocationCode", "transportCall.location.UNLocationCode"
    )
    references = _items(event.get("references"))
    equipment = [reader.container("equipmentReference", event.get("equipmentReference"))]
    equipment += [
        reader.container(f"references[{position}].referenceValue", reference.get("referenceValue"))
        for position, reference in enumerate(references)
        if reference.get("referenceType") == "EQ"
    ]
    vessel_imo = reader.imo("transportCall.vessel.vesselIMONumber")
    if reader.problems or when is None:
        return None
    documents = _documents(
        [
            *(
                (ref.get("documentReferenceType"), ref.get("documentReferenceValue"))
                for ref in _items(event.get("documentReferences"))
            ),
            (event.get("documentTypeCode"), event.get("documentID")),
            *((ref.get("referenceType"), ref.get("referenceValue")) for ref in references),
        ]
    )
    return EventIn(
        source=SOURCE_DCSA_2,
        event_type=event_type,
        event_id=reader.event_id,
        event_time=when[0],
        event_time_zone_offset=when[1],
        record_time=created[0] if created else None,
        payload=event,
        event_code=_text(event.get(_V2_CODE_BY_TYPE.get(event_type, ""))),
        event_classifier=classifier,
        location=location,
        facility_code=_text(dig(event, "eventLocation", "facilityCode"))
        or _text(dig(call, "facilityCode"))
        or _text(dig(call, "location", "facilityCode")),
        equipment=_unique(equipment),
        documents=documents,
        mode_of_transport=_text(dig(call, "modeOfTransport")),
        vessel_imo=vessel_imo,
        vessel_name=_text(dig(call, "vessel", "vesselName")),
        # DCSA's own rule for its deprecated carrierVoyageNumber: the export voyage when there are two.
        voyage_number=_text(dig(call, "exportVoyageNumber"))
        or _text(dig(call, "importVoyageNumber"))
        or _text(dig(call, "carrierVoyageNumber")),
        carrier_code=_text(dig(call, "vessel", "vesselOperatorCarrierCode")),
        warnings=reader.warnings,
    )


# 3.0 reefer parameters: (DCSA property, reading type, unit). The unit None means "no unit".
_REEFER_PARAMETERS = (
    ("o2Percentage", "o2", "%"),
    ("co2Percentage", "co2", "%"),
    ("humidityPercentage", "humidity", "%"),
    ("airExchangeValue", "air_exchange", "airExchangeUnit"),
    ("isVentilationOpen", "ventilation_open", None),
    ("isDrainholesOpen", "drainholes_open", None),
    ("isBulbMode", "bulb_mode", None),
    ("isColdTreatmentRequired", "cold_treatment_required", None),
    ("isControlledAtmosphereRequired", "controlled_atmosphere_required", None),
)


def _reading(kind: str, value: Any, unit: str | None = None, **extra: Any) -> dict[str, Any]:
    reading = {"type": kind, "value": value}
    if unit:
        reading["unit"] = unit
    reading.update(extra)
    return reading


def _sensor_readings(event: dict[str, Any], event_type: str) -> list[dict[str, Any]]:
    """3.0 reefer and IoT details as readings ``{type, value, unit}``; DCSA gives no per-reading time.

    Setpoints are kept beside measurements (``setpoint_*``) because an excursion is judged against them.
    """
    readings: list[dict[str, Any]] = []
    reefer = event.get("reeferDetails")
    if isinstance(reefer, dict):
        unit = _text(reefer.get("temperatureUnit"))
        for probe in _items(reefer.get("temperatureProbeMeasurements")):
            if isinstance(probe.get("measuredTemperatureValue"), int | float):
                label = next(
                    (probe[key] for key in ("USDAProbeNumber", "COAProbeUDMKey", "probeLabel") if key in probe), None
                )
                extra = {"probe": label} if label is not None else {}
                readings.append(_reading("temperature", probe["measuredTemperatureValue"], unit, **extra))
        for key, kind in (
            ("ambientMeasuredTemperature", "ambient_temperature"),
            ("internalSetpointTemperature", "setpoint_temperature"),
        ):
            if isinstance(reefer.get(key), int | float):
                readings.append(_reading(kind, reefer[key], unit))
        for group, prefix in (("measuredParameters", ""), ("setpointParameters", "setpoint_")):
            parameters = reefer.get(group)
            if not isinstance(parameters, dict):
                continue
            for key, kind, parameter_unit in _REEFER_PARAMETERS:
                if key in parameters and parameters[key] is not None:
                    named_unit = (
                        _text(parameters.get(parameter_unit)) if parameter_unit == "airExchangeUnit" else parameter_unit
                    )
                    readings.append(_reading(prefix + kind, parameters[key], named_unit))
    iot_code = _text(dig(event, "iotDetails", "iotEventCode"))
    if iot_code:
        readings.append(_reading("iot_event", iot_code))
    position = dig(event, "eventLocation", "geoCoordinate")
    if event_type == "IOT" and isinstance(position, dict) and position:
        readings.append(
            _reading("position", {key: position[key] for key in ("latitude", "longitude") if key in position})
        )
    return readings


def read_v3(reader: EventReader, *, now: datetime) -> EventIn | None:
    """One DCSA 3.0 event (shipment, transport, equipment, IoT or reefer), or a retraction."""
    event = reader.event
    classification = event.get("eventClassification")
    event_type = _text(dig(classification, "eventTypeCode"))
    classifier = _text(dig(classification, "eventClassifierCode"))
    when = reader.time("eventDateTime")
    updated = reader.time("eventUpdatedDateTime")
    reader.check_times(
        now=now,
        classifier=classifier,
        when=when,
        recorded=updated,
        recorded_field="eventUpdatedDateTime",
        # DCSA's own 3.0 samples update actual events before their eventDateTime; not enforced.
        actual_after_recorded=False,
    )
    retracted = event.get("isRetracted") is True
    when = when or (updated if retracted else None)  # a bare retraction has only its update time
    location = reader.locode("eventLocation.UNLocationCode")
    call = dig(event, "transportDetails", "transportCall")
    details = event.get("shipmentDetails")
    shipment_refs = [
        *(
            ("shipmentReferences", position, ref)
            for position, ref in enumerate(_items(dig(details, "shipmentReferences")))
        ),
        *(
            (f"shipmentReferenceReplacements[{outer}].{side}", position, ref)
            for outer, replacement in enumerate(_items(dig(details, "shipmentReferenceReplacements")))
            for side in ("oldReferences", "newReferences")
            for position, ref in enumerate(_items(replacement.get(side)))
        ),
    ]
    equipment = [
        reader.container("equipmentDetails.equipmentReference", dig(event, "equipmentDetails", "equipmentReference"))
    ]
    equipment += [
        reader.container(f"shipmentDetails.{where}[{position}].reference", ref.get("reference"))
        for where, position, ref in shipment_refs
        if ref.get("typeCode") == "EQ"
    ]
    vessel_imo = reader.imo("transportDetails.transportCall.vesselTransport.vesselIMONumber")
    if reader.problems or when is None:
        return None
    primary = dig(details, "documentReference")
    document_refs = [
        *([primary] if isinstance(primary, dict) else []),
        *_items(dig(details, "additionalDocumentReferences")),
        *(
            ref
            for replacement in _items(dig(details, "documentReferenceReplacements"))
            for side in ("oldReferences", "newReferences")
            for ref in _items(replacement.get(side))
        ),
    ]
    export_voyage = dig(call, "exportVoyageNumberOrReference")
    import_voyage = dig(call, "importVoyageNumberOrReference")
    return EventIn(
        source=SOURCE_DCSA_3,
        event_type=event_type,
        event_id=reader.event_id,
        event_time=when[0],
        event_time_zone_offset=when[1],
        record_time=updated[0] if updated else None,
        updated_at=updated[0] if updated else None,
        is_retracted=retracted,
        payload=event,
        event_code=_text(dig(classification, V3_CODE_BY_TYPE.get(event_type, ""))),
        event_classifier=classifier,
        location=location,
        facility_code=_text(dig(event, "eventLocation", "facility", "facilityCode")),
        equipment=_unique(equipment),
        documents=_documents(
            [
                *((ref.get("typeCode"), ref.get("reference")) for ref in document_refs),
                *((ref.get("typeCode"), ref.get("reference")) for _, _, ref in shipment_refs),
            ]
        ),
        mode_of_transport=_text(dig(call, "modeOfTransport")),
        vessel_imo=vessel_imo,
        vessel_name=_text(dig(call, "vesselTransport", "vesselName")),
        voyage_number=_text(dig(export_voyage, "carrierVoyageNumber"))
        or _text(dig(export_voyage, "universalVoyageReference"))
        or _text(dig(import_voyage, "carrierVoyageNumber"))
        or _text(dig(import_voyage, "universalVoyageReference")),
        carrier_code=_text(dig(call, "vesselTransport", "operatorCarrierCode")),
        sensor_readings=_sensor_readings(event, event_type),
        warnings=reader.warnings,
    )
