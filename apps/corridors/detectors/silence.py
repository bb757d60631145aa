"""``silence``: no event for longer than the corridor allows for the mode the goods travel by (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.corridors.detectors.watched import ARRIVED_STATUSES, Watched, event_ref, event_words, when
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import Finding


def _under_way(watched: Watched) -> bool:
    # Left a place, or seen somewhere beyond the first node.
    origin = watched.first_origin
    return watched.departed() is not None or any(
        node != origin and times.came is not None for node, times in watched.times.items()
    )


def silence(watched: Watched, *, as_of: datetime) -> list[Finding]:
    """One finding when the goods are under way (left a place, not arrived) and the last event is too old.

    "Under way" is read from the events (a departure or an arrival beyond the first node, not yet at the
    destination), so a
    booking that never left is not silent but, past its planned arrival, overdue.
    """
    if watched.status in ARRIVED_STATUSES or watched.arrived() is not None or not _under_way(watched):
        return []
    last = watched.last_event
    if last is None:
        return []
    mode = watched.current_mode()
    allowed = watched.thresholds.silence_for(mode)
    due = last.event_time + timedelta(hours=allowed)
    if as_of <= due:
        return []
    return [
        Finding(
            kind=AlertKind.SILENCE,
            subject_type=AlertSubject.CONSIGNMENT,
            subject_id=watched.consignment_id,
            title=f"No news of {watched.reference} since {when(last.event_time)}",
            evidence={
                "summary": (
                    f"Last event: {event_words(last)}. In transit by {mode}, the corridor allows {allowed:g} h "
                    f"without an event, so the next was due by {when(due)}; none has come."
                ),
                "events": [event_ref(last)],
                "mode": mode,
                "thresholds": {f"silence_hours.{mode}": allowed},
                "news_due_by": due.isoformat(),
            },
            consignment_id=watched.consignment_id,
            corridor_id=watched.corridor or None,
        )
    ]
