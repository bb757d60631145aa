"""GET /healthz: 200 when the database and the broker answer, 503 naming what failed."""

import pytest
from django.db import OperationalError

from apps.core import health
from apps.core.services import worker_heartbeat_record
from corridor.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app at another broker URL for one test."""

    def use(url: str) -> None:
        monkeypatch.setitem(app.conf, "broker_url", url)

    return use


@pytest.fixture
def embedded_broker(broker, tmp_path):
    path = tmp_path / "celery-broker.sqlite3"
    broker(f"sqla+sqlite:///{path}")
    return path


def test_healthy_on_the_embedded_broker(client, embedded_broker):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["broker"]["transport"] == "sqla"


def test_embedded_broker_check_opens_the_broker_database(client, embedded_broker):
    client.get("/healthz")
    assert embedded_broker.exists()


def test_embedded_broker_that_cannot_be_opened_is_503(client, broker, tmp_path):
    broker(f"sqla+sqlite:///{tmp_path / 'no-such-dir' / 'broker.sqlite3'}")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_unreachable_redis_broker_is_503_naming_the_broker_only(client, broker, caplog):
    broker("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"] == {"ok": False, "error": "broker unavailable"}
    assert checks["database"]["ok"] is True
    # The anonymous answer names no host or port; the log keeps the cause for the operator.
    assert "127.0.0.1" not in response.content.decode()
    assert "127.0.0.1:1" in caplog.text


def test_database_failure_is_503_naming_the_database_only(client, embedded_broker, monkeypatch, caplog):
    detail = 'connection to server at "db.internal" (10.1.2.3), port 5432 failed: Connection refused'

    class Unreachable:
        def cursor(self):
            raise OperationalError(detail)

    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == {"ok": False, "error": "database unavailable"}
    assert "worker" not in body
    text = response.content.decode()
    for secret in ("db.internal", "10.1.2.3", "5432", "OperationalError", "refused"):
        assert secret not in text
    assert detail in caplog.text


def test_worker_is_reported_but_does_not_fail_the_probe(client, embedded_broker):
    assert client.get("/healthz").json()["worker"] is None
    worker_heartbeat_record(hostname="celery@box-1")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["hostname"] == "celery@box-1"


def test_health_is_never_cached(client, embedded_broker):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_health_answers_get_only(client, embedded_broker):
    assert client.post("/healthz").status_code == 405


def test_health_needs_no_login(client, embedded_broker):
    assert client.get("/healthz").status_code == 200
