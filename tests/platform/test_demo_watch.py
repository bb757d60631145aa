"""The demo corridor's watch: after `manage.py demo_corridor`, each kind of finding is there with evidence."""

import io

import pytest
from django.core.management import call_command

from apps.corridors.demo import IMPOSSIBLE_EVENT_ID
from apps.disruptions.models import Alert

pytestmark = pytest.mark.django_db


def _open(partner: str, kind: str) -> dict[str, Alert]:
    return {
        alert.consignment.reference if alert.consignment else alert.subject_id: alert
        for alert in Alert.objects.open().filter(partner__slug=partner, kind=kind).select_related("consignment")
    }


def test_the_demo_scan_flags_each_kind_with_checkable_evidence():
    call_command("demo_corridor", stdout=io.StringIO())
    forwarder = "demo-harbor-link"
    overdue = _open(forwarder, "overdue")
    assert {"DEMO-KHH-LAX-0002", "DEMO-KHH-LAX-0003", "DEMO-KHH-LAX-0004"} <= set(overdue)
    assert "DEMO-KHH-LAX-0001" not in overdue  # delivered
    late = overdue["DEMO-KHH-LAX-0002"]
    assert late.evidence["planned_arrival"].startswith("2026-11-28")
    assert late.evidence["events"][0]["recorder"] == "demo-pacific-bridge"
    assert "DEMO-KHH-LAX-0002" in _open(forwarder, "silence")

    rolled = _open(forwarder, "dwell")["DEMO-KHH-LAX-0004"]
    assert rolled.evidence["node"] == "KRPUS"
    assert rolled.evidence["events"][0]["step"] == "ARRI"  # the vessel reached Busan; the box never left
    assert rolled.evidence["baseline"]["source"] in ("schedule", "history")

    odd = _open(forwarder, "inconsistent")["DEMO-KHH-LAX-0003"]
    assert odd.rule == "impossible_speed"
    assert IMPOSSIBLE_EVENT_ID in {event["event_id"] for event in odd.evidence["events"]}

    trust = _open("demo-us-customs", "trust_change")["DEMO-KHH-LAX-0004"]
    assert trust.evidence["before"] == "fully_trusted"
    assert trust.evidence["after"] == "partially_trusted"

    # A customs authority sees its country's consignments' findings; a second run raises nothing new.
    assert "DEMO-KHH-LAX-0002" in _open("demo-us-customs", "overdue")
    before = Alert.objects.count()
    out = io.StringIO()
    call_command("demo_corridor", stdout=out)
    assert Alert.objects.count() == before
    assert "0 alerts raised by the watch" in out.getvalue()
