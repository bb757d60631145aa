"""``inconsistent``: the event graph's physical impossibilities, one alert per consignment and rule (pure).

The graph (``apps.shipments.graph.consistency``) names events by Corridor's row ids; here they are told
by the ids their recorders sent. Its ``out_of_order`` findings are not alerted: a report sent late or
a missing gate move is common and already visible on the timeline.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.utils.translation import gettext_noop

from apps.core.words import Text, joined
from apps.corridors.detectors.watched import Watched, event_ref
from apps.corridors.milestones import MilestoneEvent
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertSubject
from apps.disruptions.services import Finding
from apps.shipments.graph.types import ARRIVAL_BEFORE_DEPARTURE, IMPOSSIBLE_SPEED, TWO_PLACES_AT_ONCE

# The graph's finding kinds -> the alert's rule.
RULES = {
    ARRIVAL_BEFORE_DEPARTURE: "arrival_before_departure",
    IMPOSSIBLE_SPEED: "impossible_speed",
    TWO_PLACES_AT_ONCE: "two_places",
}
# Marked for the catalogue: the stored title is English, the alerts page says it in its language.
RULE_WORDS = {
    "arrival_before_departure": gettext_noop("an arrival recorded before its departure"),
    "impossible_speed": gettext_noop("a move faster than its mode allows"),
    "two_places": gettext_noop("the same goods at two places at once"),
}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _told(detail: str, key: str, event: MilestoneEvent) -> str:
    """The detail with an event's row id (``[key]``) told by the id its recorder sent (still a Text if it was)."""
    told = Text(gettext_noop("(event %(event)s by %(recorder)s)"), event=event.event_id, recorder=event.recorder)
    if isinstance(detail, Text):
        return detail.mapped(lambda value: told if value == key else value)
    return detail.replace(key, told)


def inconsistent(watched: Watched, *, as_of: datetime) -> list[Finding]:
    """One finding per rule that the consignment's graph findings break (``as_of`` is not needed: the
    events known at ``as_of`` are already the input)."""
    by_rule: dict[str, list] = defaultdict(list)
    for finding in watched.inconsistencies:
        rule = RULES.get(finding.kind)
        if rule:
            by_rule[rule].append(finding)
    found = []
    for rule, findings in sorted(by_rule.items()):
        details, refs, seen = [], [], set()
        for finding in findings:
            detail = finding.detail
            for key in finding.events:
                event = watched.graph_events.get(key)
                if event is None:
                    continue
                detail = _told(detail, f"[{key}]", event)
                if key not in seen:
                    seen.add(key)
                    refs.append(event_ref(event))
            details.append({"detail": detail, "evidence": {k: _plain(v) for k, v in finding.evidence.items()}})
        words = joined([d["detail"] for d in details[:5]], "; ")
        rule_words = Text(RULE_WORDS[rule])
        found.append(
            Finding(
                kind=AlertKind.INCONSISTENT,
                subject_type=AlertSubject.CONSIGNMENT,
                subject_id=watched.consignment_id,
                rule=rule,
                severity=AlertSeverity.CRITICAL if rule == "two_places" else AlertSeverity.WARNING,
                title=Text("%(reference)s: %(rule)s", reference=watched.reference, rule=rule_words),
                evidence={
                    "summary": Text(
                        gettext_noop("The events of %(reference)s show %(rule)s: %(details)s."),
                        reference=watched.reference,
                        rule=rule_words,
                        details=words,
                    ),
                    "events": refs,
                    "findings": details,
                },
                consignment_id=watched.consignment_id,
                corridor_id=watched.corridor or None,
            )
        )
    return found
