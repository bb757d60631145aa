"""Fixtures for the corridors tests: a corridor owned by alpha, consignments and events made through the services.

- ``alpha`` (a shipper) owns the corridor TWKHH → KRPUS → USLAX: ``alice`` is its admin, ``olga`` an
  operator, ``bob`` a viewer; ``bravo`` (a carrier, ``charlie``) is a member; ``delta`` (``dave``) is
  neither: the outsider, to whom the corridor does not exist.
- Consignments are alpha's, with bravo as carrier; events are recorded by bravo in Corridor JSON.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.corridors.models import Corridor
from apps.corridors.services import corridor_create
from apps.partners.access import Actor, system_actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments.ingest.native import NativeEventSerializer, native_event
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import Consignment
from apps.shipments.services import consignment_create
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

NODES = ["TWKHH", "KRPUS", "USLAX"]
# A sailing's plan: two days to Busan, two days there, twelve days to Los Angeles.
FIRST_LEG, STAY, SECOND_LEG = timedelta(days=2), timedelta(days=2), timedelta(days=12)


@pytest.fixture
def delta(db):
    return PartnerFactory(slug="delta", name="Delta Forwarding", country="US", kinds=[PartnerKind.FREIGHT_FORWARDER])


@pytest.fixture
def dave(delta):
    return MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user


@pytest.fixture
def corridor(alpha, bravo) -> Corridor:
    return corridor_create(
        actor=system_actor("tests"),
        slug="khh-pus-lax",
        name="Kaohsiung - Busan - Los Angeles",
        owner=alpha,
        nodes=NODES,
        members=[bravo],
    )


def actor_of(partner, role: str = MemberRole.OPERATOR) -> Actor:
    return Actor(partner=partner, role=role, system_label="tests")


@pytest.fixture
def shipment(alpha, bravo) -> Callable[..., Consignment]:
    """A consignment of alpha's along the corridor (or ``route``), with planned legs from ``departs``, each on
    its (vessel IMO, voyage number) of ``voyages`` if given."""

    def make(
        reference: str,
        departs: datetime,
        route: list[str] | None = None,
        planned: bool = True,
        voyages: list[tuple[str, str]] | None = None,
    ) -> Consignment:
        stops = route or NODES
        legs, leg_start = [], departs
        for index, (origin, destination) in enumerate(itertools.pairwise(stops)):
            length = FIRST_LEG if index == 0 else SECOND_LEG
            leg: dict[str, Any] = {
                "sequence": index + 1,
                "mode": "sea",
                "origin": origin,
                "destination": destination,
                "carrier": "bravo",
            }
            if planned:
                leg |= {"planned_departure": leg_start, "planned_arrival": leg_start + length}
            if voyages:
                leg |= {"vessel_imo": voyages[index][0], "voyage_number": voyages[index][1]}
            legs.append(leg)
            leg_start += length + STAY
        return consignment_create(
            actor=actor_of(alpha),
            data={
                "reference": reference,
                "transport_document_number": f"BL-{reference}",
                "origin": stops[0],
                "destination": stops[-1],
                "parties": [{"partner": "alpha", "role": "consignor"}, {"partner": "bravo", "role": "carrier"}],
                "goods_items": [
                    {
                        "hs_code": "847130",
                        "description": "Notebook computers",
                        "packages": 10,
                        "gross_weight_kg": Decimal("100.000"),
                        "country_of_origin": "TW",
                    }
                ],
                "legs": legs,
            },
        )

    return make


@pytest.fixture
def record(bravo) -> Callable[..., None]:
    """Record carrier events for a consignment: (code, place, time) triples, ids from the reference."""

    def make(consignment: Consignment, steps: list[tuple[str, str, datetime]], recorder=None, equipment=None) -> None:
        events = [
            {
                "event_id": f"{consignment.reference}-{code}-{place}",
                "type": "SHIPMENT" if code == "RELS" else "TRANSPORT",
                "event_code": code,
                "event_time": when.isoformat(),
                "location": place,
                "consignment": str(consignment.pk),
            }
            | ({"equipment": equipment} if equipment else {})
            for code, place, when in steps
        ]
        data = NativeEventSerializer(data=events, many=True)
        data.is_valid(raise_exception=True)
        event_batch_record(
            actor=actor_of(recorder or bravo),
            events=[native_event(clean, raw) for clean, raw in zip(data.validated_data, events, strict=True)],
            channel="tests",
        )

    return make


def voyage(
    departs: datetime, *, first: timedelta, stay: timedelta, second: timedelta
) -> list[tuple[str, str, datetime]]:
    """The carrier's actual departures and arrivals along the corridor."""
    return [
        ("DEPA", "TWKHH", departs),
        ("ARRI", "KRPUS", departs + first),
        ("DEPA", "KRPUS", departs + first + stay),
        ("ARRI", "USLAX", departs + first + stay + second),
    ]


T0 = datetime(2026, 6, 1, 1, tzinfo=UTC)
