"""POST/GET/PATCH /api/v1/consignments/: parties, goods, equipment and legs, validated whole.

alpha (alice admin, olga operator, bob viewer) creates; bravo (charlie) and delta (dave) are parties
when the body says so; the Dutch customs authority (nora) sees what touches the Netherlands.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from apps.core.models import AuditEvent
from apps.partners.choices import TokenScope
from apps.shipments.models import Consignment, ConsignmentParty, Equipment, EquipmentAssignment, GoodsItem, Leg
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import assert_problem, audit_for, error_fields
from tests.shipments.conftest import CONTAINER, VESSEL_IMO

pytestmark = pytest.mark.django_db

URL = "/api/v1/consignments/"


def body(**changes: Any) -> dict[str, Any]:
    """A consignment as a client sends it: Kaohsiung → Rotterdam, loosely written identifiers."""
    data: dict[str, Any] = {
        "reference": "PO-1001",
        "transport_document_number": "BL-KHH-0001",
        "booking_reference": "BKG-0001",
        "origin": "twkhh",
        "destination": "NL RTM",
        "parties": [
            {"partner": "alpha", "role": "consignor"},
            {"partner": "bravo", "role": "carrier"},
            {"partner": "delta", "role": "freight_forwarder"},
        ],
        "goods_items": [
            {
                "hs_code": "8504.40",
                "description": "Power supplies",
                "packages": 10,
                "package_type": "CT",
                "gross_weight_kg": "120.5",
                "value": "5000.00",
                "currency": "usd",
                "country_of_origin": "tw",
            }
        ],
        "equipment": [{"number": "MSKU 123456 5", "size_type": "42G1", "seal_numbers": ["SEAL-1"]}],
        "legs": [
            {
                "sequence": 1,
                "mode": "sea",
                "origin": "TWKHH",
                "destination": "NLRTM",
                "carrier": "bravo",
                "voyage_number": "042W",
                "vessel_imo": f"IMO {VESSEL_IMO}",
                "planned_departure": "2026-03-01T10:00:00+08:00",
                "planned_arrival": "2026-03-28T08:00:00+01:00",
            }
        ],
    }
    data.update(copy.deepcopy(changes))
    return data


def _with(path: str, value: Any, **changes: Any) -> dict[str, Any]:
    """``body()`` with one nested value replaced, e.g. ``_with("goods_items.0.hs_code", "12")``."""
    data = body(**changes)
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return data


def _create(api: Any, data: dict[str, Any]) -> Any:
    return api.post(URL, data, format="json")


def _nothing_written(audits: int = 0) -> bool:
    models = (Consignment, ConsignmentParty, GoodsItem, Equipment, EquipmentAssignment, Leg)
    return not any(model.objects.exists() for model in models) and AuditEvent.objects.count() == audits


@pytest.fixture
def parties(alpha, bravo, delta):
    """Every partner the default body names."""
    return alpha, bravo, delta


@pytest.fixture
def eve(db):
    """The admin of echo, a partner with no part in any consignment here."""
    echo = PartnerFactory(slug="echo", country="US")
    return MembershipFactory(user=UserFactory(username="eve"), partner=echo, role="admin").user


# --- Create ----------------------------------------------------------------------------------------


def test_create_with_parties_goods_equipment_and_legs_is_201_with_normalised_identifiers(client_for, alice, parties):
    response = _create(client_for(alice), body())
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["origin"], created["destination"], created["status"]) == ("TWKHH", "NLRTM", "booked")
    assert created["created_by"] == "alpha"
    assert sorted((p["partner"], p["role"]) for p in created["parties"]) == [
        ("alpha", "consignor"),
        ("bravo", "carrier"),
        ("delta", "freight_forwarder"),
    ]
    (item,) = created["goods_items"]
    assert (item["sequence"], item["hs_code"], item["currency"], item["country_of_origin"]) == (
        1,
        "850440",
        "USD",
        "TW",
    )
    assert (item["gross_weight_kg"], item["value"]) == ("120.500", "5000.00")
    (unit,) = created["equipment"]
    assert (unit["number"], unit["size_type"], unit["seal_numbers"]) == (CONTAINER, "42G1", ["SEAL-1"])
    (leg,) = created["legs"]
    assert (leg["carrier"], leg["vessel_imo"], leg["origin"], leg["destination"]) == (
        "bravo",
        VESSEL_IMO,
        "TWKHH",
        "NLRTM",
    )
    assert Consignment.objects.get().created_by.slug == "alpha"


def test_the_creator_sees_its_consignment_even_when_it_is_no_listed_party(client_for, alice, parties):
    data = body(parties=[{"partner": "bravo", "role": "carrier"}])
    pk = _create(client_for(alice), data).json()["id"]
    assert client_for(alice).get(f"{URL}{pk}/").status_code == 200
    assert [row["id"] for row in client_for(alice).get(URL).json()["results"]] == [pk]


@pytest.mark.usefixtures("parties")
def test_each_party_sees_the_consignment_and_an_outsider_does_not(client_for, alice, charlie, dave, eve):
    pk = _create(client_for(alice), body()).json()["id"]
    for party in (charlie, dave):
        assert client_for(party).get(f"{URL}{pk}/").json()["reference"] == "PO-1001"
    assert client_for(eve).get(URL).json()["results"] == []
    assert_problem(client_for(eve).get(f"{URL}{pk}/"), 404, problem="not-found")


def test_create_writes_an_audit_record(client_for, alice, parties):
    response = _create(client_for(alice), body())
    record = audit_for(response, "consignment.create")
    assert record.object_id == response.json()["id"]
    assert record.partner.slug == "alpha"
    assert record.actor_user.username == "alice"
    assert record.changes["reference"] == "PO-1001"
    assert record.changes["origin"] == "TWKHH"


def test_an_operator_may_create(client_for, olga, parties):
    assert _create(client_for(olga), body()).status_code == 201


def test_a_write_token_creates_for_its_partner(alpha, bravo, delta, token_for, bearer):
    response = _create(bearer(token_for(alpha)), body())
    assert response.status_code == 201, response.content
    assert response.json()["created_by"] == "alpha"


def test_viewer_cannot_create(client_for, bob, parties):
    assert_problem(_create(client_for(bob), body()), 403, problem="permission-denied")
    assert _nothing_written()


def test_read_scope_token_cannot_create(alpha, bravo, delta, token_for, bearer):
    api = bearer(token_for(alpha, scope=TokenScope.READ))
    audits = AuditEvent.objects.count()  # the token's own creation record
    assert_problem(_create(api, body()), 403, problem="permission-denied")
    assert _nothing_written(audits)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("origin", "XXABC", "origin"),
        ("destination", "NLRT", "destination"),
        ("destination", "TWKHH", "destination"),
        ("goods_items.0.hs_code", "12", "goods_items.0.hs_code"),
        ("goods_items.0.hs_code", "85044A", "goods_items.0.hs_code"),
        ("goods_items.0.currency", "XYZ", "goods_items.0.currency"),
        ("goods_items.0.country_of_origin", "ZZ", "goods_items.0.country_of_origin"),
        ("goods_items.0.gross_weight_kg", "-1", "goods_items.0.gross_weight_kg"),
        ("goods_items.0.colour", "red", "goods_items.0.colour"),
        ("equipment.0.number", "MSKU1234566", "equipment.0.number"),
        ("equipment.0.number", "MSK1234565", "equipment.0.number"),
        ("legs.0.vessel_imo", "9074728", "legs.0.vessel_imo"),
        ("legs.0.destination", "TWKHH", "legs.0.destination"),
        ("legs.0.origin", "XXABC", "legs.0.origin"),
        ("legs.0.carrier", "nobody", "legs.0.carrier"),
        ("legs.0.mode", "teleport", "legs.0.mode"),
        ("legs.0.planned_arrival", "2026-02-01T00:00:00Z", "legs.0.planned_arrival"),
        ("parties.1.partner", "nobody", "parties.1.partner"),
        ("parties.1.role", "king", "parties.1.role"),
        ("colour", "blue", "colour"),
    ],
    ids=lambda value: value if isinstance(value, str) else json.dumps(value),
)
@pytest.mark.usefixtures("parties")
def test_bad_input_is_400_naming_the_field_and_writes_nothing(client_for, alice, path, value, field):
    response = _create(client_for(alice), _with(path, value))
    assert_problem(response, 400, problem="validation-error", field=field)
    assert _nothing_written()


def test_every_bad_field_is_named_at_once(client_for, alice, parties):
    data = _with("goods_items.0.hs_code", "12", origin="XXABC")
    data["equipment"][0]["number"] = "MSKU1234566"
    problem = assert_problem(_create(client_for(alice), data), 400)
    assert {"origin", "goods_items.0.hs_code", "equipment.0.number"} <= set(error_fields(problem))
    assert _nothing_written()


def test_a_currency_without_a_value_is_400(client_for, alice, parties):
    data = body()
    del data["goods_items"][0]["value"]
    assert_problem(_create(client_for(alice), data), 400, field="goods_items.0.value")
    assert _nothing_written()


def test_an_assignment_ending_before_it_starts_is_400(client_for, alice, parties):
    data = _with("equipment.0.assigned_from", "2026-03-10T00:00:00Z")
    data["equipment"][0]["assigned_until"] = "2026-03-01T00:00:00Z"
    assert_problem(_create(client_for(alice), data), 400, field="equipment.0.assigned_until")
    assert _nothing_written()


def test_two_legs_with_one_sequence_number_are_400(client_for, alice, parties):
    second = {**body()["legs"][0], "origin": "NLRTM", "destination": "DEHAM"}
    data = body(legs=[body()["legs"][0], second])
    assert_problem(_create(client_for(alice), data), 400, field="legs")
    assert _nothing_written()


def test_a_missing_reference_is_400(client_for, alice, parties):
    data = body()
    del data["reference"]
    assert_problem(_create(client_for(alice), data), 400, field="reference")
    assert _nothing_written()


def test_an_inactive_partner_cannot_be_made_a_party(client_for, alice, parties):
    PartnerFactory(slug="gone", is_active=False)
    data = _with("parties.1.partner", "gone")
    assert_problem(_create(client_for(alice), data), 400, field="parties.1.partner")
    assert not Consignment.objects.exists()


def test_a_duplicate_reference_of_the_same_creator_is_400_and_writes_nothing(client_for, alice, parties):
    api = client_for(alice)
    assert _create(api, body()).status_code == 201
    before = (Consignment.objects.count(), Leg.objects.count(), AuditEvent.objects.count())
    assert_problem(_create(api, body(transport_document_number="BL-2")), 400, field="reference")
    assert (Consignment.objects.count(), Leg.objects.count(), AuditEvent.objects.count()) == before


def test_another_partner_may_use_the_same_reference(client_for, alice, charlie, parties):
    assert _create(client_for(alice), body()).status_code == 201
    assert _create(client_for(charlie), body()).status_code == 201
    assert sorted(Consignment.objects.values_list("created_by__slug", "reference")) == [
        ("alpha", "PO-1001"),
        ("bravo", "PO-1001"),
    ]


def test_one_container_may_carry_several_consignments(client_for, alice, parties):
    api = client_for(alice)
    assert _create(api, body()).status_code == 201
    assert _create(api, body(reference="PO-1002", transport_document_number="BL-2")).status_code == 201
    assert Equipment.objects.count() == 1
    assert EquipmentAssignment.objects.count() == 2


# --- Update ----------------------------------------------------------------------------------------


@pytest.fixture
def created(client_for, alice, parties) -> dict[str, Any]:
    response = _create(client_for(alice), body())
    assert response.status_code == 201, response.content
    return response.json()


def _patch(api: Any, pk: str, data: dict[str, Any]) -> Any:
    return api.patch(f"{URL}{pk}/", data, format="json")


def test_a_party_may_patch_and_unsent_lists_are_kept(client_for, charlie, created):
    response = _patch(client_for(charlie), created["id"], {"destination": "deham", "corridor": "TW-EU"})
    assert response.status_code == 200, response.content
    updated = response.json()
    assert (updated["destination"], updated["corridor"]) == ("DEHAM", "TW-EU")
    assert updated["parties"] == created["parties"]
    # The carrier reads the goods without their value (confidential business information).
    hidden = {"value", "currency"}
    assert updated["goods_items"] == [{k: v for k, v in i.items() if k not in hidden} for i in created["goods_items"]]
    assert updated["legs"] == created["legs"]


def test_a_patched_list_replaces_the_old_one(client_for, alice, created):
    legs = [
        {"sequence": 1, "mode": "sea", "origin": "TWKHH", "destination": "SGSIN", "carrier": "bravo"},
        {"sequence": 2, "mode": "sea", "origin": "SGSIN", "destination": "NLRTM", "carrier": "bravo"},
    ]
    response = _patch(client_for(alice), created["id"], {"legs": legs})
    assert response.status_code == 200, response.content
    assert [(leg["sequence"], leg["origin"], leg["destination"]) for leg in response.json()["legs"]] == [
        (1, "TWKHH", "SGSIN"),
        (2, "SGSIN", "NLRTM"),
    ]
    assert Leg.objects.count() == 2


def test_patch_writes_an_audit_record_of_what_changed(client_for, alice, created):
    response = _patch(client_for(alice), created["id"], {"destination": "DEHAM", "goods_items": []})
    record = audit_for(response, "consignment.update")
    assert record.partner.slug == "alpha"
    assert record.changes["destination"] == ["NLRTM", "DEHAM"]
    assert record.changes["goods_items"] == "replaced"
    assert "origin" not in record.changes


def test_bad_patch_is_400_and_changes_nothing(client_for, alice, created):
    before = client_for(alice).get(f"{URL}{created['id']}/").json()
    audits = AuditEvent.objects.count()
    bad = {"destination": "DEHAM", "legs": [{**body()["legs"][0], "vessel_imo": "9074728"}]}
    assert_problem(_patch(client_for(alice), created["id"], bad), 400, field="legs.0.vessel_imo")
    assert client_for(alice).get(f"{URL}{created['id']}/").json() == before
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"parties": [{"role": "consignor"}]}, "parties.0.partner"),
        ({"parties": [{"partner": "alpha"}]}, "parties.0.role"),
        ({"equipment": [{"size_type": "45G1"}]}, "equipment.0.number"),
        ({"legs": [{"mode": "sea"}]}, "legs.0.sequence"),
        ({"goods_items": [{"hs_code": "850440"}]}, "goods_items.0.description"),
    ],
)
def test_patch_with_an_incomplete_nested_item_is_400_naming_it_as_post_does(client_for, alice, created, patch, field):
    """Issue 17: these answered 500 (a KeyError in the service): PATCH validated nested items partially."""
    before = client_for(alice).get(f"{URL}{created['id']}/").json()
    audits = AuditEvent.objects.count()
    assert_problem(_patch(client_for(alice), created["id"], patch), 400, field=field)
    assert_problem(_create(client_for(alice), body(reference="PO-9", **patch)), 400, field=field)
    assert client_for(alice).get(f"{URL}{created['id']}/").json() == before
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize("levels", [101, 950, 50_000])
def test_patch_with_json_nested_too_deep_is_400_malformed(client_for, alice, created, levels):
    text = '{"parties":' + '{"a":' * levels + "1" + "}" * levels + "}"
    response = client_for(alice).patch(f"{URL}{created['id']}/", text, content_type="application/json")
    assert_problem(response, 400, problem="malformed-request")


def test_patching_the_destination_onto_the_origin_is_400(client_for, alice, created):
    assert_problem(_patch(client_for(alice), created["id"], {"destination": "TWKHH"}), 400, field="destination")


def test_patching_to_a_reference_the_creator_already_uses_is_409(client_for, alice, created):
    api = client_for(alice)
    assert _create(api, body(reference="PO-1002")).status_code == 201
    assert_problem(_patch(api, created["id"], {"reference": "PO-1002"}), 409, problem="conflict", field="reference")
    assert Consignment.objects.get(pk=created["id"]).reference == "PO-1001"


def test_viewer_cannot_patch(client_for, bob, created):
    assert_problem(_patch(client_for(bob), created["id"], {"corridor": "x"}), 403, problem="permission-denied")
    assert Consignment.objects.get(pk=created["id"]).corridor == ""


def test_read_scope_token_cannot_patch(alpha, token_for, bearer, created):
    api = bearer(token_for(alpha, scope=TokenScope.READ))
    assert api.get(f"{URL}{created['id']}/").status_code == 200
    assert_problem(_patch(api, created["id"], {"corridor": "x"}), 403, problem="permission-denied")
    assert Consignment.objects.get(pk=created["id"]).corridor == ""


def test_an_outsider_patch_is_404(client_for, eve, created):
    assert_problem(_patch(client_for(eve), created["id"], {"corridor": "x"}), 404, problem="not-found")
    assert Consignment.objects.get(pk=created["id"]).corridor == ""


def test_customs_may_see_but_not_change_a_consignment(client_for, nora, created):
    api = client_for(nora)
    assert api.get(f"{URL}{created['id']}/").status_code == 200
    assert_problem(_patch(api, created["id"], {"corridor": "x"}), 403, problem="permission-denied")
    assert Consignment.objects.get(pk=created["id"]).corridor == ""


def test_delete_is_not_offered(client_for, alice, created):
    assert_problem(client_for(alice).delete(f"{URL}{created['id']}/"), 405)
    assert Consignment.objects.filter(pk=created["id"]).exists()


# --- Customs visibility ----------------------------------------------------------------------------


def test_customs_sees_the_consignments_that_touch_its_country_and_no_others(client_for, alice, nora, parties):
    api = client_for(alice)
    legs_via_rotterdam = [
        {"sequence": 1, "mode": "sea", "origin": "TWKHH", "destination": "NLRTM"},
        {"sequence": 2, "mode": "road", "origin": "NLRTM", "destination": "DEHAM"},
    ]
    made = {
        "to-nl": _create(api, body(reference="to-nl")),
        "from-nl": _create(api, body(reference="from-nl", origin="NLRTM", destination="USNYC", legs=[])),
        "via-nl": _create(api, body(reference="via-nl", destination="DEHAM", legs=legs_via_rotterdam)),
        "elsewhere": _create(api, body(reference="elsewhere", destination="KRPUS", legs=[])),
    }
    ids = {name: response.json()["id"] for name, response in made.items()}
    customs = client_for(nora)
    seen = {row["reference"] for row in customs.get(URL, {"limit": 50}).json()["results"]}
    assert seen == {"to-nl", "from-nl", "via-nl"}
    assert customs.get(f"{URL}{ids['via-nl']}/").status_code == 200
    assert_problem(customs.get(f"{URL}{ids['elsewhere']}/"), 404, problem="not-found")


def test_staff_sees_every_consignment(client_for, alice, charlie, staff, parties):
    _create(client_for(alice), body())
    _create(client_for(charlie), body(reference="PO-B"))
    assert {row["created_by"] for row in client_for(staff).get(URL).json()["results"]} == {"alpha", "bravo"}


def test_the_list_filters_by_reference_and_status(client_for, alice, parties):
    api = client_for(alice)
    _create(api, body())
    _create(api, body(reference="PO-1002"))
    assert [row["reference"] for row in api.get(URL, {"reference": "PO-1002"}).json()["results"]] == ["PO-1002"]
    assert len(api.get(URL, {"status": "booked"}).json()["results"]) == 2
    assert api.get(URL, {"status": "delivered"}).json()["results"] == []
