"""Layouts for the pages' pictures, drawn server-side as SVG (pure; no Django imports).

- ``graph_layout``: a consignment's event graph as a time-ordered chart. Time runs down, one row per
  event; the objects it touches (the consignment, each container, each voyage) are columns, so an event
  is a dot on each column it touches, joined across the row, and each column's line joins its events in
  order. The custody path is drawn along the consignment's column, one colour per holder role, with the
  hand-over events ringed. Rows have a fixed height, so 200 events read as well as 10 (the page scrolls
  down, never sideways).
- ``route_layout``: a route's ports on an equirectangular projection of the route's own bounding box
  with a graticule: the planned path, the actual path so far, and where the consignment is now.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

ROW = 26
TOP = 64
COLUMN = 34
LEFT = 20
TEXT_GAP = 18

CONSIGNMENT_COLUMN = "consignment"
EQUIPMENT_COLUMN = "equipment"
VOYAGE_COLUMN = "voyage"


@dataclass(frozen=True)
class GraphEventIn:
    """An event to place: its key, time, step label and code, place, and the objects it touches."""

    key: str
    event_time: datetime
    label: str
    code: str
    place: str
    direct: bool
    equipment: tuple[str, ...] = ()
    voyage: str = ""
    erroneous: bool = False
    inherited_from: str = ""


@dataclass(frozen=True)
class CustodyIn:
    """A custody span: role and holder, opened and closed by which events (keys; "" when open)."""

    role: str
    holder: str
    opened_by: str
    closed_by: str


@dataclass(frozen=True)
class Column:
    kind: str
    key: str
    x: int


@dataclass(frozen=True)
class Dot:
    x: int
    y: int
    column: str


@dataclass(frozen=True)
class Row:
    key: str
    y: int
    label: str
    code: str
    place: str
    time: datetime
    dots: tuple[Dot, ...]
    x_from: int
    x_to: int
    handover: bool
    erroneous: bool
    relation: str


@dataclass(frozen=True)
class Segment:
    x: int
    y1: int
    y2: int


@dataclass(frozen=True)
class CustodyBand:
    role: str
    holder: str
    x: int
    y1: int
    y2: int


@dataclass(frozen=True)
class GraphLayout:
    width: int
    height: int
    text_x: int
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    lines: tuple[Segment, ...]
    custody: tuple[CustodyBand, ...]


def graph_layout(events: Sequence[GraphEventIn], custody: Sequence[CustodyIn] = ()) -> GraphLayout:
    """Place the events (already in time order) in rows and their objects in columns."""
    columns: list[Column] = [Column(CONSIGNMENT_COLUMN, "", LEFT)]
    index: dict[tuple[str, str], Column] = {(CONSIGNMENT_COLUMN, ""): columns[0]}

    def column(kind: str, key: str) -> Column:
        if (kind, key) not in index:
            index[kind, key] = Column(kind, key, LEFT + COLUMN * len(columns))
            columns.append(index[kind, key])
        return index[kind, key]

    for event in events:
        for number in event.equipment:
            column(EQUIPMENT_COLUMN, number)
    for event in events:
        if event.voyage:
            column(VOYAGE_COLUMN, event.voyage)

    rows: list[Row] = []
    last_y: dict[tuple[str, str], int] = {}
    lines: list[Segment] = []
    handovers = {span.opened_by for span in custody if span.opened_by}
    row_of: dict[str, int] = {}
    for number, event in enumerate(events):
        y = TOP + number * ROW
        row_of[event.key] = y
        touched = []
        if event.direct:
            touched.append(index[CONSIGNMENT_COLUMN, ""])
        touched += [index[EQUIPMENT_COLUMN, n] for n in event.equipment]
        if event.voyage:
            touched.append(index[VOYAGE_COLUMN, event.voyage])
        if not touched:
            touched.append(index[CONSIGNMENT_COLUMN, ""])
        for col in touched:
            previous = last_y.get((col.kind, col.key))
            if previous is not None:
                lines.append(Segment(col.x, previous, y))
            last_y[col.kind, col.key] = y
        xs = [col.x for col in touched]
        rows.append(
            Row(
                key=event.key,
                y=y,
                label=event.label,
                code=event.code,
                place=event.place,
                time=event.event_time,
                dots=tuple(Dot(col.x, y, col.kind) for col in touched),
                x_from=min(xs),
                x_to=max(xs),
                handover=event.key in handovers,
                erroneous=event.erroneous,
                relation=event.inherited_from,
            )
        )
    end = TOP + max(len(events) - 1, 0) * ROW
    bands = []
    for span in custody:
        y1 = row_of.get(span.opened_by, TOP)
        y2 = row_of.get(span.closed_by, end)
        bands.append(CustodyBand(span.role, span.holder, LEFT - 8, y1, y2))
    text_x = LEFT + COLUMN * (len(columns) - 1) + TEXT_GAP
    return GraphLayout(
        width=text_x + 560,
        height=end + ROW,
        text_x=text_x,
        columns=tuple(columns),
        rows=tuple(rows),
        lines=tuple(lines),
        custody=tuple(bands),
    )


# --- Route map --------------------------------------------------------------------------------------

MAP_WIDTH = 720
MAP_HEIGHT = 360
MAP_PAD = 36


@dataclass(frozen=True)
class Stop:
    code: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class LegIn:
    """A leg's path as (latitude, longitude) points, and how far it has got."""

    sequence: int
    points: tuple[tuple[float, float], ...]
    departed: bool
    arrived: bool


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float


@dataclass(frozen=True)
class MapStop:
    code: str
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class MapLeg:
    sequence: int
    path: str
    state: str  # planned, under_way, done


@dataclass(frozen=True)
class GridLine:
    path: str
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class RouteLayout:
    width: int
    height: int
    stops: tuple[MapStop, ...]
    legs: tuple[MapLeg, ...]
    grid: tuple[GridLine, ...]
    here: MapPoint | None = None
    empty: bool = False
    missing: tuple[str, ...] = field(default_factory=tuple)


def _unwrap(points: Sequence[tuple[float, float]], reference: float | None) -> list[tuple[float, float]]:
    """Longitudes made continuous (a Pacific crossing goes from 120 to 242, not to -118)."""
    out = []
    previous = reference
    for latitude, raw in points:
        longitude = raw
        if previous is not None:
            longitude += 360 * round((previous - longitude) / 360)
        out.append((latitude, longitude))
        previous = longitude
    return out


def _step(span: float) -> int:
    for step in (1, 2, 5, 10, 15, 20, 30, 45, 60):
        if span / step <= 8:
            return step
    return 90


def _degrees(value: float, positive: str, negative: str) -> str:
    value = ((value + 180) % 360) - 180 if positive == "E" else value
    if value == 0:
        return "0°"
    return f"{abs(round(value))}°{positive if value > 0 else negative}"


def route_layout(
    stops: Sequence[Stop], legs: Sequence[LegIn], here: tuple[float, float] | None = None, missing: Sequence[str] = ()
) -> RouteLayout:
    """Project the route into a ``MAP_WIDTH`` by ``MAP_HEIGHT`` box that fits it, with a graticule."""
    if not stops:
        return RouteLayout(MAP_WIDTH, MAP_HEIGHT, (), (), (), None, True, tuple(missing))
    reference = stops[0].longitude
    leg_points = [_unwrap(leg.points, reference) for leg in legs]
    stop_points = _unwrap([(s.latitude, s.longitude) for s in stops], reference)
    every = [p for points in leg_points for p in points] + stop_points
    lats = [p[0] for p in every]
    lons = [p[1] for p in every]
    south, north = min(lats), max(lats)
    west, east = min(lons), max(lons)
    # At least 10 degrees each way, so one port or a short hop still shows its surroundings.
    if north - south < 10:
        middle = (north + south) / 2
        south, north = middle - 5, middle + 5
    if east - west < 10:
        middle = (east + west) / 2
        west, east = middle - 5, middle + 5
    mid_lat = math.radians((north + south) / 2)
    x_scale = math.cos(mid_lat)  # equal-area-ish: shrink longitudes by the cosine of the middle latitude
    span_x = (east - west) * x_scale
    span_y = north - south
    scale = min((MAP_WIDTH - 2 * MAP_PAD) / span_x, (MAP_HEIGHT - 2 * MAP_PAD) / span_y)
    offset_x = (MAP_WIDTH - span_x * scale) / 2
    offset_y = (MAP_HEIGHT - span_y * scale) / 2

    def project(latitude: float, longitude: float) -> tuple[float, float]:
        return (
            round(offset_x + (longitude - west) * x_scale * scale, 1),
            round(offset_y + (north - latitude) * scale, 1),
        )

    def path(points: Sequence[tuple[float, float]]) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(project(*p) for p in points))

    map_stops = tuple(
        MapStop(stop.code, stop.name, *project(*point)) for stop, point in zip(stops, stop_points, strict=True)
    )
    map_legs = tuple(
        MapLeg(leg.sequence, path(points), "done" if leg.arrived else ("under_way" if leg.departed else "planned"))
        for leg, points in zip(legs, leg_points, strict=True)
        if len(points) > 1
    )
    grid: list[GridLine] = []
    pad_lat, pad_lon = MAP_PAD / scale, MAP_PAD / (scale * x_scale)
    top, bottom = north + pad_lat * 2, south - pad_lat * 2
    left, right = west - pad_lon * 2, east + pad_lon * 2
    step = _step(max(north - south, east - west))
    lat = math.floor(bottom / step) * step
    while lat <= top:
        if -90 <= lat <= 90:
            x1, y = project(lat, left)
            x2, _ = project(lat, right)
            grid.append(GridLine(f"M{x1},{y} L{x2},{y}", _degrees(lat, "N", "S"), 4, y - 3))
        lat += step
    lon = math.floor(left / step) * step
    while lon <= right:
        x, y1 = project(top, lon)
        _, y2 = project(bottom, lon)
        grid.append(GridLine(f"M{x},{y1} L{x},{y2}", _degrees(lon, "E", "W"), x + 3, MAP_HEIGHT - 6))
        lon += step
    position = None
    if here is not None:
        (point,) = _unwrap([here], reference)
        position = MapPoint(*project(*point))
    return RouteLayout(MAP_WIDTH, MAP_HEIGHT, map_stops, map_legs, tuple(grid), position, False, tuple(missing))
