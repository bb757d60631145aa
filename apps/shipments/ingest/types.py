"""The one shape every wire format is parsed into before the ingest service stores it.

Pure Python (no Django): the native, EPCIS 2.0 and DCSA Track & Trace parsers each turn their
input into ``EventIn`` objects, or raise ``IngestValidationError`` listing every problem, so the
service can validate a whole batch before writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Sources, as stored on each event.
SOURCE_NATIVE = "native"
SOURCE_EPCIS = "epcis"
SOURCE_DCSA_2 = "dcsa-2.2"
SOURCE_DCSA_3 = "dcsa-3.0"

EPCIS_EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
DCSA_EVENT_TYPES = ("SHIPMENT", "TRANSPORT", "EQUIPMENT", "IOT", "REEFER")

# Document reference types (DCSA's codes; EPCIS bizTransaction types map onto them).
DOC_BOOKING = "BKG"  # booking / carrier booking reference
DOC_TRANSPORT_DOCUMENT = "TRD"  # bill of lading / air waybill number
DOC_CONSIGNMENT = "CON"  # Corridor consignment reference or id
DOC_PURCHASE_ORDER = "PO"
DOC_OTHER = "OTHER"


@dataclass(frozen=True)
class DocumentRef:
    """A business document the event names: booking, transport document, consignment, PO..."""

    type: str
    value: str


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one event: which event (index in the batch, id if known), which field, what.

    ``detail`` is English (what the APIs answer); made as an :class:`~apps.core.words.Text`, it keeps its template
    and arguments, so a page can say it in the reader's language.
    """

    index: int
    field: str
    detail: str
    event_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "event_id": self.event_id, "field": self.field, "detail": self.detail}


class IngestValidationError(ValueError):
    """The batch is invalid; ``problems`` names every bad event and field. Nothing may be stored."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__("; ".join(f"[{p.index}] {p.field}: {p.detail}" for p in problems[:5]))
        self.problems = problems


@dataclass
class EventIn:
    """One event as recorded by one partner, normalised, with its original payload kept verbatim.

    Times are timezone-aware; ``event_time_zone_offset`` keeps the offset as sent ("+08:00").
    Identifiers are normalised (UN/LOCODE upper case, ISO 6346 without spaces). External data
    that fails a check digit (IMO, ISO 6346) is kept with an entry in ``warnings``.
    """

    source: str
    event_type: str
    event_time: datetime
    event_time_zone_offset: str
    payload: dict[str, Any]
    event_id: str = ""
    record_time: datetime | None = None
    action: str = ""  # EPCIS ADD / OBSERVE / DELETE
    biz_step: str = ""  # CBV 2.0 business step, short name ("departing", "shipping", ...)
    disposition: str = ""  # CBV 2.0 disposition, short name ("in_transit", ...)
    event_code: str = ""  # DCSA: ARRI, DEPA, LOAD, DISC, GTIN, GTOT, RECE, ISSU, ...
    event_classifier: str = ""  # DCSA: ACT, PLN, EST, REQ
    location: str = ""  # UN/LOCODE where known
    read_point: str = ""  # EPCIS readPoint id (e.g. an SGLN URI)
    biz_location: str = ""  # EPCIS bizLocation id
    facility_code: str = ""  # DCSA facility (SMDG/BIC code) where given
    epcs: list[str] = field(default_factory=list)  # epcList, quantity classes, input/output EPCs
    parent_id: str = ""
    child_epcs: list[str] = field(default_factory=list)
    equipment: list[str] = field(default_factory=list)  # ISO 6346 container numbers
    documents: list[DocumentRef] = field(default_factory=list)
    biz_transactions: list[dict[str, str]] = field(default_factory=list)  # EPCIS shape {"type", "bizTransaction"}
    mode_of_transport: str = ""  # VESSEL, RAIL, TRUCK, BARGE, AIR
    vessel_imo: str = ""
    vessel_name: str = ""
    voyage_number: str = ""
    carrier_code: str = ""  # SCAC / carrier code of the vessel operator, where given
    sensor_readings: list[dict[str, Any]] = field(default_factory=list)
    updated_at: datetime | None = None  # DCSA eventUpdatedDateTime: later = a new version
    is_retracted: bool = False  # DCSA isRetracted
    error_declaration: dict[str, Any] | None = None  # EPCIS errorDeclaration, as sent
    hash_id: str = ""  # CBV 2.0 event hash (EPCIS), filled by the EPCIS parser
    warnings: list[dict[str, str]] = field(default_factory=list)  # {"field", "detail"}
