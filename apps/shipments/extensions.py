"""The places of the consignment pages and filters that higher apps fill (see ``apps.core.extensions``).

Shipments sits below disruptions, credentials, compliance and corridors, so it cannot ask them for
alerts, step credentials, customs decisions or an ETA. It names these places instead; each higher app
registers its contribution in its ``AppConfig.ready``. A place nobody filled shows its empty state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from apps.core.extensions import ExtensionPoint
from apps.partners.access import Actor


@dataclass(frozen=True)
class OpenAlerts:
    """Which consignments have open alerts addressed to the actor's partner (the app keeping alerts says).

    ``consignment_ids(actor)`` is a queryset of consignment ids (a subquery, not a list);
    ``counts(actor, ids)`` the number of open alerts per consignment id, in a fixed number of queries.
    """

    consignment_ids: Callable[[Actor], QuerySet]
    counts: Callable[[Actor, Sequence[Any]], dict[Any, int]]


@dataclass(frozen=True)
class ConsignmentPanel:
    """A section of the consignment page: ``render(request, actor, consignment)`` returns its HTML, or "".

    ``anchor`` is the section's id on the page, for links to it. A panel reads a fixed number of rows
    whatever the data's size (the page's query count is pinned by a test).
    """

    anchor: str
    render: Callable[[HttpRequest, Actor, Any], str]


@dataclass(frozen=True)
class Eta:
    """When the consignment is expected at its destination, with the interval the estimate allows."""

    expected: datetime
    earliest: datetime | None = None
    latest: datetime | None = None
    basis: str = ""


@dataclass(frozen=True)
class DashboardTile:
    """One figure of the dashboard: a label, a number, where it leads, and its rows (label, count, link)."""

    label: str
    value: int
    url: str = ""
    rows: tuple[tuple[str, int, str], ...] = ()
    tone: str = ""


# Open alerts per consignment: the list's "has open alerts" filter and column (disruptions).
consignment_open_alerts: ExtensionPoint[OpenAlerts] = ExtensionPoint("shipments.consignment_open_alerts")
# Sections of the consignment page after its own (alerts, customs decision, credential chain).
consignment_panels: ExtensionPoint[ConsignmentPanel] = ExtensionPoint("shipments.consignment_panels")
# The ETA of a consignment, when a corridor watch estimates it: ``(actor, consignment) -> Eta | None``.
consignment_eta: ExtensionPoint[Callable[[Actor, Any], Eta | None]] = ExtensionPoint("shipments.consignment_eta")
# Figures of the dashboard beyond the consignments' own: ``actor -> tiles``.
dashboard_tiles: ExtensionPoint[Callable[[Actor], list[DashboardTile]]] = ExtensionPoint("shipments.dashboard_tiles")
