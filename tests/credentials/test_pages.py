"""Pages: the public "verify a credential" page, and a consignment's credential chain with badges.

PO-1001 is alpha's consignment with bravo as carrier, two steps recorded; delta (dave) is uninvolved.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.partners.choices import MemberRole, PartnerKind
from tests.credentials.issuing import chain_of, document_of, make_consignment, record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

VERIFY = "/verify/"


@pytest.fixture
def consignment(alpha, bravo):
    consignment = make_consignment(alpha)
    record(alpha, step_event("evt-gtin", consignments=(consignment,), code="GTIN"))
    record(bravo, step_event("bravo-load", consignments=(consignment,), hours=1, code="LOAD"))
    return consignment


def _rows(html: str) -> dict[str, str]:
    """Check name (on hover) → its result cell, from the verify page's table."""
    return dict(
        re.findall(
            r"<tr><td title=\"([^\"]+)\">[^<]+</td><td>(passed|<strong class=\"error\">failed</strong>|warning)</td>",
            html,
        )
    )


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- /verify/ --------------------------------------------------------------------------------------


def test_anyone_may_open_the_verify_page(client):
    html = _page(client.get(VERIFY))
    assert "Verify a credential" in html
    assert 'name="credential"' in html


def test_a_pasted_credential_shows_each_check_passed(client, consignment):
    credential = chain_of(consignment)[1]
    html = _page(client.post(VERIFY, {"credential": bytes(credential.document).decode()}))
    assert "Verified" in html
    assert _rows(html) == {
        "structure": "passed",
        "contexts": "passed",
        "issuer key": "passed",
        "proof": "passed",
        "validity period": "passed",
        "status": "passed",
        "chain digests": "passed",
    }


def test_a_tampered_credential_shows_the_failing_check(client, consignment):
    text = bytes(chain_of(consignment)[0].document).decode().replace('"GTIN"', '"GTOT"', 1)
    html = _page(client.post(VERIFY, {"credential": text}))
    assert "Not verified" in html
    assert _rows(html)["proof"].endswith("failed</strong>")
    assert "signature" in html
    assert text.replace('"', "&quot;") in html  # the pasted text stays in the form


def test_an_uploaded_file_is_verified(client, consignment):
    upload = SimpleUploadedFile("step.json", bytes(chain_of(consignment)[0].document), "application/json")
    html = _page(client.post(VERIFY, {"credential": "", "file": upload}))
    assert "Verified" in html
    assert _rows(html)["proof"] == "passed"


def test_a_pasted_presentation_is_verified_as_one(client, client_for, alice, consignment):
    presentation = client_for(alice).get(f"/api/v1/consignments/{consignment.pk}/presentation/")
    html = _page(client.post(VERIFY, {"credential": presentation.content.decode()}))
    assert "Verified" in html
    assert _rows(html)["credential 1: chain digests"] == "passed"


@pytest.mark.parametrize("text", ["not json at all", "{broken", ""])
def test_text_that_is_not_json_says_so(client, text):
    html = _page(client.post(VERIFY, {"credential": text}))
    assert "That is not JSON." in html
    assert "Verified" not in html


@pytest.mark.parametrize(
    "document", [[1, 2], "a string", {"hello": "world"}, {"type": 5}, {"type": True}, {"type": {"a": 1}}]
)
def test_json_that_is_no_credential_fails_the_structure_check(client, document):
    html = _page(client.post(VERIFY, {"credential": json.dumps(document)}))
    assert "Not verified" in html
    assert _rows(html)["structure"].endswith("failed</strong>")


def test_a_document_with_many_blank_nodes_is_refused_with_a_named_check(client, consignment):
    document = document_of(chain_of(consignment)[0])
    document["credentialSubject"]["extensions"] = {"many": [{"a": {"b": i}} for i in range(2000)]}
    html = _page(client.post(VERIFY, {"credential": json.dumps(document)}))
    assert "Not verified" in html
    assert _rows(html)["structure"].endswith("failed</strong>")


def test_the_verify_page_answers_get_and_post_only(client):
    assert client.put(VERIFY).status_code == 405


# --- /consignments/{id}/credentials/ -------------------------------------------------------------------


def test_the_chain_page_shows_a_verified_badge_per_step(client, alice, consignment):
    client.force_login(alice)
    html = _page(client.get(f"/consignments/{consignment.pk}/credentials/"))
    assert "Credential chain of PO-1001" in html
    assert html.count('<span class="badge ok">verified</span>') == 2
    assert "not verified" not in html
    for credential in chain_of(consignment):
        assert f'href="/credentials/{credential.pk}"' in html
    assert "Alpha Exports" in html
    assert "Bravo Lines" in html


def test_a_revoked_or_altered_step_shows_why_it_fails(client, alice, charlie, consignment, client_for):
    _, second = chain_of(consignment)
    assert client_for(charlie).post(f"/api/v1/credentials/{second.pk}/revoke/").status_code == 200
    client.force_login(alice)
    html = _page(client.get(f"/consignments/{consignment.pk}/credentials/"))
    assert html.count('<span class="badge ok">verified</span>') == 1
    assert '<span class="badge bad">revoked</span>' in html
    assert '<span title="status">Status (not revoked or suspended)</span>: revoked' in html


def test_another_party_sees_the_chain_too(client, charlie, consignment):
    client.force_login(charlie)
    assert _page(client.get(f"/consignments/{consignment.pk}/credentials/")).count("badge ok") == 2


def test_the_chain_page_is_refused_to_an_uninvolved_partner(client, consignment):
    delta = PartnerFactory(slug="delta", kinds=[PartnerKind.FREIGHT_FORWARDER])
    dave = MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user
    client.force_login(dave)
    response = client.get(f"/consignments/{consignment.pk}/credentials/")
    assert response.status_code == 404
    assert b"PO-1001" not in response.content


def test_the_chain_page_needs_a_login(client, consignment):
    response = client.get(f"/consignments/{consignment.pk}/credentials/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_consignment_without_steps_says_so(client, alice, alpha, bravo):
    other = make_consignment(alpha, reference="PO-2002")
    client.force_login(alice)
    assert "No step credentials yet." in _page(client.get(f"/consignments/{other.pk}/credentials/"))


def test_the_verify_page_names_the_issuer_and_the_step_in_words(client, consignment):
    credential = chain_of(consignment)[1]
    html = _page(client.post(VERIFY, {"credential": bytes(credential.document).decode()}))
    assert "<strong>Bravo Lines</strong>" in html
    assert "Loaded" in html


def test_a_member_verifies_a_credential_from_its_chain_page(client, alice, consignment):
    client.force_login(alice)
    chain = _page(client.get(f"/consignments/{consignment.pk}/credentials/"))
    credential = chain_of(consignment)[0]
    assert f"/verify/?credential={credential.pk}" in chain
    html = _page(client.get(VERIFY, {"credential": str(credential.pk)}))
    assert "Verified" in html
    assert "Gate-in" in html


def test_a_member_verifies_the_whole_chain(client, alice, consignment):
    client.force_login(alice)
    assert f"/verify/?consignment={consignment.pk}" in _page(client.get(f"/consignments/{consignment.pk}/credentials/"))
    html = _page(client.get(VERIFY, {"consignment": str(consignment.pk)}))
    assert "Verified" in html
    assert html.count("<strong>Alpha Exports</strong>") == 1
    assert html.count("<strong>Bravo Lines</strong>") == 1


def test_a_chain_with_no_credential_yet_says_so_instead_of_failing(client, alice, bravo, compiled_catalogues):
    client.force_login(alice)
    bare = make_consignment(alice.memberships.get().partner, reference="PO-3003")
    html = _page(client.get(VERIFY, {"consignment": str(bare.pk)}))
    assert "No credential has been issued for this consignment's steps yet" in html
    assert "Not verified" not in html
    assert "尚未" in _page(client.get(VERIFY, {"consignment": str(bare.pk)}, HTTP_ACCEPT_LANGUAGE="zh-TW"))


@pytest.mark.parametrize(
    ("language", "proof", "chain"),
    [
        ("zh-TW", "第 2 份憑證：證明（簽章）", "第 2 份憑證：與前一步驟的連結"),  # noqa: RUF001
        ("ko", "증명서 2: 증명(서명)", "증명서 2: 이전 단계와의 연결"),
    ],
)
def test_the_chains_checks_are_named_in_the_pages_language(
    client, alice, consignment, compiled_catalogues, language, proof, chain
):
    client.force_login(alice)
    html = _page(client.get(VERIFY, {"consignment": str(consignment.pk)}, HTTP_ACCEPT_LANGUAGE=language))
    assert f'<td title="credential 1: proof">{proof}</td>' in html
    assert f'<td title="credential 1: chain digests">{chain}</td>' in html
    named = re.findall(r'<tr><td title="([^"]+)">([^<]+)</td>', html)
    assert len(named) == 14, "every check of both credentials, and the presented chain's"
    assert all(code != words and not words.isascii() for code, words in named), "no check is shown by its code"


def test_an_invisible_chain_is_not_found_on_the_verify_page(client, consignment):
    delta = PartnerFactory(slug="delta", kinds=[PartnerKind.FREIGHT_FORWARDER])
    dave = MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user
    client.force_login(dave)
    assert client.get(VERIFY, {"consignment": str(consignment.pk)}).status_code == 404
    assert client.get(VERIFY, {"credential": "not-a-uuid"}).status_code == 404


def test_a_credential_document_downloads_as_json(client_for, alice, consignment):
    credential = chain_of(consignment)[0]
    response = client_for(alice).get(f"/credentials/{credential.pk}")
    assert response["Content-Disposition"] == f'inline; filename="credential-{credential.pk}.json"'
    chain = client_for(alice).get(f"/api/v1/consignments/{consignment.pk}/presentation/")
    assert chain["Content-Disposition"].endswith('-chain.json"')
