"""Bulk import of an authority's AEO certificates from a CSV file (format: ``apps.compliance.aeo_csv``).

Two passes. The first checks every row on its own and against the registry (holder resolved by LEI, then
EORI, then tax number; the certificate new, unchanged, renewed or in conflict) and writes nothing. The
second writes through the registry services, so each certificate gets the audit record, credential and
re-evaluation any other write gets. By default the file is all or nothing: one bad row and nothing is
written. With ``partial`` the good rows are written, each in its own savepoint, and the rest reported.
Importing the same file again finds every row unchanged and writes nothing, not even the summary record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from apps.compliance import aeo_csv
from apps.compliance.aeo_csv import AeoRow, RowError
from apps.compliance.choices import CertificateStatus, StatusReason
from apps.compliance.models import AeoCertificate, CertificateStatusChange, ValidityPeriod
from apps.compliance.services.certificates import certificate_create, certificate_renew, certificate_status_set
from apps.compliance.services.checks import MANAGE_REGISTER, check_issuing_authority
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.core.words import Text, gettext_noop
from apps.partners import services as partners
from apps.partners.access import Actor, require, system_actor
from apps.partners.choices import PartnerKind
from apps.partners.models import Partner

# ``_`` marks a message's English template for the catalogue; the import page renders it (aeo_csv's way).
_ = Text

HOLDER_KINDS = tuple(kind for kind in PartnerKind.values if kind != PartnerKind.CUSTOMS_AUTHORITY)
IMPORT_REASON = StatusReason.IMPORTED
# Look-ups by a list of keys go in chunks: SQLite caps the parameters of one query.
LOOKUP_CHUNK = 500
# Partner fields as the partners service names them, mapped to the file's columns.
_PARTNER_FIELD_COLUMNS = {
    "name": "holder_name",
    "country": "holder_country",
    "lei": "holder_lei",
    "eori": "holder_eori",
    "tax_number": "holder_tax_number",
    "kinds": "holder_kind",
    "slug": "holder_name",
}


@dataclass
class ImportReport:
    """What an import did: rows by outcome, and every error (all counts stay 0 when an all-or-nothing import fails).

    ``reviewed`` counts existing certificates whose last review date the file moved; ``unchanged`` rows wrote nothing.
    """

    rows: int = 0
    created: int = 0
    renewed: int = 0
    unchanged: int = 0
    status_changed: int = 0
    reviewed: int = 0
    holders_created: int = 0
    partial: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "renewed": self.renewed,
            "unchanged": self.unchanged,
            "status_changed": self.status_changed,
            "reviewed": self.reviewed,
            "holders_created": self.holders_created,
            "errors": len(self.errors),
        }

    def summary(self) -> str:
        counts = self.counts()
        text = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
        if self.errors and not self.partial:
            return f"Nothing imported: {counts['errors']} error(s) in {self.rows} row(s). ({text})"
        return text


@dataclass(eq=False)
class _NewHolder:
    """A holder the file names that is not on the platform yet: created on first use in the write pass."""

    line: int
    name: str
    country: str
    lei: str
    eori: str
    tax_number: str
    kind: str
    partner: Partner | None = None


Holder = Partner | _NewHolder


@dataclass
class _Plan:
    """What one good row will do."""

    row: AeoRow
    holder: Holder
    certificate: AeoCertificate | None
    renew: bool = False
    status_change: bool = False
    review_change: bool = False

    @property
    def unchanged(self) -> bool:
        return self.certificate is not None and not (self.renew or self.status_change or self.review_change)


class _RowFailed(Exception):
    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


class _Rollback(Exception):
    """Leaves the all-or-nothing transaction when a write fails."""


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


class _HolderIndex:
    """Partners (on the platform, and new ones the file names) by LEI, EORI and country + tax number."""

    def __init__(self, rows: list[AeoRow]):
        self.by_lei: dict[str, Holder] = {}
        self.by_eori: dict[str, Holder] = {}
        self.by_tax: dict[tuple[str, str], list[Holder]] = defaultdict(list)
        leis = {r.holder_lei for r in rows if r.holder_lei}
        eoris = {r.holder_eori for r in rows if r.holder_eori}
        taxes = {r.holder_tax_number for r in rows if r.holder_tax_number}
        partners_found: dict[Any, Partner] = {}
        for column, keys in (("lei", leis), ("eori", eoris), ("tax_number", taxes)):
            for chunk in _chunks(sorted(keys)):
                for partner in Partner.objects.filter(**{f"{column}__in": chunk}).prefetch_related("kind_links"):
                    partners_found[partner.pk] = partner
        for partner in partners_found.values():
            self._add(partner)

    def _add(self, holder: Holder) -> None:
        if holder.lei:
            self.by_lei.setdefault(holder.lei, holder)
        if holder.eori:
            self.by_eori.setdefault(holder.eori, holder)
        if holder.tax_number:
            key = (holder.country, holder.tax_number)
            if holder not in self.by_tax[key]:
                self.by_tax[key].append(holder)

    def resolve(self, row: AeoRow, authority: Partner) -> Holder:
        """The row's holder, or a _RowFailed naming the column that contradicts the registry."""
        matches: list[tuple[str, Holder]] = []
        if row.holder_lei and row.holder_lei in self.by_lei:
            matches.append(("holder_lei", self.by_lei[row.holder_lei]))
        if row.holder_eori and row.holder_eori in self.by_eori:
            matches.append(("holder_eori", self.by_eori[row.holder_eori]))
        if row.holder_tax_number:
            found = self.by_tax.get((row.holder_country, row.holder_tax_number), [])
            if len(found) > 1 and not matches:
                raise _RowFailed(
                    RowError(
                        row.line,
                        "holder_tax_number",
                        _(
                            "%(n)s partners have tax number %(number)s in %(country)s; give the holder's LEI or EORI.",
                            n=len(found),
                            number=row.holder_tax_number,
                            country=row.holder_country,
                        ),
                    )
                )
            if len(found) == 1 or (found and matches and matches[0][1] in found):
                matches.append(("holder_tax_number", matches[0][1] if len(found) > 1 else found[0]))
        if not matches:
            holder = _NewHolder(
                line=row.line,
                name=row.holder_name,
                country=row.holder_country,
                lei=row.holder_lei,
                eori=row.holder_eori,
                tax_number=row.holder_tax_number,
                kind=row.holder_kind,
            )
            self._add(holder)
            return holder
        matched_by, holder = matches[0]
        for column, other in matches[1:]:
            if other is not holder:
                raise _RowFailed(
                    RowError(
                        row.line,
                        column,
                        _(
                            "%(column)s %(value)s belongs to %(other)s, but %(matched_by)s %(matched)s to %(holder)s.",
                            column=_column_label(column),
                            value=getattr(row, column),
                            other=_describe(other),
                            matched_by=_column_label(matched_by),
                            matched=getattr(row, matched_by),
                            holder=_describe(holder),
                        ),
                    )
                )
        for column, attribute in (("holder_lei", "lei"), ("holder_eori", "eori"), ("holder_tax_number", "tax_number")):
            given, known = getattr(row, column), getattr(holder, attribute)
            if given and known and given != known:
                raise _RowFailed(
                    RowError(
                        row.line,
                        column,
                        _(
                            "%(holder)s has %(column)s %(known)s; the row says %(given)s.",
                            holder=_describe(holder),
                            column=_column_label(column),
                            known=known,
                            given=given,
                        ),
                    )
                )
        if holder.country != row.holder_country:
            raise _RowFailed(
                RowError(
                    row.line,
                    "holder_country",
                    _(
                        "%(holder)s is in %(country)s; the row says %(given)s.",
                        holder=_describe(holder),
                        country=holder.country,
                        given=row.holder_country,
                    ),
                )
            )
        if isinstance(holder, Partner):
            if holder.pk == authority.pk or holder.is_customs_authority:
                raise _RowFailed(
                    RowError(
                        row.line,
                        matched_by,
                        _("%(holder)s is a customs authority; AEO holders are traders.", holder=_describe(holder)),
                    )
                )
        else:
            # A holder the file introduces gathers the identifiers its rows give, so it is created complete.
            holder.lei, holder.eori = holder.lei or row.holder_lei, holder.eori or row.holder_eori
            holder.tax_number = holder.tax_number or row.holder_tax_number
            self._add(holder)
        return holder


def _column_label(column: str) -> Text | str:
    return {"holder_lei": "LEI", "holder_eori": "EORI", "holder_tax_number": _("tax number")}[column]


def _describe(holder: Holder) -> Text:
    if isinstance(holder, Partner):
        return _("partner '%(slug)s'", slug=holder.slug)
    return _("the new holder of line %(line)s", line=holder.line)


def _existing_certificates(authority: Partner, numbers: Iterable[str]) -> dict[str, AeoCertificate]:
    found: dict[str, AeoCertificate] = {}
    for chunk in _chunks(sorted(set(numbers))):
        certificates = (
            AeoCertificate.objects.filter(authority=authority, number__in=chunk)
            .select_related("holder")
            .prefetch_related(Prefetch("validity_periods", queryset=ValidityPeriod.objects.order_by("valid_from")))
        )
        found.update({c.number: c for c in certificates})
    return found


def _same_holder(certificate: AeoCertificate, holder: Holder) -> bool:
    return isinstance(holder, Partner) and holder.pk == certificate.holder_id


def _plan_certificate(plan: _Plan) -> None:
    """Decide what the row does to its existing certificate, or raise _RowFailed."""
    row, certificate = plan.row, plan.certificate
    assert certificate is not None
    if not _same_holder(certificate, plan.holder):
        raise _RowFailed(
            RowError(
                row.line,
                row.identifier_field,
                _(
                    "Certificate %(number)s is held by partner '%(slug)s', not by %(holder)s.",
                    number=row.certificate_number,
                    slug=certificate.holder.slug,
                    holder=_describe(plan.holder),
                ),
            )
        )
    if certificate.certificate_type != row.certificate_type:
        raise _RowFailed(
            RowError(
                row.line,
                "certificate_type",
                _(
                    "Certificate %(number)s is of type '%(type)s'; an import does not change a certificate's type.",
                    number=row.certificate_number,
                    type=certificate.certificate_type,
                ),
            )
        )
    periods = list(certificate.validity_periods.all())
    same = any(p.valid_from == row.valid_from and p.valid_until == row.valid_until for p in periods)
    if not same:
        for period in periods:
            ends_after_start = period.valid_until is None or period.valid_until >= row.valid_from
            starts_before_end = row.valid_until is None or period.valid_from <= row.valid_until
            if ends_after_start and starts_before_end:
                until = period.valid_until.isoformat() if period.valid_until else _("open-ended")
                raise _RowFailed(
                    RowError(
                        row.line,
                        "valid_from",
                        _(
                            "Certificate %(number)s is already valid %(start)s to %(until)s; "
                            "a renewal's period may not overlap it.",
                            number=row.certificate_number,
                            start=period.valid_from.isoformat(),
                            until=until,
                        ),
                    )
                )
        plan.renew = True
    status_after = certificate.status
    if plan.renew and certificate.status == CertificateStatus.EXPIRED:
        status_after = CertificateStatus.VALID  # a renewal reinstates an expired certificate
    if certificate.status == CertificateStatus.REVOKED and row.status != CertificateStatus.REVOKED:
        raise _RowFailed(
            RowError(
                row.line,
                "status",
                _(
                    "Certificate %(number)s is revoked; revocation is final, the row says %(status)s.",
                    number=row.certificate_number,
                    status=row.status,
                ),
            )
        )
    plan.status_change = row.status != status_after
    plan.review_change = row.last_reviewed_on is not None and row.last_reviewed_on != certificate.last_reviewed_on


def _plan(rows: list[AeoRow], authority: Partner) -> tuple[list[_Plan], list[RowError]]:
    """Check every good row against the registry; nothing is written."""
    holders = _HolderIndex(rows)
    certificates = _existing_certificates(authority, (r.certificate_number for r in rows))
    plans: list[_Plan] = []
    errors: list[RowError] = []
    for row in rows:
        try:
            holder = holders.resolve(row, authority)
            plan = _Plan(row=row, holder=holder, certificate=certificates.get(row.certificate_number))
            if plan.certificate is not None:
                _plan_certificate(plan)
        except _RowFailed as exc:
            errors.append(exc.error)
            continue
        plans.append(plan)
    return plans, errors


def _free_slug(holder: _NewHolder) -> str:
    identifier = holder.lei or holder.eori or holder.tax_number
    base = slugify(holder.name)[:70].strip("-") or slugify(f"{holder.country}-{identifier}")[:70]
    slug, suffix = base, 1
    while Partner.objects.filter(slug=slug).exists():
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


def _holder_partner(holder: Holder, *, line: int, actor: Actor, authority: Partner, report: ImportReport) -> Partner:
    if isinstance(holder, Partner):
        return holder
    if holder.partner is None:
        # Registering partners is for staff; here the platform does it on the authority's word, named in the audit.
        registrar = system_actor(
            Text(gettext_noop("AEO import by %(actor)s for %(authority)s"), actor=actor.label, authority=authority.slug)
        )
        try:
            holder.partner = partners.partner_create(
                actor=registrar,
                name=holder.name,
                country=holder.country,
                kinds=[holder.kind],
                slug=_free_slug(holder),
                lei=holder.lei,
                eori=holder.eori,
                tax_number=holder.tax_number,
            )
        except ValidationError as exc:
            column, messages = next(iter(exc.message_dict.items()))
            raise _RowFailed(RowError(line, _PARTNER_FIELD_COLUMNS.get(column, ""), " ".join(messages))) from exc
        report.holders_created += 1
    return holder.partner


def _status_effective_on(certificate: AeoCertificate, row: AeoRow, today: date) -> date:
    """From today (or the period's start), never before the latest recorded change, so it becomes the status."""
    latest = (
        CertificateStatusChange.objects.filter(certificate=certificate)
        .order_by("-effective_on")
        .values_list("effective_on", flat=True)
        .first()
    )
    return max(d for d in (today, row.valid_from, latest) if d is not None)


def _write(plan: _Plan, *, actor: Actor, authority: Partner, report: ImportReport, today: date) -> None:
    """Carry out one row's plan through the registry services."""
    row = plan.row
    certificate = plan.certificate
    if certificate is None:
        certificate = certificate_create(
            actor=actor,
            authority=authority,
            holder=_holder_partner(plan.holder, line=row.line, actor=actor, authority=authority, report=report),
            number=row.certificate_number,
            certificate_type=row.certificate_type,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            last_reviewed_on=row.last_reviewed_on,
        )
        report.created += 1
    elif plan.renew:
        certificate_renew(actor=actor, certificate=certificate, valid_from=row.valid_from, valid_until=row.valid_until)
        certificate.refresh_from_db()
        report.renewed += 1
    if certificate.status != row.status:
        certificate_status_set(
            actor=actor,
            certificate=certificate,
            status=row.status,
            effective_on=_status_effective_on(certificate, row, today),
            reason=IMPORT_REASON,
        )
        report.status_changed += 1
    if plan.certificate is not None and plan.review_change:
        AeoCertificate.objects.filter(pk=certificate.pk).update(last_reviewed_on=row.last_reviewed_on)
        audit_record(
            actor=actor,
            action="aeo_certificate.review",
            target=certificate,
            partner=authority,
            changes={
                "last_reviewed_on": [
                    plan.certificate.last_reviewed_on and plan.certificate.last_reviewed_on.isoformat(),
                    row.last_reviewed_on.isoformat(),
                ]
            },
        )
        report.reviewed += 1


def _write_row(plan: _Plan, *, actor: Actor, authority: Partner, report: ImportReport, today: date) -> None:
    """One row in its own savepoint; a refusal becomes the row's error (a race, or a rule the plan missed)."""
    new_holder = plan.holder if isinstance(plan.holder, _NewHolder) and plan.holder.partner is None else None
    before = report.counts()
    try:
        with transaction.atomic():
            _write(plan, actor=actor, authority=authority, report=report, today=today)
    except (_RowFailed, ApplicationError, IntegrityError) as exc:
        if new_holder is not None:
            new_holder.partner = None  # its creation was rolled back with the row
        for name in ("created", "renewed", "status_changed", "reviewed", "holders_created"):
            setattr(report, name, before[name])
        if isinstance(exc, _RowFailed):
            raise
        column = getattr(exc, "field", None) or ""
        column = {"number": "certificate_number", "holder": plan.row.identifier_field}.get(column, column)
        message = exc.detail if isinstance(exc, ApplicationError) else _("Another import wrote this at the same time.")
        raise _RowFailed(RowError(plan.row.line, column, message)) from exc


def aeo_import(
    *,
    actor: Actor,
    authority: Partner,
    text: str | bytes,
    partial: bool = False,
    source: str = "",
    today: date | None = None,
) -> ImportReport:
    """Import an authority's AEO certificates from a CSV file; all or nothing unless ``partial``.

    Only the authority's officers (operator or admin) or staff may import (403 otherwise). ``text`` is the
    file's text, or its bytes (UTF-8, a BOM accepted). ``source`` names the file in the audit record.
    """
    check_issuing_authority(authority)
    require(actor, **MANAGE_REGISTER, owner=authority, visible=True)
    today = today or timezone.localdate()
    report = ImportReport(partial=partial)
    try:
        parsed = aeo_csv.parse(
            text, holder_kinds=HOLDER_KINDS, statuses=CertificateStatus.values, max_rows=aeo_csv.MAX_ROWS
        )
    except aeo_csv.FileRejected as exc:
        report.errors = exc.errors
        return report
    report.rows = parsed.rows_seen
    plans, plan_errors = _plan(parsed.rows, authority)
    report.errors = sorted([*parsed.errors, *plan_errors], key=lambda e: (e.line, e.field))
    if report.errors and not partial:
        return report
    report.unchanged = sum(1 for plan in plans if plan.unchanged)
    to_write = [plan for plan in plans if not plan.unchanged]
    if not to_write:
        return report
    write_errors: list[RowError] = []
    try:
        with transaction.atomic():
            for plan in to_write:
                try:
                    _write_row(plan, actor=actor, authority=authority, report=report, today=today)
                except _RowFailed as exc:
                    write_errors.append(exc.error)
                    if not partial:
                        raise _Rollback from exc
            audit_record(
                actor=actor,
                action="aeo_import",
                partner=authority,
                object_type="compliance.aeoimport",
                object_id=authority.slug,
                object_repr=Text(
                    gettext_noop("AEO import of %(source)s for %(authority)s"), source=source, authority=authority.slug
                )
                if source
                else Text(gettext_noop("AEO import for %(authority)s"), authority=authority.slug),
                changes={**report.counts(), "errors": len(report.errors) + len(write_errors), "partial": partial},
            )
    except _Rollback:
        for name in ("created", "renewed", "status_changed", "reviewed", "holders_created"):
            setattr(report, name, 0)
    report.errors = sorted([*report.errors, *write_errors], key=lambda e: (e.line, e.field))
    return report
