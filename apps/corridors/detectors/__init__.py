"""The corridor watch's detectors: pure functions from what is known at ``as_of`` to findings.

Each per-consignment detector takes a ``Watched`` (one consignment, its corridor's baselines and
thresholds, its graph's consistency findings) and ``as_of``, and returns ``apps.disruptions.services.Finding``
rows with evidence a person can check; none reads the clock or the database. ``congestion`` judges a
node over many consignments (``Stay`` rows collected by the scan's batches).

``CONSIGNMENT_DETECTORS`` is the registry the scan runs, in order; its keys are the alert kinds the
scan re-checks (and so may resolve) for every consignment it looks at. Another kind judged per
consignment (an external notice, say) joins by adding its function here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from apps.corridors.detectors.congestion import Stay, congestion, stay_of
from apps.corridors.detectors.dwell import dwell
from apps.corridors.detectors.inconsistent import RULES, inconsistent
from apps.corridors.detectors.overdue import overdue
from apps.corridors.detectors.silence import silence
from apps.corridors.detectors.watched import Watched
from apps.disruptions.services import Finding

Detector = Callable[..., list[Finding]]

CONSIGNMENT_DETECTORS: dict[str, Detector] = {
    "overdue": overdue,
    "dwell": dwell,
    "silence": silence,
    "inconsistent": inconsistent,
}


def detect(watched: Watched, *, as_of: datetime) -> list[Finding]:
    """Every per-consignment detector's findings for one consignment."""
    return [finding for detector in CONSIGNMENT_DETECTORS.values() for finding in detector(watched, as_of=as_of)]


__all__ = [
    "CONSIGNMENT_DETECTORS",
    "RULES",
    "Stay",
    "Watched",
    "congestion",
    "detect",
    "dwell",
    "inconsistent",
    "overdue",
    "silence",
    "stay_of",
]
