"""Reads of the compliance domain: the registry as pure trust inputs, and trust verdicts on consignments.

Rows become the frozen inputs of :mod:`apps.compliance.trust` here and nowhere else. Authorities and
holders are named by partner slug. Loading is by whole batches, so the number of queries does not
grow with the number of consignments evaluated (the in-transit re-evaluation runs thousands).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.compliance import trust
from apps.compliance.models import (
    AeoCertificate,
    CertificateStatusChange,
    Mra,
    MraParticipant,
    ReviewDecision,
    TrustEvaluation,
    ValidityPeriod,
)
from apps.core.errors import ApplicationError
from apps.partners.access import Actor
from apps.partners.choices import PartnerKind
from apps.partners.models import Partner
from apps.shipments.choices import ConsignmentStatus
from apps.shipments.models import Consignment, ConsignmentParty, EventLink, Leg

# Consignments whose trust still matters to customs: not yet released or delivered.
OPEN_STATUSES = (
    ConsignmentStatus.BOOKED,
    ConsignmentStatus.IN_TRANSIT,
    ConsignmentStatus.ARRIVED,
    ConsignmentStatus.EXCEPTION,
)


def certificate_list(*, actor: Actor) -> QuerySet[AeoCertificate]:
    return (
        AeoCertificate.objects.visible_to(actor)
        .select_related("holder", "authority")
        .prefetch_related("validity_periods", "status_changes")
    )


def mra_list(*, actor: Actor) -> QuerySet[Mra]:
    return Mra.objects.visible_to(actor).prefetch_related(
        Prefetch("participants", queryset=MraParticipant.objects.select_related("authority")), "history"
    )


def review_decision_list(*, actor: Actor) -> QuerySet[ReviewDecision]:
    return ReviewDecision.objects.visible_to(actor).select_related("authority", "consignment", "officer")


def trust_evaluation_list(*, actor: Actor) -> QuerySet[TrustEvaluation]:
    return TrustEvaluation.objects.visible_to(actor).select_related("authority", "consignment")


# ----------------------------------------------------------------------------------- rows → trust inputs


def _certificate(row: AeoCertificate) -> trust.Certificate:
    return trust.Certificate(
        number=row.number,
        holder=row.holder.slug,
        authority=row.authority.slug,
        authority_country=row.authority.serves_country,
        type=row.certificate_type,
        status_history=tuple(
            trust.StatusChange(c.effective_on, c.status, c.reason)
            for c in sorted(row.status_changes.all(), key=lambda c: (c.effective_on, c.recorded_at, c.pk))
        ),
        validity_periods=tuple(trust.ValidityPeriod(p.valid_from, p.valid_until) for p in row.validity_periods.all()),
    )


def certificates_load(*, holder_ids: Iterable[Any] | None = None) -> list[trust.Certificate]:
    """Certificates (of these holders, or all) as trust inputs, in three queries."""
    rows = AeoCertificate.objects.select_related("holder", "authority").prefetch_related(
        Prefetch("validity_periods", queryset=ValidityPeriod.objects.order_by("valid_from")),
        Prefetch("status_changes", queryset=CertificateStatusChange.objects.order_by("effective_on", "id")),
    )
    if holder_ids is not None:
        rows = rows.filter(holder_id__in=list(holder_ids))
    return [_certificate(row) for row in rows.iterator(chunk_size=2000)]


def _mra(row: Mra) -> trust.Mra:
    participants = list(row.participants.all())
    slugs = tuple(p.authority.slug for p in participants)
    granting = frozenset(p.authority.slug for p in participants if p.grants_recognition)
    return trust.Mra(
        key=row.key,
        name=row.name,
        parties=slugs,
        recognised_types={
            p.authority.slug: frozenset(p.recognised_types) for p in participants if p.recognised_types is not None
        },
        signed_on=row.signed_on,
        in_force_from=row.in_force_from,
        in_force_until=row.in_force_until,
        status=row.status,
        mutual=granting == frozenset(slugs),
        recognisers=granting,
        direction_note=row.direction_note,
        implementation_dates={p.authority.slug: p.implemented_from for p in participants} if row.plurilateral else {},
        notes=row.notes,
    )


def mras_load() -> trust.MraIndex:
    """Every MRA as a trust index, in two queries."""
    rows = Mra.objects.prefetch_related(
        Prefetch("participants", queryset=MraParticipant.objects.select_related("authority"))
    )
    return trust.MraIndex(_mra(row) for row in rows)


# ------------------------------------------------------------------------------------ chains to judge


def _customs_slugs() -> set[str]:
    return set(Partner.objects.filter(kind_links__kind=PartnerKind.CUSTOMS_AUTHORITY).values_list("slug", flat=True))


def chain_parties(consignment_ids: Sequence[Any]) -> dict[Any, list[trust.Party]]:
    """Each consignment's parties in their roles, and the partners that recorded its steps (two queries)."""
    customs = _customs_slugs()
    parties: dict[Any, list[trust.Party]] = defaultdict(list)
    rows = ConsignmentParty.objects.filter(consignment_id__in=consignment_ids).order_by("consignment_id", "id")
    for consignment_id, slug, role in rows.values_list("consignment_id", "partner__slug", "role"):
        parties[consignment_id].append(trust.Party(slug, trust.Role.CUSTOMS_AUTHORITY if slug in customs else role))
    recorders = (
        EventLink.objects.filter(consignment_id__in=consignment_ids)
        .values_list("consignment_id", "event__recorder__slug")
        .distinct()
    )
    for consignment_id, slug in sorted(recorders):
        role = trust.Role.CUSTOMS_AUTHORITY if slug in customs else trust.Role.STEP_RECORDER
        parties[consignment_id].append(trust.Party(slug, role))
    return parties


def deciding_authorities(consignment_ids: Sequence[Any]) -> dict[Any, list[Partner]]:
    """The customs authorities of the countries each consignment touches (origin, destination, legs)."""
    countries: dict[Any, set[str]] = defaultdict(set)
    for pk, origin, destination in Consignment.objects.filter(pk__in=consignment_ids).values_list(
        "pk", "origin", "destination"
    ):
        countries[pk].update({origin[:2], destination[:2]})
    for pk, origin, destination in Leg.objects.filter(consignment_id__in=consignment_ids).values_list(
        "consignment_id", "origin", "destination"
    ):
        countries[pk].update(code[:2] for code in (origin, destination) if code)
    by_country: dict[str, list[Partner]] = defaultdict(list)
    for authority in Partner.objects.filter(kind_links__kind=PartnerKind.CUSTOMS_AUTHORITY).exclude(serves_country=""):
        by_country[authority.serves_country].append(authority)
    return {
        pk: sorted({a for code in codes for a in by_country.get(code, [])}, key=lambda a: a.slug)
        for pk, codes in countries.items()
    }


@dataclass(frozen=True)
class Registry:
    """Certificates and MRAs loaded once for many evaluations."""

    certificates: trust.CertificateIndex
    mras: trust.MraIndex


def registry_for(parties: Iterable[trust.Party]) -> Registry:
    """The certificates of these parties' partners and every MRA (constant number of queries)."""
    holders = Partner.objects.filter(slug__in={p.partner for p in parties}).values_list("pk", flat=True)
    return Registry(trust.CertificateIndex(certificates_load(holder_ids=holders)), mras_load())


def chain_verdict(
    *, consignment: Consignment, authority: Partner, as_of: date, registry: Registry | None = None
) -> trust.ChainVerdict:
    """The trust verdict of ``authority`` on one consignment's chain on ``as_of``."""
    parties = chain_parties([consignment.pk]).get(consignment.pk, [])
    registry = registry or registry_for(parties)
    return trust.chain_evaluate(
        parties=parties,
        certificates=registry.certificates,
        mras=registry.mras,
        deciding_authority=authority.slug,
        as_of=as_of,
    )


def consignment_trust(*, actor: Actor, consignment_id: Any, authority_slug: str | None, as_of: date) -> dict[str, Any]:
    """The trust view a customs caller may see: its own authority's verdict (staff: any authority's)."""
    if not actor.is_staff and (actor.partner is None or not actor.partner.is_customs_authority):
        raise ApplicationError("Only customs authorities see trust verdicts.", status=403, code="forbidden")
    consignment = Consignment.objects.visible_to(actor).filter(pk=consignment_id).first()
    if consignment is None:
        raise ApplicationError("No such consignment.", status=404, code="not-found")
    if authority_slug is None:
        if actor.partner is None or not actor.partner.is_customs_authority:
            raise ApplicationError("Say which customs authority decides.", field="authority")
        authority = actor.partner
    else:
        authority = Partner.objects.filter(slug=authority_slug).first()
        if authority is None or not authority.is_customs_authority:
            raise ApplicationError(f"'{authority_slug}' is not a customs authority.", field="authority")
        if not actor.is_staff and authority.pk != actor.partner.pk:
            raise ApplicationError(
                "Customs see only their own authority's view.", field="authority", status=403, code="forbidden"
            )
    verdict = chain_verdict(consignment=consignment, authority=authority, as_of=as_of)
    return {"consignment": str(consignment.pk), "reference": consignment.reference, **verdict.to_dict()}


def open_consignments_touched(*, holder_ids: Iterable[Any] = (), mra_id: Any = None) -> list[Any]:
    """Open consignments a certificate (by its holder) or an MRA change may re-decide."""
    open_rows = Consignment.objects.filter(status__in=OPEN_STATUSES)
    if mra_id is not None:
        return list(open_rows.values_list("pk", flat=True).order_by("pk"))
    holder_ids = list(holder_ids)
    by_party = open_rows.filter(parties__partner_id__in=holder_ids).values_list("pk", flat=True)
    by_step = open_rows.filter(event_links__event__recorder_id__in=holder_ids).values_list("pk", flat=True)
    return sorted(set(by_party) | set(by_step))
