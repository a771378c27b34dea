"""统一社会信用代码 (GB 32100-2015). Codes are built here, not taken from real organisations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.standard.uscc import check_uscc, uscc_check_char

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def mod31(first17: str) -> str:
    """Independent check: weight of position i is 3^i mod 31, as the standard derives its table."""
    total = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return CHARSET[-total % 31]


def build(first17: str) -> str:
    return first17 + mod31(first17)


def codes(raw: str) -> list[str]:
    return [e.code for e in check_uscc(raw)[1]]


@pytest.mark.parametrize(
    "first17",
    [
        "91440300MA5F00001",  # enterprise
        "12110000400000001",  # public institution
        "51330100500000001",  # social organisation
        "Y2100000000000001",  # other authority
        "N2320582MA0000001",  # rural collective
        "11100000000000001",  # central body, area 100000
    ],
)
def test_valid_codes(first17: str) -> None:
    code = build(first17)
    assert check_uscc(code) == (code, ())
    assert uscc_check_char(first17) == code[17]


def test_normalises_like_identity_numbers() -> None:
    code = build("91440300MA5F00001")
    typed = " " + "".join(chr(ord(c) + 0xFEE0) for c in code[:9]).lower() + "\u3000" + code[9:].lower()
    assert check_uscc(typed) == (code, ())


def test_wrong_check_character() -> None:
    code = build("91440300MA5F00001")
    wrong = CHARSET[(CHARSET.index(code[17]) + 1) % 31]
    normalised, errors = check_uscc(code[:17] + wrong)
    assert normalised is None
    assert [(e.code, e.field) for e in errors] == [("uscc.check_mismatch", "credit_code")]
    assert errors[0].message == "统一社会信用代码校验位错误，请核对后重新输入"


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "号"])
def test_characters_outside_the_charset(bad: str) -> None:
    code = build("91440300MA5F00001")
    assert codes(code[:10] + bad + code[11:]) == ["uscc.bad_chars"]


@pytest.mark.parametrize("raw", ["91440300MA5F0000", "91440300MA5F00001XX", "9"])
def test_wrong_length(raw: str) -> None:
    assert codes(raw) == ["uscc.bad_length"]


def test_empty() -> None:
    assert codes(" ") == ["uscc.required"]


def test_area_must_be_digits() -> None:
    assert codes(build("9144A300MA5F00001")) == ["uscc.bad_area"]


def test_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        uscc_check_char("91440300MA5F0000I")
    with pytest.raises(ValueError):
        uscc_check_char("91440300")


@given(st.text(alphabet=CHARSET, min_size=17, max_size=17))
def test_check_char_matches_independent_implementation(first17: str) -> None:
    assert uscc_check_char(first17) == mod31(first17)


@given(
    st.text(alphabet=CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CHARSET, min_size=9, max_size=9),
    st.integers(min_value=0, max_value=17),
    st.integers(min_value=1, max_value=30),
)
def test_any_single_substitution_is_rejected(
    head: str, area: str, body: str, position: int, shift: int
) -> None:
    code = build(head + area + body)
    assert check_uscc(code) == (code, ())
    changed = code[:position] + CHARSET[(CHARSET.index(code[position]) + shift) % 31] + code[position + 1 :]
    assert check_uscc(changed)[0] is None
