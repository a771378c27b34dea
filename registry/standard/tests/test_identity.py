"""Every case of DOMAIN.md §3. All numbers are synthetic except GB 11643's published example."""

from __future__ import annotations

from datetime import date

import pytest

from registry.standard.errors import FieldError
from registry.standard.identity import (
    PROVINCE_PREFIXES,
    DocumentType,
    IdentityResult,
    LegacyKind,
    check_char,
    check_identity,
    normalise_number,
    upgrade_15,
)

TODAY = date(2025, 6, 30)
EXAMPLE = "11010519491231002X"  # published in GB 11643-1999


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 in its recursive form, independent of the module's weight table."""
    p = 0
    for digit in first17:
        p = (p + int(digit)) * 2 % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def full(first17: str) -> str:
    return first17 + mod11_2(first17)


def check(kind: str, number: str, nationality: str | None = None) -> IdentityResult:
    return check_identity(kind, number, nationality, today=TODAY)


def codes(result: IdentityResult) -> list[tuple[str, str]]:
    return [(e.code, e.field) for e in result.errors]


def test_helper_agrees_with_published_example() -> None:
    assert full(EXAMPLE[:17]) == EXAMPLE


# --- resident ID --------------------------------------------------------------


def test_published_example_is_valid() -> None:
    result = check_identity("resident_id", EXAMPLE)
    assert result.valid
    assert result.archive_no == EXAMPLE
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "2"
    assert result.region_code == "110105"
    assert result.document_type is DocumentType.RESIDENT_ID
    assert result.nationality == "CHN"
    assert result.as_dict() == {
        "valid": True,
        "archive_no": EXAMPLE,
        "birth_date": "1949-12-31",
        "sex": "2",
        "region_code": "110105",
        "errors": [],
    }


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        " 110105 19491231 002X ",
        "110105\u300019491231\u3000002X",
        "\ufeff11010519491231002X\t\n",
    ],
)
def test_typed_forms_of_the_example_normalise(raw: str) -> None:
    result = check(DocumentType.RESIDENT_ID, raw)
    assert result.valid, result.errors
    assert result.archive_no == EXAMPLE


def test_odd_sequence_is_male() -> None:
    result = check("resident_id", full("44030619800101001"))
    assert result.valid
    assert result.sex == "1"
    assert result.region_code == "440306"
    assert result.birth_date == date(1980, 1, 1)


def test_wrong_check_character() -> None:
    result = check("resident_id", "110105194912310021")
    assert not result.valid
    assert codes(result) == [("identity.check_mismatch", "number")]
    assert result.errors[0].message == "身份证号码校验位错误，请核对后重新输入"
    assert result.archive_no is None and result.birth_date is None and result.sex is None


@pytest.mark.parametrize(
    ("birth", "code"),
    [
        ("19490230", "identity.bad_date"),  # 30 February
        ("19000229", "identity.bad_date"),  # 1900 was not a leap year
        ("19491301", "identity.bad_date"),
        ("19490000", "identity.bad_date"),
        ("18991231", "identity.date_out_of_range"),
        ("20250701", "identity.date_out_of_range"),  # after TODAY
    ],
)
def test_impossible_birth_dates(birth: str, code: str) -> None:
    result = check("resident_id", full("110105" + birth + "002"))
    assert codes(result) == [(code, "number")]


def test_boundary_dates_are_accepted() -> None:
    assert check("resident_id", full("11010519000101002")).valid
    assert check("resident_id", full("11010520250630002")).valid  # born today
    assert check("resident_id", full("11010520000229002")).valid


def test_default_today_is_the_real_date() -> None:
    tomorrow = date.fromordinal(date.today().toordinal() + 1)
    result = check_identity("resident_id", full("110105" + tomorrow.strftime("%Y%m%d") + "002"))
    assert codes(result) == [("identity.date_out_of_range", "number")]


@pytest.mark.parametrize("prefix", ["00", "99", "24", "10", "16", "38", "66", "72", "84"])
def test_bad_province_prefix(prefix: str) -> None:
    result = check("resident_id", full(prefix + "010519491231002"))
    assert codes(result) == [("identity.bad_province", "number")]


def test_county_code_need_not_exist() -> None:
    assert check("resident_id", full("11999919491231002")).valid


def test_independent_errors_are_all_reported() -> None:
    number = "99010519490230002" + "0"
    assert {code for code, _ in codes(check("resident_id", number))} >= {
        "identity.bad_province",
        "identity.bad_date",
    }
    wrong = mod11_2("99010519490230002")
    wrong_check = "99010519490230002" + ("1" if wrong != "1" else "2")
    assert [c for c, _ in codes(check("resident_id", wrong_check))] == [
        "identity.bad_province",
        "identity.bad_date",
        "identity.check_mismatch",
    ]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1101051949123100", "identity.bad_length"),
        ("1101051949123100211", "identity.bad_length"),
        ("11010519491231002Y", "identity.bad_chars"),
        ("1101051949A231002X", "identity.bad_chars"),
        ("110105-19491231-002X", "identity.bad_chars"),
        ("11010519491231002X号", "identity.bad_chars"),
    ],
)
def test_malformed_numbers_report_one_error(raw: str, code: str) -> None:
    assert codes(check("resident_id", raw)) == [(code, "number")]


def test_empty_number_is_required() -> None:
    assert codes(check("resident_id", " \u3000 ")) == [("identity.required", "number")]


def test_resident_with_foreign_nationality() -> None:
    result = check("resident_id", EXAMPLE, "USA")
    assert codes(result) == [("identity.nationality_mismatch", "nationality")]
    assert check("resident_id", EXAMPLE, "chn").valid


def test_number_and_nationality_errors_are_both_reported() -> None:
    result = check("resident_id", "110105194912310021", "XXX")
    assert codes(result) == [
        ("identity.check_mismatch", "number"),
        ("identity.unknown_nationality", "nationality"),
    ]


# --- 15-digit legacy numbers --------------------------------------------------


def test_fifteen_digits_upgrade_to_eighteen() -> None:
    assert upgrade_15("110105491231002") == EXAMPLE
    result = check("resident_id", "110105491231002")
    assert result.valid
    assert result.archive_no == EXAMPLE
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "2"
    assert result.region_code == "110105"


def test_fifteen_digits_with_bad_date() -> None:
    assert codes(check("resident_id", "110105490230002")) == [("identity.bad_date", "number")]


@pytest.mark.parametrize("area", ["990000", "710000", "810000"])
def test_fifteen_digits_with_bad_province(area: str) -> None:
    assert codes(check("resident_id", area + "491231002")) == [("identity.bad_province", "number")]


def test_fifteen_digits_only_for_resident_id() -> None:
    assert codes(check("hmt_residence_permit", "110105491231002")) == [("identity.bad_length", "number")]


def test_upgrade_rejects_other_input() -> None:
    with pytest.raises(ValueError):
        upgrade_15("11010549123100X")
    with pytest.raises(ValueError):
        check_char("1101051949123100")


# --- 港澳台居民居住证 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "region"),
    [("810000", "HKG"), ("820000", "MAC"), ("830000", "TWN")],
)
def test_hmt_permits(area: str, region: str) -> None:
    number = full(area + "19900515003")
    result = check("hmt_residence_permit", number)
    assert result.valid, result.errors
    assert result.archive_no == number
    assert result.birth_date == date(1990, 5, 15)
    assert result.sex == "1"
    assert result.region_code == area
    assert result.nationality == region
    assert check("hmt_residence_permit", number, region).valid
    assert check("hmt_residence_permit", number, "CHN").valid


def test_permit_with_wrong_check() -> None:
    number = full("81000019900515003")
    broken = number[:17] + ("0" if number[17] != "0" else "1")
    assert codes(check("hmt_residence_permit", broken)) == [("identity.check_mismatch", "number")]


def test_permit_with_other_area() -> None:
    result = check("hmt_residence_permit", full("81010019900515003"))
    assert codes(result) == [("identity.bad_permit_area", "number")]


def test_mainland_number_as_permit_hints_at_the_type() -> None:
    result = check("hmt_residence_permit", EXAMPLE)
    assert codes(result) == [("identity.bad_permit_area", "number")]
    assert "居民身份证" in result.errors[0].message


def test_permit_with_foreign_nationality() -> None:
    result = check("hmt_residence_permit", full("82000019900515004"), "USA")
    assert codes(result) == [("identity.nationality_mismatch", "nationality")]


def test_permit_number_typed_as_resident_id_is_accepted_as_permit() -> None:
    number = full("83000019900515004")
    result = check("resident_id", number)
    assert result.valid
    assert result.document_type is DocumentType.HMT_RESIDENCE_PERMIT
    assert result.nationality == "TWN"
    assert result.sex == "2"


def test_resident_id_with_81_prefix_and_other_area_is_rejected() -> None:
    result = check("resident_id", full("81010119900515004"))
    assert codes(result) == [("identity.bad_permit_area", "number")]


# --- 外国人永久居留身份证 -------------------------------------------------------


def test_foreign_2017_form() -> None:
    result = check("foreign_permanent_residence", "usa110085010112")
    assert result.valid, result.errors
    assert result.archive_no == "USA110085010112"
    assert result.nationality == "USA"
    assert result.birth_date is None  # the number has no century
    assert result.sex is None
    assert result.region_code is None
    assert check("foreign_permanent_residence", "USA110085010112", "USA").valid


def test_foreign_2017_leap_day_of_2000() -> None:
    assert check("foreign_permanent_residence", "DEU310000022901").valid


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("XYZ110085010112", [("identity.unknown_nationality", "number")]),
        ("CHN110085010112", [("identity.nationality_not_allowed", "number")]),
        ("USA110085023012", [("identity.bad_date", "number")]),
        ("USA110085130112", [("identity.bad_date", "number")]),
        ("USA990085010112", [("identity.bad_province", "number")]),
        ("US1110085010112", [("identity.bad_chars", "number")]),
        ("USA11008501011", [("identity.bad_length", "number")]),
    ],
)
def test_foreign_2017_errors(number: str, expected: list[tuple[str, str]]) -> None:
    assert codes(check("foreign_permanent_residence", number)) == expected


def test_foreign_2017_nationality_must_match_the_number() -> None:
    result = check("foreign_permanent_residence", "USA110085010112", "GBR")
    assert codes(result) == [("identity.nationality_mismatch", "nationality")]


def test_foreign_2023_form() -> None:
    number = full("91184019850101011")  # Beijing, 840 = USA, odd sex digit
    result = check("foreign_permanent_residence", number)
    assert result.valid, result.errors
    assert result.archive_no == number
    assert result.nationality == "USA"
    assert result.birth_date == date(1985, 1, 1)
    assert result.sex == "1"
    assert result.region_code is None
    female = full("93139220000229002")  # Shanghai, 392 = JPN
    result = check("foreign_permanent_residence", female, "JPN")
    assert (result.valid, result.nationality, result.sex) == (True, "JPN", "2")


@pytest.mark.parametrize(
    ("first17", "code"),
    [
        ("91199919850101011", "identity.unknown_nationality"),
        ("91115619850101011", "identity.nationality_not_allowed"),
        ("99984019850101011", "identity.bad_province"),
        ("91184019850230011", "identity.bad_date"),
        ("91184018991231011", "identity.date_out_of_range"),
    ],
)
def test_foreign_2023_errors(first17: str, code: str) -> None:
    assert codes(check("foreign_permanent_residence", full(first17))) == [(code, "number")]


def test_foreign_2023_wrong_check_and_wrong_start() -> None:
    number = full("91184019850101011")
    broken = number[:17] + ("0" if number[17] != "0" else "1")
    assert codes(check("foreign_permanent_residence", broken)) == [("identity.check_mismatch", "number")]
    assert codes(check("foreign_permanent_residence", EXAMPLE)) == [("identity.bad_format", "number")]


def test_foreign_2023_nationality_must_match_the_number() -> None:
    result = check("foreign_permanent_residence", full("91184019850101011"), "CAN")
    assert codes(result) == [("identity.nationality_mismatch", "nationality")]


# --- passports ----------------------------------------------------------------


def test_passport_with_nationality() -> None:
    result = check("passport", " e1234567 ", "usa")
    assert result.valid
    assert result.archive_no == "E1234567"
    assert result.nationality == "USA"
    assert result.birth_date is None and result.sex is None and result.region_code is None


def test_passport_without_nationality() -> None:
    assert codes(check("passport", "E1234567")) == [("identity.nationality_required", "nationality")]
    assert codes(check("passport", "E1234567", " ")) == [("identity.nationality_required", "nationality")]


def test_chinese_passport_is_refused() -> None:
    assert codes(check("passport", "E1234567", "CHN")) == [
        ("identity.nationality_not_allowed", "nationality")
    ]


@pytest.mark.parametrize("nationality", ["XYZ", "US", "U5A", "美国"])
def test_passport_with_unknown_nationality(nationality: str) -> None:
    assert codes(check("passport", "E1234567", nationality)) == [
        ("identity.unknown_nationality", "nationality")
    ]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("E123", "identity.bad_length"),
        ("E12345678901234567", "identity.bad_length"),
        ("E1234-567", "identity.bad_chars"),
        ("É1234567", "identity.bad_chars"),
    ],
)
def test_malformed_passports(number: str, code: str) -> None:
    assert codes(check("passport", number, "FRA")) == [(code, "number")]


def test_passport_length_bounds() -> None:
    assert check("passport", "A1234", "FRA").valid
    assert check("passport", "A" * 17, "FRA").valid


# --- legacy archive numbers ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "nationality"),
    [
        ("hk0012345", LegacyKind.HK, "HKG"),
        ("MO0054321", LegacyKind.MO, "MAC"),
        ("ＴＷ００９８７６", LegacyKind.TW, "TWN"),
        ("WJ 2001 0001", LegacyKind.WJ, None),
    ],
)
def test_legacy_archive_numbers_are_kept_and_classified(
    raw: str, kind: LegacyKind, nationality: str | None
) -> None:
    result = check("legacy_archive", raw)
    assert result.valid, result.errors
    assert result.archive_no == normalise_number(raw)
    assert result.archive_no.startswith(kind.value)
    assert result.legacy_kind is kind
    assert result.nationality == nationality
    assert result.birth_date is None and result.sex is None


def test_legacy_foreigner_takes_the_stated_nationality() -> None:
    assert check("legacy_archive", "WJ20010001", "DEU").nationality == "DEU"
    assert codes(check("legacy_archive", "WJ20010001", "CHN")) == [
        ("identity.nationality_mismatch", "nationality")
    ]


def test_legacy_region_must_match_nationality() -> None:
    assert check("legacy_archive", "HK0012345", "CHN").valid
    assert codes(check("legacy_archive", "HK0012345", "USA")) == [
        ("identity.nationality_mismatch", "nationality")
    ]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("AB0012345", "identity.bad_legacy_prefix"),
        (EXAMPLE, "identity.bad_legacy_prefix"),
        ("HK-001", "identity.bad_chars"),
        ("HK", "identity.bad_length"),
        ("HK" + "1" * 31, "identity.bad_length"),
    ],
)
def test_bad_legacy_numbers(raw: str, code: str) -> None:
    assert codes(check("legacy_archive", raw)) == [(code, "number")]


def test_legacy_number_typed_as_resident_id_gets_a_hint() -> None:
    result = check("resident_id", "HK0012345")
    assert codes(result) == [("identity.legacy_archive_number", "number")]
    assert "原会计从业资格档案号" in result.errors[0].message


# --- document type and shapes -------------------------------------------------


@pytest.mark.parametrize("kind", ["", "id_card", "RESIDENT_ID", "身份证"])
def test_unknown_document_type(kind: str) -> None:
    result = check(kind, EXAMPLE)
    assert codes(result) == [("identity.unknown_document_type", "document_type")]
    assert result.document_type is None
    assert result.as_dict()["valid"] is False


def test_every_error_has_a_chinese_message() -> None:
    samples = [
        check("resident_id", "110105194912310021", "XXX"),
        check("passport", "E1", None),
        check("foreign_permanent_residence", "CHN990085023012"),
        check("legacy_archive", "AB1"),
    ]
    for result in samples:
        for error in result.errors:
            assert isinstance(error, FieldError)
            assert any("\u4e00" <= c <= "\u9fff" for c in error.message)
            assert error.code.startswith("identity.")


def test_invalid_result_as_dict() -> None:
    assert check("resident_id", "110105194912310021").as_dict() == {
        "valid": False,
        "archive_no": None,
        "birth_date": None,
        "sex": None,
        "region_code": None,
        "errors": [
            {
                "code": "identity.check_mismatch",
                "field": "number",
                "message": "身份证号码校验位错误，请核对后重新输入",
            }
        ],
    }


def test_province_prefixes() -> None:
    expected = {
        *map(str, range(11, 16)),
        *map(str, range(21, 24)),
        *map(str, range(31, 38)),
        *map(str, range(41, 47)),
        *map(str, range(50, 55)),
        *map(str, range(61, 66)),
        "71",
        "81",
        "82",
        "83",
    }
    assert expected == PROVINCE_PREFIXES
    assert len(PROVINCE_PREFIXES) == 35


def test_normalise_number() -> None:
    assert normalise_number("\u3000ａｂ１２ｘ Ｘ\t") == "AB12XX"
