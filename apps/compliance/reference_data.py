"""AEO programmes and MRAs from the bundled reference CSVs, as inputs for :mod:`apps.compliance.trust`.

The CSVs and their README live in ``apps/compliance/data/`` (copied from the public-source
reference data compiled for the project, README kept verbatim: a source per row, not an
authoritative registry). The product reads only these bundled copies, never a path outside the app.

Formats (``data/README.md``):

- ``mra.csv``: one bilateral arrangement per row, parties in alphabetical order; dates ``YYYY-MM-DD``,
  ``YYYY-MM``, ``YYYY`` or ``?``. A month- or year-only date is taken as the *last* day of that
  period, so an arrangement is never treated as in force before the source allows (the precision is
  kept and shown in reasons). A bracket in a programme names the recognised classes of that side
  (``AEO (AEOS/AEOF)``; ``STP-Plus`` names Singapore's class on its own) unless it is an alias or an
  authority (``OEA``, ``NEEC``, ``HMRC``); no bracket means all types.
- ``mra_plurilateral.csv``: one row per member of a plurilateral arrangement (the ASEAN AAMRA), with
  the member's ``implemented_from``; rows are grouped into one :class:`~apps.compliance.trust.Mra`.
- ``aeo_programmes.csv``: one programme per economy. The types each programme issues are curated in
  :data:`PROGRAMME_TYPES` from the free-text ``tiers_or_types`` column and checked against it on load.

Every bad row is reported with its file, line and field (:class:`ReferenceDataError`), all at once.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType

from apps.compliance.trust import Mra, MraIndex, MraStatus, Precision, canonical_type

DATA_PACKAGE = "apps.compliance"
DATA_FOLDER = "data"

MRA_FILE = "mra.csv"
PLURILATERAL_FILE = "mra_plurilateral.csv"
PROGRAMMES_FILE = "aeo_programmes.csv"

MRA_HEADER = ("party_a", "party_b", "programme_a", "programme_b", "signed", "in_force", "status", "source", "notes")
PLURILATERAL_HEADER = (
    "arrangement",
    "member",
    "programme",
    "signed",
    "implemented_from",
    "status",
    "source",
    "notes",
)
PROGRAMME_HEADER = (
    "economy",
    "programme",
    "authority",
    "launched",
    "tiers_or_types",
    "validity_review",
    "id_format",
    "public_lookup",
    "source",
    "notes",
)

UNKNOWN = "?"
SOURCE_SEPARATOR = " | "
_ECONOMY = re.compile(r"[A-Z]{2}")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_BRACKET = re.compile(r"^(?P<name>.*?)\s*\((?P<inside>[^()]*)\)$")

# Brackets that name the programme's own acronym, former name or authority rather than a class:
# Chile's "AEO (OEA)" (Spanish acronym), Mexico's "OEA (NEEC)" (former scheme name), "AEO (HMRC)" (UK).
NOT_A_CLASS = frozenset({"OEA", "NEEC", "HMRC"})
# A programme name that is itself a class of a larger programme (README: STP-Plus in the SG-CN and SG-HK MRAs).
CLASS_NAMES = frozenset({"STP-Plus"})

# Types each programme issues, read off ``aeo_programmes.csv`` (``programme`` and ``tiers_or_types``); an
# economy missing here has no types named in its row. Loading checks every name still appears in the row.
PROGRAMME_TYPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "US": ("Tier I", "Tier II", "Tier III"),
        "KR": ("A", "AA", "AAA"),
        "JP": (
            "Authorized Exporter",
            "Authorized Importer",
            "Authorized Warehouse Operator",
            "Authorized Logistics Operator",
            "Authorized Customs Broker",
            "Authorized Manufacturer",
        ),
        "TW": ("AEOG", "AEOS"),
        "CN": ("Advanced Certified Enterprise",),
        "HK": ("Tier 1", "Tier 2"),
        "SG": ("STP", "STP-Plus"),
        "EU": ("AEOC", "AEOS", "AEOF"),
        # PIP associates "get information only": they are not trusted traders.
        "CA": ("Member",),
        # Only "Level 2" is named (the level that benefits under the AAMRA); other levels are not.
        "PH": ("Level 2",),
    }
)

# The Member States whose customs issue EU AEO authorisations (ISO 3166-1), for ``chain_evaluate(territories=...)``.
EU_MEMBER_STATES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    }
)
TERRITORIES: Mapping[str, str] = MappingProxyType(dict.fromkeys(sorted(EU_MEMBER_STATES), "EU"))


@dataclass(frozen=True)
class RowError:
    """One problem in one field of one row; ``line`` is the row's first physical line in the file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}, {self.field}: {self.message}"


class ReferenceDataError(ValueError):
    """Every bad row of a load, so a data fix can address them all in one pass."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class AeoProgramme:
    """One economy's AEO programme: who issues it and which types it issues (as far as the sources say)."""

    economy: str
    programme: str
    authority: str | None
    launched: str
    types: tuple[str, ...]
    tiers_or_types: str
    validity_review: str
    id_format: str
    public_lookup: str
    sources: tuple[str, ...]
    notes: str


@dataclass(frozen=True)
class ReferenceData:
    """The bundled programmes and MRAs, ready for evaluation."""

    programmes: Mapping[str, AeoProgramme]
    mras: tuple[Mra, ...]

    def mra(self, key: str) -> Mra:
        """One arrangement by key (``KR-TW``, ``AAMRA``)."""
        for mra in self.mras:
            if mra.key == key:
                return mra
        raise KeyError(key)

    def mra_index(self) -> MraIndex:
        """An index of all arrangements for :func:`~apps.compliance.trust.chain_evaluate`."""
        return MraIndex(self.mras)


def parse_partial_date(text: str) -> tuple[date, Precision] | None:
    """Read ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (None for ``?``); a partial date is the period's last day.

    The last day, because a source saying "signed in July 2017" only proves the signing by 31 July.
    """
    text = text.strip()
    if text == UNKNOWN:
        return None
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not YYYY-MM-DD, YYYY-MM, YYYY or ?")
    year, month, day = match.groups()
    try:
        if day is not None:
            return date(int(year), int(month), int(day)), "day"
        if month is not None:
            last = calendar.monthrange(int(year), int(month))[1]
            return date(int(year), int(month), last), "month"
        return date(int(year), 12, 31), "year"
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc})") from None


def period_start(value: date, precision: str) -> date:
    """The first day of the period a partial date stands for (the day itself for a full date)."""
    if precision == "month":
        return value.replace(day=1)
    if precision == "year":
        return value.replace(month=1, day=1)
    return value


class _Rows:
    """Reads one CSV, yielding (line, row) for well-formed rows and recording RowErrors on the way."""

    def __init__(self, text: str, file: str, header: tuple[str, ...], errors: list[RowError]) -> None:
        self.text, self.file, self.header, self.errors = text, file, header, errors

    def error(self, line: int, field: str, message: str) -> None:
        self.errors.append(RowError(self.file, line, field, message))

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(io.StringIO(self.text, newline=""))
        next_line = 1
        for record in reader:
            line, next_line = next_line, reader.line_num + 1
            if line == 1:
                if tuple(record) != self.header:
                    self.error(1, "header", f"expected {', '.join(self.header)}; got {', '.join(record)}")
                    return
                continue
            if not record:
                continue
            if len(record) != len(self.header):
                self.error(line, "row", f"{len(record)} fields, expected {len(self.header)}")
                continue
            yield line, dict(zip(self.header, (value.strip() for value in record), strict=True))
        if next_line == 1:
            self.error(1, "header", "file is empty")

    def economy(self, line: int, row: dict[str, str], field: str) -> str | None:
        value = row[field]
        if value == "EU" or _ECONOMY.fullmatch(value):
            return value
        self.error(line, field, f"{value!r} is not an ISO 3166-1 alpha-2 code or EU")
        return None

    def partial_date(self, line: int, row: dict[str, str], field: str) -> tuple[date, Precision] | None:
        try:
            return parse_partial_date(row[field])
        except ValueError as exc:
            self.error(line, field, str(exc))
            return None

    def status(self, line: int, row: dict[str, str]) -> str | None:
        if row["status"] in {s.value for s in MraStatus}:
            return row["status"]
        self.error(line, "status", f"{row['status']!r} is not one of {', '.join(repr(s.value) for s in MraStatus)}")
        return None

    def sources(self, line: int, row: dict[str, str]) -> tuple[str, ...]:
        sources = tuple(s.strip() for s in row["source"].split(SOURCE_SEPARATOR) if s.strip())
        if not sources:
            self.error(line, "source", "every row names at least one source")
        return sources


def recognised_classes(programme: str, economy: str) -> frozenset[str] | None:
    """The classes of ``economy``'s AEOs an MRA row recognises (None: all), checked against its programme's types."""
    if programme == UNKNOWN or not programme:
        return None
    if programme in CLASS_NAMES:
        classes = frozenset({programme})
    else:
        match = _BRACKET.match(programme)
        if match is None or match["inside"] in NOT_A_CLASS:
            return None
        classes = frozenset(c.strip() for c in match["inside"].split("/") if c.strip())
    known = PROGRAMME_TYPES.get(economy)
    if known is not None:
        issued = {canonical_type(t) for t in known}
        strange = sorted(c for c in classes if canonical_type(c) not in issued)
        if strange:
            raise ValueError(f"{', '.join(strange)} is not a type of the {economy} programme ({', '.join(known)})")
    return classes


def parse_programmes(text: str, *, file: str = PROGRAMMES_FILE) -> dict[str, AeoProgramme]:
    """Parse ``aeo_programmes.csv``; raises ReferenceDataError listing every bad row."""
    errors: list[RowError] = []
    rows = _Rows(text, file, PROGRAMME_HEADER, errors)
    programmes: dict[str, AeoProgramme] = {}
    for line, row in rows:
        economy = rows.economy(line, row, "economy")
        if economy is None:
            continue
        if economy in programmes:
            rows.error(line, "economy", f"{economy} already has a programme")
            continue
        if not row["programme"] or row["programme"] == UNKNOWN:
            rows.error(line, "programme", "the programme name is required")
        types = PROGRAMME_TYPES.get(economy, ())
        described = f"{row['programme']} {row['tiers_or_types']}".casefold()
        for missing in (t for t in types if t.casefold() not in described):
            rows.error(line, "tiers_or_types", f"{missing!r} (from PROGRAMME_TYPES) no longer appears in the row")
        programmes[economy] = AeoProgramme(
            economy=economy,
            programme=row["programme"],
            authority=None if row["authority"] in {"", UNKNOWN} else row["authority"],
            launched=row["launched"],
            types=types,
            tiers_or_types=row["tiers_or_types"],
            validity_review=row["validity_review"],
            id_format=row["id_format"],
            public_lookup=row["public_lookup"],
            sources=rows.sources(line, row),
            notes=row["notes"],
        )
    if errors:
        raise ReferenceDataError(errors)
    return programmes


def _classes(rows: _Rows, line: int, row: dict[str, str], field: str, economy: str) -> frozenset[str] | None:
    try:
        return recognised_classes(row[field], economy)
    except ValueError as exc:
        rows.error(line, field, str(exc))
        return None


def parse_mras(text: str, *, file: str = MRA_FILE) -> tuple[Mra, ...]:
    """Parse ``mra.csv`` into bilateral MRAs keyed ``A-B``; raises ReferenceDataError listing every bad row."""
    errors: list[RowError] = []
    rows = _Rows(text, file, MRA_HEADER, errors)
    mras: list[Mra] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        before = len(errors)
        a, b = rows.economy(line, row, "party_a"), rows.economy(line, row, "party_b")
        if a is not None and b is not None:
            if a >= b:
                rows.error(line, "party_b", f"parties must be distinct and in alphabetical order, got {a}, {b}")
            elif (a, b) in seen:
                rows.error(line, "party_b", f"{a}-{b} already appears on line {seen[(a, b)]}")
            else:
                seen[(a, b)] = line
        classes_a = _classes(rows, line, row, "programme_a", a or "")
        classes_b = _classes(rows, line, row, "programme_b", b or "")
        signed, in_force = rows.partial_date(line, row, "signed"), rows.partial_date(line, row, "in_force")
        if signed and in_force and in_force[0] < period_start(*signed):
            rows.error(line, "in_force", f"{row['in_force']} is before the signing ({row['signed']})")
        status = rows.status(line, row)
        sources = rows.sources(line, row)
        if len(errors) > before or a is None or b is None or status is None:
            continue
        types = {p: c for p, c in ((a, classes_a), (b, classes_b)) if c is not None}
        mras.append(
            Mra(
                key=f"{a}-{b}",
                name=f"{a}-{b} AEO MRA",
                parties=(a, b),
                recognised_types=types,
                signed_on=signed[0] if signed else None,
                signed_precision=signed[1] if signed else "day",
                in_force_from=in_force[0] if in_force else None,
                in_force_precision=in_force[1] if in_force else "day",
                status=status,
                sources=sources,
                notes=row["notes"],
            )
        )
    if errors:
        raise ReferenceDataError(errors)
    return tuple(mras)


def _arrangement_key(name: str) -> str:
    """``ASEAN AEO MRA (AAMRA)`` -> ``AAMRA``; otherwise a slug of the name."""
    match = _BRACKET.match(name)
    if match and re.fullmatch(r"[A-Z0-9-]+", match["inside"]):
        return match["inside"]
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper()


@dataclass
class _Member:
    line: int
    economy: str
    classes: frozenset[str] | None
    signed: tuple[date, Precision] | None
    implemented: date | None
    status: str
    sources: tuple[str, ...]
    notes: str


def parse_plurilateral(text: str, *, file: str = PLURILATERAL_FILE) -> tuple[Mra, ...]:
    """Parse ``mra_plurilateral.csv``: one Mra per arrangement, members' implementation dates kept per member."""
    errors: list[RowError] = []
    rows = _Rows(text, file, PLURILATERAL_HEADER, errors)
    arrangements: dict[str, list[_Member]] = {}
    for line, row in rows:
        before = len(errors)
        if not row["arrangement"]:
            rows.error(line, "arrangement", "the arrangement name is required")
        member = rows.economy(line, row, "member")
        members = arrangements.setdefault(row["arrangement"], [])
        if member is not None and any(m.economy == member for m in members):
            rows.error(line, "member", f"{member} is already a member of {row['arrangement']}")
        classes = _classes(rows, line, row, "programme", member or "")
        signed, implemented = rows.partial_date(line, row, "signed"), rows.partial_date(line, row, "implemented_from")
        status = rows.status(line, row)
        if status == MraStatus.NOT_YET_IMPLEMENTED and implemented is not None:
            rows.error(line, "implemented_from", "a member marked 'signed, not yet implemented' has no implementation")
        if signed and implemented and implemented[0] < period_start(*signed):
            rows.error(line, "implemented_from", f"{row['implemented_from']} is before the signing ({row['signed']})")
        if members and signed != members[0].signed:
            rows.error(
                line, "signed", f"{row['signed']} differs from the arrangement's signing on line {members[0].line}"
            )
        sources = rows.sources(line, row)
        if len(errors) > before or member is None or status is None:
            continue
        implemented_on = implemented[0] if implemented else None
        members.append(_Member(line, member, classes, signed, implemented_on, status, sources, row["notes"]))
    mras: list[Mra] = []
    for name, members in arrangements.items():
        if len(members) < 2:
            if members:
                errors.append(RowError(file, members[0].line, "member", f"{name} needs at least two members"))
            continue
        signed = members[0].signed
        in_force = any(m.status == MraStatus.IN_FORCE for m in members)
        mras.append(
            Mra(
                key=_arrangement_key(name),
                name=name,
                parties=tuple(m.economy for m in members),
                recognised_types={m.economy: m.classes for m in members if m.classes is not None},
                signed_on=signed[0] if signed else None,
                signed_precision=signed[1] if signed else "day",
                status=MraStatus.IN_FORCE if in_force else MraStatus.SIGNED,
                implementation_dates={m.economy: m.implemented for m in members},
                sources=tuple(dict.fromkeys(s for m in members for s in m.sources)),
                notes=" ".join(f"{m.economy}: {m.notes}" for m in members if m.notes),
            )
        )
    if errors:
        raise ReferenceDataError(errors)
    return tuple(mras)


def _read(name: str) -> str:
    return (resources.files(DATA_PACKAGE) / DATA_FOLDER / name).read_text(encoding="utf-8")


@cache
def load_reference_data() -> ReferenceData:
    """Load the bundled programmes and MRAs once per process; errors of all three files are raised together."""
    errors: list[RowError] = []
    programmes: dict[str, AeoProgramme] = {}
    try:
        programmes = parse_programmes(_read(PROGRAMMES_FILE))
    except ReferenceDataError as exc:
        errors.extend(exc.errors)
    mras: list[Mra] = []
    for parse, name in ((parse_mras, MRA_FILE), (parse_plurilateral, PLURILATERAL_FILE)):
        try:
            mras.extend(parse(_read(name), file=name))
        except ReferenceDataError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ReferenceDataError(errors)
    return ReferenceData(programmes=MappingProxyType(programmes), mras=tuple(mras))
