"""GET /api/v1/corridors/{slug}/release-times/: arrival to release to gate-out per node and period."""

from __future__ import annotations

from datetime import timedelta

from apps.partners.choices import PartnerKind
from tests.corridors.conftest import T0
from tests.factories import PartnerFactory
from tests.helpers import assert_problem

URL = "/api/v1/corridors/khh-pus-lax/release-times/"


def test_median_and_p90_per_node_and_month(corridor, client_for, charlie, shipment, record):
    us_customs = PartnerFactory(
        slug="us-customs", country="US", serves_country="US", kinds=[PartnerKind.CUSTOMS_AUTHORITY]
    )
    for n, (release, gate_out) in enumerate([(10, 30), (20, 40), (30, 44)]):
        consignment = shipment(f"R-{n}", T0)
        arrived = T0 + timedelta(days=16, hours=n)
        record(consignment, [("ARRI", "USLAX", arrived), ("GTOT", "USLAX", arrived + timedelta(hours=gate_out))])
        record(consignment, [("RELS", "USLAX", arrived + timedelta(hours=release))], recorder=us_customs)
    as_of = (T0 + timedelta(days=40)).isoformat()
    response = client_for(charlie).get(URL, {"period": "month", "as_of": as_of})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["corridor"] == "khh-pus-lax"
    (row,) = body["rows"]
    assert (row["node"], row["period"], row["period_start"]) == ("USLAX", "2026-06", "2026-06-01")
    assert row["arrival_to_release"] == {"count": 3, "median_hours": 20.0, "p90_hours": 28.0}
    assert row["release_to_gate_out"]["median_hours"] == 20.0
    assert row["arrival_to_gate_out"]["p90_hours"] == 43.2

    # As of before the releases, only arrivals are known: nothing to measure.
    early = client_for(charlie).get(URL, {"as_of": (T0 + timedelta(days=16, hours=3)).isoformat()}).json()
    assert early["rows"] == []


def test_bad_period_or_window_names_the_parameter(corridor, client_for, charlie):
    assert_problem(client_for(charlie).get(URL, {"period": "fortnight"}), 400, field="period")
    assert_problem(
        client_for(charlie).get(URL, {"since": "2026-06-02T00:00:00Z", "until": "2026-06-01T00:00:00Z"}),
        400,
        field="until",
    )
    assert_problem(client_for(charlie).get(URL, {"since": "yesterday"}), 400, field="since")


def test_another_partner_is_refused(corridor, client_for, dave):
    assert_problem(client_for(dave).get(URL), 404)
