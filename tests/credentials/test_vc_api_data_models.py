"""The VC API for both data models (VC 2.0 and 1.1), caller-chosen ids, and the verify options.

olga is alpha's operator; charlie is bravo's admin. Credentials are issued through POST
/credentials/issue, changed through /credentials/status and checked through /credentials/verify.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib import admin

from apps.credentials import dataintegrity, multikey, vcdm
from apps.credentials.jsonld import CREDENTIALS_V1, CREDENTIALS_V2, DATA_INTEGRITY_V2, STATUS_LIST_V1
from apps.credentials.models import Credential, DidMethod, IssuerSettings
from apps.credentials.services.keys import partner_key_ensure
from apps.credentials.verification import presentation_verify
from tests.credentials.issuing import checks_failed
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

ALPHA_DID = "did:web:localhost%3A8000:partners:alpha"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def v1_credential(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V1],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
    }
    credential.update(changes)
    return {key: value for key, value in credential.items() if value is not None}


def v2_credential(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, EXAMPLES_V2],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "Example University"},
    }
    credential.update(changes)
    return credential


@pytest.fixture
def api(client_for, olga):
    return client_for(olga)


def issue(api: Any, credential: Any, options: Any = None) -> Any:
    body = {"credential": credential} if options is None else {"credential": credential, "options": options}
    return api.post("/credentials/issue", body, format="json")


def issued(api: Any, credential: Any, options: Any = None) -> dict[str, Any]:
    response = issue(api, credential, options)
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def verify(client: Any, credential: Any, **options: Any) -> Any:
    body = json.dumps({"verifiableCredential": credential, "options": options})
    return client.post("/credentials/verify", body, content_type="application/json")


def set_status(api: Any, credential_id: str, purpose: str, **extra: Any) -> Any:
    body = {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
    }
    return api.post("/credentials/status", {**body, **extra}, format="json")


# --- VC 1.1 ---------------------------------------------------------------------------------------------


def test_a_vc_1_1_credential_is_issued_with_issuance_date_and_no_status_entry_unless_asked(client, api):
    """VCALM: 1.1 input gets credentialStatus only when options.credentialStatus asks (DESIGN §10)."""
    credential = issued(api, v1_credential())
    assert credential["@context"] == [CREDENTIALS_V1, DATA_INTEGRITY_V2]
    assert vcdm.parse_date_time(credential["issuanceDate"], zone_required=True) is not None
    assert "validFrom" not in credential
    assert "credentialStatus" not in credential
    assert (credential["proof"]["type"], credential["proof"]["cryptosuite"]) == (
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
    )
    response = verify(client, credential)
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == ["structure", "contexts", "issuer key", "proof", "validity period"]


@pytest.mark.parametrize(
    ("asked", "purposes"),
    [
        ({"type": "BitstringStatusListEntry"}, ["revocation", "suspension"]),
        ({"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, ["revocation"]),
        ({"type": "BitstringStatusListEntry", "statusPurpose": ["suspension"]}, ["suspension"]),
    ],
)
def test_a_vc_1_1_credential_gets_the_status_entries_its_options_ask_for(client, api, asked, purposes):
    credential = issued(api, v1_credential(), {"credentialStatus": asked})
    assert credential["@context"] == [CREDENTIALS_V1, STATUS_LIST_V1, DATA_INTEGRITY_V2]
    assert [entry["statusPurpose"] for entry in credential["credentialStatus"]] == purposes
    response = verify(client, credential)
    assert response.status_code == 200, response.content
    assert response.json()["checks"][-1] == "status"


@pytest.mark.parametrize(
    ("options", "purposes"),
    [
        (None, ["revocation", "suspension"]),
        ({}, ["revocation", "suspension"]),
        ({"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}}, ["suspension"]),
    ],
)
def test_a_vc_2_0_credential_gets_both_status_entries_unless_its_options_name_one(api, options, purposes):
    credential = issued(api, v2_credential(), options)
    assert [entry["statusPurpose"] for entry in credential["credentialStatus"]] == purposes


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ("credentialStatus", "options"),
        ({"credentialStatus": "revocation"}, "options.credentialStatus.type"),
        ({"credentialStatus": {"type": "StatusList2021Entry"}}, "options.credentialStatus.type"),
        (
            {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "message"}},
            "options.credentialStatus.statusPurpose",
        ),
        (
            {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": []}},
            "options.credentialStatus.statusPurpose",
        ),
    ],
)
def test_malformed_issue_options_are_400(api, options, field):
    assert_problem(issue(api, v1_credential(), options), 400, field=field)
    assert not Credential.objects.exists()


def test_a_status_the_credential_carries_no_entry_for_cannot_be_set(client, api):
    revocable = {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}}
    credential = issued(api, v1_credential(), revocable)
    assert_problem(set_status(api, credential["id"], "suspension"), 409, field="statusPurpose")
    assert set_status(api, credential["id"], "revocation").status_code == 200
    assert verify(client, credential).status_code == 400
    without = issued(api, v1_credential())
    assert_problem(set_status(api, without["id"], "revocation"), 409, field="statusPurpose")
    assert verify(client, without).status_code == 200


def test_a_vc_1_1_credential_keeps_its_issuance_date_and_cited_contexts(api):
    credential = issued(
        api, v1_credential(**{"@context": [CREDENTIALS_V1, DATA_INTEGRITY_V2]}, issuanceDate="2024-05-01T10:00:00Z")
    )
    assert credential["issuanceDate"] == "2024-05-01T10:00:00Z"
    assert credential["@context"] == [CREDENTIALS_V1, DATA_INTEGRITY_V2]
    asked = issued(
        api,
        v1_credential(**{"@context": [CREDENTIALS_V1, DATA_INTEGRITY_V2]}),
        {"credentialStatus": {"type": "BitstringStatusListEntry"}},
    )
    assert asked["@context"] == [CREDENTIALS_V1, DATA_INTEGRITY_V2, STATUS_LIST_V1]


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        (
            {"issuanceDate": "2019-01-01T00:00:00Z", "expirationDate": "2020-01-01T00:00:00Z"},
            "expired at 2020-01-01T00:00:00Z",
        ),
        ({"issuanceDate": "2999-01-01T00:00:00Z"}, "not valid before 2999-01-01T00:00:00Z"),
    ],
)
def test_a_vc_1_1_credential_outside_its_dates_fails_the_validity_check(client, api, changes, detail):
    response = verify(client, issued(api, v1_credential(**changes)))
    assert response.status_code == 400
    body = response.json()
    assert checks_failed(body) == ["validity period"]
    assert body["problemDetails"][0]["detail"] == detail


def test_vc_1_1_dates_without_a_zone_are_read_as_utc(client, api):
    credential = issued(api, v1_credential(issuanceDate="2024-05-01T10:00:00", expirationDate="2999-01-01T00:00:00"))
    assert verify(client, credential).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuanceDate": "1 May 2024"}, "credential.issuanceDate"),
        (
            {"expirationDate": "2024-05-01T10:00:00Z", "issuanceDate": "2024-06-01T10:00:00Z"},
            "credential.expirationDate",
        ),
        ({"credentialSubject": {"id": "did:example:1", "alumniOf": "nowhere"}}, "credential"),  # an undefined term
    ],
)
def test_a_vc_1_1_credential_with_bad_dates_is_400(api, changes, field):
    assert_problem(issue(api, v1_credential(**changes)), 400, field=field)
    assert not Credential.objects.exists()


def test_a_vc_1_1_credential_signed_elsewhere_verifies_and_without_issuance_date_fails(client):
    key = Ed25519PrivateKey.generate()
    credential = v1_credential(
        **{"@context": [CREDENTIALS_V1, DATA_INTEGRITY_V2]},
        issuer=multikey.did_key(key.public_key()),
        issuanceDate="2024-05-01T10:00:00Z",
    )

    def sign(document: dict[str, Any]) -> dict[str, Any]:
        method = multikey.did_key_verification_method(key.public_key())
        return dataintegrity.sign(document, private_key=key, verification_method=method, created="2024-05-01T10:00:00Z")

    assert verify(client, sign(credential)).status_code == 200
    undated = sign({k: v for k, v in credential.items() if k != "issuanceDate"})
    body = verify(client, undated).json()
    assert checks_failed(body) == ["validity period"]
    assert "needs an issuanceDate" in body["problemDetails"][0]["detail"]


# --- What a VC 2.0 issuer must refuse or keep ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": None}, "credential.issuer"),
        ({"issuer": 5}, "credential.issuer"),
        ({"issuer": []}, "credential.issuer"),
        ({"issuer": {"id": None}}, "credential.issuer.id"),
        ({"issuer": {"name": "Alpha"}}, "credential.issuer.id"),
        ({"@context": 4}, "credential.@context"),
        ({"@context": [CREDENTIALS_V2, 4]}, "credential.@context[1]"),
        ({"@context": [EXAMPLES_V2, CREDENTIALS_V2]}, "credential.@context"),
        ({"type": 4}, "credential.type"),
        ({"type": []}, "credential.type"),
        ({"type": ["ExampleAlumniCredential"]}, "credential.type"),
        ({"id": ["urn:uuid:1", "urn:uuid:2"]}, "credential.id"),
        ({"id": "not a url"}, "credential.id"),
        ({"credentialSubject": "did:example:1234"}, "credential.credentialSubject"),
        ({"credentialSubject": {}}, "credential.credentialSubject"),
        ({"credentialSubject": []}, "credential.credentialSubject"),
        ({"credentialSubject": None}, "credential.credentialSubject"),
        ({"credentialStatus": {"id": "did:example:status"}}, "credential.credentialStatus[0].type"),
        ({"credentialStatus": {"id": "did:example:status", "type": 2}}, "credential.credentialStatus[0].type"),
        ({"credentialStatus": {"id": ["urn:a:1", "urn:a:2"], "type": "X"}}, "credential.credentialStatus[0].id"),
        ({"validFrom": "2030-01-01T00:00:00Z", "validUntil": "2029-01-01T00:00:00Z"}, "credential.validUntil"),
        (
            {
                "@context": [CREDENTIALS_V2],
                "statusEntry": {"type": "BitstringStatusListEntry", "statusListIndex": True},
            },
            "credential",
        ),
    ],
)
def test_a_credential_the_data_model_forbids_is_400_naming_the_field(api, changes, field):
    assert_problem(issue(api, v2_credential(**changes)), 400, field=field)
    assert not Credential.objects.exists()


def test_a_credential_without_a_subject_is_400(api):
    credential = v2_credential()
    del credential["credentialSubject"]
    assert_problem(issue(api, credential), 400, field="credential.credentialSubject")


def test_the_callers_own_status_entry_is_kept_next_to_corridors_two(client, api):
    own = {"id": "https://status.example/1#4", "type": "ExampleStatusEntry"}
    credential = issued(api, v2_credential(credentialStatus=own))
    statuses = credential["credentialStatus"]
    assert statuses[0] == own
    assert [entry.get("statusPurpose") for entry in statuses[1:]] == ["revocation", "suspension"]
    response = verify(client, credential)
    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == [
        {"check": "status", "detail": "status entry of type 'ExampleStatusEntry' is not checked here"}
    ]


def test_inline_contexts_and_the_examples_context_issue_and_verify(client, api):
    credential = issued(
        api,
        v2_credential(**{"@context": [CREDENTIALS_V2, EXAMPLES_V2, {"Extra": "https://example.org/#Extra"}]}),
    )
    assert credential["@context"][2] == {"Extra": "https://example.org/#Extra"}
    assert verify(client, credential).status_code == 200


def test_the_partner_issues_as_its_did_key_when_the_request_names_it(client, api, alpha):
    key = partner_key_ensure(partner=alpha)
    did_key = multikey.did_key(multikey.decode_public_key(key.public_key_multibase))
    credential = issued(api, v2_credential(issuer=did_key))
    assert credential["issuer"] == did_key
    assert credential["proof"]["verificationMethod"] == f"{did_key}#{did_key.removeprefix('did:key:')}"
    assert verify(client, credential).status_code == 200
    IssuerSettings.objects.create(partner=alpha, did_method=DidMethod.KEY)
    assert issued(api, v2_credential())["issuer"] == did_key
    assert issued(api, v2_credential(issuer=ALPHA_DID))["issuer"] == ALPHA_DID


# --- /credentials/status by the id written in the credential -----------------------------------------


def test_status_is_set_by_the_id_the_caller_wrote_in_the_credential(client, api):
    credential = issued(api, v2_credential(id="urn:uuid:9d1f0b52-58b8-4b55-9a09-3b3c6f1c8f21"))
    response = set_status(api, "urn:uuid:9d1f0b52-58b8-4b55-9a09-3b3c6f1c8f21", "revocation", status=True)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "credentialId": "urn:uuid:9d1f0b52-58b8-4b55-9a09-3b3c6f1c8f21",
        "statusPurpose": "revocation",
        "status": True,
    }
    row = Credential.objects.get()
    assert (row.document_id, row.revoked_at is not None) == (credential["id"], True)
    assert audit_for(response, "credential.revocation.set").object_id == str(row.pk)
    assert checks_failed(verify(client, credential).json()) == ["status"]


def test_status_defaults_to_set_when_the_request_does_not_say(client, api):
    credential = issued(api, v2_credential(id="https://alumni.example/credentials/7"))
    assert set_status(api, credential["id"], "suspension").status_code == 200
    body = verify(client, credential).json()
    assert "suspended" in body["problemDetails"][0]["detail"]
    assert set_status(api, credential["id"], "suspension", status=False).status_code == 200
    assert verify(client, credential).status_code == 200


def test_a_written_id_of_another_partners_credential_is_404(client_for, api, charlie):
    issued(api, v2_credential(id="urn:uuid:5e9b1a7e-0a6c-4b0d-8c47-fd0d2b1c3a10"))
    response = set_status(client_for(charlie), "urn:uuid:5e9b1a7e-0a6c-4b0d-8c47-fd0d2b1c3a10", "revocation")
    assert_problem(response, 404, problem="not-found", field="credentialId")
    assert Credential.objects.get().revoked_at is None


def test_a_status_list_is_published_for_its_issuer_only(client_for, api, charlie):
    credential = issued(api, v2_credential())
    list_url = credential["credentialStatus"][0]["statusListCredential"]
    path = list_url.removeprefix("http://127.0.0.1:8000") + "/publish"
    assert api.post(path).status_code == 204
    assert_problem(client_for(charlie).post(path), 404, problem="not-found")


# --- /credentials/verify options and proof fields ------------------------------------------------------


def test_a_proof_made_for_another_purpose_than_expected_fails_the_proof_check(client, api):
    credential = issued(api, v2_credential())
    body = verify(client, credential, expectedProofPurpose="authentication").json()
    assert body["verified"] is False
    assert checks_failed(body) == ["proof"]
    assert "purpose" in body["problemDetails"][0]["detail"]


@pytest.mark.parametrize("options", [{"challenge": "abc"}, {"domain": "verifier.example"}])
def test_a_challenge_or_domain_the_proof_does_not_carry_fails(client, api, options):
    body = verify(client, issued(api, v2_credential()), **options).json()
    assert body["verified"] is False
    assert next(iter(options)) in body["problemDetails"][0]["detail"]


@pytest.mark.parametrize(
    ("expires", "detail"),
    [
        ("2020-01-01T00:00:00Z", "expires: the proof expired"),
        ((datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"), "expires: the proof expired"),
        ("soon", "proof expires 'soon' is not an XML Schema dateTime"),
    ],
)
def test_an_expired_or_malformed_proof_expiry_fails(client, expires, detail):
    key = Ed25519PrivateKey.generate()
    document = v2_credential(issuer=multikey.did_key(key.public_key()))
    method = multikey.did_key_verification_method(key.public_key())
    signed = dataintegrity.sign(document, private_key=key, verification_method=method, created="2024-01-01T00:00:00Z")
    config = {**signed["proof"], "expires": expires}
    del config["proofValue"]
    data = dataintegrity.hash_data({**config, "@context": document["@context"]}, document)
    signed["proof"] = {**config, "proofValue": multikey.encode_multibase(key.sign(data))}
    body = verify(client, signed).json()
    assert body["verified"] is False
    assert detail in body["problemDetails"][0]["detail"]


@pytest.mark.parametrize(
    "member", ["type", "cryptosuite", "proofPurpose", "created", "verificationMethod", "proofValue"]
)
def test_each_proof_member_removed_fails_naming_it(client, api, member):
    credential = issued(api, v2_credential())
    damaged = copy.deepcopy(credential)
    del damaged["proof"][member]
    body = verify(client, damaged).json()
    assert body["verified"] is False
    detail = body["problemDetails"][-1]["detail"]
    assert member in detail or "signature" in detail  # created is optional: removing it breaks the signature


# --- pure helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zone_required", "expected"),
    [
        ("2024-01-01T00:00:00Z", True, datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T05:00:00+05:00", True, datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00.123456789Z", True, datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2024-01-01T00:00:00", True, None),
        ("2024-01-01T00:00:00", False, datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-02-30T00:00:00Z", False, None),
        ("2024-01-01", False, None),
        (20240101, False, None),
    ],
)
def test_date_times_are_read_as_xml_schema_says(raw, zone_required, expected):
    assert vcdm.parse_date_time(raw, zone_required=zone_required) == expected


def test_the_data_model_is_named_by_the_first_context():
    assert vcdm.data_model({"@context": [CREDENTIALS_V2]}) == vcdm.V2
    assert vcdm.data_model({"@context": [CREDENTIALS_V1, CREDENTIALS_V2]}) == vcdm.V1
    assert vcdm.data_model({"@context": [EXAMPLES_V2, CREDENTIALS_V2]}) is None
    assert vcdm.contexts_for_v1([CREDENTIALS_V1], status=False) == [CREDENTIALS_V1, DATA_INTEGRITY_V2]


def test_the_admin_shows_both_identifiers_a_partner_may_issue_as(alpha):
    key = partner_key_ensure(partner=alpha)
    settings_row = IssuerSettings.objects.create(partner=alpha, did_method=DidMethod.KEY)
    model_admin = admin.site._registry[IssuerSettings]
    assert model_admin.did_web(settings_row) == ALPHA_DID
    assert model_admin.did_key(settings_row) == multikey.did_key(multikey.decode_public_key(key.public_key_multibase))


# --- Objects the data model requires a type (and a schema an id) for, and contexts pyld cannot process ---


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"termsOfUse": {}}, "credential.termsOfUse[0].type"),
        ({"evidence": {}}, "credential.evidence[0].type"),
        (
            {"evidence": [{"type": "ExampleEvidence"}, {"id": "https://example.org/ev/2"}]},
            "credential.evidence[1].type",
        ),
        ({"refreshService": {"id": "did:example:refresh/1"}}, "credential.refreshService[0].type"),
        ({"credentialSchema": {"id": "https://example.org/schema.json"}}, "credential.credentialSchema[0].type"),
        ({"credentialSchema": {"type": "JsonSchema"}}, "credential.credentialSchema[0].id"),
    ],
)
def test_reserved_objects_without_a_type_and_schemas_without_an_id_are_400(api, changes, field):
    assert_problem(issue(api, v2_credential(**changes)), 400, field=field)
    assert not Credential.objects.exists()


def test_typed_reserved_objects_are_issued(api):
    vc = issued(api, v2_credential(credentialSchema={"id": "https://example.org/schema.json", "type": "JsonSchema"}))
    assert vc["credentialSchema"]["type"] == "JsonSchema"


def test_a_null_vocab_that_removes_no_mapping_is_400_not_a_server_error(api):
    credential = v2_credential(
        **{"@context": [CREDENTIALS_V2, {"@vocab": None}], "type": ["VerifiableCredential", "X"]}
    )
    assert issue(api, credential).status_code == 400


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"statusListIndex": 7}, "base-10 integer string"),
        ({"statusPurpose": ""}, "statusPurpose"),
        ({"statusListCredential": "not a url"}, "must be a URL"),
        ({"statusSize": 0}, "statusSize"),
    ],
)
def test_a_malformed_bitstring_status_entry_is_refused_at_issue(client_for, olga, alpha, change, message):
    partner_key_ensure(partner=alpha)
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "refresh",
        "statusListIndex": "12",
        "statusListCredential": "https://example.org/status/1",
        **change,
    }
    credential = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": entry,
    }
    response = client_for(olga).post("/credentials/issue", {"credential": credential}, format="json")
    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert not Credential.objects.filter(issuer=alpha).exists()


def test_a_presentation_holder_object_needs_an_id():
    outcome = presentation_verify(
        {"@context": [CREDENTIALS_V2], "type": ["VerifiablePresentation"], "holder": {"name": "no id"}},
        allow_unsigned=True,
    )
    assert not outcome.verified
    assert any(c["check"] == "structure" and "holder" in c["detail"] for c in outcome.checks if not c["passed"])


def _self_signed(key: Ed25519PrivateKey, document: dict[str, Any], **options: Any) -> dict[str, Any]:
    return dataintegrity.sign(
        document,
        private_key=key,
        verification_method=multikey.did_key_verification_method(key.public_key()),
        created="2026-01-01T00:00:00Z",
        **options,
    )


def _presented_by(key: Ed25519PrivateKey, credentials: list[Any], **extra: Any) -> dict[str, Any]:
    document = {"@context": [CREDENTIALS_V2], "type": ["VerifiablePresentation"], "verifiableCredential": credentials}
    return _self_signed(key, {**document, **extra}, proof_purpose="authentication")


def _own_credential(did: str, subject: str = "did:example:subject") -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": subject},
    }


def test_credentials_with_their_own_proofs_verify_in_a_presentation_without_a_holder():
    """VC DM 2.0 §4.13: a presentation may carry any verifiable credentials, its signer's own among them."""
    key = Ed25519PrivateKey.generate()
    did = multikey.did_key(key.public_key())
    credentials = [_self_signed(key, _own_credential(did, subject)) for subject in ("did:example:a", "did:example:b")]
    for extra in ({}, {"holder": did}):
        outcome = presentation_verify(_presented_by(key, credentials, **extra))
        assert outcome.verified, outcome.errors


def test_a_credential_secured_by_the_presentations_proof_alone_needs_the_holder_to_be_its_issuer():
    """Self-asserted claims secured by the presentation's own proof: the holder who signs is their issuer."""
    key = Ed25519PrivateKey.generate()
    did = multikey.did_key(key.public_key())
    claims = _own_credential(did)
    outcome = presentation_verify(_presented_by(key, [claims], holder=did))
    assert outcome.verified, outcome.errors
    outcome = presentation_verify(_presented_by(key, [claims]))
    assert not outcome.verified
    assert [c["check"] for c in outcome.checks if not c["passed"]] == ["credential 0: holder"]
    other = Ed25519PrivateKey.generate()
    other_did = multikey.did_key(other.public_key())
    outcome = presentation_verify(_presented_by(other, [claims], holder=other_did))
    assert not outcome.verified
    assert [c["check"] for c in outcome.checks if not c["passed"]] == ["credential 0: holder"]
    outcome = presentation_verify(_presented_by(other, [claims], holder=did))
    assert not outcome.verified
    assert [c["check"] for c in outcome.checks if not c["passed"]] == ["issuer key"]
    unsigned = {"@context": [CREDENTIALS_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [claims]}
    outcome = presentation_verify({**unsigned, "holder": did}, allow_unsigned=True)
    assert not outcome.verified
    assert "credential 0: structure" in [c["check"] for c in outcome.checks if not c["passed"]]
