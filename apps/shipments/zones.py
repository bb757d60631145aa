"""The IANA time zone of a place, from its coordinates, offline (pure; no Django imports).

tzfpy carries the timezone-boundary-builder polygons in its wheel, so a port's zone comes without a
network or a data download; ports sit far enough from zone borders for its simplified polygons.
"""

from __future__ import annotations

from functools import cache


@cache
def zone_at(latitude: float, longitude: float) -> str:
    """The zone name (``Asia/Taipei``) at a point; ``UTC`` at sea (tzfpy's ``Etc/GMT…`` zones are kept)."""
    # tzfpy loads its polygons (0.2 s) on import: only when a page first asks.
    from tzfpy import get_tz  # noqa: PLC0415

    return get_tz(longitude, latitude) or "UTC"
