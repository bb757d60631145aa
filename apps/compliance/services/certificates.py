"""Writes of the AEO registry: certificates, their validity periods and their status.

Every write is audited and announced (``CertificateChanged``); compliance's subscribers ask for
what follows from it: the AEO credential of the certificate (issued, re-issued or its status bit
flipped) and the re-evaluation of the consignments in transit that the change touches.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.compliance.choices import CertificateStatus, StatusReason
from apps.compliance.models import AeoCertificate, CertificateStatusChange, ValidityPeriod
from apps.compliance.services.checks import MANAGE_REGISTER, acting_user, check_issuing_authority, clean_text
from apps.core.domain_events import CertificateChanged, publish
from apps.core.errors import ApplicationError, ConflictError
from apps.core.services import audit_record
from apps.core.words import Text, gettext_noop
from apps.partners.access import Actor, require, system_actor
from apps.partners.models import Partner

MAX_NUMBER_LENGTH = 64
MAX_TYPE_LENGTH = 64


def _announce(certificate: AeoCertificate, *, as_of: date | None = None) -> None:
    """Say the certificate changed; what follows (its AEO credential, re-judging the holder's open
    consignments on ``as_of``, by default today) is compliance's subscribers' business (``apps.py``)."""
    publish(
        CertificateChanged(
            certificate_id=str(certificate.pk),
            holder_id=str(certificate.holder_id),
            as_of=as_of.isoformat() if as_of else None,
        )
    )


def _check_period(certificate: AeoCertificate | None, valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise ApplicationError(
            _("valid_until %(until)s is before valid_from %(start)s.")
            % {"until": valid_until.isoformat(), "start": valid_from.isoformat()},
            field="valid_until",
        )
    if certificate is None:
        return
    for period in certificate.validity_periods.all():
        ends_after_start = period.valid_until is None or period.valid_until >= valid_from
        starts_before_end = valid_until is None or period.valid_from <= valid_until
        if ends_after_start and starts_before_end:
            raise ConflictError(
                _(
                    "Certificate %(number)s is already valid %(start)s to %(until)s; validity periods "
                    "of one certificate may not overlap."
                )
                % {
                    "number": certificate.number,
                    "start": period.valid_from.isoformat(),
                    "until": period.valid_until.isoformat() if period.valid_until else _("open-ended"),
                },
                field="valid_from",
            )


def _check_holder(holder: Partner) -> None:
    if holder.is_customs_authority:
        raise ApplicationError(
            _("'%(holder)s' is a customs authority; AEO holders are traders.") % {"holder": holder.slug}, field="holder"
        )


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
    check_issuing_authority(authority)
    require(actor, **MANAGE_REGISTER, owner=authority, visible=True)
    _check_holder(holder)
    number = clean_text(number, "number", MAX_NUMBER_LENGTH)
    certificate_type = clean_text(certificate_type, "certificate_type", MAX_TYPE_LENGTH)
    _check_period(None, valid_from, valid_until)
    with transaction.atomic():
        taken = ConflictError(
            _("%(authority)s already has certificate %(number)s; renew it instead of registering it again.")
            % {"authority": authority.slug, "number": number},
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
            reason=StatusReason.GRANTED,
            recorded_by=acting_user(actor),
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
        _announce(certificate)
    return certificate


def certificate_renew(
    *, actor: Actor, certificate: AeoCertificate, valid_from: date, valid_until: date | None
) -> ValidityPeriod:
    """Add a validity period (a renewal); periods of one certificate may not overlap."""
    require(actor, **MANAGE_REGISTER, owner=certificate.authority, visible=True)
    with transaction.atomic():
        certificate = AeoCertificate.objects.select_for_update().get(pk=certificate.pk)
        _check_period(certificate, valid_from, valid_until)
        period = ValidityPeriod.objects.create(certificate=certificate, valid_from=valid_from, valid_until=valid_until)
        if certificate.status == CertificateStatus.EXPIRED:
            _record_status(actor, certificate, CertificateStatus.VALID, valid_from, StatusReason.RENEWED)
        audit_record(
            actor=actor,
            action="aeo_certificate.renew",
            target=certificate,
            partner=certificate.authority,
            changes={"valid_from": valid_from.isoformat(), "valid_until": valid_until and valid_until.isoformat()},
        )
        _announce(certificate)
    return period


def _record_status(actor: Actor, certificate: AeoCertificate, status: str, effective_on: date, reason: str) -> None:
    CertificateStatusChange.objects.create(
        certificate=certificate,
        status=status,
        effective_on=effective_on,
        reason=reason,
        recorded_by=acting_user(actor),
    )
    latest = certificate.status_changes.order_by("-effective_on", "-recorded_at", "-id").first()
    certificate.status = latest.status if latest else status
    certificate.save(update_fields=["status", "updated_at"])


def certificate_status_set(
    *, actor: Actor, certificate: AeoCertificate, status: str, effective_on: date, reason: str
) -> AeoCertificate:
    """Suspend, revoke, reinstate or expire a certificate from a date, with the reason kept in its history."""
    require(actor, **MANAGE_REGISTER, owner=certificate.authority, visible=True)
    if status not in CertificateStatus.values:
        raise ApplicationError(
            _("Unknown status '%(status)s'; one of %(choices)s.")
            % {"status": status, "choices": ", ".join(CertificateStatus.values)},
            field="status",
        )
    reason = clean_text(reason, "reason", 500)
    with transaction.atomic():
        certificate = AeoCertificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status == CertificateStatus.REVOKED:
            raise ConflictError(
                _("Certificate %(number)s is revoked; revocation is final.") % {"number": certificate.number},
                field="status",
            )
        before = certificate.status
        _record_status(actor, certificate, status, effective_on, reason)
        audit_record(
            actor=actor,
            action="aeo_certificate.status",
            target=certificate,
            partner=certificate.authority,
            changes={"status": [before, status], "effective_on": effective_on.isoformat(), "reason": reason},
        )
        _announce(certificate)
    return certificate


def certificate_expire_due(*, certificate: AeoCertificate, today: date) -> date | None:
    """Mark a certificate expired when no validity period covers ``today`` any more; the date it expired on.

    Idempotent: a certificate already marked expired from the end of its last period is left alone
    (None). When a renewal starts after a gap, its start is recorded as valid again, so that the
    status history does not keep the renewed certificate expired once the new period begins.
    """
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
        actor = system_actor(Text(gettext_noop("aeo expiry pass")))
        _record_status(actor, certificate, CertificateStatus.EXPIRED, effective_on, StatusReason.EXPIRED)
        renewal = min((p.valid_from for p in periods if p.valid_from > today), default=None)
        if renewal is not None:
            _record_status(actor, certificate, CertificateStatus.VALID, renewal, StatusReason.RENEWAL_STARTS)
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
        _announce(certificate, as_of=today)
    return effective_on
