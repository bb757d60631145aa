"""Re-evaluation after registry changes, the daily expiry and MRA date passes, and their beat schedule.

The chain used throughout is the conftest's TW→US consignment: Alpha (TW AEO) ships, Bravo (KR AEO)
carries, Echo (US AEO) receives; Taiwan's and US customs decide. With TW-US and KR-US MRAs the US
verdict is fully trusted; Taiwan, with no MRA with Korea, trusts the chain partially.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.conf import settings
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.compliance import selectors, tasks, trust
from apps.compliance.choices import CertificateStatus
from apps.compliance.models import AeoCertificate, Mra, TrustEvaluation, ValidityPeriod
from apps.compliance.services import certificates, mras, passes, reevaluation
from apps.core.models import AuditEvent
from apps.disruptions.models import Alert
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.partners.models import Partner
from apps.shipments import services as shipments
from apps.shipments.models import Consignment
from corridor.celery import app
from tests.core.test_worker import _forget_broker_connections
from tests.shipments.conftest import actor_for, consignment_data

TODAY = date(2025, 3, 1)


@pytest.fixture
def chain(tw_us_consignment, alpha, bravo, us_importer, tw_customs, kr_customs, us_customs, grant, arrange):
    """Certificates for the three parties, and the TW-US and KR-US MRAs."""
    certificates = {
        "alpha": grant(tw_customs, alpha, "TW-AEO-1"),
        "bravo": grant(kr_customs, bravo, "KR-AEO-1"),
        "echo": grant(us_customs, us_importer, "US-CTPAT-1", certificate_type="CTPAT tier 3"),
    }
    mras = {"tw-us": arrange("tw-us", tw_customs, us_customs), "kr-us": arrange("kr-us", kr_customs, us_customs)}
    return {"consignment": tw_us_consignment, "certificates": certificates, "mras": mras}


def _evaluations(consignment: Consignment) -> dict[str, TrustEvaluation]:
    return {e.authority.slug: e for e in TrustEvaluation.objects.filter(consignment=consignment)}


def _verdicts(consignment: Consignment) -> dict[str, str]:
    return {slug: e.status for slug, e in _evaluations(consignment).items()}


def _outcome(evaluation: dict[str, Any], partner: str) -> str:
    return next(p["outcome"] for p in evaluation["parties"] if p["partner"] == partner)


def _suspend(certificate: AeoCertificate, on: date, status: str = CertificateStatus.SUSPENDED) -> None:
    certificates.certificate_status_set(
        actor=Actor(partner=certificate.authority, role=MemberRole.OPERATOR),
        certificate=certificate,
        status=status,
        effective_on=on,
        reason="post-audit finding",
    )


@pytest.fixture
def no_credentials(monkeypatch):
    """AEO credentials are another feature's concern; their task is left out of these chains."""
    monkeypatch.setattr(tasks.aeo_credential_sync, "delay", lambda *args, **kwargs: None)


# ------------------------------------------------------------------------------------------ re-evaluation


def test_first_evaluation_is_recorded_without_alerts(chain):
    changed = tasks.trust_reevaluate(holder_ids=[str(chain["certificates"]["alpha"].holder_id)], as_of="2025-03-01")

    assert changed == 0
    assert _verdicts(chain["consignment"]) == {"tw-customs": "partially_trusted", "us-cbp": "fully_trusted"}
    us = _evaluations(chain["consignment"])["us-cbp"]
    assert us.as_of == TODAY
    assert us.share_trusted == 1.0
    assert _outcome(us.evaluation, "bravo") == "trusted_mra"
    assert not Alert.objects.exists()


def test_suspension_alerts_the_deciding_authority_whose_verdict_changed(chain, us_customs):
    tasks.trust_reevaluate(holder_ids=[str(chain["certificates"]["bravo"].holder_id)], as_of="2025-03-01")
    tw_before = _evaluations(chain["consignment"])["tw-customs"].evaluation

    _suspend(chain["certificates"]["bravo"], TODAY)
    changed = tasks.trust_reevaluate(holder_ids=[str(chain["certificates"]["bravo"].holder_id)], as_of="2025-03-01")

    # Both verdicts were re-judged; only the US one changed its status, so only US customs is alerted.
    assert changed == 2
    assert _verdicts(chain["consignment"]) == {"tw-customs": "partially_trusted", "us-cbp": "partially_trusted"}
    tw_after = _evaluations(chain["consignment"])["tw-customs"].evaluation
    assert (_outcome(tw_before, "bravo"), _outcome(tw_after, "bravo")) == ("not_recognised", "suspended_or_revoked")
    alert = Alert.objects.get()
    assert (alert.partner, alert.kind, alert.severity) == (us_customs, "trust_change", "warning")
    assert alert.consignment == chain["consignment"]
    assert alert.title == "Trust verdict changed from Fully trusted to Partially trusted"
    assert alert.evidence["before"] == "fully_trusted"
    assert alert.evidence["after"] == "partially_trusted"
    assert alert.evidence["evaluation"]["deciding_authority"] == "us-cbp"
    assert alert.evidence["evaluation"]["as_of"] == "2025-03-01"
    assert _outcome(alert.evidence["evaluation"], "bravo") == "suspended_or_revoked"
    record = AuditEvent.objects.get(action="alert.raise")
    assert record.partner == us_customs
    assert record.changes == {"kind": "trust_change", "count": 1, "alerts": [str(alert.pk)]}


def test_running_the_reevaluation_twice_raises_nothing_and_writes_nothing(chain):
    holder = str(chain["certificates"]["bravo"].holder_id)
    tasks.trust_reevaluate(holder_ids=[holder], as_of="2025-03-01")
    _suspend(chain["certificates"]["bravo"], TODAY)
    assert tasks.trust_reevaluate(holder_ids=[holder], as_of="2025-03-01") == 2

    with CaptureQueriesContext(connection) as queries:
        assert tasks.trust_reevaluate(holder_ids=[holder], as_of="2025-03-01") == 0

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    assert Alert.objects.count() == 1


def test_a_delivered_consignment_is_not_reevaluated(chain):
    holder = str(chain["certificates"]["bravo"].holder_id)
    tasks.trust_reevaluate(holder_ids=[holder], as_of="2025-03-01")
    Consignment.objects.filter(pk=chain["consignment"].pk).update(status="delivered")
    _suspend(chain["certificates"]["bravo"], TODAY)

    assert tasks.trust_reevaluate(holder_ids=[holder], as_of="2025-03-01") == 0
    assert _verdicts(chain["consignment"]) == {"tw-customs": "partially_trusted", "us-cbp": "fully_trusted"}
    assert not Alert.objects.exists()


def test_suspension_through_the_service_reevaluates_after_commit(
    chain, us_customs, no_credentials, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    reevaluation.trust_reevaluate_consignments(consignment_ids=[chain["consignment"].pk], as_of=today)
    with django_capture_on_commit_callbacks(execute=True):
        _suspend(chain["certificates"]["echo"], today)

    assert _verdicts(chain["consignment"]) == {"tw-customs": "partially_trusted", "us-cbp": "partially_trusted"}
    # Taiwan now finds Echo suspended instead of trusted through TW-US, but still trusts Alpha: no change
    # of verdict there, so one alert, for US customs.
    assert _outcome(_evaluations(chain["consignment"])["tw-customs"].evaluation, "echo-imports") == (
        "suspended_or_revoked"
    )
    alert = Alert.objects.get()
    assert (alert.partner, alert.evidence["before"], alert.evidence["after"]) == (
        us_customs,
        "fully_trusted",
        "partially_trusted",
    )


def test_an_mra_ending_reevaluates_only_its_authorities(
    chain, staff_actor, us_customs, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    reevaluation.trust_reevaluate_consignments(consignment_ids=[chain["consignment"].pk], as_of=today)
    tw_evaluated_at = _evaluations(chain["consignment"])["tw-customs"].evaluated_at

    with django_capture_on_commit_callbacks(execute=True):
        mras.mra_update(
            actor=staff_actor, mra=chain["mras"]["kr-us"], reason="terminated", in_force_until=today - timedelta(days=1)
        )

    evaluations = _evaluations(chain["consignment"])
    assert evaluations["us-cbp"].status == "partially_trusted"
    assert _outcome(evaluations["us-cbp"].evaluation, "bravo") == "not_recognised"
    assert evaluations["tw-customs"].evaluated_at == tw_evaluated_at  # Taiwan is not a party to KR-US
    alert = Alert.objects.get()
    assert (alert.partner, alert.evidence["before"], alert.evidence["after"]) == (
        us_customs,
        "fully_trusted",
        "partially_trusted",
    )


def test_an_mra_starting_upgrades_the_verdict_with_an_info_alert(
    chain, tw_customs, kr_customs, arrange, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    reevaluation.trust_reevaluate_consignments(consignment_ids=[chain["consignment"].pk], as_of=today)

    with django_capture_on_commit_callbacks(execute=True):
        arrange("kr-tw", kr_customs, tw_customs)

    assert _verdicts(chain["consignment"])["tw-customs"] == "fully_trusted"
    alert = Alert.objects.get()
    assert (alert.partner, alert.severity, alert.evidence["after"]) == (tw_customs, "info", "fully_trusted")


def _consignments(count: int, start: int) -> list[Any]:
    """``count`` more TW→US consignments in transit with the chain's parties."""
    alpha = Partner.objects.get(slug="alpha")
    ids = []
    for n in range(start, start + count):
        data = consignment_data(
            reference=f"PO-Q{n}",
            transport_document_number=f"BL-Q{n}",
            destination="USLAX",
            parties=[
                {"partner": "alpha", "role": "consignor"},
                {"partner": "bravo", "role": "carrier"},
                {"partner": "echo-imports", "role": "consignee"},
            ],
            legs=[{"sequence": 1, "mode": "sea", "origin": "TWKHH", "destination": "USLAX", "carrier": "bravo"}],
        )
        ids.append(shipments.consignment_create(actor=actor_for(alpha), data=data).pk)
    Consignment.objects.filter(pk__in=ids).update(status="in_transit")
    return ids


def _queries(consignment_ids: list[Any]) -> tuple[int, int]:
    """Queries of one re-evaluation of these consignments, and how many verdicts it changed."""
    with CaptureQueriesContext(connection) as queries:
        changed = reevaluation.trust_reevaluate_consignments(consignment_ids=consignment_ids, as_of=TODAY)
    return len(queries.captured_queries), changed


def test_queries_per_batch_do_not_grow_with_the_number_of_consignments(chain):
    kr_us = Mra.objects.filter(pk=chain["mras"]["kr-us"].pk)
    counts = {}
    # 40, not more: SQLite splits an insert every 999 parameters, 47 alerts (PostgreSQL inserts a batch at once).
    for size, ids in ((10, _consignments(10, 0)), (40, _consignments(40, 10))):
        first, _ = _queries(ids)
        kr_us.update(in_force_until=TODAY - timedelta(days=1))
        flipped, changed = _queries(ids)
        rerun, unchanged = _queries(ids)
        kr_us.update(in_force_until=None)
        assert (changed, unchanged) == (size, 0)
        counts[size] = {"first": first, "flipped": flipped, "rerun": rerun}

    # The first evaluation, a change of every US verdict (an alert each) and an idempotent rerun each
    # cost as many queries for 40 consignments as for 10.
    assert counts[10] == counts[40]
    assert Alert.objects.filter(kind="trust_change").count() == 50


# ------------------------------------------------------------------------------------------ expiry pass


@pytest.fixture
def expiring(tw_customs, alpha, grant) -> AeoCertificate:
    return grant(tw_customs, alpha, "TW-AEO-EXP", valid_from=date(2020, 7, 1), valid_until=date(2025, 6, 30))


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_expiry_pass_warns_90_30_and_7_days_ahead_once_each_then_expires(expiring, alpha, tw_customs, no_credentials):
    raised_on: dict[str, date] = {}
    for day in _days(date(2025, 3, 1), date(2025, 7, 5)):
        for _ in range(2):  # a doubled beat run changes nothing
            passes.aeo_expiry_pass(today=day)
        for key in Alert.objects.filter(partner=alpha).values_list("dedupe_key", flat=True):
            raised_on.setdefault(key, day)

    prefix = f"aeo-expiring:{expiring.pk}:2025-06-30"
    assert raised_on == {
        f"{prefix}:90": date(2025, 4, 1),
        f"{prefix}:30": date(2025, 5, 31),
        f"{prefix}:7": date(2025, 6, 23),
        f"aeo-expired:{expiring.pk}:2025-07-01": date(2025, 7, 1),
    }
    # The authority gets the same four alerts.
    assert Alert.objects.filter(partner=tw_customs).count() == 4
    assert list(Alert.objects.filter(partner=alpha).order_by("created_at").values_list("kind", "severity")) == [
        ("aeo_expiring", "warning"),
        ("aeo_expiring", "warning"),
        ("aeo_expiring", "critical"),
        ("aeo_expired", "critical"),
    ]
    expiring.refresh_from_db()
    assert expiring.status == CertificateStatus.EXPIRED
    assert list(expiring.status_changes.values_list("status", "effective_on", "reason")) == [
        ("valid", date(2020, 7, 1), "granted"),
        ("expired", date(2025, 7, 1), "validity period ended"),
    ]
    assert ValidityPeriod.objects.get(certificate=expiring).expiry_warned_days == 7
    assert AuditEvent.objects.filter(action="aeo_certificate.expire").count() == 1


def test_expiry_pass_is_idempotent_on_the_same_day(expiring, no_credentials):
    assert passes.aeo_expiry_pass(today=date(2025, 7, 1))["expired"] == 1
    before = (Alert.objects.count(), AuditEvent.objects.count(), expiring.status_changes.count())

    with CaptureQueriesContext(connection) as queries:
        result = passes.aeo_expiry_pass(today=date(2025, 7, 1))

    # The expiry counts from today, so the holder's chains are judged again: a read that changes nothing.
    assert result == {"warned": 0, "expired": 0, "holders_reevaluated": 1}
    assert (Alert.objects.count(), AuditEvent.objects.count(), expiring.status_changes.count()) == before
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    # Only the request to re-judge the holder's chains is written (the ledger row its task clears).
    assert [sql for sql in writes if "compliance_trustrecheck" not in sql] == []
    assert len(writes) == 1


def test_a_first_run_inside_the_30_day_window_warns_once(expiring, alpha):
    assert passes.aeo_expiry_pass(today=date(2025, 6, 10))["warned"] == 1
    assert passes.aeo_expiry_pass(today=date(2025, 6, 11))["warned"] == 0
    assert list(Alert.objects.filter(partner=alpha).values_list("dedupe_key", flat=True)) == [
        f"aeo-expiring:{expiring.pk}:2025-06-30:30"
    ]


def test_a_renewed_certificate_is_neither_warned_nor_expired(expiring, tw_customs, no_credentials):
    certificates.certificate_renew(
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=expiring,
        valid_from=date(2025, 7, 1),
        valid_until=date(2030, 6, 30),
    )
    for day in _days(date(2025, 3, 25), date(2025, 7, 3)):
        passes.aeo_expiry_pass(today=day)

    assert not Alert.objects.exists()
    expiring.refresh_from_db()
    assert expiring.status == CertificateStatus.VALID
    assert expiring.status_changes.count() == 1


def test_a_renewal_after_a_gap_counts_again_from_its_start(expiring, tw_customs, no_credentials):
    certificates.certificate_renew(
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=expiring,
        valid_from=date(2025, 8, 1),
        valid_until=date(2030, 7, 31),
    )
    results = [passes.aeo_expiry_pass(today=day)["expired"] for day in _days(date(2025, 7, 1), date(2025, 8, 3))]

    assert results == [1] + [0] * 33
    assert list(expiring.status_changes.values_list("status", "effective_on")) == [
        ("valid", date(2020, 7, 1)),
        ("expired", date(2025, 7, 1)),
        ("valid", date(2025, 8, 1)),
    ]
    assert Alert.objects.filter(kind="aeo_expired").count() == 2  # holder and authority, once
    registry = selectors.certificates_load()

    def outcome(day: date) -> str:
        verdict = trust.chain_evaluate(
            parties=[trust.Party("alpha", "consignor")],
            certificates=registry,
            mras=[],
            deciding_authority="tw-customs",
            as_of=day,
        )
        return verdict.party("alpha").outcome

    assert [outcome(date(2025, 7, 15)), outcome(date(2025, 8, 1))] == ["expired", "trusted_own_aeo"]


def test_expiry_pass_reevaluates_holders_whose_dated_changes_start_today(
    expiring, tw_customs, alpha, monkeypatch, django_capture_on_commit_callbacks
):
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.trust_reevaluate, "delay", lambda **kw: calls.append(kw))
    _suspend(expiring, date(2025, 5, 10))

    with django_capture_on_commit_callbacks(execute=True):
        assert passes.aeo_expiry_pass(today=date(2025, 5, 9))["holders_reevaluated"] == 0
        assert passes.aeo_expiry_pass(today=date(2025, 5, 10))["holders_reevaluated"] == 1
    assert calls == [{"holder_ids": [str(alpha.pk)], "as_of": "2025-05-10"}]


def test_a_suspended_certificate_is_not_warned_or_marked_expired(expiring, no_credentials):
    _suspend(expiring, date(2025, 1, 1))
    for day in (date(2025, 4, 1), date(2025, 7, 1)):
        assert passes.aeo_expiry_pass(today=day)["warned"] == 0
    expiring.refresh_from_db()
    assert expiring.status == CertificateStatus.SUSPENDED
    assert not Alert.objects.exists()


def test_expiry_pass_task_takes_an_iso_date(expiring, no_credentials):
    assert tasks.aeo_expiry_pass(today="2025-07-01") == {"warned": 0, "expired": 1, "holders_reevaluated": 1}


# ------------------------------------------------------------------------------------------ MRA date pass


def test_mra_dates_pass_enqueues_mras_starting_or_ending(
    staff_actor, tw_customs, kr_customs, us_customs, arrange, monkeypatch, django_capture_on_commit_callbacks
):
    day = date(2025, 3, 1)
    starting = arrange("kr-tw", kr_customs, tw_customs, signed_on=date(2024, 12, 1), in_force_from=day)
    ended = arrange("kr-us", kr_customs, us_customs, in_force_until=day - timedelta(days=1))
    from_signing = arrange("tw-us", tw_customs, us_customs, signed_on=day, in_force_from=None)
    arrange("old", tw_customs, us_customs, in_force_until=day)  # still in force today: ends tomorrow
    plural = mras.mra_create(
        actor=staff_actor,
        key="plural",
        name="Plurilateral",
        plurilateral=True,
        signed_on=date(2020, 1, 1),
        participants=[
            mras.ParticipantIn(authority=tw_customs, implemented_from=date(2021, 1, 1)),
            mras.ParticipantIn(authority=kr_customs, implemented_from=day),
        ],
    )
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.trust_reevaluate, "delay", lambda **kw: calls.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.mra_dates_pass(today="2025-03-01") == 4

    assert sorted(call["mra_id"] for call in calls) == sorted(
        str(m.pk) for m in (starting, ended, from_signing, plural)
    )
    assert {call["as_of"] for call in calls} == {"2025-03-01"}
    calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert passes.mra_dates_pass(today=date(2025, 3, 2)) == 1  # "old" ended on the 1st
    assert calls == [{"mra_id": str(Mra.objects.get(key="old").pk), "as_of": "2025-03-02"}]


def test_mra_dates_pass_decides_again_on_the_day_an_mra_starts(
    chain, tw_customs, kr_customs, arrange, django_capture_on_commit_callbacks
):
    day = timezone.localdate()
    arrange("kr-tw", kr_customs, tw_customs, signed_on=day - timedelta(days=30), in_force_from=day)
    reevaluation.trust_reevaluate_consignments(consignment_ids=[chain["consignment"].pk], as_of=day - timedelta(days=1))
    assert _verdicts(chain["consignment"])["tw-customs"] == "partially_trusted"

    with django_capture_on_commit_callbacks(execute=True):
        passes.mra_dates_pass(today=day)

    assert _verdicts(chain["consignment"])["tw-customs"] == "fully_trusted"
    assert Alert.objects.get().partner == tw_customs


# ------------------------------------------------------------------------------------------ beat schedule


def test_the_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
    assert schedule["aeo-expiry-pass"]["task"] == "apps.compliance.tasks.aeo_expiry_pass"
    assert schedule["mra-dates-pass"]["task"] == "apps.compliance.tasks.mra_dates_pass"
    assert schedule["aeo-expiry-pass"]["schedule"] == crontab(hour=1, minute=10)
    assert schedule["mra-dates-pass"]["schedule"] == crontab(hour=1, minute=20)


# ------------------------------------------------------------------------------------------ real worker


def _wait_for(check: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError as exc:
            # SQLite's shared-cache test database refuses a read while the worker's thread writes the
            # same table ("database table is locked"): that is "not yet", so look again.
            if "locked" not in str(exc):
                raise
        time.sleep(0.1)
    pytest.fail(f"the worker did not {what} within {seconds:.0f} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_expiry_pass_and_reevaluation_through_a_real_worker(
    tmp_path, tw_us_consignment, alpha, bravo, us_importer, tw_customs, kr_customs, us_customs, grant, arrange
):
    alpha_certificate = grant(tw_customs, alpha, "TW-AEO-W", valid_from=date(2020, 7, 1), valid_until=date(2025, 6, 30))
    grant(kr_customs, bravo, "KR-AEO-W")
    grant(us_customs, us_importer, "US-AEO-W")
    arrange("tw-us", tw_customs, us_customs)
    arrange("kr-us", kr_customs, us_customs)
    # A transactional test runs the writes' on-commit re-evaluations (eagerly, as of today): start from a
    # verdict on the last day of Alpha's certificate, with no alerts yet.
    reevaluation.trust_reevaluate_consignments(consignment_ids=[tw_us_consignment.pk], as_of=date(2025, 6, 30))
    Alert.objects.all().delete()
    assert _verdicts(tw_us_consignment)["us-cbp"] == "fully_trusted"

    previous = app.conf.broker_url
    _forget_broker_connections()
    app.conf.broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            tasks.aeo_expiry_pass.delay(today="2025-07-01")
            # The pass expires Alpha's certificate; its commit enqueues the re-evaluation of Alpha's chains.
            _wait_for(lambda: Alert.objects.filter(kind="trust_change").exists(), "re-evaluate the chain")
    finally:
        _forget_broker_connections()
        app.conf.broker_url = previous
        app.conf.task_always_eager = True

    alpha_certificate.refresh_from_db()
    assert alpha_certificate.status == CertificateStatus.EXPIRED
    assert list(alpha_certificate.status_changes.values_list("status", "effective_on")) == [
        ("valid", date(2020, 7, 1)),
        ("expired", date(2025, 7, 1)),
    ]
    assert sorted(Alert.objects.filter(kind="aeo_expired").values_list("partner__slug", flat=True)) == [
        "alpha",
        "tw-customs",
    ]
    us = _evaluations(tw_us_consignment)["us-cbp"]
    assert (us.status, us.as_of) == ("partially_trusted", date(2025, 7, 1))
    assert _outcome(us.evaluation, "alpha") == "expired"
    alert = Alert.objects.get(kind="trust_change", partner=us_customs)
    assert (alert.evidence["before"], alert.evidence["after"]) == ("fully_trusted", "partially_trusted")
