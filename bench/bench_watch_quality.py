"""How well do the watch's detectors find what is wrong? Precision and recall per detector on a synthetic
world with labelled anomalies (``watch_synthetic.py``), judged in memory. Run by hand:

    .venv/bin/python bench/bench_watch_quality.py [--consignments 20000] [--seed 7]

Every consignment goes through the scan's own pure path: ``detectors.assemble`` (the screen, then the event
graph's consistency analysis where needed) and ``detectors.detect``; congestion through
``detectors.congestion`` over the stays, per lane. A finding counts as a true positive when the consignment
(or the lane's node, for congestion) carries that label; anything flagged without the label is a false
positive, even where the rule is right to fire (a normal voyage that happens to run late): the table shows
what a partner would see beside the planted anomalies. "also" lists, for the flagged consignments that
carry another label, which ones, since one anomaly can honestly trip two detectors.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.settings")
import django

django.setup()

from apps.corridors.detectors import congestion, detect, stay_of  # noqa: E402
from apps.corridors.detectors.assemble import assemble  # noqa: E402
from apps.corridors.milestones import MilestoneEvent  # noqa: E402
from apps.shipments import places  # noqa: E402
from apps.shipments.graph.types import GraphEvent, LegInfo  # noqa: E402
from bench.watch_synthetic import AS_OF, LANES, RATES, World, lane_baselines, lane_thresholds  # noqa: E402

PORTS = places.port_coordinates()


@lru_cache(maxsize=4096)
def distance(a: str, b: str) -> float | None:
    if a == b:
        return 0.0
    pa, pb = PORTS.get(a), PORTS.get(b)
    return places.great_circle_km(pa, pb) if pa and pb else None


def watched_of(c, *, baselines, thresholds):
    milestones, graph = [], {}
    for e in c.events:
        m = MilestoneEvent(e.event_id, e.recorder, e.event_time, e.location, e.event_code, e.biz_step, "", e.classifier)
        milestones.append(m)
        if e.classifier in ("", "ACT"):
            graph[e.key] = (
                GraphEvent(
                    key=e.key,
                    recorder=e.recorder,
                    step=e.biz_step or e.event_code,
                    event_time=e.event_time,
                    event_id=e.event_id,
                    event_type=e.event_type,
                    record_time=e.record_time,
                    location=e.location,
                    consignments=(c.id,),
                    equipment=e.equipment,
                    voyage=f"{e.imo}/{e.voyage}" if e.voyage else "",
                    source=e.source,
                ),
                m,
            )
    legs = [
        LegInfo(
            key=f"{c.id}:{seq}",
            consignment=c.id,
            sequence=seq,
            mode="sea",
            origin=a,
            destination=b,
            voyage=f"{imo}/{voyage}",
            planned_departure=pd,
            planned_arrival=pa,
        )
        for seq, a, b, pd, pa, imo, voyage in c.legs
    ]
    return assemble(
        consignment_id=c.id,
        reference=c.reference,
        origin=c.lane.nodes[0],
        destination=c.lane.nodes[-1],
        status="in_transit",
        legs=legs,
        events=milestones,
        graph_events=graph,
        corridor=c.lane.slug,
        baselines=baselines,
        thresholds=thresholds,
        distance_km=distance,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--consignments", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    world = World(args.consignments, seed=args.seed)
    baselines = {lane.slug: lane_baselines(lane) for lane in LANES}
    thresholds = lane_thresholds(args.consignments)
    labelled: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    true: Counter[str] = Counter()
    also: dict[str, Counter[str]] = defaultdict(Counter)
    stays = defaultdict(list)
    events = 0
    started = time.process_time()
    for c in world:
        events += len(c.events)
        labelled.update(c.labels)
        w = watched_of(c, baselines=baselines[c.lane.slug], thresholds=thresholds)
        found = {f"{f.kind}:{f.rule}" if f.rule else f.kind for f in detect(w, as_of=AS_OF)}
        if any(name.startswith("inconsistent:") for name in found):
            found.add("inconsistent")
        if any(label.startswith("inconsistent:") for label in c.labels):
            c.labels.add("inconsistent")
            labelled["inconsistent"] += 1
        for name in found:
            flagged[name] += 1
            if name in c.labels:
                true[name] += 1
            else:
                for other in c.labels:
                    also[name][other] += 1
        stay = stay_of(w)
        if stay is not None:
            stays[c.lane.slug].append(stay)
    congested = set()
    for lane in LANES:
        for finding in congestion(
            stays[lane.slug], corridor=lane.slug, baselines=baselines[lane.slug], thresholds=thresholds, as_of=AS_OF
        ):
            congested.add((lane.slug, finding.subject_id))
    cpu = time.process_time() - started
    labelled["congestion"] = len(world.congested)
    flagged["congestion"] = len(congested)
    true["congestion"] = len(congested & world.congested)
    print(
        f"{args.consignments} consignments in transit on {len(LANES)} lanes, {events} events (seed {args.seed}); "
        f"judged in {cpu:.1f} s CPU ({1e6 * cpu / args.consignments:.0f} us per consignment; machine shared and loaded)"
    )
    print(
        f"{'detector':<40}{'labelled':>9}{'flagged':>9}{'TP':>7}{'FP':>7}{'FN':>7}{'precision':>11}{'recall':>8}  also"
    )
    for name in [*RATES, "inconsistent", "congestion"]:
        kind = name.replace("inconsistent:", "inconsistent / ") if ":" in name else name
        kind = "inconsistent (any rule)" if name == "inconsistent" else kind
        tp, fl, lb = true[name], flagged[name], labelled[name]
        precision = tp / fl if fl else float("nan")
        recall = tp / lb if lb else float("nan")
        others = ", ".join(f"{k} {v}" for k, v in also[name].most_common(3))
        unit = " (nodes)" if name == "congestion" else ""
        print(
            f"{kind + unit:<40}{lb:>9}{fl:>9}{tp:>7}{fl - tp:>7}{lb - tp:>7}{precision:>11.3f}{recall:>8.3f}  {others}"
        )


if __name__ == "__main__":
    main()
