"""Legs' actual departure and arrival: read from events (pure), kept current by ingest, backfilled by a command."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from apps.shipments.legs import LegPlan, LegTimes, Movement, leg_times
from apps.shipments.models import Leg
from tests.shipments.conftest import native_event

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
SEA_1 = LegPlan(1, "sea", "TWKHH", "KRPUS", "041E")
SEA_2 = LegPlan(2, "sea", "KRPUS", "USLAX", "117E")
ROAD = LegPlan(3, "road", "USLAX", "USONT")


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def test_departure_and_arrival_come_from_depa_and_arri_at_the_legs_ends():
    times = leg_times(
        [SEA_1, SEA_2],
        [
            Movement(hours(-4), "TWKHH", "LOAD"),
            Movement(hours(0), "TWKHH", "DEPA", "041E"),
            Movement(hours(48), "KRPUS", "ARRI", "041E"),
            Movement(hours(96), "KRPUS", "urn:epcglobal:cbv:bizstep:departing"),
        ],
    )
    assert times == {1: LegTimes(hours(0), hours(48)), 2: LegTimes(hours(96), None)}


def test_a_discharge_stands_for_an_unreported_arrival():
    times = leg_times([SEA_1], [Movement(hours(0), "TWKHH", "DEPA"), Movement(hours(50), "KRPUS", "DISC")])
    assert times[1] == LegTimes(hours(0), hours(50))


def test_road_legs_read_gate_out_and_gate_in():
    times = leg_times([ROAD], [Movement(hours(1), "USLAX", "GTOT"), Movement(hours(5), "USONT", "receiving")])
    assert times[3] == LegTimes(hours(1), hours(5))


def test_a_sea_leg_ignores_the_shippers_gate_out():
    assert leg_times([SEA_1], [Movement(hours(-30), "TWKHH", "shipping")])[1] == LegTimes(None, None)


def test_a_movement_of_another_voyage_does_not_count():
    times = leg_times([SEA_1], [Movement(hours(0), "TWKHH", "DEPA", "999W"), Movement(hours(2), "TWKHH", "DEPA")])
    assert times[1].actual_departure == hours(2)


def test_a_port_called_twice_is_read_once_per_leg():
    back = LegPlan(2, "sea", "KRPUS", "TWKHH")
    again = LegPlan(3, "sea", "TWKHH", "KRPUS")
    movements = [
        Movement(hours(0), "TWKHH", "DEPA"),
        Movement(hours(48), "KRPUS", "ARRI"),
        Movement(hours(60), "KRPUS", "DEPA"),
        Movement(hours(100), "TWKHH", "ARRI"),
        Movement(hours(120), "TWKHH", "DEPA"),
    ]
    times = leg_times([SEA_1, back, again], movements)
    assert times == {
        1: LegTimes(hours(0), hours(48)),
        2: LegTimes(hours(60), hours(100)),
        3: LegTimes(hours(120), None),
    }


# --- through ingest ---------------------------------------------------------------------------------


def _leg(consignment) -> Leg:
    return Leg.objects.get(consignment=consignment, sequence=1)


@pytest.mark.django_db
def test_recording_a_departure_and_an_arrival_fills_the_legs_actual_times(client_for, charlie, consignment):
    api = client_for(charlie)
    depart = native_event(consignment=str(consignment.pk))
    arrive = native_event(
        event_id="evt-arri-1",
        event_code="ARRI",
        event_time="2026-03-28T08:00:00+01:00",
        location="NLRTM",
        consignment=str(consignment.pk),
    )
    assert api.post("/api/v1/events/", depart, format="json").status_code == 201
    leg = _leg(consignment)
    assert leg.actual_departure == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert leg.actual_arrival is None
    assert api.post("/api/v1/events/", arrive, format="json").status_code == 201
    assert _leg(consignment).actual_arrival == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_vessels_departure_naming_only_the_voyage_fills_the_leg(client_for, charlie, consignment):
    # The carrier (a party) reports its vessel leaving on the leg's voyage, naming no consignment or container.
    response = client_for(charlie).post("/api/v1/events/", native_event(voyage_number="042W"), format="json")
    assert response.status_code == 201, response.content
    assert _leg(consignment).actual_departure == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_command_backfills_legs_recorded_before_and_changes_nothing_the_second_time(
    client_for, charlie, consignment
):
    client_for(charlie).post("/api/v1/events/", native_event(consignment=str(consignment.pk)), format="json")
    Leg.objects.update(actual_departure=None)
    out = io.StringIO()
    call_command("derive_leg_times", stdout=out)
    assert "1 leg(s) of 1 consignment(s) changed" in out.getvalue()
    assert _leg(consignment).actual_departure == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    out = io.StringIO()
    call_command("derive_leg_times", stdout=out)
    assert "0 leg(s)" in out.getvalue()
