"""The fault runs' corridor, made through the services in a Django process of its own:

    python -m tests.faults.seed CONSIGNMENTS

prints JSON: a write token for a shipper and one for a carrier, and per consignment its reference, its
B/L (a URI, so an EPCIS ``bol`` bizTransaction can name it) and its booking. Both partners are parties of
every consignment, so every event either records links (and gets a chained step credential).
"""

from __future__ import annotations

import json
import os
import sys


def consignment_keys(number: int) -> dict[str, str]:
    return {
        "reference": f"FLT-{number:05d}",
        "bl": f"urn:epcglobal:cbv:bt:0614141000005:FLTBL{number:05d}",
        "booking": f"FLTBKG{number:05d}",
    }


def seed(count: int) -> dict[str, object]:
    from apps.partners.access import Actor, system_actor  # noqa: PLC0415 (Django is set up first)
    from apps.partners.choices import MemberRole, TokenScope  # noqa: PLC0415 (Django is set up first)
    from apps.partners.services import api_token_create, partner_create  # noqa: PLC0415 (Django is set up first)
    from apps.shipments.services import consignment_create  # noqa: PLC0415 (Django is set up first)

    system = system_actor("fault suite")
    shipper = partner_create(actor=system, name="Fault Shipper", country="TW", kinds=["shipper"], slug="flt-shipper")
    carrier = partner_create(actor=system, name="Fault Lines", country="KR", kinds=["carrier"], slug="flt-carrier")
    tokens = {}
    for partner in (shipper, carrier):
        admin = Actor(partner=partner, role=MemberRole.ADMIN, system_label="fault suite")
        _, tokens[partner.slug] = api_token_create(actor=admin, partner=partner, name="load", scope=TokenScope.WRITE)
    actor = Actor(partner=shipper, role=MemberRole.ADMIN, system_label="fault suite")
    consignments = []
    for number in range(count):
        keys = consignment_keys(number)
        consignment_create(
            actor=actor,
            data={
                "reference": keys["reference"],
                "transport_document_number": keys["bl"],
                "booking_reference": keys["booking"],
                "origin": "TWKHH",
                "destination": "USLAX",
                "parties": [
                    {"partner": shipper.slug, "role": "consignor"},
                    {"partner": carrier.slug, "role": "carrier"},
                ],
            },
        )
        consignments.append(keys)
    return {"shipper": shipper.slug, "carrier": carrier.slug, "tokens": tokens, "consignments": consignments}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.settings")
    import django

    django.setup()
    sys.stdout.write(json.dumps(seed(int(sys.argv[1]))) + "\n")
