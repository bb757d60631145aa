"""AEO bulk import: the CSV checks, the service (all or nothing, --partial, idempotent), the command and the page."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.compliance import aeo_csv, importing
from apps.compliance.aeo_csv import RowError
from apps.compliance.importing import aeo_import
from apps.compliance.management.commands.import_aeo import Command as ImportCommand
from apps.compliance.models import AeoCertificate, CertificateStatusChange, ValidityPeriod
from apps.core.errors import ApplicationError, ConflictError
from apps.core.models import AuditEvent
from apps.credentials.models import PartnerKey
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.partners.demo import demo_lei, demo_tax_number
from apps.partners.models import Partner
from tests.factories import MembershipFactory, UserFactory

EXAMPLE = Path(__file__).resolve().parents[2] / "apps" / "compliance" / "data" / "aeo_import_example.csv"
HEADER = list(aeo_csv.COLUMNS)
FORMOSA_LEI = "999900ADR5117Q4XSL36"
HANBIT_LEI = "999900B5BTS16JLRGK66"


def row(**cells: str) -> dict[str, str]:
    """A good row for a new TW holder, with ``cells`` changed."""
    base = {
        "certificate_number": "TW-AEOS-0001",
        "holder_name": "Formosa Precision Co.",
        "holder_country": "TW",
        "holder_lei": FORMOSA_LEI,
        "holder_tax_number": "11623308",
        "certificate_type": "security and safety",
        "valid_from": "2024-01-01",
        "valid_until": "2028-12-31",
    }
    return {**base, **cells}


HANBIT = {
    "certificate_number": "TW-AEOG-0003",
    "holder_name": "Hanbit Logistics",
    "holder_country": "KR",
    "holder_lei": HANBIT_LEI,
    "holder_tax_number": "",
    "holder_kind": "carrier",
    "certificate_type": "customs simplifications",
    "valid_from": "2022-03-15",
    "valid_until": "",
}


def csv_of(*rows: dict[str, str], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def officer(tw_customs, tina) -> Actor:
    return Actor(partner=tw_customs, role=MemberRole.OPERATOR, user=tina)


def snapshot() -> tuple[int, ...]:
    """Everything an import may write, counted."""
    return (
        AeoCertificate.objects.count(),
        ValidityPeriod.objects.count(),
        CertificateStatusChange.objects.count(),
        Partner.objects.count(),
        PartnerKey.objects.count(),
        AuditEvent.objects.count(),
    )


# ---------------------------------------------------------------------------------------------- pure checks


KINDS = importing.HOLDER_KINDS
STATUSES = ("valid", "suspended", "revoked", "expired")


def test_lines_count_blank_lines_and_quoted_line_breaks_and_a_bom_is_accepted() -> None:
    text = (
        "\ufeff"
        + csv_of(row(holder_name="Formosa\nPrecision"), HANBIT)
        + "\n"
        + csv_of(
            row(certificate_number="X-1", valid_from="2024-99-01"),
            row(certificate_number="X-2", holder_name="Formosa, Precision"),
        ).split("\n", 1)[1]
    )
    parsed = aeo_csv.parse(text.encode("utf-8"), holder_kinds=KINDS, statuses=STATUSES)
    assert [(r.line, r.holder_name) for r in parsed.rows] == [(4, "Hanbit Logistics"), (7, "Formosa, Precision")]
    assert parsed.errors == [
        RowError(2, "holder_name", "holder_name contains a control character."),
        RowError(6, "valid_from", "'2024-99-01' is not a date as YYYY-MM-DD."),
    ]
    assert parsed.rows_seen == 4


def test_a_good_row_is_normalised() -> None:
    parsed = aeo_csv.parse(
        csv_of(row(holder_country="tw", holder_lei=FORMOSA_LEI.lower(), status="Suspended")),
        holder_kinds=KINDS,
        statuses=STATUSES,
    )
    [good] = parsed.rows
    assert (good.holder_country, good.holder_lei, good.status, good.holder_kind) == (
        "TW",
        FORMOSA_LEI,
        "suspended",
        "shipper",
    )
    assert (good.valid_from, good.valid_until, good.last_reviewed_on) == (date(2024, 1, 1), date(2028, 12, 31), None)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", RowError(1, "", "The file is empty; it needs a header row and at least one row.")),
        (",".join(HEADER).encode() + b"\n", RowError(2, "", "The file has a header but no rows.")),
        (
            (csv_of(row()) + "TW-2,Caf\xe9,TW\n").encode("latin-1"),
            RowError(
                3,
                "",
                f"The file is not UTF-8 (byte 0xe9 at position {len(csv_of(row())) + 8}); "
                "save it as CSV UTF-8 and try again.",
            ),
        ),
    ],
)
def test_file_that_cannot_be_read_is_one_error(data: bytes, error: RowError) -> None:
    with pytest.raises(aeo_csv.FileRejected) as caught:
        aeo_csv.parse(data, holder_kinds=KINDS, statuses=STATUSES)
    assert caught.value.errors == [error]


def test_header_problems_are_each_reported_on_line_1() -> None:
    header = ["certificate_number", "holder_name", "holder_country", "holder_lei", "colour", "valid_from", "valid_from"]
    with pytest.raises(aeo_csv.FileRejected) as caught:
        aeo_csv.parse(",".join(header) + "\nA,B,TW,,red,2024-01-01,2024-01-01\n", holder_kinds=KINDS, statuses=STATUSES)
    assert [(e.line, e.field) for e in caught.value.errors] == [
        (1, "colour"),
        (1, "valid_from"),
        (1, "certificate_type"),
    ]
    assert caught.value.errors[0].message.startswith("Unknown column 'colour'; the columns are certificate_number,")
    assert caught.value.errors[2].message == "Required column 'certificate_type' is missing."


def test_more_rows_than_the_limit_are_refused() -> None:
    text = csv_of(*(row(certificate_number=f"N-{i}") for i in range(3)))
    with pytest.raises(aeo_csv.FileRejected) as caught:
        aeo_csv.parse(text, holder_kinds=KINDS, statuses=STATUSES, max_rows=2)
    assert caught.value.errors == [RowError(4, "", "The file has more than 2 rows; split it into smaller files.")]


def test_a_row_with_more_cells_than_the_header_is_an_error() -> None:
    text = csv_of(row()) + "TW-9,Extra,TW,,,,,full,2024-01-01,,,,surplus\n"
    parsed = aeo_csv.parse(text, holder_kinds=KINDS, statuses=STATUSES)
    assert parsed.errors == [RowError(3, "", "The row has 13 cells; the header has 12 columns.")]


# ---------------------------------------------------------------------------------------------- the service


@pytest.mark.django_db
def test_the_example_file_imports_certificates_periods_and_new_holders(officer, tw_customs):
    report = aeo_import(actor=officer, authority=tw_customs, text=EXAMPLE.read_bytes(), today=date(2025, 7, 1))
    assert report.errors == []
    assert report.counts() == {
        "rows": 4,
        "created": 4,
        "renewed": 0,
        "unchanged": 0,
        "status_changed": 1,
        "reviewed": 0,
        "holders_created": 4,
        "errors": 0,
    }
    certificates = {c.number: c for c in AeoCertificate.objects.select_related("holder", "authority")}
    assert sorted(certificates) == ["TW-AEOG-0003", "TW-AEOS-0001", "TW-AEOS-0002", "TW-AEOS-0004"]
    formosa = certificates["TW-AEOS-0001"]
    assert (formosa.authority, formosa.certificate_type, formosa.status, formosa.last_reviewed_on) == (
        tw_customs,
        "security and safety",
        "valid",
        date(2025, 6, 30),
    )
    assert (formosa.holder.name, formosa.holder.country, formosa.holder.lei, formosa.holder.tax_number) == (
        "Formosa Precision Co.",
        "TW",
        FORMOSA_LEI,
        "11623308",
    )
    assert formosa.holder.kinds == ["shipper"]
    assert [(p.valid_from, p.valid_until) for p in formosa.validity_periods.all()] == [
        (date(2024, 1, 1), date(2028, 12, 31))
    ]
    keelung = certificates["TW-AEOS-0002"].holder
    assert (keelung.lei, keelung.tax_number, keelung.kinds) == ("", "04456305", ["freight_forwarder"])
    hanbit = certificates["TW-AEOG-0003"]
    assert (hanbit.holder.country, hanbit.holder.kinds) == ("KR", ["carrier"])
    assert hanbit.validity_periods.get().valid_until is None
    suspended = certificates["TW-AEOS-0004"]
    assert suspended.status == "suspended"
    assert list(suspended.status_changes.values_list("status", "effective_on", "reason")) == [
        ("valid", date(2021, 1, 1), "granted"),
        ("suspended", date(2025, 7, 1), "imported"),
    ]
    assert PartnerKey.objects.filter(partner__in=[c.holder for c in certificates.values()]).count() == 4
    summary = AuditEvent.objects.get(action="aeo_import")
    assert (summary.partner, summary.actor_user, summary.changes["created"], summary.changes["errors"]) == (
        tw_customs,
        officer.user,
        4,
        0,
    )
    assert AuditEvent.objects.filter(action="aeo_certificate.create").count() == 4
    assert AuditEvent.objects.filter(action="partner.create").count() == 4


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(officer, tw_customs):
    aeo_import(actor=officer, authority=tw_customs, text=EXAMPLE.read_bytes())
    before = snapshot()
    report = aeo_import(actor=officer, authority=tw_customs, text=EXAMPLE.read_bytes())
    assert report.errors == []
    assert (report.unchanged, report.created, report.renewed, report.status_changed, report.holders_created) == (
        4,
        0,
        0,
        0,
        0,
    )
    assert snapshot() == before
    assert AuditEvent.objects.filter(action="aeo_import").count() == 1


@pytest.mark.django_db
def test_a_known_holder_is_matched_by_lei_then_eori_then_tax_number(officer, tw_customs, alpha, bravo):
    alpha_tax = demo_tax_number("alpha", "TW")
    text = csv_of(
        row(certificate_number="A-1", holder_name="Alpha (as filed)", holder_lei=alpha.lei, holder_tax_number=""),
        row(certificate_number="A-2", holder_name="Alpha", holder_lei="", holder_tax_number=alpha_tax),
        row(
            certificate_number="B-1",
            holder_name="Bravo",
            holder_country="KR",
            holder_lei=demo_lei("bravo"),
            holder_tax_number="",
        ),
    )
    partners_before = Partner.objects.count()
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert report.errors == []
    assert (report.created, report.holders_created) == (3, 0)
    assert Partner.objects.count() == partners_before
    assert dict(AeoCertificate.objects.values_list("number", "holder__slug")) == {
        "A-1": "alpha",
        "A-2": "alpha",
        "B-1": "bravo",
    }


@pytest.mark.django_db
def test_rows_naming_the_same_new_holder_create_it_once(officer, tw_customs):
    text = csv_of(
        row(certificate_number="F-1", holder_tax_number=""),
        row(certificate_number="F-2"),
        row(certificate_number="F-3", holder_lei="", holder_tax_number="11623308"),
    )
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert report.errors == []
    assert (report.created, report.holders_created) == (3, 1)
    holder = Partner.objects.get(lei=FORMOSA_LEI)
    assert holder.tax_number == "11623308"
    assert set(AeoCertificate.objects.values_list("holder", flat=True)) == {holder.pk}


BAD_ROWS = [
    pytest.param(
        {"holder_lei": FORMOSA_LEI[:-1] + "7"},
        "holder_lei",
        f"'{FORMOSA_LEI[:-1]}7' is not a valid LEI: the check digits do not match.",
        id="lei-check-digits",
    ),
    pytest.param(
        {"holder_tax_number": "11623309"},
        "holder_tax_number",
        "'11623309' is not a valid TW UBN: the check digits do not match.",
        id="tax-number-check-digits",
    ),
    pytest.param(
        {"valid_from": "2024-02-30"}, "valid_from", "'2024-02-30' is not a date as YYYY-MM-DD.", id="impossible-date"
    ),
    pytest.param(
        {"valid_until": "31/12/2028"}, "valid_until", "'31/12/2028' is not a date as YYYY-MM-DD.", id="date-format"
    ),
    pytest.param(
        {"valid_until": "2023-12-31"},
        "valid_until",
        "valid_until 2023-12-31 is before valid_from 2024-01-01.",
        id="until-before-from",
    ),
    pytest.param(
        {"status": "active"},
        "status",
        "Unknown status 'active'; one of valid, suspended, revoked, expired.",
        id="unknown-status",
    ),
    pytest.param(
        {"holder_lei": "", "holder_tax_number": ""},
        "holder_lei",
        "At least one of holder_lei, holder_eori, holder_tax_number identifies the holder.",
        id="no-identifier",
    ),
    pytest.param(
        {"holder_country": "XX"}, "holder_country", "'XX' is not an ISO 3166-1 alpha-2 country code.", id="country"
    ),
    pytest.param({"holder_kind": "customs_authority"}, "holder_kind", "Unknown holder kind", id="holder-kind"),
    pytest.param({"certificate_type": ""}, "certificate_type", "certificate_type is required.", id="type-missing"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("cells", "field", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_with_line_and_field_and_nothing_is_written(officer, tw_customs, cells, field, message):
    text = csv_of(HANBIT, row(certificate_number="TW-9", **cells), row(certificate_number="TW-10"))
    before = snapshot()
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert [(e.line, e.field) for e in report.errors] == [(3, field)]
    assert report.errors[0].message.startswith(message)
    assert (report.created, report.holders_created) == (0, 0)
    assert snapshot() == before
    assert "Nothing imported: 1 error(s) in 3 row(s)." in report.summary()


@pytest.mark.django_db
def test_the_same_number_twice_is_an_error_on_its_second_line(officer, tw_customs):
    text = csv_of(row(), HANBIT, row(valid_from="2029-01-01", valid_until=""))
    before = snapshot()
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert report.errors == [
        RowError(4, "certificate_number", "Certificate TW-AEOS-0001 is already on line 2; a number appears once.")
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_an_overlapping_period_for_an_existing_number_is_an_error(officer, tw_customs, alpha, grant):
    grant(tw_customs, alpha, "TW-1", valid_from=date(2024, 1, 1), valid_until=date(2028, 12, 31))
    text = csv_of(
        HANBIT,
        row(
            certificate_number="TW-1",
            holder_name="Alpha",
            holder_lei=alpha.lei,
            holder_tax_number="",
            valid_from="2026-01-01",
            valid_until="2030-12-31",
        ),
    )
    before = snapshot()
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert report.errors == [
        RowError(
            3,
            "valid_from",
            "Certificate TW-1 is already valid 2024-01-01 to 2028-12-31; a renewal's period may not overlap it.",
        )
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_new_period_for_an_existing_number_is_a_renewal_and_idempotent(officer, tw_customs, alpha, grant):
    certificate = grant(tw_customs, alpha, "TW-1", valid_from=date(2020, 1, 1), valid_until=date(2023, 12, 31))
    text = csv_of(
        row(
            certificate_number="TW-1",
            holder_name="Alpha",
            holder_lei=alpha.lei,
            holder_tax_number="",
            valid_from="2024-01-01",
            valid_until="2028-12-31",
            last_reviewed_on="2024-01-15",
        )
    )
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert report.errors == []
    assert (report.created, report.renewed, report.reviewed, report.unchanged) == (0, 1, 1, 0)
    assert list(certificate.validity_periods.values_list("valid_from", "valid_until")) == [
        (date(2020, 1, 1), date(2023, 12, 31)),
        (date(2024, 1, 1), date(2028, 12, 31)),
    ]
    certificate.refresh_from_db()
    assert certificate.last_reviewed_on == date(2024, 1, 15)
    assert AuditEvent.objects.filter(action="aeo_certificate.renew", object_id=str(certificate.pk)).count() == 1
    before = snapshot()
    again = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert (again.unchanged, again.renewed, again.errors) == (1, 0, [])
    assert snapshot() == before


@pytest.mark.django_db
def test_a_status_change_of_an_existing_certificate_is_recorded_as_imported(officer, tw_customs, alpha, grant):
    certificate = grant(tw_customs, alpha, "TW-1")
    alpha_row = row(certificate_number="TW-1", holder_name="Alpha", holder_lei=alpha.lei, holder_tax_number="")
    report = aeo_import(
        actor=officer, authority=tw_customs, text=csv_of({**alpha_row, "status": "revoked"}), today=date(2025, 3, 1)
    )
    assert (report.status_changed, report.unchanged, report.errors) == (1, 0, [])
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert list(certificate.status_changes.values_list("status", "effective_on", "reason")) == [
        ("valid", date(2024, 1, 1), "granted"),
        ("revoked", date(2025, 3, 1), "imported"),
    ]
    before = snapshot()
    back = aeo_import(actor=officer, authority=tw_customs, text=csv_of(alpha_row))
    assert back.errors == [
        RowError(2, "status", "Certificate TW-1 is revoked; revocation is final, the row says valid.")
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_an_existing_number_held_by_another_partner_is_an_error(officer, tw_customs, alpha, bravo, grant):
    grant(tw_customs, alpha, "TW-1")
    text = csv_of(
        row(
            certificate_number="TW-1",
            holder_name="Bravo",
            holder_country="KR",
            holder_lei=bravo.lei,
            holder_tax_number="",
        )
    )
    before = snapshot()
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert report.errors == [
        RowError(2, "holder_lei", "Certificate TW-1 is held by partner 'alpha', not by partner 'bravo'.")
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_identifiers_that_contradict_a_known_partner_are_errors(officer, tw_customs, alpha, bravo):
    text = csv_of(
        row(certificate_number="C-1", holder_name="Alpha", holder_lei=alpha.lei, holder_tax_number="11623308"),
        row(
            certificate_number="C-2",
            holder_name="Alpha",
            holder_lei=alpha.lei,
            holder_country="KR",
            holder_tax_number="",
        ),
        row(certificate_number="C-3", holder_name="TW", holder_lei=tw_customs.lei, holder_tax_number=""),
    )
    report = aeo_import(actor=officer, authority=tw_customs, text=text)
    assert report.errors == [
        RowError(2, "holder_tax_number", f"partner 'alpha' has tax number {alpha.tax_number}; the row says 11623308."),
        RowError(3, "holder_country", "partner 'alpha' is in TW; the row says KR."),
        RowError(4, "holder_lei", "partner 'tw-customs' is a customs authority; AEO holders are traders."),
    ]
    assert not AeoCertificate.objects.exists()


@pytest.mark.django_db
def test_partial_writes_the_good_rows_and_reports_the_rest(officer, tw_customs):
    text = csv_of(row(), row(certificate_number="TW-9", status="active"), HANBIT)
    report = aeo_import(actor=officer, authority=tw_customs, text=text, partial=True)
    assert report.errors == [
        RowError(3, "status", "Unknown status 'active'; one of valid, suspended, revoked, expired.")
    ]
    assert (report.created, report.holders_created) == (2, 2)
    assert sorted(AeoCertificate.objects.values_list("number", flat=True)) == ["TW-AEOG-0003", "TW-AEOS-0001"]
    summary = AuditEvent.objects.get(action="aeo_import")
    assert (summary.changes["created"], summary.changes["errors"], summary.changes["partial"]) == (2, 1, True)
    assert report.summary().startswith("3 rows, 2 created")


@pytest.fixture
def refuse_hanbit(monkeypatch):
    """certificate_create refuses Hanbit's number, as a concurrent registration of it would."""
    create = importing.certificate_create

    def refusing(**kwargs):
        if kwargs["number"] == HANBIT["certificate_number"]:
            raise ConflictError("tw-customs already has certificate TW-AEOG-0003.", field="number")
        return create(**kwargs)

    monkeypatch.setattr(importing, "certificate_create", refusing)


@pytest.mark.django_db
def test_a_write_refused_after_the_checks_rolls_back_every_row(officer, tw_customs, refuse_hanbit):
    before = snapshot()
    report = aeo_import(actor=officer, authority=tw_customs, text=csv_of(row(), HANBIT))
    assert report.errors == [RowError(3, "certificate_number", "tw-customs already has certificate TW-AEOG-0003.")]
    assert (report.created, report.holders_created) == (0, 0)
    assert snapshot() == before


@pytest.mark.django_db
def test_with_partial_a_refused_write_undoes_only_its_row(officer, tw_customs, refuse_hanbit):
    report = aeo_import(actor=officer, authority=tw_customs, text=csv_of(row(), HANBIT), partial=True)
    assert [(e.line, e.field) for e in report.errors] == [(3, "certificate_number")]
    assert (report.created, report.holders_created) == (1, 1)
    assert list(Partner.objects.filter(lei__in=[FORMOSA_LEI, HANBIT_LEI]).values_list("lei", flat=True)) == [
        FORMOSA_LEI
    ]
    assert list(AeoCertificate.objects.values_list("number", flat=True)) == ["TW-AEOS-0001"]


@pytest.mark.django_db
def test_file_level_errors_come_back_in_the_report(officer, tw_customs, monkeypatch):
    report = aeo_import(actor=officer, authority=tw_customs, text=b"\xff\xfe" + "x".encode("utf-16-le"))
    assert [(e.line, e.field) for e in report.errors] == [(1, "")]
    assert "not UTF-8" in report.errors[0].message
    monkeypatch.setattr(aeo_csv, "MAX_ROWS", 1)
    report = aeo_import(actor=officer, authority=tw_customs, text=csv_of(row(), HANBIT))
    assert report.errors == [RowError(3, "", "The file has more than 1 rows; split it into smaller files.")]
    assert not AeoCertificate.objects.exists()


@pytest.mark.django_db
def test_only_the_authoritys_officers_or_staff_may_import(tw_customs, kr_customs, alpha, kim, staff_actor):
    text = csv_of(row())
    refused = [
        Actor(partner=alpha, role=MemberRole.ADMIN),
        Actor(partner=kr_customs, role=MemberRole.OPERATOR, user=kim),
        Actor(partner=tw_customs, role=MemberRole.VIEWER),
    ]
    for actor in refused:
        with pytest.raises(ApplicationError) as caught:
            aeo_import(actor=actor, authority=tw_customs, text=text)
        assert caught.value.status == 403
    assert not AeoCertificate.objects.exists()
    with pytest.raises(ApplicationError) as caught:
        aeo_import(actor=staff_actor, authority=alpha, text=text)
    assert (caught.value.status, caught.value.field) == (400, "authority")
    assert aeo_import(actor=staff_actor, authority=tw_customs, text=text).created == 1


# ---------------------------------------------------------------------------------------------- the command


def _write(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "aeo.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


@pytest.mark.django_db
def test_command_imports_and_prints_a_summary(tw_customs, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_aeo", str(EXAMPLE), "--authority", "tw-customs", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert out.getvalue().startswith("4 rows, 4 created, 0 renewed, 0 unchanged, 1 status changed")
    assert AeoCertificate.objects.filter(authority=tw_customs).count() == 4
    assert AuditEvent.objects.get(action="aeo_import").actor_label == "manage.py import_aeo"
    out = io.StringIO()
    call_command("import_aeo", str(EXAMPLE), "--authority", "tw-customs", stdout=out)
    assert "4 unchanged" in out.getvalue()


@pytest.mark.django_db
def test_command_prints_each_error_and_exits_1_writing_nothing(tw_customs, tmp_path):
    path = _write(tmp_path, csv_of(row(valid_until="2020-01-01"), row(certificate_number="X", holder_lei="BAD")))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_aeo", path, "--authority", "tw-customs", stdout=out, stderr=err)
    assert caught.value.returncode == 1
    assert str(caught.value) == "2 error(s); nothing was imported."
    assert err.getvalue().splitlines() == [
        "line 2, field valid_until: valid_until 2020-01-01 is before valid_from 2024-01-01.",
        "line 3, field holder_lei: 'BAD' is not a valid LEI: the check digits do not match.",
    ]
    assert out.getvalue().startswith("Nothing imported: 2 error(s) in 2 row(s).")
    assert not AeoCertificate.objects.exists()


@pytest.mark.django_db
def test_command_partial_imports_the_good_rows_and_still_exits_1(tw_customs, tmp_path):
    path = _write(tmp_path, csv_of(row(), row(certificate_number="X", status="gone")))
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_aeo", path, "--authority", "tw-customs", "--partial", stdout=io.StringIO(), stderr=err)
    assert (caught.value.returncode, str(caught.value)) == (1, "1 error(s); the good rows were imported.")
    assert err.getvalue().startswith("line 3, field status: Unknown status 'gone'")
    assert list(AeoCertificate.objects.values_list("number", flat=True)) == ["TW-AEOS-0001"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--authority", "nowhere"], "No partner with slug 'nowhere'."),
        (["--authority", "alpha"], "'alpha' is not a customs authority."),
    ],
)
def test_command_usage_errors_exit_2(tw_customs, alpha, args, message):
    with pytest.raises(CommandError) as caught:
        call_command("import_aeo", str(EXAMPLE), *args)
    assert (caught.value.returncode, str(caught.value)) == (2, message)


@pytest.mark.django_db
def test_command_real_exit_codes(tw_customs, tmp_path, capsys, monkeypatch):
    # run_from_argv closes every connection when done, which would end the test's own transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    def exit_code(*args: str) -> int:
        with pytest.raises(SystemExit) as caught:
            ImportCommand().run_from_argv(["manage.py", "import_aeo", *args])
        return caught.value.code

    assert exit_code(str(tmp_path / "missing.csv"), "--authority", "tw-customs") == 2
    assert "Cannot read" in capsys.readouterr().err
    assert exit_code(_write(tmp_path, csv_of(row(status="x"))), "--authority", "tw-customs") == 1
    assert exit_code(str(EXAMPLE)) == 2  # --authority is required
    ImportCommand().run_from_argv(["manage.py", "import_aeo", str(EXAMPLE), "--authority", "tw-customs"])
    assert AeoCertificate.objects.count() == 4


# ---------------------------------------------------------------------------------------------- the page

PAGE = "/compliance/aeo/import/"


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _upload(text: str | bytes, name: str = "aeo.csv") -> io.BytesIO:
    upload = io.BytesIO(text.encode() if isinstance(text, str) else text)
    upload.name = name
    return upload


@pytest.mark.django_db
def test_the_page_needs_login(client, tw_customs):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or "login" in response["Location"]
    assert client.post(PAGE, {"file": _upload(csv_of(row()))}).status_code == 302
    assert not AeoCertificate.objects.exists()


@pytest.mark.django_db
def test_an_officer_uploads_a_good_file(browser, tina, tw_customs):
    client = browser(tina)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(PAGE, {"file": _upload(EXAMPLE.read_bytes()), "authority": "tw-customs"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Imported</h2>" in html
    assert "4 rows, 4 created" in html
    assert AeoCertificate.objects.filter(authority=tw_customs).count() == 4
    summary = AuditEvent.objects.get(action="aeo_import")
    assert (summary.actor_user, summary.object_repr) == (tina, "AEO import of aeo.csv for tw-customs")


@pytest.mark.django_db
def test_an_officer_uploading_a_bad_file_sees_each_error_and_nothing_is_written(browser, tina, tw_customs):
    text = csv_of(row(), row(certificate_number="TW-2", valid_from="2024-13-01"), row())
    before = snapshot()
    response = browser(tina).post(PAGE, {"file": _upload(text)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Nothing imported</h2>" in html
    assert "<tr><td>3</td><td><code>valid_from</code></td><td>&#x27;2024-13-01&#x27; is not a date" in html
    assert (
        "<tr><td>4</td><td><code>certificate_number</code></td><td>Certificate TW-AEOS-0001 is already on line 2"
        in html
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_the_errors_speak_the_pages_language(browser, tina, tw_customs, compiled_catalogues):
    text = csv_of(row(), row(certificate_number="TW-2", valid_from="2024-13-01", holder_lei="XX"), row())
    client = browser(tina)
    html = client.post(PAGE, {"file": _upload(text)}, HTTP_ACCEPT_LANGUAGE="zh-Hant").content.decode()
    assert "<td>「2024-13-01」不是 YYYY-MM-DD 格式的日期。</td>" in html
    assert "<td>「XX」不是有效的 LEI" in html
    assert "<td>證書 TW-AEOS-0001 已出現在第 2 列" in html
    html = client.post(PAGE, {"file": _upload(text)}, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "<td>&#x27;2024-13-01&#x27;은(는) YYYY-MM-DD 형식의 날짜가 아닙니다.</td>" in html


@pytest.mark.django_db
def test_an_officer_can_import_the_good_rows_only(browser, tina, tw_customs):
    text = csv_of(row(), row(certificate_number="TW-2", valid_from="2024-13-01"))
    html = browser(tina).post(PAGE, {"file": _upload(text), "partial": "on"}).content.decode()
    assert "<h2>Imported the good rows</h2>" in html
    assert list(AeoCertificate.objects.values_list("number", flat=True)) == ["TW-AEOS-0001"]


@pytest.mark.django_db
def test_a_trader_is_refused(browser, alice, tw_customs):
    client = browser(alice)
    assert client.get(PAGE).status_code == 403
    response = client.post(PAGE, {"file": _upload(csv_of(row())), "authority": "tw-customs"})
    assert response.status_code == 403
    assert not AeoCertificate.objects.exists()


@pytest.mark.django_db
def test_a_customs_viewer_is_refused(browser, tw_customs):
    viewer = MembershipFactory(user=UserFactory(username="vera"), partner=tw_customs, role=MemberRole.VIEWER).user
    assert browser(viewer).get(PAGE).status_code == 403


@pytest.mark.django_db
def test_an_officer_of_another_authority_cannot_import_for_it(browser, kim, tw_customs, kr_customs):
    response = browser(kim).post(PAGE, {"file": _upload(csv_of(row())), "authority": "tw-customs"})
    assert response.status_code == 403
    assert "only tw-customs may manage its own certificates" in response.content.decode()
    assert not AeoCertificate.objects.exists()


@pytest.mark.django_db
def test_staff_choose_the_authority(browser, staff, tw_customs, kr_customs):
    client = browser(staff)
    page = client.get(PAGE).content.decode()
    assert '<option value="kr-customs">' in page
    assert '<option value="tw-customs">' in page
    client.post(PAGE, {"file": _upload(csv_of(row())), "authority": "kr-customs"})
    assert AeoCertificate.objects.get().authority == kr_customs
    response = client.post(PAGE, {"file": _upload(csv_of(row())), "authority": "nowhere"})
    assert "No customs authority &#x27;nowhere&#x27;." in response.content.decode()
