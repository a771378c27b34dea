"""Properties of the identity rules, and a differential test of the GB 11643 check."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.standard.identity import (
    PROVINCE_PREFIXES,
    check_char,
    check_identity,
    normalise_number,
)

TODAY = date(2025, 6, 30)
RESIDENT_PREFIXES = sorted(PROVINCE_PREFIXES - {"81", "82", "83"})
FIFTEEN_DIGIT_PREFIXES = sorted(set(RESIDENT_PREFIXES) - {"71"})  # 15-digit numbers predate 71
PERMIT_AREAS = ["810000", "820000", "830000"]

# ISO 7064 MOD 11-2: the weight of position i (0-based, from the left) is 2^(17-i) mod 11,
# and the check makes the weighted sum of all 18 values (X = 10, weight 1) ≡ 1 (mod 11).
POWER_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def independent_check(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, POWER_WEIGHTS, strict=True))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


def is_consistent(number: str) -> bool:
    last = 10 if number[17] == "X" else int(number[17])
    return (sum(int(d) * w for d, w in zip(number, POWER_WEIGHTS, strict=False)) + last) % 11 == 1


births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


def areas(prefixes: list[str]) -> st.SearchStrategy[str]:
    rest = st.text(alphabet="0123456789", min_size=4, max_size=4)
    return st.builds(lambda prefix, tail: prefix + tail, st.sampled_from(prefixes), rest)


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, str, date, str]:
    area = draw(areas(RESIDENT_PREFIXES))
    born = draw(births)
    seq = draw(sequences)
    first17 = area + born.strftime("%Y%m%d") + seq
    return first17 + independent_check(first17), area, born, seq


@given(valid_numbers())
def test_generated_valid_numbers_validate_and_round_trip(case: tuple[str, str, date, str]) -> None:
    number, area, born, seq = case
    result = check_identity("resident_id", number, today=TODAY)
    assert result.valid, result.errors
    assert result.archive_no == number
    assert result.birth_date == born
    assert result.region_code == area
    assert result.sex == ("1" if int(seq[2]) % 2 else "2")


@given(st.sampled_from(PERMIT_AREAS), births, sequences)
def test_generated_permits_validate(area: str, born: date, seq: str) -> None:
    first17 = area + born.strftime("%Y%m%d") + seq
    result = check_identity("hmt_residence_permit", first17 + independent_check(first17), today=TODAY)
    assert result.valid, result.errors
    assert (result.birth_date, result.region_code) == (born, area)


@given(
    areas(FIFTEEN_DIGIT_PREFIXES),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    sequences,
)
def test_fifteen_digit_numbers_upgrade(area: str, born: date, seq: str) -> None:
    number15 = area + born.strftime("%y%m%d") + seq
    first17 = area + born.strftime("%Y%m%d") + seq
    result = check_identity("resident_id", number15, today=TODAY)
    assert result.valid, result.errors
    assert result.archive_no == first17 + independent_check(first17)
    assert result.birth_date == born


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_substitution_is_rejected(
    case: tuple[str, str, date, str], position: int, shift: int
) -> None:
    number = case[0]
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == number[position]:
        new = alphabet[(old + 1) % len(alphabet)]
    changed = number[:position] + new + number[position + 1 :]
    assert not check_identity("resident_id", changed, today=TODAY).valid


@settings(max_examples=3000)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_matches_independent_implementation(first17: str) -> None:
    assert check_char(first17) == independent_check(first17)


@settings(max_examples=3000)
@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.sampled_from("0123456789X"),
)
def test_check_mismatch_reported_exactly_when_inconsistent(first17: str, last: str) -> None:
    number = first17 + last
    result = check_identity("resident_id", number, today=TODAY)
    reported = any(e.code == "identity.check_mismatch" for e in result.errors)
    assert reported == (not is_consistent(number))


@given(st.text())
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise_number(raw)
    assert normalise_number(once) == once
    assert not any(c.isspace() for c in once)


@given(st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
def test_full_width_input_normalises_like_ascii(raw: str) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in raw)
    assert normalise_number(wide) == normalise_number(raw) == raw.upper()


@given(valid_numbers(), st.lists(st.sampled_from([" ", "\u3000", "\t"]), max_size=3))
def test_whitespace_anywhere_is_ignored(case: tuple[str, str, date, str], spaces: list[str]) -> None:
    number = case[0]
    padded = "".join(spaces) + number[:6] + "".join(spaces) + number[6:].lower()
    assert check_identity("resident_id", padded, today=TODAY).archive_no == number
