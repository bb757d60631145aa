"""A corridor's thresholds: defaults, ranges and reading them from stored JSON (no Django imports).

The owner edits them per corridor; the detectors and the baselines read them through ``Thresholds``.
Ranges are deliberately wide: they refuse nonsense (a negative tolerance, a factor below one), not
unusual but honest choices.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SILENCE_MODES = ("sea", "air", "road", "rail")

DEFAULT_SILENCE_HOURS: dict[str, float] = {"sea": 72, "air": 12, "road": 24, "rail": 48}

# name -> (minimum, maximum), inclusive; silence hours apply the same range to every mode.
RANGES: dict[str, tuple[float, float]] = {
    "overdue_tolerance_hours": (0, 720),
    "dwell_factor": (1, 10),
    "congestion_min_consignments": (2, 10_000),
    "congestion_factor": (1, 10),
    "silence_hours": (1, 2_160),
    "baseline_window_days": (7, 1_095),
    "baseline_min_samples": (1, 1_000),
}

INTEGER_FIELDS = frozenset({"congestion_min_consignments", "baseline_window_days", "baseline_min_samples"})


class ThresholdError(ValueError):
    """A threshold is unknown, of the wrong type or out of range; ``field`` names it (dotted for silence)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Thresholds:
    """The figures a corridor is watched with; every field has a default."""

    overdue_tolerance_hours: float = 12
    dwell_factor: float = 1.5
    congestion_min_consignments: int = 3
    congestion_factor: float = 1.5
    silence_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SILENCE_HOURS))
    baseline_window_days: int = 180
    baseline_min_samples: int = 5

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Thresholds:
        """Stored (possibly partial) JSON over the defaults; values already validated are trusted as numbers."""
        data = data or {}
        silence = dict(DEFAULT_SILENCE_HOURS)
        silence.update({mode: float(hours) for mode, hours in (data.get("silence_hours") or {}).items()})
        values: dict[str, Any] = {"silence_hours": silence}
        for name in RANGES:
            if name == "silence_hours" or name not in data:
                continue
            values[name] = int(data[name]) if name in INTEGER_FIELDS else float(data[name])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def silence_for(self, mode: str) -> float:
        """Hours of silence allowed in transit by ``mode``; modes without their own figure use sea's."""
        return self.silence_hours.get(mode, self.silence_hours["sea"])


def default_thresholds() -> dict[str, Any]:
    """The defaults as JSON (the model field's default)."""
    return Thresholds().to_json()


def _number(name: str, value: Any, low: float, high: float, *, integer: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ThresholdError(name, f"{name} must be a number.")
    if integer and value != int(value):
        raise ThresholdError(name, f"{name} must be a whole number.")
    if not low <= value <= high:
        raise ThresholdError(name, f"{name} must be between {low:g} and {high:g}; got {value:g}.")
    return int(value) if integer else float(value)


def thresholds_validate(changes: dict[str, Any], *, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge ``changes`` into ``current`` (or the defaults) and return the full, checked JSON.

    Raises ``ThresholdError`` naming the first field at fault; nothing is merged then.
    """
    merged = Thresholds.from_json(current).to_json()
    for name, value in changes.items():
        if name not in RANGES:
            raise ThresholdError(name, f"{name} is not a corridor threshold.")
        low, high = RANGES[name]
        if name == "silence_hours":
            if not isinstance(value, dict):
                raise ThresholdError(name, "silence_hours must be an object of hours per mode.")
            silence = dict(merged["silence_hours"])
            for mode, hours in value.items():
                if mode not in SILENCE_MODES:
                    raise ThresholdError(
                        f"silence_hours.{mode}", f"'{mode}' is not a mode ({', '.join(SILENCE_MODES)})."
                    )
                silence[mode] = _number(f"silence_hours.{mode}", hours, low, high, integer=False)
            merged["silence_hours"] = silence
        else:
            merged[name] = _number(name, value, low, high, integer=name in INTEGER_FIELDS)
    return merged
