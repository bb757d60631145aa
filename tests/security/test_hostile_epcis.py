"""A hostile EPCIS capture: nested 50,000 levels deep in a 700 KB document, or one event of many MB.

Issue 17: such a document was accepted (202) and its worker climbed to 9.9 GB as ijson built the event
before the depth check ran. Now the depth and the weight of every event are bounded while the document
streams, before anything is built: the capture endpoint refuses it at once (400, an EPCIS problem type,
no job), and a worker's parse of any document stays within a stated memory bound, proven here by running
it in a subprocess under ``RLIMIT_AS``.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from apps.shipments.epcis.parse import StreamLimits, check_stream_limits, iter_events, parse_stream
from apps.shipments.ingest.types import IngestValidationError
from apps.shipments.models import CaptureJob
from tests.security.hostile import heavy_document, hostile_document

ROOT = Path(__file__).resolve().parents[2]
# The address space the parse runs in: Python and the parser's imports (pyld, jsonschema) take about 120 MB
# of it; the document's events may take the rest. With the default 2 MB event weight an event is at most
# about 100 MB built (one-member objects, the worst case), so 512 MB covers any document.
MEMORY_LIMIT = 512 * 1024 * 1024


def test_the_hostile_document_is_about_700_kb():
    assert 600_000 < len(hostile_document()) < 800_000


@pytest.mark.parametrize("levels", [101, 10_000, 50_000])
def test_the_limits_check_refuses_a_deep_event_at_once(levels):
    started = time.perf_counter()
    with pytest.raises(IngestValidationError, match="nests deeper than 100 levels"):
        check_stream_limits(io.BytesIO(hostile_document(levels)))
    assert time.perf_counter() - started < 5  # the whole document is not even read past the 101st level


def test_a_deep_header_member_is_refused_as_well():
    document = hostile_document(levels=1, padding_events=1).replace(
        b'"schemaVersion"', b'"x":' + b"[" * 500 + b"]" * 500 + b',"schemaVersion"'
    )
    with pytest.raises(IngestValidationError, match="nests deeper"):
        check_stream_limits(io.BytesIO(document))


def test_an_event_heavier_than_the_limit_is_refused_and_a_lighter_one_passes():
    limits = StreamLimits(max_event_weight=100_000)
    check_stream_limits(io.BytesIO(heavy_document(1_000)), limits)
    with pytest.raises(IngestValidationError, match="an event is larger than 100,000 bytes"):
        check_stream_limits(io.BytesIO(heavy_document(10_000)), limits)


def test_broken_json_is_named_by_the_check_and_by_the_job():
    with pytest.raises(IngestValidationError, match="not valid JSON"):
        check_stream_limits(io.BytesIO(b'{"type": "EPCISDocument", '))
    with pytest.raises(IngestValidationError, match="not valid JSON"):
        iter_events(io.BytesIO(b'{"type": "EPCISDocument", '))


@pytest.mark.parametrize("parse", [iter_events, parse_stream])
def test_the_worker_passes_refuse_the_deep_document_naming_the_document(parse):
    with pytest.raises(IngestValidationError) as raised:
        parse(io.BytesIO(hostile_document()))
    [problem] = raised.value.problems
    assert (problem.index, problem.detail) == (-1, "nests deeper than 100 levels")


@pytest.mark.django_db
@pytest.mark.parametrize("levels", [10_000, 50_000])
def test_capture_of_the_hostile_document_is_400_at_once_and_starts_no_job(alpha, token_for, bearer, levels):
    api = bearer(token_for(alpha))
    started = time.perf_counter()
    response = api.post("/epcis/capture", data=hostile_document(levels), content_type="application/ld+json")
    elapsed = time.perf_counter() - started
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    assert body["type"] == "epcisException:ValidationException"
    assert "nests deeper than 100 levels" in body["detail"]
    assert not CaptureJob.objects.exists()
    assert elapsed < 10


@pytest.mark.django_db
def test_capture_of_an_ordinary_document_is_still_accepted(
    alpha, token_for, bearer, django_capture_on_commit_callbacks
):
    api = bearer(token_for(alpha))
    document = hostile_document(levels=1, padding_events=3)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post("/epcis/capture", data=document, content_type="application/ld+json")
    assert response.status_code == 202, response.content[:500]


_BOUNDED_PARSE = textwrap.dedent(
    """
    import io, resource, sys
    sys.path.insert(0, sys.argv[1])
    from tests.security.hostile import hostile_document, heavy_document
    from apps.shipments.epcis.parse import iter_events, parse_stream
    from apps.shipments.ingest.types import IngestValidationError

    documents = {
        "deep-10000": hostile_document(10_000),
        "deep-50000": hostile_document(50_000),
        # One event of about 20 MB: refused at its first 2 MB.
        "heavy": heavy_document(2_500_000),
        # Just under the weight limit: built, and held within the bound.
        "heaviest-allowed": heavy_document(60_000),
    }
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for name, document in documents.items():
        for parse in (iter_events, parse_stream):
            try:
                events = list(parse(io.BytesIO(document)) if parse is iter_events else parse(io.BytesIO(document))[0])
                outcome = f"parsed {len(events)}"
            except IngestValidationError as exc:
                outcome = exc.problems[0].detail
            print(f"{name} {parse.__name__}:{outcome}", flush=True)
    # This process's own high-water mark: getrusage's ru_maxrss keeps the forking parent's (a large pytest) across exec.
    with open("/proc/self/status") as status:
        print("peak-kb:" + next(line.split()[1] for line in status if line.startswith("VmHWM:")))
    """
)


def test_a_workers_parse_of_any_hostile_document_stays_within_the_memory_bound():
    """Before the fix, 10,000 levels took 880 MB and 20,000 a MemoryError at 3 GB; now all run in 512 MB."""
    done = subprocess.run(
        [sys.executable, "-c", _BOUNDED_PARSE, str(ROOT), str(MEMORY_LIMIT)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "corridor.settings"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines())
    for parse in ("iter_events", "parse_stream"):
        assert lines[f"deep-10000 {parse}"] == "nests deeper than 100 levels"
        assert lines[f"deep-50000 {parse}"] == "nests deeper than 100 levels"
        assert lines[f"heavy {parse}"] == "an event is larger than 2,097,152 bytes"
        assert lines[f"heaviest-allowed {parse}"] == "parsed 1"
    assert int(lines["peak-kb"]) * 1024 < MEMORY_LIMIT
