"""/partners/: staff list every partner with human-readable kinds and open a partner's page."""

import pytest

pytestmark = pytest.mark.django_db


def test_staff_list_partners_with_kinds_in_words_and_links(client, staff, alpha, bravo):
    client.force_login(staff)
    page = client.get("/partners/").content.decode()
    assert 'href="/partners/alpha/"' in page
    assert "Bravo Lines" in page
    assert "Shipper" in page


def test_a_partners_page_shows_its_facts_and_members(client, staff, alice, alpha):
    client.force_login(staff)
    page = client.get("/partners/alpha/").content.decode()
    assert "Alpha Exports" in page
    assert "alice" in page


def test_members_may_not_list_partners_and_see_no_other_partner(client, alice, bravo):
    client.force_login(alice)
    assert client.get("/partners/").status_code == 403
    assert client.get("/partners/bravo/").status_code == 404
