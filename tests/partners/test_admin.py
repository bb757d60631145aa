"""The admin for partners, memberships and tokens: every save goes through the services."""

import pytest

from apps.core.models import AuditEvent
from apps.partners.models import ApiToken, Membership, Partner
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

GLEIF_EXAMPLE_LEI = "5493001KJTIIGC8Y1R12"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _partner_form(**fields) -> dict:
    return {
        "name": "Busan Reefer Services",
        "slug": "busan-reefer",
        "kinds": ["carrier"],
        "country": "KR",
        "serves_country": "",
        "lei": "",
        "eori": "",
        "tax_number": "",
        "is_active": "on",
        # The read-only memberships inline still posts its management form.
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        **fields,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/partners/partner/",
        "/admin/partners/membership/",
        "/admin/partners/apitoken/",
        "/admin/core/auditevent/",
        "/admin/partners/partner/?q=alpha",
        "/admin/partners/partner/?kind_links__kind=shipper",
    ],
)
def test_superuser_opens_the_changelists(admin_client, alice, alpha, token_for, path):
    token_for(alpha)
    assert admin_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/admin/partners/partner/", "/admin/partners/apitoken/"])
def test_members_cannot_open_the_admin(client, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_partner_change_page_lists_members(admin_client, alice, alpha):
    html = admin_client.get(f"/admin/partners/partner/{alpha.pk}/change/").content.decode()
    assert "alice" in html
    assert alpha.lei in html


def test_token_change_page_never_shows_the_secret(admin_client, alpha, token_for):
    raw = token_for(alpha)
    token = ApiToken.objects.get()
    html = admin_client.get(f"/admin/partners/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in html
    assert raw not in html
    assert raw.split("_", 2)[2] not in html
    assert token.secret_hash not in html
    listing = admin_client.get("/admin/partners/apitoken/").content.decode()
    assert token.secret_hash not in listing
    assert raw not in listing


def test_tokens_cannot_be_added_or_deleted_in_the_admin(admin_client, alpha, token_for):
    token_for(alpha)
    token = ApiToken.objects.get()
    assert admin_client.get("/admin/partners/apitoken/add/").status_code == 403
    assert admin_client.post(f"/admin/partners/apitoken/{token.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiToken.objects.exists()


def test_revoke_action_revokes_through_the_service(admin_client, superuser, alpha, token_for):
    token_for(alpha)
    token = ApiToken.objects.get()
    response = admin_client.post(
        "/admin/partners/apitoken/", {"action": "revoke_selected", "_selected_action": [str(token.pk)]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == superuser
    record = AuditEvent.objects.get(action="api_token.revoke")
    assert (record.actor_label, record.partner) == ("root", alpha)


def test_creating_a_partner_goes_through_the_service_and_is_audited(admin_client, superuser):
    response = admin_client.post("/admin/partners/partner/add/", _partner_form(lei=GLEIF_EXAMPLE_LEI.lower()))
    assert response.status_code == 302, response.content.decode()[:3000]
    partner = Partner.objects.get(slug="busan-reefer")
    assert partner.lei == GLEIF_EXAMPLE_LEI
    assert partner.kinds == ["carrier"]
    record = AuditEvent.objects.get(action="partner.create")
    assert record.actor_label == "root"
    assert record.actor_user == superuser
    assert record.partner == partner
    assert record.object_id == str(partner.pk)
    assert response["Location"] == "/admin/partners/partner/"


def test_invalid_lei_in_the_admin_form_shows_an_error(admin_client):
    response = admin_client.post("/admin/partners/partner/add/", _partner_form(lei="5493001KJTIIGC8Y1R17"))
    assert response.status_code == 200
    assert "the check digits do not match" in response.content.decode()
    assert not Partner.objects.exists()
    assert not AuditEvent.objects.exists()


def test_customs_authority_without_country_served_shows_an_error(admin_client):
    response = admin_client.post("/admin/partners/partner/add/", _partner_form(kinds=["customs_authority"]))
    assert response.status_code == 200
    assert "must say which country it serves" in response.content.decode()
    assert not Partner.objects.exists()


def test_bad_tax_number_in_the_admin_form_shows_an_error(admin_client):
    response = admin_client.post("/admin/partners/partner/add/", _partner_form(country="TW", tax_number="04595252"))
    assert response.status_code == 200
    assert "TW UBN: the check digits do not match" in response.content.decode()
    assert not Partner.objects.exists()


def test_editing_a_partner_is_audited(admin_client, alpha):
    form = _partner_form(
        name="Alpha Exports Ltd",
        slug="alpha",
        kinds=["shipper"],
        country="TW",
        lei=alpha.lei,
        tax_number=alpha.tax_number,
        **{"memberships-INITIAL_FORMS": "0"},
    )
    response = admin_client.post(f"/admin/partners/partner/{alpha.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    alpha.refresh_from_db()
    assert alpha.name == "Alpha Exports Ltd"
    record = AuditEvent.objects.get(action="partner.update")
    assert record.changes == {"name": ["Alpha Exports", "Alpha Exports Ltd"]}


def test_partners_cannot_be_deleted_in_the_admin(admin_client, alpha):
    assert admin_client.post(f"/admin/partners/partner/{alpha.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Partner.objects.filter(pk=alpha.pk).exists()


def test_adding_a_membership_is_audited(admin_client, alpha):
    dora = UserFactory(username="dora")
    response = admin_client.post(
        "/admin/partners/membership/add/", {"user": dora.pk, "partner": alpha.pk, "role": "operator"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    membership = Membership.objects.get(user=dora)
    record = AuditEvent.objects.get(action="membership.create")
    assert (record.actor_label, record.partner, record.object_id) == ("root", alpha, str(membership.pk))


def test_removing_the_last_admin_in_the_admin_is_refused_with_a_message(admin_client, alice):
    membership = Membership.objects.get(user=alice)
    path = f"/admin/partners/membership/{membership.pk}/delete/"
    response = admin_client.post(path, {"post": "yes"}, follow=True)
    assert response.redirect_chain == [(path, 302)]
    assert _messages(response) == ["alice is the last admin of alpha; make another member admin first."]
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.exists()


def test_demoting_the_last_admin_in_the_admin_is_refused_with_a_message(admin_client, alice):
    membership = Membership.objects.get(user=alice)
    path = f"/admin/partners/membership/{membership.pk}/change/"
    response = admin_client.post(path, {"role": "viewer"}, follow=True)
    assert _messages(response) == ["alice is the last admin of alpha; make another member admin first."]
    membership.refresh_from_db()
    assert membership.role == "admin"
    assert not AuditEvent.objects.exists()


def test_bulk_removal_including_the_last_admin_removes_no_one(admin_client, alpha, alice):
    # aaron sorts before alice, so he is removed first and must be put back when alice is refused.
    MembershipFactory(user=UserFactory(username="aaron"), partner=alpha, role="viewer")
    selected = [str(pk) for pk in Membership.objects.values_list("pk", flat=True)]
    response = admin_client.post(
        "/admin/partners/membership/",
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
        follow=True,
    )
    assert _messages(response) == ["alice is the last admin of alpha; make another member admin first."]
    assert Membership.objects.count() == 2
    assert not AuditEvent.objects.exists()


def test_removing_a_member_in_the_admin_is_audited(admin_client, alice, bob):
    membership = Membership.objects.get(user=bob)
    response = admin_client.post(f"/admin/partners/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    record = AuditEvent.objects.get(action="membership.delete")
    assert (record.actor_label, record.changes["user"]) == ("root", "bob")
