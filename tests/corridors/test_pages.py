"""/corridors/ and /corridors/{slug}/: the lane, live consignments with ETAs, SVG charts, open alerts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.corridors.charts import Bar, Row, bar_chart, nice_step
from apps.corridors.services import corridor_baselines_recompute, eta_refresh
from apps.disruptions.models import Alert
from apps.disruptions.services import alert_raise
from tests.corridors.conftest import voyage

PAGE = "/corridors/khh-pus-lax/"


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_list_shows_the_corridors_one_watches(corridor, browser, charlie, dave):
    assert "Kaohsiung - Busan - Los Angeles" in browser(charlie).get("/corridors/").content.decode()
    assert "Kaohsiung - Busan - Los Angeles" not in browser(dave).get("/corridors/").content.decode()


def test_the_page_shows_legs_charts_live_consignments_and_alerts(corridor, browser, bob, shipment, record):
    now = timezone.now()
    for n in range(5):
        done = shipment(f"DONE-{n}", now - timedelta(days=40 + n))
        steps = voyage(
            now - timedelta(days=40 + n),
            first=timedelta(hours=50),
            stay=timedelta(hours=40 + n),
            second=timedelta(hours=300),
        )
        arrived = steps[-1][2]
        record(
            done,
            [
                *steps,
                ("RELS", "USLAX", arrived + timedelta(hours=20)),
                ("GTOT", "USLAX", arrived + timedelta(hours=30)),
            ],
        )
    corridor_baselines_recompute(corridor=corridor, as_of=now)
    moving = shipment("MOVING", now - timedelta(days=1))
    record(moving, [("DEPA", "TWKHH", now - timedelta(days=1))])
    eta_refresh(consignment_ids=[moving.pk], as_of=now)
    Alert.objects.create(
        partner=moving.created_by,
        kind="trust_change",
        title="Trust verdict changed for MOVING",
        subject_type="consignment",
        subject_id=str(moving.pk),
        consignment=moving,
        dedupe_key="x",
    )

    response = browser(bob).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for node in ("TWKHH", "KRPUS", "USLAX"):
        assert node in page
    assert "5 completed consignments" in page
    assert page.count("<svg") == 2  # dwell and release times, drawn on the server
    assert "KRPUS: median 42.0 h" in page
    assert "USLAX 20" in page  # a release-time row: node and month
    assert "arrival to customs release: median 20 h" in page
    assert "MOVING" in page
    assert "DONE-0" not in page.split("Live consignments")[1].split("Open alerts")[0]  # delivered ones are not live
    assert "Trust verdict changed for MOVING" in page
    # The charts are drawn on the server: the only script is the shell's (copy buttons, confirmations).
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/corridor.js" defer>']


def test_consignments_and_alerts_only_as_the_viewer_may_see_them(corridor, browser, charlie, shipment, alpha):
    mine = shipment("ALPHA-ONLY", timezone.now())
    mine.parties.filter(partner__slug="bravo").delete()
    Alert.objects.create(
        partner=alpha,
        kind="trust_change",
        title="Alpha's own alert",
        subject_type="consignment",
        subject_id=str(mine.pk),
        consignment=mine,
        dedupe_key="y",
    )
    page = browser(charlie).get(PAGE).content.decode()
    assert "ALPHA-ONLY" not in page
    assert "own alert" not in page


def test_another_partner_gets_the_404_page(corridor, browser, dave):
    assert browser(dave).get(PAGE).status_code == 404


def test_chart_axis_is_round_and_bars_scale_to_it():
    assert nice_step(97) == 20
    assert nice_step(0.3) == pytest.approx(0.1)
    chart = bar_chart("t", [Row("A", (Bar(10, 50, "range", "a", mark=30),)), Row("B", (Bar(0, 100, "range", "b"),))])
    assert [tick.label for tick in chart.ticks] == ["0", "20", "40", "60", "80", "100"]
    first, second = chart.rows[0].bars[0], chart.rows[1].bars[0]
    assert second.x == chart.plot_left
    assert second.width == chart.plot_right - chart.plot_left
    assert first.mark_x == chart.plot_left + (chart.plot_right - chart.plot_left) * 0.3
    assert bar_chart("empty", []).rows == ()


def test_the_alerts_page_names_a_corridor_by_its_name(corridor, browser, alice, alpha):
    alert, _ = alert_raise(
        partner=alpha, kind="congestion", title="Congestion at KRPUS", subject_type="node", subject_id="KRPUS"
    )
    Alert.objects.filter(pk=alert.pk).update(corridor=corridor.slug)
    page = browser(alice).get("/alerts/").content.decode()
    assert f'<span title="{corridor.slug}">Kaohsiung - Busan - Los Angeles</span>' in page
    assert f'<option value="{corridor.slug}">Kaohsiung - Busan - Los Angeles</option>' in page
