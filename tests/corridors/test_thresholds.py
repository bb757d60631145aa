"""Corridor thresholds: defaults, partial JSON, ranges (pure)."""

from __future__ import annotations

import pytest

from apps.corridors.thresholds import ThresholdError, Thresholds, default_thresholds, thresholds_validate


def test_defaults_are_the_issue_figures():
    t = Thresholds.from_json({})
    assert t.overdue_tolerance_hours == 12
    assert t.dwell_factor == 1.5
    assert t.congestion_min_consignments == 3
    assert t.congestion_factor == 1.5
    assert t.silence_hours == {"sea": 72, "air": 12, "road": 24, "rail": 48}
    assert t.baseline_window_days == 180
    assert t.baseline_min_samples == 5
    assert Thresholds.from_json(default_thresholds()) == t


def test_partial_json_keeps_the_other_defaults():
    t = Thresholds.from_json({"dwell_factor": 2, "silence_hours": {"air": 6}})
    assert t.dwell_factor == 2.0
    assert t.silence_hours == {"sea": 72, "air": 6.0, "road": 24, "rail": 48}
    assert t.silence_for("inland_waterway") == 72


def test_validate_merges_into_current():
    merged = thresholds_validate({"overdue_tolerance_hours": 24}, current={"dwell_factor": 2.0})
    assert merged["overdue_tolerance_hours"] == 24.0
    assert merged["dwell_factor"] == 2.0
    assert merged["baseline_min_samples"] == 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dwell_factor": 0.5}, "dwell_factor"),
        ({"overdue_tolerance_hours": -1}, "overdue_tolerance_hours"),
        ({"baseline_min_samples": 2.5}, "baseline_min_samples"),
        ({"congestion_factor": "high"}, "congestion_factor"),
        ({"congestion_factor": True}, "congestion_factor"),
        ({"silence_hours": {"sea": 0}}, "silence_hours.sea"),
        ({"silence_hours": {"teleport": 3}}, "silence_hours.teleport"),
        ({"silence_hours": 5}, "silence_hours"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_out_of_range_or_unknown_names_the_field(changes, field):
    with pytest.raises(ThresholdError) as caught:
        thresholds_validate(changes)
    assert caught.value.field == field
