"""Domain events: how a lower layer says what happened without knowing who acts on it.

Apps are layered (core → partners → shipments → disruptions → credentials → compliance → corridors,
docs/architecture.md); a module imports only its own app and the layers below. When a lower layer
changes something a higher one cares about (events recorded, a partner created, a certificate
changed), it ``publish``-es one of the small typed events below, and the higher app ``subscribe``-s
to it in its ``AppConfig.ready``. Shipments never imports credentials; credentials listens.

Two phases:

- ``ON_COMMIT`` (the default): the handler runs once the publisher's transaction has committed, so
  a worker never sees uncommitted rows. Handlers of this phase enqueue background work, and the
  work itself is recorded as state in the database (the ledger), so a handler that fails (a broker
  that is down) is logged and the sweeps pick the work up later; the committed request still
  succeeds.
- ``IN_TRANSACTION``: the handler runs at once, inside the publisher's transaction, for a
  consequence that must commit or roll back with the change itself (a new partner's key pair, the
  revocation of a credential whose event was declared erroneous).

Handlers run in subscription order, which is ``INSTALLED_APPS`` order (lowest layer first).
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


class Phase(enum.Enum):
    ON_COMMIT = "on_commit"
    IN_TRANSACTION = "in_transaction"


@dataclass(frozen=True)
class DomainEvent:
    """Base of every domain event: immutable, ids only (never model instances), so it can cross a queue."""


@dataclass(frozen=True)
class PartnerCreated(DomainEvent):
    """A partner (organisation) joined the platform."""

    partner_id: str


@dataclass(frozen=True)
class EventsRecorded(DomainEvent):
    """New events (or new versions of events) were stored; ``consignment_ids`` are those they link to."""

    event_ids: tuple[str, ...]
    consignment_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventsLinked(DomainEvent):
    """Events recorded earlier were linked to a consignment that appeared (or changed) since."""

    event_ids: tuple[str, ...]
    consignment_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventsDeclaredErroneous(DomainEvent):
    """Events were declared erroneous (EPCIS ``errorDeclaration``), superseded or retracted."""

    event_ids: tuple[str, ...]


@dataclass(frozen=True)
class ConsignmentPartiesChanged(DomainEvent):
    """The parties of consignments changed (created, added, removed, or their roles changed)."""

    consignment_ids: tuple[str, ...]


@dataclass(frozen=True)
class CertificateChanged(DomainEvent):
    """An AEO certificate was registered, renewed, or changed status (its holder's trust may change).

    ``as_of``: the ISO date the change is judged on (a daily pass's day); None for today.
    """

    certificate_id: str
    holder_id: str
    as_of: str | None = None


@dataclass(frozen=True)
class MraChanged(DomainEvent):
    """A mutual recognition arrangement, its participants or its dates changed.

    ``authority_ids``: the authorities whose recognition it changed (its participants, former ones too);
    empty means its current participants.
    """

    mra_id: str
    authority_ids: tuple[str, ...] = ()


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[E], None]

_subscribers: dict[type[DomainEvent], list[tuple[Callable[[DomainEvent], None], Phase]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Handler[E], *, phase: Phase = Phase.ON_COMMIT) -> None:
    """Call ``handler`` for every published ``event_type``; subscribing the same handler twice is a no-op."""
    entry = (handler, phase)
    if entry not in _subscribers[event_type]:
        _subscribers[event_type].append(entry)  # type: ignore[arg-type]


def subscribers(event_type: type[DomainEvent]) -> list[tuple[Callable[[DomainEvent], None], Phase]]:
    """The handlers of ``event_type`` in the order they run (for tests and docs)."""
    return list(_subscribers.get(event_type, ()))


def publish(event: DomainEvent) -> None:
    """Announce ``event``: in-transaction handlers run now, the others after commit (at once if none is open)."""
    for handler, phase in _subscribers.get(type(event), ()):
        if phase is Phase.IN_TRANSACTION:
            handler(event)
        else:
            transaction.on_commit(partial(_run_after_commit, handler, event))


def _run_after_commit(handler: Callable[[DomainEvent], None], event: DomainEvent) -> None:
    # The data is committed and the work is in the ledger: a failing handler (a broker that is down)
    # must not turn a committed request into an error. The sweeps re-enqueue what it did not.
    try:
        handler(event)
    except Exception:
        logger.exception("domain event handler %s failed for %s", getattr(handler, "__qualname__", handler), event)
