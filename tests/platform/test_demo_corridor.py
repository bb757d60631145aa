"""`manage.py demo_corridor`: the Kaohsiung → Busan → Los Angeles demo, idempotent and labelled demo."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.compliance import selectors
from apps.compliance.models import AeoCertificate, CertificateStatusChange, Mra, MraChange
from apps.core import identifiers
from apps.core.models import AuditEvent
from apps.corridors.demo import DEMO_CORRIDOR
from apps.corridors.models import Baseline, ConsignmentEta, Corridor
from apps.corridors.notices.demo import DEMO_NOTICE_TITLE
from apps.corridors.notices.models import Notice
from apps.disruptions.models import Alert
from apps.partners.choices import MemberRole, PartnerKind
from apps.partners.demo import DEMO_MULTI_PARTNER_USERNAME, DEMO_PARTNERS, DEMO_PASSWORD, DEMO_STAFF_USERNAME
from apps.partners.models import Membership, Partner
from apps.shipments.models import Consignment

pytestmark = pytest.mark.django_db

User = get_user_model()


def _load(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_corridor", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "partners": Partner.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        # The partners' own writes; the demo's consignments and events add records of their own.
        "audit": AuditEvent.objects.filter(action__in=["partner.create", "user.create", "membership.create"]).count(),
        "all_audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def demo(db):
    return _load()


def test_first_run_creates_partners_users_and_memberships(demo):
    counts = _counts()
    counts.pop("all_audit")
    assert counts == {
        "partners": len(DEMO_PARTNERS),
        "users": 2 + 3 * len(DEMO_PARTNERS),
        "memberships": 2 + 3 * len(DEMO_PARTNERS),
        "audit": len(DEMO_PARTNERS) + (2 + 3 * len(DEMO_PARTNERS)) + (2 + 3 * len(DEMO_PARTNERS)),
    }
    assert "created 13 partners, 41 users, 41 memberships, 5 consignments" in demo


def test_second_run_creates_nothing(demo):
    before = _counts()
    output = _load()
    assert _counts() == before
    assert "created 0 partners, 0 users, 0 memberships, 0 consignments, 0 AEO certificates, 0 MRAs" in output


def test_second_run_restores_a_removed_membership_only(demo):
    Membership.objects.filter(user__username="shipper-viewer").delete()
    before = _counts()
    _load()
    assert _counts() == {
        **before,
        "memberships": before["memberships"] + 1,
        "audit": before["audit"] + 1,
        "all_audit": before["all_audit"] + 1,
    }


def test_customs_authorities_serve_taiwan_korea_and_the_us(demo):
    customs = Partner.objects.of_kind(PartnerKind.CUSTOMS_AUTHORITY)
    assert sorted(customs.values_list("serves_country", flat=True)) == ["KR", "TW", "US"]
    assert all(partner.country == partner.serves_country for partner in customs)


def test_every_demo_partner_is_labelled_demo(demo):
    for partner in Partner.objects.all():
        assert partner.is_demo, partner.slug
        assert "(demo)" in partner.name


def test_demo_identifiers_pass_their_checks(demo):
    for partner in Partner.objects.all():
        assert identifiers.normalize_lei(partner.lei) == partner.lei
        assert identifiers.normalize_tax_number(partner.tax_number, country=partner.country) == partner.tax_number


def test_user_creation_is_audited_as_the_command(demo):
    records = AuditEvent.objects.filter(action="user.create")
    assert records.count() == 2 + 3 * len(DEMO_PARTNERS)
    staff_record = records.get(object_repr=DEMO_STAFF_USERNAME)
    assert staff_record.actor_label == "manage.py demo_corridor"
    assert staff_record.object_type == "auth.user"
    assert staff_record.object_id == str(User.objects.get(username=DEMO_STAFF_USERNAME).pk)
    assert staff_record.changes == {"username": DEMO_STAFF_USERNAME, "is_staff": True, "is_superuser": True}


def test_partner_and_membership_creation_are_audited_on_the_partner(demo):
    partner = Partner.objects.get(slug="demo-kr-customs")
    actions = sorted(AuditEvent.objects.filter(partner=partner).values_list("action", flat=True))
    # The demo's Korean AEO certificate is audited on its issuing authority too, and so are the alerts it
    # receives (the demo's trust change, the watch's findings, the typhoon notice) on consignments it may see.
    alerts = [action for action in actions if action.startswith("alert.")]
    assert set(alerts) <= {"alert.raise", "alert.sync"}
    assert [a for a in actions if a not in alerts] == (
        ["aeo_certificate.create"] + ["membership.create"] * 3 + ["partner.create"]
    )


@pytest.mark.parametrize(
    "username", [DEMO_STAFF_USERNAME, "shipper-admin", "customs-us-viewer", DEMO_MULTI_PARTNER_USERNAME]
)
def test_demo_users_log_in_with_the_demo_password(demo, username):
    assert Client().login(username=username, password=DEMO_PASSWORD)
    assert not Client().login(username=username, password="wrong-password")


def test_each_demo_partner_has_one_member_of_each_role(demo):
    for spec in DEMO_PARTNERS:
        own = Membership.objects.filter(partner__slug=spec.slug).exclude(user__username=DEMO_MULTI_PARTNER_USERNAME)
        roles = sorted(own.values_list("role", flat=True))
        assert roles == sorted(MemberRole.values), spec.slug


def test_demo_staff_is_a_superuser(demo):
    staff = User.objects.get(username=DEMO_STAFF_USERNAME)
    assert staff.is_staff
    assert staff.is_superuser


def test_logins_option_lists_every_demo_login(demo):
    output = _load("--logins")
    assert DEMO_PASSWORD in output
    assert "customs-kr-admin" in output
    assert DEMO_STAFF_USERNAME in output


# ----------------------------------------------------------------------------------------- trust registry


def _us_verdicts() -> dict[str, str]:
    """US customs' verdict on each demo consignment, as of today."""
    us_customs = Partner.objects.get(slug="demo-us-customs")
    return {
        c.reference: str(
            selectors.chain_verdict(consignment=c, authority=us_customs, as_of=timezone.localdate()).verdict
        )
        for c in Consignment.objects.order_by("reference")
    }


def test_us_customs_sees_a_trusted_chain_an_expired_aeo_and_an_uncovered_one(demo):
    assert _us_verdicts() == {
        "DEMO-KHH-LAX-0001": "fully_trusted",
        "DEMO-KHH-LAX-0002": "fully_trusted",
        "DEMO-KHH-LAX-0003": "fully_trusted",
        "DEMO-KHH-LAX-0004": "partially_trusted",
        "DEMO-KHH-LAX-0005": "partially_trusted",
    }
    us_customs = Partner.objects.get(slug="demo-us-customs")
    today = timezone.localdate()

    def shipper(reference: str, slug: str):
        consignment = Consignment.objects.get(reference=reference)
        return selectors.chain_verdict(consignment=consignment, authority=us_customs, as_of=today).party(slug)

    trusted = shipper("DEMO-KHH-LAX-0002", "demo-formosa-precision")
    assert (trusted.outcome, trusted.mra.key) == ("trusted_mra", "demo-tw-us")
    assert trusted.recognition.assumed_from_signing
    expired = shipper("DEMO-KHH-LAX-0004", "demo-tainan-circuits")
    assert expired.outcome == "expired"
    assert expired.certificate.number == "DEMO-TW-AEOS-0005"
    uncovered = shipper("DEMO-KHH-LAX-0005", "demo-hsinchu-components")
    assert uncovered.outcome == "not_recognised"
    assert "covers only AEOS AEOs of demo-tw-customs, not type AEOG" in uncovered.reason


def test_demo_mras_follow_the_reference_data(demo):
    rows = {
        m.key: (m.signed_on.isoformat(), m.in_force_from and m.in_force_from.isoformat(), m.status)
        for m in Mra.objects.all()
    }
    assert rows == {
        "demo-kr-tw": ("2015-12-22", "2016-10-01", "in force"),
        "demo-kr-us": ("2010-06-25", None, "signed"),
        "demo-tw-us": ("2012-11-26", None, "signed"),
    }
    tw_us = Mra.objects.get(key="demo-tw-us")
    assert "assumed in force from signing (2012-11-26)" in tw_us.notes
    assert dict(tw_us.participants.values_list("authority__slug", "recognised_types")) == {
        "demo-tw-customs": ["AEOS"],
        "demo-us-customs": None,
    }


def test_demo_certificates_are_marked_demo_and_the_expiry_is_recorded(demo):
    assert AeoCertificate.objects.count() == 10
    assert all(number.startswith("DEMO-") for number in AeoCertificate.objects.values_list("number", flat=True))
    assert all(holder.is_demo for holder in Partner.objects.filter(aeo_certificates__isnull=False))
    expired = AeoCertificate.objects.get(number="DEMO-TW-AEOS-0005")
    assert expired.status == "expired"
    assert list(expired.status_changes.values_list("status", "reason")) == [
        ("valid", "granted"),
        ("expired", "validity period ended"),
    ]
    assert sorted(Alert.objects.filter(kind="aeo_expired").values_list("partner__slug", flat=True)) == [
        "demo-tainan-circuits",
        "demo-tw-customs",
    ]


def test_second_run_leaves_the_trust_registry_alone(demo):
    def registry() -> tuple[int, ...]:
        return (
            AeoCertificate.objects.count(),
            CertificateStatusChange.objects.count(),
            Mra.objects.count(),
            MraChange.objects.count(),
            Alert.objects.count(),
            AuditEvent.objects.count(),
        )

    before = registry()
    output = _load()
    assert registry() == before
    assert "0 AEO certificates, 0 MRAs, 0 certificates expired" in output
    assert _us_verdicts()["DEMO-KHH-LAX-0004"] == "partially_trusted"


def test_customs_officers_of_the_three_authorities_can_log_in(demo):
    for username in ("customs-tw-operator", "customs-kr-operator", "customs-us-operator"):
        assert Client().login(username=username, password=DEMO_PASSWORD), username


def test_the_demo_lane_is_a_watched_corridor_with_baselines_and_etas(demo, client):
    corridor = Corridor.objects.get(slug=DEMO_CORRIDOR)
    assert corridor.nodes == ["TWKHH", "KRPUS", "USLAX"]
    assert corridor.owner.slug == "demo-harbor-link"
    assert corridor.members.count() == len(DEMO_PARTNERS) - 1
    assert "1 corridors" in demo
    # One demo consignment has completed the lane: too few for history, so the sailings' plan counts.
    transit = Baseline.objects.get(corridor=corridor, kind="transit", from_locode="KRPUS")
    assert (transit.source, transit.samples, transit.median_seconds) == ("schedule", 1, 12 * 24 * 3600)
    etas = {eta.consignment.reference: eta for eta in ConsignmentEta.objects.select_related("consignment")}
    assert sorted(etas) == [f"DEMO-KHH-LAX-000{n}" for n in range(1, 6)]
    assert etas["DEMO-KHH-LAX-0001"].basis["state"] == "arrived"
    assert all(eta.corridor == corridor for eta in etas.values())
    client.force_login(User.objects.get(username="consignee-viewer"))
    page = client.get(f"/corridors/{DEMO_CORRIDOR}/").content.decode()
    assert "DEMO-KHH-LAX-0004" in page


def test_the_delivered_consignments_legs_have_their_actual_times(demo):
    delivered = Consignment.objects.get(reference="DEMO-KHH-LAX-0001")
    legs = list(delivered.legs.order_by("sequence"))
    assert all(leg.actual_departure and leg.actual_arrival for leg in legs)
    assert legs[0].actual_arrival < legs[1].actual_departure
    started = Consignment.objects.get(reference="DEMO-KHH-LAX-0005")  # loaded, not yet departed
    assert [leg.actual_departure for leg in started.legs.all()] == [None, None]


def test_the_consignment_page_shows_the_eta_and_names_each_terminal_that_held_it(demo, client):
    moving = Consignment.objects.get(reference="DEMO-KHH-LAX-0002")
    client.force_login(User.objects.get(username="consignee-viewer"))
    html = client.get(f"/consignments/{moving.pk}/").content.decode()
    assert "No estimate" not in html
    assert "between" in html  # the p10 to p90 interval
    delivered = Consignment.objects.get(reference="DEMO-KHH-LAX-0001")
    html = client.get(f"/consignments/{delivered.pk}/").content.decode()
    custody = html[html.index('id="custody"') : html.index('id="consistency"')]
    for terminal in ("Kaohsiung Container Terminal", "Busan New Port Terminal", "San Pedro Bay Terminal"):
        assert terminal in custody


def test_one_demo_user_acts_for_two_partners_and_can_switch(demo, client):
    client.login(username=DEMO_MULTI_PARTNER_USERNAME, password=DEMO_PASSWORD)
    home = client.get("/partner/").content.decode()
    assert 'id="partner-switch"' in home
    assert "Harbor Link Logistics (demo)" in home
    assert "Kaohsiung Container Terminal (demo)" in home
    switched = client.post("/switch-partner/", {"partner": "demo-kaohsiung-terminal", "next": "/partner/"}, follow=True)
    assert "<h1>Kaohsiung Container Terminal (demo)" in switched.content.decode()


def test_a_typhoon_notice_at_kaohsiung_reaches_the_consignment_still_to_leave_it(demo):
    notice = Notice.objects.get(title=DEMO_NOTICE_TITLE)
    assert "1 notices" in demo
    alerts = Alert.objects.open().filter(kind="notice", rule=notice.key)
    waiting = Consignment.objects.get(reference="DEMO-KHH-LAX-0005")  # loaded at Kaohsiung, not departed
    on_it = alerts.filter(subject_type="consignment")
    assert set(on_it.values_list("consignment__reference", flat=True)) == {waiting.reference}
    partners = set(on_it.values_list("partner__slug", flat=True))
    assert {"demo-harbor-link", "demo-pacific-bridge", "demo-tw-customs"} <= partners
    evidence = on_it.first().evidence
    assert evidence["touches"] == "departure"
    assert evidence["leg"]["origin"] == "TWKHH"
    assert "Kaohsiung" in evidence["summary"] or "TWKHH" in evidence["summary"]
    assert alerts.filter(subject_type="corridor", subject_id=DEMO_CORRIDOR).count() == len(DEMO_PARTNERS)
    assert alerts.filter(subject_type="voyage", partner__slug="demo-pacific-bridge").exists()
    # A second run changes nothing.
    before = alerts.count()
    assert "0 notices" in _load()
    assert alerts.count() == before
