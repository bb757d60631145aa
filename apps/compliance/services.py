"""Writes of the compliance domain: AEO certificates, their periods and status, MRAs, review decisions.

Every write is audited and, after commit, asks for what follows from it: the AEO credential of a
certificate (issued, re-issued or its status bit flipped) and the re-evaluation of the consignments
in transit that the change touches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.compliance import trust
from apps.compliance.choices import CertificateStatus, MraStatus, ReviewDecisionKind
from apps.compliance.models import (
    AeoCertificate,
    CertificateStatusChange,
    Mra,
    MraChange,
    MraParticipant,
    ReviewDecision,
    ValidityPeriod,
)
from apps.core.errors import ApplicationError, ConflictError
from apps.core.services import audit_record
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, TokenScope
from apps.partners.models import Partner

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
MAX_NUMBER_LENGTH = 64
MAX_TYPE_LENGTH = 64


def _actor_user(actor: Actor) -> Any:
    user = getattr(actor, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def require_customs_officer(actor: Actor, *, role: str = MemberRole.OPERATOR) -> Partner:
    """The acting customs authority, or a 403: trust, review and registry writes are for customs only."""
    partner = actor.partner
    if partner is None or not partner.is_customs_authority:
        raise ApplicationError("Only a customs authority may do this.", status=403, code="permission-denied")
    if not actor.has_role(role):
        raise ApplicationError(
            f"This needs the {role} role for {partner.slug}; you act as {actor.role}.",
            status=403,
            code="permission-denied",
        )
    if actor.scope != TokenScope.WRITE and role != MemberRole.VIEWER:
        raise ApplicationError(
            "This API token has read scope; writes need a write-scope token.", status=403, code="permission-denied"
        )
    return partner


def require_registry_writer(actor: Actor, authority: Partner) -> None:
    """Customs authorities manage their own certificates; staff may act for any authority."""
    if not authority.is_customs_authority:
        raise ApplicationError(
            f"'{authority.slug}' is not a customs authority; only customs authorities issue AEO certificates.",
            field="authority",
        )
    if actor.is_staff:
        return
    partner = require_customs_officer(actor)
    if partner.pk != authority.pk:
        raise ApplicationError(
            f"You act for {partner.slug}; only {authority.slug} manages its own certificates.",
            status=403,
            code="permission-denied",
        )


def _after_commit_certificate(certificate: AeoCertificate, *, as_of: date | None = None) -> None:
    """After commit: sync the AEO credential and re-judge the holder's open consignments (on ``as_of``: today)."""
    from apps.compliance import tasks

    certificate_id, holder_id = str(certificate.pk), str(certificate.holder_id)
    day = as_of.isoformat() if as_of else None
    transaction.on_commit(lambda: tasks.aeo_credential_sync.delay(certificate_id))
    trust_recheck_request(holder_ids=[holder_id], as_of=day)


def trust_recheck_key(
    *,
    holder_ids: Iterable[str] | None = None,
    mra_id: str | None = None,
    as_of: str | None = None,
    authority_ids: Iterable[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The ledger key and canonical parameters of one re-evaluation request (the task computes the same)."""
    import hashlib
    import json

    params = {
        "holder_ids": sorted(holder_ids) if holder_ids is not None else None,
        "mra_id": mra_id,
        "as_of": as_of,
        "authority_ids": sorted(authority_ids) if authority_ids is not None else None,
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest(), params


def trust_recheck_request(**given: Any) -> None:
    """Record a re-evaluation in the ledger (inside the caller's transaction) and enqueue it after commit."""
    from apps.compliance import tasks
    from apps.compliance.models import TrustRecheck

    key, params = trust_recheck_key(**given)
    TrustRecheck.objects.create(key=key, params=params, requested_at=timezone.now())
    transaction.on_commit(partial(tasks.trust_reevaluate.delay, **given))


def trust_rechecks_done(*, key: str, started: Any) -> int:
    """Clear the ledger entries a finished re-evaluation covered (those asked before it started)."""
    from apps.compliance.models import TrustRecheck

    return TrustRecheck.objects.filter(key=key, requested_at__lte=started).delete()[0]


def trust_rechecks_overdue(*, older_than: timedelta = timedelta(minutes=5)) -> list[dict[str, Any]]:
    """Parameters of the re-evaluations still pending after ``older_than`` (a lost message), one per key."""
    from apps.compliance.models import TrustRecheck

    pending = TrustRecheck.objects.filter(requested_at__lt=timezone.now() - older_than).order_by("requested_at")
    overdue: dict[str, dict[str, Any]] = {}
    for key, params in pending.values_list("key", "params"):
        overdue.setdefault(key, params)
    return list(overdue.values())


def _check_period(certificate: AeoCertificate | None, valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise ApplicationError(
            f"valid_until {valid_until.isoformat()} is before valid_from {valid_from.isoformat()}.",
            field="valid_until",
        )
    if certificate is None:
        return
    for period in certificate.validity_periods.all():
        ends_after_start = period.valid_until is None or period.valid_until >= valid_from
        starts_before_end = valid_until is None or period.valid_from <= valid_until
        if ends_after_start and starts_before_end:
            raise ConflictError(
                f"Certificate {certificate.number} is already valid {period.valid_from.isoformat()} to "
                f"{period.valid_until.isoformat() if period.valid_until else 'open-ended'}; validity periods "
                "of one certificate may not overlap.",
                field="valid_from",
            )


def _check_holder(holder: Partner) -> None:
    if holder.is_customs_authority:
        raise ApplicationError(f"'{holder.slug}' is a customs authority; AEO holders are traders.", field="holder")


def _clean_text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(f"{field} is required.", field=field)
    if len(value) > limit:
        raise ApplicationError(f"{field} is longer than {limit} characters.", field=field)
    return value


def certificate_create(
    *,
    actor: Actor,
    authority: Partner,
    holder: Partner,
    number: str,
    certificate_type: str,
    valid_from: date,
    valid_until: date | None,
    last_reviewed_on: date | None = None,
) -> AeoCertificate:
    """Register an AEO certificate the authority granted, valid from ``valid_from``; 409 if the number exists."""
    require_registry_writer(actor, authority)
    _check_holder(holder)
    number = _clean_text(number, "number", MAX_NUMBER_LENGTH)
    certificate_type = _clean_text(certificate_type, "certificate_type", MAX_TYPE_LENGTH)
    _check_period(None, valid_from, valid_until)
    with transaction.atomic():
        taken = ConflictError(
            f"{authority.slug} already has certificate {number}; renew it instead of registering it again.",
            field="number",
        )
        if AeoCertificate.objects.filter(authority=authority, number=number).exists():
            raise taken
        try:
            # The unique constraint settles two registrations racing past the check above.
            with transaction.atomic():
                certificate = AeoCertificate.objects.create(
                    holder=holder,
                    authority=authority,
                    number=number,
                    certificate_type=certificate_type,
                    status=CertificateStatus.VALID,
                    last_reviewed_on=last_reviewed_on,
                )
        except IntegrityError as exc:
            raise taken from exc
        ValidityPeriod.objects.create(certificate=certificate, valid_from=valid_from, valid_until=valid_until)
        CertificateStatusChange.objects.create(
            certificate=certificate,
            status=CertificateStatus.VALID,
            effective_on=valid_from,
            reason="granted",
            recorded_by=_actor_user(actor),
        )
        audit_record(
            actor=actor,
            action="aeo_certificate.create",
            target=certificate,
            partner=authority,
            changes={
                "holder": holder.slug,
                "number": number,
                "certificate_type": certificate_type,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )
        _after_commit_certificate(certificate)
    return certificate


def certificate_renew(
    *, actor: Actor, certificate: AeoCertificate, valid_from: date, valid_until: date | None
) -> ValidityPeriod:
    """Add a validity period (a renewal); periods of one certificate may not overlap."""
    require_registry_writer(actor, certificate.authority)
    with transaction.atomic():
        certificate = AeoCertificate.objects.select_for_update().get(pk=certificate.pk)
        _check_period(certificate, valid_from, valid_until)
        period = ValidityPeriod.objects.create(certificate=certificate, valid_from=valid_from, valid_until=valid_until)
        if certificate.status == CertificateStatus.EXPIRED:
            _record_status(actor, certificate, CertificateStatus.VALID, valid_from, "renewed")
        audit_record(
            actor=actor,
            action="aeo_certificate.renew",
            target=certificate,
            partner=certificate.authority,
            changes={"valid_from": valid_from.isoformat(), "valid_until": valid_until and valid_until.isoformat()},
        )
        _after_commit_certificate(certificate)
    return period


def _record_status(actor: Actor, certificate: AeoCertificate, status: str, effective_on: date, reason: str) -> None:
    CertificateStatusChange.objects.create(
        certificate=certificate,
        status=status,
        effective_on=effective_on,
        reason=reason,
        recorded_by=_actor_user(actor),
    )
    latest = certificate.status_changes.order_by("-effective_on", "-recorded_at", "-id").first()
    certificate.status = latest.status if latest else status
    certificate.save(update_fields=["status", "updated_at"])


def certificate_status_set(
    *, actor: Actor, certificate: AeoCertificate, status: str, effective_on: date, reason: str
) -> AeoCertificate:
    """Suspend, revoke, reinstate or expire a certificate from a date, with the reason kept in its history."""
    require_registry_writer(actor, certificate.authority)
    if status not in CertificateStatus.values:
        raise ApplicationError(
            f"Unknown status '{status}'; one of {', '.join(CertificateStatus.values)}.", field="status"
        )
    reason = _clean_text(reason, "reason", 500)
    with transaction.atomic():
        certificate = AeoCertificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status == CertificateStatus.REVOKED:
            raise ConflictError(f"Certificate {certificate.number} is revoked; revocation is final.", field="status")
        before = certificate.status
        _record_status(actor, certificate, status, effective_on, reason)
        audit_record(
            actor=actor,
            action="aeo_certificate.status",
            target=certificate,
            partner=certificate.authority,
            changes={"status": [before, status], "effective_on": effective_on.isoformat(), "reason": reason},
        )
        _after_commit_certificate(certificate)
    return certificate


def certificate_expire_due(*, certificate: AeoCertificate, today: date) -> date | None:
    """Mark a certificate expired when no validity period covers ``today`` any more; the date it expired on.

    Idempotent: a certificate already marked expired from the end of its last period is left alone
    (None). When a renewal starts after a gap, its start is recorded as valid again, so that the
    status history does not keep the renewed certificate expired once the new period begins.
    """
    from apps.partners.access import system_actor

    with transaction.atomic():
        certificate = AeoCertificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status != CertificateStatus.VALID:
            return None
        periods = list(certificate.validity_periods.all())
        if any(p.valid_from <= today and (p.valid_until is None or today <= p.valid_until) for p in periods):
            return None
        ended = [p.valid_until for p in periods if p.valid_until is not None and p.valid_until < today]
        if not ended:
            return None
        effective_on = max(ended) + timedelta(days=1)
        if certificate.status_changes.filter(status=CertificateStatus.EXPIRED, effective_on=effective_on).exists():
            return None
        actor = system_actor("aeo expiry pass")
        _record_status(actor, certificate, CertificateStatus.EXPIRED, effective_on, "validity period ended")
        renewal = min((p.valid_from for p in periods if p.valid_from > today), default=None)
        if renewal is not None:
            _record_status(actor, certificate, CertificateStatus.VALID, renewal, "renewal period starts")
        audit_record(
            actor=actor,
            action="aeo_certificate.expire",
            target=certificate,
            partner=certificate.authority,
            changes={
                "status": [CertificateStatus.VALID, CertificateStatus.EXPIRED],
                "effective_on": effective_on.isoformat(),
                "valid_again_on": renewal and renewal.isoformat(),
            },
        )
        _after_commit_certificate(certificate, as_of=today)
    return effective_on


# ------------------------------------------------------------------------------------------------ MRAs


@dataclass(frozen=True)
class ParticipantIn:
    """One authority's side of an MRA as a request names it."""

    authority: Partner
    recognised_types: tuple[str, ...] | None = None
    grants_recognition: bool = True
    implemented_from: date | None = None


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise ApplicationError(
            "Only platform staff manage mutual recognition arrangements.", status=403, code="permission-denied"
        )


def _check_mra(
    *,
    participants: Sequence[ParticipantIn],
    signed_on: date | None,
    in_force_from: date | None,
    in_force_until: date | None,
    status: str,
) -> None:
    authorities = [p.authority for p in participants]
    if len({a.pk for a in authorities}) < 2:
        raise ApplicationError("An MRA needs at least two distinct customs authorities.", field="participants")
    if len({a.pk for a in authorities}) != len(authorities):
        raise ApplicationError("An authority is listed twice.", field="participants")
    for index, authority in enumerate(authorities):
        if not authority.is_customs_authority:
            raise ApplicationError(
                f"'{authority.slug}' is not a customs authority.", field=f"participants.{index}.authority"
            )
    if status not in MraStatus.values:
        raise ApplicationError(f"Unknown status '{status}'; one of {', '.join(MraStatus.values)}.", field="status")
    # Without an in-force date the MRA counts from its signing (DESIGN §10), so its end may not precede that.
    start, start_name = (in_force_from, "in_force_from") if in_force_from else (signed_on, "signed_on")
    if start and in_force_until and in_force_until < start:
        raise ApplicationError(
            f"in_force_until {in_force_until.isoformat()} is before {start_name} {start.isoformat()}.",
            field="in_force_until",
        )
    if signed_on and in_force_from and in_force_from < signed_on:
        raise ApplicationError(
            f"in_force_from {in_force_from.isoformat()} is before signing on {signed_on.isoformat()}.",
            field="in_force_from",
        )
    if not any(p.grants_recognition for p in participants):
        raise ApplicationError("At least one side must grant recognition.", field="participants")


def _mra_values(mra: Mra) -> dict[str, Any]:
    return {
        "name": mra.name,
        "signed_on": mra.signed_on and mra.signed_on.isoformat(),
        "in_force_from": mra.in_force_from and mra.in_force_from.isoformat(),
        "in_force_until": mra.in_force_until and mra.in_force_until.isoformat(),
        "status": mra.status,
        "plurilateral": mra.plurilateral,
        "direction_note": mra.direction_note,
        "notes": mra.notes,
        "participants": [
            {
                "authority": p.authority.slug,
                "recognised_types": p.recognised_types,
                "grants_recognition": p.grants_recognition,
                "implemented_from": p.implemented_from and p.implemented_from.isoformat(),
            }
            for p in mra.participants.select_related("authority").order_by("authority__slug")
        ],
    }


def _write_participants(mra: Mra, participants: Iterable[ParticipantIn]) -> None:
    mra.participants.all().delete()
    MraParticipant.objects.bulk_create(
        MraParticipant(
            mra=mra,
            authority=p.authority,
            recognised_types=list(p.recognised_types) if p.recognised_types is not None else None,
            grants_recognition=p.grants_recognition,
            implemented_from=p.implemented_from,
        )
        for p in participants
    )


def _after_commit_mra(mra: Mra, *, former_authority_ids: Iterable[Any] = ()) -> None:
    """After commit: re-judge open consignments for the MRA's authorities, and for any it no longer includes."""

    authority_ids = {str(pk) for pk in mra.participants.values_list("authority_id", flat=True)}
    authority_ids |= {str(pk) for pk in former_authority_ids}
    trust_recheck_request(mra_id=str(mra.pk), authority_ids=sorted(authority_ids))


def mra_create(
    *,
    actor: Actor,
    key: str,
    name: str,
    participants: Sequence[ParticipantIn],
    signed_on: date | None = None,
    in_force_from: date | None = None,
    in_force_until: date | None = None,
    status: str = MraStatus.IN_FORCE,
    plurilateral: bool = False,
    direction_note: str = "",
    notes: str = "",
    reason: str = "created",
) -> Mra:
    """Record an MRA between two or more customs authorities; its history starts with this entry."""
    _require_staff(actor)
    key = _clean_text(key, "key", 80)
    if not SLUG.fullmatch(key):
        raise ApplicationError(
            f"key '{key}' must be letters, digits, hyphens or underscores (e.g. kr-tw).", field="key"
        )
    _check_mra(
        participants=participants,
        signed_on=signed_on,
        in_force_from=in_force_from,
        in_force_until=in_force_until,
        status=status,
    )
    with transaction.atomic():
        taken = ConflictError(f"An MRA with key '{key}' exists.", field="key")
        if Mra.objects.filter(key=key).exists():
            raise taken
        try:
            with transaction.atomic():
                mra = Mra.objects.create(
                    key=key,
                    name=_clean_text(name, "name", 200),
                    signed_on=signed_on,
                    in_force_from=in_force_from,
                    in_force_until=in_force_until,
                    status=status,
                    plurilateral=plurilateral,
                    direction_note=direction_note,
                    notes=notes,
                )
        except IntegrityError as exc:
            raise taken from exc
        _write_participants(mra, participants)
        values = _mra_values(mra)
        MraChange.objects.create(mra=mra, changed_by=_actor_user(actor), changes={"after": values}, reason=reason)
        audit_record(actor=actor, action="mra.create", target=mra, changes=values)
        _after_commit_mra(mra)
    return mra


MRA_FIELDS = (
    "name",
    "signed_on",
    "in_force_from",
    "in_force_until",
    "status",
    "plurilateral",
    "direction_note",
    "notes",
)


def mra_update(
    *,
    actor: Actor,
    mra: Mra,
    reason: str,
    participants: Sequence[ParticipantIn] | None = None,
    **fields: Any,
) -> Mra:
    """Change an MRA (dates, status, participants); the history keeps the values before and after."""
    _require_staff(actor)
    unknown = set(fields) - set(MRA_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown MRA field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    reason = _clean_text(reason, "reason", 500)
    if "name" in fields:
        fields["name"] = _clean_text(fields["name"], "name", 200)
    with transaction.atomic():
        mra = Mra.objects.select_for_update().get(pk=mra.pk)
        before = _mra_values(mra)
        current = [
            ParticipantIn(
                authority=p.authority,
                recognised_types=tuple(p.recognised_types) if p.recognised_types is not None else None,
                grants_recognition=p.grants_recognition,
                implemented_from=p.implemented_from,
            )
            for p in mra.participants.select_related("authority")
        ]
        merged = {name: fields.get(name, getattr(mra, name)) for name in MRA_FIELDS}
        _check_mra(
            participants=participants if participants is not None else current,
            signed_on=merged["signed_on"],
            in_force_from=merged["in_force_from"],
            in_force_until=merged["in_force_until"],
            status=merged["status"],
        )
        for name, value in fields.items():
            setattr(mra, name, value)
        mra.save()
        if participants is not None:
            _write_participants(mra, participants)
        after = _mra_values(mra)
        if after == before:
            return mra
        MraChange.objects.create(
            mra=mra, changed_by=_actor_user(actor), changes={"before": before, "after": after}, reason=reason
        )
        audit_record(actor=actor, action="mra.update", target=mra, changes={"before": before, "after": after})
        _after_commit_mra(mra, former_authority_ids=[p.authority.pk for p in current])
    return mra


# --------------------------------------------------------------------------------------------- review


def review_decision_record(
    *,
    actor: Actor,
    consignment: Any,
    decision: str,
    reason: str,
    evaluation: Mapping[str, Any],
    chain_verification: Mapping[str, Any],
) -> ReviewDecision:
    """Record a customs officer's decision with the evaluation and chain check it was based on."""
    authority = require_customs_officer(actor)
    if decision not in ReviewDecisionKind.values:
        raise ApplicationError(
            f"Unknown decision '{decision}'; one of {', '.join(ReviewDecisionKind.values)}.", field="decision"
        )
    reason = _clean_text(reason, "reason", 1000)
    with transaction.atomic():
        record = ReviewDecision.objects.create(
            consignment=consignment,
            authority=authority,
            officer=_actor_user(actor),
            decision=decision,
            reason=reason,
            evaluation=dict(evaluation),
            chain_verification=dict(chain_verification),
        )
        audit_record(
            actor=actor,
            action="review_decision.create",
            target=record,
            changes={"consignment": str(consignment.pk), "decision": decision, "reason": reason},
        )
    return record


def review_decision_create(
    *, actor: Actor, consignment_id: Any, decision: str, reason: str, as_of: date | None = None
) -> ReviewDecision:
    """An officer decides on a consignment its authority sees, on the verdict and chain check of ``as_of`` (today).

    The evaluation and the chain's verification are taken now and stored with the decision, so the
    decision can be shown later exactly as it was made.
    """
    from django.utils import timezone

    from apps.compliance import selectors
    from apps.shipments.models import Consignment

    authority = require_customs_officer(actor)
    consignment = Consignment.objects.visible_to(actor).filter(pk=consignment_id).first()
    if consignment is None:
        raise ApplicationError(
            "No such consignment visible to your authority.", field="consignment", status=404, code="not-found"
        )
    if decision not in ReviewDecisionKind.values:
        raise ApplicationError(
            f"Unknown decision '{decision}'; one of {', '.join(ReviewDecisionKind.values)}.", field="decision"
        )
    reason = _clean_text(reason, "reason", 1000)
    verdict = selectors.chain_verdict(consignment=consignment, authority=authority, as_of=as_of or timezone.localdate())
    return review_decision_record(
        actor=actor,
        consignment=consignment,
        decision=decision,
        reason=reason,
        evaluation=verdict.to_dict(),
        chain_verification=selectors.chain_verification_summary(consignment=consignment),
    )


# ------------------------------------------------------------------------------------- re-evaluation


def trust_reevaluate_consignments(
    *, consignment_ids: Sequence[Any], as_of: date, authority_ids: Iterable[Any] | None = None
) -> int:
    """Re-judge these consignments for every customs authority they touch; alert on each changed verdict.

    The first evaluation is recorded without an alert (there is nothing to compare with); later ones
    raise one alert per change, addressed to the deciding authority. Idempotent: an unchanged verdict
    writes nothing. Queries per call do not depend on the number of consignments.
    """
    from apps.compliance import selectors
    from apps.compliance.models import TrustEvaluation
    from apps.disruptions import services as alerts

    consignment_ids = list(consignment_ids)
    if not consignment_ids:
        return 0
    wanted = {str(pk) for pk in authority_ids} if authority_ids is not None else None
    authorities = selectors.deciding_authorities(consignment_ids)
    if wanted is not None:
        # After an MRA change only its authorities decide differently: skip loading the other chains.
        consignment_ids = [pk for pk in consignment_ids if any(str(a.pk) in wanted for a in authorities.get(pk, ()))]
        if not consignment_ids:
            return 0
    parties = selectors.chain_parties(consignment_ids)
    registry = selectors.registry_for([p for chain in parties.values() for p in chain])
    previous = {
        (e.consignment_id, e.authority_id): e
        for e in TrustEvaluation.objects.filter(consignment_id__in=consignment_ids)
    }
    changed = 0
    creates: list[TrustEvaluation] = []
    updates: list[TrustEvaluation] = []
    raised: list[dict[str, Any]] = []
    for consignment_id in consignment_ids:
        for authority in authorities.get(consignment_id, []):
            if wanted is not None and str(authority.pk) not in wanted:
                continue
            verdict = trust.chain_evaluate(
                parties=parties.get(consignment_id, []),
                certificates=registry.certificates,
                mras=registry.mras,
                deciding_authority=authority.slug,
                as_of=as_of,
            )
            snapshot = verdict.to_dict()
            before = previous.get((consignment_id, authority.pk))
            if before is None:
                creates.append(
                    TrustEvaluation(
                        consignment_id=consignment_id,
                        authority=authority,
                        status=verdict.verdict,
                        share_trusted=verdict.share_trusted,
                        as_of=as_of,
                        evaluation=snapshot,
                    )
                )
                continue
            if before.evaluation.get("parties") == snapshot["parties"] and before.status == verdict.verdict:
                continue
            changed += 1
            if before.status != verdict.verdict:
                raised.append(
                    {
                        "partner": authority,
                        "consignment_id": consignment_id,
                        "before": before.status,
                        "after": str(verdict.verdict),
                        "evaluation": snapshot,
                    }
                )
            before.status, before.share_trusted = verdict.verdict, verdict.share_trusted
            before.as_of, before.evaluation = as_of, snapshot
            updates.append(before)
    with transaction.atomic():
        TrustEvaluation.objects.bulk_create(creates, batch_size=1000, ignore_conflicts=True)
        TrustEvaluation.objects.bulk_update(updates, ["status", "share_trusted", "as_of", "evaluation"], batch_size=500)
        alerts.trust_change_alerts_raise(changes=raised)
    return changed


# ------------------------------------------------------------------------------------ daily date passes

EXPIRY_WARNINGS = (90, 30, 7)


def aeo_expiry_pass(*, today: date) -> dict[str, int]:
    """Warn ahead of expiry (90, 30, 7 days; each once), mark expired certificates, and re-judge the holders
    whose certificates change on ``today`` by their own dates (a renewal or a status change taking effect).

    Idempotent: a second run on the same day, or any later day, raises and writes nothing new.
    """
    from apps.disruptions import services as alerts
    from apps.disruptions.choices import AlertKind, AlertSeverity

    warned = expired = 0
    horizon = today + timedelta(days=max(EXPIRY_WARNINGS))
    renewed = Exists(
        ValidityPeriod.objects.filter(certificate=OuterRef("certificate"), valid_from__gt=OuterRef("valid_until"))
    )
    due = (
        ValidityPeriod.objects.filter(
            valid_until__gte=today, valid_until__lte=horizon, certificate__status=CertificateStatus.VALID
        )
        .exclude(renewed)
        .select_related("certificate__holder", "certificate__authority")
        .order_by("valid_until", "pk")
    )
    for period in due:
        certificate = period.certificate
        days_left = (period.valid_until - today).days
        threshold = min(d for d in EXPIRY_WARNINGS if days_left <= d)
        if period.expiry_warned_days is not None and period.expiry_warned_days <= threshold:
            continue
        for partner in (certificate.holder, certificate.authority):
            alerts.alert_raise(
                partner=partner,
                kind=AlertKind.AEO_EXPIRING,
                title=f"AEO certificate {certificate.number} expires on {period.valid_until.isoformat()} "
                f"({days_left} days)",
                dedupe_key=f"aeo-expiring:{certificate.pk}:{period.valid_until.isoformat()}:{threshold}",
                details={
                    "certificate": str(certificate.pk),
                    "number": certificate.number,
                    "valid_until": period.valid_until.isoformat(),
                    "days_ahead": threshold,
                },
                severity=AlertSeverity.CRITICAL if threshold == min(EXPIRY_WARNINGS) else AlertSeverity.WARNING,
            )
        ValidityPeriod.objects.filter(pk=period.pk).update(expiry_warned_days=threshold)
        warned += 1
    stale = AeoCertificate.objects.filter(status=CertificateStatus.VALID, validity_periods__valid_until__lt=today)
    for certificate in stale.distinct().select_related("holder", "authority").order_by("pk"):
        effective_on = certificate_expire_due(certificate=certificate, today=today)
        if effective_on is None:
            continue
        expired += 1
        for partner in (certificate.holder, certificate.authority):
            alerts.alert_raise(
                partner=partner,
                kind=AlertKind.AEO_EXPIRED,
                title=f"AEO certificate {certificate.number} expired on {effective_on.isoformat()}",
                dedupe_key=f"aeo-expired:{certificate.pk}:{effective_on.isoformat()}",
                details={
                    "certificate": str(certificate.pk),
                    "number": certificate.number,
                    "expired_on": str(effective_on),
                },
                severity=AlertSeverity.CRITICAL,
            )
    # Changes dated ahead (a renewal period, a suspension from a later date) take effect today: nothing
    # else re-judges the consignments of their holders on the day they start to count.
    starting = set(ValidityPeriod.objects.filter(valid_from=today).values_list("certificate__holder_id", flat=True))
    starting |= set(
        CertificateStatusChange.objects.filter(effective_on=today).values_list("certificate__holder_id", flat=True)
    )
    if starting:
        trust_recheck_request(holder_ids=sorted(str(pk) for pk in starting), as_of=today.isoformat())
    return {"warned": warned, "expired": expired, "holders_reevaluated": len(starting)}


def mra_dates_pass(*, today: date) -> int:
    """Re-decide for MRAs whose in-force window (or a member's implementation) starts or ends today.

    An MRA with no in-force date counts from its signing (DESIGN §10), so its signing date starts it.
    """

    yesterday = today - timedelta(days=1)
    starting = (
        Q(in_force_from=today)
        | Q(in_force_from__isnull=True, signed_on=today)
        | Q(participants__implemented_from=today)
    )
    touched = sorted(
        {str(pk) for pk in Mra.objects.filter(starting | Q(in_force_until=yesterday)).values_list("pk", flat=True)}
    )
    for mra_id in touched:
        # After commit when called inside a transaction (the demo loader), at once from the beat task.
        trust_recheck_request(mra_id=mra_id, as_of=today.isoformat())
    return len(touched)
