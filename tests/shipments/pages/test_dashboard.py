"""/dashboard/: the partner's consignments by status and corridor, late and silent ones, open alerts, credentials."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.shipments.models import Consignment, Leg
from tests.helpers import raise_alert

pytestmark = pytest.mark.django_db


def test_the_dashboard_counts_the_partners_consignments(browser, bob, alpha, make_consignment):
    late = make_consignment(corridor="TWKHH-NLRTM")
    Leg.objects.filter(consignment=late).update(planned_arrival=timezone.now() - timedelta(days=1))
    quiet = make_consignment(reference="PO-2", corridor="TWKHH-NLRTM", legs=[])
    Consignment.objects.filter(pk=quiet.pk).update(created_at=timezone.now() - timedelta(days=10), status="in_transit")
    raise_alert(alpha, late)
    html = browser(bob).get("/dashboard/").content.decode()
    by_status = html[html.index('id="by-status"') : html.index('id="by-corridor"')]
    assert '<a href="/consignments/">2</a>' in by_status
    corridor = html[html.index('id="by-corridor"') : html.index('id="late"')]
    assert "TWKHH-NLRTM" in corridor
    assert html[html.index('id="late"') :].split('class="figure">')[1].startswith("1<")
    assert html[html.index('id="silent"') :].split('class="figure">')[1].startswith("1<")
    assert "Open alerts" in html
    assert "?has_open_alerts=true" in html
    assert "Credentials issued in the last 7 days" in html


def test_another_partners_consignments_are_not_counted(browser, dave, make_consignment):
    make_consignment()
    html = browser(dave).get("/dashboard/").content.decode()
    assert '<a href="/consignments/">0</a>' in html


def test_a_user_acting_for_no_partner_is_refused(browser, staff):
    assert browser(staff).get("/dashboard/").status_code == 403
