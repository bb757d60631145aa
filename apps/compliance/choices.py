"""Choices of the compliance domain.

The vocabularies the trust evaluation shares with the database (certificate statuses and types, MRA
statuses, chain verdicts) are defined once, as the plain enums of :mod:`apps.compliance.trust`, which
must stay free of Django. The choices here are built from those enums and add only the labels people
read, so a stored value is always a member of the trust vocabulary and a new member cannot be missed.
"""

from collections.abc import Mapping
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from apps.compliance import trust


def _choices(vocabulary: type[StrEnum], labels: Mapping[StrEnum, str]) -> type[models.TextChoices]:
    """``TextChoices`` with the members, values and docstring of ``vocabulary`` and a label for each member."""
    if set(labels) != set(vocabulary):
        raise TypeError(f"labels of {vocabulary.__name__} must name each of its members once, and nothing else")
    members = [(member.name, (member.value, labels[member])) for member in vocabulary]
    choices = models.TextChoices(vocabulary.__name__, members, module=__name__)
    choices.__doc__ = vocabulary.__doc__
    return choices


CertificateStatus = _choices(
    trust.CertificateStatus,
    {
        trust.CertificateStatus.VALID: _("Valid"),
        trust.CertificateStatus.SUSPENDED: _("Suspended"),
        trust.CertificateStatus.REVOKED: _("Revoked"),
        trust.CertificateStatus.EXPIRED: _("Expired"),
    },
)

CertificateType = _choices(
    trust.CertificateType,
    {
        trust.CertificateType.SECURITY_AND_SAFETY: _("Security and safety (AEOS)"),
        trust.CertificateType.CUSTOMS_SIMPLIFICATIONS: _("Customs simplifications (AEOC)"),
        trust.CertificateType.FULL: _("Full (AEOF)"),
    },
)

MraStatus = _choices(
    trust.MraStatus,
    {
        trust.MraStatus.IN_FORCE: _("In force"),
        trust.MraStatus.SIGNED: _("Signed"),
        trust.MraStatus.NOT_YET_IMPLEMENTED: _("Signed, not yet implemented"),
        trust.MraStatus.ENDED: _("Ended"),
    },
)

ChainStatus = _choices(
    trust.ChainStatus,
    {
        trust.ChainStatus.FULLY_TRUSTED: _("Fully trusted"),
        trust.ChainStatus.PARTIALLY_TRUSTED: _("Partially trusted"),
        trust.ChainStatus.NOT_TRUSTED: _("Not trusted"),
    },
)


class ReviewDecisionKind(models.TextChoices):
    """What a customs officer decides for an arriving consignment (risk channels)."""

    RELEASE = "release", _("Release")
    DOCUMENT_CHECK = "document_check", _("Document check")
    PHYSICAL_INSPECTION = "physical_inspection", _("Physical inspection")
    HOLD = "hold", _("Hold")


class StatusReason:
    """The reasons the platform records on a certificate's status change itself (a person's reason is free
    text): stored in English, said in the reader's language on the pages (``reason_words``)."""

    GRANTED = gettext_noop("granted")
    RENEWED = gettext_noop("renewed")
    EXPIRED = gettext_noop("validity period ended")
    RENEWAL_STARTS = gettext_noop("renewal period starts")
    IMPORTED = gettext_noop("imported")  # a status taken from a register's file (apps.compliance.importing)


SYSTEM_STATUS_REASONS = frozenset(
    {
        StatusReason.GRANTED,
        StatusReason.RENEWED,
        StatusReason.EXPIRED,
        StatusReason.RENEWAL_STARTS,
        StatusReason.IMPORTED,
    }
)
