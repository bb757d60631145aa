"""/api/v1/partners/: members see and (admins) edit their own partner; staff register and see all."""

import pytest

from apps.core.models import AuditEvent
from apps.partners.models import Partner, PartnerKindLink
from tests.helpers import assert_problem, audit_for, error_fields

pytestmark = pytest.mark.django_db

GLEIF_EXAMPLE_LEI = "5493001KJTIIGC8Y1R12"
VALID_TW_UBN = "04595257"


def _register(api, **fields):
    body = {"name": "Kaohsiung Widgets", "country": "TW", "kinds": ["shipper"], **fields}
    return api.post("/api/v1/partners/", body, format="json")


def _nothing_written() -> bool:
    return not Partner.objects.filter(name="Kaohsiung Widgets").exists() and not AuditEvent.objects.exists()


def test_member_sees_only_own_partner(client_for, alice, charlie):
    response = client_for(alice).get("/api/v1/partners/")
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["results"]] == ["alpha"]


def test_other_partner_detail_is_404(client_for, alice, charlie):
    response = client_for(alice).get("/api/v1/partners/bravo/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_staff_sees_every_partner(client_for, staff, alpha, bravo):
    slugs = [p["slug"] for p in client_for(staff).get("/api/v1/partners/").json()["results"]]
    assert sorted(slugs) == ["alpha", "bravo"]


def test_detail_shows_kinds_and_identifiers(client_for, bob, alpha):
    body = client_for(bob).get("/api/v1/partners/alpha/").json()
    assert body["kinds"] == ["shipper"]
    assert body["lei"] == alpha.lei
    assert body["country"] == "TW"


# --- registering ----------------------------------------------------------------------------


def test_staff_registers_a_partner_with_normalised_identifiers(client_for, staff):
    response = _register(
        client_for(staff),
        country="tw",
        lei=GLEIF_EXAMPLE_LEI.lower(),
        eori="de-1234567",
        tax_number=f" {VALID_TW_UBN} ",
        kinds=["shipper", "consignee", "shipper"],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "kaohsiung-widgets"
    assert body["country"] == "TW"
    assert body["lei"] == GLEIF_EXAMPLE_LEI
    assert body["eori"] == "DE1234567"
    assert body["tax_number"] == VALID_TW_UBN
    assert body["kinds"] == ["consignee", "shipper"]
    assert body["is_demo"] is False


def test_partner_registration_is_audited(client_for, staff):
    response = _register(client_for(staff), lei=GLEIF_EXAMPLE_LEI)
    partner = Partner.objects.get(slug="kaohsiung-widgets")
    record = audit_for(response, "partner.create")
    assert record.actor_label == "staff"
    assert record.actor_user == staff
    assert record.partner == partner
    assert record.object_type == "partners.partner"
    assert record.object_id == str(partner.pk)
    assert record.changes["lei"] == GLEIF_EXAMPLE_LEI
    assert record.changes["kinds"] == ["shipper"]


def test_customs_authority_registers_with_the_country_it_serves(client_for, staff):
    response = _register(
        client_for(staff), name="Korea Customs", country="KR", kinds=["customs_authority"], serves_country="kr"
    )
    assert response.status_code == 201, response.content
    assert response.json()["serves_country"] == "KR"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lei": "5493001KJTIIGC8Y1R17"}, "lei"),
        ({"lei": "TOO-SHORT"}, "lei"),
        ({"country": "XX"}, "country"),
        ({"eori": "US123456789"}, "eori"),
        ({"eori": "GB123456789000"}, "eori"),
        ({"tax_number": "04595252"}, "tax_number"),
        ({"kinds": ["customs_authority"]}, "serves_country"),
        ({"kinds": ["customs_authority"], "serves_country": "XX"}, "serves_country"),
        ({"serves_country": "TW"}, "serves_country"),
        ({"kinds": []}, "kinds"),
        ({"kinds": ["pirate"]}, "kinds.0"),
        ({"name": "   "}, "name"),
        ({"slug": "not a slug"}, "slug"),
    ],
)
def test_invalid_partner_is_400_naming_the_field_and_writes_nothing(client_for, staff, fields, field):
    response = _register(client_for(staff), **fields)
    assert_problem(response, 400, problem="validation-error", field=field)
    assert _nothing_written()
    assert not PartnerKindLink.objects.exists()


def test_every_bad_identifier_is_reported_at_once(client_for, staff):
    response = _register(client_for(staff), lei="5493001KJTIIGC8Y1R17", eori="XX1", country="XX")
    assert {"lei", "eori", "country"} <= set(error_fields(assert_problem(response, 400)))


def test_taken_lei_or_slug_is_400_naming_it(client_for, staff, alpha):
    assert_problem(_register(client_for(staff), lei=alpha.lei), 400, field="lei")
    assert_problem(_register(client_for(staff), slug="alpha"), 400, field="slug")
    assert _nothing_written()


@pytest.mark.parametrize("member", ["alice", "olga", "bob"])
def test_members_cannot_register_partners(client_for, request, member):
    response = _register(client_for(request.getfixturevalue(member)))
    assert_problem(response, 403, problem="permission-denied")
    assert _nothing_written()


# --- editing --------------------------------------------------------------------------------


def test_admin_updates_own_partner_and_it_is_audited(client_for, alice, alpha):
    response = client_for(alice).patch(
        "/api/v1/partners/alpha/",
        {"name": "Alpha Exports Ltd", "eori": "de-99"},
        format="json",
        headers={"X-Request-ID": "rename-alpha-01"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Alpha Exports Ltd"
    assert response.json()["eori"] == "DE99"
    assert response["X-Request-ID"] == "rename-alpha-01"
    record = audit_for(response, "partner.update")
    assert record.actor_label == "alice"
    assert record.partner == alpha
    assert record.object_id == str(alpha.pk)
    assert record.changes == {"name": ["Alpha Exports", "Alpha Exports Ltd"], "eori": ["", "DE99"]}


def test_update_that_changes_nothing_is_not_audited(client_for, alice):
    response = client_for(alice).patch(
        "/api/v1/partners/alpha/", {"name": "Alpha Exports", "slug": "alpha"}, format="json"
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lei": "5493001KJTIIGC8Y1R17"}, "lei"),
        ({"country": "XX"}, "country"),
        ({"tax_number": "04595252"}, "tax_number"),
    ],
)
def test_invalid_update_is_400_and_changes_nothing(client_for, alice, alpha, fields, field):
    before = Partner.objects.values().get(pk=alpha.pk)
    response = client_for(alice).patch("/api/v1/partners/alpha/", {"name": "Renamed", **fields}, format="json")
    assert_problem(response, 400, field=field)
    assert Partner.objects.values().get(pk=alpha.pk) == before
    assert not AuditEvent.objects.exists()


def test_changing_country_revalidates_the_tax_number(client_for, alice, alpha):
    # alpha's Taiwanese business number is not a valid Korean one.
    assert_problem(
        client_for(alice).patch("/api/v1/partners/alpha/", {"country": "KR"}, format="json"), 400, field="tax_number"
    )


@pytest.mark.parametrize(
    "fields", [{"slug": "alpha-2"}, {"is_active": False}, {"kinds": ["carrier"]}], ids=["slug", "active", "kinds"]
)
def test_admin_cannot_change_staff_only_fields(client_for, alice, alpha, fields):
    response = client_for(alice).patch("/api/v1/partners/alpha/", fields, format="json")
    assert_problem(response, 403, problem="permission-denied")
    alpha.refresh_from_db()
    assert (alpha.slug, alpha.is_active, alpha.kinds) == ("alpha", True, ["shipper"])


@pytest.mark.parametrize("member", ["olga", "bob"])
def test_operator_and_viewer_cannot_edit(client_for, request, alpha, member):
    response = client_for(request.getfixturevalue(member)).patch(
        "/api/v1/partners/alpha/", {"name": "x"}, format="json"
    )
    assert_problem(response, 403)
    alpha.refresh_from_db()
    assert alpha.name == "Alpha Exports"


def test_staff_changes_kinds_and_status(client_for, staff, alpha):
    response = client_for(staff).patch(
        "/api/v1/partners/alpha/", {"kinds": ["carrier", "shipper"], "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["kinds"] == ["carrier", "shipper"]
    assert response.json()["is_active"] is False
    record = audit_for(response, "partner.update")
    assert record.changes == {"is_active": [True, False], "kinds": [["shipper"], ["carrier", "shipper"]]}
    assert record.partner == alpha


def test_filter_by_country(client_for, staff, alpha, bravo):
    slugs = [p["slug"] for p in client_for(staff).get("/api/v1/partners/?country=KR").json()["results"]]
    assert slugs == ["bravo"]
