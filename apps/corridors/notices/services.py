"""Writes of external notices: staff enter, edit, end and import them; validated, audited, propagated on commit.

Every input is checked before anything is stored: an unknown place (a UN/LOCODE neither searoute's port
list nor the Location table knows), an unknown voyage (no leg or event names it), a window that ends
before it starts, a kind that is not one of ``NoticeKind``; the refusal names the field (for a CSV, the
line and column) and an import stores all of its notices or none.

A write marks the notice due for propagation (its ledger field) and enqueues the propagation task once
the transaction commits; if the broker is down, the sweep sends it later.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core import identifiers
from apps.core.errors import ApplicationError
from apps.core.services import audit_record, audit_record_many
from apps.core.work import enqueue
from apps.corridors.notices import tasks
from apps.corridors.notices.models import Notice, NoticeKind, NoticeSource
from apps.partners.access import Actor, require
from apps.shipments import places
from apps.shipments.models import Event, Leg, Location

FIELDS = ("kind", "title", "description", "place", "voyage", "starts_at", "ends_at", "source")
REQUIRED = ("kind", "title", "starts_at", "source")
# The most notices one import takes (a CSV or a JSON list): larger sets go in several requests.
MAX_IMPORT = 5000


# --- Validation -----------------------------------------------------------------------------------------


def _text(values: Mapping[str, Any], name: str, limit: int, field: str) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApplicationError(f"{name} must be text.", field=field)
    value = value.strip()
    if len(value) > limit:
        raise ApplicationError(f"{name} is longer than {limit} characters.", field=field)
    return value


def parse_moment(value: Any, name: str, field: str) -> datetime | None:
    """An aware datetime from an ISO 8601 string (or a datetime); None for no value; a 400 naming ``field``."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise ApplicationError(f"'{value}' is not a date and time (ISO 8601, e.g. 2026-12-08T00:00Z).", field=field)
    if timezone.is_naive(moment):
        raise ApplicationError(f"{name} needs a time zone (Z or an offset such as +08:00).", field=field)
    return moment


def _place(value: str, field: str) -> str:
    if not value:
        return ""
    try:
        code = identifiers.normalize_unlocode(value)
    except identifiers.InvalidIdentifier as exc:
        raise ApplicationError(str(exc), field=field) from exc
    if code not in places.port_coordinates() and not Location.objects.filter(unlocode=code).exists():
        raise ApplicationError(
            f"{code} is not a known place: neither a port Corridor knows nor a location staff added.", field=field
        )
    return code


def _voyage(value: str, field: str) -> tuple[str, str]:
    """``IMO/number`` or the number alone, as legs or events name it; unknown voyages are refused."""
    if not value:
        return "", ""
    imo, _, number = value.partition("/")
    if not number:
        imo, number = "", imo
    imo, number = imo.strip(), number.strip()
    if not number or len(number) > 32 or (imo and not (imo.isdigit() and len(imo) == 7)):
        raise ApplicationError(
            f"'{value}' is not a voyage: give the vessel's IMO number and the voyage (9234567/042E) or the voyage.",
            field=field,
        )
    legs = Leg.objects.filter(voyage_number=number)
    events = Event.objects.filter(voyage_number=number)
    if imo:
        legs, events = legs.filter(vessel_imo=imo), events.filter(vessel_imo=imo)
    if not legs.exists() and not events.exists():
        raise ApplicationError(f"No leg or event names voyage {value}: it is not a known voyage.", field=field)
    return imo, number


def notice_clean(values: Mapping[str, Any], *, prefix: str = "", partial: bool = False) -> dict[str, Any]:
    """Checked model values from input (strings or datetimes); ``prefix`` goes before each field named.

    With ``partial`` only the fields given are checked (an edit); the window is checked by the caller then.
    """
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ApplicationError(f"Unknown field '{unknown[0]}'.", field=f"{prefix}{unknown[0]}")
    if not partial:
        for name in REQUIRED:
            if values.get(name) in (None, ""):
                raise ApplicationError(f"{name} is required.", field=f"{prefix}{name}")
    clean: dict[str, Any] = {}
    if "kind" in values:
        kind = _text(values, "kind", 16, f"{prefix}kind")
        if kind not in NoticeKind.values:
            raise ApplicationError(
                f"'{kind}' is not a kind of notice; one of {', '.join(NoticeKind.values)}.", field=f"{prefix}kind"
            )
        clean["kind"] = kind
    for name, limit in (("title", 200), ("description", 10_000), ("source", 300)):
        if name in values:
            clean[name] = _text(values, name, limit, f"{prefix}{name}")
            if name != "description" and not clean[name]:
                raise ApplicationError(f"{name} is required.", field=f"{prefix}{name}")
    if "place" in values:
        clean["place"] = _place(_text(values, "place", 12, f"{prefix}place"), f"{prefix}place")
    if "voyage" in values:
        clean["vessel_imo"], clean["voyage_number"] = _voyage(
            _text(values, "voyage", 48, f"{prefix}voyage"), f"{prefix}voyage"
        )
    for name in ("starts_at", "ends_at"):
        if name in values:
            clean[name] = parse_moment(values[name], name, f"{prefix}{name}")
    if "starts_at" in clean and clean["starts_at"] is None:
        raise ApplicationError("starts_at is required.", field=f"{prefix}starts_at")
    if not partial:
        _whole(clean, prefix=prefix)
    return clean


def _whole(clean: Mapping[str, Any], *, prefix: str = "") -> None:
    """Checks across fields: a place or a voyage, and a window that does not end before it starts."""
    if not clean.get("place") and not clean.get("voyage_number"):
        raise ApplicationError("A notice needs a place (UN/LOCODE) or a voyage, or both.", field=f"{prefix}place")
    ends = clean.get("ends_at")
    if ends is not None and ends < clean["starts_at"]:
        raise ApplicationError(
            f"The window ends ({ends.isoformat()}) before it starts ({clean['starts_at'].isoformat()}).",
            field=f"{prefix}ends_at",
        )


def _values(notice: Notice) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "title": notice.title,
        "place": notice.place,
        "voyage": notice.voyage,
        "starts_at": notice.starts_at.isoformat(),
        "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "ended_at": notice.ended_at.isoformat() if notice.ended_at else None,
        "source": notice.source,
    }


# --- The propagation ledger -------------------------------------------------------------------------------


def _due(notice_ids: Sequence[Any]) -> None:
    """Mark notices due for propagation and ring the doorbell once this transaction commits."""
    Notice.objects.filter(pk__in=list(notice_ids)).update(propagation_due_at=timezone.now())
    ids = [str(pk) for pk in notice_ids]

    def ring() -> None:
        for pk in ids:
            if not enqueue(tasks.notice_propagate, pk):
                break

    transaction.on_commit(ring, robust=True)


# --- Writes ---------------------------------------------------------------------------------------------


def _staff(actor: Actor, to: str) -> None:
    require(actor, staff=True, write=True, to=to)


def _build(actor: Actor, clean: Mapping[str, Any], origin: str) -> Notice:
    user = actor.user if actor.user is not None and getattr(actor.user, "is_authenticated", False) else None
    return Notice(**clean, origin=origin, created_by=user, created_by_label=actor.label)


def notice_create(*, actor: Actor, values: Mapping[str, Any], origin: str = NoticeSource.ENTERED) -> Notice:
    """Enter one notice (platform staff only); it reaches whom it touches once the task has run."""
    _staff(actor, "enter notices")
    clean = notice_clean(values)
    with transaction.atomic():
        notice = _build(actor, clean, origin)
        notice.save()
        audit_record(actor=actor, action="notice.create", target=notice, changes=_values(notice))
        _due([notice.pk])
    return notice


def notice_update(*, actor: Actor, notice: Notice, values: Mapping[str, Any]) -> Notice:
    """Change a notice (staff only): what it says, its place, voyage or window; its alerts follow."""
    _staff(actor, "change notices")
    clean = notice_clean(values, partial=True)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        before = _values(notice)
        for name, value in clean.items():
            setattr(notice, name, value)
        _whole({"place": notice.place, "voyage_number": notice.voyage_number, **_window(notice)})
        notice.save()
        after = _values(notice)
        changed = {key: {"before": before[key], "after": after[key]} for key in after if before[key] != after[key]}
        audit_record(actor=actor, action="notice.update", target=notice, changes=changed)
        _due([notice.pk])
    return notice


def _window(notice: Notice) -> dict[str, Any]:
    return {"starts_at": notice.starts_at, "ends_at": notice.ends_at}


def notice_end(*, actor: Actor, notice: Notice, at: datetime) -> Notice:
    """End a notice early, at ``at`` (staff only): its window closes there and its alerts resolve."""
    _staff(actor, "end notices")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.ended_at is not None and notice.ended_at <= at:
            return notice
        notice.ended_at = at
        notice.save(update_fields=["ended_at", "updated_at"])
        audit_record(actor=actor, action="notice.end", target=notice, changes={"ended_at": at.isoformat()})
        _due([notice.pk])
    return notice


def notices_import(
    *,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    origin: str,
    where: str = "notices",
    labels: Sequence[Any] | None = None,
) -> list[Notice]:
    """Store every notice of ``rows`` or none: each row is checked first, and a bad one is named as
    ``<where>.<label>.<field>`` (labels default to the rows' indexes: ``notices.3.place`` for the fourth JSON
    item; a CSV passes its line numbers, ``file.5.place``)."""
    _staff(actor, "import notices")
    if not rows:
        raise ApplicationError("There is no notice to import.", field=where)
    if len(rows) > MAX_IMPORT:
        raise ApplicationError(f"At most {MAX_IMPORT} notices per import.", field=where)
    cleaned = []
    for index, row in enumerate(rows):
        label = labels[index] if labels is not None else index
        if not isinstance(row, Mapping):
            raise ApplicationError("Each notice must be an object.", field=f"{where}.{label}")
        cleaned.append(notice_clean(row, prefix=f"{where}.{label}."))
    with transaction.atomic():
        notices = [_build(actor, clean, origin) for clean in cleaned]
        for notice in notices:
            notice.key = notice.pk.hex
        Notice.objects.bulk_create(notices)
        audit_record_many(
            actor=actor,
            action="notice.import",
            records=[
                {
                    "partner": None,
                    "object_type": Notice._meta.label_lower,
                    "object_id": str(notice.pk),
                    "object_repr": _described(notice),
                    "changes": {**_values(notice), "origin": origin},
                }
                for notice in notices
            ],
        )
        _due([notice.pk for notice in notices])
    return notices


def _described(notice: Notice) -> str:
    """The notice in words for its audit record (kept as words where it fits the record's 200 characters)."""
    described = str(notice)
    return described if len(described) <= 200 else described[:200]


# --- CSV ------------------------------------------------------------------------------------------------

CSV_COLUMNS = FIELDS


def csv_rows(data: bytes | str) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a notices CSV (UTF-8, a header line naming the columns of ``CSV_COLUMNS``), each with its line
    number (1 is the header). A malformed file is refused naming the line; empty cells are absent values."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ApplicationError("The CSV file is not UTF-8 text.", field="file") from exc
    else:
        text = data
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ApplicationError(f"Line 1 is not valid CSV: {exc}.", field="file.1") from exc
    if not header:
        raise ApplicationError("The CSV file is empty; its first line names the columns.", field="file")
    columns = [name.strip().lower() for name in header]
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    if unknown:
        raise ApplicationError(
            f"Line 1 names an unknown column '{unknown[0]}'; the columns are {', '.join(CSV_COLUMNS)}.",
            field=f"file.1.{unknown[0]}",
        )
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ApplicationError(f"The CSV has no '{missing[0]}' column.", field=f"file.1.{missing[0]}")
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                raise ApplicationError(
                    f"Line {line} has {len(cells)} cells; the header has {len(columns)}.", field=f"file.{line}"
                )
            rows.append((line, {name: cell for name, cell in zip(columns, cells, strict=True) if cell.strip()}))
    except csv.Error as exc:
        raise ApplicationError(
            f"Line {reader.line_num} is not valid CSV: {exc}.", field=f"file.{reader.line_num}"
        ) from exc
    return rows


def notices_import_csv(*, actor: Actor, data: bytes | str) -> list[Notice]:
    """Import a CSV of notices (staff only), all or nothing; a bad cell is named as ``file.<line>.<column>``."""
    _staff(actor, "import notices")
    rows = csv_rows(data)
    return notices_import(
        actor=actor,
        rows=[row for _, row in rows],
        labels=[line for line, _ in rows],
        origin=NoticeSource.CSV,
        where="file",
    )
