"""AEO credentials: the issuing authority signs a verifiable credential for each valid certificate.

The credential follows the registry, never the other way round. A certificate valid today (a
validity period covers today and its status on today is *valid*) gets one credential per validity
period, signed by its authority like a step credential (VC 2.0, eddsa-rdfc-2022, a revocation and a
suspension ``BitstringStatusListEntry``). A renewal re-issues it and revokes the old one; suspension
sets its suspension bit and reinstatement clears it; revocation and expiry set its revocation bit.
The holder (the subject) sees it among its credentials and can present it anywhere.

Status on a day is read from the status history, as the trust evaluation reads it, so a change
dated ahead takes effect on its day: the daily pass re-syncs the certificates whose history or
periods moved recently.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.compliance.choices import CertificateStatus
from apps.compliance.models import AeoCertificate, CertificateStatusChange, ValidityPeriod
from apps.core.errors import PermissionDeniedError
from apps.core.services import audit_record
from apps.core.words import Text, gettext_noop
from apps.credentials import dataintegrity
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2
from apps.credentials.models import Credential, CredentialKind, StatusPurpose
from apps.credentials.services.identifiers import partner_did_web
from apps.credentials.services.issuance import credential_sign_new
from apps.credentials.services.keys import partner_key_ensure, private_key_of
from apps.credentials.services.status import status_bit_set
from apps.partners.access import Actor, system_actor

ISSUED, REISSUED, STATUS, UNCHANGED = "issued", "reissued", "status", "unchanged"
# The daily pass looks back this far, so a few missed days of beat still catch up.
CATCH_UP_DAYS = 7
SYNC_ACTOR = Text(gettext_noop("aeo credential sync"))


def _timestamp(day: date, at: time) -> str:
    return datetime.combine(day, at).strftime("%Y-%m-%dT%H:%M:%SZ")


def _window(period: ValidityPeriod) -> tuple[str, str | None]:
    """``validFrom``/``validUntil`` of a period's credential: its first day's start to its last day's end (UTC)."""
    until = _timestamp(period.valid_until, time(23, 59, 59)) if period.valid_until else None
    return _timestamp(period.valid_from, time(0, 0, 0)), until


def _status_on(certificate: AeoCertificate, day: date) -> str | None:
    """The status in force on ``day``: the latest change dated on or before it (the trust evaluation's rule)."""
    change = (
        CertificateStatusChange.objects.filter(certificate=certificate, effective_on__lte=day)
        .order_by("-effective_on", "-recorded_at", "-id")
        .first()
    )
    return change.status if change else None


def _period_on(certificate: AeoCertificate, day: date) -> ValidityPeriod | None:
    return (
        ValidityPeriod.objects.filter(certificate=certificate, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .first()
    )


def _credential_window(credential: Credential) -> tuple[str | None, str | None]:
    document = json.loads(bytes(credential.document))
    return document.get("validFrom"), document.get("validUntil")


def _unsigned(certificate: AeoCertificate, period: ValidityPeriod) -> dict[str, Any]:
    holder, authority = certificate.holder, certificate.authority
    valid_from, valid_until = _window(period)
    held: dict[str, Any] = {
        "type": "AeoCertificate",
        "certificateNumber": certificate.number,
        "aeoType": certificate.certificate_type,
        "issuingAuthority": partner_did_web(authority),
        "countryCode": authority.serves_country or authority.country,
        "certificateValidFrom": valid_from,
    }
    if valid_until:
        held["certificateValidUntil"] = valid_until
    subject: dict[str, Any] = {
        "id": partner_did_web(holder),
        "type": "Organization",
        "name": holder.name,
        "countryCode": holder.country,
    }
    if holder.lei:
        subject["lei"] = holder.lei
    if holder.eori:
        subject["eori"] = holder.eori
    subject["certificate"] = held
    unsigned: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, CORRIDOR_V1],
        "type": ["VerifiableCredential", "AeoCredential"],
        "name": f"AEO certificate {certificate.number} ({authority.name})",
        "validFrom": valid_from,
        "credentialSubject": subject,
    }
    if valid_until:
        unsigned["validUntil"] = valid_until
    return unsigned


def _flip(actor: Actor, certificate: AeoCertificate, credential: Credential, purpose: str, value: bool) -> None:
    status_bit_set(credential, purpose, value)
    action = {
        (StatusPurpose.REVOCATION, True): "revoke",
        (StatusPurpose.SUSPENSION, True): "suspend",
        (StatusPurpose.SUSPENSION, False): "unsuspend",
    }[(purpose, value)]
    audit_record(
        actor=actor,
        action=f"aeo_credential.{action}",
        target=certificate,
        partner=certificate.authority,
        changes={"credential": str(credential.pk), "purpose": str(purpose), "status": value},
    )


def aeo_credential_sync(*, certificate_id: str, today: date | None = None) -> str:
    """Bring a certificate's AEO credential in line with the registry today; says what it did.

    "issued" (first credential), "reissued" (a new validity period: old one revoked), "status" (a
    suspension or revocation bit flipped) or "unchanged". Idempotent: a second run does nothing.
    """
    with transaction.atomic():
        # One sync at a time per certificate: two would both issue for the same period.
        certificate = (
            AeoCertificate.objects.select_for_update(of=("self",))
            .select_related("holder", "authority", "credential")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None:
            return UNCHANGED
        return _bring_in_line(certificate, today or timezone.localdate())


def _bring_in_line(certificate: AeoCertificate, today: date) -> str:
    actor = system_actor(SYNC_ACTOR)
    status = _status_on(certificate, today)
    period = _period_on(certificate, today)
    current = certificate.credential
    live = current if current is not None and current.revoked_at is None else None
    if status in (CertificateStatus.REVOKED, CertificateStatus.EXPIRED):
        if live is not None:
            _flip(actor, certificate, live, StatusPurpose.REVOCATION, True)
        return STATUS if live is not None else UNCHANGED
    if period is None:
        # Not yet valid, or the period ended and the expiry pass has not run yet: the credential's own
        # validUntil already says it has lapsed.
        return UNCHANGED
    if status == CertificateStatus.VALID and (live is None or _credential_window(live) != _window(period)):
        return _issue(actor, certificate, period, previous=current)
    wanted = status == CertificateStatus.SUSPENDED
    if live is not None and live.suspended != wanted:
        _flip(actor, certificate, live, StatusPurpose.SUSPENSION, wanted)
        return STATUS
    return UNCHANGED


def _issue(actor: Actor, certificate: AeoCertificate, period: ValidityPeriod, *, previous: Credential | None) -> str:
    """Sign the period's credential; the one it replaces (an earlier period's) is revoked if it is not yet."""
    credential = credential_sign_new(
        issuer=certificate.authority, kind=CredentialKind.AEO, unsigned=_unsigned(certificate, period)
    )
    if previous is not None and previous.revoked_at is None:
        # Superseded credentials are revoked, as corrected steps' are (DESIGN §10).
        _flip(actor, certificate, previous, StatusPurpose.REVOCATION, True)
    certificate.credential = credential
    certificate.save(update_fields=["credential", "updated_at"])
    valid_from, valid_until = _window(period)
    audit_record(
        actor=actor,
        action="aeo_credential.reissue" if previous is not None else "aeo_credential.issue",
        target=certificate,
        partner=certificate.authority,
        changes={
            "credential": str(credential.pk),
            "replaces": str(previous.pk) if previous is not None else None,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    return REISSUED if previous is not None else ISSUED


def aeo_credentials_due(*, today: date) -> list[str]:
    """Certificates whose credential may have to change today: history or periods that moved lately.

    Status changes and periods dated within the catch-up window (a suspension dated ahead, a renewal
    starting today), and certificates with no credential at all (an issue that failed).
    """
    since = today - timedelta(days=CATCH_UP_DAYS)
    moved = (
        Q(status_changes__effective_on__gt=since, status_changes__effective_on__lte=today)
        | Q(validity_periods__valid_from__gt=since, validity_periods__valid_from__lte=today)
        | Q(credential__isnull=True, status=CertificateStatus.VALID, validity_periods__valid_from__lte=today)
    )
    ids = AeoCertificate.objects.filter(moved).values_list("pk", flat=True).distinct()
    return [str(pk) for pk in ids]


def aeo_credentials_pass(*, today: date) -> dict[str, int]:
    """Daily: sync every certificate that may be due (idempotent); counts what was done."""
    done: dict[str, int] = {ISSUED: 0, REISSUED: 0, STATUS: 0, UNCHANGED: 0}
    for certificate_id in aeo_credentials_due(today=today):
        done[aeo_credential_sync(certificate_id=certificate_id, today=today)] += 1
    return done


def aeo_presentation_build(
    *, actor: Actor, credential: Credential, challenge: str | None = None, domain: str | None = None
) -> dict[str, Any]:
    """The holder's AEO credential as a Verifiable Presentation, signed by the holder for a challenge.

    Only the subject may sign a presentation of it (the holder proves it is the trader the authority
    certified); without a challenge or domain the presentation is unsigned.
    """
    document = json.loads(bytes(credential.document))
    presentation: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [document],
    }
    if challenge is None and domain is None:
        return presentation
    holder = actor.partner
    if holder is None or document.get("credentialSubject", {}).get("id") != partner_did_web(holder):
        raise PermissionDeniedError("Only the certificate's holder signs a presentation of its AEO credential.")
    key = partner_key_ensure(partner=holder)
    presentation["holder"] = partner_did_web(holder)
    return dataintegrity.sign(
        presentation,
        private_key=private_key_of(key),
        verification_method=f"{partner_did_web(holder)}#{key.key_id}",
        created=timezone.now(),
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )
