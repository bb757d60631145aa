"""The partner's page shows its did:web and did:key (the credentials panel); its admins choose which one issues."""

import pytest

from apps.core.models import AuditEvent
from apps.credentials import multikey
from apps.credentials.models import IssuerSettings
from apps.credentials.services.keys import partner_key_ensure

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_both_identifiers(client, alice, alpha):
    key = partner_key_ensure(partner=alpha)
    client.force_login(alice)
    page = client.get("/partner/").content.decode()
    assert "did:web:localhost%3A8000:partners:alpha" in page
    assert multikey.did_key(multikey.decode_public_key(key.public_key_multibase)) in page


def test_an_admin_switches_to_did_key_and_back(client, alice, alpha):
    client.force_login(alice)
    assert client.post("/issuer-did/", {"did_method": "key"}).status_code == 302
    assert IssuerSettings.objects.get(partner=alpha).did_method == "key"
    assert AuditEvent.objects.filter(action="issuer_settings.update", partner=alpha).exists()
    client.post("/issuer-did/", {"did_method": "web"})
    assert IssuerSettings.objects.get(partner=alpha).did_method == "web"


def test_an_unknown_method_is_refused_with_a_message(client, alice, alpha):
    client.force_login(alice)
    page = client.post("/issuer-did/", {"did_method": "ion"}, follow=True).content.decode()
    assert "did_method must be one of" in page
    assert not IssuerSettings.objects.filter(partner=alpha, did_method="ion").exists()


def test_a_viewer_cannot_switch(client, bob, alpha):
    client.force_login(bob)
    page = client.post("/issuer-did/", {"did_method": "key"}, follow=True).content.decode()
    assert "This needs the admin role for alpha to choose its issuing identifier; you act as viewer." in page
    assert not IssuerSettings.objects.filter(partner=alpha, did_method="key").exists()
