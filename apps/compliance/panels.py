"""What compliance contributes to other apps' pages: the customs decision on a consignment (status only)
and the customs authority's home (its review queue)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from apps.compliance import selectors
from apps.compliance.choices import ReviewDecisionKind
from apps.partners.access import Actor
from apps.shipments.extensions import ConsignmentPanel


def customs_decision_panel(request: HttpRequest, actor: Actor, consignment: Any) -> str:
    """The customs decisions on the consignment as status only, for those the disclosure rule tells."""
    decisions = selectors.consignment_customs_decisions(actor=actor, consignment=consignment)
    if decisions is None:
        return ""
    labels = dict(ReviewDecisionKind.choices)
    for decision in decisions:
        decision["label"] = labels.get(decision["decision"], decision["decision"])
    return render_to_string("compliance/consignment_decision_panel.html", {"decisions": decisions}, request=request)


consignment_decision_panel = ConsignmentPanel(anchor="customs", render=customs_decision_panel)


def customs_home(actor: Actor) -> str | None:
    """A customs authority's members start at its review queue."""
    if actor.partner is None or not actor.partner.is_customs_authority:
        return None
    return reverse("review-queue")
