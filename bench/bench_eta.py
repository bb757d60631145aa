"""How good is the ETA? Its error on a synthetic year of sailings, against the planned arrival. Run by hand:

    .venv/bin/python bench/bench_eta.py [--weeks 52] [--per-sailing 4] [--test-weeks 16] [--seed 7]

The history is generated here: weekly services on real lanes (UN/LOCODEs and the carriers' usual
schedules), each consignment sailing on a vessel whose legs run late by a random factor, now and then
held by weather, and whose container is sometimes rolled to the next week's sailing at the
transshipment port. The first ``weeks - test-weeks`` weeks are history; for every consignment that
departs in the last ``test-weeks`` weeks the ETA is asked at three moments (just after leaving the
origin, on arriving at the transshipment port, five days into the last leg) with the baselines the
nightly task would have computed the day before, from the consignments completed in the trailing
window up to then. Everything runs through the same pure functions the service uses
(``milestones.node_times``, ``baselines.compute_baselines``, ``eta.predict``), with no database.

Reported per moment and overall: the mean absolute error in hours of the median prediction, how
often the actual arrival fell inside the p10 to p90 interval and its mean width; and, in the same
run, the naive prediction (the last leg's planned arrival) with its error, and the coverage of an
interval of the same mean width centred on the plan.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.corridors import eta
from apps.corridors.baselines import History, LegSpec, compute_baselines, transit_seconds_for_distance
from apps.corridors.milestones import MilestoneEvent, node_times
from apps.shipments import places

HOUR = 3600.0
START = datetime(2025, 11, 3, 2, tzinfo=UTC)  # a Monday: the first week's sailings
WINDOW = timedelta(days=180)
MIN_SAMPLES = 5
ROLL_RATE = 0.08  # a container rolled to the next sailing at the transshipment port
WEATHER_RATE = 0.05  # a leg held by weather for one to three days


@dataclass(frozen=True)
class Lane:
    """A weekly service: origin, transshipment port, destination; planned sea days and the connection."""

    name: str
    nodes: tuple[str, str, str]
    first_days: float
    connection_days: float
    second_days: float


LANES = (
    # Kaohsiung to Busan feeder, then the transpacific mainline to Los Angeles.
    Lane("TWKHH-KRPUS-USLAX", ("TWKHH", "KRPUS", "USLAX"), 2.0, 2.0, 12.0),
    # Shanghai to Singapore, then Asia - North Europe via Suez to Rotterdam.
    Lane("CNSHA-SGSIN-NLRTM", ("CNSHA", "SGSIN", "NLRTM"), 5.0, 3.0, 24.0),
    # Ho Chi Minh City (Cat Lai) to Hong Kong, then to Long Beach.
    Lane("VNSGN-HKHKG-USLGB", ("VNSGN", "HKHKG", "USLGB"), 3.0, 2.0, 15.0),
)


@dataclass
class Shipment:
    lane: Lane
    reference: str
    legs: tuple[LegSpec, ...]
    events: list[MilestoneEvent]
    arrival: datetime  # the actual arrival at the destination

    def history(self, as_of: datetime) -> History:
        known = [e for e in self.events if e.event_time <= as_of]
        return History(self.reference, self.legs, node_times(known), last_event=max(known, key=lambda e: e.event_time))

    @property
    def planned_arrival(self) -> datetime:
        assert self.legs[-1].planned_arrival is not None
        return self.legs[-1].planned_arrival

    @property
    def departed(self) -> datetime:
        return self.events[0].event_time


def _late(rng: random.Random, days: float, *, median: float, sigma: float) -> timedelta:
    """A leg's actual duration: the plan stretched by a log-normal factor, sometimes held by weather."""
    actual = days * rng.lognormvariate(median, sigma)
    if rng.random() < WEATHER_RATE:
        actual += rng.uniform(1, 3)
    return timedelta(days=actual)


def generate(*, weeks: int, per_sailing: int, seed: int) -> list[Shipment]:
    """Weekly sailings per lane; consignments on one sailing share its vessel's times, not their luck in port."""
    rng = random.Random(seed)
    shipments: list[Shipment] = []
    # Each week's mainline sailing from the transshipment port, per lane: its actual departure and sea time.
    mainline: dict[tuple[str, int], tuple[datetime, timedelta]] = {}
    for lane in LANES:
        for week in range(weeks + 3):
            planned = START + timedelta(weeks=week, days=lane.first_days + lane.connection_days)
            actual = planned + timedelta(hours=max(rng.gauss(8, 10), 0))
            mainline[(lane.name, week)] = (actual, _late(rng, lane.second_days, median=0.04, sigma=0.07))
    for lane in LANES:
        origin, hub, destination = lane.nodes
        for week in range(weeks):
            planned_departure = START + timedelta(weeks=week)
            departed = planned_departure + timedelta(hours=max(rng.gauss(6, 8), 0))
            first_leg = _late(rng, lane.first_days, median=0.06, sigma=0.12)
            arrived_hub = departed + first_leg
            for n in range(per_sailing):
                # Rolled containers wait for the next week's mainline sailing.
                sailing = week + (1 if rng.random() < ROLL_RATE else 0)
                onward, second_leg = mainline[(lane.name, sailing)]
                if onward < arrived_hub + timedelta(hours=12):  # missed the connection: next week's vessel
                    onward, second_leg = mainline[(lane.name, sailing + 1)]
                arrived = onward + second_leg
                reference = f"{lane.name}-W{week:02d}-{n}"
                legs = (
                    LegSpec(
                        origin,
                        hub,
                        "sea",
                        planned_departure,
                        planned_departure + timedelta(days=lane.first_days),
                    ),
                    LegSpec(
                        hub,
                        destination,
                        "sea",
                        START + timedelta(weeks=week, days=lane.first_days + lane.connection_days),
                        START + timedelta(weeks=week, days=lane.first_days + lane.connection_days + lane.second_days),
                    ),
                )
                events = [
                    MilestoneEvent(f"{reference}-1", "carrier", departed, origin, "DEPA"),
                    MilestoneEvent(f"{reference}-2", "carrier", arrived_hub, hub, "ARRI"),
                    MilestoneEvent(f"{reference}-3", "carrier", onward, hub, "DEPA"),
                    MilestoneEvent(f"{reference}-4", "carrier", arrived, destination, "ARRI"),
                ]
                shipments.append(Shipment(lane, reference, legs, events, arrived))
    return shipments


def distance_seconds(leg: LegSpec) -> float | None:
    km = places.distance_km(leg.from_locode, leg.to_locode, by_sea=True)
    return transit_seconds_for_distance(km, leg.mode) if km else None


def baselines_as_of(lane: Lane, shipments: Iterable[Shipment], day: datetime) -> dict:
    """The figures the nightly task would have stored at ``day``: consignments completed in the window."""
    since = day - WINDOW
    relevant = [s for s in shipments if s.lane is lane and since <= s.departed <= day]
    completed = [s.history(day) for s in relevant if since <= s.arrival <= day]
    planned = [s.history(day) for s in relevant]
    legs = [LegSpec(a, b, "sea") for a, b in zip(lane.nodes, lane.nodes[1:], strict=False)]
    figures = compute_baselines(
        nodes=lane.nodes,
        legs=legs,
        completed=completed,
        planned=planned,
        min_samples=MIN_SAMPLES,
        distance_seconds=distance_seconds,
    )
    return {f.key: f for f in figures}


@dataclass
class Result:
    moment: str
    error_hours: float
    inside: bool
    width_hours: float
    naive_error_hours: float
    naive_signed_hours: float


def evaluate(shipments: list[Shipment], *, weeks: int, test_weeks: int) -> list[Result]:
    test_from = START + timedelta(weeks=weeks - test_weeks)
    cache: dict[tuple[str, datetime], dict] = {}
    results: list[Result] = []
    for shipment in shipments:
        if shipment.departed < test_from:
            continue
        departed, arrived_hub, left_hub = (e.event_time for e in shipment.events[:3])
        moments = {
            "left origin": departed + timedelta(hours=1),
            "at transshipment": arrived_hub + timedelta(hours=1),
            "5 days into last leg": left_hub + timedelta(days=5),
        }
        for moment, as_of in moments.items():
            if as_of >= shipment.arrival:
                continue
            day = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
            key = (shipment.lane.name, day)
            if key not in cache:
                cache[key] = baselines_as_of(shipment.lane, shipments, day)
            history = shipment.history(as_of)
            prediction = eta.predict(
                legs=shipment.legs,
                times=history.times,
                baselines=cache[key],
                last_event=history.last_event,
                as_of=as_of,
                distance_seconds=distance_seconds,
            )
            assert prediction is not None
            actual = shipment.arrival
            naive = shipment.planned_arrival
            results.append(
                Result(
                    moment=moment,
                    error_hours=abs((prediction.predicted_arrival - actual).total_seconds()) / HOUR,
                    inside=prediction.p10 <= actual <= prediction.p90,
                    width_hours=(prediction.p90 - prediction.p10).total_seconds() / HOUR,
                    naive_error_hours=abs((naive - actual).total_seconds()) / HOUR,
                    naive_signed_hours=(actual - naive).total_seconds() / HOUR,
                )
            )
    return results


def report(label: str, rows: list[Result]) -> str:
    width = statistics.mean(r.width_hours for r in rows)
    # The naive interval: the plan +/- half the ETA's mean width, so coverage compares at equal width.
    naive_inside = sum(abs(r.naive_signed_hours) <= width / 2 for r in rows) / len(rows)
    return (
        f"{label:<22} {len(rows):>6}  {statistics.mean(r.error_hours for r in rows):>9.1f}"
        f"  {statistics.median(r.error_hours for r in rows):>10.1f}"
        f"  {100 * sum(r.inside for r in rows) / len(rows):>8.1f}%  {width:>8.1f}"
        f"  {statistics.mean(r.naive_error_hours for r in rows):>9.1f}  {100 * naive_inside:>8.1f}%"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--per-sailing", type=int, default=4)
    parser.add_argument("--test-weeks", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    shipments = generate(weeks=args.weeks, per_sailing=args.per_sailing, seed=args.seed)
    results = evaluate(shipments, weeks=args.weeks, test_weeks=args.test_weeks)
    print(
        f"{len(shipments)} consignments on {len(LANES)} lanes over {args.weeks} weeks (seed {args.seed}); "
        f"ETAs asked for those departing in the last {args.test_weeks} weeks"
    )
    print(
        f"{'moment':<22} {'ETAs':>6}  {'MAE h':>9}  {'median h':>10}  {'p10-p90':>9}  {'width h':>8}"
        f"  {'plan MAE':>9}  {'plan +/-':>9}"
    )
    for moment in ("left origin", "at transshipment", "5 days into last leg"):
        rows = [r for r in results if r.moment == moment]
        if rows:
            print(report(moment, rows))
    print(report("all", results))


if __name__ == "__main__":
    main()
