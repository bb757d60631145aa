"""Choices of the compliance domain; values match ``apps.compliance.trust`` so rows map one to one."""

from django.db import models


class CertificateStatus(models.TextChoices):
    VALID = "valid", "Valid"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class CertificateType(models.TextChoices):
    """WCO SAFE generic AEO types; a programme's own tiers (e.g. CTPAT tier 3, KR AAA) are free text."""

    SECURITY_AND_SAFETY = "security and safety", "Security and safety (AEOS)"
    CUSTOMS_SIMPLIFICATIONS = "customs simplifications", "Customs simplifications (AEOC)"
    FULL = "full", "Full (AEOF)"


class MraStatus(models.TextChoices):
    """The reference data's vocabulary (shared/data/README.md)."""

    IN_FORCE = "in force", "In force"
    SIGNED = "signed", "Signed"
    NOT_YET_IMPLEMENTED = "signed, not yet implemented", "Signed, not yet implemented"
    ENDED = "ended", "Ended"


class ReviewDecisionKind(models.TextChoices):
    """What a customs officer decides for an arriving consignment (risk channels)."""

    RELEASE = "release", "Release"
    DOCUMENT_CHECK = "document_check", "Document check"
    PHYSICAL_INSPECTION = "physical_inspection", "Physical inspection"
    HOLD = "hold", "Hold"


class ChainStatus(models.TextChoices):
    FULLY_TRUSTED = "fully_trusted", "Fully trusted"
    PARTIALLY_TRUSTED = "partially_trusted", "Partially trusted"
    NOT_TRUSTED = "not_trusted", "Not trusted"
