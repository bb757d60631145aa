"""Figures on pages are grouped by thousands in English and in zh-Hant; numbers for machines are not. Dates are
written the reader's way (7 Dec 2026, 2026年12月7日, 2026년 12월 7일).

People read 12,345; SVG coordinates, ids in attributes and page numbers in links stay plain numbers,
so the drawings still parse and the links still work with the separators on.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from apps.corridors.charts import Bar, Row, bar_chart
from apps.corridors.views import _figure
from apps.partners.models import Membership
from apps.shipments.choices import CaptureState
from apps.shipments.models import CaptureJob
from apps.shipments.templatetags.place_time import place_time
from tests.credentials.issuing import make_consignment, record, step_event

SVG = "{http://www.w3.org/2000/svg}"
# Attributes whose value is a number or a list of numbers (viewBox, a path's d, a transform's arguments).
NUMERIC = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "dx", "dy", "width", "height", "rx", "viewBox"}
PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def assert_plain_numbers(svg: str) -> int:
    """Parse ``svg`` and check each numeric attribute is a plain number (no grouping); the count checked."""
    root = ET.fromstring(svg)  # noqa: S314 (our own pages' SVG, not untrusted input)
    checked = 0
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in NUMERIC:
                parts = value.split()
            elif name == "d":
                parts = re.split(r"[ ML]+", value.strip())
                parts = [number for part in parts if part for number in part.split(",")]
                assert all(len(part.split(",")) <= 2 for part in re.split(r"[ ML]+", value.strip()) if part), value
            elif name == "transform":
                parts = re.findall(r"\(([^)]*)\)", value)[0].split()
            else:
                continue
            for part in parts:
                assert PLAIN_NUMBER.match(part), f"{element.tag} {name}={value!r}"
                checked += 1
    return checked


def _svg_of(page: str) -> str:
    return page[page.index("<svg") : page.index("</svg>") + len("</svg>")]


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_chart_groups_its_tick_labels_and_keeps_its_coordinates_plain(language):
    rows = [Row(f"NODE{n}", (Bar(0.0, 1000.0 + 250 * n, "range", "t", mark=900.0),)) for n in range(45)]
    with translation.override(language):
        chart = bar_chart("Dwell", rows, label=_figure)
        svg = render_to_string("corridors/_chart.svg", {"chart": chart})
    assert chart.height > 1000
    assert [tick.label for tick in chart.ticks][-2:] == ["10,000", "15,000"]
    assert ">15,000</text>" in svg
    assert assert_plain_numbers(svg) > 45 * 4
    assert f'height="{chart.height}"' in svg


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_route_map_keeps_its_coordinates_plain(language):
    stop = SimpleNamespace(x=1234.5, y=1100.25, name="Kaohsiung", code="TWKHH")
    layout = SimpleNamespace(
        empty=False,
        width=1720,
        height=1360,
        stops=[stop],
        grid=[SimpleNamespace(path="M1000,1200 L1500,1200", x=1004, y=1197, label="10°N")],
        legs=[SimpleNamespace(state="actual", path="M1234.5,1100.25 L1500,1300", sequence=1)],
        here=SimpleNamespace(x=1500.5, y=1300),
        missing=[],
    )
    with translation.override(language):
        svg = _svg_of(render_to_string("shipments/_route_map.svg", {"layout": layout}))
    assert 'viewBox="0 0 1720 1360"' in svg
    assert assert_plain_numbers(svg) > 10


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_event_graph_of_a_long_consignment_parses(client, alpha, bravo, olga, language):
    consignment = make_consignment(alpha, destination="USLAX")
    events = [step_event(f"evt-{n}", consignments=(consignment,), hours=n, code="DEPA") for n in range(40)]
    record(alpha, *events, issue=False)
    client.force_login(olga)
    page = client.get(f"/consignments/{consignment.pk}/graph/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    svg = _svg_of(page)
    height = int(re.search(r'<svg[^>]* height="(\d+)"', svg)[1])
    assert height > 1000, "tall enough that a grouped number would show"
    assert assert_plain_numbers(svg) > 40 * 3


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "Events captured"), ("zh-hant", "已擷取事件")])
def test_a_page_groups_big_figures_by_thousands(client, alpha, olga, language, words):
    job = CaptureJob.objects.create(
        recorder=alpha,
        state="failed",
        event_count=12500,
        captured_count=12345,
        errors=[{"eventIndex": 4321, "pointer": "/eventList/4321/bizStep", "detail": "unknown bizStep"}],
    )
    client.force_login(olga)
    page = client.get(f"/events/upload/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page
    assert "12,345 / 12,500" in page
    assert ">4,321</td>" in page
    assert "/eventList/4321/bizStep" in page, "a path is a machine value: never grouped"


@pytest.mark.django_db
def test_ids_and_page_numbers_in_links_and_attributes_stay_plain(client, alpha, alice):
    membership = Membership.objects.get(user=alice)
    Membership.objects.filter(pk=membership.pk).update(id=123456)
    client.force_login(alice)
    page = client.get("/members/").content.decode()
    assert 'id="role-123456"' in page
    assert "123,456" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "7 Dec 2026 14:05:09 UTC"),
        ("zh-hant", "2026年12月7日 14:05:09 UTC"),
        ("ko", "2026년 12월 7일 14:05:09 UTC"),
    ],
)
def test_dates_are_written_the_readers_way(client, alpha, olga, language, written):
    job = CaptureJob.objects.create(recorder=alpha, state=CaptureState.SUCCESS, event_count=1, captured_count=1)
    CaptureJob.objects.filter(pk=job.pk).update(created_at=datetime(2026, 12, 7, 14, 5, 9, tzinfo=UTC))
    client.force_login(olga)
    page = client.get(f"/events/upload/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert written in page
    assert "2026-12-07" not in page


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "1 Mar 2026 10:00"), ("zh-hant", "2026年3月1日 10:00"), ("ko", "2026년 3월 1일 10:00")],
)
def test_a_places_local_time_is_written_the_readers_way_with_iso_utc_on_hover(language, written):
    moment = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    with translation.override(language):
        shown = place_time(moment, "Asia/Taipei")
    assert f"{written} <abbr>CST</abbr>" in shown
    assert 'title="2026-03-01 02:00 UTC"' in shown
