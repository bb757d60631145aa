"""The re-evaluation ledger (DESIGN §10): a lost message delays a trust re-evaluation, never loses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.compliance import tasks
from apps.compliance.models import TrustEvaluation, TrustRecheck

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
        from apps.compliance.services import certificates
        from apps.partners.access import Actor

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
