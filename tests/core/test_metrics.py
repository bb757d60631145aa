"""Counters of rare events: counted in memory, stored by a flush (after each Celery task), shown by /healthz."""

import logging
import uuid

import pytest

from apps.core import metrics
from apps.core.models import MetricCounter
from apps.core.tasks import ping

pytestmark = pytest.mark.django_db


@pytest.fixture
def name() -> str:
    """A counter no other test touches (the in-memory counts live as long as the process)."""
    return f"test.{uuid.uuid4().hex}"


def test_counts_reach_the_database_only_when_flushed(name):
    assert metrics.increment(name) == 1
    assert metrics.increment(name, 2) == 3
    assert not MetricCounter.objects.filter(name=name).exists()
    assert metrics.totals()[name] == 3, "this process's unflushed counts are part of the totals"
    assert metrics.flush()[name] == 3
    assert MetricCounter.objects.get(name=name).value == 3
    metrics.increment(name)
    metrics.flush()
    assert MetricCounter.objects.get(name=name).value == 4
    assert metrics.totals()[name] == 4
    assert name not in metrics.flush(), "nothing moved since the last flush"


def test_a_worker_flushes_after_each_task_and_logs_what_moved(name, caplog):
    metrics.increment(name, 5)
    with caplog.at_level(logging.WARNING, logger="apps.core.metrics"):
        ping.apply(kwargs={"nonce": "n"})
    assert MetricCounter.objects.get(name=name).value == 5
    assert f"{name} +5 (5 in this process)" in caplog.text


def test_healthz_reports_the_counters(client, name):
    MetricCounter.objects.create(name=name, value=7)
    metrics.increment(name)
    body = client.get("/healthz").json()
    assert body["counters"][name] == 8
