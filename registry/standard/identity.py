"""Identity document numbers (档案号): the one rule every path uses.

Forms, the API and imports all call `check_identity()`; nothing else may decide
whether a document number is acceptable (DOMAIN.md §3, ARCHITECTURE.md §4.1).

Decisions:

- A `resident_id` number whose province prefix is 81, 82 or 83 is really a
  港澳台居民居住证 number (the permits use the 公民身份号码 format with area
  810000/820000/830000). People pick the wrong type often and the number alone
  says what it is, so it is accepted, checked by the permit rules and reported
  with `document_type=HMT_RESIDENCE_PERMIT`; the caller stores that type.
  An 81/82/83 number with any other area is an error.
- 15-digit numbers are accepted only for `resident_id` with a mainland prefix
  (11–65, the only ones ever issued in that form); `archive_no` is the
  upgraded 18-digit number.
- The 2017 外国人永久居留身份证 carries the birth date as YYMMDD without the
  century. The date must be a real date in 19YY or 20YY, but `birth_date` is
  left empty rather than guessed; the 2023 form carries the full date and sex.
- `nationality` in the result is CHN for resident IDs, HKG/MAC/TWN for permits
  (a stated CHN is also accepted, as these are regions of China in GB/T 2659),
  and the code carried in a permanent-residence number. A stated nationality
  that contradicts the number is an error; so is CHN for a passport or a
  permanent-residence card, because Chinese citizens register with their
  resident ID.
- Legacy 会计从业资格 archive numbers (HK/MO/TW/WJ prefix): see
  docs/adr/0002-legacy-archive-numbers.md.
- An invalid result carries no extracted data, so no caller can store a
  half-checked number, date or sex.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import pycountry

from registry.standard.errors import FieldError

__all__ = [
    "PROVINCE_PREFIXES",
    "DocumentType",
    "IdentityResult",
    "LegacyKind",
    "check_char",
    "check_identity",
    "normalise_number",
    "upgrade_15",
]


class DocumentType(StrEnum):
    RESIDENT_ID = "resident_id"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
    PASSPORT = "passport"
    LEGACY_ARCHIVE = "legacy_archive"


class LegacyKind(StrEnum):
    HK = "HK"  # 香港居民
    MO = "MO"  # 澳门居民
    TW = "TW"  # 台湾居民
    WJ = "WJ"  # 外籍人员


_MAINLAND_PREFIXES: frozenset[str] = frozenset(
    f"{n}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
    )
)
PROVINCE_PREFIXES: frozenset[str] = _MAINLAND_PREFIXES | {"71", "81", "82", "83"}
_PERMIT_AREAS: dict[str, str] = {"810000": "HKG", "820000": "MAC", "830000": "TWN"}
_LEGACY_NATIONALITY: dict[LegacyKind, str | None] = {
    LegacyKind.HK: "HKG",
    LegacyKind.MO: "MAC",
    LegacyKind.TW: "TWN",
    LegacyKind.WJ: None,
}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")
_EARLIEST_BIRTH = date(1900, 1, 1)

_FULL_WIDTH = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
    }
)
# Numbers pasted from spreadsheets and web pages carry these invisible marks.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")

_RESIDENT = "身份证号码"
_PERMIT = "港澳台居民居住证号码"
_FOREIGN = "外国人永久居留身份证号码"
_PASSPORT = "护照号码"
_LEGACY = "原会计从业资格档案号"


def normalise_number(raw: str) -> str:
    """Full-width letters and digits to ASCII, no whitespace, upper case."""
    if raw.isascii() and raw.isalnum():  # the usual case: nothing to translate or strip
        return raw.upper()
    text = raw.translate(_FULL_WIDTH).upper()
    return "".join(c for c in text if not c.isspace() and c not in _INVISIBLE)


def check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    if len(first17) != 17 or not _all_digits(first17):
        raise ValueError("check_char needs exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def upgrade_15(number15: str) -> str:
    """The 18-digit form of a 15-digit number (all were issued to people born 19xx)."""
    if len(number15) != 15 or not _all_digits(number15):
        raise ValueError("upgrade_15 needs exactly 15 digits")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


@dataclass(frozen=True)
class IdentityResult:
    valid: bool
    archive_no: str | None
    birth_date: date | None
    sex: str | None
    region_code: str | None
    # None only when the requested type itself was unknown.
    document_type: DocumentType | None
    nationality: str | None
    errors: tuple[FieldError, ...]
    legacy_kind: LegacyKind | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "archive_no": self.archive_no,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "region_code": self.region_code,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass(frozen=True)
class _Found:
    archive_no: str
    document_type: DocumentType
    nationality: str | None
    birth_date: date | None = None
    sex: str | None = None
    region_code: str | None = None
    legacy_kind: LegacyKind | None = None


_Outcome = tuple[_Found | None, list[FieldError]]


def check_identity(
    document_type: str | DocumentType,
    number: str,
    nationality: str | None = None,
    *,
    today: date | None = None,
) -> IdentityResult:
    try:
        kind = DocumentType(document_type)
    except ValueError:
        error = FieldError(
            "identity.unknown_document_type", "document_type", "证件类型不正确，请从列表中选择"
        )
        return _result(None, None, [error])
    given, errors = _parse_nationality(nationality)
    if kind is DocumentType.PASSPORT and not normalise_number(nationality or ""):
        message = "使用护照登记的，请填写国籍"
        errors.append(_nationality_error("identity.nationality_required", message))
    num = normalise_number(number)
    if not num:
        errors.insert(0, _number_error("identity.required", "请填写证件号码"))
        return _result(kind, None, errors)
    found, number_errors = _CHECKERS[kind](num, given, today or date.today())
    return _result(kind, found, number_errors + errors)


def _result(kind: DocumentType | None, found: _Found | None, errors: list[FieldError]) -> IdentityResult:
    if errors or found is None:
        return IdentityResult(False, None, None, None, None, kind, None, tuple(errors))
    return IdentityResult(
        valid=True,
        archive_no=found.archive_no,
        birth_date=found.birth_date,
        sex=found.sex,
        region_code=found.region_code,
        document_type=found.document_type,
        nationality=found.nationality,
        errors=(),
        legacy_kind=found.legacy_kind,
    )


def _number_error(code: str, message: str) -> FieldError:
    return FieldError(code, "number", message)


def _nationality_error(code: str, message: str) -> FieldError:
    return FieldError(code, "nationality", message)


def _is_country(code: str) -> bool:
    return (
        len(code) == 3
        and code.isascii()
        and code.isalpha()
        and pycountry.countries.get(alpha_3=code) is not None
    )


def _parse_nationality(raw: str | None) -> tuple[str | None, list[FieldError]]:
    code = normalise_number(raw or "")
    if not code:
        return None, []
    if not _is_country(code):
        message = f"国籍/地区代码（{code}）无效，请按GB/T 2659（ISO 3166-1三位字母代码）填写"
        return None, [_nationality_error("identity.unknown_nationality", message)]
    return code, []


def _mismatch(given: str | None, allowed: set[str], stated: str) -> list[FieldError]:
    if given is None or given in allowed:
        return []
    message = f"填写的国籍/地区（{given}）与{stated}不一致，请核对"
    return [_nationality_error("identity.nationality_mismatch", message)]


def _gb11643_format(num: str, label: str, expected: str = "应为18位") -> FieldError | None:
    """Format of an 18-character 公民身份号码-style number; None when fine."""
    if not num.isascii() or not num.isalnum() or len(num) != 18:
        return _length_or_chars(num, label, expected)
    if not _all_digits(num[:17]) or num[17] not in _CHECK_CHARS:
        return _number_error("identity.bad_chars", f"{label}前17位应为数字，最后一位为数字或X")
    return None


def _length_or_chars(num: str, label: str, expected: str) -> FieldError:
    if not num.isascii() or not num.isalnum():
        return _number_error("identity.bad_chars", f"{label}只能包含数字和字母，请删除其他字符")
    return _number_error("identity.bad_length", f"{label}{expected}，当前为{len(num)}位")


def _birth(digits: str, label: str, today: date) -> tuple[date | None, list[FieldError]]:
    """Birth date from YYYYMMDD digits, within 1900-01-01 … today."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        message = f"{label}中的出生日期（{digits}）不是有效日期，请核对后重新输入"
        return None, [_number_error("identity.bad_date", message)]
    if born < _EARLIEST_BIRTH or born > today:
        message = f"{label}中的出生日期（{born.isoformat()}）应在1900年1月1日至今天之间，请核对"
        return None, [_number_error("identity.date_out_of_range", message)]
    return born, []


def _check_digit_errors(num: str, label: str) -> list[FieldError]:
    if check_char(num[:17]) == num[17]:
        return []
    return [_number_error("identity.check_mismatch", f"{label}校验位错误，请核对后重新输入")]


def _province_errors(prefix: str, allowed: frozenset[str], label: str, where: str) -> list[FieldError]:
    if prefix in allowed:
        return []
    message = f"{label}{where}（{prefix}）不是有效的省级行政区划代码，请核对"
    return [_number_error("identity.bad_province", message)]


def _all_digits(text: str) -> bool:
    # str.isdigit() also accepts other scripts' digits, which int() and the check reject.
    return bool(text) and set(text) <= _DIGITS


def _sex(digit: str) -> str:
    return "1" if int(digit) % 2 else "2"


def _check_resident(num: str, given: str | None, today: date) -> _Outcome:
    if _legacy_kind(num) is not None:
        message = f"该号码是{_LEGACY}，请将证件类型选为“{_LEGACY}”"
        return None, [_number_error("identity.legacy_archive_number", message)]
    if len(num) == 15 and _all_digits(num):
        return _check_resident_15(num, given, today)
    error = _gb11643_format(num, _RESIDENT, "应为18位（旧版为15位）")
    if error is not None:
        return None, [error]
    if num[:2] in {"81", "82", "83"}:
        return _check_permit(num, given, today)
    errors = _province_errors(num[:2], PROVINCE_PREFIXES, _RESIDENT, "前两位")
    born, date_errors = _birth(num[6:14], _RESIDENT, today)
    errors += date_errors + _check_digit_errors(num, _RESIDENT)
    errors += _mismatch(given, {"CHN"}, "居民身份证（中国）")
    found = _Found(num, DocumentType.RESIDENT_ID, "CHN", born, _sex(num[16]), num[:6])
    return found, errors


def _check_resident_15(num: str, given: str | None, today: date) -> _Outcome:
    errors = _province_errors(num[:2], _MAINLAND_PREFIXES, "15位" + _RESIDENT, "前两位")
    born, date_errors = _birth("19" + num[6:12], "15位" + _RESIDENT, today)
    errors += date_errors + _mismatch(given, {"CHN"}, "居民身份证（中国）")
    found = _Found(upgrade_15(num), DocumentType.RESIDENT_ID, "CHN", born, _sex(num[14]), num[:6])
    return found, errors


def _check_permit(num: str, given: str | None, today: date) -> _Outcome:
    error = _gb11643_format(num, _PERMIT)
    if error is not None:
        return None, [error]
    errors: list[FieldError] = []
    region = _PERMIT_AREAS.get(num[:6])
    if region is None:
        message = "港澳台居民居住证号码前6位应为810000（香港）、820000（澳门）或830000（台湾）"
        if num[:2] in _MAINLAND_PREFIXES:
            message += "；内地居民请将证件类型选为“居民身份证”"
        errors.append(_number_error("identity.bad_permit_area", message))
    born, date_errors = _birth(num[6:14], _PERMIT, today)
    errors += date_errors + _check_digit_errors(num, _PERMIT)
    if region is not None:
        errors += _mismatch(given, {region, "CHN"}, "居住证号码所属地区")
    found = _Found(num, DocumentType.HMT_RESIDENCE_PERMIT, region, born, _sex(num[16]), num[:6])
    return found, errors


def _check_foreign(num: str, given: str | None, today: date) -> _Outcome:
    if not num.isascii() or not num.isalnum():
        return None, [_length_or_chars(num, _FOREIGN, "")]
    if len(num) == 15:
        if num[:3].isalpha() and _all_digits(num[3:]):
            return _check_foreign_2017(num, given)
        message = f"{_FOREIGN}（2017版）应为3位字母加12位数字"
        return None, [_number_error("identity.bad_chars", message)]
    if len(num) != 18:
        return None, [_length_or_chars(num, _FOREIGN, "应为18位（2023版）或15位（2017版）")]
    if num[0] != "9":
        message = f"{_FOREIGN}（2023版）应以9开头；2017版为3位字母加12位数字"
        return None, [_number_error("identity.bad_format", message)]
    error = _gb11643_format(num, _FOREIGN)
    return (None, [error]) if error else _check_foreign_2023(num, given, today)


def _foreign_code_errors(code: str | None, shown: str) -> list[FieldError]:
    if code is None:
        message = f"{_FOREIGN}中的国籍代码（{shown}）无效，请核对"
        return [_number_error("identity.unknown_nationality", message)]
    if code == "CHN":
        message = f"{_FOREIGN}中的国籍不能为中国，中国公民请使用居民身份证"
        return [_number_error("identity.nationality_not_allowed", message)]
    return []


def _check_foreign_2017(num: str, given: str | None) -> _Outcome:
    letters = num[:3]
    code = letters if _is_country(letters) else None
    errors = _foreign_code_errors(code, letters)
    errors += _province_errors(num[3:5], _MAINLAND_PREFIXES, _FOREIGN, "第4至5位")
    yymmdd = num[7:13]
    if not any(_real_date(century + yymmdd) for century in ("19", "20")):
        message = f"{_FOREIGN}中的出生日期（{yymmdd}）不是有效日期，请核对后重新输入"
        errors.append(_number_error("identity.bad_date", message))
    if code is not None:
        errors += _mismatch(given, {code}, "证件号码中的国籍")
    return _Found(num, DocumentType.FOREIGN_PERMANENT_RESIDENCE, code), errors


def _real_date(yyyymmdd: str) -> bool:
    try:
        date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True


def _check_foreign_2023(num: str, given: str | None, today: date) -> _Outcome:
    country = pycountry.countries.get(numeric=num[3:6])
    code: str | None = country.alpha_3 if country is not None else None
    errors = _province_errors(num[1:3], _MAINLAND_PREFIXES, _FOREIGN, "第2至3位")
    errors += _foreign_code_errors(code, num[3:6])
    born, date_errors = _birth(num[6:14], _FOREIGN, today)
    errors += date_errors + _check_digit_errors(num, _FOREIGN)
    if code is not None:
        errors += _mismatch(given, {code}, "证件号码中的国籍")
    kind = DocumentType.FOREIGN_PERMANENT_RESIDENCE
    return _Found(num, kind, code, born, _sex(num[16])), errors


def _check_passport(num: str, given: str | None, today: date) -> _Outcome:
    errors: list[FieldError] = []
    if not num.isascii() or not num.isalnum():
        errors.append(_number_error("identity.bad_chars", f"{_PASSPORT}只能包含字母和数字"))
    elif not 5 <= len(num) <= 17:
        message = f"{_PASSPORT}应为5至17位字母或数字，当前为{len(num)}位"
        errors.append(_number_error("identity.bad_length", message))
    if given == "CHN":
        message = "中国公民请使用居民身份证登记，不能使用中国护照"
        errors.append(_nationality_error("identity.nationality_not_allowed", message))
    return _Found(num, DocumentType.PASSPORT, given), errors


def _legacy_kind(num: str) -> LegacyKind | None:
    try:
        return LegacyKind(num[:2])
    except ValueError:
        return None


def _check_legacy(num: str, given: str | None, today: date) -> _Outcome:
    if not num.isascii() or not num.isalnum():
        return None, [_number_error("identity.bad_chars", f"{_LEGACY}只能包含字母和数字")]
    kind = _legacy_kind(num)
    if kind is None:
        message = f"{_LEGACY}应以HK、MO、TW或WJ开头；身份证号码请将证件类型选为“居民身份证”"
        return None, [_number_error("identity.bad_legacy_prefix", message)]
    if not 3 <= len(num) <= 32:
        message = f"{_LEGACY}应为3至32位，当前为{len(num)}位"
        return None, [_number_error("identity.bad_length", message)]
    region = _LEGACY_NATIONALITY[kind]
    if region is None:
        errors = _mismatch(given, set(), "外籍人员档案号（WJ）") if given == "CHN" else []
        nationality = given
    else:
        errors = _mismatch(given, {region, "CHN"}, "档案号所属地区")
        nationality = region
    return _Found(num, DocumentType.LEGACY_ARCHIVE, nationality, legacy_kind=kind), errors


_CHECKERS: dict[DocumentType, Callable[[str, str | None, date], _Outcome]] = {
    DocumentType.RESIDENT_ID: _check_resident,
    DocumentType.HMT_RESIDENCE_PERMIT: _check_permit,
    DocumentType.FOREIGN_PERMANENT_RESIDENCE: _check_foreign,
    DocumentType.PASSPORT: _check_passport,
    DocumentType.LEGACY_ARCHIVE: _check_legacy,
}
