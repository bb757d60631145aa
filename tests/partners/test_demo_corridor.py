"""`manage.py demo_corridor`: the Kaohsiung → Busan → Los Angeles demo, idempotent and labelled demo."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from apps.core import identifiers
from apps.core.models import AuditEvent
from apps.partners.choices import MemberRole, PartnerKind
from apps.partners.demo import DEMO_PARTNERS, DEMO_PASSWORD, DEMO_STAFF_USERNAME
from apps.partners.models import Membership, Partner

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
        "users": 1 + 3 * len(DEMO_PARTNERS),
        "memberships": 3 * len(DEMO_PARTNERS),
        "audit": len(DEMO_PARTNERS) + (1 + 3 * len(DEMO_PARTNERS)) + 3 * len(DEMO_PARTNERS),
    }
    assert "created 11 partners, 34 users, 33 memberships" in demo


def test_second_run_creates_nothing(demo):
    before = _counts()
    output = _load()
    assert _counts() == before
    assert "created 0 partners, 0 users, 0 memberships" in output


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
    assert records.count() == 1 + 3 * len(DEMO_PARTNERS)
    staff_record = records.get(object_repr=DEMO_STAFF_USERNAME)
    assert staff_record.actor_label == "manage.py demo_corridor"
    assert staff_record.object_type == "auth.user"
    assert staff_record.object_id == str(User.objects.get(username=DEMO_STAFF_USERNAME).pk)
    assert staff_record.changes == {"username": DEMO_STAFF_USERNAME, "is_staff": True, "is_superuser": True}


def test_partner_and_membership_creation_are_audited_on_the_partner(demo):
    partner = Partner.objects.get(slug="demo-kr-customs")
    actions = sorted(AuditEvent.objects.filter(partner=partner).values_list("action", flat=True))
    assert actions == ["membership.create"] * 3 + ["partner.create"]


@pytest.mark.parametrize("username", [DEMO_STAFF_USERNAME, "shipper-admin", "customs-us-viewer"])
def test_demo_users_log_in_with_the_demo_password(demo, username):
    assert Client().login(username=username, password=DEMO_PASSWORD)
    assert not Client().login(username=username, password="wrong-password")


def test_each_demo_partner_has_one_member_of_each_role(demo):
    for spec in DEMO_PARTNERS:
        roles = sorted(Membership.objects.filter(partner__slug=spec.slug).values_list("role", flat=True))
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
