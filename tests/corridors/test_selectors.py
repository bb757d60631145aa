"""Which consignments are on a corridor: explicit membership, the route test in SQL and in Python agree."""

from __future__ import annotations

from apps.corridors.baselines import LegSpec, on_corridor, stops_of
from apps.corridors.models import CorridorConsignment
from apps.corridors.selectors import corridor_consignments, corridor_for_consignment
from apps.corridors.services import corridor_create
from apps.partners.access import system_actor
from tests.corridors.conftest import T0, actor_of


def test_the_route_test_in_the_database_agrees_with_the_pure_one(corridor, shipment, alpha, bravo):
    other = corridor_create(
        actor=system_actor("tests"), slug="pus-lax", name="Busan - Los Angeles", owner=bravo, nodes=["KRPUS", "USLAX"]
    )
    routes = {
        "ALONG": ["TWKHH", "KRPUS", "USLAX"],
        "FIRST": ["TWKHH", "KRPUS"],
        "SECOND": ["KRPUS", "USLAX"],
        "DIRECT": ["TWKHH", "USLAX"],
        "BACK": ["USLAX", "KRPUS"],
        "BEYOND": ["TWKHH", "KRPUS", "USLAX", "USOAK"],
        "ELSEWHERE": ["CNSHA", "KRPUS"],
    }
    made = {ref: shipment(ref, T0, route=route) for ref, route in routes.items()}
    unlegged = shipment("NO-LEGS", T0, route=["KRPUS", "USLAX"])
    unlegged.legs.all().delete()
    made["NO-LEGS"] = unlegged
    # Placed explicitly on the other corridor: no longer on this one by its route.
    placed = shipment("PLACED", T0, route=["TWKHH", "KRPUS"])
    CorridorConsignment.objects.create(corridor=other, consignment=placed)
    # Placed explicitly on this one whatever its route.
    CorridorConsignment.objects.create(corridor=corridor, consignment=made["DIRECT"])

    on = set(corridor_consignments(corridor=corridor).values_list("reference", flat=True))
    assert on == {"ALONG", "FIRST", "SECOND", "DIRECT", "NO-LEGS"}
    for reference, consignment in made.items():
        legs = [LegSpec(leg.origin, leg.destination, leg.mode) for leg in consignment.legs.order_by("sequence")]
        pure = on_corridor(
            corridor.nodes, stops_of(legs, origin=consignment.origin, destination=consignment.destination)
        )
        assert (reference in on) == (pure or reference == "DIRECT"), reference
    assert corridor_for_consignment(placed) == other
    # "SECOND" runs along both; the first corridor by name predicts its ETA.
    assert corridor_for_consignment(made["SECOND"]) == other


def test_a_viewer_sees_only_the_consignments_it_may(corridor, shipment, bravo, delta):
    shipment("OURS", T0)
    theirs = shipment("THEIRS", T0)
    theirs.parties.filter(partner=bravo).delete()
    assert set(corridor_consignments(corridor=corridor, actor=actor_of(bravo)).values_list("reference", flat=True)) == {
        "OURS"
    }
    assert not corridor_consignments(corridor=corridor, actor=actor_of(delta)).exists()
