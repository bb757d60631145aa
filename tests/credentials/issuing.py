"""Arranging step credentials for the credential tests of the Django layer.

Events go through the one ingest service, which enqueues issuance with ``transaction.on_commit``;
pytest-django's test transaction never commits, so :func:`record` captures those callbacks and runs
them, as a commit would (Celery is eager in the tests). The digest helper is written here from the
VC 2.0 definition, independently of the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.test import TestCase

from apps.credentials.models import ChainEntry, Credential
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.ingest.types import DOC_CONSIGNMENT, SOURCE_DCSA_3, SOURCE_NATIVE, DocumentRef, EventIn
from apps.shipments.models import Consignment, Event
from apps.shipments.services import consignment_create
from tests.shipments.conftest import consignment_data

DEPARTED = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def actor_for(partner: Any, user: Any = None, role: str = MemberRole.ADMIN) -> Actor:
    return Actor(partner=partner, role=role, user=user)


def make_consignment(partner: Any, **changes: Any) -> Consignment:
    """A consignment made by ``partner`` (alpha consignor, bravo carrier unless changed)."""
    return consignment_create(actor=actor_for(partner), data=consignment_data(**changes))


def step_event(
    event_id: str,
    *,
    consignments: tuple[Consignment, ...] = (),
    hours: int = 0,
    code: str = "DEPA",
    location: str = "TWKHH",
    source: str = SOURCE_NATIVE,
    updated_at: datetime | None = None,
) -> EventIn:
    """A transport event naming these consignments (none: it stays unlinked), ``hours`` after departure."""
    payload: dict[str, Any] = {"event_id": event_id, "type": "TRANSPORT", "event_code": code, "location": location}
    if updated_at is not None:
        payload["eventUpdatedDateTime"] = updated_at.isoformat()
    return EventIn(
        source=source,
        event_type="TRANSPORT",
        event_id=event_id,
        event_code=code,
        location=location,
        event_time=DEPARTED + timedelta(hours=hours),
        event_time_zone_offset="+08:00",
        documents=[DocumentRef(DOC_CONSIGNMENT, str(consignment.pk)) for consignment in consignments],
        payload=payload,
        updated_at=updated_at,
    )


def dcsa_version(event_id: str, *, consignment: Consignment, updated_at: datetime, code: str) -> EventIn:
    """One version of a DCSA 3.0 event: a later ``eventUpdatedDateTime`` makes a new version."""
    return step_event(event_id, consignments=(consignment,), code=code, source=SOURCE_DCSA_3, updated_at=updated_at)


def record(partner: Any, *events: EventIn, issue: bool = True) -> list[Event]:
    """Record events as ``partner``; with ``issue`` the on-commit issuance runs (eagerly) too."""
    with TestCase.captureOnCommitCallbacks(execute=issue):
        result = event_batch_record(actor=actor_for(partner), events=list(events), channel="native")
    return result.events


def credential_of(event: Event) -> Credential:
    return Credential.objects.get(event=event)


def document_of(credential: Credential) -> dict[str, Any]:
    credential.refresh_from_db()
    return json.loads(bytes(credential.document))


def chain_of(consignment: Consignment) -> list[Credential]:
    return [entry.credential for entry in ChainEntry.objects.filter(consignment=consignment).order_by("position")]


def sha256_digest_multibase(data: bytes) -> str:
    """VC 2.0 ``digestMultibase``: multibase base64url ('u') of the sha2-256 multihash (0x12 0x20 + digest)."""
    return "u" + base64.urlsafe_b64encode(bytes([0x12, 0x20]) + hashlib.sha256(data).digest()).decode().rstrip("=")


def checks_failed(body: dict[str, Any]) -> list[str]:
    """The names of the failed checks of a VC API verification answer."""
    return [error["check"] for error in body["errors"]]


def problem_types(body: dict[str, Any]) -> list[str]:
    return [problem["type"].rsplit("#", 1)[-1] for problem in body["problemDetails"]]
