"""How fast is EPCIS 2.0 validation + parsing? Run by hand: ``.venv/bin/python bench/bench_epcis_parse.py``.

EPCIS capture must take >= 2,000 events/s (DESIGN §10), hash included. This builds one EPCISDocument of
20,000 events by repeating the events of the GS1 EPCIS 2.0 examples (``tests/vectors/epcis`` by
default, or the folder given as the first argument; the example GS1 itself got wrong,
``transformation_event_all_possible_fields.jsonld``, is left out), each copy with its own eventID, EPC
serials and event time so no cached canonical form is reused. Each example's own ``@context`` prefixes
are merged into the document's. Then, over a few runs, it measures:

* ``baseline``          ``json.loads`` of the document alone (what any parser pays);
* ``validate_document`` ``json.loads`` + validation (schema, JSON-LD context, event types): pass one alone;
* ``parse_document``    ``json.loads`` + validation + mapping + CBV 2.0 hash: the capture floor's measure;
* ``iter_events``       the same from a file, streamed with ijson in two passes (validate, then map);

and prints the median events/s of each and its ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import copy
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.shipments.epcis.parse import iter_events, parse_document
from apps.shipments.epcis.validate import validate_document
from apps.shipments.epcis.vocabulary import GS1_CONTEXT_URL
from tests.vectors import VECTORS

EVENTS = 20_000
ROUNDS = 5
FLOOR = 2_000  # events/s, DESIGN §10
DEFAULT_EXAMPLES = VECTORS / "epcis"
REJECTED = "transformation_event_all_possible_fields.jsonld"  # redefines a protected JSON-LD term
EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")


def load_examples(folder: Path) -> tuple[list[dict], list]:
    """Every event of the example documents, and one @context that declares all their prefixes."""
    events: list[dict] = []
    inline: dict = {}
    for path in sorted(folder.glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if "epcisBody" not in document or path.name == REJECTED:
            continue
        inline.update(entry for item in document["@context"] if isinstance(item, dict) for entry in item.items())
        events.extend(document["epcisBody"]["eventList"])
    return events, [GS1_CONTEXT_URL, inline]


def unique_copy(event: dict, number: int) -> dict:
    """The event with its own eventID, serials and time, as a real capture would have."""
    event = copy.deepcopy(event)
    event["eventID"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
    for key in EPC_LISTS:
        if key in event:
            event[key] = [f"{epc}{number}" if epc.startswith("urn:epc:id:sgtin:") else epc for epc in event[key]]
    moment = datetime.fromisoformat(event["eventTime"]) + timedelta(milliseconds=number)
    event["eventTime"] = moment.isoformat(timespec="milliseconds")
    return event


def build_document(events: list[dict], context: list) -> bytes:
    body = [unique_copy(events[number % len(events)], number) for number in range(EVENTS)]
    document = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-01T00:00:00Z",
        "epcisBody": {"eventList": body},
    }
    return json.dumps(document).encode("utf-8")


def timed(function: Callable[[], int]) -> float:
    """Events per second of one run."""
    gc.collect()
    start = time.perf_counter()
    count = function()
    return count / (time.perf_counter() - start)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EXAMPLES
    events, context = load_examples(folder)
    if not events:
        print(f"no EPCIS example documents in {folder}")
        return 1
    raw = build_document(events, context)
    parse_document(json.loads(raw))  # compile the schemas and warm the context cache outside the timings
    print(f"{len(events)} example events from {folder}; {EVENTS:,} events, {len(raw) / 1e6:.1f} MB; {ROUNDS} runs")

    with tempfile.NamedTemporaryFile(suffix=".jsonld") as upload:
        upload.write(raw)
        upload.flush()

        def validated() -> int:
            document = json.loads(raw)
            validate_document(document)
            return len(document["epcisBody"]["eventList"])

        def streamed() -> int:
            with open(upload.name, "rb") as stream:
                return sum(1 for _ in iter_events(stream))

        workloads: dict[str, Callable[[], int]] = {
            "baseline": lambda: len(json.loads(raw)["epcisBody"]["eventList"]),
            "validate_document": validated,
            "parse_document": lambda: len(parse_document(json.loads(raw))),
            "iter_events": streamed,
        }
        rates = {name: [timed(function) for _ in range(ROUNDS)] for name, function in workloads.items()}

    base = statistics.median(rates["baseline"])
    for name, runs in rates.items():
        median = statistics.median(runs)
        verdict = "" if name in ("baseline", "validate_document") else (" >= floor" if median >= FLOOR else " BELOW")
        print(
            f"{name:>17}: {median:10,.0f} events/s (median; min {min(runs):,.0f}, max {max(runs):,.0f}), "
            f"{base / median:5.1f}x the baseline's time{verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
