"""A chain that grows is re-judged: a new step recorder or a change of parties re-evaluates trust.

The chain is the one of test_tasks (Alpha ships with a TW AEO, Bravo carries with a KR AEO, Echo
receives with a US AEO; the TW-US and KR-US MRAs make US customs trust it fully), plus Foxtrot
Haulage, the uncertified trucker named as notify party: a notify party is not judged, until it
records a step of its own. Each test runs the re-evaluation through the ledger's task.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import tasks
from apps.compliance.models import TrustEvaluation, TrustRecheck
from apps.disruptions.models import Alert
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments import services as shipments
from apps.shipments.models import Consignment
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.shipments.conftest import CONTAINER, actor_for, consignment_data

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"
PARTIES = [
    {"partner": "alpha", "role": "consignor"},
    {"partner": "bravo", "role": "carrier"},
    {"partner": "echo-imports", "role": "consignee"},
    {"partner": "foxtrot-haulage", "role": "notify_party"},
]


def trust_alerts():
    """The trust alerts (the corridor watch also judges the steps these tests record, by the clock)."""
    return Alert.objects.filter(kind="trust_change")


@pytest.fixture
def haulier(db):
    return PartnerFactory(slug="foxtrot-haulage", name="Foxtrot Haulage", country="US", kinds=[PartnerKind.CARRIER])


@pytest.fixture
def terry(haulier):
    """The haulier's dispatcher (operator)."""
    return MembershipFactory(user=UserFactory(username="terry"), partner=haulier, role=MemberRole.OPERATOR).user


@pytest.fixture
def trusted(
    alpha,
    alice,
    bravo,
    us_importer,
    haulier,
    tw_customs,
    kr_customs,
    us_customs,
    grant,
    arrange,
    django_capture_on_commit_callbacks,
) -> Consignment:
    """The TW→US consignment in transit, its verdicts judged and stored: fully trusted by US customs."""
    with django_capture_on_commit_callbacks(execute=True):
        consignment = shipments.consignment_create(
            actor=actor_for(alpha, alice),
            data=consignment_data(
                destination="USLAX",
                parties=PARTIES,
                legs=[{"sequence": 1, "mode": "sea", "origin": "TWKHH", "destination": "USLAX", "carrier": "bravo"}],
            ),
        )
        Consignment.objects.filter(pk=consignment.pk).update(status="in_transit")
        grant(tw_customs, alpha, "TW-AEO-1")
        grant(kr_customs, bravo, "KR-AEO-1")
        grant(us_customs, us_importer, "US-CTPAT-1", certificate_type="CTPAT tier 3")
        arrange("tw-us", tw_customs, us_customs)
        arrange("kr-us", kr_customs, us_customs)
    assert _verdicts(consignment) == {"tw-customs": "partially_trusted", "us-cbp": "fully_trusted"}
    assert not TrustRecheck.objects.exists()
    return consignment


def _verdicts(consignment: Consignment) -> dict[str, str]:
    return {e.authority.slug: e.status for e in TrustEvaluation.objects.filter(consignment=consignment)}


def _verdict_writes(queries: CaptureQueriesContext) -> list[str]:
    """Rows written by a re-evaluation, but for its own ledger entry (claimed, then cleared)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE")) and "compliance_trustrecheck" not in q["sql"]
    ]


def _gate_out(consignment: Consignment, event_id: str = "foxtrot-gtot-1") -> dict[str, Any]:
    """The haulier's truck takes the container out of the terminal at Los Angeles."""
    return {
        "event_id": event_id,
        "type": "EQUIPMENT",
        "event_code": "GTOT",
        "event_time": "2026-03-20T09:30:00-07:00",
        "location": "USLAX",
        "consignment": str(consignment.pk),
        "equipment": [CONTAINER],
        "mode_of_transport": "TRUCK",
    }


def test_an_uncertified_recorder_changes_the_verdict_and_alerts_the_deciding_authority_once(
    trusted, terry, client_for, us_customs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the task is run by hand below
        assert client_for(terry).post(EVENTS, _gate_out(trusted), format="json").status_code == 201
    pending = TrustRecheck.objects.get()
    assert pending.params["consignment_ids"] == [str(trusted.pk)]

    assert tasks.trust_reevaluate(**pending.params) == 2

    assert _verdicts(trusted) == {"tw-customs": "partially_trusted", "us-cbp": "partially_trusted"}
    us = TrustEvaluation.objects.get(consignment=trusted, authority=us_customs).evaluation
    foxtrot = next(p for p in us["parties"] if p["partner"] == "foxtrot-haulage")
    assert (foxtrot["roles"], foxtrot["outcome"]) == (["notify_party", "step_recorder"], "no_certificate")
    alert = trust_alerts().get()
    assert (alert.partner, alert.kind, alert.consignment) == (us_customs, "trust_change", trusted)
    assert (alert.evidence["before"], alert.evidence["after"]) == ("fully_trusted", "partially_trusted")
    assert not TrustRecheck.objects.exists()


def test_the_reevaluation_follows_the_recording_once_committed(
    trusted, terry, client_for, us_customs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(terry).post(EVENTS, _gate_out(trusted), format="json").status_code == 201

    assert _verdicts(trusted)["us-cbp"] == "partially_trusted"
    assert trust_alerts().get().partner == us_customs
    assert not TrustRecheck.objects.exists()


def test_a_second_identical_event_raises_nothing_new(trusted, terry, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(terry).post(EVENTS, _gate_out(trusted), format="json")
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(terry).post(EVENTS, _gate_out(trusted), format="json").status_code == 200  # a repeat

    assert trust_alerts().count() == 1
    assert not TrustRecheck.objects.exists()


def test_another_step_by_a_known_recorder_rejudges_nothing(
    trusted, terry, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(terry).post(EVENTS, _gate_out(trusted), format="json")
    with django_capture_on_commit_callbacks(execute=False):
        client_for(terry).post(EVENTS, _gate_out(trusted, event_id="foxtrot-gtot-2"), format="json")
    pending = TrustRecheck.objects.get()

    with CaptureQueriesContext(connection) as queries:
        assert tasks.trust_reevaluate(**pending.params) == 0

    assert _verdict_writes(queries) == []
    assert trust_alerts().count() == 1
    assert not TrustRecheck.objects.exists()


def test_a_judged_party_recording_its_first_step_rejudges_nothing(
    trusted, alpha, olga, client_for, django_capture_on_commit_callbacks
):
    departure = {**_gate_out(trusted, event_id="alpha-gtot-1"), "location": "TWKHH", "mode_of_transport": "TRUCK"}
    with django_capture_on_commit_callbacks(execute=False):
        assert client_for(olga).post(EVENTS, departure, format="json").status_code == 201
    pending = TrustRecheck.objects.get()

    with CaptureQueriesContext(connection) as queries:
        assert tasks.trust_reevaluate(**pending.params) == 0

    assert _verdict_writes(queries) == [], "the consignor was judged already: a new role of it changes no verdict"


def test_a_new_party_rejudges_the_chain(trusted, alpha, alice, us_customs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shipments.consignment_update(
            actor=actor_for(alpha, alice),
            consignment=trusted,
            data={"parties": [*PARTIES, {"partner": "foxtrot-haulage", "role": "carrier"}]},
        )

    assert _verdicts(trusted)["us-cbp"] == "partially_trusted"
    assert trust_alerts().get().partner == us_customs


def test_a_consignment_never_judged_is_left_to_be_judged_when_shown(
    alpha, alice, bravo, us_importer, haulier, terry, client_for, us_customs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        consignment = shipments.consignment_create(
            actor=actor_for(alpha, alice), data=consignment_data(destination="USLAX", parties=PARTIES)
        )
        client_for(terry).post(EVENTS, _gate_out(consignment), format="json")

    assert not TrustEvaluation.objects.exists()
    assert not TrustRecheck.objects.exists()
    assert not trust_alerts().exists()
