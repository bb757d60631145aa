"""Status list slots: random, never shared, a full list rolls over, and the cost does not grow with use."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.credentials.models import Credential, StatusList, StatusPurpose
from apps.credentials.services.keys import partner_key_ensure
from apps.credentials.services.vc_api import credential_issue_api
from apps.partners.access import Actor
from apps.partners.choices import MemberRole

pytestmark = pytest.mark.django_db


def _issue(alpha, n: int) -> list[Credential]:
    actor = Actor(partner=alpha, role=MemberRole.OPERATOR)
    return [
        credential_issue_api(
            actor=actor,
            credential={
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"id": f"urn:example:{i}"},
            },
        )
        for i in range(n)
    ]


def _small_lists(alpha, size: int) -> None:
    for purpose in StatusPurpose.values:
        StatusList.objects.create(issuer=alpha, purpose=purpose, size=size, bits=bytes(size // 8))


def test_a_small_list_fills_completely_then_rolls_over_without_sharing_a_slot(alpha):
    partner_key_ensure(partner=alpha)
    _small_lists(alpha, 16)
    issued = _issue(alpha, 20)
    first = StatusList.objects.get(issuer=alpha, purpose=StatusPurpose.REVOCATION, sequence=1)
    on_first = [c.revocation_index for c in issued if c.revocation_list_id == first.pk]
    assert sorted(on_first) == list(range(16))
    assert StatusList.objects.get(pk=first.pk).is_full
    second = StatusList.objects.get(issuer=alpha, purpose=StatusPurpose.REVOCATION, sequence=2)
    assert sum(c.revocation_list_id == second.pk for c in issued) == 4
    pairs = {(c.suspension_list_id, c.suspension_index) for c in issued}
    assert len(pairs) == 20


def test_indexes_are_spread_over_the_list_not_handed_out_in_order(alpha):
    partner_key_ensure(partner=alpha)
    indexes = [c.revocation_index for c in _issue(alpha, 12)]
    assert indexes != sorted(indexes)
    assert max(indexes) > 1000


def test_issuing_costs_the_same_queries_after_many_credentials(alpha):
    partner_key_ensure(partner=alpha)
    _issue(alpha, 2)
    with CaptureQueriesContext(connection) as early:
        _issue(alpha, 1)
    _issue(alpha, 40)
    with CaptureQueriesContext(connection) as later:
        _issue(alpha, 1)
    assert len(later.captured_queries) == len(early.captured_queries)
    reads = [q["sql"] for q in later.captured_queries if "_index" in q["sql"] and q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if "credentials_credential" in sql], "slots come from the list's bitmap"


def test_a_list_from_before_bitmaps_builds_its_bitmap_from_its_credentials(alpha):
    partner_key_ensure(partner=alpha)
    first = _issue(alpha, 5)
    StatusList.objects.update(allocation=b"")
    later = _issue(alpha, 50)
    revocations = [(c.revocation_list_id, c.revocation_index) for c in first + later]
    assert len(set(revocations)) == 55
    current = StatusList.objects.get(issuer=alpha, purpose=StatusPurpose.REVOCATION)
    assert len(bytes(current.allocation)) * 8 == current.size
    marked = sum(bin(byte).count("1") for byte in bytes(current.allocation))
    assert marked == 55
