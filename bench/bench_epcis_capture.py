"""EPCIS capture of a large document on PostgreSQL: events/s and peak memory. Run by hand:

    .venv/bin/python bench/bench_epcis_capture.py [--mb 50]

Builds an EPCISDocument of about N MB from the GS1 ObjectEvent example (distinct eventIDs, EPCs and
times), stores it as a capture job, runs the job (pass one validates every event, pass two records
them in batches), and prints events/s and the process's peak RSS before and after, next to the
document size: memory should stay flat (it streams). Baseline in the same run: ``json.load`` of the
same file, the least any capture that reads the whole document must hold.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchdb

EXAMPLE = {
    "type": "ObjectEvent",
    "eventTime": "2026-11-20T08:00:00.000+08:00",
    "eventTimeZoneOffset": "+08:00",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
    "bizTransactionList": [{"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"}],
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_document(path: Path, megabytes: int) -> int:
    start = datetime(2026, 11, 20, tzinfo=UTC)
    count = 0
    with path.open("w") as out:
        out.write(
            '{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], '
            '"type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-20T00:00:00Z", '
            '"epcisBody": {"eventList": ['
        )
        while out.tell() < megabytes * 1024 * 1024:
            event = copy.deepcopy(EXAMPLE)
            event["eventID"] = f"urn:uuid:00000000-0000-4000-8000-{count:012d}"
            event["epcList"] = [f"urn:epc:id:sgtin:0614141.107346.{count}"]
            event["eventTime"] = (start + timedelta(seconds=count)).isoformat(timespec="milliseconds")
            out.write(("," if count else "") + json.dumps(event))
            count += 1
        out.write("]}}")
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()

    benchdb.fresh_django()
    from django.core.files import File

    from apps.partners.access import system_actor
    from apps.partners.services import partner_create
    from apps.shipments.epcis.capture import capture_job_run
    from apps.shipments.models import CaptureJob

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "capture.jsonld"
        count = write_document(path, args.mb)
        size_mb = path.stat().st_size / 1024 / 1024
        shipper = partner_create(actor=system_actor("bench"), name="Bench Shipper", country="TW", kinds=["shipper"])
        with path.open("rb") as handle:
            job = CaptureJob(recorder=shipper)
            job.document.save("bench.jsonld", File(handle), save=True)

        rss_before = peak_rss_mb()
        t0 = time.perf_counter()
        result = capture_job_run(job_id=str(job.pk))
        seconds = time.perf_counter() - t0
        rss_after = peak_rss_mb()

        b0 = time.perf_counter()
        with path.open() as handle:
            json.load(handle)
        load_seconds = time.perf_counter() - b0
        rss_load = peak_rss_mb()

    print(f"document: {size_mb:.1f} MB, {count:,} events; job state: {result['state']}")
    print(f"capture (validate + record): {seconds:.1f} s, {count / seconds:,.0f} events/s (floor 2,000)")
    print(
        f"peak RSS: {rss_before:.0f} MB before, {rss_after:.0f} MB after capture "
        f"(+{rss_after - rss_before:.0f} MB for a {size_mb:.0f} MB document)"
    )
    print(
        f"baseline json.load of the same file: {load_seconds:.1f} s; peak RSS then {rss_load:.0f} MB "
        f"(+{rss_load - rss_after:.0f} MB)"
    )


if __name__ == "__main__":
    main()
