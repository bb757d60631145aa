"""AEO certificates, mutual recognition arrangements, trust evaluations and customs review decisions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext

from apps.compliance.choices import (
    SYSTEM_STATUS_REASONS,
    CertificateStatus,
    ChainStatus,
    MraStatus,
    ReviewDecisionKind,
)
from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.core.words import Text, gettext_noop
from apps.core.work import Claimable
from apps.partners.models import Partner
from apps.shipments.choices import PartyRole


class AeoCertificateQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> AeoCertificateQuerySet:
        """The holder and the issuing authority see a certificate; every customs authority sees all.

        Customs need the whole register to judge foreign traders under an MRA; a trader sees only its own.
        """
        if partner.serves_country:
            return self.all()
        return self.filter(holder=partner)


class AeoCertificate(TimestampedModel):
    """An Authorized Economic Operator certificate a customs authority granted to a trader.

    ``status`` is the current status (the latest entry of the status history); renewals add
    validity periods to the same certificate, never a new number.
    """

    holder = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="aeo_certificates")
    authority = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="issued_aeo_certificates")
    number = models.CharField(max_length=64, help_text="The certificate number, unique per issuing authority")
    certificate_type = models.CharField(
        max_length=64,
        help_text="WCO SAFE type (security and safety, customs simplifications, full) or the programme's tier",
    )
    status = models.CharField(max_length=12, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    last_reviewed_on = models.DateField(null=True, blank=True)
    credential = models.ForeignKey(
        "credentials.Credential",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aeo_certificates",
        help_text="The verifiable credential the authority signed for the current validity period",
    )

    objects = AeoCertificateQuerySet.as_manager()

    class Meta:
        ordering = ["authority__slug", "number"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "number"], name="aeo_certificate_number_unique"),
            models.CheckConstraint(condition=Q(status__in=CertificateStatus.values), name="aeo_certificate_status"),
            models.CheckConstraint(condition=~Q(holder=F("authority")), name="aeo_certificate_not_self_issued"),
        ]

    def __str__(self) -> str:
        # Worded, so the audit page (which records it) says it in its reader's language.
        return Text(
            gettext_noop("AEO %(number)s (%(authority)s) held by %(holder)s"),
            number=self.number,
            authority=self.authority.slug,
            holder=self.holder.slug,
        )


def aeo_credentials_held(partner: Partner) -> Q:
    """A ``credential_visibility`` rule: a holder sees its certificates' AEO credentials, so it can present them."""
    return Q(pk__in=AeoCertificate.objects.filter(holder=partner, credential__isnull=False).values("credential_id"))


class ValidityPeriod(models.Model):
    """One period an AEO certificate is valid for (its first grant, then each renewal); periods never overlap."""

    certificate = models.ForeignKey(AeoCertificate, on_delete=models.CASCADE, related_name="validity_periods")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Inclusive; empty: open-ended")
    expiry_warned_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The smallest expiry warning already sent (90, 30 or 7 days ahead)"
    )

    class Meta:
        ordering = ["certificate", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "valid_from"], name="validity_period_start_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="validity_period_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from}…{self.valid_until or ''}"


class CertificateStatusChange(models.Model):
    """One entry of a certificate's status history: the status holds from ``effective_on`` (inclusive)."""

    certificate = models.ForeignKey(AeoCertificate, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=12, choices=CertificateStatus.choices)
    effective_on = models.DateField()
    reason = models.CharField(max_length=500)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["certificate", "effective_on", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CertificateStatus.values), name="certificate_change_status"),
        ]

    def __str__(self) -> str:
        return f"{self.status} from {self.effective_on}"

    @property
    def reason_words(self) -> str:
        """The reason in the reader's language when the platform recorded it; a person's reason as written."""
        return gettext(self.reason) if self.reason in SYSTEM_STATUS_REASONS else self.reason


class MraQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> MraQuerySet:
        # Arrangements between customs administrations are public; every partner may read them.
        return self.all()


class Mra(TimestampedModel):
    """A mutual recognition arrangement: customs authorities that recognise each other's AEOs.

    Bilateral (two authorities) or plurilateral (e.g. the ASEAN AAMRA, where each member joins from
    its own implementation date). Which certificate types each side recognises, and whether it
    grants recognition at all (a one-way arrangement), are on the participants.
    """

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    signed_on = models.DateField(null=True, blank=True)
    in_force_from = models.DateField(null=True, blank=True, help_text="Empty: assumed in force from signing")
    in_force_until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=MraStatus.choices, default=MraStatus.IN_FORCE)
    plurilateral = models.BooleanField(default=False, help_text="Members join from their own implementation dates")
    direction_note = models.CharField(
        max_length=200, blank=True, help_text="Import/export scope as the arrangement states it"
    )
    notes = models.TextField(blank=True)

    objects = MraQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MraStatus.values), name="mra_status_valid"),
            models.CheckConstraint(
                condition=Q(in_force_until__isnull=True)
                | Q(in_force_from__isnull=True)
                | Q(in_force_until__gte=F("in_force_from")),
                name="mra_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MraParticipant(models.Model):
    """One customs authority's side of an MRA: what it recognises of the others' AEO programmes."""

    mra = models.ForeignKey(Mra, on_delete=models.CASCADE, related_name="participants")
    authority = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="mra_participations")
    recognised_types = models.JSONField(
        null=True, blank=True, help_text="Certificate types of this side the others recognise; empty: all"
    )
    grants_recognition = models.BooleanField(
        default=True, help_text="Whether this authority recognises the other sides' AEOs (import direction)"
    )
    implemented_from = models.DateField(null=True, blank=True, help_text="Plurilateral arrangements only")

    class Meta:
        ordering = ["mra", "authority__slug"]
        constraints = [models.UniqueConstraint(fields=["mra", "authority"], name="mra_participant_unique")]

    def __str__(self) -> str:
        return f"{self.authority.slug} in {self.mra.key}"


class MraChange(models.Model):
    """History of an MRA: each change with who made it and the values before and after."""

    mra = models.ForeignKey(Mra, on_delete=models.CASCADE, related_name="history")
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(default=dict)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["mra", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.mra.key} changed {self.changed_at:%Y-%m-%d}"


class TrustEvaluationQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> TrustEvaluationQuerySet:
        return self.filter(authority=partner)


class TrustEvaluation(models.Model):
    """The latest trust verdict of one customs authority on one consignment, kept to notice changes."""

    consignment = models.ForeignKey("shipments.Consignment", on_delete=models.CASCADE, related_name="trust_evaluations")
    authority = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="trust_evaluations")
    status = models.CharField(max_length=20, choices=ChainStatus.choices)
    share_trusted = models.FloatField()
    as_of = models.DateField()
    evaluation = models.JSONField(help_text="The whole verdict with per-party reasons")
    evaluated_at = models.DateTimeField(auto_now=True)

    objects = TrustEvaluationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consignment", "authority"], name="trust_evaluation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.authority.slug} on {self.consignment_id}: {self.status}"


class ReviewDecisionQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> ReviewDecisionQuerySet:
        """The deciding authority, and the consignment's consignee and customs broker (status only)."""
        informed = Q(
            consignment__parties__partner=partner,
            consignment__parties__role__in=[PartyRole.CONSIGNEE, PartyRole.CUSTOMS_BROKER],
        )
        return self.filter(Q(authority=partner) | informed).distinct()


class ReviewDecision(TimestampedModel):
    """A customs officer's decision on an arriving consignment, with the evaluation it was based on."""

    consignment = models.ForeignKey("shipments.Consignment", on_delete=models.CASCADE, related_name="review_decisions")
    authority = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="review_decisions")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(max_length=24, choices=ReviewDecisionKind.choices)
    reason = models.CharField(max_length=1000)
    evaluation = models.JSONField(help_text="The trust verdict the officer saw, exactly as it was")
    chain_verification = models.JSONField(default=dict, help_text="The credential chain's verification result")

    objects = ReviewDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(decision__in=ReviewDecisionKind.values), name="review_decision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.authority.slug}: {self.decision} {self.consignment_id}"


class TrustRecheck(Claimable):
    """A re-evaluation of trust that was asked for and not yet done (DESIGN §10: the database is the ledger).

    A registry change writes one in its own transaction and rings the broker; the task deletes it when
    done, and a beat sweep re-enqueues any left pending, so a lost message delays a re-evaluation but
    never loses it. ``key`` identifies the parameters, so repeats of one request are done once, and one
    worker at a time runs a key: the one whose claim on the key's oldest row succeeded.
    """

    key = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the canonical parameters")
    params = models.JSONField(help_text="The keyword arguments of compliance.tasks.trust_reevaluate")
    requested_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"trust recheck {self.key[:12]} asked {self.requested_at:%Y-%m-%d %H:%M}"
