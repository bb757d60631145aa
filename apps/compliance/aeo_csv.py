"""The AEO bulk-import file: parsing and row checks, pure (no Django imports; the registry checks are in importing.py).

Format (UTF-8, a byte-order mark is accepted; comma-separated; a header row is required; column names are
case-insensitive and may come in any order; one certificate per row; blank lines are skipped):

========================  ========  ===============================================================
column                    required  meaning
========================  ========  ===============================================================
certificate_number        yes       the number the authority gave, unique per authority (≤ 64 characters)
holder_name               yes       the trader's name (≤ 200 characters)
holder_country            yes       ISO 3166-1 alpha-2 code of the trader's country
holder_lei                *         Legal Entity Identifier (ISO 17442, check digits verified)
holder_eori               *         EORI number (EU member states, GB, XI)
holder_tax_number         *         national tax / business number of ``holder_country`` (check digits
                                    verified where the country's scheme has them: TW UBN, KR BRN, US EIN…)
holder_kind               no        what a new holder does: shipper (default), consignee, freight_forwarder,
                                    carrier, terminal_operator, customs_broker
certificate_type          yes       WCO SAFE type (security and safety, customs simplifications, full) or
                                    the programme's tier, e.g. "tier 3" (≤ 64 characters)
valid_from                yes       YYYY-MM-DD
valid_until               no        YYYY-MM-DD, inclusive; empty: open-ended
status                    no        valid (default), suspended, revoked or expired
last_reviewed_on          no        YYYY-MM-DD
========================  ========  ===============================================================

\\* At least one of ``holder_lei``, ``holder_eori`` and ``holder_tax_number`` must be given in each row: the
holder is the partner with that LEI, else that EORI, else that tax number in that country, or a new trader
partner when none matches. ``apps/compliance/data/aeo_import_example.csv`` is an example.

Every problem is reported as a ``RowError`` with the file's line number (the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

from apps.core import identifiers
from apps.core.words import Text

MAX_ROWS = 50_000
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_NUMBER_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_TYPE_LENGTH = 64

REQUIRED_COLUMNS = ("certificate_number", "holder_name", "holder_country", "certificate_type", "valid_from")
IDENTIFIER_COLUMNS = ("holder_lei", "holder_eori", "holder_tax_number")
OPTIONAL_COLUMNS = (*IDENTIFIER_COLUMNS, "holder_kind", "valid_until", "status", "last_reviewed_on")
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
DEFAULT_HOLDER_KIND = "shipper"
DEFAULT_STATUS = "valid"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# ``_`` marks a message's English template for the catalogue; the import page says it in its language
# (the messages are :class:`~apps.core.words.Text`), the command line and the API in English.
_ = Text


@dataclass(frozen=True)
class RowError:
    """One problem of the file: its line (the header is line 1), the column at fault ('' for the file) and why."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, field {self.field}" if self.field else f"line {self.line}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class AeoRow:
    """One checked row: identifiers normalised, dates parsed, defaults applied."""

    line: int
    certificate_number: str
    holder_name: str
    holder_country: str
    holder_lei: str
    holder_eori: str
    holder_tax_number: str
    holder_kind: str
    certificate_type: str
    valid_from: date
    valid_until: date | None
    status: str
    last_reviewed_on: date | None

    @property
    def identifier_field(self) -> str:
        """The column that names the holder first (LEI, then EORI, then tax number)."""
        return next(column for column in IDENTIFIER_COLUMNS if getattr(self, column))


@dataclass
class ParsedFile:
    """The good rows and the errors of one file; ``rows_seen`` counts the data rows read (blank lines aside)."""

    rows: list[AeoRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_seen: int = 0


class FileRejected(Exception):
    """The file as a whole cannot be read (encoding, header, size): no row is looked at."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def decode(data: bytes | str) -> str:
    """The file's text: UTF-8, with or without a byte-order mark; other encodings are refused with the line."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(
            [
                RowError(
                    1,
                    "",
                    _(
                        "The file is %(size)s bytes; at most %(limit)s bytes are accepted.",
                        size=f"{len(data):,}",
                        limit=f"{MAX_FILE_BYTES:,}",
                    ),
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileRejected(
            [
                RowError(
                    line,
                    "",
                    _(
                        "The file is not UTF-8 (byte 0x%(byte)s at position %(position)s); "
                        "save it as CSV UTF-8 and try again.",
                        byte=f"{data[exc.start]:02x}",
                        position=exc.start,
                    ),
                )
            ]
        ) from exc


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    errors = []
    seen: set[str] = set()
    for name in names:
        if name not in COLUMNS:
            errors.append(
                RowError(
                    1,
                    name or "(empty)",
                    _("Unknown column '%(name)s'; the columns are %(columns)s.", name=name, columns=", ".join(COLUMNS)),
                )
            )
        elif name in seen:
            errors.append(RowError(1, name, _("Column '%(name)s' appears twice.", name=name)))
        seen.add(name)
    errors.extend(
        RowError(1, name, _("Required column '%(name)s' is missing.", name=name))
        for name in REQUIRED_COLUMNS
        if name not in seen
    )
    if not seen.intersection(IDENTIFIER_COLUMNS):
        errors.append(
            RowError(
                1,
                IDENTIFIER_COLUMNS[0],
                _("The header needs at least one of %(columns)s.", columns=", ".join(IDENTIFIER_COLUMNS)),
            )
        )
    if errors:
        raise FileRejected(errors)
    return names


def _date(value: str, column: str, line: int, errors: list[RowError]) -> date | None:
    if not value:
        return None
    try:
        if not _ISO_DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors.append(RowError(line, column, _("'%(value)s' is not a date as YYYY-MM-DD.", value=value)))
        return None


def _text(value: str, column: str, limit: int, line: int, errors: list[RowError]) -> str:
    if not value:
        errors.append(RowError(line, column, _("%(field)s is required.", field=column)))
    elif len(value) > limit:
        errors.append(
            RowError(line, column, _("%(field)s is longer than %(limit)s characters.", field=column, limit=limit))
        )
    elif any(ord(c) < 32 for c in value):
        errors.append(RowError(line, column, _("%(field)s contains a control character.", field=column)))
    return value


def _identifier(value: str, column: str, line: int, errors: list[RowError], normalize: Callable[[str], str]) -> str:
    if not value:
        return ""
    try:
        return normalize(value)
    except identifiers.InvalidIdentifier as exc:
        errors.append(RowError(line, column, exc.text))
        return ""


def row_check(
    values: dict[str, str], *, line: int, holder_kinds: Collection[str], statuses: Collection[str]
) -> tuple[AeoRow | None, list[RowError]]:
    """Check one row's cells on their own (no registry look-ups); returns the row or every error in it."""
    errors: list[RowError] = []
    get = {column: (values.get(column) or "").strip() for column in COLUMNS}
    number = _text(get["certificate_number"], "certificate_number", MAX_NUMBER_LENGTH, line, errors)
    name = _text(get["holder_name"], "holder_name", MAX_NAME_LENGTH, line, errors)
    certificate_type = _text(get["certificate_type"], "certificate_type", MAX_TYPE_LENGTH, line, errors)
    country = ""
    if not get["holder_country"]:
        errors.append(RowError(line, "holder_country", _("holder_country is required (ISO 3166-1 alpha-2).")))
    else:
        country = _identifier(get["holder_country"], "holder_country", line, errors, identifiers.normalize_country)
    lei = _identifier(get["holder_lei"], "holder_lei", line, errors, identifiers.normalize_lei)
    eori = _identifier(get["holder_eori"], "holder_eori", line, errors, identifiers.normalize_eori)
    tax_number = ""
    if get["holder_tax_number"] and country:
        tax_number = _identifier(
            get["holder_tax_number"],
            "holder_tax_number",
            line,
            errors,
            lambda value: identifiers.normalize_tax_number(value, country=country),
        )
    if not any(get[column] for column in IDENTIFIER_COLUMNS):
        errors.append(
            RowError(
                line,
                IDENTIFIER_COLUMNS[0],
                _("At least one of %(columns)s identifies the holder.", columns=", ".join(IDENTIFIER_COLUMNS)),
            )
        )
    kind = get["holder_kind"].lower() or DEFAULT_HOLDER_KIND
    if kind not in holder_kinds:
        errors.append(
            RowError(
                line,
                "holder_kind",
                _(
                    "Unknown holder kind '%(kind)s'; one of %(choices)s.",
                    kind=kind,
                    choices=", ".join(sorted(holder_kinds)),
                ),
            )
        )
    status = get["status"].lower() or DEFAULT_STATUS
    if status not in statuses:
        errors.append(
            RowError(
                line,
                "status",
                _(
                    "Unknown status '%(status)s'; one of %(choices)s.",
                    status=get["status"],
                    choices=", ".join(statuses),
                ),
            )
        )
    valid_from = None
    if not get["valid_from"]:
        errors.append(RowError(line, "valid_from", _("valid_from is required (YYYY-MM-DD).")))
    else:
        valid_from = _date(get["valid_from"], "valid_from", line, errors)
    valid_until = _date(get["valid_until"], "valid_until", line, errors)
    if valid_from and valid_until and valid_until < valid_from:
        errors.append(
            RowError(
                line,
                "valid_until",
                _(
                    "valid_until %(until)s is before valid_from %(start)s.",
                    until=valid_until.isoformat(),
                    start=valid_from.isoformat(),
                ),
            )
        )
    last_reviewed_on = _date(get["last_reviewed_on"], "last_reviewed_on", line, errors)
    if errors or valid_from is None:
        return None, errors
    return (
        AeoRow(
            line=line,
            certificate_number=number,
            holder_name=name,
            holder_country=country,
            holder_lei=lei,
            holder_eori=eori,
            holder_tax_number=tax_number,
            holder_kind=kind,
            certificate_type=certificate_type,
            valid_from=valid_from,
            valid_until=valid_until,
            status=status,
            last_reviewed_on=last_reviewed_on,
        ),
        [],
    )


def parse(
    data: bytes | str, *, holder_kinds: Collection[str], statuses: Collection[str], max_rows: int = MAX_ROWS
) -> ParsedFile:
    """Read and check a whole import file; raises FileRejected when it cannot be read at all.

    Rows are checked on their own and against each other (a certificate number twice in the file is an
    error on its second line); whether holders and certificates agree with the registry is for the caller.
    """
    text = decode(data)
    if not text.strip():
        raise FileRejected([RowError(1, "", _("The file is empty; it needs a header row and at least one row."))])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    parsed = ParsedFile()
    first_line_of: dict[str, int] = {}
    line = 1
    try:
        names: list[str] | None = None
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if names is None:
                names = _header(cells)
                continue
            parsed.rows_seen += 1
            if parsed.rows_seen > max_rows:
                raise FileRejected(
                    [
                        RowError(
                            start,
                            "",
                            _("The file has more than %(n)s rows; split it into smaller files.", n=f"{max_rows:,}"),
                        )
                    ]
                )
            if len(cells) != len(names):
                parsed.errors.append(
                    RowError(
                        start,
                        "",
                        _(
                            "The row has %(cells)s cells; the header has %(columns)s columns.",
                            cells=len(cells),
                            columns=len(names),
                        ),
                    )
                )
                continue
            values = dict(zip(names, cells, strict=True))
            row, errors = row_check(values, line=start, holder_kinds=holder_kinds, statuses=statuses)
            parsed.errors.extend(errors)
            number = (values.get("certificate_number") or "").strip()
            if number and number in first_line_of:
                parsed.errors.append(
                    RowError(
                        start,
                        "certificate_number",
                        _(
                            "Certificate %(number)s is already on line %(line)s; a number appears once.",
                            number=number,
                            line=first_line_of[number],
                        ),
                    )
                )
                continue
            if number:
                first_line_of[number] = start
            if row is not None:
                parsed.rows.append(row)
    except csv.Error as exc:
        raise FileRejected([RowError(line, "", _("The file is not valid CSV: %(error)s.", error=exc))]) from exc
    if names is None:
        raise FileRejected([RowError(1, "", _("The file has no header row."))])
    if parsed.rows_seen == 0:
        raise FileRejected([RowError(2, "", _("The file has a header but no rows."))])
    return parsed
