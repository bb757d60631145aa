"""Alerts as the pages show them: titles and evidence in words, with links to what they name.

An alert's evidence is stored as its raiser wrote it (``Finding``: a summary, the events by the ids their
recorders sent, thresholds and baselines as figures). Here it becomes lines a person reads: each event with
its recorder's name, its place's name, its time in the place's zone and a link to it on the consignment's
timeline; each figure with a label. Kinds whose words belong to a higher app (a trust verdict, a
certificate) are presented by that app through ``alert_presenters``. A page of alerts costs a fixed number
of queries whatever its length: the recorders, the events and the places of all its alerts are read at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format, localize
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from apps.core.words import Text, text_from_data
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertState, AlertSubject
from apps.disruptions.extensions import Fact, Presented, alert_presenters, corridors_named, evidence_value_words
from apps.disruptions.models import Alert
from apps.partners.access import Actor
from apps.partners.models import Partner
from apps.shipments import selectors as shipment_selectors
from apps.shipments.steps import any_step_label

# Evidence keys shown elsewhere on the row (summary, events) or not meant for people (ids, raw snapshots).
SHOWN_APART = {"summary", "events", "evaluation", "certificate", "consignment", "consignment_id"}


@dataclass(frozen=True)
class EvidenceEvent:
    """An event named by an alert's evidence, as its recorder sent it, with where to see it."""

    event_id: str
    recorder: str
    time: datetime | None
    place: Any
    url: str = ""


@dataclass(frozen=True)
class AlertRow:
    """One alert of a page: the alert, its title and facts in words, the events and the subject's link."""

    alert: Alert
    title: str
    summary: str
    facts: tuple[Fact, ...]
    events: tuple[EvidenceEvent, ...]
    subject_label: str
    subject_url: str = ""
    corridor_label: str = ""
    severity_label: str = ""
    kind_label: str = ""
    state_label: str = ""


# The evidence keys the corridor watch writes, as labels in the page's language.
EVIDENCE_LABELS = {
    "node": gettext_lazy("Node"),
    "count": gettext_lazy("Consignments staying"),
    "consignments": gettext_lazy("Consignments"),
    "mode": gettext_lazy("Mode"),
    "destination": gettext_lazy("Destination"),
    "due_out_by": gettext_lazy("Due to leave by"),
    "news_due_by": gettext_lazy("News due by"),
    "planned_arrival": gettext_lazy("Planned arrival"),
    "due_by_plan": gettext_lazy("Due by the plan"),
    "due_by_baseline_p90": gettext_lazy("Due by the baselines (p90)"),
    "baselines": gettext_lazy("Baselines"),
    "baseline": gettext_lazy("Baseline"),
    "findings": gettext_lazy("Findings"),
    "expected": gettext_lazy("Expected"),
    "what": gettext_lazy("What"),
    "at": gettext_lazy("When"),
    "kind": gettext_lazy("Kind"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "median_hours": gettext_lazy("Median (hours)"),
    "p10_hours": gettext_lazy("p10 (hours)"),
    "p90_hours": gettext_lazy("p90 (hours)"),
    "samples": gettext_lazy("Samples"),
    "source": gettext_lazy("Source"),
    "thresholds": gettext_lazy("Thresholds"),
    "congestion_factor": gettext_lazy("Congestion factor"),
    "congestion_min_consignments": gettext_lazy("Congestion from (consignments)"),
    "dwell_factor": gettext_lazy("Dwell factor"),
    "overdue_tolerance_hours": gettext_lazy("Overdue tolerance (hours)"),
    # An external notice's evidence: the notice, and how it meets the consignment, voyage or corridor.
    "notice": gettext_lazy("Notice"),
    "title": gettext_lazy("Title"),
    "place": gettext_lazy("Place"),
    "voyage": gettext_lazy("Voyage"),
    "starts_at": gettext_lazy("Starts"),
    "ends_at": gettext_lazy("Ends"),
    "touches": gettext_lazy("Meets the route at"),
    "leg": gettext_lazy("Leg"),
    "legs": gettext_lazy("Legs"),
    "sequence": gettext_lazy("Sequence"),
    "origin": gettext_lazy("Origin"),
    "vessel_imo": gettext_lazy("Vessel (IMO)"),
    "voyage_number": gettext_lazy("Voyage number"),
    "planned_departure": gettext_lazy("Planned departure"),
    "nodes": gettext_lazy("Nodes"),
    "corridors": gettext_lazy("Corridors"),
    "corridor": gettext_lazy("Corridor"),
    "your_consignments": gettext_lazy("Your consignments"),
    "consignments_marked_on_corridor": gettext_lazy("Consignments placed on the corridor"),
}

# Evidence keys inside a group that are not for people (the notice's id: its title and source say it).
HIDDEN_IN_GROUPS = {"id"}

_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _words(key: str) -> str:
    """An evidence key as a label: ``overdue_tolerance_hours`` → "Overdue tolerance (hours)"."""
    if key in EVIDENCE_LABELS:
        return str(EVIDENCE_LABELS[key])
    if key.startswith("silence_hours."):
        mode = key.removeprefix("silence_hours.")
        return _("Silence allowed, %(mode)s (hours)") % {"mode": _code_words("mode", mode)}
    unit = ""
    for suffix, name in (("_hours", _("hours")), ("_days", _("days")), ("_km", "km"), ("_kmh", "km/h")):
        if key.endswith(suffix):
            key, unit = key.removesuffix(suffix), name
            break
    text = key.replace("_", " ").strip().capitalize()
    return f"{text} ({unit})" if unit else text


def _code_words(key: str, code: str) -> str:
    """A code the evidence or a raiser's text names under ``key`` (a mode, a baseline's source, a notice's kind),
    in the words of the app that owns it (``evidence_value_words``); the code itself when none knows it."""
    for words in evidence_value_words:
        if said := words(key, code):
            return said
    return code


def _in_words(text: Text, recorders: Mapping[str, str] | None = None) -> str:
    """A raiser's text in the page's language, the codes it names said as people say them: a step by its label,
    a recorder by its name, a mode or a baseline's source as their app says them. The stored text keeps the codes
    (the API's)."""

    def said(text: Text) -> Text:
        args: dict[str, object] = {}
        for key, value in text.args.items():
            if isinstance(value, Text):
                args[key] = said(value)
            elif key == "step" and value:
                args[key] = any_step_label(str(value)).text
            elif key == "recorder" and recorders:
                args[key] = recorders.get(str(value), value)
            elif isinstance(value, str):
                args[key] = _code_words(key, value)
            else:
                args[key] = value
        return Text(text.template, **args)

    return said(text).render(_)


def _said(text: str, recorders: Mapping[str, str]) -> str:
    return _in_words(text, recorders) if isinstance(text, Text) else text


@lru_cache(maxsize=4096)
def _moment_words(value: str, language: str) -> str:
    """A moment of the evidence in the page's date format and in UTC (as the summaries give them); a page of
    alerts names the same moments again and again (a notice's window), so each is formatted once (``language``
    keys the cache: the format is the active language's)."""
    moment = _parse_time(value)
    return f"{date_format(moment.astimezone(UTC), 'DATETIME_FORMAT')} UTC" if moment is not None else value


def _text_value(value: str, key: str) -> str:
    if isinstance(value, Text):
        return _in_words(value)
    if _ISO_MOMENT.match(value):
        return _moment_words(value, get_language())
    return _code_words(key, value) if key else value


def _value(value: Any, key: str = "") -> str:
    """An evidence value in the page's words: worded texts, moments, codes the owning app names, figures."""
    if isinstance(value, str):
        return _text_value(value, key)
    if isinstance(value, Mapping):
        return _group_words(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        value = float(f"{value:g}")
        return localize(int(value) if value.is_integer() else value)
    if isinstance(value, list):
        return ", ".join(_value(v, key) for v in value)
    return str(value)


def _group_words(group: Mapping[str, Any]) -> str:
    """A group inside a list on one line: a baseline in words, or (each corridor of a congestion) its values."""
    if "p90_hours" in group:
        return _baseline_words(group)
    return "; ".join(
        _("%(group)s: %(label)s") % {"group": _words(k), "label": _value(v, k)}
        for k, v in group.items()
        if v not in (None, "", [], {}) and k not in HIDDEN_IN_GROUPS
    )


def _baseline_words(figures: Mapping[str, Any]) -> str:
    """A baseline of the evidence in a line: "Transit TWKHH→KRPUS: median 48 h, p90 60 h (1 samples, …)"."""
    return _("%(kind)s %(from)s→%(to)s: median %(median)s h, p90 %(p90)s h (%(samples)s samples, %(source)s)") % {
        "kind": _value(figures.get("kind", ""), "kind"),
        "from": figures.get("from", ""),
        "to": figures.get("to", ""),
        "median": _value(figures.get("median_hours", "")),
        "p90": _value(figures.get("p90_hours", "")),
        "samples": figures.get("samples", ""),
        "source": _value(figures.get("source", ""), "source"),
    }


def _worded(value: Any, path: str, texts: Mapping[str, Any]) -> Any:
    """The evidence's value at ``path``, as the :class:`Text` its raiser worded when the alert kept it."""
    return text_from_data(texts.get(path)) or value if isinstance(value, str) else value


def evidence_facts(evidence: Mapping[str, Any], texts: Mapping[str, Any] | None = None) -> list[Fact]:
    """The evidence's figures as labelled lines; nested groups (thresholds, baseline) flattened under their name.

    ``texts`` are the alert's worded evidence texts by path (``Alert.wording["evidence"]``): those are said in
    the page's language. A list of findings (a graph's inconsistencies) is a line per finding's detail.
    """
    texts = texts or {}
    facts = []
    for key, value in evidence.items():
        if key in SHOWN_APART or value in (None, "", [], {}):
            continue
        if key == "findings" and isinstance(value, list):
            facts += [
                Fact(_("Finding"), _value(_worded(item["detail"], f"{key}.{index}.detail", texts)))
                for index, item in enumerate(value)
                if isinstance(item, Mapping) and item.get("detail")
            ]
        elif isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            facts += [Fact(_words(key), _value(item, key)) for item in value]
        elif isinstance(value, Mapping) and "p90_hours" in value:
            facts.append(Fact(_words(key), _value(value, key)))
        elif isinstance(value, Mapping):
            group = _words(key)
            facts += [
                Fact(
                    _("%(group)s: %(label)s") % {"group": group, "label": _words(k)},
                    _value(_worded(v, f"{key}.{k}", texts), k),
                )
                for k, v in value.items()
                if not isinstance(v, Mapping) and v not in (None, "") and k not in HIDDEN_IN_GROUPS
            ]
        else:
            facts.append(Fact(_words(key), _value(_worded(value, key, texts), key)))
    return facts


def alert_texts(alert: Alert) -> tuple[Text | None, Text | None, Mapping[str, Any]]:
    """The alert's worded title and summary (``None`` where it kept none) and its evidence texts by path."""
    wording = alert.wording if isinstance(alert.wording, Mapping) else {}
    texts = wording.get("evidence") if isinstance(wording.get("evidence"), Mapping) else {}
    return text_from_data(wording.get("title")), text_from_data(texts.get("summary")), texts


def _evidence_events(alert: Alert) -> list[Mapping[str, Any]]:
    events = (alert.evidence or {}).get("events") if isinstance(alert.evidence, Mapping) else None
    return [e for e in events or [] if isinstance(e, Mapping) and e.get("event_id")]


def _parse_time(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw))
    except (TypeError, ValueError):
        return None


def _subject(alert: Alert) -> tuple[str, str]:
    """The subject in words and its page, where it has one."""
    if alert.consignment_id and alert.consignment is not None:
        return alert.consignment.reference, reverse("consignment-detail", args=[alert.consignment_id])
    label = f"{alert.get_subject_type_display()} {alert.subject_id}"
    if alert.subject_type == AlertSubject.CORRIDOR or (alert.corridor and alert.subject_type == AlertSubject.NODE):
        slug = alert.subject_id if alert.subject_type == AlertSubject.CORRIDOR else alert.corridor
        try:
            # The corridor page belongs to a higher app: named by its URL only, and only where it exists.
            return label, reverse("corridor-page", args=[slug])
        except NoReverseMatch:
            return label, ""
    return label, ""


def _presenters() -> dict[str, Any]:
    return {kind: presenter.present for presenter in alert_presenters for kind in presenter.kinds}


def alerts_present(*, actor: Actor, alerts: Sequence[Alert], with_evidence: bool = True) -> list[AlertRow]:
    """``alerts`` (with their consignments loaded) in words, in four queries whatever their number; with no
    query at all ``with_evidence=False``, for a page that shows their titles only (no events, no corridor)."""
    named = [(alert, e) for alert in alerts for e in _evidence_events(alert)] if with_evidence else []
    slugs = {str(e.get("recorder")) for _, e in named if e.get("recorder")}
    recorders = dict(Partner.objects.filter(slug__in=slugs).values_list("slug", "name")) if slugs else {}
    keys = {(str(e.get("recorder", "")), str(e["event_id"])) for _, e in named}
    # Only events the actor may see are linked; the others are named by their id alone.
    event_pks = shipment_selectors.visible_events_named(actor=actor, keys=keys)
    places = shipment_selectors.place_index(codes={str(e["place"]) for _, e in named if e.get("place")})
    presenters = _presenters()
    corridors = corridors_named(alert.corridor for alert in alerts) if with_evidence else {}
    # The choices' labels looked up here: get_<field>_display rebuilds its choices dict on every call.
    severities, kinds, states = dict(AlertSeverity.choices), dict(AlertKind.choices), dict(AlertState.choices)
    result = []
    for alert in alerts:
        evidence = alert.evidence if isinstance(alert.evidence, Mapping) else {}
        events = []
        for e in _evidence_events(alert) if with_evidence else ():
            slug, event_id = str(e.get("recorder", "")), str(e["event_id"])
            pk = event_pks.get((slug, event_id))
            url = ""
            if pk is not None and alert.consignment_id:
                url = f"{reverse('consignment-detail', args=[alert.consignment_id])}#event-{pk}"
            events.append(
                EvidenceEvent(
                    event_id=event_id,
                    recorder=recorders.get(slug, slug),
                    time=_parse_time(e.get("event_time")),
                    place=places.get(str(e.get("place", "")).upper()) if e.get("place") else None,
                    url=url,
                )
            )
        title, summary, texts = alert_texts(alert)
        present = presenters.get(alert.kind)
        presented = (
            present(alert) if present else Presented(title=alert.title, facts=tuple(evidence_facts(evidence, texts)))
        )
        subject_label, subject_url = _subject(alert)
        result.append(
            AlertRow(
                alert=alert,
                # Worded by its raiser or said again by its presenter: in the page's language; otherwise as stored.
                title=_said(title or presented.title, recorders),
                summary=_said(summary or presented.summary or str(evidence.get("summary", "")), recorders),
                facts=presented.facts,
                events=tuple(events),
                subject_label=subject_label,
                subject_url=subject_url,
                severity_label=severities.get(alert.severity, alert.severity),
                kind_label=kinds.get(alert.kind, alert.kind),
                corridor_label=corridors.get(alert.corridor, alert.corridor),
                state_label=states.get(alert.state, alert.state),
            )
        )
    return result
