"""How the corridor watch's alerts read on the alerts pages: their titles in the reader's language.

A finding's title is stored as the detector wrote it (English: the API and webhooks send it); the page
says it again from the alert's consignment and evidence, in the page's language, with the evidence's
figures under translated labels. The evidence's summary stays as stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from apps.corridors.detectors.inconsistent import RULE_WORDS
from apps.disruptions.choices import AlertKind
from apps.disruptions.extensions import AlertPresenter, Presented
from apps.disruptions.presentation import evidence_facts


def _when(raw: Any) -> str:
    try:
        return datetime.fromisoformat(str(raw)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return ""


def _said(alert: Any, evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]] | None:
    """The detector's title as (English template, the page's template, arguments), if the evidence suffices."""
    reference = alert.consignment.reference if alert.consignment_id and alert.consignment is not None else ""
    events = evidence.get("events") or [{}]
    text, args = "", {}
    if alert.kind == AlertKind.OVERDUE and reference and evidence.get("destination"):
        text = gettext_noop("%(ref)s is overdue at %(place)s")
        args = {"ref": reference, "place": evidence["destination"]}
    elif alert.kind == AlertKind.DWELL and reference and evidence.get("node"):
        text = gettext_noop("%(ref)s has stayed at %(node)s longer than usual")
        args = {"ref": reference, "node": evidence["node"]}
    elif alert.kind == AlertKind.CONGESTION and evidence.get("node") and isinstance(evidence.get("count"), int):
        count = evidence["count"]
        english = (
            "Congestion at %(node)s: %(n)s consignment staying longer than usual"
            if count == 1
            else "Congestion at %(node)s: %(n)s consignments staying longer than usual"
        )
        translated = ngettext(
            "Congestion at %(node)s: %(n)s consignment staying longer than usual",
            "Congestion at %(node)s: %(n)s consignments staying longer than usual",
            count,
        )
        return english, translated, {"node": evidence["node"], "n": count}
    elif alert.kind == AlertKind.SILENCE and reference and (when := _when(events[-1].get("event_time", ""))):
        text = gettext_noop("No news of %(ref)s since %(when)s")
        args = {"ref": reference, "when": when}
    elif alert.kind == AlertKind.INCONSISTENT and reference and alert.rule in RULE_WORDS:
        text = gettext_noop("%(ref)s: %(rule)s")
        args = {"ref": reference, "rule": RULE_WORDS[alert.rule]}
    if not text:
        return None
    return text, _(text), args


def _title(alert: Any, evidence: dict[str, Any]) -> str:
    """The title in the page's language when it is the one the detector wrote; otherwise as stored."""
    said = _said(alert, evidence)
    if said is None:
        return alert.title
    english, translated, args = said
    if english % args != alert.title:
        return alert.title  # raised in other words (by hand, or by an older detector): shown as raised
    if "rule" in args:
        args = {**args, "rule": _(args["rule"])}
    return translated % args


def _present(alert: Any) -> Presented:
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    return Presented(title=_title(alert, evidence), facts=tuple(evidence_facts(evidence)))


watch_presenter = AlertPresenter(
    kinds=frozenset(
        {AlertKind.OVERDUE, AlertKind.DWELL, AlertKind.CONGESTION, AlertKind.SILENCE, AlertKind.INCONSISTENT}
    ),
    present=_present,
)
