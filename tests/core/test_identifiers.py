"""Pure identifier checks: no database, official example numbers where the standard publishes them."""

import pytest

from apps.core.identifiers import (
    InvalidIdentifier,
    country_name,
    normalize_country,
    normalize_eori,
    normalize_lei,
    normalize_tax_number,
    normalize_unlocode,
)

# GLEIF's published example LEI, and the same with its last check digit changed.
VALID_LEI = "5493001KJTIIGC8Y1R12"
LEI_BAD_CHECK_DIGITS = "5493001KJTIIGC8Y1R17"
# HMRC's example VAT number 980 7806 84; a UK EORI is GB + the VAT number + three digits.
VALID_GB_EORI = "GB980780684000"


def test_lei_with_valid_check_digits_is_returned_compact_and_upper_case():
    assert normalize_lei("5493 001k jtiigc8y1r12") == VALID_LEI


def test_lei_with_wrong_check_digits_is_refused_naming_the_check_digits():
    with pytest.raises(InvalidIdentifier, match="check digits"):
        normalize_lei(LEI_BAD_CHECK_DIGITS)


@pytest.mark.parametrize("value", ["5493001KJTIIGC8Y1R1", "5493001KJTIIGC8Y1R123", "5493001KJTIIGC8Y1R!2"])
def test_lei_of_wrong_shape_is_refused(value):
    with pytest.raises(InvalidIdentifier, match="not a valid LEI"):
        normalize_lei(value)


def test_country_code_is_upper_cased():
    assert normalize_country(" tw ") == "TW"


@pytest.mark.parametrize("value", ["XX", "TWN", "", "T"])
def test_unknown_or_malformed_country_is_refused(value):
    with pytest.raises(InvalidIdentifier, match="ISO 3166-1"):
        normalize_country(value)


def test_country_name_comes_from_iso_3166():
    assert country_name("KR") == "Korea, Republic of"


def test_uk_eori_with_valid_vat_part_is_accepted_compact():
    assert normalize_eori("gb 980 7806 84 000") == VALID_GB_EORI


def test_uk_eori_with_failing_vat_check_is_refused():
    with pytest.raises(InvalidIdentifier, match="VAT part"):
        normalize_eori("GB123456789000")


@pytest.mark.parametrize("value", ["GB98078068400", "GB9807806840001", "XI98078068400X"])
def test_uk_eori_needs_12_or_15_digits(value):
    with pytest.raises(InvalidIdentifier, match="12 or 15 digits"):
        normalize_eori(value)


def test_northern_ireland_eori_uses_the_uk_form():
    assert normalize_eori("XI980780684000") == "XI980780684000"


def test_eu_eori_is_country_code_and_up_to_15_characters():
    assert normalize_eori("de-1234567") == "DE1234567"


def test_eori_from_a_country_that_issues_none_is_refused():
    with pytest.raises(InvalidIdentifier, match="US does not issue EORI"):
        normalize_eori("US123456789")


@pytest.mark.parametrize("value", ["DE", "DE1234567890123456", "1234567"])
def test_eori_of_wrong_shape_is_refused(value):
    with pytest.raises(InvalidIdentifier, match="not an EORI"):
        normalize_eori(value)


@pytest.mark.parametrize(("value", "expected"), [("TWKHH", "TWKHH"), ("kr pus", "KRPUS"), ("USLAX", "USLAX")])
def test_unlocode_of_a_real_port_is_accepted(value, expected):
    assert normalize_unlocode(value) == expected


@pytest.mark.parametrize("value", ["TWKH", "TWKHHX", "TWKH1", "TW-KH"])
def test_unlocode_of_wrong_shape_is_refused(value):
    with pytest.raises(InvalidIdentifier, match="not a UN/LOCODE"):
        normalize_unlocode(value)


def test_unlocode_with_unknown_country_is_refused():
    with pytest.raises(InvalidIdentifier, match="ISO 3166-1"):
        normalize_unlocode("XXKHH")


def test_taiwan_business_number_with_valid_checksum_is_accepted():
    assert normalize_tax_number(" 04595257 ", country="TW") == "04595257"


def test_taiwan_business_number_with_bad_checksum_is_refused():
    with pytest.raises(InvalidIdentifier, match="TW UBN: the check digits do not match"):
        normalize_tax_number("04595252", country="TW")


def test_us_employer_number_is_checked_with_its_own_rules():
    assert normalize_tax_number("04-2103594", country="US") == "042103594"
    with pytest.raises(InvalidIdentifier, match="US EIN"):
        normalize_tax_number("00-0000000", country="US")


def test_tax_number_of_a_country_without_a_checker_only_needs_a_sane_shape():
    assert normalize_tax_number("tv 123/45", country="TV") == "TV 123/45"
    with pytest.raises(InvalidIdentifier, match="3 to 31"):
        normalize_tax_number("#1", country="TV")
