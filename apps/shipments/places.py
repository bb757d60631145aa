"""Where UN/LOCODEs are, and how far apart (pure; no Django imports).

Ports come from the ``searoute`` package's port list (about 4,000 UN/LOCODEs with coordinates);
admins extend it with the Location table (airports, inland depots), which the caller passes in.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

EARTH_RADIUS_KM = 6371.0088


@cache
def _ports() -> list[tuple[str, str, float, float]]:
    """(UN/LOCODE, name, latitude, longitude) of every port in searoute's list."""
    text = resources.files("searoute").joinpath("data/ports.geojson").read_text(encoding="utf-8")
    ports = []
    for feature in json.loads(text)["features"]:
        properties = feature.get("properties") or {}
        code = properties.get("port")
        if code and len(code) == 5:
            longitude, latitude = feature["geometry"]["coordinates"][:2]
            ports.append((code.upper(), str(properties.get("name") or ""), float(latitude), float(longitude)))
    return ports


@cache
def port_coordinates() -> dict[str, tuple[float, float]]:
    """UN/LOCODE → (latitude, longitude) for every port searoute knows."""
    return {code: (latitude, longitude) for code, _, latitude, longitude in _ports()}


@cache
def port_names() -> dict[str, str]:
    """UN/LOCODE → the port's name as searoute spells it (``KRPUS``: Pusan), for words a person reads."""
    return {code: name for code, name, _, _ in _ports() if name}


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@cache
def sea_distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance along searoute's maritime network (falls back to great circle if it finds no route)."""
    import searoute  # noqa: PLC0415 - it loads its maritime network on import (0.1 s): only when asked

    try:
        route = searoute.searoute((a[1], a[0]), (b[1], b[0]), units="km")
        return float(route["properties"]["length"])
    except (KeyError, ValueError, TypeError):
        return great_circle_km(a, b)


def distance_km(
    origin: str, destination: str, *, extra: dict[str, tuple[float, float]] | None = None, by_sea: bool = False
) -> float | None:
    """Distance between two UN/LOCODEs, or None when either place is unknown."""
    known = {**port_coordinates(), **(extra or {})}
    a, b = known.get(origin.upper()), known.get(destination.upper())
    if a is None or b is None:
        return None
    if origin.upper() == destination.upper():
        return 0.0
    return sea_distance_km(a, b) if by_sea else great_circle_km(a, b)


@cache
def sea_path(a: tuple[float, float], b: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """The (latitude, longitude) points of searoute's maritime path between two points (else the straight line)."""
    import searoute  # noqa: PLC0415 - it loads its maritime network on import (0.1 s): only when asked

    try:
        route = searoute.searoute((a[1], a[0]), (b[1], b[0]))
        points = tuple((float(lat), float(lon)) for lon, lat, *_ in route["geometry"]["coordinates"])
    except (KeyError, ValueError, TypeError):
        return (a, b)
    return points if len(points) > 1 else (a, b)
