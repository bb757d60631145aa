"""GET /api/v1/consignments/{id}/eta/: the stored prediction for whoever may see the consignment."""

from __future__ import annotations

from datetime import timedelta

from apps.corridors.services import eta_refresh
from tests.corridors.conftest import T0
from tests.helpers import assert_problem


def test_a_party_reads_the_eta_with_its_interval_and_basis(corridor, client_for, bob, shipment, record):
    consignment = shipment("MOVING", T0)
    record(consignment, [("DEPA", "TWKHH", T0)])
    eta_refresh(consignment_ids=[consignment.pk], as_of=T0 + timedelta(hours=6))
    response = client_for(bob).get(f"/api/v1/consignments/{consignment.pk}/eta/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["consignment"] == str(consignment.pk)
    assert body["corridor"] == "khh-pus-lax"
    assert body["state"] == "on_leg"
    assert body["destination"] == "USLAX"
    assert body["p10"] <= body["predicted_arrival"] <= body["p90"]
    assert body["basis"]["last_event"]["event_id"] == "MOVING-DEPA-TWKHH"
    assert [c["kind"] for c in body["basis"]["components"]] == ["transit", "dwell", "transit"]


def test_another_partner_is_refused_and_a_missing_eta_says_so(corridor, client_for, bob, dave, shipment):
    consignment = shipment("MOVING", T0)
    assert_problem(client_for(dave).get(f"/api/v1/consignments/{consignment.pk}/eta/"), 404)
    body = assert_problem(client_for(bob).get(f"/api/v1/consignments/{consignment.pk}/eta/"), 404)
    assert "No ETA" in body["detail"]
    assert_problem(client_for(bob).get("/api/v1/consignments/not-a-uuid/eta/"), 404)
