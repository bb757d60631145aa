"""A consignment's status, derived from its events (pure; no Django imports).

The furthest stage any current event proves wins: booked < in transit < arrived < released <
delivered. A hold or an exception disposition puts the consignment in ``exception`` until a
later event clears it (a customs release, or movement resuming).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

BOOKED, IN_TRANSIT, ARRIVED, RELEASED, DELIVERED, EXCEPTION = (
    "booked",
    "in_transit",
    "arrived",
    "released",
    "delivered",
    "exception",
)
_RANK = {BOOKED: 0, IN_TRANSIT: 1, ARRIVED: 2, RELEASED: 3, DELIVERED: 4}

# CBV 2.0 business steps and DCSA event codes that prove each stage.
_IN_TRANSIT_STEPS = {"shipping", "departing", "loading", "transporting", "staging_outbound"}
_IN_TRANSIT_CODES = {"DEPA", "LOAD", "GTIN", "GTOT"}
_ARRIVAL_STEPS = {"arriving", "unloading"}
_ARRIVAL_CODES = {"ARRI", "DISC"}
_DELIVERY_STEPS = {"receiving", "accepting"}
_RELEASE_CODES = {"RELS"}  # DCSA shipment event: released (customs/carrier release)
_RELEASE_DISPOSITIONS = {"released"}
_HOLD_CODES = {"HOLD"}
_EXCEPTION_DISPOSITIONS = {"damaged", "destroyed", "stolen", "recalled", "non_conformant", "disposed"}


@dataclass(frozen=True)
class StatusEvent:
    event_time: datetime
    location: str
    biz_step: str
    disposition: str
    event_code: str


def _stage(event: StatusEvent, destination: str) -> str | None:
    at_destination = event.location == destination
    if event.biz_step in _DELIVERY_STEPS and at_destination:
        return DELIVERED
    if event.event_code in _RELEASE_CODES or event.disposition in _RELEASE_DISPOSITIONS:
        return RELEASED
    if (event.biz_step in _ARRIVAL_STEPS or event.event_code in _ARRIVAL_CODES) and at_destination:
        return ARRIVED
    if event.biz_step in _IN_TRANSIT_STEPS | _ARRIVAL_STEPS or event.event_code in _IN_TRANSIT_CODES | _ARRIVAL_CODES:
        return IN_TRANSIT
    return None


def derive_status(events: Iterable[StatusEvent], *, destination: str, since: str = BOOKED) -> str:
    """The status the events prove, given the consignment's destination UN/LOCODE.

    ``since`` is the status already proven by earlier events, so new events can be folded in
    without reading the whole history again (an exception seed starts from booked, still held).
    """
    best = since if since in _RANK else BOOKED
    held = since == EXCEPTION
    for event in sorted(events, key=lambda e: e.event_time):
        if event.event_code in _HOLD_CODES or event.disposition in _EXCEPTION_DISPOSITIONS:
            held = True
            continue
        stage = _stage(event, destination)
        if stage is None:
            continue
        held = False
        if _RANK[stage] > _RANK[best]:
            best = stage
    return EXCEPTION if held else best
