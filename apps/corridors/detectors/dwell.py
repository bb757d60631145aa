"""``dwell``: goods still at a node longer than its dwell baseline's p90 times the corridor's factor (pure),
e.g. a container rolled to a later sailing."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.core.words import Text, gettext_noop
from apps.corridors.detectors.watched import Watched, baseline_ref, event_ref, event_words, hours, when
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import Finding


def dwell(watched: Watched, *, as_of: datetime) -> list[Finding]:
    """One finding when the goods came to their current node and have not left past p90 x ``dwell_factor``.

    A node without a dwell baseline says nothing: there is no measure of "long" there.
    """
    stay = watched.current_stay()
    if stay is None:
        return []
    node, came = stay
    figures = watched.dwell(node)
    if figures is None:
        return []
    factor = watched.thresholds.dwell_factor
    allowed = figures.p90 * factor
    due = came.event_time + timedelta(seconds=allowed)
    if as_of <= due:
        return []
    return [
        Finding(
            kind=AlertKind.DWELL,
            subject_type=AlertSubject.CONSIGNMENT,
            subject_id=watched.consignment_id,
            title=Text(
                gettext_noop("%(reference)s has stayed at %(node)s longer than usual"),
                reference=watched.reference,
                node=node,
            ),
            evidence={
                "summary": Text(
                    gettext_noop(
                        "Came to %(node)s: %(event)s; no departure since. Dwell at %(node)s is usually at most "
                        "%(p90)s (p90, %(source)s, %(samples)s samples); x %(factor)s allows %(allowed)s, so it "
                        "should have left by %(due)s."
                    ),
                    node=node,
                    event=event_words(came),
                    p90=hours(figures.p90),
                    source=figures.source,
                    samples=figures.samples,
                    factor=f"{factor:g}",
                    allowed=hours(allowed),
                    due=when(due),
                ),
                "node": node,
                "events": [event_ref(came)],
                "baseline": baseline_ref(figures),
                "thresholds": {"dwell_factor": factor},
                "due_out_by": due.isoformat(),
            },
            consignment_id=watched.consignment_id,
            corridor_id=watched.corridor or None,
        )
    ]
