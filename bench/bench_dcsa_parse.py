"""How fast is DCSA Track & Trace ingest parsing? Run by hand: ``.venv/bin/python bench/bench_dcsa_parse.py``.

DCSA feeds arrive in pages of hundreds to thousands of events, and the whole page is validated
before anything is written, so parsing must run at thousands of events per second. This parses
10,000 events per DCSA version, built by repeating DCSA's valid samples
(``tests/vectors/dcsa/messages`` by default, or the folder given as the first argument) with
distinct eventIDs, and compares it with a baseline measured in the same run on the same bytes:
plain ``json.loads``, the least any ingest must do.

Figures are medians over a few rounds; the first use of each version compiles its schemas, which
is timed separately and kept out of the rounds.
"""

from __future__ import annotations

import copy
import gc
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.shipments.dcsa.parse import parse_dcsa_events
from tests.vectors import VECTORS

EVENTS = 10_000
ROUNDS = 5
DEFAULT_MESSAGES = VECTORS / "dcsa" / "messages"


def sample_events(folder: Path, version: str) -> list[dict[str, Any]]:
    """Every event of DCSA's valid samples of one version (the ``*-wrong-*`` ones are rejected by design)."""
    prefix = "tnt-220-" if version == "2.2" else "tnt-300-"
    events: list[dict[str, Any]] = []
    for path in sorted(folder.glob(f"{prefix}*.json")):
        if "-wrong-" in path.name:
            continue
        body = json.loads(path.read_text(encoding="utf-8"))
        events.extend(body if isinstance(body, list) else body["events"])
    return events


def workload(events: list[dict[str, Any]], version: str) -> bytes:
    """EVENTS events as one body of the version's shape, each with its own eventID (2.2 wants UUIDs)."""
    batch = []
    for number in range(EVENTS):
        event = copy.deepcopy(events[number % len(events)])
        event["eventID"] = str(uuid.UUID(int=number)) if version == "2.2" else f"bench-{number}"
        batch.append(event)
    return json.dumps(batch if version == "2.2" else {"events": batch}).encode()


def timed(function: Any, *args: Any, **kwargs: Any) -> float:
    gc.collect()
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def parse(body: bytes, version: str) -> None:
    events = parse_dcsa_events(json.loads(body), version=version)
    assert len(events) == EVENTS


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MESSAGES
    print(f"{EVENTS:,} events per version and run, median of {ROUNDS} runs, samples from {folder}")
    for version in ("2.2", "3.0"):
        events = sample_events(folder, version)
        if not events:
            print(f"no DCSA {version} samples in {folder}")
            return 1
        body = workload(events, version)
        first = timed(parse_dcsa_events, [], version=version)  # compiles the version's schemas
        parse(body, version)  # warm caches, as a long-running worker would be
        ours = statistics.median(timed(parse, body, version) for _ in range(ROUNDS))
        base = statistics.median(timed(json.loads, body) for _ in range(ROUNDS))
        print(
            f"DCSA {version}: {len(events)} sample events, {len(body) / 1e6:4.1f} MB | "
            f"json.loads + parse {EVENTS / ours:7,.0f} events/s | json.loads alone {EVENTS / base:8,.0f} events/s | "
            f"ratio {ours / base:5.1f}x | schema compile on first use {first * 1e3:4.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
