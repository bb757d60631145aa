"""Partners' signing keys: made on creation, stored only encrypted, rotated and revoked by admins.

alice is alpha's admin, olga its operator; charlie is bravo's admin. Keys appear only by their public
half: in /api/v1/keys/, the DID document and the admin, never the private key or its ciphertext.
"""

from __future__ import annotations

import base64
import logging
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test import Client

from apps.credentials import keystore
from apps.credentials.models import PartnerKey
from apps.credentials.multikey import encode_private_key, encode_public_key
from apps.credentials.services.keys import partner_key_ensure, private_key_of
from apps.credentials.verification import credential_verify
from apps.partners.access import system_actor
from apps.partners.models import Partner
from apps.partners.services import partner_create
from tests.credentials.issuing import credential_of, document_of, make_consignment, record, step_event
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

KEYS = "/api/v1/keys/"
ALPHA_DID = "did:web:localhost%3A8000:partners:alpha"


def _secret_forms(key: PartnerKey) -> list[str]:
    """Every way the private key (or its ciphertext) could leak into a text response."""
    raw = private_key_of(key).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    sealed = bytes(key.encrypted_private_key)
    return [
        raw.hex(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        encode_private_key(private_key_of(key)),
        sealed.hex(),
        base64.b64encode(sealed).decode(),
        base64.urlsafe_b64encode(sealed).decode().rstrip("="),
    ]


def _assert_no_secret(text: str, keys) -> None:
    for key in keys:
        for form in _secret_forms(key):
            assert form not in text


@pytest.fixture
def alpha_key(alpha):
    return partner_key_ensure(partner=alpha)


# --- Creation and storage --------------------------------------------------------------------------


def test_a_partner_registered_by_staff_gets_one_current_key(client_for, staff):
    response = client_for(staff).post(
        "/api/v1/partners/", {"name": "Kaohsiung Widgets", "country": "TW", "kinds": ["shipper"]}, format="json"
    )
    assert response.status_code == 201, response.content
    partner = Partner.objects.get(name="Kaohsiung Widgets")
    (key,) = PartnerKey.objects.filter(partner=partner)
    assert key.state == "current"
    assert key.public_key_multibase.startswith("z6Mk")
    assert encode_public_key(private_key_of(key).public_key()) == key.public_key_multibase


def test_a_partner_registered_through_the_service_gets_a_key(db):
    partner = partner_create(
        actor=system_actor("tests"), name="Busan Terminals", country="KR", kinds=["terminal_operator"]
    )
    assert PartnerKey.objects.filter(partner=partner, rotated_at=None, revoked_at=None).count() == 1


def test_ensuring_a_key_twice_keeps_the_one_key(alpha_key, alpha):
    assert partner_key_ensure(partner=alpha) == alpha_key
    assert PartnerKey.objects.filter(partner=alpha).count() == 1


def test_the_stored_private_key_is_neither_the_raw_key_nor_its_multibase(alpha_key):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT encrypted_private_key FROM {PartnerKey._meta.db_table}")  # noqa: S608 - no input
        (row,) = cursor.fetchall()
    stored = bytes(row[0])
    private = private_key_of(alpha_key)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert len(raw) == 32
    assert raw not in stored
    assert encode_private_key(private).encode() not in stored
    assert raw.hex().encode() not in stored
    assert len(stored) == 12 + 32 + 16  # nonce, sealed key, GCM tag


def test_the_ciphertext_only_opens_for_its_own_partner_and_key(alpha_key, bravo):
    sealed = bytes(alpha_key.encrypted_private_key)
    with pytest.raises(InvalidTag):
        keystore.unwrap_private_key(sealed, partner_id=bravo.pk, key_id=alpha_key.key_id)
    with pytest.raises(InvalidTag):
        keystore.unwrap_private_key(sealed, partner_id=alpha_key.partner_id, key_id="key-other")
    opened = keystore.unwrap_private_key(sealed, partner_id=alpha_key.partner_id, key_id=alpha_key.key_id)
    assert encode_public_key(opened.public_key()) == alpha_key.public_key_multibase


def test_the_ciphertext_does_not_open_under_another_key_encryption_key(alpha_key, settings):
    settings.CORRIDOR_KEY_ENCRYPTION_KEY = "some-other-deployment's-key"
    with pytest.raises(InvalidTag):
        private_key_of(alpha_key)


def test_two_wrappings_of_one_key_differ(alpha_key):
    private = private_key_of(alpha_key)
    first = keystore.wrap_private_key(private, partner_id=alpha_key.partner_id, key_id=alpha_key.key_id)
    second = keystore.wrap_private_key(private, partner_id=alpha_key.partner_id, key_id=alpha_key.key_id)
    assert first != second  # a fresh nonce each time


# --- Never shown -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def step(alpha, bravo):
    """alpha's step credential for its consignment PO-1001."""
    consignment = make_consignment(alpha)
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    return credential_of(event)


def test_no_response_or_log_shows_the_private_key_or_its_ciphertext(caplog, client_for, alice, step, admin_client):
    caplog.set_level(logging.DEBUG)
    credential, alpha_key = step, step.signed_by
    consignment = step.chain_entries.get().consignment
    api = client_for(alice)
    texts = [
        api.get(KEYS).content.decode(),
        api.get("/partners/alpha/did.json").content.decode(),
        api.get("/api/v1/credentials/").content.decode(),
        api.get(f"/credentials/{credential.pk}").content.decode(),
        api.get(f"/api/v1/consignments/{consignment.pk}/presentation/", {"challenge": "c-1"}).content.decode(),
    ]
    rotated = api.post(f"{KEYS}rotate/")
    assert rotated.status_code == 201
    texts.append(rotated.content.decode())
    revoked = api.post(f"{KEYS}{alpha_key.pk}/revoke/", {"reason": "laptop stolen"}, format="json")
    assert revoked.status_code == 200
    texts.append(revoked.content.decode())
    for path in (
        "/admin/credentials/partnerkey/",
        f"/admin/credentials/partnerkey/{alpha_key.pk}/change/",
        f"/admin/credentials/credential/{credential.pk}/change/",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        texts.append(response.content.decode())
    assert alpha_key.public_key_multibase in texts[0]
    _assert_no_secret("\n".join([*texts, caplog.text]), PartnerKey.objects.filter(partner=credential.issuer))
    assert "encrypted_private_key" not in "\n".join(texts)


def test_the_key_list_shows_public_halves_only(client_for, alice, alpha_key):
    response = client_for(alice).get(KEYS)
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert set(row) == {
        "id",
        "partner",
        "key_id",
        "public_key_multibase",
        "state",
        "created_at",
        "rotated_at",
        "revoked_at",
        "revocation_reason",
    }
    assert (row["partner"], row["key_id"], row["state"]) == ("alpha", alpha_key.key_id, "current")


# --- did.json --------------------------------------------------------------------------------------


def test_did_document_lists_the_current_key_as_multikey(client, alpha_key):
    response = client.get("/partners/alpha/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    document = response.json()
    method_id = f"{ALPHA_DID}#{alpha_key.key_id}"
    assert document["id"] == ALPHA_DID
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert document["verificationMethod"] == [
        {
            "id": method_id,
            "type": "Multikey",
            "controller": ALPHA_DID,
            "publicKeyMultibase": alpha_key.public_key_multibase,
        }
    ]
    assert document["assertionMethod"] == [method_id]
    assert document["authentication"] == [method_id]


def test_did_document_of_an_unknown_or_inactive_partner_is_404(client, alpha_key, alpha):
    assert client.get("/partners/nobody/did.json").status_code == 404
    Partner.objects.filter(pk=alpha.pk).update(is_active=False)
    assert client.get("/partners/alpha/did.json").status_code == 404


# --- Rotation --------------------------------------------------------------------------------------


def test_rotation_keeps_the_old_key_listed_so_old_credentials_still_verify(client, client_for, alice, alpha, bravo):
    consignment = make_consignment(alpha)
    (before,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    old_key = credential_of(before).signed_by
    response = client_for(alice).post(f"{KEYS}rotate/")
    assert response.status_code == 201, response.content
    new_key = PartnerKey.objects.get(pk=response.json()["id"])
    assert response.json()["state"] == "current"
    old_key.refresh_from_db()
    assert (old_key.state, new_key.state) == ("rotated", "current")
    audit = audit_for(response, "partner_key.rotate")
    assert audit.changes["public_key_multibase"] == new_key.public_key_multibase

    document = client.get("/partners/alpha/did.json").json()
    old_id, new_id = f"{ALPHA_DID}#{old_key.key_id}", f"{ALPHA_DID}#{new_key.key_id}"
    assert [method["id"] for method in document["verificationMethod"]] == [old_id, new_id]
    assert document["assertionMethod"] == [old_id, new_id]
    assert document["authentication"] == [new_id]

    (after,) = record(alpha, step_event("evt-2", consignments=(consignment,), hours=1))
    assert credential_of(after).signed_by == new_key
    assert document_of(credential_of(after))["proof"]["verificationMethod"] == new_id
    assert credential_verify(document_of(credential_of(before))).verified
    assert credential_verify(document_of(credential_of(after))).verified


@pytest.mark.parametrize("who", ["olga", "bob"])
def test_only_admins_rotate(request, client_for, alpha_key, who):
    response = client_for(request.getfixturevalue(who)).post(f"{KEYS}rotate/")
    assert_problem(response, 403, problem="permission-denied")
    assert PartnerKey.objects.get() == alpha_key


def test_a_token_cannot_rotate_or_revoke(alpha, alpha_key, token_for, bearer):
    api = bearer(token_for(alpha))
    assert_problem(api.post(f"{KEYS}rotate/"), 403)
    assert_problem(api.post(f"{KEYS}{alpha_key.pk}/revoke/", {"reason": "x"}, format="json"), 403)
    assert PartnerKey.objects.get().state == "current"


def test_staff_without_a_partner_must_say_which_partners_key_to_rotate(client_for, staff, alpha_key):
    assert_problem(client_for(staff).post(f"{KEYS}rotate/"), 400, field="partner")
    response = client_for(staff).post(f"{KEYS}rotate/", headers={"X-Corridor-Partner": "alpha"})
    assert response.status_code == 201, response.content
    assert response.json()["partner"] == "alpha"


# --- Revocation ------------------------------------------------------------------------------------


def test_a_revoked_key_leaves_the_did_document_and_what_it_signed_fails_the_issuer_key_check(
    client, client_for, alice, alpha, bravo
):
    consignment = make_consignment(alpha)
    (event,) = record(alpha, step_event("evt-1", consignments=(consignment,)))
    key = credential_of(event).signed_by
    response = client_for(alice).post(f"{KEYS}{key.pk}/revoke/", {"reason": "key file leaked"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["revocation_reason"]) == ("revoked", "key file leaked")
    audit_for(response, "partner_key.revoke")

    document = client.get("/partners/alpha/did.json").json()
    listed = [method["id"] for method in document["verificationMethod"]]
    assert f"{ALPHA_DID}#{key.key_id}" not in listed
    current = PartnerKey.objects.get(partner=alpha, rotated_at=None, revoked_at=None)  # a fresh key took over
    assert listed == [f"{ALPHA_DID}#{current.key_id}"]

    outcome = credential_verify(document_of(credential_of(event)))
    assert not outcome.verified
    assert outcome.errors[0]["check"] == "issuer key"
    assert "revoked" in outcome.errors[0]["detail"]


def test_revoking_a_rotated_key_keeps_the_current_one(client_for, alice, alpha, alpha_key):
    api = client_for(alice)
    current = api.post(f"{KEYS}rotate/").json()
    assert api.post(f"{KEYS}{alpha_key.pk}/revoke/", {"reason": "old"}, format="json").status_code == 200
    assert PartnerKey.objects.get(partner=alpha, rotated_at=None, revoked_at=None).pk == UUID(current["id"])
    assert PartnerKey.objects.filter(partner=alpha).count() == 2


def test_revoking_needs_a_reason(client_for, alice, alpha_key):
    assert_problem(
        client_for(alice).post(f"{KEYS}{alpha_key.pk}/revoke/", {"reason": "  "}, format="json"), 400, field="reason"
    )
    assert_problem(client_for(alice).post(f"{KEYS}{alpha_key.pk}/revoke/"), 400, field="reason")
    assert PartnerKey.objects.get().state == "current"


def test_revoking_twice_changes_nothing_the_second_time(client_for, alice, alpha, alpha_key):
    api = client_for(alice)
    first = api.post(f"{KEYS}{alpha_key.pk}/revoke/", {"reason": "leaked"}, format="json").json()
    second = api.post(f"{KEYS}{alpha_key.pk}/revoke/", {"reason": "again"}, format="json")
    assert second.status_code == 200
    assert (second.json()["revoked_at"], second.json()["revocation_reason"]) == (first["revoked_at"], "leaked")
    assert PartnerKey.objects.filter(partner=alpha).count() == 2


def test_another_partners_admin_cannot_revoke_alphas_key(client_for, charlie, alpha_key):
    response = client_for(charlie).post(f"{KEYS}{alpha_key.pk}/revoke/", {"reason": "hostile"}, format="json")
    assert_problem(response, 404, problem="not-found")
    alpha_key.refresh_from_db()
    assert alpha_key.state == "current"


def test_an_unknown_key_is_404(client_for, alice, alpha_key):
    response = client_for(alice).post(
        f"{KEYS}00000000-0000-0000-0000-000000000000/revoke/", {"reason": "x"}, format="json"
    )
    assert_problem(response, 404)
    assert_problem(client_for(alice).post(f"{KEYS}not-a-uuid/revoke/", {"reason": "x"}, format="json"), 404)
