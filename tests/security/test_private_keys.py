"""Private keys never leave the keystore: after a full demo run (background work included), every partner's
private key, raw or wrapped, in any encoding we can think of, is absent from the API's answers (every GET
operation of the schema, as each demo partner's admin and as staff, the VC API's documents), the admin site
(every model's list and change page), error bodies, the logs, and the repository's fixtures and vectors.
"""

from __future__ import annotations

import base64
import logging
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from apps.credentials import multikey
from apps.credentials.models import PartnerKey
from apps.credentials.services.keys import private_key_of
from apps.partners.access import SESSION_PARTNER_KEY
from apps.partners.choices import MemberRole
from apps.partners.models import Membership
from tests.factories import UserFactory
from tests.security import world

ROOT = Path(__file__).resolve().parents[2]
# Published W3C test vectors whose key pairs are public by design (tests/vectors/PROVENANCE.md).
PUBLISHED_TEST_KEYS = (str(ROOT / "tests/vectors/w3c-vc-di-eddsa"), str(ROOT / "tests/vectors/proof-set-chain"))
PEM_PRIVATE = re.compile(rb"-----BEGIN (ENCRYPTED |OPENSSH |EC |)PRIVATE KEY-----")


def encodings(raw: bytes) -> set[str]:
    """``raw`` as a leak would spell it (at least 16 characters, so no chance match)."""
    return {
        raw.hex(),
        raw.hex().upper(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def secrets_of(key: PartnerKey) -> set[str]:
    private = private_key_of(key)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pkcs8 = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    wrapped = bytes(key.encrypted_private_key)
    found = encodings(raw) | encodings(pkcs8) | encodings(wrapped)
    found.add(multikey.encode_private_key(private))
    return found


def _gets(client: Client, paths: list[str]) -> list[tuple[str, int, str]]:
    bodies = []
    for path in paths:
        response = client.get(path)
        bodies.append((path, response.status_code, response.content.decode(errors="replace")))
    return bodies


def _schema_gets(outsider_kwargs) -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for template, item in schema["paths"].items():
        if "get" not in item:
            continue
        if "{" in template:
            real, _, _ = outsider_kwargs(template)
            paths.append(world.fill(template, real))
        else:
            paths.append(template)
    return paths


@pytest.mark.django_db
def test_no_private_key_material_anywhere_after_the_demo(caplog, capsys, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        outsider = world.world_build()  # the demo again (idempotent) and the rows it lacks
    keys = list(PartnerKey.objects.select_related("partner"))
    assert len(keys) >= 10
    secrets = set().union(*(secrets_of(key) for key in keys))
    assert all(len(secret) >= 16 for secret in secrets)

    texts: list[tuple[str, int, str]] = []
    # The API, as staff (every object) and as each demo partner's admin (its own keys, credentials…).
    staff = UserFactory(username="keys-staff", is_staff=True, is_superuser=True)
    staff_client = Client()
    staff_client.force_login(staff)
    paths = _schema_gets(lambda template: world.route_kwargs(template, outsider))
    texts += _gets(staff_client, paths)
    for membership in Membership.objects.filter(role=MemberRole.ADMIN).select_related("user", "partner")[:20]:
        client = Client()
        client.force_login(membership.user)
        session = client.session
        session[SESSION_PARTNER_KEY] = membership.partner.slug
        session.save()
        texts += _gets(client, ["/api/v1/keys/", "/api/v1/credentials/", "/api/v1/me/", "/keys/", "/"])
    # The VC API's documents and DID documents.
    texts += _gets(staff_client, [f"/partners/{key.partner.slug}/did.json" for key in keys])
    # Error bodies: unknown objects, refused writes, a body too deep.
    texts += [
        (path, response.status_code, response.content.decode(errors="replace"))
        for path, response in [
            ("rotate", staff_client.post("/api/v1/keys/rotate/")),
            ("revoke", staff_client.post(f"/api/v1/keys/{keys[0].pk}/revoke/", "{", content_type="application/json")),
            ("deep", staff_client.post("/credentials/issue", "[" * 5000 + "]" * 5000, content_type="application/json")),
            ("issue", staff_client.post("/credentials/issue", "{}", content_type="application/json")),
        ]
    ]
    # The admin site: every registered model's list and the change page of its first row.
    for model, _ in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        texts += _gets(staff_client, [changelist])
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            texts += _gets(staff_client, [reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])])
    assert not [t for t in texts if t[1] >= 500], [t[:2] for t in texts if t[1] >= 500]
    texts.append(("logs", 0, caplog.text))

    leaks = [(where, status) for where, status, text in texts if any(secret in text for secret in secrets)]
    assert not leaks, f"private key material found in: {leaks}"
    pages = sum(1 for where, _, _ in texts if where.startswith("/admin/"))
    api_bytes = sum(len(text) for where, _, text in texts if not where.startswith("/admin/"))
    with capsys.disabled():
        print(f"\nprivate keys: {len(keys)} keys, {len(texts)} bodies, {pages} admin pages, {api_bytes:,} characters")  # noqa: T201
    assert pages > 40
    assert api_bytes > 100_000


def test_no_private_key_in_the_repositorys_fixtures_and_vectors():
    """Fixtures, vectors and docs hold public test data only: no PEM private key block, no `privateKeyMultibase`
    other than the W3C test vectors' published ones (named in tests/vectors/PROVENANCE.md)."""
    offenders = []
    for path in [*ROOT.glob("apps/**/fixtures/**/*"), *ROOT.glob("tests/vectors/**/*"), *ROOT.glob("docs/**/*")]:
        if not path.is_file():
            continue
        data = path.read_bytes()
        if PEM_PRIVATE.search(data) or (
            b"privateKeyMultibase" in data and not str(path).startswith(PUBLISHED_TEST_KEYS)
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
