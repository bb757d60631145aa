"""Corridor pages: the corridors a partner watches, and one corridor's lane, consignments, charts and alerts.

Server-rendered; the charts are SVG drawn here (``apps.corridors.charts``), no script and no CDN.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import localize, number_format
from django.utils.translation import gettext

from apps.corridors import selectors
from apps.corridors.charts import Bar, Chart, Row, bar_chart
from apps.corridors.choices import BaselineKind, BaselineSource
from apps.corridors.models import Baseline
from apps.corridors.release_times import ReleaseTimeRow
from apps.disruptions.presentation import alerts_present
from apps.partners.access import actor_for_request
from apps.shipments.choices import TransportMode

HOUR = 3600


def _figure(value: float) -> str:
    """A figure as the page's language writes it: 1,250 or 12.5, no trailing ".0"."""
    value = float(f"{value:g}")
    return localize(int(value) if value.is_integer() else value)


def _source(baseline: Baseline) -> str:
    if baseline.source == BaselineSource.HISTORY:
        return gettext("%(n)s completed consignments") % {"n": localize(baseline.samples)}
    return gettext("%(source)s (%(n)s samples, too few)") % {
        "source": str(baseline.get_source_display()).lower(),
        "n": localize(baseline.samples),
    }


def dwell_chart(nodes: list[str], baselines: dict) -> Chart:
    """Each node's usual stay: p10 to p90 as the bar, the median marked."""
    rows = []
    for node in nodes:
        baseline = baselines.get((BaselineKind.DWELL, node, node))
        if baseline is None:
            continue
        p10, median, p90 = (baseline.p10_seconds / HOUR, baseline.median_seconds / HOUR, baseline.p90_seconds / HOUR)
        title = gettext("%(node)s: median %(median)s h, p10 %(p10)s h, p90 %(p90)s h; %(source)s") % {
            "node": node,
            "median": number_format(median, 1),
            "p10": number_format(p10, 1),
            "p90": number_format(p90, 1),
            "source": _source(baseline),
        }
        rows.append(Row(node, (Bar(p10, p90, "range", title, mark=median),)))
    return bar_chart(gettext("Dwell per node (hours): p10 to p90, median marked"), rows, label=_figure)


def release_chart(rows: list[ReleaseTimeRow]) -> Chart:
    """Per node and period: median arrival to release and arrival to gate-out, their p90 marked."""
    chart_rows = []
    for row in rows:
        bars = []
        for interval, css, words in (
            ("arrival_to_release", "release", gettext("arrival to customs release")),
            ("arrival_to_gate_out", "gate-out", gettext("arrival to gate-out")),
        ):
            figures = row.intervals[interval]
            if figures.median_hours is None:
                continue
            text = gettext("%(node)s %(period)s, %(what)s: median %(median)s h, p90 %(p90)s h (%(n)s consignments)")
            title = text % {
                "node": row.node,
                "period": row.period_label,
                "what": words,
                "median": _figure(figures.median_hours),
                "p90": _figure(figures.p90_hours),
                "n": localize(figures.count),
            }
            bars.append(Bar(0.0, figures.median_hours, css, title, mark=figures.p90_hours))
        if bars:
            chart_rows.append(Row(f"{row.node} {row.period_label}", tuple(bars)))
    return bar_chart(gettext("Release times (hours): median, p90 marked"), chart_rows, label=_figure)


@login_required
def corridor_list_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    return render(request, "corridors/corridors.html", {"corridors": selectors.corridor_list(actor=actor)})


@login_required
def corridor_page(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_for_request(request)
    corridor = selectors.corridor_get(actor=actor, slug=slug)
    baselines = selectors.baselines_for(corridor)
    report = selectors.release_times(corridor=corridor, period="month", as_of=timezone.now())
    legs = [
        {"leg": leg, "baseline": baselines.get((BaselineKind.TRANSIT, leg.from_locode, leg.to_locode))}
        for leg in corridor.legs.all()
    ]
    thresholds = selectors.corridor_thresholds(corridor)
    context = {
        "corridor": corridor,
        "legs": legs,
        "thresholds": thresholds,
        # Each mode's silence allowance under the mode's name in the page's language.
        "silence_by_mode": [
            (str(TransportMode(mode).label) if mode in TransportMode.values else mode, hours)
            for mode, hours in thresholds.silence_hours.items()
        ],
        "dwell_chart": dwell_chart(corridor.nodes, baselines),
        "release_chart": release_chart(report.rows),
        "release_report": report,
        "consignments": selectors.live_consignments(corridor=corridor, actor=actor),
        "alerts": alerts_present(
            actor=actor,
            alerts=selectors.corridor_open_alerts(corridor=corridor, actor=actor)[:100],
            with_evidence=False,
        ),
    }
    return render(request, "corridors/corridor.html", context)
