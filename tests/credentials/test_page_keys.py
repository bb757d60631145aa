"""/keys/: a partner's admins list, rotate and revoke its signing keys through the key services."""

import pytest

from apps.core.models import AuditEvent
from apps.credentials.models import PartnerKey
from apps.credentials.services.keys import partner_key_ensure

pytestmark = pytest.mark.django_db


def test_an_admin_sees_the_current_key_and_rotates_it(client, alice, alpha):
    key = partner_key_ensure(partner=alpha)
    client.force_login(alice)
    page = client.get("/keys/").content.decode()
    assert key.public_key_multibase in page
    assert "data-confirm=" in page
    client.post("/keys/rotate/")
    states = dict(PartnerKey.objects.filter(partner=alpha).values_list("key_id", "rotated_at"))
    assert states[key.key_id] is not None
    assert sum(1 for rotated in states.values() if rotated is None) == 1
    assert AuditEvent.objects.filter(action="partner_key.rotate", partner=alpha).exists()


def test_an_admin_revokes_a_key_with_a_reason(client, alice, alpha):
    key = partner_key_ensure(partner=alpha)
    client.force_login(alice)
    missing = client.post(f"/keys/{key.id}/revoke/", {"reason": " "}, follow=True).content.decode()
    assert "Say why the key is revoked." in missing
    client.post(f"/keys/{key.id}/revoke/", {"reason": "laptop stolen"})
    key.refresh_from_db()
    assert (key.state, key.revocation_reason) == ("revoked", "laptop stolen")


def test_operators_are_refused_and_another_partners_key_is_not_found(client, olga, alice, bravo):
    other = partner_key_ensure(partner=bravo)
    client.force_login(olga)
    assert client.get("/keys/").status_code == 403
    client.force_login(alice)
    assert client.post(f"/keys/{other.id}/revoke/", {"reason": "x"}).status_code == 404
