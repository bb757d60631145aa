"""The demo corridor as a watched Corridor: Kaohsiung → Busan → Los Angeles, by sea, with its parties as members.

The forwarder (Harbor Link) owns it; every other demo partner is a member. Its baselines are computed
once when it is created: with one completed demo consignment they fall back to the sailings' plan,
and the page says so. ETAs are refreshed on every run (they are derived, not audited), so a second
run writes nothing else.
"""

from __future__ import annotations

from datetime import datetime

from apps.corridors.models import Corridor
from apps.corridors.services import corridor_baselines_recompute, corridor_create, eta_refresh
from apps.partners.access import system_actor
from apps.partners.demo import DEMO_PARTNERS
from apps.partners.models import Partner
from apps.shipments.demo import DEMO_CONSIGNMENTS
from apps.shipments.models import Consignment

DEMO_CORRIDOR = "demo-twkhh-krpus-uslax"
DEMO_OWNER = "demo-harbor-link"


def demo_corridors_load(*, as_of: datetime) -> dict[str, int]:
    """Create the demo Corridor with its baselines (first run only) and refresh the demo consignments' ETAs."""
    created = 0
    if not Corridor.objects.filter(slug=DEMO_CORRIDOR).exists():
        owner = Partner.objects.get(slug=DEMO_OWNER)
        corridor = corridor_create(
            actor=system_actor("manage.py demo_corridor"),
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
    return {"corridors": created}
