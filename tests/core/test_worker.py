"""The ping task, called directly and through a real Celery worker on the real embedded transport."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from kombu import pools

from apps.core.models import WorkerHeartbeat
from apps.core.tasks import ping
from corridor.celery import app


def test_ping_task_records_a_heartbeat_directly(db):
    result = ping.apply(args=["nonce-direct"]).get()

    assert result["nonce"] == "nonce-direct"
    heartbeat = WorkerHeartbeat.objects.get(hostname=result["hostname"])
    assert heartbeat.last_nonce == "nonce-direct"


def test_ping_task_is_idempotent(db):
    ping.apply(args=["same"]).get()
    ping.apply(args=["same"]).get()

    assert WorkerHeartbeat.objects.filter(last_nonce="same").count() == 1


def _forget_broker_connections() -> None:
    """Drop the app's cached connection and producer pools, which stay bound to the broker they were made for.

    An eager ``.delay()`` in an earlier test (an EPCIS capture) still acquires a producer, binding the pools
    to the default broker; pytest-django runs this transactional test after those.
    """
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # The closed pool stays in kombu's registry of pools by broker URL, where the next ``app.pool`` would find
    # it: every later eager ``.delay()`` of the session would then fail ("Acquire on closed pool").
    pools.reset()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_ping_over_the_sqlalchemy_broker(tmp_path):
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    previous = app.conf.broker_url
    _forget_broker_connections()
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            ping.delay("through-the-broker")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if WorkerHeartbeat.objects.filter(last_nonce="through-the-broker").exists():
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the worker did not run the ping task within 30 s")
    finally:
        _forget_broker_connections()
        app.conf.broker_url = previous
        app.conf.task_always_eager = True
