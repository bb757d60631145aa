"""The verify page says what each failed check found in the page's language; the API keeps its English."""

from __future__ import annotations

import json
import re

import pytest

from apps.core.words import Text
from apps.credentials import verification
from apps.credentials.verification import CredentialIndex
from tests.credentials.issuing import chain_of, make_consignment, record, step_event

pytestmark = pytest.mark.django_db

VERIFY = "/verify/"
SIGNATURE = "the Ed25519 signature does not match the document and proof options"


@pytest.fixture
def consignment(alpha, bravo):
    consignment = make_consignment(alpha)
    record(alpha, step_event("evt-gtin", consignments=(consignment,), code="GTIN"))
    record(bravo, step_event("bravo-load", consignments=(consignment,), hours=1, code="LOAD"))
    return consignment


def _details(html: str) -> dict[str, str]:
    """Check name (on hover) → the details shown after its results (a check may fail twice), one a line."""
    details: dict[str, str] = {}
    for check, detail in re.findall(r'<tr><td title="([^"]+)">[^<]+</td><td>.*?</td><td>([^<]*)</td></tr>', html):
        details[check] = f"{details[check]}\n{detail}" if check in details else detail
    return details


def _page(client, document, language: str) -> str:
    response = client.post(VERIFY, {"credential": json.dumps(document)}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


WORDS = {
    "zh-TW": {"signature": "Ed25519 簽章與文件及證明選項不符", "reordered": "第 2 份憑證未將第 1 份憑證列為其前一步驟"},
    "ko": {"signature": "Ed25519 서명이 문서 및 증명 옵션과 일치하지 않습니다", "reordered": "증명서 2가 증명서 1을"},
}


@pytest.mark.parametrize("language", ["zh-TW", "ko"])
def test_a_tampered_credentials_proof_detail_is_in_the_pages_language(
    client, consignment, compiled_catalogues, language
):
    document = json.loads(bytes(chain_of(consignment)[0].document).decode().replace('"GTIN"', '"GTOT"', 1))
    details = _details(_page(client, document, language))
    assert WORDS[language]["signature"] in details["proof"]
    assert SIGNATURE not in details["proof"]
    api = client.post(
        "/credentials/verify", json.dumps({"verifiableCredential": document}), content_type="application/json"
    )
    assert api.json()["errors"] == [{"check": "proof", "passed": False, "detail": f"signature: {SIGNATURE}"}]


@pytest.mark.parametrize("language", ["zh-TW", "ko"])
def test_an_unsigned_presentations_details_are_in_the_pages_language(client, compiled_catalogues, language):
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": 5,
    }
    details = _details(_page(client, presentation, language))
    assert "holder must be a URL" not in details["structure"]
    assert "VC DM 2.0 §4.13" in details["structure"]
    assert "the presentation is not signed" not in details.get("proof", "")
    assert all(not line.isascii() for line in details["structure"].splitlines())
    body = {"verifiablePresentation": presentation, "options": {"unsignedPresentation": False}}
    api = client.post("/presentations/verify", json.dumps(body), content_type="application/json").json()
    assert api["errors"][:2] == [
        {
            "check": "structure",
            "passed": False,
            "detail": "holder must be a URL or an object whose id is a URL (VC DM 2.0 §4.13)",
        },
        {
            "check": "proof",
            "passed": False,
            "detail": "the presentation is not signed (options.unsignedPresentation would allow it)",
        },
    ]


@pytest.mark.parametrize("language", ["zh-TW", "ko"])
def test_steps_presented_out_of_order_are_counted_from_1_on_the_page_only(
    client, client_for, alice, consignment, compiled_catalogues, language
):
    presentation = json.loads(client_for(alice).get(f"/api/v1/consignments/{consignment.pk}/presentation/").content)
    presentation["verifiableCredential"].reverse()
    details = _details(_page(client, presentation, language))
    assert WORDS[language]["reordered"] in details["chain digests"]
    body = {"verifiablePresentation": presentation, "options": {"unsignedPresentation": True}}
    api = client.post("/presentations/verify", json.dumps(body), content_type="application/json").json()
    assert {
        "check": "chain digests",
        "passed": False,
        "detail": (
            "credential 1 does not name credential 0 as its previous step (a step was removed, reordered or altered)"
        ),
    } in api["errors"]


def test_a_details_english_is_what_the_api_answers_and_the_page_counts_from_1():
    detail = Text(
        "credential %(index)s does not name credential %(before)s as its previous step "
        "(a step was removed, reordered or altered)",
        index=CredentialIndex(1),
        before=CredentialIndex(0),
    )
    assert (
        detail
        == "credential 1 does not name credential 0 as its previous step (a step was removed, reordered or altered)"
    )
    assert verification.check_detail({"check": "chain digests", "detail": detail}).startswith(
        "credential 2 does not name credential 1"
    )
    assert verification.check_detail({"check": "proof", "detail": "plain"}) == "plain"


@pytest.mark.parametrize(
    ("language", "words"), [("zh-TW", "不在其他部署 DID 的允許清單中"), ("ko", "다른 배포의 DID 허용 목록에 없습니다")]
)
def test_an_issuer_key_from_elsewhere_is_explained_in_the_pages_language(
    client, consignment, compiled_catalogues, language, words
):
    document = json.loads(bytes(chain_of(consignment)[0].document))
    document["proof"]["verificationMethod"] = "did:web:elsewhere.example#key-1"
    details = _details(_page(client, document, language))
    assert words in details["issuer key"]
    api = client.post(
        "/credentials/verify", json.dumps({"verifiableCredential": document}), content_type="application/json"
    )
    assert api.json()["errors"][0] == {
        "check": "issuer key",
        "passed": False,
        "detail": "did:web:elsewhere.example is not on the allow-list of other deployments' DIDs; documents of other "
        "deployments are taken only from that list, never fetched from the address a DID names.",
    }


@pytest.mark.parametrize(
    ("language", "frame"),
    [("zh-TW", "無法將文件正規化："), ("ko", "문서를 정규화할 수 없습니다: ")],  # noqa: RUF001
)
def test_a_canonicalizers_message_stays_as_written_in_a_frame_of_the_pages_language(
    client, consignment, compiled_catalogues, language, frame
):
    document = json.loads(bytes(chain_of(consignment)[0].document))
    document["credentialSubject"]["note"] = "added"
    details = _details(_page(client, document, language))
    assert details["proof"].startswith(f"canonicalization: {frame}DataLossDetected: term")
    api = client.post(
        "/credentials/verify", json.dumps({"verifiableCredential": document}), content_type="application/json"
    )
    assert api.json()["errors"][0]["detail"].startswith("canonicalization: DataLossDetected: term")


@pytest.mark.parametrize(("language", "revoked"), [("zh-TW", "已撤銷"), ("ko", "취소")])
def test_the_chain_page_says_why_a_step_fails_in_the_pages_language(
    client, alice, charlie, consignment, client_for, compiled_catalogues, language, revoked
):
    _, second = chain_of(consignment)
    assert client_for(charlie).post(f"/api/v1/credentials/{second.pk}/revoke/").status_code == 200
    client.force_login(alice)
    html = client.get(f"/consignments/{consignment.pk}/credentials/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert re.search(rf'<span title="status">[^<]+</span>: {revoked}</small>', html)
    assert "</span>: revoked</small>" not in html
