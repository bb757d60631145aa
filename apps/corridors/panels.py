"""What corridors contribute to the consignment page of ``apps.shipments``: its ETA with the p10 to p90 interval."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.corridors import selectors
from apps.partners.access import Actor
from apps.shipments.extensions import Eta


def consignment_eta(actor: Actor, consignment: Any) -> Eta | None:
    """The corridor watch's stored prediction for the consignment, or None where it has made none."""
    # The consignment page found the consignment among those the actor sees: no second visibility check.
    eta = selectors.visible_consignment_eta(consignment=consignment)
    if eta is None:
        return None
    basis = _("Corridor %(name)s, as of its last event") % {"name": eta.corridor.name} if eta.corridor else ""
    return Eta(expected=eta.predicted_arrival, earliest=eta.p10, latest=eta.p90, basis=basis)
