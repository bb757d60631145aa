"""Fixtures for the shipments API tests: consignments made through the service, events through the API.

- ``alpha`` (a shipper in Taiwan) is the consignor of the consignments made here; ``bravo`` (a carrier
  in Korea) their carrier unless a test says otherwise; ``delta`` (a forwarder) an uninvolved partner;
- ``nl_customs`` is the Dutch customs authority (serves NL): it sees what touches the Netherlands.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from apps.partners.access import Actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments import services
from apps.shipments.models import Consignment
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

# ISO 6346 numbers with valid check digits, and a valid IMO ship number.
CONTAINER = "MSKU1234565"
OTHER_CONTAINER = "TGHU9876542"
VESSEL_IMO = "9074729"

DEPARTED = "2026-03-01T10:00:00+08:00"


def consignment_data(**changes: Any) -> dict[str, Any]:
    """A complete consignment from Kaohsiung to Rotterdam, as the service takes it (typed values)."""
    data: dict[str, Any] = {
        "reference": "PO-1001",
        "transport_document_number": "BL-KHH-0001",
        "booking_reference": "BKG-0001",
        "origin": "TWKHH",
        "destination": "NLRTM",
        "parties": [{"partner": "alpha", "role": "consignor"}, {"partner": "bravo", "role": "carrier"}],
        "goods_items": [
            {
                "hs_code": "850440",
                "description": "Power supplies",
                "packages": 10,
                "gross_weight_kg": Decimal("120.500"),
                "value": Decimal("5000.00"),
                "currency": "USD",
                "country_of_origin": "TW",
            }
        ],
        "equipment": [{"number": CONTAINER, "seal_numbers": ["SEAL-1"]}],
        "legs": [
            {
                "sequence": 1,
                "mode": "sea",
                "origin": "TWKHH",
                "destination": "NLRTM",
                "carrier": "bravo",
                "voyage_number": "042W",
                "vessel_imo": VESSEL_IMO,
            }
        ],
    }
    data.update(copy.deepcopy(changes))
    return data


def native_event(**changes: Any) -> dict[str, Any]:
    """A native departure event from Kaohsiung, as a client would send it (JSON values)."""
    event: dict[str, Any] = {
        "event_id": "evt-depa-1",
        "type": "TRANSPORT",
        "event_code": "DEPA",
        "event_time": DEPARTED,
        "location": "TWKHH",
    }
    event.update(changes)
    return {key: value for key, value in event.items() if value is not None}


def actor_for(partner: Any, user: Any = None, role: str = MemberRole.ADMIN) -> Actor:
    return Actor(partner=partner, role=role, user=user)


@pytest.fixture
def delta(db):
    return PartnerFactory(slug="delta", name="Delta Forwarding", country="TW", kinds=[PartnerKind.FREIGHT_FORWARDER])


@pytest.fixture
def dave(delta):
    return MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user


@pytest.fixture
def nl_customs(db):
    return PartnerFactory(
        slug="nl-customs",
        name="Douane Nederland",
        country="NL",
        serves_country="NL",
        kinds=[PartnerKind.CUSTOMS_AUTHORITY],
    )


@pytest.fixture
def nora(nl_customs):
    """An officer (admin) of the Dutch customs authority."""
    return MembershipFactory(user=UserFactory(username="nora"), partner=nl_customs, role=MemberRole.ADMIN).user


@pytest.fixture
def make_consignment(alpha, alice, bravo) -> Callable[..., Consignment]:
    """A consignment made through the service, by alpha (alice) unless ``actor`` says otherwise."""

    def make(actor: Actor | None = None, **changes: Any) -> Consignment:
        return services.consignment_create(actor=actor or actor_for(alpha, alice), data=consignment_data(**changes))

    return make


@pytest.fixture
def consignment(make_consignment) -> Consignment:
    return make_consignment()
