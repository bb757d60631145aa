"""``overdue``: no arrival at the final destination by the planned time plus the corridor's tolerance, or
beyond the baselines' p90 counted from the departure (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.core.words import Text, gettext_noop, joined
from apps.corridors.baselines import Figures
from apps.corridors.detectors.watched import Watched, baseline_ref, event_ref, event_words, when
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import Finding


def _planned_arrival(watched: Watched) -> datetime | None:
    # The carrier's latest plan (DCSA PLN) first, else the booked leg's planned arrival.
    destination = watched.final_destination
    planned = watched.schedule.arrivals.get(destination)
    if planned is None and watched.legs:
        planned = watched.legs[-1].planned_arrival
    return planned


def _baseline_due(watched: Watched) -> tuple[datetime, list[Figures]] | None:
    """The departure from the first node plus every remaining leg's transit p90 and every stop's dwell p90, and
    the baselines used (worded as evidence only when there is a finding: most consignments are on time)."""
    start = watched.times.get(watched.first_origin)
    if not watched.legs or start is None or start.left is None:
        return None
    total = 0.0
    used = []
    for index, leg in enumerate(watched.legs):
        transit = watched.transit(leg)
        if transit is None:
            return None
        total += transit.p90
        used.append(transit)
        if index + 1 < len(watched.legs):
            dwell = watched.dwell(leg.to_locode)
            if dwell is None:
                return None
            total += dwell.p90
            used.append(dwell)
    return start.left.event_time + timedelta(seconds=total), used


def overdue(watched: Watched, *, as_of: datetime) -> list[Finding]:
    """One finding when the goods should have reached their destination by ``as_of`` and no event says so.

    Evidence: the planned arrival and tolerance, and/or the departure event and the baselines summed;
    both figures are fixed by the data (not by ``as_of``), so a later scan finds the same evidence.
    """
    if watched.status in ("released", "delivered") or watched.arrived() is not None:
        return []
    destination = watched.final_destination
    tolerance = watched.thresholds.overdue_tolerance_hours
    reasons: list[Text] = []
    evidence: dict = {"destination": destination, "thresholds": {"overdue_tolerance_hours": tolerance}}
    planned = _planned_arrival(watched)
    if planned is not None:
        due = planned + timedelta(hours=tolerance)
        evidence["planned_arrival"] = planned.isoformat()
        if as_of > due:
            reasons.append(
                Text(
                    gettext_noop(
                        "planned to arrive at %(destination)s on %(planned)s; with %(tolerance)s h tolerance due by "
                        "%(due)s"
                    ),
                    destination=destination,
                    planned=when(planned),
                    tolerance=f"{tolerance:g}",
                    due=when(due),
                )
            )
            evidence["due_by_plan"] = due.isoformat()
    baseline = _baseline_due(watched)
    if baseline is not None:
        due, used = baseline
        evidence["baselines"] = used  # worded below, if there is a finding
        if as_of > due:
            departed = watched.times[watched.first_origin].left
            reasons.append(
                Text(
                    gettext_noop("left %(origin)s: %(event)s; the legs' and stops' p90 add up to arrival by %(due)s"),
                    origin=watched.first_origin,
                    event=event_words(departed),
                    due=when(due),
                )
            )
            evidence["due_by_baseline_p90"] = due.isoformat()
    if not reasons:
        return []
    if "baselines" in evidence:
        evidence["baselines"] = [baseline_ref(figures) for figures in evidence["baselines"]]
    last = watched.last_event
    evidence["events"] = [event_ref(last)] if last else []
    why = joined(reasons, "; ")  # one reason or both, each a phrase of its own for the translators
    if last:
        evidence["summary"] = Text(
            gettext_noop("No arrival event at %(destination)s: %(why)s. Last event: %(event)s."),
            destination=destination,
            why=why,
            event=event_words(last),
        )
    else:
        evidence["summary"] = Text(
            gettext_noop("No arrival event at %(destination)s: %(why)s. No event recorded yet."),
            destination=destination,
            why=why,
        )
    return [
        Finding(
            kind=AlertKind.OVERDUE,
            subject_type=AlertSubject.CONSIGNMENT,
            subject_id=watched.consignment_id,
            title=Text(
                gettext_noop("%(reference)s is overdue at %(destination)s"),
                reference=watched.reference,
                destination=destination,
            ),
            evidence=evidence,
            consignment_id=watched.consignment_id,
            corridor_id=watched.corridor or None,
        )
    ]
