"""统一社会信用代码 (GB 32100-2015), used for employers in work history.

Only the structure the standard fixes is checked: 18 characters of its
charset, a 6-digit area code at positions 3–8 and the MOD 31 check character.
The registration-authority and category codes (positions 1–2) are checked only
against the charset: authorities have been added since 2015 (e.g. N for
农村集体经济组织), so a fixed list would reject real codes, and the check
character still catches a mistyped character there. The area is not checked
against provinces either, because central bodies use 100000.
"""

from __future__ import annotations

from registry.standard.errors import FieldError
from registry.standard.identity import normalise_number

__all__ = ["USCC_CHARSET", "check_uscc", "uscc_check_char"]

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_FIELD = "credit_code"


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of the first 17 characters."""
    if len(first17) != 17 or any(c not in _VALUES for c in first17):
        raise ValueError("uscc_check_char needs 17 characters of the USCC charset")
    total = sum(_VALUES[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_uscc(raw: str) -> tuple[str | None, tuple[FieldError, ...]]:
    """The normalised code, or None and the reasons it is not a valid code."""
    code = normalise_number(raw)
    if not code:
        return None, (FieldError("uscc.required", _FIELD, "请填写统一社会信用代码"),)
    bad = sorted({c for c in code if c not in _VALUES})
    if bad:
        shown = "、".join(bad)
        message = f"统一社会信用代码含有不允许的字符（{shown}）；代码不使用I、O、Z、S、V"
        return None, (FieldError("uscc.bad_chars", _FIELD, message),)
    if len(code) != 18:
        message = f"统一社会信用代码应为18位，当前为{len(code)}位"
        return None, (FieldError("uscc.bad_length", _FIELD, message),)
    errors: list[FieldError] = []
    if not code[2:8].isdigit():
        message = "统一社会信用代码第3至8位应为6位数字的行政区划码"
        errors.append(FieldError("uscc.bad_area", _FIELD, message))
    if uscc_check_char(code[:17]) != code[17]:
        message = "统一社会信用代码校验位错误，请核对后重新输入"
        errors.append(FieldError("uscc.check_mismatch", _FIELD, message))
    return (None, tuple(errors)) if errors else (code, ())
