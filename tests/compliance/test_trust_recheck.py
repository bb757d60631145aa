"""The re-evaluation ledger (DESIGN §10): a lost message delays a trust re-evaluation, never loses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from apps.compliance import tasks
from apps.compliance.models import TrustEvaluation, TrustRecheck
from apps.compliance.services import certificates, reevaluation
from apps.core import work
from apps.partners.access import Actor

pytestmark = pytest.mark.django_db


def test_a_delivered_request_leaves_nothing_pending(
    tw_us_consignment, tw_customs, alpha, grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant(tw_customs, alpha, "TW-1")
    assert not TrustRecheck.objects.exists()
    assert TrustEvaluation.objects.filter(consignment=tw_us_consignment, authority=tw_customs).exists()


def test_a_lost_request_is_swept_after_five_minutes_and_then_done(
    tw_us_consignment, tw_customs, alpha, grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the message
        grant(tw_customs, alpha, "TW-1")
    pending = TrustRecheck.objects.get()
    assert pending.params["holder_ids"] == [str(alpha.pk)]
    assert not TrustEvaluation.objects.exists()

    assert tasks.trust_recheck_sweep() == 0, "a fresh request is left to its own message"
    TrustRecheck.objects.update(requested_at=timezone.now() - timedelta(minutes=6))
    assert tasks.trust_recheck_sweep() == 1

    assert not TrustRecheck.objects.exists()
    assert TrustEvaluation.objects.filter(consignment=tw_us_consignment, authority=tw_customs).exists()


def test_repeated_requests_are_swept_once(
    tw_us_consignment, tw_customs, alpha, grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        certificate = grant(tw_customs, alpha, "TW-1")

        certificates.certificate_status_set(
            actor=Actor(partner=tw_customs, role="operator"),
            certificate=certificate,
            status="suspended",
            effective_on=timezone.localdate(),
            reason="audit",
        )
    assert TrustRecheck.objects.count() == 2
    TrustRecheck.objects.update(requested_at=timezone.now() - timedelta(minutes=6))
    assert tasks.trust_recheck_sweep() == 1
    assert not TrustRecheck.objects.exists()


def test_a_request_made_while_the_task_ran_stays_pending(tw_customs, alpha, grant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        grant(tw_customs, alpha, "TW-1")
    later = TrustRecheck.objects.get()
    TrustRecheck.objects.filter(pk=later.pk).update(requested_at=timezone.now() + timedelta(seconds=30))
    tasks.trust_reevaluate(holder_ids=[str(alpha.pk)], as_of=None)
    assert TrustRecheck.objects.filter(pk=later.pk).exists(), "asked after the run started: not covered by it"


# --- One worker at a time (the claim on a request's key) ---------------------------------------------------

STALE = work.claim_lifetime()


def _lost_request(grant, tw_customs, alpha, capture) -> TrustRecheck:
    """A certificate granted to alpha whose re-evaluation message the broker lost."""
    with capture(execute=False):
        grant(tw_customs, alpha, "TW-1")
    return TrustRecheck.objects.get()


def test_a_request_another_worker_runs_is_left_to_it(
    tw_us_consignment, tw_customs, alpha, grant, django_capture_on_commit_callbacks
):
    pending = _lost_request(grant, tw_customs, alpha, django_capture_on_commit_callbacks)
    assert work.claim(TrustRecheck, pending.pk, by="other-host:4242", stale_after=STALE)

    assert tasks.trust_reevaluate(**pending.params) == 0
    assert not TrustEvaluation.objects.exists(), "the second worker did nothing"
    pending.refresh_from_db()
    assert pending.claimed_by == "other-host:4242", "and left the first one's claim alone"


def test_of_two_workers_on_one_request_only_one_holds_it(tw_customs, alpha, grant, django_capture_on_commit_callbacks):
    pending = _lost_request(grant, tw_customs, alpha, django_capture_on_commit_callbacks)
    with reevaluation.trust_recheck_claimed(key=pending.key) as first:
        with reevaluation.trust_recheck_claimed(key=pending.key) as second:
            assert (first, second) == (True, False)
        assert TrustRecheck.objects.get().claimed_at is not None, "the loser does not release the winner's claim"
    assert TrustRecheck.objects.get().claimed_at is None, "released when the run ends"


def test_a_worker_that_died_leaves_a_claim_the_sweep_takes_back(
    tw_us_consignment, tw_customs, alpha, grant, django_capture_on_commit_callbacks
):
    pending = _lost_request(grant, tw_customs, alpha, django_capture_on_commit_callbacks)
    assert work.claim(TrustRecheck, pending.pk, by="dead-host:1", stale_after=STALE)
    TrustRecheck.objects.update(requested_at=timezone.now() - STALE * 2)
    assert tasks.trust_recheck_sweep() == 0, "a held request is not re-enqueued while its claim lives"

    TrustRecheck.objects.update(claimed_at=timezone.now() - STALE - timedelta(seconds=1))
    assert tasks.trust_recheck_sweep() == 1
    assert not TrustRecheck.objects.exists()
    assert TrustEvaluation.objects.filter(consignment=tw_us_consignment, authority=tw_customs).exists()


def test_a_failed_run_releases_its_claim_for_the_retry(
    tw_us_consignment, tw_customs, alpha, grant, django_capture_on_commit_callbacks, monkeypatch
):
    pending = _lost_request(grant, tw_customs, alpha, django_capture_on_commit_callbacks)

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(reevaluation, "trust_reevaluate_consignments", database_gone)
    with pytest.raises(OperationalError):
        tasks.trust_reevaluate.run(**pending.params)
    pending.refresh_from_db()
    assert (pending.claimed_at, pending.claimed_by) == (None, "")
