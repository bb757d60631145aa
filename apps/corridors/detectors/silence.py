"""``silence``: no event for longer than the corridor allows for the mode the goods travel by (pure).

A ship in mid-ocean sends nothing for days, and rightly: silence is counted from the later of the last
event and the moment the next milestone was expected (the planned arrival at the end of the current
leg, or the planned departure from the node the goods wait at; without a plan, the leg's baseline
median after its departure). So "no news" means "no news for N hours after there should have been some".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.core.words import Text, gettext_noop
from apps.corridors.detectors.watched import ARRIVED_STATUSES, Watched, event_ref, event_words, when
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import Finding


def _under_way(watched: Watched) -> bool:
    # Left a place, or seen somewhere beyond the first node.
    origin = watched.first_origin
    return watched.departed() is not None or any(
        node != origin and times.came is not None for node, times in watched.times.items()
    )


def next_expected(watched: Watched) -> tuple[datetime, Text] | None:
    """When the next milestone was expected, and which, from the plan (else the baseline median)."""
    stay = watched.current_stay()
    if stay is not None:
        node = stay[0]
        leg = watched.leg_from(node)
        planned = watched.schedule.departures.get(node) or (leg.planned_departure if leg else None)
        return (planned, Text(gettext_noop("planned departure from %(node)s"), node=node)) if planned else None
    left = [(times.left, node) for node, times in watched.times.items() if times.left is not None]
    if not left:
        return None
    departure, node = max(left, key=lambda pair: pair[0].event_time)
    leg = watched.leg_from(node)
    if leg is None:
        return None
    planned = watched.schedule.arrivals.get(leg.to_locode) or leg.planned_arrival
    if planned is not None:
        return planned, Text(gettext_noop("planned arrival at %(node)s"), node=leg.to_locode)
    transit = watched.transit(leg)
    if transit is not None:
        usual = Text(gettext_noop("usual arrival at %(node)s"), node=leg.to_locode)
        return departure.event_time + timedelta(seconds=transit.median), usual
    return None


def silence(watched: Watched, *, as_of: datetime) -> list[Finding]:
    """One finding when the goods are under way (left a place, not arrived) and nothing was heard for the
    mode's allowance after the last event and after the next milestone's expected time.

    "Under way" is read from the events (a departure or an arrival beyond the first node, not yet at the
    destination), so a booking that never left is not silent but, past its planned arrival, overdue.
    Goods waiting at a node with a dwell baseline are left to ``dwell``.
    """
    if watched.status in ARRIVED_STATUSES or watched.arrived() is not None or not _under_way(watched):
        return []
    last = watched.last_event
    if last is None:
        return []
    stay = watched.current_stay()
    if stay is not None and watched.dwell(stay[0]) is not None:
        return []  # goods waiting where a dwell baseline exists: ``dwell`` judges them, one alert not two
    mode = watched.current_mode()
    allowed = watched.thresholds.silence_for(mode)
    expected = next_expected(watched)
    start = last.event_time
    if expected is not None and expected[0] > start:
        start = expected[0]
    due = start + timedelta(hours=allowed)
    if as_of <= due:
        return []
    args = {"event": event_words(last), "mode": mode, "allowed": f"{allowed:g}", "due": when(due)}
    if expected:
        summary = Text(
            gettext_noop(
                "Last event: %(event)s. The %(expected)s was %(expected_at)s. In transit by %(mode)s, the corridor "
                "allows %(allowed)s h without news after the later of the two, so news was due by %(due)s; none "
                "has come."
            ),
            expected=expected[1],
            expected_at=when(expected[0]),
            **args,
        )
    else:
        summary = Text(
            gettext_noop(
                "Last event: %(event)s. In transit by %(mode)s, the corridor allows %(allowed)s h without news "
                "after the later of the two, so news was due by %(due)s; none has come."
            ),
            **args,
        )
    evidence = {
        "summary": summary,
        "events": [event_ref(last)],
        "mode": mode,
        "thresholds": {f"silence_hours.{mode}": allowed},
        "news_due_by": due.isoformat(),
    }
    if expected is not None:
        evidence["expected"] = {"what": expected[1], "at": expected[0].isoformat()}
    return [
        Finding(
            kind=AlertKind.SILENCE,
            subject_type=AlertSubject.CONSIGNMENT,
            subject_id=watched.consignment_id,
            title=Text(
                gettext_noop("No news of %(reference)s since %(when)s"),
                reference=watched.reference,
                when=when(last.event_time),
            ),
            evidence=evidence,
            consignment_id=watched.consignment_id,
            corridor_id=watched.corridor or None,
        )
    ]
