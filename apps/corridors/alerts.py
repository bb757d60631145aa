"""How the corridor watch's alerts read on the alerts pages: their titles in the reader's language.

A finding's title is stored as the detector wrote it (English: the API and webhooks send it); the page
says it again from the alert's consignment and evidence, in the page's language, with the evidence's
figures under translated labels. The evidence's summary stays as stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.corridors.detectors.inconsistent import RULE_WORDS
from apps.disruptions.choices import AlertKind
from apps.disruptions.extensions import AlertPresenter, Presented
from apps.disruptions.presentation import evidence_facts


def _when(raw: Any) -> str:
    try:
        return datetime.fromisoformat(str(raw)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return ""


def _title(alert: Any, evidence: dict[str, Any]) -> str:
    """The title in the page's language, or the stored one when the evidence lacks what it needs."""
    reference = alert.consignment.reference if alert.consignment_id and alert.consignment is not None else ""
    if alert.kind == AlertKind.OVERDUE and reference and evidence.get("destination"):
        return _("%(ref)s is overdue at %(place)s") % {"ref": reference, "place": evidence["destination"]}
    if alert.kind == AlertKind.DWELL and reference and evidence.get("node"):
        return _("%(ref)s has stayed at %(node)s longer than usual") % {"ref": reference, "node": evidence["node"]}
    if alert.kind == AlertKind.CONGESTION and evidence.get("node") and isinstance(evidence.get("count"), int):
        count = evidence["count"]
        text = ngettext(
            "Congestion at %(node)s: %(n)s consignment staying longer than usual",
            "Congestion at %(node)s: %(n)s consignments staying longer than usual",
            count,
        )
        return text % {"node": evidence["node"], "n": count}
    events = evidence.get("events") or [{}]
    if alert.kind == AlertKind.SILENCE and reference and (when := _when(events[-1].get("event_time", ""))):
        return _("No news of %(ref)s since %(when)s") % {"ref": reference, "when": when}
    if alert.kind == AlertKind.INCONSISTENT and reference and alert.rule in RULE_WORDS:
        return _("%(ref)s: %(rule)s") % {"ref": reference, "rule": _(RULE_WORDS[alert.rule])}
    return alert.title


def _present(alert: Any) -> Presented:
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    return Presented(title=_title(alert, evidence), facts=tuple(evidence_facts(evidence)))


watch_presenter = AlertPresenter(
    kinds=frozenset(
        {AlertKind.OVERDUE, AlertKind.DWELL, AlertKind.CONGESTION, AlertKind.SILENCE, AlertKind.INCONSISTENT}
    ),
    present=_present,
)
