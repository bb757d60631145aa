"""Storing ETAs: refreshed by the service (the scan's entry), and after new events by the subscriber's task."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.domain_events import EventsLinked, publish
from apps.corridors.models import ConsignmentEta
from apps.corridors.services import corridor_baselines_recompute, eta_refresh
from tests.corridors.conftest import T0, voyage


def test_an_in_transit_consignment_gets_an_eta_from_the_corridor_baselines(corridor, shipment, record):
    for n in range(6):
        done = shipment(f"DONE-{n}", T0 + timedelta(days=n))
        record(
            done,
            voyage(
                T0 + timedelta(days=n), first=timedelta(hours=50), stay=timedelta(hours=60), second=timedelta(hours=320)
            ),
        )
    corridor_baselines_recompute(corridor=corridor, as_of=T0 + timedelta(days=40))
    departs = T0 + timedelta(days=30)
    moving = shipment("MOVING", departs)
    record(
        moving, voyage(departs, first=timedelta(hours=50), stay=timedelta(hours=60), second=timedelta(hours=320))[:3]
    )
    as_of = departs + timedelta(hours=110 + 20)
    assert eta_refresh(consignment_ids=[moving.pk], as_of=as_of) == 1
    eta = ConsignmentEta.objects.get(consignment=moving)
    assert eta.corridor == corridor
    assert eta.destination == "USLAX"
    # On the second leg for 20 h of the observed 320 h: the history says arrival 300 h from now, where
    # the plan (twelve days' sailing) would have said 268 h.
    assert eta.predicted_arrival == as_of + timedelta(hours=300)
    assert eta.p10 <= eta.predicted_arrival <= eta.p90
    assert eta.basis["state"] == "on_leg"
    assert eta.basis["last_event"]["event_id"] == "MOVING-DEPA-KRPUS"
    assert eta.basis["components"][0]["source"] == "history"
    assert eta.last_event_time == departs + timedelta(hours=110)
    assert eta.computed_at == as_of

    # Recomputing replaces the row in place.
    eta_refresh(consignment_ids=[moving.pk], as_of=as_of + timedelta(hours=10))
    assert ConsignmentEta.objects.get(consignment=moving).predicted_arrival == as_of + timedelta(hours=300)


def test_without_a_corridor_the_consignments_own_plan_predicts(db, shipment, record):
    direct = shipment("DIRECT", T0, route=["TWKHH", "USLAX"])
    record(direct, [("DEPA", "TWKHH", T0)])
    eta_refresh(consignment_ids=[direct.pk], as_of=T0 + timedelta(hours=1))
    eta = ConsignmentEta.objects.get(consignment=direct)
    assert eta.corridor is None
    assert eta.predicted_arrival == T0 + timedelta(days=2)
    assert eta.basis["components"][0]["source"] == "plan"


def test_a_consignment_with_nothing_to_predict_from_loses_its_eta(db, shipment):
    unplanned = shipment("UNPLANNED", T0, route=["TWKHH", "NLRTM"], planned=False)
    unplanned.legs.update(destination="XXZZZ")  # a place nobody knows the coordinates of: no distance either
    ConsignmentEta.objects.create(
        consignment=unplanned, destination="NLRTM", predicted_arrival=T0, p10=T0, p90=T0, computed_at=T0
    )
    assert eta_refresh(consignment_ids=[unplanned.pk], as_of=T0) == 0
    assert not ConsignmentEta.objects.filter(consignment=unplanned).exists()


def test_recording_events_refreshes_the_eta_after_commit(
    corridor, shipment, record, django_capture_on_commit_callbacks
):
    moving = shipment("MOVING", T0)
    assert not ConsignmentEta.objects.filter(consignment=moving).exists()
    with django_capture_on_commit_callbacks(execute=True):
        record(moving, [("DEPA", "TWKHH", T0)])
    eta = ConsignmentEta.objects.get(consignment=moving)
    assert eta.basis["last_event"]["event_id"] == "MOVING-DEPA-TWKHH"
    with django_capture_on_commit_callbacks(execute=True):
        record(moving, [("ARRI", "KRPUS", T0 + timedelta(hours=47))])
    eta.refresh_from_db()
    assert eta.basis["state"] == "at_node"


def test_linked_events_refresh_the_eta_through_the_watch_once_per_batch(
    corridor, shipment, record, django_capture_on_commit_callbacks, monkeypatch
):
    """The watch's check after a batch of events stores the ETAs from its own reading: no second task."""
    moving = shipment("MOVING", T0)
    record(moving, [("DEPA", "TWKHH", T0)])
    ConsignmentEta.objects.all().delete()
    sent = []
    monkeypatch.setattr("apps.corridors.subscribers.enqueue", lambda task, **kw: sent.append((task, kw)))
    with django_capture_on_commit_callbacks(execute=True):
        publish(EventsLinked(event_ids=("e1", "e2"), consignment_ids=(str(moving.pk),)))
        publish(EventsLinked(event_ids=("e3",)))
    assert [(task.name.rsplit(".", 1)[-1], kw["consignment_ids"]) for task, kw in sent] == [
        ("consignments_watch", [str(moving.pk)])
    ]
    task, kwargs = sent[0]
    task(**kwargs)
    eta = ConsignmentEta.objects.get(consignment=moving)
    assert eta.basis["last_event"]["event_id"] == "MOVING-DEPA-TWKHH"


def test_a_backlog_of_batches_computes_each_consignment_once(corridor, shipment, record):
    """Batches queued before a worker runs: an ETA computed after a batch committed already saw it."""
    moving, other = shipment("MOVING", T0), shipment("OTHER", T0)
    record(moving, [("DEPA", "TWKHH", T0)])
    record(other, [("DEPA", "TWKHH", T0)])
    committed = timezone.now()
    later = committed + timedelta(seconds=1)
    assert eta_refresh(consignment_ids=[moving.pk], as_of=later, fresh_since=committed) == 1
    # The second batch's task: ``moving`` was computed after that batch committed, ``other`` never was.
    assert eta_refresh(consignment_ids=[moving.pk, other.pk], as_of=later, fresh_since=committed) == 1
    assert ConsignmentEta.objects.filter(consignment=other, computed_at=later).exists()
    # A batch committed after the last computation is computed again.
    assert eta_refresh(consignment_ids=[moving.pk, other.pk], as_of=later, fresh_since=later) == 2


def test_a_batch_costs_the_same_queries_whatever_its_size(corridor, shipment, record):
    consignments = [shipment(f"Q-{n}", T0) for n in range(6)]
    for consignment in consignments:
        record(consignment, [("DEPA", "TWKHH", T0)])
    as_of = T0 + timedelta(hours=5)

    def queries(batch) -> int:
        with CaptureQueriesContext(connection) as captured:
            eta_refresh(consignment_ids=[c.pk for c in batch], as_of=as_of)
        return len(captured)

    assert queries(consignments[:1]) == queries(consignments)


def test_without_legs_origin_to_destination_is_one_sea_leg_by_distance(db, shipment, record):
    unlegged = shipment("UNLEGGED", T0, route=["KRPUS", "USLAX"])
    unlegged.legs.all().delete()
    record(unlegged, [("DEPA", "KRPUS", T0)])
    eta_refresh(consignment_ids=[unlegged.pk], as_of=T0 + timedelta(hours=1))
    (component,) = ConsignmentEta.objects.get(consignment=unlegged).basis["components"]
    assert (component["from"], component["to"], component["mode"], component["source"]) == (
        "KRPUS",
        "USLAX",
        "sea",
        "distance",
    )
