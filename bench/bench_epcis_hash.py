"""How fast is the CBV 2.0 event hash? Run by hand: ``.venv/bin/python bench/bench_epcis_hash.py [FOLDER]``.

EPCIS capture must take >= 2,000 events/s including the hash (DESIGN §10), so this measures the hash
alone on events built by repeating the GS1 EPCIS 2.0 examples (``tests/vectors/epcis`` by default,
or FOLDER), and compares it with a baseline measured in the same run:
``sha256(json.dumps(event, sort_keys=True))``, the cheapest content hash one could use instead.

Two workloads, because canonical forms are cached per value:

* ``repeated``: the examples as they are, so EPCs and timestamps recur (the cache's best case);
* ``unique``:   each copy gets its own EPC serials and event time (closer to a real capture).

The examples differ twentyfold in size (the ``*_all_possible_fields`` ones carry every optional field
and three copies of a nested extension), so the medians per document are printed as well.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.shipments.epcis.hash import HashContext, document_events, event_hash, hash_context
from tests.vectors import VECTORS

EVENTS = 20_000
ROUNDS = 5
DEFAULT_EXAMPLES = VECTORS / "epcis"
EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")

Sample = list[tuple[dict, HashContext, str]]  # event, its document's prefixes, the document's name


def load_examples(folder: Path) -> Sample:
    """Every event of the example documents, each with its document's prefixes."""
    sample: Sample = []
    for path in sorted(folder.glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if "epcisBody" not in document:
            continue  # the JSON-LD context itself
        context = hash_context(document.get("@context"))
        sample.extend((event, context, path.stem) for event in document_events(document))
    return sample


def unique_copy(event: dict, number: int) -> dict:
    """The event with serials and event time of its own, so no cached canonical form is reused."""
    event = copy.deepcopy(event)
    for key in EPC_LISTS:
        if key in event:
            event[key] = [f"{epc}{number}" if epc.startswith("urn:epc:id:sgtin:") else epc for epc in event[key]]
    if "eventTime" in event:
        moment = datetime.fromisoformat(event["eventTime"]) + timedelta(milliseconds=number)
        event["eventTime"] = moment.isoformat(timespec="milliseconds")
    return event


def workload(sample: Sample, *, unique: bool) -> Sample:
    events = []
    for number in range(EVENTS):
        event, context, name = sample[number % len(sample)]
        events.append((unique_copy(event, number) if unique else event, context, name))
    return events


def baseline(event: dict, _context: HashContext) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True).encode("utf-8")).hexdigest()


def measure(function: Callable[[dict, HashContext], str], events: Sample) -> tuple[float, float, list[float]]:
    """Median seconds per event (single-event timings), events per second over the run, and the timings."""
    timings = []
    gc.collect()
    start = time.perf_counter()
    for event, context, _ in events:
        began = time.perf_counter()
        function(event, context)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings), len(events) / (time.perf_counter() - start), timings


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EXAMPLES
    sample = load_examples(folder)
    if not sample:
        print(f"no EPCIS example documents in {folder}")
        return 1
    print(f"{len(sample)} example events from {folder}, {EVENTS:,} events per run, best of {ROUNDS} runs")
    for unique in (False, True):
        events = workload(sample, unique=unique)
        # Best of the rounds for each figure: on a shared machine the slow rounds measure the neighbours.
        ours = [measure(event_hash, events) for _ in range(ROUNDS)]
        base = [measure(baseline, events) for _ in range(ROUNDS)]
        median, rate = min(result[0] for result in ours), max(result[1] for result in ours)
        base_median, base_rate = min(result[0] for result in base), max(result[1] for result in base)
        print(
            f"{'unique' if unique else 'repeated':>8}: "
            f"CBV 2.0 hash {median * 1e6:6.1f} µs/event (median), {rate:6,.0f} events/s | "
            f"baseline {base_median * 1e6:5.1f} µs/event, {base_rate:6,.0f} events/s | "
            f"ratio {median / base_median:4.1f}x (median), {base_rate / rate:4.1f}x (throughput)"
        )
    fastest = min(ours, key=lambda result: result[0])
    by_document: dict[str, list[float]] = {}
    for (_, _, name), seconds in zip(events, fastest[2], strict=True):
        by_document.setdefault(name, []).append(seconds)
    for name, timings in sorted(by_document.items(), key=lambda item: statistics.median(item[1])):
        print(f"    {name:<42} {statistics.median(timings) * 1e6:6.1f} µs/event (median, unique)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
