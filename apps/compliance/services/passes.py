"""The daily date passes: what starts, ends or nears its end on a given day, and what follows from it."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from apps.compliance.choices import CertificateStatus
from apps.compliance.models import AeoCertificate, CertificateStatusChange, Mra, ValidityPeriod
from apps.compliance.services.certificates import certificate_expire_due
from apps.compliance.services.reevaluation import trust_recheck_request
from apps.core.words import Text, gettext_noop
from apps.disruptions import services as alerts
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertSubject

EXPIRY_WARNINGS = (90, 30, 7)


def aeo_expiry_pass(*, today: date) -> dict[str, int]:
    """Warn ahead of expiry (90, 30, 7 days; each once), mark expired certificates, and re-judge the holders
    whose certificates change on ``today`` by their own dates (a renewal or a status change taking effect).

    Idempotent: a second run on the same day, or any later day, raises and writes nothing new.
    """
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
                # Worded, so pages (the audit log's record of the alert) say it in the reader's language.
                title=Text(
                    gettext_noop("AEO certificate %(number)s expires on %(date)s (%(days)s days)"),
                    number=certificate.number,
                    date=period.valid_until.isoformat(),
                    days=days_left,
                ),
                subject_type=AlertSubject.CERTIFICATE,
                subject_id=str(certificate.pk),
                dedupe_key=f"aeo-expiring:{certificate.pk}:{period.valid_until.isoformat()}:{threshold}",
                evidence={
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
                title=Text(
                    gettext_noop("AEO certificate %(number)s expired on %(date)s"),
                    number=certificate.number,
                    date=effective_on.isoformat(),
                ),
                subject_type=AlertSubject.CERTIFICATE,
                subject_id=str(certificate.pk),
                dedupe_key=f"aeo-expired:{certificate.pk}:{effective_on.isoformat()}",
                evidence={
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
