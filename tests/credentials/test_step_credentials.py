"""Step credentials: issued after the ingest commits, once per event, chained per consignment.

alpha (consignor) made PO-1001 with bravo as carrier; both record steps for it. Issuance runs from
the ingest's on-commit callback (eager Celery), or by calling the service/task directly.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import TestCase, override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.credentials import tasks
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2
from apps.credentials.models import ChainEntry, Credential, PartnerKey
from apps.credentials.services.identifiers import credential_url
from apps.credentials.services.issuance import step_credential_issue, step_credentials_pending
from apps.credentials.verification import credential_verify
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import Event
from tests.credentials.issuing import (
    actor_for,
    chain_of,
    credential_of,
    dcsa_version,
    document_of,
    make_consignment,
    record,
    sha256_digest_multibase,
    step_event,
)

pytestmark = pytest.mark.django_db

LINK_GRACE = timedelta(seconds=settings.CORRIDOR_LINK_GRACE_SECONDS)


@pytest.fixture
def consignment(alpha, bravo):
    return make_consignment(alpha)


def _failed(outcome) -> list[str]:
    return [check["check"] for check in outcome.errors]


def _age(event: Event, delta: timedelta) -> None:
    """Pretend the event was recorded ``delta`` ago (the grace period is measured from record time)."""
    Event.objects.filter(pk=event.pk).update(record_time=timezone.now() - delta)


# --- When a credential is issued ---------------------------------------------------------------------


def test_a_linked_event_gets_its_credential_once_the_ingest_commits(alpha, consignment):
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        (event,) = event_batch_record(
            actor=actor_for(alpha), events=[step_event("evt-1", consignments=(consignment,))], channel="native"
        ).events
    assert not Credential.objects.exists()  # nothing before the commit
    assert callbacks
    for callback in callbacks:
        callback()
    credential = credential_of(event)
    assert (credential.kind, credential.issuer, credential.event) == ("step", alpha, event)


def test_a_step_credential_is_signed_by_its_recorder_with_the_event_and_its_consignment(alpha, consignment):
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    credential = credential_of(event)
    document = document_of(credential)
    did = "did:web:localhost%3A8000:partners:alpha"
    key = PartnerKey.objects.get(partner=alpha)
    assert document["@context"] == [CREDENTIALS_V2, CORRIDOR_V1]
    assert document["type"] == ["VerifiableCredential", "StepCredential"]
    assert document["id"] == f"http://127.0.0.1:8000/credentials/{credential.pk}"
    assert document["issuer"] == did
    assert parse_datetime(document["validFrom"]) == event.record_time.replace(microsecond=0)
    subject = document["credentialSubject"]
    assert (subject["eventID"], subject["eventCode"], subject["recorder"]) == ("evt-1", "DEPA", did)
    assert subject["eventTime"] == "2026-03-01T02:00:00.000Z"
    assert [c["id"] for c in subject["consignment"]] == [f"http://127.0.0.1:8000/consignments/{consignment.pk}"]
    assert subject["consignment"][0]["consignmentReference"] == "PO-1001"
    assert [(s["type"], s["statusPurpose"]) for s in document["credentialStatus"]] == [
        ("BitstringStatusListEntry", "revocation"),
        ("BitstringStatusListEntry", "suspension"),
    ]
    assert "relatedResource" not in document  # the first step of the chain
    proof = document["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
        "assertionMethod",
    )
    assert proof["verificationMethod"] == f"{did}#{key.key_id}"
    assert credential.signed_by == key
    assert credential.digest_multibase == sha256_digest_multibase(bytes(credential.document))
    outcome = credential_verify(document)
    assert outcome.verified, outcome.errors
    assert [check["check"] for check in outcome.checks] == [
        "structure",
        "contexts",
        "issuer key",
        "proof",
        "validity period",
        "status",
    ]


def test_each_partner_signs_the_steps_it_recorded(alpha, bravo, consignment):
    (first,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    (second,) = record(bravo, step_event("bravo-load", consignments=(consignment,), hours=1, code="LOAD"))
    assert document_of(credential_of(first))["issuer"].endswith(":partners:alpha")
    assert document_of(credential_of(second))["issuer"].endswith(":partners:bravo")
    assert credential_of(second).signed_by.partner == bravo


def test_an_unlinked_event_waits_for_the_grace_period_then_gets_a_credential_without_chain(alpha, consignment):
    (event,) = record(alpha, step_event("evt-loose"))  # names no consignment
    assert not Credential.objects.exists()
    assert step_credential_issue(event_pk=event.pk) is None
    _age(event, timedelta(minutes=30))
    assert str(event.pk) not in step_credentials_pending()
    assert step_credential_issue(event_pk=event.pk) is None
    _age(event, LINK_GRACE + timedelta(minutes=1))
    assert step_credentials_pending() == [str(event.pk)]
    assert tasks.step_credentials_sweep() == 1  # re-enqueued, and run eagerly
    credential = credential_of(event)
    document = document_of(credential)
    assert "relatedResource" not in document
    assert document["credentialSubject"]["consignment"] == []
    assert not ChainEntry.objects.exists()
    assert credential_verify(document).verified
    assert step_credentials_pending() == []


@override_settings(CORRIDOR_LINK_GRACE_SECONDS=600)
def test_the_link_grace_is_a_setting(alpha, consignment):
    (event,) = record(alpha, step_event("evt-loose"))
    _age(event, timedelta(minutes=9))
    assert step_credentials_pending() == []
    _age(event, timedelta(minutes=11))
    assert step_credentials_pending() == [str(event.pk)]
    assert step_credential_issue(event_pk=event.pk) is not None


def test_a_linked_event_whose_issuance_was_lost_is_swept_after_a_few_minutes(alpha, consignment):
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)), issue=False)
    assert step_credentials_pending() == []
    _age(event, timedelta(minutes=6))
    assert step_credentials_pending() == [str(event.pk)]
    tasks.step_credentials_sweep()
    assert credential_of(event).event == event


def test_a_starting_workers_sweep_takes_every_pending_linked_event_at_once(alpha, consignment):
    """A worker killed outright took its messages with it: its successor does not wait a sweep interval."""
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)), issue=False)
    (loose,) = record(alpha, step_event("evt-loose"), issue=False)  # unlinked: still waits for its grace
    assert tasks.step_credentials_sweep() == 0
    assert tasks.step_credentials_sweep(after_restart=True) == 1
    assert credential_of(event).event == event
    assert not Credential.objects.filter(event=loose).exists()


def test_issuing_twice_makes_one_credential(alpha, consignment):
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    first = credential_of(event)
    assert step_credential_issue(event_pk=event.pk) == first
    tasks.step_credentials_issue([str(event.pk), str(event.pk)])
    tasks.step_credentials_issue.delay([str(event.pk)])
    assert Credential.objects.count() == 1
    assert ChainEntry.objects.count() == 1


def test_an_unknown_event_issues_nothing(db):
    assert step_credential_issue(event_pk="00000000-0000-0000-0000-000000000000") is None


def test_an_exact_repeat_of_an_event_issues_nothing_new(alpha, consignment):
    record(alpha, step_event("evt-1", consignments=(consignment,)))
    record(alpha, step_event("evt-1", consignments=(consignment,)))
    assert Credential.objects.count() == 1


# --- The chain -----------------------------------------------------------------------------------------


def test_chain_positions_and_digests_follow_record_order(client_for, alice, alpha, bravo, consignment):
    events = [
        *record(alpha, step_event("evt-1", consignments=(consignment,))),
        *record(bravo, step_event("bravo-load", consignments=(consignment,), hours=1, code="LOAD")),
        *record(alpha, step_event("evt-3", consignments=(consignment,), hours=2, code="ARRI")),
    ]
    chain = chain_of(consignment)
    assert [credential.event for credential in chain] == events
    entries = list(ChainEntry.objects.filter(consignment=consignment).order_by("position"))
    assert [entry.position for entry in entries] == [1, 2, 3]
    assert [entry.previous for entry in entries] == [None, chain[0], chain[1]]
    api = client_for(alice)
    for previous, credential in itertools.pairwise(chain):
        served = api.get(f"/credentials/{previous.pk}").content
        assert document_of(credential)["relatedResource"] == [
            {
                "id": f"http://127.0.0.1:8000/credentials/{previous.pk}",
                "digestMultibase": sha256_digest_multibase(served),
            }
        ]
        outcome = credential_verify(document_of(credential))
        assert outcome.verified, outcome.errors
        assert "chain digests" in [check["check"] for check in outcome.checks]


def test_an_event_of_two_consignments_names_the_previous_step_of_each(alpha, bravo, consignment):
    other = make_consignment(alpha, reference="PO-2002", transport_document_number="", booking_reference="")
    (first,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    (second,) = record(alpha, step_event("evt-2", consignments=(other,)))
    (both,) = record(alpha, step_event("evt-both", consignments=(consignment, other), hours=1))
    related = {item["id"]: item["digestMultibase"] for item in document_of(credential_of(both))["relatedResource"]}
    assert related == {
        credential_url(credential_of(first).pk): credential_of(first).digest_multibase,
        credential_url(credential_of(second).pk): credential_of(second).digest_multibase,
    }
    assert [c.event for c in chain_of(consignment)] == [first, both]
    assert [c.event for c in chain_of(other)] == [second, both]
    assert credential_verify(document_of(credential_of(both))).verified


def test_a_batch_is_chained_in_the_order_it_was_sent(alpha, consignment):
    codes = ["GTIN", "LOAD", "DEPA", "ARRI", "DISC", "GTOT"]
    events = record(
        alpha, *(step_event(f"evt-{i}", consignments=(consignment,), code=code) for i, code in enumerate(codes))
    )
    assert len({event.record_time for event in events}) == 1  # one batch, one record time
    assert [credential.event.event_code for credential in chain_of(consignment)] == codes


def test_an_altered_previous_step_fails_the_chain_digests_check(alpha, consignment):
    (first,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    (second,) = record(alpha, step_event("evt-2", consignments=(consignment,), hours=1))
    earlier = credential_of(first)
    altered = bytes(earlier.document).replace(b'"DEPA"', b'"ARRI"', 1)
    assert altered != bytes(earlier.document)
    Credential.objects.filter(pk=earlier.pk).update(document=altered)
    outcome = credential_verify(document_of(credential_of(second)))
    assert not outcome.verified
    assert _failed(outcome) == ["chain digests"]
    assert "altered" in outcome.errors[0]["detail"]


def test_a_removed_previous_step_fails_the_chain_digests_check(alpha, consignment):
    first, second, third = (
        record(alpha, step_event(f"evt-{i}", consignments=(consignment,), hours=i))[0] for i in range(3)
    )
    ChainEntry.objects.filter(consignment=consignment).delete()
    credential_of(second).delete()
    outcome = credential_verify(document_of(credential_of(third)))
    assert _failed(outcome) == ["chain digests"]
    assert "no such credential" in outcome.errors[0]["detail"]
    assert credential_verify(document_of(credential_of(first))).verified


def test_a_tampered_step_credential_fails_the_proof_check(alpha, consignment):
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    raw = bytes(credential_of(event).document).decode()
    tampered = raw.replace('"TWKHH"', '"TWKHG"', 1)
    assert tampered != raw
    assert len(tampered) == len(raw)
    outcome = credential_verify(json.loads(tampered))
    assert _failed(outcome) == ["proof"]
    assert "signature" in outcome.errors[0]["detail"]


# --- New versions --------------------------------------------------------------------------------------


def test_a_dcsa_update_revokes_the_old_versions_credential_and_issues_a_new_one(bravo, alpha, consignment):
    (v1,) = record(
        bravo, dcsa_version("dcsa-1", consignment=consignment, updated_at=datetime(2026, 3, 1, tzinfo=UTC), code="LOAD")
    )
    old = credential_of(v1)
    (v2,) = record(
        bravo, dcsa_version("dcsa-1", consignment=consignment, updated_at=datetime(2026, 3, 2, tzinfo=UTC), code="DISC")
    )
    assert (v1.event_id, v2.event_id, v2.version) == ("dcsa-1", "dcsa-1", 2)
    new = credential_of(v2)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.revoked_at is None
    assert document_of(new)["credentialSubject"]["eventVersion"] == 2
    assert [c.pk for c in chain_of(consignment)] == [old.pk, new.pk]
    outcome = credential_verify(document_of(old))
    assert _failed(outcome) == ["status"]
    assert "revoked" in outcome.errors[0]["detail"]
    assert credential_verify(document_of(new)).verified


def test_an_old_version_issued_after_its_update_is_revoked_too(bravo, alpha, consignment):
    """Both versions unlinked at first: the sweep may issue them in any order."""
    (v1,) = record(bravo, step_event("dcsa-2", updated_at=datetime(2026, 3, 1, tzinfo=UTC)))
    (v2,) = record(bravo, step_event("dcsa-2", updated_at=datetime(2026, 3, 2, tzinfo=UTC), code="DISC"))
    _age(v1, LINK_GRACE * 2)
    _age(v2, LINK_GRACE * 2)
    assert step_credential_issue(event_pk=v2.pk).revoked_at is None
    late = step_credential_issue(event_pk=v1.pk)
    late.refresh_from_db()
    assert late.revoked_at is not None
    assert _failed(credential_verify(document_of(late))) == ["status"]
    assert credential_verify(document_of(credential_of(v2))).verified
