"""/compliance/aeo/ and /compliance/mras/: customs register and manage their own AEOs; everyone reads MRAs."""

import html
import re
from datetime import date

import pytest

from apps.compliance import views_registry
from apps.compliance.models import AeoCertificate, CertificateStatusChange, ValidityPeriod
from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = "/compliance/aeo/"
API = "/api/v1/aeo-certificates/"


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


def test_a_reason_the_platform_recorded_reads_in_the_pages_language_and_a_persons_as_written(
    browser, tina, tw_customs, alpha, grant, compiled_catalogues
):
    certificate = grant(tw_customs, alpha, "TW-9", valid_from=date(2022, 1, 1), valid_until=date(2024, 12, 31))
    client = browser(tina)
    url = f"/compliance/aeo/{certificate.pk}/"
    client.post(url, {"form": "status", "status": "suspended", "effective_on": "2026-03-01", "reason": "audit found"})
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert "<td>核發</td>" in chinese  # "granted", recorded by the platform on registration
    assert "<td>audit found</td>" in chinese  # the officer's own words
    assert "<td>발급</td>" in client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    listed = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td title="security and safety">Security and safety (AEOS)</td>' in listed, "its label, code on hover"
    history = client.get(f"{API}{certificate.pk}/", HTTP_ACCEPT_LANGUAGE="zh-TW").json()["status_history"]
    assert [h["reason"] for h in history] == ["granted", "audit found"]


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
    assert "1 Oct 2016" in listing  # dates the reader's way (English: day, month's name, year)
    page = browser(alice).get("/compliance/mras/kr-tw/").content.decode()
    assert "Korea Customs Service" in page
    assert "all types" in page
    assert "created" in page


def test_pages_need_login(client):
    assert client.get("/compliance/aeo/").status_code == 302
    assert client.get("/compliance/mras/").status_code == 302


# --- filtering the register: the API's FilterSet and parameters ---------------------------------------


def listed(text: str) -> list[str]:
    """The certificate numbers a list page shows, in order."""
    return re.findall(r'<a href="/compliance/aeo/[^"]+/"><code>([^<]+)</code></a>', text)


@pytest.fixture
def register(client_for, grant, tina, tw_customs, kr_customs, alpha, bravo):
    """Three certificates: alpha's TW-AEO-1 (valid), bravo's TW-AEO-2 (suspended) and KR-AEO-42 (valid)."""
    grant(tw_customs, alpha, "TW-AEO-1")
    suspended = grant(tw_customs, bravo, "TW-AEO-2")
    grant(kr_customs, bravo, "KR-AEO-42", certificate_type="AAA")
    change = {"status": "suspended", "effective_on": "2025-03-01", "reason": "audit"}
    assert client_for(tina).post(f"{API}{suspended.pk}/status/", change, format="json").status_code == 200


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("", {"TW-AEO-1", "TW-AEO-2", "KR-AEO-42"}),
        ("status=suspended", {"TW-AEO-2"}),
        ("status=valid&authority=tw-customs", {"TW-AEO-1"}),
        ("authority=kr-customs", {"KR-AEO-42"}),
        ("holder=bravo", {"TW-AEO-2", "KR-AEO-42"}),
        ("number=TW-AEO-1", {"TW-AEO-1"}),
        ("q=tw-aeo", {"TW-AEO-1", "TW-AEO-2"}),
        ("q=Alpha", {"TW-AEO-1"}),
        ("q=%20Alpha%20&status=suspended", set()),
    ],
)
def test_the_page_lists_the_rows_the_api_gives_for_the_same_parameters(
    browser, client_for, kim, register, query, numbers
):
    response = browser(kim).get(f"{LIST}?{query}")
    assert response.status_code == 200
    api = client_for(kim).get(f"{API}?{query}")
    assert api.status_code == 200
    assert set(listed(response.content.decode())) == {row["number"] for row in api.json()["results"]} == numbers


def test_a_bad_filter_value_is_explained_on_the_page(browser, client_for, kim, register):
    response = browser(kim).get(f"{LIST}?status=dubious")
    text = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Filter status: Select a valid choice. dubious is not one of the available choices." in text
    assert listed(text) == []
    assert "Correct the filter to see certificates." in text
    assert client_for(kim).get(f"{API}?status=dubious").status_code == 400


def test_a_holders_own_list_is_filtered_within_what_it_may_see(browser, charlie, register):
    assert set(listed(browser(charlie).get(LIST).content.decode())) == {"TW-AEO-2", "KR-AEO-42"}
    assert listed(browser(charlie).get(f"{LIST}?holder=alpha").content.decode()) == []


def test_the_form_keeps_the_scope_and_the_pages_keep_the_filters(browser, kim, register, monkeypatch):
    monkeypatch.setattr(views_registry, "PAGE_SIZE", 1)
    text = browser(kim).get(f"{LIST}?holder=bravo&status=valid&q=AEO").content.decode()
    assert '<input type="hidden" name="holder" value="bravo">' in text
    assert '<option value="valid" selected>Valid</option>' in text
    assert 'value="AEO"' in text
    assert listed(text) == ["KR-AEO-42"]
    tw = browser(kim).get(f"{LIST}?authority=tw-customs").content.decode()
    assert 'href="?page=2&amp;authority=tw-customs">next</a>' in tw
    second = browser(kim).get(f"{LIST}?page=2&authority=tw-customs").content.decode()
    assert len(listed(second)) == 1
    assert set(listed(tw) + listed(second)) == {"TW-AEO-1", "TW-AEO-2"}


def test_staff_manage_the_register_on_the_pages_as_the_service_lets_them(browser, staff, tw_customs, alpha, grant):
    client = browser(staff)
    listing = client.get("/compliance/aeo/").content.decode()
    assert "Register a certificate" in listing
    assert 'name="authority"' in listing
    response = client.post(
        "/compliance/aeo/",
        {
            "authority": "tw-customs",
            "holder": "alpha",
            "number": "TW-STAFF-1",
            "certificate_type": "full",
            "valid_from": "2025-01-01",
        },
    )
    assert response.status_code == 302
    assert AeoCertificate.objects.get(number="TW-STAFF-1").authority == tw_customs
    certificate = grant(tw_customs, alpha, "TW-13")
    url = f"/compliance/aeo/{certificate.pk}/"
    assert "Change status" in client.get(url).content.decode()
    done = client.post(url, {"form": "status", "status": "suspended", "effective_on": "2026-03-01", "reason": "audit"})
    assert done.status_code == 302
    assert AeoCertificate.objects.get(pk=certificate.pk).status_changes.filter(status="suspended").exists()


def test_an_officer_registers_for_its_own_authority_and_chooses_no_other(browser, tina):
    assert 'name="authority"' not in browser(tina).get("/compliance/aeo/").content.decode()


def test_the_page_refuses_with_the_services_reasons(browser, alice, kim, tw_customs, alpha, bravo, grant):
    """Outsider 404, visible but another authority's 403, missing role 403: the same rule as the API and service."""
    own = grant(tw_customs, alpha, "TW-14")
    other = grant(tw_customs, bravo, "TW-15")
    assert browser(alice).get(f"/compliance/aeo/{other.pk}/").status_code == 404
    refused = browser(kim).post(
        f"/compliance/aeo/{own.pk}/",
        {"form": "status", "status": "revoked", "effective_on": "2026-01-01", "reason": "x"},
    )
    assert refused.status_code == 403
    assert "You act for kr-customs; only tw-customs may manage its own certificates." in refused.content.decode()
    trader = browser(alice).post(
        "/compliance/aeo/",
        {"holder": "alpha", "number": "SELF", "certificate_type": "full", "valid_from": "2025-01-01"},
    )
    assert trader.status_code == 403
    assert "Only a customs authority may manage its own certificates." in trader.content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-TW", {"type": "安全保安（AEOS）", "valid": "有效", "suspended": "已暫停", "granted": "核發"}),  # noqa: RUF001
        ("ko", {"type": "안전 및 보안(AEOS)", "valid": "유효", "suspended": "정지", "granted": "발급"}),
    ],
)
def test_the_certificate_page_says_its_type_and_history_in_the_pages_language(
    browser, tina, tw_customs, alpha, grant, compiled_catalogues, language, words
):
    certificate = grant(tw_customs, alpha, "TW-12", valid_from=date(2022, 1, 1))
    client = browser(tina)
    url = f"/compliance/aeo/{certificate.pk}/"
    client.post(url, {"form": "status", "status": "suspended", "effective_on": "2026-03-01", "reason": "audit"})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<span title="security and safety">{words["type"]}</span>' in page
    history = {
        status: (label, reason)
        for status, label, reason in re.findall(r'<td title="(\w+)">([^<]+)</td><td>([^<]*)</td>', page)
    }
    assert history == {"valid": (words["valid"], words["granted"]), "suspended": (words["suspended"], "audit")}, (
        "Corridor's own reason in words, the officer's as typed"
    )
    assert ">security and safety<" not in page
