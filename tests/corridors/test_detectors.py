"""The detectors, one by one, as pure functions over a ``Watched`` consignment and ``as_of`` (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apps.corridors.baselines import DWELL, TRANSIT, Figures, LegSpec
from apps.corridors.detectors import (
    CONSIGNMENT_DETECTORS,
    Stay,
    Watched,
    congestion,
    detect,
    dwell,
    inconsistent,
    overdue,
    silence,
    stay_of,
)
from apps.corridors.milestones import MilestoneEvent
from apps.corridors.thresholds import Thresholds
from apps.shipments.graph.types import IMPOSSIBLE_SPEED, OUT_OF_ORDER, TWO_PLACES_AT_ONCE
from apps.shipments.graph.types import Finding as GraphFinding

T0 = datetime(2026, 11, 16, 3, tzinfo=UTC)
H = timedelta(hours=1)
LEGS = (
    LegSpec("TWKHH", "KRPUS", "sea", T0, T0 + 48 * H),
    LegSpec("KRPUS", "USLAX", "sea", T0 + 96 * H, T0 + 384 * H),
)
BASELINES = {
    (TRANSIT, "TWKHH", "KRPUS"): Figures(
        TRANSIT, "TWKHH", "KRPUS", "sea", 48 * 3600, 40 * 3600, 60 * 3600, 8, "history"
    ),
    (DWELL, "KRPUS", "KRPUS"): Figures(DWELL, "KRPUS", "KRPUS", "sea", 40 * 3600, 30 * 3600, 50 * 3600, 8, "history"),
    (TRANSIT, "KRPUS", "USLAX"): Figures(
        TRANSIT, "KRPUS", "USLAX", "sea", 288 * 3600, 270 * 3600, 320 * 3600, 8, "history"
    ),
}


def ev(code: str, place: str, at: datetime, event_id: str | None = None, classifier: str = "") -> MilestoneEvent:
    return MilestoneEvent(
        event_id or f"evt-{code}-{place}", "demo-carrier", at, place, event_code=code, event_classifier=classifier
    )


def watched(*events: MilestoneEvent, status: str = "in_transit", **extra) -> Watched:
    return Watched(
        consignment_id="c1",
        reference="REF-1",
        origin="TWKHH",
        destination="USLAX",
        status=status,
        legs=LEGS,
        events=events,
        corridor="lane",
        baselines=extra.pop("baselines", BASELINES),
        thresholds=extra.pop("thresholds", Thresholds()),
        **extra,
    )


# --- overdue ----------------------------------------------------------------------------------------------


def test_overdue_after_the_planned_arrival_and_tolerance_naming_the_last_event():
    w = watched(ev("DEPA", "TWKHH", T0, "DCSA-1"))
    planned = T0 + 384 * H
    assert overdue(w, as_of=planned + 12 * H) == []  # within the default 12 h tolerance
    [finding] = overdue(w, as_of=planned + 13 * H)
    assert finding.kind == "overdue"
    assert finding.subject_type == "consignment"
    assert finding.subject_id == "c1"
    assert finding.evidence["planned_arrival"] == planned.isoformat()
    assert finding.evidence["thresholds"] == {"overdue_tolerance_hours": 12}
    assert finding.evidence["events"][0]["event_id"] == "DCSA-1"
    assert "2026-12-02 15:00 UTC" in finding.evidence["summary"]  # due by: planned + 12 h
    assert "DCSA-1" in finding.evidence["summary"]


def test_overdue_beyond_the_baselines_p90_without_a_plan():
    unplanned = tuple(LegSpec(leg.from_locode, leg.to_locode, leg.mode) for leg in LEGS)
    w = Watched(
        "c1",
        "REF-1",
        "TWKHH",
        "USLAX",
        "in_transit",
        legs=unplanned,
        baselines=BASELINES,
        events=(ev("DEPA", "TWKHH", T0),),
    )
    due = T0 + (60 + 50 + 320) * H
    assert overdue(w, as_of=due) == []
    [finding] = overdue(w, as_of=due + H)
    assert finding.evidence["due_by_baseline_p90"] == due.isoformat()
    assert [b["p90_hours"] for b in finding.evidence["baselines"]] == [60.0, 50.0, 320.0]


def test_not_overdue_once_arrived_and_a_carrier_plan_moves_the_due_time():
    assert overdue(watched(ev("ARRI", "USLAX", T0 + 500 * H)), as_of=T0 + 900 * H) == []
    delayed = watched(ev("DEPA", "TWKHH", T0), ev("ARRI", "USLAX", T0 + 600 * H, classifier="PLN"), baselines={})
    assert overdue(delayed, as_of=T0 + 500 * H) == []
    assert overdue(delayed, as_of=T0 + 613 * H)


def test_a_rule_that_clears_finds_nothing_for_a_delivered_consignment():
    assert overdue(watched(status="delivered"), as_of=T0 + 900 * H) == []


# --- dwell ------------------------------------------------------------------------------------------------


def test_dwell_beyond_p90_times_the_factor_names_the_arrival_and_the_baseline():
    w = watched(ev("DEPA", "TWKHH", T0), ev("ARRI", "KRPUS", T0 + 50 * H, "ARR-KRPUS"))
    allowed = 50 * 1.5
    assert dwell(w, as_of=T0 + (50 + allowed) * H) == []
    [finding] = dwell(w, as_of=T0 + (50 + allowed + 1) * H)
    assert finding.kind == "dwell"
    assert finding.evidence["node"] == "KRPUS"
    assert finding.evidence["baseline"]["p90_hours"] == 50.0
    assert finding.evidence["thresholds"] == {"dwell_factor": 1.5}
    assert finding.evidence["events"][0]["event_id"] == "ARR-KRPUS"


def test_no_dwell_once_departed_or_without_a_baseline():
    left = watched(ev("ARRI", "KRPUS", T0), ev("DEPA", "KRPUS", T0 + 10 * H))
    assert dwell(left, as_of=T0 + 900 * H) == []
    no_baseline = watched(ev("ARRI", "KRPUS", T0), baselines={})
    assert dwell(no_baseline, as_of=T0 + 900 * H) == []


def test_a_gap_in_reports_at_an_earlier_node_is_not_a_dwell():
    # No departure from Busan was reported, but the goods were seen in Los Angeles since.
    w = watched(ev("ARRI", "KRPUS", T0), ev("GTIN", "USLAX", T0 + 300 * H))
    assert dwell(w, as_of=T0 + 900 * H) == []


# --- silence ----------------------------------------------------------------------------------------------


def test_silence_per_mode_after_the_last_event_and_the_next_expected_milestone():
    # Left Busan; the leg to Los Angeles is planned to arrive at T0 + 384 h: mid-ocean quiet is no news.
    w = watched(ev("DEPA", "KRPUS", T0 + 96 * H, "DEP-1"))
    assert silence(w, as_of=T0 + 300 * H) == []
    assert silence(w, as_of=T0 + (384 + 72) * H) == []
    [finding] = silence(w, as_of=T0 + (384 + 73) * H)
    assert finding.kind == "silence"
    assert finding.evidence["mode"] == "sea"
    assert finding.evidence["thresholds"] == {"silence_hours.sea": 72}
    assert finding.evidence["events"][0]["event_id"] == "DEP-1"
    assert finding.evidence["expected"]["what"] == "planned arrival at USLAX"
    strict = watched(ev("DEPA", "KRPUS", T0 + 96 * H), thresholds=Thresholds.from_json({"silence_hours": {"sea": 24}}))
    assert silence(strict, as_of=T0 + (384 + 25) * H)


def test_silence_counts_from_the_last_event_when_it_is_later_than_the_plan():
    # Waiting at Busan past its planned departure (T0 + 96 h), last heard of at T0 + 150 h.
    events = (ev("DEPA", "TWKHH", T0), ev("ARRI", "KRPUS", T0 + 50 * H), ev("DISC", "KRPUS", T0 + 150 * H))
    no_dwell_baseline = {k: v for k, v in BASELINES.items() if k[0] != DWELL}
    w = watched(*events, baselines=no_dwell_baseline)
    assert silence(w, as_of=T0 + (150 + 72) * H) == []
    [finding] = silence(w, as_of=T0 + (150 + 73) * H)
    assert finding.evidence["expected"]["what"] == "planned departure from KRPUS"
    # Where a dwell baseline exists, waiting goods are dwell's to judge: one alert, not two.
    assert silence(watched(*events), as_of=T0 + 400 * H) == []


def test_no_silence_before_departure_or_after_arrival():
    assert silence(watched(status="booked"), as_of=T0 + 900 * H) == []
    assert silence(watched(ev("GTIN", "TWKHH", T0), status="booked"), as_of=T0 + 900 * H) == []
    assert silence(watched(ev("DEPA", "TWKHH", T0), ev("ARRI", "USLAX", T0 + H)), as_of=T0 + 900 * H) == []


# --- inconsistent -----------------------------------------------------------------------------------------


def test_inconsistent_maps_graph_findings_to_rules_with_the_recorders_ids():
    a, b = ev("LOAD", "KRPUS", T0, "DCSA-A"), ev("DISC", "USLAX", T0 + 2 * H, "EPCIS-B")
    graph = (
        GraphFinding(
            kind=IMPOSSIBLE_SPEED,
            subject="equipment:X",
            events=("k1", "k2"),
            detail="X loaded at KRPUS [k1] and discharged at USLAX [k2]: 9000 km in 2 h",
            evidence={"speed_kmh": 4500.0, "when": T0},
        ),
        GraphFinding(kind=TWO_PLACES_AT_ONCE, subject="equipment:X", events=("k1", "k2"), detail="at once [k1]"),
        GraphFinding(kind=OUT_OF_ORDER, subject="equipment:X", events=("k1",), detail="late report"),
    )
    w = watched(a, b, inconsistencies=graph, graph_events={"k1": a, "k2": b})
    findings = inconsistent(w, as_of=T0)
    assert [(f.kind, f.rule) for f in findings] == [
        ("inconsistent", "impossible_speed"),
        ("inconsistent", "two_places"),
    ]
    speed = findings[0]
    assert [e["event_id"] for e in speed.evidence["events"]] == ["DCSA-A", "EPCIS-B"]
    assert "[k1]" not in speed.evidence["summary"]
    assert "DCSA-A" in speed.evidence["summary"]
    assert speed.evidence["findings"][0]["evidence"]["when"] == T0.isoformat()
    assert speed.dedupe_key == "consignment:c1:impossible_speed"


# --- congestion ---------------------------------------------------------------------------------------------


def test_congestion_one_finding_per_node_from_enough_stays():
    as_of = T0 + 100 * H
    long_ago = [Stay(f"c{n}", "KRPUS", T0) for n in range(3)]  # 100 h > 40 h x 1.5
    recent = [Stay("c9", "KRPUS", as_of - H)]
    [finding] = congestion(
        long_ago + recent, corridor="lane", baselines=BASELINES, thresholds=Thresholds(), as_of=as_of
    )
    assert finding.subject_type == "node"
    assert finding.subject_id == "KRPUS"
    assert finding.consignment_id is None
    assert finding.evidence["count"] == 3
    assert finding.evidence["consignments"] == ["c0", "c1", "c2"]
    assert congestion(long_ago[:2], corridor="lane", baselines=BASELINES, thresholds=Thresholds(), as_of=as_of) == []
    # A node without a dwell baseline is never congested.
    assert (
        congestion(
            [Stay(f"c{n}", "USLAX", T0) for n in range(5)],
            corridor="lane",
            baselines=BASELINES,
            thresholds=Thresholds(),
            as_of=as_of,
        )
        == []
    )


def test_stay_of_and_the_registry():
    w = watched(ev("ARRI", "KRPUS", T0))
    assert stay_of(w) == Stay("c1", "KRPUS", T0)
    assert stay_of(watched(ev("DEPA", "KRPUS", T0))) is None
    assert set(CONSIGNMENT_DETECTORS) == {"overdue", "dwell", "silence", "inconsistent"}
    kinds = {f.kind for f in detect(watched(ev("ARRI", "KRPUS", T0)), as_of=T0 + 900 * H)}
    assert kinds == {"overdue", "dwell"}


def test_a_sensor_reading_without_a_place_does_not_hide_where_the_goods_wait():
    reading = MilestoneEvent("iot-1", "demo-carrier", T0 + 90 * H, "", event_code="")
    w = watched(ev("ARRI", "KRPUS", T0), reading)
    [finding] = dwell(w, as_of=T0 + 100 * H)
    assert finding.evidence["node"] == "KRPUS"
