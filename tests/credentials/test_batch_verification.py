"""A chain verified in one batch: the same outcome as one by one, a fixed number of queries, and the
remembered proof checks never hide a change (an altered document, a revoked key, a set status bit)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.credentials import verification
from apps.credentials.models import PartnerKey
from apps.credentials.services.keys import partner_key_revoke
from tests.credentials.issuing import actor_for, chain_of, make_consignment, record, step_event

pytestmark = pytest.mark.django_db


def documents(consignment) -> list[dict]:
    return [json.loads(bytes(credential.document)) for credential in chain_of(consignment)]


@pytest.fixture
def consignment(alpha, bravo):
    consignment = make_consignment(alpha)
    for i in range(3):
        record(alpha if i % 2 == 0 else bravo, step_event(f"evt-{i}", consignments=(consignment,), hours=i))
    return consignment


def test_the_batch_gives_each_credential_the_outcome_it_gets_alone(consignment):
    docs = documents(consignment)
    verification.proof_results.clear()
    alone = [verification.credential_verify(doc) for doc in docs]
    verification.proof_results.clear()
    together = verification.credentials_verify(docs)
    assert [o.checks for o in together] == [o.checks for o in alone]
    assert all(o.verified for o in together)
    assert [c["check"] for c in together[1].checks][-1] == "chain digests"


def test_the_batch_reads_the_same_number_of_queries_for_a_longer_chain(consignment, alpha):
    docs = documents(consignment)
    with CaptureQueriesContext(connection) as short:
        verification.credentials_verify(docs)
    for i in range(3, 12):
        record(alpha, step_event(f"evt-{i}", consignments=(consignment,), hours=i))
    docs = documents(consignment)
    with CaptureQueriesContext(connection) as long:
        outcomes = verification.credentials_verify(docs)
    assert len(docs) == 12
    assert all(o.verified for o in outcomes)
    assert len(long) == len(short) <= 5


def test_a_remembered_proof_check_does_not_hide_an_altered_document(consignment):
    docs = documents(consignment)
    assert verification.credentials_verify(docs)[0].verified
    docs[0]["credentialSubject"]["eventID"] = "evt-9"
    outcome = verification.credentials_verify(docs)[0]
    assert not outcome.verified
    assert outcome.errors[0]["check"] == "proof"


def test_a_remembered_proof_check_does_not_hide_a_revoked_key(consignment, alpha, alice):
    docs = documents(consignment)
    assert verification.credentials_verify(docs)[0].verified
    key = PartnerKey.objects.get(partner=alpha, revoked_at__isnull=True, rotated_at__isnull=True)
    partner_key_revoke(actor=actor_for(alpha, alice), key=key, reason="compromised")
    outcomes = verification.credentials_verify(docs)
    assert not outcomes[0].verified
    assert outcomes[1].verified, "bravo's step still verifies"
    assert outcomes[0].errors[0]["check"] == "issuer key"


def test_a_status_bit_set_after_a_verification_is_seen(consignment, client_for, olga):
    docs = documents(consignment)
    assert verification.credentials_verify(docs)[0].verified
    credential = chain_of(consignment)[0]
    assert client_for(olga).post(f"/api/v1/credentials/{credential.pk}/revoke/").status_code == 200
    outcome = verification.credentials_verify(docs)[0]
    assert [e["check"] for e in outcome.errors] == ["status"]
