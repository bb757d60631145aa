"""The demo corridor's trust registry: Taiwan, Korea and US customs, their AEO programmes, and the
bilateral MRAs among them, so a reviewer at US customs sees three kinds of chain:

- DEMO-KHH-LAX-0001 to 0003: every party an AEO that US customs trusts (own CTPAT, or Taiwanese
  AEOS and Korean AEOs through the TW-US and KR-US MRAs): fully trusted;
- DEMO-KHH-LAX-0004: its shipper's Taiwanese AEO expired: partially trusted;
- DEMO-KHH-LAX-0005: its shipper holds a Taiwanese General AEO (AEOG), which neither TW-US nor KR-TW
  covers (both list Taiwan's Security and Safety AEOs only): partially trusted.

MRA dates, statuses and covered types come from the bundled reference data (apps/compliance/data/mra.csv),
programme tiers from aeo_programmes.csv. Certificate numbers are invented and say DEMO. Idempotent:
certificates are found by number and MRAs by key, and the expiry is recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.compliance import trust
from apps.compliance.models import AeoCertificate, Mra
from apps.compliance.reference_data import load_reference_data
from apps.compliance.services.certificates import certificate_create
from apps.compliance.services.mras import ParticipantIn, mra_create
from apps.compliance.services.passes import aeo_expiry_pass
from apps.partners.access import Actor, command_label, system_actor
from apps.partners.choices import MemberRole
from apps.partners.models import Partner

DEMO_LABEL = command_label("demo_corridor")
CUSTOMS = {"TW": "demo-tw-customs", "KR": "demo-kr-customs", "US": "demo-us-customs"}
GRANTED = date(2023, 3, 1)  # when the demo's valid certificates were granted (or last renewed)


@dataclass(frozen=True)
class DemoCertificate:
    holder: str
    country: str  # of the issuing customs authority
    number: str
    certificate_type: str
    valid_from: date = GRANTED
    valid_until: date | None = None  # None: until the end of the third year after loading


DEMO_CERTIFICATES = (
    DemoCertificate("demo-formosa-precision", "TW", "DEMO-TW-AEOS-0001", "AEOS"),
    DemoCertificate("demo-harbor-link", "TW", "DEMO-TW-AEOS-0002", "AEOS"),
    DemoCertificate("demo-pacific-bridge", "TW", "DEMO-TW-AEOS-0003", "AEOS"),
    DemoCertificate("demo-kaohsiung-terminal", "TW", "DEMO-TW-AEOS-0004", "AEOS"),
    DemoCertificate("demo-busan-terminal", "KR", "DEMO-KR-AEO-0001", "AAA"),
    DemoCertificate("demo-san-pedro-terminal", "US", "DEMO-US-CTPAT-0001", "Tier III"),
    DemoCertificate("demo-sierra-home", "US", "DEMO-US-CTPAT-0002", "Tier II"),
    DemoCertificate("demo-golden-gate-brokers", "US", "DEMO-US-CTPAT-0003", "Tier I"),
    # Expired on 2025-08-31 and not renewed: the chain of DEMO-KHH-LAX-0004.
    DemoCertificate("demo-tainan-circuits", "TW", "DEMO-TW-AEOS-0005", "AEOS", date(2020, 9, 1), date(2025, 8, 31)),
    # A General AEO: Taiwan's MRAs cover its Security and Safety AEOs only (DEMO-KHH-LAX-0005).
    DemoCertificate("demo-hsinchu-components", "TW", "DEMO-TW-AEOG-0001", "AEOG"),
)

# The three bilateral arrangements as the reference data records them (KR-TW, KR-US, TW-US).
DEMO_MRAS = ("KR-TW", "KR-US", "TW-US")


def demo_mra_key(reference_key: str) -> str:
    return f"demo-{reference_key.lower()}"


def _notes(reference: trust.Mra) -> str:
    """The reference notes, plus the demo's assumption where the in-force date is unknown."""
    notes = [f"Demo copy of the reference arrangement {reference.key}; dates and covered types as recorded there."]
    if reference.in_force_from is None and reference.signed_on is not None:
        notes.append(
            f"In-force date not found in the sources: assumed in force from signing "
            f"({reference.signed_on.isoformat()}), as the reference data's README says."
        )
    if reference.notes:
        notes.append(reference.notes)
    return " ".join(notes)


def _mras(actor: Actor, authorities: dict[str, Partner]) -> int:
    created = 0
    reference = load_reference_data()
    for key in DEMO_MRAS:
        mra = reference.mra(key)
        if Mra.objects.filter(key=demo_mra_key(key)).exists():
            continue
        mra_create(
            actor=actor,
            key=demo_mra_key(key),
            name=f"{mra.name} (demo)",
            participants=[
                ParticipantIn(
                    authority=authorities[country],
                    recognised_types=tuple(sorted(mra.recognised_types[country]))
                    if mra.recognised_types.get(country) is not None
                    else None,
                )
                for country in mra.parties
            ],
            signed_on=mra.signed_on,
            in_force_from=mra.in_force_from,
            in_force_until=mra.in_force_until,
            status=mra.status,
            notes=_notes(mra),
            reason="demo corridor",
        )
        created += 1
    return created


def _certificates(authorities: dict[str, Partner], today: date) -> int:
    created = 0
    open_until = date(today.year + 3, 12, 31)
    for spec in DEMO_CERTIFICATES:
        authority = authorities[spec.country]
        if AeoCertificate.objects.filter(authority=authority, number=spec.number).exists():
            continue
        certificate_create(
            actor=Actor(partner=authority, role=MemberRole.OPERATOR, system_label=DEMO_LABEL),
            authority=authority,
            holder=Partner.objects.get(slug=spec.holder),
            number=spec.number,
            certificate_type=spec.certificate_type,
            valid_from=spec.valid_from,
            valid_until=spec.valid_until or open_until,
            last_reviewed_on=spec.valid_from,
        )
        created += 1
    return created


def demo_compliance_load(*, today: date | None = None) -> dict[str, int]:
    """Create what is missing of the demo's AEO registry and MRAs, then run the day's expiry pass.

    One transaction, so the re-evaluations the writes enqueue see the whole registry at once: the first
    verdict on each demo consignment is then its final one, not a string of alerts while loading.
    """
    today = today or timezone.localdate()
    authorities = {country: Partner.objects.get(slug=slug) for country, slug in CUSTOMS.items()}
    with transaction.atomic():
        mras = _mras(system_actor(DEMO_LABEL), authorities)
        certificates = _certificates(authorities, today)
        expired = aeo_expiry_pass(today=today)["expired"]
    return {"AEO certificates": certificates, "MRAs": mras, "certificates expired": expired}
