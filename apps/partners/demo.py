"""The demo corridor: Kaohsiung (TWKHH) → Busan (KRPUS) → Los Angeles (USLAX).

Every organisation here is invented and marked ``is_demo`` with "(demo)" in its name; the
identifiers are generated to pass their check digits but belong to no one. The apps above add
their own demo data in their ``demo.py``; ``manage.py demo_corridor`` (``apps/platform``) loads
them all, lowest layer first.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from types import ModuleType

from django.db import transaction
from stdnum.iso7064 import mod_97_10
from stdnum.kr import brn as kr_brn
from stdnum.tw import ubn as tw_ubn
from stdnum.us import ein as us_ein

from apps.partners import services
from apps.partners.access import Actor, command_label, system_actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.partners.models import Membership, Partner

DEMO_PASSWORD = "corridor-demo"  # noqa: S105 - published demo login, demo data only
DEMO_STAFF_USERNAME = "demo-staff"
CORRIDOR_PORTS = ("TWKHH", "KRPUS", "USLAX")
# One person who works for two partners, so the page header's partner switcher has someone to serve:
# the forwarder's operations lead, who also runs its bookings at the Kaohsiung terminal.
DEMO_MULTI_PARTNER_USERNAME = "group-operator"
DEMO_MULTI_PARTNER_MEMBERSHIPS = (
    ("demo-harbor-link", MemberRole.OPERATOR),
    ("demo-kaohsiung-terminal", MemberRole.OPERATOR),
)


@dataclass(frozen=True)
class DemoPartner:
    slug: str
    name: str
    kinds: tuple[str, ...]
    country: str
    user_prefix: str
    serves_country: str = ""


DEMO_PARTNERS = (
    DemoPartner(
        "demo-formosa-precision", "Formosa Precision Electronics (demo)", (PartnerKind.SHIPPER,), "TW", "shipper"
    ),
    # Two more Taiwanese shippers, so the review queue shows other trust verdicts: one whose AEO has
    # expired, one whose AEO is a General AEO that Taiwan's MRAs do not cover (apps/compliance/demo.py).
    DemoPartner("demo-tainan-circuits", "Tainan Circuit Works (demo)", (PartnerKind.SHIPPER,), "TW", "shipper-tainan"),
    DemoPartner(
        "demo-hsinchu-components", "Hsinchu Components (demo)", (PartnerKind.SHIPPER,), "TW", "shipper-hsinchu"
    ),
    DemoPartner(
        "demo-harbor-link", "Harbor Link Logistics (demo)", (PartnerKind.FREIGHT_FORWARDER,), "TW", "forwarder"
    ),
    DemoPartner("demo-pacific-bridge", "Pacific Bridge Lines (demo)", (PartnerKind.CARRIER,), "TW", "carrier"),
    DemoPartner(
        "demo-kaohsiung-terminal",
        "Kaohsiung Container Terminal (demo)",
        (PartnerKind.TERMINAL_OPERATOR,),
        "TW",
        "terminal-khh",
    ),
    DemoPartner(
        "demo-busan-terminal", "Busan New Port Terminal (demo)", (PartnerKind.TERMINAL_OPERATOR,), "KR", "terminal-pus"
    ),
    DemoPartner(
        "demo-san-pedro-terminal",
        "San Pedro Bay Terminal (demo)",
        (PartnerKind.TERMINAL_OPERATOR,),
        "US",
        "terminal-lax",
    ),
    DemoPartner("demo-sierra-home", "Sierra Home Electronics (demo)", (PartnerKind.CONSIGNEE,), "US", "consignee"),
    DemoPartner(
        "demo-golden-gate-brokers", "Golden Gate Customs Brokers (demo)", (PartnerKind.CUSTOMS_BROKER,), "US", "broker"
    ),
    DemoPartner(
        "demo-tw-customs",
        "Customs Administration, Taiwan (demo)",
        (PartnerKind.CUSTOMS_AUTHORITY,),
        "TW",
        "customs-tw",
        serves_country="TW",
    ),
    DemoPartner(
        "demo-kr-customs",
        "Korea Customs Service (demo)",
        (PartnerKind.CUSTOMS_AUTHORITY,),
        "KR",
        "customs-kr",
        serves_country="KR",
    ),
    DemoPartner(
        "demo-us-customs",
        "U.S. Customs and Border Protection (demo)",
        (PartnerKind.CUSTOMS_AUTHORITY,),
        "US",
        "customs-us",
        serves_country="US",
    ),
)

_TAX_MODULES: dict[str, tuple[ModuleType, int]] = {"TW": (tw_ubn, 8), "KR": (kr_brn, 10), "US": (us_ein, 9)}


def _seeded_digits(seed: str, length: int, attempt: int) -> str:
    digest = hashlib.sha256(f"{seed}:{attempt}".encode()).hexdigest()
    return "".join(str(int(ch, 16) % 10) for ch in digest)[:length]


def demo_lei(slug: str) -> str:
    """A deterministic LEI with correct ISO 17442 check digits (the 9999 LOU prefix is unassigned)."""
    alphabet = string.digits + string.ascii_uppercase
    digest = hashlib.sha256(slug.encode()).digest()
    body = "9999" + "00" + "".join(alphabet[b % 36] for b in digest[:12])
    return body + mod_97_10.calc_check_digits(body)


def demo_tax_number(slug: str, country: str) -> str:
    """A deterministic national business number that passes the country's checksum."""
    module, length = _TAX_MODULES[country]
    for attempt in range(10_000):
        candidate = _seeded_digits(slug, length, attempt)
        if module.is_valid(candidate):
            return module.compact(candidate)
    raise RuntimeError(f"no valid demo {country} number for {slug}")


def demo_username(spec: DemoPartner, role: str) -> str:
    return f"{spec.user_prefix}-{role}"


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, partner name, role) of every demo login, staff first."""
    rows = [(DEMO_STAFF_USERNAME, "platform staff", "staff")]
    for spec in DEMO_PARTNERS:
        rows.extend((demo_username(spec, role), spec.name, role) for role in MemberRole.values)
    names = {spec.slug: spec.name for spec in DEMO_PARTNERS}
    partners = " and ".join(names[slug] for slug, _ in DEMO_MULTI_PARTNER_MEMBERSHIPS)
    rows.append((DEMO_MULTI_PARTNER_USERNAME, partners, MemberRole.OPERATOR))
    return rows


def _demo_actor() -> Actor:
    return system_actor(command_label("demo_corridor"))


def demo_corridor_load() -> dict[str, int]:
    """Create what is missing of the demo corridor; running it again changes nothing."""
    actor = _demo_actor()
    created = {"partners": 0, "users": 0, "memberships": 0}
    with transaction.atomic():
        _, user_created = services.user_get_or_create(
            actor=actor,
            username=DEMO_STAFF_USERNAME,
            email="staff@demo.corridor.invalid",
            password=DEMO_PASSWORD,
            is_staff=True,
            is_superuser=True,
        )
        created["users"] += user_created
        for spec in DEMO_PARTNERS:
            partner = Partner.objects.filter(slug=spec.slug).first()
            if partner is None:
                partner = services.partner_create(
                    actor=actor,
                    slug=spec.slug,
                    name=spec.name,
                    kinds=list(spec.kinds),
                    country=spec.country,
                    serves_country=spec.serves_country,
                    lei=demo_lei(spec.slug),
                    tax_number=demo_tax_number(spec.slug, spec.country),
                    is_demo=True,
                )
                created["partners"] += 1
            for role in MemberRole.values:
                username = demo_username(spec, role)
                user, user_created = services.user_get_or_create(
                    actor=actor, username=username, email=f"{username}@demo.corridor.invalid", password=DEMO_PASSWORD
                )
                created["users"] += user_created
                if not Membership.objects.filter(user=user, partner=partner).exists():
                    services.membership_create(actor=actor, partner=partner, user=user, role=role)
                    created["memberships"] += 1
        user, user_created = services.user_get_or_create(
            actor=actor,
            username=DEMO_MULTI_PARTNER_USERNAME,
            email=f"{DEMO_MULTI_PARTNER_USERNAME}@demo.corridor.invalid",
            password=DEMO_PASSWORD,
        )
        created["users"] += user_created
        for slug, role in DEMO_MULTI_PARTNER_MEMBERSHIPS:
            partner = Partner.objects.get(slug=slug)
            if not Membership.objects.filter(user=user, partner=partner).exists():
                services.membership_create(actor=actor, partner=partner, user=user, role=role)
                created["memberships"] += 1
    return created
