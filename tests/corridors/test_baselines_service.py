"""Recomputing a corridor's baselines from the database: the window, completed consignments, fallbacks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.core.models import AuditEvent
from apps.corridors.models import Baseline
from apps.corridors.selectors import baselines_for, corridor_for_consignment
from apps.corridors.services import corridor_baselines_recompute
from apps.corridors.tasks import corridor_baselines_pass
from tests.corridors.conftest import T0, voyage

HOUR = 3600


def sail(shipment, record, n: int, *, first_hours: float, stay_hours: float = 50, second_hours: float = 300):
    departs = T0 + timedelta(days=3 * n)
    consignment = shipment(f"C-{n:03d}", departs)
    record(
        consignment,
        voyage(
            departs,
            first=timedelta(hours=first_hours),
            stay=timedelta(hours=stay_hours),
            second=timedelta(hours=second_hours),
        ),
    )
    return consignment


def test_completed_consignments_in_the_window_make_history_baselines(corridor, shipment, record):
    for n in range(6):
        sail(shipment, record, n, first_hours=40 + n)
    as_of = T0 + timedelta(days=60)
    counts = corridor_baselines_recompute(corridor=corridor, as_of=as_of)
    assert counts == {"history": 3}  # two transits and Busan's dwell; no gate-in or gate-out, no other dwell
    baselines = baselines_for(corridor)
    first = baselines[("transit", "TWKHH", "KRPUS")]
    assert (first.source, first.samples) == ("history", 6)
    assert first.median_seconds == pytest.approx(42.5 * HOUR)
    assert baselines[("dwell", "KRPUS", "KRPUS")].median_seconds == pytest.approx(50 * HOUR)
    assert first.computed_at == as_of
    assert first.window_days == 180
    assert AuditEvent.objects.get(action="corridor.baselines_recompute").changes["completed"] == 6


def test_with_too_few_samples_the_plan_is_used_and_the_count_says_so(corridor, shipment, record):
    for n in range(2):
        sail(shipment, record, n, first_hours=40)
    corridor_baselines_recompute(corridor=corridor, as_of=T0 + timedelta(days=60))
    first = baselines_for(corridor)[("transit", "TWKHH", "KRPUS")]
    assert (first.source, first.samples) == ("schedule", 2)
    assert first.median_seconds == 48 * HOUR  # the legs' planned two days


def test_consignments_beyond_the_window_or_after_as_of_do_not_count(corridor, shipment, record):
    for n in range(6):
        sail(shipment, record, n, first_hours=40)
    # As of just after the voyages began, none has arrived: only the plans count.
    corridor_baselines_recompute(corridor=corridor, as_of=T0 + timedelta(days=1))
    assert baselines_for(corridor)[("transit", "TWKHH", "KRPUS")].source == "schedule"
    # A year on, they are all outside the 180-day window: nothing observed, nothing planned.
    corridor_baselines_recompute(corridor=corridor, as_of=T0 + timedelta(days=400))
    first = baselines_for(corridor)[("transit", "TWKHH", "KRPUS")]
    assert first.source == "distance"
    # searoute's sea distance Kaohsiung - Busan (about 1,770 km) at 16 knots: about 60 hours.
    assert 50 * HOUR < first.median_seconds < 70 * HOUR
    assert not Baseline.objects.filter(kind="dwell").exists()


def test_the_nightly_pass_recomputes_every_active_corridor(corridor, shipment, record):
    sail(shipment, record, 0, first_hours=40)
    assert corridor_baselines_pass.delay(as_of=(T0 + timedelta(days=60)).isoformat()).get() == 1
    assert Baseline.objects.filter(corridor=corridor).count() == 3


def test_a_consignment_belongs_to_the_corridor_its_route_runs_along(corridor, shipment):
    assert corridor_for_consignment(shipment("ALONG", T0)) == corridor
    assert corridor_for_consignment(shipment("PART", T0, route=["KRPUS", "USLAX"])) == corridor
    assert corridor_for_consignment(shipment("DIRECT", T0, route=["TWKHH", "USLAX"])) is None
