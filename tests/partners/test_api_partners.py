import pytest

pytestmark = pytest.mark.django_db


def test_member_sees_only_own_partner(client_for, alice, charlie):
    response = client_for(alice).get("/api/v1/partners/")
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["results"]] == ["alpha"]


def test_other_partner_detail_is_404(client_for, alice, charlie):
    response = client_for(alice).get("/api/v1/partners/bravo/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
