"""Domain events: in-transaction handlers run at once, the others after commit, failures after commit logged."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from django.db import transaction

from apps.core import domain_events
from apps.core.domain_events import DomainEvent, Phase, publish, subscribe, subscribers
from apps.core.extensions import ExtensionPoint


@dataclass(frozen=True)
class Happened(DomainEvent):
    what: str


@pytest.fixture
def seen(monkeypatch):
    monkeypatch.setattr(domain_events, "_subscribers", type(domain_events._subscribers)(list))
    return []


@pytest.mark.django_db(transaction=True)
def test_on_commit_handlers_run_after_commit_and_in_transaction_ones_at_once(seen):
    subscribe(Happened, lambda event: seen.append(("after", event.what)))
    subscribe(Happened, lambda event: seen.append(("now", event.what)), phase=Phase.IN_TRANSACTION)
    with transaction.atomic():
        publish(Happened("gate-out"))
        assert seen == [("now", "gate-out")]
    assert seen == [("now", "gate-out"), ("after", "gate-out")]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_runs_no_on_commit_handler(seen):
    subscribe(Happened, lambda event: seen.append(event.what))

    def record_then_fail():
        with transaction.atomic():
            publish(Happened("loaded"))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        record_then_fail()
    assert seen == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_handler_is_logged_and_the_others_still_run(seen, caplog):
    def broken(event):
        raise ConnectionError("broker down")

    subscribe(Happened, broken)
    subscribe(Happened, lambda event: seen.append(event.what))
    with caplog.at_level(logging.ERROR, logger="apps.core.domain_events"), transaction.atomic():
        publish(Happened("discharged"))
    assert seen == ["discharged"]
    assert "broker down" in caplog.text


def test_subscribing_the_same_handler_twice_registers_it_once(seen):
    def handler(event):
        seen.append(event)

    subscribe(Happened, handler)
    subscribe(Happened, handler)
    assert len(subscribers(Happened)) == 1


def test_an_extension_point_keeps_contributions_once_and_in_order():
    point: ExtensionPoint[str] = ExtensionPoint("sections")
    point.register("customs")
    point.register("credentials")
    point.register("customs")
    assert list(point) == ["customs", "credentials"]
    assert len(point) == 2
