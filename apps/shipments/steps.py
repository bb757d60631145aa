"""Steps and event types in people's words: one mapping for CBV 2.0 business steps and DCSA event codes.

Pages show ``step_label`` ("Loaded on vessel", "Gate-out") and put the code it came from on hover; a
code this module does not know is shown as sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.shipments.graph.types import step_name

# DCSA Track & Trace 2.2 / 3.0 event codes: transport, equipment and shipment (document) events.
DCSA_CODES: dict[str, Promise] = {
    "ARRI": _("Vessel arrived"),
    "DEPA": _("Vessel departed"),
    "LOAD": _("Loaded on vessel"),
    "DISC": _("Discharged from vessel"),
    "GTIN": _("Gate-in"),
    "GTOT": _("Gate-out"),
    "STUF": _("Stuffed"),
    "STRP": _("Stripped"),
    "PICK": _("Picked up"),
    "DROP": _("Dropped off"),
    "INSP": _("Inspected"),
    "RSEA": _("Resealed"),
    "RMVD": _("Removed"),
    "RECE": _("Received"),
    "DRFT": _("Drafted"),
    "PENA": _("Pending approval"),
    "PENU": _("Pending update"),
    "PENC": _("Pending confirmation"),
    "REJE": _("Rejected"),
    "APPR": _("Approved"),
    "ISSU": _("Issued"),
    "SURR": _("Surrendered"),
    "SUBM": _("Submitted"),
    "VOID": _("Voided"),
    "CONF": _("Confirmed"),
    "REQS": _("Requested"),
    "CMPL": _("Completed"),
    "HOLD": _("On hold"),
    "RELS": _("Released"),
    "CANC": _("Cancelled"),
}

# CBV 2.0 business steps (short names).
CBV_STEPS: dict[str, Promise] = {
    "accepting": _("Accepted"),
    "arriving": _("Arrived"),
    "assembling": _("Assembled"),
    "collecting": _("Collected"),
    "commissioning": _("Commissioned"),
    "consigning": _("Consigned"),
    "creating_class_instance": _("Batch created"),
    "cycle_counting": _("Counted"),
    "decommissioning": _("Decommissioned"),
    "departing": _("Departed"),
    "destroying": _("Destroyed"),
    "disassembling": _("Disassembled"),
    "dispensing": _("Dispensed"),
    "encoding": _("Encoded"),
    "entering_exiting": _("Entered or exited"),
    "holding": _("Held"),
    "inspecting": _("Inspected"),
    "installing": _("Installed"),
    "killing": _("Tag deactivated"),
    "loading": _("Loaded"),
    "other": _("Other step"),
    "packing": _("Packed"),
    "picking": _("Picked"),
    "receiving": _("Received"),
    "removing": _("Removed"),
    "repackaging": _("Repacked"),
    "repairing": _("Repaired"),
    "replacing": _("Replaced"),
    "reserving": _("Reserved"),
    "retail_selling": _("Sold"),
    "sampling": _("Sampled"),
    "sensor_reporting": _("Sensor reading"),
    "shipping": _("Shipped"),
    "staging_outbound": _("Staged for shipping"),
    "stock_taking": _("Stock taken"),
    "stocking": _("Stocked"),
    "storing": _("Stored"),
    "transporting": _("In transport"),
    "unloading": _("Unloaded"),
    "unpacking": _("Unpacked"),
    "void_shipping": _("Shipping voided"),
}

EVENT_TYPES: dict[str, Promise] = {
    "ObjectEvent": _("Object event"),
    "AggregationEvent": _("Packing or unpacking"),
    "TransactionEvent": _("Business transaction"),
    "TransformationEvent": _("Transformation"),
    "AssociationEvent": _("Association"),
    "SHIPMENT": _("Shipment event"),
    "TRANSPORT": _("Transport event"),
    "EQUIPMENT": _("Equipment event"),
    "IOT": _("IoT event"),
    "REEFER": _("Reefer event"),
}


@dataclass(frozen=True)
class StepLabel:
    """What a person reads (``text``) and the code it stands for (``code``, shown on hover)."""

    text: str
    code: str

    def __str__(self) -> str:
        return self.text


def step_label(*, biz_step: str = "", event_code: str = "", event_type: str = "") -> StepLabel:
    """An event's step in words: its DCSA code, else its CBV business step, else its event type."""
    if event_code:
        code = event_code.strip().upper()
        return StepLabel(str(DCSA_CODES.get(code, code)), code)
    if biz_step:
        name = step_name(biz_step)
        return StepLabel(str(CBV_STEPS.get(name, name.replace("_", " "))), name)
    return event_type_label(event_type)


def any_step_label(step: str) -> StepLabel:
    """A step given either way (a DCSA code or a CBV business step), as the event graph names it."""
    return step_label(event_code=step) if step.isupper() else step_label(biz_step=step)


def event_type_label(event_type: str) -> StepLabel:
    return StepLabel(str(EVENT_TYPES.get(event_type, event_type)), event_type)
