"""What alerts contribute to the consignment pages of ``apps.shipments``: the open-alerts filter and column,
the consignment's alerts panel and the dashboard's open-alerts figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.disruptions.choices import AlertSeverity
from apps.disruptions.models import Alert
from apps.disruptions.presentation import alerts_present
from apps.partners.access import Actor
from apps.shipments.extensions import ConsignmentPanel, DashboardTile, OpenAlerts

PANEL_ROWS = 20


def _open(actor: Actor) -> QuerySet[Alert]:
    return Alert.objects.visible_to(actor).open()


def consignments_with_open_alerts(actor: Actor) -> QuerySet:
    return _open(actor).exclude(consignment_id=None).values("consignment_id")


def open_alert_counts(actor: Actor, consignment_ids: Sequence[Any]) -> dict[Any, int]:
    rows = (
        _open(actor)
        .filter(consignment_id__in=list(consignment_ids))
        .values("consignment_id")
        .annotate(n=Count("id"))
        .values_list("consignment_id", "n")
    )
    return dict(rows)


open_alerts = OpenAlerts(consignment_ids=consignments_with_open_alerts, counts=open_alert_counts)


def alerts_panel(request: HttpRequest, actor: Actor, consignment: Any) -> str:
    """The consignment's open alerts addressed to the actor's partner, newest first."""
    alerts = list(
        _open(actor)
        .select_related("consignment")
        .filter(consignment=consignment)
        .order_by("-created_at", "-id")[: PANEL_ROWS + 1]
    )
    context = {
        "rows": alerts_present(actor=actor, alerts=alerts[:PANEL_ROWS]),
        "more": len(alerts) > PANEL_ROWS,
        "limit": PANEL_ROWS,
        "inbox": f"{reverse('alert-list-page')}?consignment={consignment.pk}",
    }
    return render_to_string("disruptions/consignment_alerts.html", context, request=request)


consignment_alerts_panel = ConsignmentPanel(anchor="alerts", render=alerts_panel)


def open_alerts_tile(actor: Actor) -> list[DashboardTile]:
    counts = dict(_open(actor).values("severity").annotate(n=Count("id")).values_list("severity", "n"))
    total = sum(counts.values())
    rows = tuple((str(label), counts.get(value, 0), "") for value, label in AlertSeverity.choices if counts.get(value))
    tone = "bad" if counts.get(AlertSeverity.CRITICAL) else ("warn" if total else "ok")
    url = f"{reverse('consignment-list')}?has_open_alerts=true"
    return [DashboardTile(label=str(_("Open alerts")), value=total, url=url, rows=rows, tone=tone)]
