"""What credentials contribute to the consignment pages of ``apps.shipments``: the credential chain with a
verified badge per step, and the dashboard's figure of credentials issued this week."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.credentials import selectors, verification
from apps.credentials.models import Credential
from apps.partners.access import Actor
from apps.shipments.extensions import ConsignmentPanel, DashboardTile
from apps.shipments.steps import step_label


def chain_panel(request: HttpRequest, actor: Actor, consignment: Any) -> str:
    """Every step credential of the consignment in chain order, each verified (proof, status, issuer)."""
    rows = []
    entries = selectors.consignment_chain(consignment=consignment)
    outcomes = verification.chain_entries_verify(entries)
    for entry, outcome in zip(entries, outcomes, strict=True):
        event = entry.credential.event
        label = (
            step_label(biz_step=event.biz_step, event_code=event.event_code, event_type=event.event_type)
            if event is not None
            else None
        )
        rows.append({"entry": entry, "verified": outcome.verified, "errors": outcome.errors, "label": label})
    context = {"consignment": consignment, "rows": rows, "verified": bool(rows) and all(r["verified"] for r in rows)}
    return render_to_string("credentials/consignment_chain_panel.html", context, request=request)


consignment_chain_panel = ConsignmentPanel(anchor="chain", render=chain_panel)


def issued_this_week_tile(actor: Actor) -> list[DashboardTile]:
    """Credentials the partner signed in the last seven days (one query)."""
    if actor.partner is None:
        return []
    since = timezone.now() - timedelta(days=7)
    count = Credential.objects.filter(issuer=actor.partner, issued_at__gte=since).count()
    return [DashboardTile(label=str(_("Credentials issued in the last 7 days")), value=count, tone="ok")]
