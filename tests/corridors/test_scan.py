"""The corridor watch's scan over the database: alerts raised to whoever may see a consignment, idempotent,
resolved when the condition clears, a batch ledger with claims, constant queries per batch, the command."""

from __future__ import annotations

import gc
import uuid
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.core.work import claim, worker_name
from apps.corridors import scan as watch
from apps.corridors import selectors
from apps.corridors.models import ConsignmentEta, Scan, ScanBatch
from apps.corridors.services import corridor_baselines_recompute, corridor_create, eta_refresh
from apps.disruptions.models import Alert
from apps.partners.access import system_actor
from apps.partners.choices import PartnerKind
from apps.shipments.dcsa.parse import parse_dcsa_events
from apps.shipments.graph.queries import consignment_timeline
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import Consignment
from tests.corridors.conftest import T0, actor_of, voyage
from tests.factories import PartnerFactory

DAY = timedelta(days=1)


@pytest.fixture
def us_customs(db):
    return PartnerFactory(slug="us-cbp", country="US", serves_country="US", kinds=[PartnerKind.CUSTOMS_AUTHORITY])


def _alerts(kind: str | None = None):
    rows = Alert.objects.open()
    return rows.filter(kind=kind) if kind else rows


def test_a_late_silent_consignment_is_flagged_for_each_partner_who_may_see_it_once(
    corridor, shipment, record, alpha, bravo, delta, us_customs, django_capture_on_commit_callbacks
):
    late = shipment("LATE-1", T0)  # due in Los Angeles on T0 + 16 days
    record(late, [("DEPA", "TWKHH", T0)])
    as_of = T0 + 20 * DAY
    scan = watch.scan_run(as_of=as_of)
    assert scan.finished_at is not None
    assert scan.counts["raised"] == {"overdue": 3, "silence": 3}
    for kind in ("overdue", "silence"):
        partners = set(_alerts(kind).values_list("partner__slug", flat=True))
        assert partners == {"alpha", "bravo", "us-cbp"}  # parties and the customs of a touched country; not delta
    overdue = _alerts("overdue").get(partner=alpha)
    assert overdue.consignment_id == late.pk
    assert overdue.corridor == corridor.slug
    assert overdue.evidence["events"][0]["event_id"] == "LATE-1-DEPA-TWKHH"
    assert overdue.first_seen_at == as_of

    # A second run raises nothing new (and a later one only refreshes).
    again = watch.scan_run(as_of=as_of + timedelta(hours=1))
    assert again.counts["raised"] == {}
    assert again.counts["refreshed"] == {"overdue": 3, "silence": 3}
    assert _alerts().count() == 6

    # The arrival clears both: the subscriber's check (after commit; inline in tests) resolves them.
    with django_capture_on_commit_callbacks(execute=True):
        record(late, [("ARRI", "USLAX", as_of + timedelta(hours=2))])
    assert not _alerts().exists()
    resolved = Alert.objects.get(partner=alpha, kind="overdue")
    assert resolved.resolved_by is None
    assert resolved.resolved_at is not None


def test_a_consignment_on_time_raises_nothing(corridor, shipment, record):
    on_time = shipment("ONTIME", T0)
    record(on_time, [("DEPA", "TWKHH", T0)])
    scan = watch.scan_run(as_of=T0 + DAY)
    assert scan.counts["raised"] == {}
    assert not _alerts().exists()


@pytest.fixture
def busan_history(corridor, shipment, record):
    """Six completed sailings with a 40 h stay at Busan, so the corridor has history baselines."""
    for n in range(6):
        done = shipment(f"DONE-{n}", T0 + n * DAY)
        record(
            done,
            voyage(T0 + n * DAY, first=timedelta(hours=48), stay=timedelta(hours=40), second=timedelta(hours=290)),
        )
    corridor_baselines_recompute(corridor=corridor, as_of=T0 + 30 * DAY)


def test_rolled_containers_dwell_and_congest_busan_one_alert_per_node(
    corridor, shipment, record, busan_history, alpha, bravo
):
    start = T0 + 40 * DAY
    rolled = []
    for n in range(3):
        consignment = shipment(f"ROLLED-{n}", start)
        record(consignment, [("DEPA", "TWKHH", start), ("ARRI", "KRPUS", start + timedelta(hours=48))])
        rolled.append(consignment)
    as_of = start + timedelta(hours=48 + 100)  # 100 h at Busan, where 40 h is usual
    scan = watch.scan_run(as_of=as_of, corridor=corridor)
    assert scan.counts["raised"]["dwell"] == 6  # three consignments, two parties each
    assert scan.counts["raised"]["congestion"] == 2  # one node, for the owner and the member
    node_alert = _alerts("congestion").get(partner=alpha)
    assert node_alert.subject_type == "node"
    assert node_alert.subject_id == "KRPUS"
    assert node_alert.consignment_id is None
    assert node_alert.evidence["count"] == 3
    assert sorted(node_alert.evidence["your_consignments"]) == ["ROLLED-0", "ROLLED-1", "ROLLED-2"]
    assert "consignments" not in node_alert.evidence
    dwell = _alerts("dwell").get(partner=bravo, consignment=rolled[0])
    assert dwell.evidence["node"] == "KRPUS"
    assert dwell.evidence["events"][0]["event_id"] == "ROLLED-0-ARRI-KRPUS"
    assert dwell.evidence["baseline"]["source"] == "history"

    # They sail: dwell and congestion clear on the next scan.
    for consignment in rolled:
        record(consignment, [("DEPA", "KRPUS", as_of + timedelta(hours=1))])
    later = watch.scan_run(as_of=as_of + timedelta(hours=2), corridor=corridor)
    assert later.counts["resolved"].get("congestion") == 2
    assert not _alerts("dwell").exists()
    assert not _alerts("congestion").exists()


def test_a_port_congested_on_two_corridors_is_one_alert_per_partner_with_each_corridors_figures(
    corridor, shipment, record, busan_history, alpha, bravo
):
    shanghai = corridor_create(
        actor=system_actor("tests"),
        slug="sha-pus-lax",
        name="Shanghai - Busan - Los Angeles",
        owner=alpha,
        nodes=["CNSHA", "KRPUS", "USLAX"],
        members=[],
    )
    route = ["CNSHA", "KRPUS", "USLAX"]
    for n in range(6):
        done = shipment(f"SHA-DONE-{n}", T0 + n * DAY, route=route)
        record(
            done,
            [
                (code, "CNSHA" if place == "TWKHH" else place, when)
                for code, place, when in voyage(
                    T0 + n * DAY, first=timedelta(hours=48), stay=timedelta(hours=40), second=timedelta(hours=290)
                )
            ],
        )
    corridor_baselines_recompute(corridor=shanghai, as_of=T0 + 30 * DAY)
    start = T0 + 40 * DAY
    for n in range(3):
        late = shipment(f"KHH-ROLLED-{n}", start)
        record(late, [("DEPA", "TWKHH", start), ("ARRI", "KRPUS", start + timedelta(hours=48))])
    for n in range(4):
        late = shipment(f"SHA-ROLLED-{n}", start, route=route)
        record(late, [("DEPA", "CNSHA", start), ("ARRI", "KRPUS", start + timedelta(hours=48))])
    as_of = start + timedelta(hours=48 + 100)

    watch.scan_run(as_of=as_of)

    owner_alert = _alerts("congestion").get(partner=alpha)  # owner of both: one alert for Busan
    assert owner_alert.subject_id == "KRPUS"
    assert owner_alert.evidence["count"] == 7
    assert [(c["corridor"], c["count"]) for c in owner_alert.evidence["corridors"]] == [
        ("sha-pus-lax", 4),
        ("khh-pus-lax", 3),
    ]
    assert len(owner_alert.evidence["your_consignments"]) == 7
    member_alert = _alerts("congestion").get(partner=bravo)  # a member of one corridor: its figures alone
    assert member_alert.evidence["count"] == 3
    assert "corridors" not in member_alert.evidence

    # A scan of one corridor sees only its stays: it refreshes what it finds, resolves nothing at the shared port.
    for n in range(3):
        record(Consignment.objects.get(reference=f"KHH-ROLLED-{n}"), [("DEPA", "KRPUS", as_of + timedelta(hours=1))])
    scoped = watch.scan_run(as_of=as_of + timedelta(hours=2), corridor=corridor)
    assert scoped.counts["resolved"].get("congestion") is None
    assert _alerts("congestion").count() == 2
    everything = watch.scan_run(as_of=as_of + timedelta(hours=3))
    assert everything.counts["resolved"]["congestion"] == 1  # bravo's: its corridor is clear
    assert list(_alerts("congestion").values_list("partner__slug", flat=True)) == ["alpha"]


def test_inconsistent_events_are_flagged_with_their_rule(corridor, shipment, record, alpha):
    odd = shipment("ODD", T0)
    # Busan 3 h after Kaohsiung (about 780 km at sea): faster than a vessel can go.
    box = ["MSCU1234566"]
    record(odd, [("DEPA", "TWKHH", T0), ("ARRI", "KRPUS", T0 + timedelta(hours=3))], equipment=box)
    watch.scan_run(as_of=T0 + timedelta(hours=4))
    alert = _alerts("inconsistent").get(partner=alpha)
    assert alert.rule == "impossible_speed"
    assert alert.dedupe_key == f"consignment:{odd.pk}:impossible_speed"
    assert {e["event_id"] for e in alert.evidence["events"]} == {"ODD-DEPA-TWKHH", "ODD-ARRI-KRPUS"}

    backwards = shipment("BACK", T0)
    record(
        backwards,
        [("DEPA", "TWKHH", T0 + timedelta(hours=60)), ("ARRI", "KRPUS", T0 + timedelta(hours=10))],
        equipment=["TGHU1234567"],
    )
    watch.scan_run(as_of=T0 + 3 * DAY)
    assert set(_alerts("inconsistent").filter(consignment=backwards).values_list("rule", flat=True)) >= {
        "arrival_before_departure"
    }


def test_a_batch_leaves_the_garbage_collector_as_it_found_it(corridor, shipment, record):
    c = shipment("GC", T0)
    record(c, [("DEPA", "TWKHH", T0)])
    assert gc.isenabled()
    watch.judge([c.pk], as_of=T0 + 20 * DAY)
    assert gc.isenabled()
    gc.disable()
    try:
        watch.judge([c.pk], as_of=T0 + 20 * DAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_queries_per_batch_do_not_grow_with_the_batch(corridor, shipment, record, settings):
    def queries(count: int, prefix: str) -> int:
        for n in range(count):
            c = shipment(f"{prefix}-{n}", T0)
            record(c, [("DEPA", "TWKHH", T0), ("ARRI", "KRPUS", T0 + 2 * DAY)])
        scan = watch.scan_run(as_of=T0 + 30 * DAY)
        batch = scan.batches.get()
        return batch.queries

    # Sizes whose new alerts fit one INSERT on SQLite too (it splits a bulk insert at its parameter limit,
    # about 47 alerts): beyond that, one more query per chunk of alerts, never one per consignment.
    small = queries(2, "S")
    Alert.objects.all().delete()
    large = queries(6, "L")
    assert large == small


def test_a_claimed_batch_is_left_alone_and_the_sweep_resends_a_lost_one(corridor, shipment, record, settings):
    c = shipment("C", T0)
    record(c, [("DEPA", "TWKHH", T0)])
    scan = watch.scan_create(as_of=T0 + 20 * DAY)
    batch = scan.batches.get()
    assert claim(ScanBatch.objects.all(), batch.pk, by="elsewhere:1", stale_after=timedelta(minutes=1))
    assert watch.batch_run(batch.pk) is False
    assert watch.batches_to_resend() == []
    # The other worker died: once its claim is stale, the sweep sends the batch again and it runs.
    ScanBatch.objects.filter(pk=batch.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert watch.batches_to_resend() == [batch.pk]
    assert watch.batch_run(batch.pk) is True
    scan.refresh_from_db()
    assert scan.finished_at is not None
    assert scan.batches_done == 1
    assert watch.batch_run(batch.pk) is False  # done: nothing to do
    assert worker_name()


def test_the_scan_task_and_sweep(corridor, shipment, record):
    from apps.corridors.tasks import corridor_scan, corridor_scan_sweep  # noqa: PLC0415

    c = shipment("T", T0)
    record(c, [("DEPA", "TWKHH", T0)])
    scan_id = corridor_scan((T0 + 20 * DAY).isoformat(), corridor.slug)
    scan = Scan.objects.get(pk=scan_id)
    assert scan.corridor == corridor.slug
    assert scan.as_of == T0 + 20 * DAY
    assert scan.batch_count == 1
    # In tests on_commit does not fire inside the test's transaction: the sweep is the path here.
    ScanBatch.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert corridor_scan_sweep() == 1
    scan.refresh_from_db()
    assert scan.finished_at is not None
    assert _alerts("overdue").exists()


def test_scan_corridors_command(corridor, shipment, record):
    late = shipment("CMD", T0)
    record(late, [("DEPA", "TWKHH", T0)])
    out = StringIO()
    call_command("scan_corridors", "--as-of", (T0 + 20 * DAY).isoformat(), "--corridor", corridor.slug, stdout=out)
    text = out.getvalue()
    assert "Scanned 1 consignment(s)" in text
    assert "overdue" in text
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines()[2:]}
    assert lines["overdue"] == ["1", "2", "0"]
    assert lines["silence"] == ["1", "2", "0"]
    # A moment without a zone is UTC; "Z" is accepted as ISO 8601 writes it.
    naive = StringIO()
    call_command("scan_corridors", "--as-of", (T0 + 21 * DAY).strftime("%Y-%m-%dT%H:%M:%S"), stdout=naive)
    assert "as of 2026-06-22T01:00:00+00:00" in naive.getvalue()
    call_command("scan_corridors", "--as-of", "2026-06-22T02:00:00Z", stdout=StringIO())
    with pytest.raises(CommandError, match="--as-of"):
        call_command("scan_corridors", "--as-of", "yesterday")
    with pytest.raises(CommandError, match="no corridor 'nope'"):
        call_command("scan_corridors", "--corridor", "nope")


def test_a_backlog_of_event_batches_judges_each_consignment_once(corridor, shipment, record):
    """Checks queued before a worker runs: a consignment judged after a batch committed already saw it."""
    late, other = shipment("LATE-B", T0), shipment("OTHER-B", T0)
    record(late, [("DEPA", "TWKHH", T0)])
    record(other, [("DEPA", "TWKHH", T0)])
    committed = timezone.now()
    later = committed + timedelta(seconds=1)
    first = watch.consignments_check(consignment_ids=[late.pk], as_of=later, fresh_since=committed)
    assert first["found"] == {"overdue": 1, "silence": 1}
    # The second batch's check: ``late`` was judged after that batch committed, ``other`` never was.
    second = watch.consignments_check(consignment_ids=[late.pk, other.pk], as_of=later, fresh_since=committed)
    assert second["found"] == {"overdue": 1, "silence": 1}
    assert set(_alerts().values_list("consignment_id", flat=True)) == {late.pk, other.pk}
    # Nothing left to judge: no detector runs, no alert is touched.
    assert watch.consignments_check(consignment_ids=[late.pk, other.pk], as_of=later, fresh_since=committed) == {}
    # A batch committed after the last judgement is judged again; so is a judgement of a historic moment.
    again = watch.consignments_check(consignment_ids=[late.pk, other.pk], as_of=later, fresh_since=later)
    assert again["found"] == {"overdue": 2, "silence": 2}
    watch.scan_run(as_of=T0 + 20 * DAY)
    assert watch.consignments_check(consignment_ids=[late.pk], as_of=later, fresh_since=committed)["found"]


def test_the_subscriber_tells_the_check_when_its_batch_was_committed(
    corridor, shipment, record, django_capture_on_commit_callbacks, monkeypatch
):
    moving = shipment("MOVING-W", T0)
    sent = []
    monkeypatch.setattr("apps.corridors.subscribers.enqueue", lambda task, **kw: sent.append((task.name, kw)))
    with django_capture_on_commit_callbacks(execute=True):
        record(moving, [("DEPA", "TWKHH", T0)])
    watch_calls = [kw for name, kw in sent if name.endswith("consignments_watch")]
    assert [kw["consignment_ids"] for kw in watch_calls] == [[str(moving.pk)]]
    assert timezone.now() - timedelta(seconds=30) < datetime.fromisoformat(watch_calls[0]["committed_at"])


# --- Voyage-wide events: a vessel's departures and arrivals, linked to no consignment ---------------------

IMO, OTHER_IMO = "9074729", "9321483"


def _vessel_event_id(imo: str, voyage: str, code: str, place: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vessel:{imo}/{voyage}/{code}/{place}"))


def sail(recorder, imo: str, voyage: str, calls: list[tuple[str, str, datetime]]) -> None:
    """The carrier's DCSA 2.2 transport events of a vessel's voyage (no document, no container: they name only
    the transport call's vessel and voyage), recorded through the ingestion service as the DCSA endpoint does."""
    body = [
        {
            "eventID": _vessel_event_id(imo, voyage, code, place),
            "eventCreatedDateTime": (when + timedelta(minutes=5)).isoformat(),
            "eventType": "TRANSPORT",
            "eventClassifierCode": "ACT",
            "eventDateTime": when.isoformat(),
            "transportEventTypeCode": code,
            "transportCall": {
                "transportCallID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"call:{imo}/{voyage}/{place}")),
                "carrierServiceCode": "TPX",
                "exportVoyageNumber": voyage,
                "transportCallSequenceNumber": 1,
                "UNLocationCode": place,
                "facilityTypeCode": "POTE",
                "modeOfTransport": "VESSEL",
                "vessel": {"vesselIMONumber": imo, "vesselName": "Bravo Star"},
            },
        }
        for code, place, when in calls
    ]
    event_batch_record(actor=actor_of(recorder), events=parse_dcsa_events(body, version="2.2"), channel="tests")


def test_a_consignment_seen_only_through_its_vessels_events_is_judged_by_them(corridor, shipment, bravo):
    c = shipment("VESSEL-ONLY", T0, voyages=[(IMO, "042W"), (IMO, "042W")])  # due in Los Angeles on T0 + 16 days
    sail(bravo, IMO, "042W", [("DEPA", "TWKHH", T0), ("ARRI", "KRPUS", T0 + 2 * DAY), ("DEPA", "KRPUS", T0 + 4 * DAY)])
    assert not c.event_links.exists()

    # The vessel left Busan on day 4 and nothing since: news was due by its planned arrival plus 72 h.
    scan = watch.scan_run(as_of=T0 + 20 * DAY)
    assert scan.counts["raised"] == {"overdue": 2, "silence": 2}  # alpha and bravo
    silence = _alerts("silence").get(partner__slug="alpha")
    assert silence.consignment_id == c.pk
    assert silence.evidence["events"][0]["event_id"] == _vessel_event_id(IMO, "042W", "DEPA", "KRPUS")
    # The ETA stands on the same events, whoever computes it (the scan, or the check after new events).
    eta_refresh(consignment_ids=[c.pk], as_of=T0 + 20 * DAY)
    eta = ConsignmentEta.objects.get(consignment=c)
    assert eta.basis["last_event"]["event_id"] == _vessel_event_id(IMO, "042W", "DEPA", "KRPUS")

    # The vessel's arrival in Los Angeles, late, is the consignment's arrival there: neither overdue nor silent.
    sail(bravo, IMO, "042W", [("ARRI", "USLAX", T0 + 17 * DAY)])
    watch.scan_run(as_of=T0 + 20 * DAY + timedelta(hours=1))
    assert not _alerts().filter(consignment=c).exists()


def test_a_voyages_events_before_or_after_the_consignment_was_on_it_are_not_inherited(corridor, shipment, alpha, bravo):
    c = shipment("TRANSSHIPPED", T0, voyages=[(IMO, "042W"), (OTHER_IMO, "212E")])
    # 042W carries it from Kaohsiung to Busan only; 212E on from Busan on day 4.
    sail(
        bravo,
        IMO,
        "042W",
        [
            ("DEPA", "CNSHA", T0 - 3 * DAY),  # before it was loaded
            ("DEPA", "TWKHH", T0),
            ("ARRI", "KRPUS", T0 + 2 * DAY),
            ("DEPA", "KRPUS", T0 + 3 * DAY),  # after it left the voyage
            ("ARRI", "USLAX", T0 + 14 * DAY),
        ],
    )
    sail(bravo, OTHER_IMO, "212E", [("ARRI", "KRPUS", T0 + DAY), ("DEPA", "KRPUS", T0 + 4 * DAY)])

    watched = selectors.watch_batch([c.pk], as_of=T0 + 20 * DAY).watched[0]
    inherited = {e.event_id for e in watched.events}
    assert inherited == {
        _vessel_event_id(IMO, "042W", "DEPA", "TWKHH"),
        _vessel_event_id(IMO, "042W", "ARRI", "KRPUS"),
        _vessel_event_id(OTHER_IMO, "212E", "DEPA", "KRPUS"),
    }
    # The same as the consignment's timeline shows.
    c.refresh_from_db()
    shown = consignment_timeline(consignment=c, actor=actor_of(alpha))["events"]
    assert {e["event_id"] for e in shown if e["inherited_from"] == "voyage"} == inherited
    # 042W's arrival in Los Angeles is not the consignment's: it is overdue there.
    watch.scan_run(as_of=T0 + 20 * DAY)
    overdue = _alerts("overdue").get(partner__slug="alpha")
    assert overdue.evidence["events"][0]["event_id"] == _vessel_event_id(OTHER_IMO, "212E", "DEPA", "KRPUS")


def test_queries_per_batch_do_not_grow_with_the_voyage_wide_events(corridor, shipment, bravo):
    def queries(count: int, prefix: str) -> tuple[int, int]:
        for n in range(count):
            imo = IMO if n % 2 else OTHER_IMO
            shipment(f"{prefix}-{n}", T0, voyages=[(imo, f"{prefix}{n}E"), (imo, f"{prefix}{n}E")])
            sail(bravo, imo, f"{prefix}{n}E", [("DEPA", "TWKHH", T0)])
        scan = watch.scan_run(as_of=T0 + 30 * DAY)
        return scan.batches.get().queries, scan.counts["raised"].get("silence", 0)

    small, small_silent = queries(2, "S")
    Alert.objects.all().delete()
    large, large_silent = queries(6, "L")
    assert large == small
    # Each consignment's vessel left and was not heard of again (the second scan sees all eight, to alpha and
    # bravo): the scan read the inherited departures.
    assert (small_silent, large_silent) == (2 * 2, 8 * 2)
