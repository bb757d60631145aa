"""What a detector sees of one consignment, and the shared wording of evidence (no Django models, no clock).

A ``Watched`` is a frozen picture of one consignment as known at the scan's ``as_of``: its own legs,
its current events (actual and planned, retracted and erroneous ones left out), its corridor's
baselines and thresholds, and the graph's consistency findings. The selectors build it in bulk;
detectors only read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from apps.core.words import Text, gettext_noop
from apps.corridors.baselines import DWELL, TRANSIT, Figures, Key, LegSpec
from apps.corridors.milestones import MilestoneEvent, NodeTimes, Schedule, last_actual, node_times, planned_schedule
from apps.corridors.thresholds import Thresholds
from apps.shipments.graph.types import Finding as GraphFinding

# Statuses after which a consignment has arrived for good: nothing is overdue or silent any more.
ARRIVED_STATUSES = frozenset({"arrived", "released", "delivered"})


@dataclass(frozen=True)
class Watched:
    """One consignment as the detectors see it at ``as_of``.

    ``events`` are its current events known at ``as_of`` (``selectors.consignment_events``' rule);
    ``graph_events`` maps the event graph's keys (Corridor's row ids) to the same events, so graph
    findings can be told by the ids the recorders sent. ``corridor`` is the slug ("" if none).
    """

    consignment_id: str
    reference: str
    origin: str
    destination: str
    status: str
    legs: tuple[LegSpec, ...] = ()
    events: tuple[MilestoneEvent, ...] = ()
    corridor: str = ""
    baselines: Mapping[Key, Figures] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    inconsistencies: tuple[GraphFinding, ...] = ()
    graph_events: Mapping[str, MilestoneEvent] = field(default_factory=dict)

    @cached_property
    def times(self) -> dict[str, NodeTimes]:
        return node_times(self.events)

    @cached_property
    def schedule(self) -> Schedule:
        return planned_schedule(self.events)

    @cached_property
    def last_event(self) -> MilestoneEvent | None:
        return last_actual(self.events)

    @cached_property
    def last_located(self) -> MilestoneEvent | None:
        """The latest actual event with a place (sensor readings at sea often have none)."""
        return last_actual(e for e in self.events if e.location)

    @property
    def final_destination(self) -> str:
        return self.legs[-1].to_locode if self.legs else self.destination

    @property
    def first_origin(self) -> str:
        return self.legs[0].from_locode if self.legs else self.origin

    def arrived(self) -> MilestoneEvent | None:
        """The event that shows the goods reached their final destination, if any."""
        node = self.times.get(self.final_destination)
        return node.came if node else None

    def departed(self) -> MilestoneEvent | None:
        """The goods' first leaving of any place (they are under way), if any."""
        left = [node.left for node in self.times.values() if node.left is not None]
        return min(left, key=lambda e: e.event_time) if left else None

    def current_stay(self) -> tuple[str, MilestoneEvent] | None:
        """(node, the event of the goods' coming) where they are now and have not left yet, else None.

        Only the place of the latest located actual event counts: an earlier node without a departure event is a
        gap in the reports, not goods still there.
        """
        last = self.last_located
        if last is None:
            return None
        node = self.times.get(last.location)
        if node is None or node.came is None or node.left is not None:
            return None
        return last.location, node.came

    def leg_from(self, node: str) -> LegSpec | None:
        return next((leg for leg in self.legs if leg.from_locode == node), None)

    def current_mode(self) -> str:
        """The mode the goods travel by now: the leg leaving the last place they left (else the first leg's)."""
        last = self.last_located
        if last is not None:
            for leg in self.legs:
                if last.location in (leg.from_locode, leg.to_locode):
                    node = self.times.get(leg.from_locode)
                    if last.location == leg.from_locode or (node and node.left):
                        return leg.mode
        return self.legs[0].mode if self.legs else "sea"

    def transit(self, leg: LegSpec) -> Figures | None:
        return self.baselines.get((TRANSIT, leg.from_locode, leg.to_locode))

    def dwell(self, node: str) -> Figures | None:
        return self.baselines.get((DWELL, node, node))


# --- Wording ------------------------------------------------------------------------------------------


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def event_ref(event: MilestoneEvent) -> dict[str, Any]:
    """An event as evidence: the id and recorder as sent, its time, place and step."""
    return {
        "event_id": event.event_id,
        "recorder": event.recorder,
        "event_time": event.event_time.isoformat(),
        "place": event.location,
        "step": event.event_code or event.biz_step,
    }


def event_words(event: MilestoneEvent) -> Text:
    """The event as evidence names it in a sentence: step, place, time, and its id as its recorder sent it."""
    step = event.event_code or event.biz_step or Text(gettext_noop("event"))
    args = {"step": step, "when": when(event.event_time), "event": event.event_id, "recorder": event.recorder}
    if event.location:
        return Text(
            gettext_noop("%(step)s at %(place)s on %(when)s (event %(event)s by %(recorder)s)"),
            place=event.location,
            **args,
        )
    return Text(gettext_noop("%(step)s at an unknown place on %(when)s (event %(event)s by %(recorder)s)"), **args)


def baseline_ref(figures: Figures) -> dict[str, Any]:
    return {
        "kind": figures.kind,
        "from": figures.from_locode,
        "to": figures.to_locode,
        "median_hours": round(figures.median / 3600, 1),
        "p10_hours": round(figures.p10 / 3600, 1),
        "p90_hours": round(figures.p90 / 3600, 1),
        "samples": figures.samples,
        "source": figures.source,
    }
