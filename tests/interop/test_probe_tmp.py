import json, pytest
from tests.interop.test_digitalbazaar import _js_verify, _documents_for
from apps.credentials.jsonld import CREDENTIALS_V2, CORRIDOR_V1
pytestmark = [pytest.mark.django_db]

CASES = {
 "direction": {"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"], "name": {"@value": "شهادة", "@language": "ar", "@direction": "rtl"}, "credentialSubject": {"id": "https://example.org/s/1"}},
 "language_list": {"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"], "name": [{"@value": "Cert", "@language": "en"}, {"@value": "Zertifikat", "@language": "de"}], "description": "plain", "credentialSubject": {"id": "https://example.org/s/1"}},
 "json_utf16_keys": {"@context": [CREDENTIALS_V2, CORRIDOR_V1], "type": ["VerifiableCredential", "StepCredential"], "credentialSubject": {"id": "https://example.org/s/1", "extensions": {"\U0001F600": 1, "\uFFFD": 2, "a": [1.5, 1e-7, 100.0, None, True], "é": "\u2028"}}},
 "issuer_object": {"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"], "validUntil": "2099-01-01T00:00:00.123+02:00", "credentialSubject": {"id": "https://example.org/s/1"}},
 "nested_types": {"@context": [CREDENTIALS_V2, CORRIDOR_V1], "type": ["VerifiableCredential", "StepCredential"], "credentialSubject": {"type": "ObjectEvent", "eventTime": "2026-03-01T01:30:00.123Z", "eventVersion": 3, "bizStep": "https://ns.example.com/custom-step", "disposition": "in_transit", "quantityList": None}},
}

@pytest.mark.parametrize("name", list(CASES))
def test_probe(node, tmp_path, alpha, token_for, bearer, name):
    api = bearer(token_for(alpha))
    unsigned = {k: v for k, v in CASES[name].items() if v is not None}
    unsigned["credentialSubject"] = {k: v for k, v in unsigned["credentialSubject"].items() if v is not None}
    response = api.post("/credentials/issue", json.dumps({"credential": unsigned}), content_type="application/json")
    print(name, response.status_code, response.content[:400])
    if response.status_code != 201:
        return
    document = response.json()["verifiableCredential"]
    r = _js_verify(node, tmp_path, document, _documents_for(document))
    print("CASE", name, r["verified"], r["error"])
    assert r["verified"]
