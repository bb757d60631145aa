"""The bundled AEO programme and MRA reference data: what the loader reads, and how it reports bad rows.

The counts asserted here are the ones the data's own README states, so a drifting copy is noticed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from apps.compliance import reference_data
from apps.compliance.reference_data import (
    MRA_HEADER,
    PLURILATERAL_HEADER,
    PROGRAMME_HEADER,
    TERRITORIES,
    ReferenceDataError,
    RowError,
    load_reference_data,
    parse_mras,
    parse_partial_date,
    parse_plurilateral,
    parse_programmes,
    period_start,
    recognised_classes,
)
from apps.compliance.trust import MraStatus

APP_DIR = Path(reference_data.__file__).resolve().parent


@pytest.fixture(scope="module")
def data() -> reference_data.ReferenceData:
    return load_reference_data()


def bilateral_rows(data: reference_data.ReferenceData) -> list:
    return [m for m in data.mras if not m.plurilateral]


# ---------------------------------------------------------------------------------------------- bundled files


def test_the_data_is_bundled_inside_the_app_with_its_readme_and_provenance_note() -> None:
    folder = resources.files("apps.compliance") / "data"
    assert Path(str(folder)).resolve().parent == APP_DIR
    names = {entry.name for entry in folder.iterdir()}
    assert {"README.md", "mra.csv", "mra_plurilateral.csv", "aeo_programmes.csv"} <= names
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "It is\nnot an authoritative registry." in readme
    assert "Every row names its sources" in readme


# ---------------------------------------------------------------------------------------------- real rows


def test_counts_match_the_readme(data: reference_data.ReferenceData) -> None:
    rows = bilateral_rows(data)
    assert len(rows) == 91
    assert Counter(m.status for m in rows) == {
        MraStatus.IN_FORCE: 54,
        MraStatus.SIGNED: 36,
        MraStatus.NOT_YET_IMPLEMENTED: 1,
    }
    assert sum(m.signed_on is None for m in rows) == 9
    assert sum(m.in_force_from is not None for m in rows) == 34
    assert len(data.programmes) == 20


@pytest.mark.parametrize(
    ("economy", "count"),
    [("KR", 22), ("US", 18), ("CN", 16), ("JP", 13), ("SG", 11), ("TW", 10), ("CA", 10), ("AU", 10), ("NZ", 10)],
)
def test_rows_per_economy_match_the_readme_coverage_table(
    data: reference_data.ReferenceData, economy: str, count: int
) -> None:
    assert sum(economy in m.parties for m in bilateral_rows(data)) == count


def test_signing_dates_unknown_are_the_nine_the_readme_lists(data: reference_data.ReferenceData) -> None:
    unknown = {m.key for m in bilateral_rows(data) if m.signed_on is None}
    assert unknown == {"AU-TH", "HK-MY", "HK-TH", "NZ-SG", "SG-TH", "CL-CN", "AE-CN", "CN-EC", "CN-TH"}


def test_real_rows_for_taiwan_korea_and_the_us(data: reference_data.ReferenceData) -> None:
    kr_tw = data.mra("KR-TW")
    assert (kr_tw.signed_on, kr_tw.in_force_from, kr_tw.status) == (
        date(2015, 12, 22),
        date(2016, 10, 1),
        MraStatus.IN_FORCE,
    )
    assert dict(kr_tw.recognised_types) == {"TW": frozenset({"AEOS"})}
    kr_us = data.mra("KR-US")
    assert (kr_us.signed_on, kr_us.in_force_from, kr_us.status) == (date(2010, 6, 25), None, MraStatus.SIGNED)
    assert dict(kr_us.recognised_types) == {}
    tw_us = data.mra("TW-US")
    assert (tw_us.signed_on, tw_us.in_force_from) == (date(2012, 11, 26), None)
    assert dict(tw_us.recognised_types) == {"TW": frozenset({"AEOS"})}
    assert (
        tw_us.sources[0]
        == "https://www.cbp.gov/newsroom/national-media-release/cbp-taiwan-aeo-agree-cargo-security-program-standards"
    )


def test_bracketed_classes_become_recognised_types_and_aliases_do_not(data: reference_data.ReferenceData) -> None:
    assert dict(data.mra("EU-US").recognised_types) == {"EU": frozenset({"AEOS", "AEOF"})}
    assert dict(data.mra("CN-SG").recognised_types) == {
        "CN": frozenset({"Advanced Certified Enterprise"}),
        "SG": frozenset({"STP-Plus"}),
    }
    assert dict(data.mra("BY-CN").recognised_types) == {
        "BY": frozenset({"category 3"}),
        "CN": frozenset({"Advanced Certified Enterprise"}),
    }
    assert dict(data.mra("GB-JP").recognised_types) == {}  # "AEO (HMRC)" names the authority
    assert dict(data.mra("KR-MX").recognised_types) == {}  # "OEA (NEEC)" names the former scheme
    assert dict(data.mra("CL-CN").recognised_types) == {"CN": frozenset({"Advanced Certified Enterprise"})}


def test_partial_dates_keep_their_precision(data: reference_data.ReferenceData) -> None:
    au_ca = data.mra("AU-CA")
    assert (au_ca.signed_on, au_ca.signed_precision) == (date(2017, 7, 31), "month")
    assert data.mra("KR-TW").signed_precision == "day"


def test_the_aamra_is_one_arrangement_with_each_members_implementation_date(data: reference_data.ReferenceData) -> None:
    aamra = data.mra("AAMRA")
    assert aamra.name == "ASEAN AEO MRA (AAMRA)"
    assert aamra.signed_on == date(2023, 9, 19)
    assert dict(aamra.implementation_dates) == {
        "BN": date(2024, 8, 1),
        "KH": None,
        "ID": date(2024, 10, 1),
        "LA": None,
        "MY": date(2024, 8, 1),
        "MM": None,
        "PH": date(2025, 2, 28),
        "SG": date(2024, 8, 1),
        "TH": date(2024, 8, 19),
        "VN": None,
    }
    assert dict(aamra.recognised_types) == {"PH": frozenset({"Level 2"})}
    assert aamra.status == MraStatus.IN_FORCE


def test_programmes_name_their_authority_and_types(data: reference_data.ReferenceData) -> None:
    taiwan = data.programmes["TW"]
    assert taiwan.authority == "Customs Administration, Ministry of Finance"
    assert taiwan.types == ("AEOG", "AEOS")
    assert data.programmes["EU"].types == ("AEOC", "AEOS", "AEOF")
    assert data.programmes["US"].authority == "U.S. Customs and Border Protection (CBP)"
    assert data.programmes["BN"].authority is None
    assert data.programmes["MX"].types == ()


def test_every_recognised_class_is_a_type_of_that_sides_programme(data: reference_data.ReferenceData) -> None:
    for mra in data.mras:
        for party, types in mra.recognised_types.items():
            if party in data.programmes and data.programmes[party].types and types is not None:
                assert types <= set(data.programmes[party].types), (mra.key, party)


def test_territories_map_member_states_to_the_eu() -> None:
    assert TERRITORIES["DE"] == "EU"
    assert "GB" not in TERRITORIES
    assert len(TERRITORIES) == 27


# ---------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-10-01", (date(2016, 10, 1), "day")),
        ("2017-07", (date(2017, 7, 31), "month")),
        ("2024-02", (date(2024, 2, 29), "month")),
        ("2023-02", (date(2023, 2, 28), "month")),
        ("1995", (date(1995, 12, 31), "year")),
        ("?", None),
        (" 2016-10-01 ", (date(2016, 10, 1), "day")),
    ],
)
def test_partial_dates_are_read_as_the_last_day_of_their_period(text: str, expected: object) -> None:
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize(("text", "message"), [("2017-13", "not a real date"), ("2017-02-30", "not a real date")])
def test_impossible_dates_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_partial_date(text)


@pytest.mark.parametrize("text", ["", "unknown", "17-07-2017", "2017/07/01", "2017-7"])
def test_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not YYYY-MM-DD, YYYY-MM, YYYY or"):
        parse_partial_date(text)


def test_period_start_is_the_first_day_of_a_partial_date() -> None:
    assert period_start(date(2017, 7, 31), "month") == date(2017, 7, 1)
    assert period_start(date(1995, 12, 31), "year") == date(1995, 1, 1)
    assert period_start(date(2016, 10, 1), "day") == date(2016, 10, 1)


# ---------------------------------------------------------------------------------------------- classes


@pytest.mark.parametrize(
    ("programme", "economy", "expected"),
    [
        ("AEO (AEOS/AEOF)", "EU", frozenset({"AEOS", "AEOF"})),
        ("AEO (AEOS)", "TW", frozenset({"AEOS"})),
        ("STP-Plus", "SG", frozenset({"STP-Plus"})),
        ("STP", "SG", None),
        ("AEO (HMRC)", "GB", None),
        ("OEA (NEEC)", "MX", None),
        ("AEO (OEA)", "CL", None),
        ("C-TPAT", "US", None),
        ("?", "KH", None),
        ("Authorized Economic Operator (A-grade)", "MO", frozenset({"A-grade"})),
    ],
)
def test_recognised_classes(programme: str, economy: str, expected: frozenset[str] | None) -> None:
    assert recognised_classes(programme, economy) == expected


def test_a_class_the_programme_does_not_issue_is_refused() -> None:
    with pytest.raises(ValueError, match=r"AEOX is not a type of the EU programme \(AEOC, AEOS, AEOF\)"):
        recognised_classes("AEO (AEOX)", "EU")


# ---------------------------------------------------------------------------------------------- bad rows


def csv_text(header: tuple[str, ...], *rows: str) -> str:
    return "\n".join([",".join(header), *rows]) + "\n"


GOOD_MRA = "KR,TW,AEO,AEO (AEOS),2015-12-22,2016-10-01,in force,https://example.org/a,"
OTHER_MRA = "JP,KR,AEO,AEO,2011-05-20,?,signed,https://example.org/b,"


def errors_of(call: object, *args: object, **kwargs: object) -> list[RowError]:
    with pytest.raises(ReferenceDataError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return list(caught.value.errors)


def test_a_good_mra_row_parses() -> None:
    (mra,) = parse_mras(csv_text(MRA_HEADER, GOOD_MRA))
    assert (mra.key, mra.parties, mra.sources) == ("KR-TW", ("KR", "TW"), ("https://example.org/a",))


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("KR,TW,AEO,AEO (AEOS),2015-22-12,2016-10-01,in force,https://e.org,", "signed", "not a real date"),
        ("KR,TW,AEO,AEO (AEOS),2015-12-22,soon,in force,https://e.org,", "in_force", "is not YYYY-MM-DD"),
        ("KR,TW,AEO,AEO (AEOS),2015-12-22,2016-10-01,active,https://e.org,", "status", "'active' is not one of"),
        ("TW,KR,AEO (AEOS),AEO,2015-12-22,2016-10-01,in force,https://e.org,", "party_b", "alphabetical order"),
        ("KR,KR,AEO,AEO,2015-12-22,2016-10-01,in force,https://e.org,", "party_b", "distinct"),
        ("Korea,TW,AEO,AEO (AEOS),2015-12-22,2016-10-01,in force,https://e.org,", "party_a", "not an ISO 3166-1"),
        ("KR,TW,AEO,AEO (AEOX),2015-12-22,2016-10-01,in force,https://e.org,", "programme_b", "AEOX is not a type"),
        ("KR,TW,AEO,AEO (AEOS),2016-12-22,2016-10-01,in force,https://e.org,", "in_force", "before the signing"),
        ("KR,TW,AEO,AEO (AEOS),2015-12-22,2016-10-01,in force,,", "source", "at least one source"),
        ("KR,TW,AEO,AEO (AEOS),2015-12-22,2016-10-01,in force", "row", "7 fields, expected 9"),
    ],
)
def test_each_bad_mra_row_is_reported_with_line_and_field(row: str, field: str, message: str) -> None:
    (error,) = errors_of(parse_mras, csv_text(MRA_HEADER, OTHER_MRA, row))
    assert (error.file, error.line, error.field) == ("mra.csv", 3, field)
    assert message in error.message


def test_a_month_signing_and_an_in_force_date_in_the_same_month_is_accepted() -> None:
    (mra,) = parse_mras(csv_text(MRA_HEADER, "KR,TW,AEO,AEO,2019-06,2019-06-01,in force,https://e.org,"))
    assert mra.in_force_from == date(2019, 6, 1)


def test_a_duplicate_pair_names_the_first_line() -> None:
    (error,) = errors_of(parse_mras, csv_text(MRA_HEADER, GOOD_MRA, GOOD_MRA))
    assert str(error) == "mra.csv line 3, party_b: KR-TW already appears on line 2"


def test_every_bad_row_is_reported_at_once() -> None:
    text = csv_text(
        MRA_HEADER,
        "KR,TW,AEO,AEO,2015-12-22,?,maybe,https://e.org,",
        OTHER_MRA,
        "AU,CA,ATT,PIP,July 2017,?,in force,,",
    )
    errors = errors_of(parse_mras, text)
    assert [(e.line, e.field) for e in errors] == [(2, "status"), (4, "signed"), (4, "source")]
    assert "mra.csv line 4, signed" in str(ReferenceDataError(errors))


def test_line_numbers_count_newlines_inside_quoted_notes() -> None:
    text = csv_text(
        MRA_HEADER,
        'JP,KR,AEO,AEO,2011-05-20,?,signed,https://e.org,"first line\nsecond line\nthird line"',
        "KR,TW,AEO,AEO,2015-12-22,?,bogus,https://e.org,",
    )
    (error,) = errors_of(parse_mras, text)
    assert (error.line, error.field) == (5, "status")


def test_a_wrong_header_is_reported_on_line_1() -> None:
    (error,) = errors_of(parse_mras, "a,b,c\nKR,TW,x\n")
    assert (error.line, error.field) == (1, "header")
    (empty,) = errors_of(parse_mras, "")
    assert empty.message == "file is empty"


def test_blank_lines_are_skipped() -> None:
    assert len(parse_mras(csv_text(MRA_HEADER, GOOD_MRA, "", OTHER_MRA))) == 2


GOOD_MEMBERS = (
    "AAMRA (X),BN,AEO,2023-09-19,2024-08-01,in force,https://e.org,",
    "AAMRA (X),MY,AEO,2023-09-19,2024-08-01,in force,https://e.org,",
)


def test_plurilateral_rows_group_into_one_arrangement_per_name() -> None:
    text = csv_text(PLURILATERAL_HEADER, *GOOD_MEMBERS, "Other Pact,TH,AEO,2020,?,signed,https://e.org,")
    with pytest.raises(ReferenceDataError, match="Other Pact needs at least two members"):
        parse_plurilateral(text)
    (mra,) = parse_plurilateral(csv_text(PLURILATERAL_HEADER, *GOOD_MEMBERS))
    assert (mra.key, mra.parties) == ("X", ("BN", "MY"))


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("AAMRA (X),TH,AEO,2023-09-20,2024-08-19,in force,https://e.org,", "signed", "differs from the arrangement"),
        ("AAMRA (X),BN,AEO,2023-09-19,2024-08-19,in force,https://e.org,", "member", "already a member"),
        (
            'AAMRA (X),TH,AEO,2023-09-19,2024-08-19,"signed, not yet implemented",https://e.org,',
            "implemented_from",
            "has no implementation",
        ),
        ("AAMRA (X),TH,AEO,2023-09-19,2022-01-01,in force,https://e.org,", "implemented_from", "before the signing"),
    ],
)
def test_each_bad_plurilateral_row_is_reported_with_line_and_field(row: str, field: str, message: str) -> None:
    (error,) = errors_of(parse_plurilateral, csv_text(PLURILATERAL_HEADER, *GOOD_MEMBERS, row))
    assert (error.file, error.line, error.field) == ("mra_plurilateral.csv", 4, field)
    assert message in error.message


def test_a_class_of_a_programme_without_curated_types_is_taken_as_the_source_gives_it() -> None:
    row = "AAMRA (X),TH,AEO (Level 9),2023-09-19,?,in force,https://e.org,"
    (mra,) = parse_plurilateral(csv_text(PLURILATERAL_HEADER, *GOOD_MEMBERS, row))
    assert mra.recognised_types["TH"] == frozenset({"Level 9"})
    assert mra.implementation_dates["TH"] is None


def test_a_programme_row_whose_curated_types_vanished_is_reported() -> None:
    text = (resources.files("apps.compliance") / "data" / "aeo_programmes.csv").read_text(encoding="utf-8")
    tiers = "General AEO (AEOG) / Security and Safety AEO (AEOS); MRA benefits go mainly to AEOS exporters"
    changed = text.replace(tiers, "General AEO / Security and Safety AEO")
    errors = errors_of(parse_programmes, changed)
    assert {(e.field, e.message.split(" ")[0]) for e in errors} == {
        ("tiers_or_types", "'AEOG'"),
        ("tiers_or_types", "'AEOS'"),
    }
    assert {e.line for e in errors} == {5}


def test_a_duplicate_programme_is_reported() -> None:
    row = "KR,AEO,KCS,2009-04,A / AA / AAA,?,?,?,https://e.org,"
    (error,) = errors_of(parse_programmes, csv_text(PROGRAMME_HEADER, row, row))
    assert (error.line, error.field, error.message) == (3, "economy", "KR already has a programme")
