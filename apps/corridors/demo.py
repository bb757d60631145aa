"""The demo corridor as a watched Corridor: Kaohsiung → Busan → Los Angeles, by sea, with its parties as members.

The forwarder (Harbor Link) owns it; every other demo partner is a member. Its baselines are computed
once when it is created: with one completed demo consignment they fall back to the sailings' plan,
and the page says so. ETAs are refreshed on every run (they are derived, not audited).

Then the watch's scan runs as of the load, so the demo shows what the detectors find, each with evidence
a person can check:

- ``overdue`` and ``silence``: DEMO-KHH-LAX-0002 (left Busan on 16 Nov, due in Los Angeles on 28 Nov) and
  the others still at sea past their plan;
- ``dwell``: DEMO-KHH-LAX-0004's container, discharged at Busan on 18 Nov and not loaded since (rolled to
  a later sailing);
- ``inconsistent`` (``impossible_speed``): Busan's terminal reports DEMO-KHH-LAX-0003's container gated in at
  Busan two hours after it was loaded in Kaohsiung (a mistyped container number, as happens);
- ``trust_change``: DEMO-KHH-LAX-0004 judged as of its shipper's AEO's last valid day, then as of the load:
  fully trusted, then partially, raised to each deciding customs authority by compliance's re-evaluation.

A second run records nothing new and raises nothing new (the scan refreshes what it finds again).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from apps.compliance.models import TrustEvaluation
from apps.compliance.services.reevaluation import trust_reevaluate_consignments
from apps.corridors.models import Corridor
from apps.corridors.scan import scan_run
from apps.corridors.services import corridor_baselines_recompute, corridor_create, eta_refresh
from apps.partners.access import Actor, command_label, system_actor
from apps.partners.choices import MemberRole
from apps.partners.demo import DEMO_PARTNERS
from apps.partners.models import Partner
from apps.shipments.demo import DEMO_CONSIGNMENTS
from apps.shipments.ingest.native import NativeEventSerializer, native_event
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import Consignment, Event

DEMO_CORRIDOR = "demo-twkhh-krpus-uslax"
DEMO_OWNER = "demo-harbor-link"
# Busan's terminal gates in DEMO-KHH-LAX-0003's container while the carrier has it aboard in Kaohsiung.
IMPOSSIBLE_REFERENCE = "DEMO-KHH-LAX-0003"
IMPOSSIBLE_EVENT_ID = "PUS-GTIN-MSCU7700126-20261119"
IMPOSSIBLE_RECORDER = "demo-busan-terminal"
# DEMO-KHH-LAX-0004's shipper's AEO was last valid on this day (apps/compliance/demo.py).
TRUST_REFERENCE = "DEMO-KHH-LAX-0004"
TRUST_BEFORE = date(2025, 8, 31)


def _impossible_event_record() -> int:
    if Event.objects.filter(recorder__slug=IMPOSSIBLE_RECORDER, event_id=IMPOSSIBLE_EVENT_ID).exists():
        return 0
    consignment = Consignment.objects.get(reference=IMPOSSIBLE_REFERENCE)
    spec = next(s for s in DEMO_CONSIGNMENTS if s.reference == IMPOSSIBLE_REFERENCE)
    # Loaded in Kaohsiung four hours before departure; "gated in at Busan" two hours after that load.
    raw = [
        {
            "event_id": IMPOSSIBLE_EVENT_ID,
            "type": "EQUIPMENT",
            "event_code": "GTIN",
            "event_time": (spec.departs - timedelta(hours=2)).astimezone(UTC).isoformat(),
            "location": "KRPUS",
            "equipment": [spec.container],
            "consignment": str(consignment.pk),
        }
    ]
    data = NativeEventSerializer(data=raw, many=True)
    data.is_valid(raise_exception=True)
    event_batch_record(
        actor=Actor(
            partner=Partner.objects.get(slug=IMPOSSIBLE_RECORDER),
            role=MemberRole.OPERATOR,
            system_label=command_label("demo_corridor"),
        ),
        events=[native_event(clean, given) for clean, given in zip(data.validated_data, raw, strict=True)],
        channel="demo",
    )
    return 1


def _trust_change(*, today: date) -> int:
    """Judge the consignment as of the last day its shipper's AEO was valid, then today: the change is an alert.

    Only on a database where it was never judged, so a second run (or a judged consignment) is left alone.
    """
    consignment = Consignment.objects.get(reference=TRUST_REFERENCE)
    if TrustEvaluation.objects.filter(consignment=consignment).exists():
        return 0
    trust_reevaluate_consignments(consignment_ids=[consignment.pk], as_of=TRUST_BEFORE)
    return trust_reevaluate_consignments(consignment_ids=[consignment.pk], as_of=today)


def demo_corridors_load(*, as_of: datetime) -> dict[str, int]:
    """Create the demo Corridor with its baselines (first run only), refresh the ETAs, and run the watch."""
    created = 0
    if not Corridor.objects.filter(slug=DEMO_CORRIDOR).exists():
        owner = Partner.objects.get(slug=DEMO_OWNER)
        corridor = corridor_create(
            actor=system_actor(command_label("demo_corridor")),
            slug=DEMO_CORRIDOR,
            name="Kaohsiung → Busan → Los Angeles (demo)",
            owner=owner,
            nodes=["TWKHH", "KRPUS", "USLAX"],
            modes=["sea", "sea"],
            members=list(Partner.objects.filter(slug__in=[p.slug for p in DEMO_PARTNERS]).exclude(pk=owner.pk)),
        )
        corridor_baselines_recompute(corridor=corridor, as_of=as_of)
        created = 1
    references = [spec.reference for spec in DEMO_CONSIGNMENTS]
    eta_refresh(
        consignment_ids=Consignment.objects.filter(reference__in=references).values_list("pk", flat=True), as_of=as_of
    )
    inconsistent = _impossible_event_record()
    trust = _trust_change(today=as_of.date())
    scan = scan_run(as_of=as_of, corridor=Corridor.objects.get(slug=DEMO_CORRIDOR))
    return {
        "corridors": created,
        "inconsistent demo events": inconsistent,
        "trust changes": trust,
        "alerts raised by the watch": sum(scan.counts.get("raised", {}).values()),
    }
