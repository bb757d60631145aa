"""Fixtures of the compliance tests: TW, KR and US customs with officers, traders, a TW→US consignment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from apps.compliance.models import AeoCertificate, Mra
from apps.compliance.services import certificates, mras
from apps.partners.access import Actor, system_actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments import services as shipments
from apps.shipments.models import Consignment
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.shipments.conftest import actor_for, consignment_data


def _customs(slug: str, country: str, name: str):
    return PartnerFactory(
        slug=slug, name=name, country=country, serves_country=country, kinds=[PartnerKind.CUSTOMS_AUTHORITY]
    )


@pytest.fixture
def tw_customs(db):
    return _customs("tw-customs", "TW", "Customs Administration (TW)")


@pytest.fixture
def kr_customs(db):
    return _customs("kr-customs", "KR", "Korea Customs Service")


@pytest.fixture
def us_customs(db):
    return _customs("us-cbp", "US", "U.S. Customs and Border Protection")


@pytest.fixture
def tina(tw_customs):
    """An officer (operator) of Taiwan's customs."""
    return MembershipFactory(user=UserFactory(username="tina"), partner=tw_customs, role=MemberRole.OPERATOR).user


@pytest.fixture
def uma(us_customs):
    """An officer (operator) of US customs."""
    return MembershipFactory(user=UserFactory(username="uma"), partner=us_customs, role=MemberRole.OPERATOR).user


@pytest.fixture
def kim(kr_customs):
    return MembershipFactory(user=UserFactory(username="kim"), partner=kr_customs, role=MemberRole.OPERATOR).user


@pytest.fixture
def us_importer(db):
    return PartnerFactory(slug="echo-imports", name="Echo Imports", country="US", kinds=[PartnerKind.CONSIGNEE])


@pytest.fixture
def staff_actor() -> Actor:
    return system_actor("tests")


@pytest.fixture
def officer_actor() -> Callable[..., Actor]:
    def make(customs: Any, user: Any = None, role: str = MemberRole.OPERATOR) -> Actor:
        return Actor(partner=customs, role=role, user=user)

    return make


@pytest.fixture
def grant(staff_actor) -> Callable[..., AeoCertificate]:
    """Register a certificate as its authority would (through the service)."""

    def make(
        authority: Any,
        holder: Any,
        number: str,
        *,
        certificate_type: str = "security and safety",
        valid_from: date = date(2024, 1, 1),
        valid_until: date | None = date(2028, 12, 31),
    ) -> AeoCertificate:
        return certificates.certificate_create(
            actor=Actor(partner=authority, role=MemberRole.OPERATOR),
            authority=authority,
            holder=holder,
            number=number,
            certificate_type=certificate_type,
            valid_from=valid_from,
            valid_until=valid_until,
        )

    return make


@pytest.fixture
def arrange(staff_actor) -> Callable[..., Mra]:
    """Record a bilateral MRA as platform staff would."""

    def make(key: str, *authorities: Any, in_force_from: date | None = date(2016, 10, 1), **fields: Any) -> Mra:
        return mras.mra_create(
            actor=staff_actor,
            key=key,
            name=fields.pop("name", key.upper()),
            participants=[mras.ParticipantIn(authority=a) for a in authorities],
            signed_on=fields.pop("signed_on", date(2015, 1, 1)),
            in_force_from=in_force_from,
            **fields,
        )

    return make


@pytest.fixture
def tw_us_consignment(alpha, alice, bravo, us_importer, tw_customs, us_customs) -> Consignment:
    """Alpha (TW) ships to Echo (US) on Bravo (KR): in transit from Kaohsiung to Los Angeles."""
    data = consignment_data(
        destination="USLAX",
        parties=[
            {"partner": "alpha", "role": "consignor"},
            {"partner": "bravo", "role": "carrier"},
            {"partner": "echo-imports", "role": "consignee"},
        ],
        legs=[
            {
                "sequence": 1,
                "mode": "sea",
                "origin": "TWKHH",
                "destination": "USLAX",
                "carrier": "bravo",
                "voyage_number": "042E",
            }
        ],
    )
    consignment = shipments.consignment_create(actor=actor_for(alpha, alice), data=data)
    Consignment.objects.filter(pk=consignment.pk).update(status="in_transit")
    consignment.refresh_from_db()
    return consignment
