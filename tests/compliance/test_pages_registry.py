"""/compliance/aeo/ and /compliance/mras/: customs register and manage their own AEOs; everyone reads MRAs."""

from datetime import date

import pytest

from apps.compliance.models import AeoCertificate, CertificateStatusChange, ValidityPeriod
from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_an_officer_registers_a_certificate_of_its_authority(browser, tina, tw_customs, alpha):
    response = browser(tina).post(
        "/compliance/aeo/",
        {
            "holder": "alpha",
            "number": "TW-AEO-7",
            "certificate_type": "security and safety",
            "valid_from": "2025-01-01",
        },
    )
    certificate = AeoCertificate.objects.get(number="TW-AEO-7")
    assert response.status_code == 302
    assert response["Location"] == f"/compliance/aeo/{certificate.pk}/"
    assert (certificate.authority, certificate.holder, certificate.status) == (tw_customs, alpha, "valid")
    assert AuditEvent.objects.filter(action="aeo_certificate.create", object_id=str(certificate.pk)).exists()
    page = browser(tina).get(response["Location"]).content.decode()
    assert "TW-AEO-7" in page
    assert "Alpha Exports" in page
    assert "Renew" in page


def test_bad_input_is_shown_on_the_form_and_nothing_is_stored(browser, tina, alpha, tw_customs):
    response = browser(tina).post(
        "/compliance/aeo/",
        {
            "holder": "alpha",
            "number": "TW-AEO-8",
            "certificate_type": "full",
            "valid_from": "2025-06-01",
            "valid_until": "2025-01-01",
        },
    )
    assert response.status_code == 200
    assert "is before valid_from" in response.content.decode()
    response = browser(tina).post(
        "/compliance/aeo/", {"holder": "nobody", "number": "X", "certificate_type": "full", "valid_from": "2025-06-01"}
    )
    assert "No partner" in response.content.decode()
    assert not AeoCertificate.objects.exists()


def test_renewal_and_status_change_on_the_certificate_page(browser, tina, tw_customs, alpha, grant):
    certificate = grant(tw_customs, alpha, "TW-9", valid_from=date(2022, 1, 1), valid_until=date(2024, 12, 31))
    client = browser(tina)
    url = f"/compliance/aeo/{certificate.pk}/"
    overlap = client.post(url, {"form": "renew", "valid_from": "2024-06-01", "valid_until": "2027-12-31"})
    assert "may not overlap" in overlap.content.decode()
    assert (
        client.post(url, {"form": "renew", "valid_from": "2025-01-01", "valid_until": "2027-12-31"}).status_code == 302
    )
    assert ValidityPeriod.objects.filter(certificate=certificate).count() == 2
    done = client.post(url, {"form": "status", "status": "suspended", "effective_on": "2026-03-01", "reason": "audit"})
    assert done.status_code == 302
    assert CertificateStatusChange.objects.filter(certificate=certificate, status="suspended", reason="audit").exists()


def test_another_authority_may_read_but_not_change_a_certificate(browser, kim, tw_customs, alpha, grant):
    certificate = grant(tw_customs, alpha, "TW-10")
    client = browser(kim)
    page = client.get(f"/compliance/aeo/{certificate.pk}/")
    assert page.status_code == 200
    assert "Change status" not in page.content.decode()
    refused = client.post(
        f"/compliance/aeo/{certificate.pk}/",
        {"form": "status", "status": "revoked", "effective_on": "2026-01-01", "reason": "no"},
    )
    assert refused.status_code == 403
    assert AeoCertificate.objects.get().status == "valid"


def test_a_trader_sees_only_its_own_certificates_and_cannot_register(browser, alice, charlie, tw_customs, bravo, grant):
    alpha = alice.memberships.get().partner
    own = grant(tw_customs, alpha, "TW-11")
    other = grant(tw_customs, bravo, "TW-12")
    listing = browser(alice).get("/compliance/aeo/").content.decode()
    assert "TW-11" in listing
    assert "TW-12" not in listing
    assert "Register a certificate" not in listing
    assert browser(alice).get(f"/compliance/aeo/{other.pk}/").status_code == 404
    assert (
        browser(alice)
        .post(
            "/compliance/aeo/",
            {"holder": "alpha", "number": "SELF", "certificate_type": "full", "valid_from": "2025-01-01"},
        )
        .status_code
        == 403
    )
    assert browser(charlie).get(f"/compliance/aeo/{own.pk}/").status_code == 404


def test_mra_pages_show_participants_and_dates(browser, alice, tw_customs, kr_customs, arrange):
    arrange("kr-tw", tw_customs, kr_customs, name="Korea-Taiwan AEO MRA", in_force_from=date(2016, 10, 1))
    listing = browser(alice).get("/compliance/mras/").content.decode()
    assert "Korea-Taiwan AEO MRA" in listing
    assert "2016-10-01" in listing
    page = browser(alice).get("/compliance/mras/kr-tw/").content.decode()
    assert "Korea Customs Service" in page
    assert "all types" in page
    assert "created" in page


def test_pages_need_login(client):
    assert client.get("/compliance/aeo/").status_code == 302
    assert client.get("/compliance/mras/").status_code == 302
