"""Customs review: an officer's decision on a consignment, kept with the evaluation it was based on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.compliance import selectors
from apps.compliance.choices import ReviewDecisionKind
from apps.compliance.models import ReviewDecision
from apps.compliance.services.checks import acting_user, clean_text
from apps.core.errors import ApplicationError, NotFoundError
from apps.core.services import audit_record
from apps.partners.access import Actor, Rule, require
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments.models import Consignment

# Who sees the review of consignments, and who decides on them: the officers of a customs authority
# (staff choose the authority they act for).
REVIEW = Rule(kind=PartnerKind.CUSTOMS_AUTHORITY, acting=True, to=gettext_noop("review consignments"))
DECIDE = Rule(
    kind=PartnerKind.CUSTOMS_AUTHORITY,
    role=MemberRole.OPERATOR,
    write=True,
    acting=True,
    to=gettext_noop("decide on consignments"),
)


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
    authority = require(actor, **DECIDE)
    if decision not in ReviewDecisionKind.values:
        raise ApplicationError(
            _("Unknown decision '%(decision)s'; one of %(choices)s.")
            % {"decision": decision, "choices": ", ".join(ReviewDecisionKind.values)},
            field="decision",
        )
    reason = clean_text(reason, "reason", 1000)
    with transaction.atomic():
        record = ReviewDecision.objects.create(
            consignment=consignment,
            authority=authority,
            officer=acting_user(actor),
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
    authority = require(actor, **DECIDE)
    consignment = Consignment.objects.visible_to(actor).filter(pk=consignment_id).first()
    if consignment is None:
        raise NotFoundError(_("No such consignment visible to your authority."), field="consignment")
    if decision not in ReviewDecisionKind.values:
        raise ApplicationError(
            _("Unknown decision '%(decision)s'; one of %(choices)s.")
            % {"decision": decision, "choices": ", ".join(ReviewDecisionKind.values)},
            field="decision",
        )
    reason = clean_text(reason, "reason", 1000)
    verdict = selectors.chain_verdict(consignment=consignment, authority=authority, as_of=as_of or timezone.localdate())
    return review_decision_record(
        actor=actor,
        consignment=consignment,
        decision=decision,
        reason=reason,
        evaluation=verdict.to_dict(),
        chain_verification=selectors.chain_verification_summary(consignment=consignment),
    )
