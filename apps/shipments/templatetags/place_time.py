"""``{% place_time moment zone %}``: a time in a place's local zone, written the reader's way, with UTC on hover."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _minute(moment: datetime) -> str:
    """``moment`` as Django's date format "Y-m-d H:i" writes it (formatted here: a page shows a hundred)."""
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"


@register.simple_tag
def place_time(moment: datetime | None, zone: str = "UTC") -> SafeString | str:
    """``<time>`` in the zone's local time (the language's short date and time) and abbreviation; the UTC time,
    ISO-style so it reads the same in every language, in its title; "—" for no time."""
    if moment is None:
        return "—"
    try:
        local = moment.astimezone(ZoneInfo(zone or "UTC"))
    except ZoneInfoNotFoundError:
        local = moment.astimezone(UTC)
    utc = moment.astimezone(UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{} <abbr>{}</abbr></time>',
        utc.isoformat(),
        _minute(utc),
        date_format(local, "SHORT_DATETIME_FORMAT"),
        local.tzname() or "UTC",
    )


@register.filter
def lookup(mapping: dict | None, key: str) -> object:
    """``mapping[key]``, or None: a place by its code, a partner's name by its slug."""
    return (mapping or {}).get(key)
