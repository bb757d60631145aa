"""How compliance's alerts read on the alerts pages: trust verdicts and certificates in words, with links."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.compliance.choices import ChainStatus
from apps.disruptions.choices import AlertKind
from apps.disruptions.extensions import AlertPresenter, Fact, Presented


def verdict_words(value: str) -> str:
    """A chain verdict as people say it ("Fully trusted"), whatever code the evidence stored."""
    try:
        return str(ChainStatus(value).label)
    except ValueError:
        return str(value).replace("_", " ")


def _trust_change(alert: Any) -> Presented:
    evidence = alert.evidence or {}
    if not evidence.get("before") or not evidence.get("after"):
        # Raised without the verdicts (by hand, say): its own title is all there is to say.
        return Presented(title=alert.title)
    before, after = verdict_words(evidence.get("before", "")), verdict_words(evidence.get("after", ""))
    facts = [Fact(_("Before"), before), Fact(_("Now"), after)]
    evaluation = evidence.get("evaluation") or {}
    if evaluation.get("as_of"):
        facts.append(Fact(_("Judged as of"), str(evaluation["as_of"])))
    if alert.consignment_id:
        facts.append(Fact(_("Each party's reason"), _("Review"), reverse("review-detail", args=[alert.consignment_id])))
    return Presented(
        title=_("Trust verdict changed from %(before)s to %(after)s") % {"before": before, "after": after},
        facts=tuple(facts),
    )


def _certificate(alert: Any) -> Presented:
    evidence = alert.evidence or {}
    number = str(evidence.get("number", alert.subject_id))
    try:
        url = reverse("aeo-certificate-page", args=[alert.subject_id])
    except NoReverseMatch:  # a subject named otherwise than by the certificate's id: no link
        url = ""
    facts = [Fact(_("Certificate"), number, url)]
    if alert.kind == AlertKind.AEO_EXPIRING:
        until = str(evidence.get("valid_until", ""))
        facts += [
            Fact(_("Valid until"), until),
            Fact(_("Warned"), _("%(days)s days ahead") % {"days": evidence.get("days_ahead", "")}),
        ]
        title = _("AEO certificate %(number)s expires on %(date)s") % {"number": number, "date": until}
    else:
        expired = str(evidence.get("expired_on", ""))
        facts.append(Fact(_("Expired on"), expired))
        title = _("AEO certificate %(number)s expired on %(date)s") % {"number": number, "date": expired}
    return Presented(title=title, facts=tuple(facts))


trust_change_presenter = AlertPresenter(kinds=frozenset({AlertKind.TRUST_CHANGE}), present=_trust_change)
certificate_presenter = AlertPresenter(
    kinds=frozenset({AlertKind.AEO_EXPIRING, AlertKind.AEO_EXPIRED}), present=_certificate
)
