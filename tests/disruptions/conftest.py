"""Fixtures for alerts: consignments to alert about, and findings about them.

alpha (alice admin, olga operator, bob viewer) is the consignor of the consignments made here; bravo
(charlie admin) their carrier, and the outsider for alpha's alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from apps.disruptions.services import Finding
from apps.shipments.models import Consignment
from apps.shipments.services import consignment_create
from tests.shipments.conftest import actor_for, consignment_data

AS_OF = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def consignment(alpha, alice, bravo) -> Consignment:
    """PO-1001, TWKHH → NLRTM under B/L BL-KHH-0001, booking BKG-0001, in container MSKU1234565."""
    return consignment_create(actor=actor_for(alpha, alice), data=consignment_data())


@pytest.fixture
def make_consignment(alpha, alice, bravo) -> Callable[..., Consignment]:
    def make(**changes: Any) -> Consignment:
        return consignment_create(actor=actor_for(alpha, alice), data=consignment_data(**changes))

    return make


def overdue(consignment: Consignment, **changes: Any) -> Finding:
    """An ``overdue`` finding about a consignment, as the corridor scan makes them."""
    values: dict[str, Any] = {
        "kind": "overdue",
        "subject_type": "consignment",
        "subject_id": str(consignment.pk),
        "title": f"{consignment.reference} is 3 days late at Rotterdam",
        "evidence": {
            "summary": "Due 2026-11-28 12:00 UTC (+12 h tolerance); no arrival recorded.",
            "events": [{"event_id": "evt-depa-1", "recorder": "bravo", "event_time": "2026-11-16T08:00:00+09:00"}],
            "thresholds": {"overdue_tolerance_hours": 12},
        },
        "consignment_id": str(consignment.pk),
        "corridor_id": "twkhh-nlrtm",
    }
    values.update(changes)
    return Finding(**values)
