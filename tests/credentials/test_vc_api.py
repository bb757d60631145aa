"""The W3C VC API: POST /credentials/issue, /credentials/verify and /credentials/status.

olga is alpha's operator (she issues and changes status), bob its viewer; charlie is bravo's admin.
Verification is open to anyone and names each check; a failure answers 400 with ``problemDetails``.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.credentials import dataintegrity, multikey
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V1, CREDENTIALS_V2
from apps.credentials.models import Credential, CredentialKind
from apps.credentials.services.keys import partner_key_ensure
from tests.credentials.issuing import checks_failed, problem_types
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

ALPHA_DID = "did:web:localhost%3A8000:partners:alpha"
BASE = "http://127.0.0.1:8000"


def unsigned(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "name": "Certificate of origin",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "name": "Alpha Exports"},
    }
    credential.update(changes)
    return {key: value for key, value in credential.items() if value is not None}


def did_key_signed(document: dict[str, Any], key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """``document`` issued and signed by a did:key nobody registered (verifiable offline)."""
    key = key or Ed25519PrivateKey.generate()
    document = {**document, "issuer": multikey.did_key(key.public_key())}
    return dataintegrity.sign(
        document,
        private_key=key,
        verification_method=multikey.did_key_verification_method(key.public_key()),
        created=datetime(2026, 3, 1, tzinfo=UTC),
    )


@pytest.fixture
def operator_api(client_for, olga):
    return client_for(olga)


@pytest.fixture
def issue(operator_api):
    def post(credential: Any) -> Any:
        return operator_api.post("/credentials/issue", {"credential": credential}, format="json")

    return post


@pytest.fixture
def issued(issue) -> dict[str, Any]:
    response = issue(unsigned())
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def verify(client: Any, credential: Any) -> Any:
    body = json.dumps({"verifiableCredential": credential})
    return client.post("/credentials/verify", body, content_type="application/json")


def set_status(api: Any, credential_id: str, purpose: str, status: Any) -> Any:
    body = {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
        "status": status,
    }
    return api.post("/credentials/status", body, format="json")


def assert_refused(response: Any, *checks: str) -> dict[str, Any]:
    """The VC API's 'not verified' answer, naming exactly these failed checks."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["verified"] is False
    assert checks_failed(body) == list(checks)
    assert problem_types(body) == list(checks)
    assert all(problem["title"] and "detail" in problem for problem in body["problemDetails"])
    return body


# --- /credentials/issue -------------------------------------------------------------------------------


def test_issue_signs_as_the_callers_partner_with_two_status_entries(client, issue, alpha):
    response = issue(unsigned())
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"verifiableCredential"}
    credential = response.json()["verifiableCredential"]
    row = Credential.objects.get()
    assert (row.kind, row.issuer, row.event) == (CredentialKind.ISSUED, alpha, None)
    assert json.loads(bytes(row.document)) == credential
    assert credential["issuer"] == ALPHA_DID
    assert credential["id"] == f"{BASE}/credentials/{row.pk}"
    assert credential["credentialSubject"]["name"] == "Alpha Exports"
    statuses = credential["credentialStatus"]
    assert [(s["type"], s["statusPurpose"]) for s in statuses] == [
        ("BitstringStatusListEntry", "revocation"),
        ("BitstringStatusListEntry", "suspension"),
    ]
    assert statuses[0]["statusListCredential"] != statuses[1]["statusListCredential"]
    assert (statuses[0]["statusListIndex"], statuses[1]["statusListIndex"]) == (
        str(row.revocation_index),
        str(row.suspension_index),
    )
    proof = credential["proof"]
    key = partner_key_ensure(partner=alpha)
    assert (proof["cryptosuite"], proof["verificationMethod"]) == ("eddsa-rdfc-2022", f"{ALPHA_DID}#{key.key_id}")
    audit_for(response, "credential.issue")
    assert verify(client, credential).status_code == 200


def test_an_issuer_object_naming_the_callers_did_is_kept_with_its_name(client, issue):
    response = issue(unsigned(issuer={"id": ALPHA_DID, "name": "Alpha Exports"}))
    assert response.status_code == 201, response.content
    credential = response.json()["verifiableCredential"]
    assert credential["issuer"] == {"id": ALPHA_DID, "name": "Alpha Exports"}
    assert verify(client, credential).status_code == 200


@pytest.mark.parametrize(
    "issuer", ["did:web:localhost%3A8000:partners:bravo", {"id": "did:example:someone-else"}, "did:key:z6Mkw"]
)
def test_an_issuer_that_is_not_the_caller_is_400(issue, bravo, issuer):
    assert_problem(issue(unsigned(issuer=issuer)), 400, field="credential.issuer")
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    ("credential", "field"),
    [
        ("not an object", "credential"),
        (None, "credential"),
        (unsigned(**{"@context": [CORRIDOR_V1]}), "credential.@context"),
        (unsigned(**{"@context": CREDENTIALS_V2}), "credential.@context"),
        (unsigned(proof={"type": "DataIntegrityProof"}), "credential.proof"),
        (unsigned(**{"@context": [CREDENTIALS_V2, "https://example.com/unknown/v1"]}), "credential"),
        (unsigned(validFrom="yesterday"), "credential.validFrom"),
        (unsigned(validUntil="2030-01-01"), "credential.validUntil"),
        (unsigned(validUntil="2030-02-30T00:00:00Z"), "credential.validUntil"),
    ],
)
def test_a_credential_that_cannot_be_issued_is_400(issue, credential, field):
    assert_problem(issue(credential), 400, field=field)
    assert not Credential.objects.exists()


@pytest.mark.parametrize("issuer", [ALPHA_DID, "did:key"])
def test_options_cryptosuite_issues_with_eddsa_jcs_2022_and_it_verifies(client, operator_api, alpha, issuer):
    if issuer == "did:key":
        issuer = multikey.did_key(multikey.decode_public_key(partner_key_ensure(partner=alpha).public_key_multibase))
    body = {"credential": unsigned(issuer=issuer), "options": {"cryptosuite": "eddsa-jcs-2022"}}
    response = operator_api.post("/credentials/issue", body, format="json")
    assert response.status_code == 201, response.content
    credential = response.json()["verifiableCredential"]
    proof = credential["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-jcs-2022",
        "assertionMethod",
    )
    assert proof["@context"] == credential["@context"]
    assert proof["verificationMethod"].startswith(f"{issuer}#")
    answer = verify(client, credential)
    assert answer.status_code == 200, answer.content
    assert answer.json()["checks"] == ["structure", "contexts", "issuer key", "proof", "validity period", "status"]
    tampered = {**credential, "name": "Certificate of something else"}
    assert_refused(verify(client, tampered), "proof")


def test_options_cryptosuite_eddsa_rdfc_2022_is_the_default(operator_api):
    for options in ({}, {"cryptosuite": "eddsa-rdfc-2022"}):
        body = {"credential": unsigned(), "options": options}
        response = operator_api.post("/credentials/issue", body, format="json")
        assert response.json()["verifiableCredential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


@pytest.mark.parametrize(
    ("credential", "options", "field"),
    [
        (unsigned(), {"cryptosuite": "ecdsa-rdfc-2019"}, "options.cryptosuite"),
        (unsigned(), {"cryptosuite": ["eddsa-jcs-2022"]}, "options.cryptosuite"),
        # JCS signs the JSON as written, but Corridor still issues only what JSON-LD defines (VC 1.1 has no @vocab).
        (
            {**unsigned(name=None), "@context": [CREDENTIALS_V1], "credentialSubject": {"id": "did:example:1", "x": 1}},
            {"cryptosuite": "eddsa-jcs-2022"},
            "credential",
        ),
        (
            {**unsigned(name=None), "@context": [CREDENTIALS_V1], "type": ["VerifiableCredential", "UndefinedType"]},
            {"cryptosuite": "eddsa-jcs-2022"},
            "credential",
        ),
    ],
)
def test_an_unknown_cryptosuite_or_undefined_terms_with_jcs_are_400(operator_api, credential, options, field):
    response = operator_api.post("/credentials/issue", {"credential": credential, "options": options}, format="json")
    assert_problem(response, 400, field=field)
    assert not Credential.objects.exists()


def test_issuing_needs_an_operator_of_a_partner(client, client_for, bob, staff):
    body = {"credential": unsigned()}
    assert client.post("/credentials/issue", json.dumps(body), content_type="application/json").status_code in {
        401,
        403,
    }
    assert_problem(client_for(bob).post("/credentials/issue", body, format="json"), 403)
    assert_problem(client_for(staff).post("/credentials/issue", body, format="json"), 400, field="credential.issuer")
    assert not Credential.objects.exists()


def test_a_read_token_cannot_issue(alpha, token_for, bearer):
    api = bearer(token_for(alpha, scope="read"))
    assert_problem(api.post("/credentials/issue", {"credential": unsigned()}, format="json"), 403)


# --- /credentials/verify ------------------------------------------------------------------------------


def test_a_valid_credential_verifies_with_every_check_named(client, issued):
    response = verify(client, issued)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verified"] is True
    assert body["checks"] == ["structure", "contexts", "issuer key", "proof", "validity period", "status"]
    assert (body["errors"], body["warnings"]) == ([], [])
    assert "problemDetails" not in body


def test_one_changed_character_anywhere_fails_the_proof(client, issued):
    raw = json.dumps(issued)
    for original, changed in (('"Alpha Exports"', '"Alpha Exportz"'), ('"Certificate', '"Sertificate')):
        tampered = json.loads(raw.replace(original, changed, 1))
        body = assert_refused(verify(client, tampered), "proof")
        assert "signature" in body["problemDetails"][0]["detail"]


def test_a_changed_status_entry_fails_the_proof(client, issued):
    tampered = copy.deepcopy(issued)
    tampered["credentialStatus"][0]["statusListIndex"] = str(
        int(tampered["credentialStatus"][0]["statusListIndex"]) + 1
    )
    assert_refused(verify(client, tampered), "proof")


def test_an_unknown_context_fails_the_contexts_check(client):
    credential = did_key_signed(unsigned())
    credential["@context"] = [CREDENTIALS_V2, "https://evil.example/context/v1"]
    body = assert_refused(verify(client, credential), "contexts")
    assert "allow-list" in body["problemDetails"][0]["detail"]


def test_a_key_of_another_partner_fails_the_issuer_key_check(client, issued, bravo):
    bravo_key = partner_key_ensure(partner=bravo)
    forged = copy.deepcopy(issued)
    forged["proof"]["verificationMethod"] = f"did:web:localhost%3A8000:partners:bravo#{bravo_key.key_id}"
    body = verify(client, forged).json()
    assert body["verified"] is False
    assert checks_failed(body)[0] == "issuer key"


def test_a_key_the_issuer_does_not_have_fails_the_issuer_key_check(client, issued):
    forged = copy.deepcopy(issued)
    forged["proof"]["verificationMethod"] = f"{ALPHA_DID}#key-invented"
    assert checks_failed(verify(client, forged).json())[0] == "issuer key"


def test_an_unknown_issuer_fails_the_issuer_key_check(client):
    credential = unsigned(issuer="did:web:elsewhere.example:partners:x")
    key = Ed25519PrivateKey.generate()
    signed = dataintegrity.sign(
        credential,
        private_key=key,
        verification_method="did:web:elsewhere.example:partners:x#k1",
        created="2026-03-01T00:00:00Z",
    )
    body = verify(client, signed).json()
    assert body["verified"] is False
    assert checks_failed(body)[0] == "issuer key"
    assert "allow-list" in body["errors"][0]["detail"]


@pytest.mark.parametrize(
    "proof_change",
    [
        {"proofValue": "z3FXQ"},
        {"proofValue": 42},
        {"cryptosuite": "ecdsa-rdfc-2019"},
        {"type": "Ed25519Signature2020"},
        {"created": "1 March 2026"},
    ],
)
def test_a_malformed_proof_fails_the_proof_check(client, issued, proof_change):
    malformed = copy.deepcopy(issued)
    malformed["proof"].update(proof_change)
    body = verify(client, malformed).json()
    assert body["verified"] is False
    assert "proof" in checks_failed(body)


def test_a_missing_proof_fails_the_structure_check(client, issued):
    bare = {key: value for key, value in issued.items() if key != "proof"}
    body = assert_refused(verify(client, bare), "structure")
    assert "no proof" in body["problemDetails"][0]["detail"]


@pytest.mark.parametrize("body", [{}, {"verifiableCredential": "a string"}, {"verifiableCredential": [1, 2]}, []])
def test_a_body_without_a_credential_object_fails_the_structure_check(client, body):
    assert_refused(client.post("/credentials/verify", json.dumps(body), content_type="application/json"), "structure")


def test_broken_json_is_400(client):
    response = client.post("/credentials/verify", "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"validUntil": "2020-01-01T00:00:00Z"}, "expired"),
        ({"validFrom": "2999-01-01T00:00:00Z"}, "not valid before"),
    ],
)
def test_outside_its_validity_period_fails_that_check(client, issue, changes, detail):
    response = issue(unsigned(**changes))
    assert response.status_code == 201, response.content
    body = assert_refused(verify(client, response.json()["verifiableCredential"]), "validity period")
    assert detail in body["problemDetails"][0]["detail"]


@pytest.mark.parametrize("valid_from", ["2026-02-30T00:00:00Z", "2026-03-01T00:00:00", "soon"])
def test_an_impossible_or_zoneless_date_fails_the_validity_check(client, valid_from):
    body = assert_refused(verify(client, did_key_signed(unsigned(validFrom=valid_from))), "validity period")
    assert "time zone" in body["problemDetails"][0]["detail"]


def test_a_credential_signed_by_a_did_key_outside_the_platform_verifies(client):
    response = verify(client, did_key_signed(unsigned()))
    assert response.status_code == 200, response.content
    assert "issuer key" in response.json()["checks"]


def _proof_by(document: dict[str, Any], key: Ed25519PrivateKey, **options: Any) -> dict[str, Any]:
    """``document`` with one more proof, made by ``key``'s did:key (a proof set, or a chain with ``previous_proof``)."""
    return dataintegrity.sign(
        document,
        private_key=key,
        verification_method=multikey.did_key_verification_method(key.public_key()),
        created=datetime(2026, 3, 1, tzinfo=UTC),
        **options,
    )


def test_a_chain_or_set_with_a_third_partys_proof_verifies_when_one_proof_is_the_issuers(client):
    """Data Integrity lets other signers add proofs: each verifies against its own key's controller."""
    issuer, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    document = unsigned(issuer=multikey.did_key(issuer.public_key()))
    witnessed = _proof_by(document, witness, proof_id="urn:uuid:witness")
    for secured in (
        _proof_by(witnessed, issuer, previous_proof="urn:uuid:witness"),
        _proof_by(witnessed, issuer, previous_proof=["urn:uuid:witness"]),
        _proof_by(witnessed, issuer),
    ):
        response = verify(client, secured)
        assert response.status_code == 200, response.content


def test_a_third_partys_proof_that_does_not_verify_fails_the_credential(client):
    issuer, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    document = unsigned(issuer=multikey.did_key(issuer.public_key()))
    secured = _proof_by(_proof_by(document, witness), issuer)
    secured["proof"][0]["created"] = "2026-03-02T00:00:00Z"
    assert_refused(verify(client, secured), "proof")


def test_a_credential_none_of_whose_proofs_is_the_issuers_fails_the_issuer_key_check(client):
    issuer, witness, other = (Ed25519PrivateKey.generate() for _ in range(3))
    document = unsigned(issuer=multikey.did_key(issuer.public_key()))
    witnessed = _proof_by(document, witness, proof_id="urn:uuid:witness")
    for secured in (
        _proof_by(document, witness),
        _proof_by(witnessed, other, previous_proof="urn:uuid:witness"),
        _proof_by(witnessed, other),
    ):
        body = assert_refused(verify(client, secured), "issuer key")
        assert multikey.did_key(issuer.public_key()) in body["problemDetails"][0]["detail"]


def test_a_status_list_of_another_deployment_is_a_warning_not_a_failure(client):
    credential = unsigned(
        credentialStatus={
            "id": "https://elsewhere.example/status/1#7",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "7",
            "statusListCredential": "https://elsewhere.example/status/1",
        }
    )
    response = verify(client, did_key_signed(credential))
    assert response.status_code == 200, response.content
    assert [warning["check"] for warning in response.json()["warnings"]] == ["status"]


def _local_status(list_url: str) -> dict[str, Any]:
    return {
        "credentialStatus": {
            "id": f"{list_url}#1",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "1",
            "statusListCredential": list_url,
        }
    }


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"relatedResource": [{"id": f"{BASE}/credentials/not-a-uuid", "digestMultibase": "uEiA"}]}, "chain digests"),
        (
            {
                "relatedResource": [
                    {"id": f"{BASE}/credentials/{'0' * 8}-0000-0000-0000-{'0' * 12}/x", "digestMultibase": "uEiA"}
                ]
            },
            "chain digests",
        ),
        (
            {
                "relatedResource": [
                    {"id": f"{BASE}/credentials/{'0' * 8}-0000-0000-0000-{'0' * 12}", "digestMultibase": "uEiA"}
                ]
            },
            "chain digests",
        ),
        (_local_status(f"{BASE}/credentials/status/not-a-list"), "status"),
        (_local_status(f"{BASE}/credentials/status/{'0' * 8}-0000-0000-0000-{'0' * 12}"), "status"),
    ],
    ids=[
        "related-not-a-uuid",
        "related-with-a-path",
        "related-unknown",
        "status-list-not-a-uuid",
        "status-list-unknown",
    ],
)
def test_a_signed_credential_naming_a_local_url_that_does_not_exist_fails_that_check(client, changes, check):
    """Nothing this deployment would hold is taken on trust: a missing step or status list is a failure."""
    assert_refused(verify(client, did_key_signed(unsigned(**changes))), check)


def test_a_document_with_thousands_of_blank_nodes_is_refused_by_the_structure_check(client):
    credential = did_key_signed(unsigned())
    credential["credentialSubject"]["description"] = [{"name": f"n{i}"} for i in range(3000)]
    body = assert_refused(verify(client, credential), "structure")
    assert "max_blank_nodes" in body["problemDetails"][0]["detail"]


def test_a_blank_node_clique_is_refused_by_the_proof_check_without_running_the_permutations(client):
    key = Ed25519PrivateKey.generate()
    credential = did_key_signed(unsigned(), key)
    nodes = [f"_:n{i}" for i in range(10)]
    credential["credentialSubject"]["description"] = [
        {"id": node, "description": [{"id": other} for other in nodes if other != node]} for node in nodes
    ]
    body = assert_refused(verify(client, credential), "proof")
    assert "canonicalization" in body["problemDetails"][0]["detail"]


# --- /credentials/status ------------------------------------------------------------------------------


def test_suspension_is_set_and_cleared_by_credential_id(client, client_for, olga, issued):
    api = client_for(olga)
    response = set_status(api, issued["id"], "suspension", True)
    assert response.status_code == 200, response.content
    assert response.json() == {"credentialId": issued["id"], "statusPurpose": "suspension", "status": True}
    body = assert_refused(verify(client, issued), "status")
    assert "suspended" in body["problemDetails"][0]["detail"]
    assert set_status(api, issued["id"], "suspension", False).status_code == 200
    assert verify(client, issued).status_code == 200


def test_revocation_is_final(client, client_for, olga, issued):
    api = client_for(olga)
    assert set_status(api, issued["id"], "revocation", True).status_code == 200
    assert "revoked" in assert_refused(verify(client, issued), "status")["problemDetails"][0]["detail"]
    assert_problem(set_status(api, issued["id"], "revocation", False), 409, problem="conflict", field="status")
    assert Credential.objects.get().revoked_at is not None
    assert verify(client, issued).status_code == 400


def test_the_bare_uuid_names_the_credential_too(client_for, olga, issued):
    response = set_status(client_for(olga), issued["id"].rsplit("/", 1)[-1], "suspension", True)
    assert response.status_code == 200, response.content
    assert Credential.objects.get().suspended is True


def test_another_partner_cannot_change_the_status(client, client_for, charlie, issued):
    response = set_status(client_for(charlie), issued["id"], "revocation", True)
    assert_problem(response, 404, problem="not-found", field="credentialId")
    assert verify(client, issued).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"credentialStatus": {"statusPurpose": "suspension"}, "status": "yes"}, 400, "status"),
        ({"credentialStatus": {"statusPurpose": "suspension"}, "status": None}, 400, "status"),
        ({"credentialStatus": {"statusPurpose": "refresh"}, "status": True}, 400, "statusPurpose"),
        ({"credentialStatus": "suspension", "status": True}, 400, "statusPurpose"),
        (
            {"credentialId": "urn:uuid:nothing", "credentialStatus": {"statusPurpose": "suspension"}, "status": True},
            404,
            "credentialId",
        ),
    ],
)
def test_a_bad_status_request_is_refused(operator_api, issued, body, status, field):
    body = {"credentialId": issued["id"], **body}
    assert_problem(operator_api.post("/credentials/status", body, format="json"), status, field=field)
    credential = Credential.objects.get()
    assert (credential.revoked_at, credential.suspended) == (None, False)


def test_changing_a_status_needs_an_operator(client, client_for, bob, issued):
    assert_problem(set_status(client_for(bob), issued["id"], "suspension", True), 403)
    body = {"credentialId": issued["id"], "credentialStatus": {"statusPurpose": "suspension"}, "status": True}
    assert client.post("/credentials/status", json.dumps(body), content_type="application/json").status_code in {
        401,
        403,
    }
    assert Credential.objects.get().suspended is False
