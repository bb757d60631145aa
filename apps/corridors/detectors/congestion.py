"""``congestion``: many consignments staying at one node over its dwell baseline at once (pure).

One finding per node, not per consignment: the batches of a scan each report who stays where
(``Stay``), and the scan's last step judges each node over all of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from apps.core.words import Text, gettext_noop
from apps.corridors.baselines import DWELL, Figures, Key
from apps.corridors.detectors.watched import Watched, baseline_ref, hours
from apps.corridors.thresholds import Thresholds
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import Finding


@dataclass(frozen=True)
class Stay:
    """A consignment at a node since ``since`` (the event of its coming), as one batch saw it."""

    consignment_id: str
    node: str
    since: datetime


def stay_of(watched: Watched) -> Stay | None:
    """Where the consignment stays now, for congestion (None: under way or arrived)."""
    stay = watched.current_stay()
    if stay is None:
        return None
    node, came = stay
    return Stay(watched.consignment_id, node, came.event_time)


def congestion(
    stays: Iterable[Stay],
    *,
    corridor: str,
    baselines: Mapping[Key, Figures],
    thresholds: Thresholds,
    as_of: datetime,
) -> list[Finding]:
    """Per node with a dwell baseline: the consignments there longer than its median x ``congestion_factor``;
    at least ``congestion_min_consignments`` of them make one finding about the node.

    ``evidence["consignments"]`` lists their ids, for the scan to show each partner only its own.
    """
    over: dict[str, list[Stay]] = defaultdict(list)
    for stay in stays:
        figures = baselines.get((DWELL, stay.node, stay.node))
        if figures is not None and (as_of - stay.since).total_seconds() > figures.median * thresholds.congestion_factor:
            over[stay.node].append(stay)
    found = []
    for node, staying in sorted(over.items()):
        if len(staying) < thresholds.congestion_min_consignments:
            continue
        figures = baselines[(DWELL, node, node)]
        limit = figures.median * thresholds.congestion_factor
        staying.sort(key=lambda s: (s.since, s.consignment_id))
        found.append(
            Finding(
                kind=AlertKind.CONGESTION,
                subject_type=AlertSubject.NODE,
                subject_id=node,
                title=Text(
                    gettext_noop("Congestion at %(node)s: %(count)s consignments staying longer than usual")
                    if len(staying) > 1
                    else gettext_noop("Congestion at %(node)s: %(count)s consignment staying longer than usual"),
                    node=node,
                    count=len(staying),
                ),
                evidence={
                    "summary": Text(
                        gettext_noop(
                            "%(count)s consignments on corridor %(corridor)s have stayed at %(node)s longer than "
                            "%(limit)s (the usual %(median)s x %(factor)s); the corridor calls %(minimum)s or more "
                            "congestion. The earliest came on %(earliest)s UTC."
                        ),
                        count=len(staying),
                        corridor=corridor,
                        node=node,
                        limit=hours(limit),
                        median=hours(figures.median),
                        factor=f"{thresholds.congestion_factor:g}",
                        minimum=thresholds.congestion_min_consignments,
                        earliest=f"{staying[0].since:%Y-%m-%d %H:%M}",
                    ),
                    "node": node,
                    "count": len(staying),
                    "baseline": baseline_ref(figures),
                    "thresholds": {
                        "congestion_factor": thresholds.congestion_factor,
                        "congestion_min_consignments": thresholds.congestion_min_consignments,
                    },
                    "consignments": [s.consignment_id for s in staying],
                },
                corridor_id=corridor or None,
            )
        )
    return found
