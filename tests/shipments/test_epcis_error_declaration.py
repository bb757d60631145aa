"""EPCIS 2.0 corrections: re-sending an event with an errorDeclaration marks it erroneous (DESIGN §10)."""

import copy
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.credentials.services.issuance import step_credential_issue
from apps.partners.access import Actor
from apps.shipments.epcis.parse import parse_document
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import Event
from tests.vectors import VECTORS

pytestmark = pytest.mark.django_db


def _document() -> dict:
    return json.loads((VECTORS / "epcis" / "Example_9.6.1-ObjectEvent.jsonld").read_text())


def _record(partner, document, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return event_batch_record(
            actor=Actor(partner=partner, role="operator"), events=parse_document(document), channel="test"
        )


def test_an_error_declaration_marks_the_event_erroneous_and_revokes_its_credential(
    alpha, django_capture_on_commit_callbacks
):
    original = _document()
    _record(alpha, original, django_capture_on_commit_callbacks)
    first_id = original["epcisBody"]["eventList"][0]["eventID"]
    stored = Event.objects.get(recorder=alpha, event_id=first_id)
    # Unlinked, it gets its credential once the grace period is over.
    Event.objects.filter(pk=stored.pk).update(record_time=timezone.now() - timedelta(hours=2))
    credential = step_credential_issue(event_pk=stored.pk)
    assert credential is not None
    assert credential.revoked_at is None

    correction = copy.deepcopy(original)
    declared = correction["epcisBody"]["eventList"][0]
    declared["errorDeclaration"] = {
        "declarationTime": "2026-11-25T10:00:00Z",
        "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"],
    }
    correction["epcisBody"]["eventList"] = [declared]
    result = _record(alpha, correction, django_capture_on_commit_callbacks)

    assert result.outcomes == ["declared_erroneous"]
    stored.refresh_from_db()
    assert stored.is_erroneous
    assert stored.error_declaration["correctiveEventIDs"] == ["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"]
    assert AuditEvent.objects.filter(action="event.declare_erroneous", object_id=str(stored.pk)).exists()
    credential.refresh_from_db()
    assert credential.revoked_at is not None


def test_re_sending_the_same_declaration_changes_nothing(alpha, django_capture_on_commit_callbacks):
    original = _document()
    declared = copy.deepcopy(original)
    declared["epcisBody"]["eventList"][0]["errorDeclaration"] = {"declarationTime": "2026-11-25T10:00:00Z"}
    _record(alpha, original, django_capture_on_commit_callbacks)
    _record(alpha, declared, django_capture_on_commit_callbacks)
    again = _record(alpha, declared, django_capture_on_commit_callbacks)
    assert again.outcomes[0] == "unchanged"
    assert Event.objects.filter(recorder=alpha, is_erroneous=True).count() == 1
