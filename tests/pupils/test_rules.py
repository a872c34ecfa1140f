"""The UPN check letter: pure rules, no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sendreg.pupils import rules
from sendreg.pupils.rules import make_upn, normalise_upn, upn_check_letter, validate_upn

VALID = "B801200005001"


def message(upn: str) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_upn(upn)
    [text] = exc.value.messages
    return text


def test_known_upn_is_valid() -> None:
    validate_upn(VALID)
    assert upn_check_letter(VALID) == "B"


def test_wrong_check_letter_names_the_expected_letter() -> None:
    assert message("C801200005001") == rules.UPN_WRONG_CHECK_LETTER.format(
        upn="C801200005001", given="C", expected="B"
    )
    assert "need B" in message("C801200005001")


def test_missing_upn_is_refused() -> None:
    assert message("") == rules.UPN_MISSING


@pytest.mark.parametrize("upn", ["B80120000500", "B8012000050011", "B"])
def test_upn_of_wrong_length_is_refused(upn: str) -> None:
    assert message(upn) == rules.UPN_WRONG_LENGTH.format(upn=upn, length=len(upn))


@pytest.mark.parametrize(
    "upn",
    [
        "1801200005001",  # no check letter
        "I801200005001",  # I is not a check letter
        "O801200005001",  # nor O
        "S801200005001",  # nor S
        "B8012000X5001",  # a letter among the digits
        "B80120000500-",  # punctuation at the end
        "B80120000500I",  # a temporary UPN cannot end in I, O or S
        "b801200005001",  # lower case: normalise first
    ],
)
def test_upn_with_bad_characters_is_refused(upn: str) -> None:
    assert message(upn) == rules.UPN_BAD_CHARACTERS.format(upn=upn)


def test_temporary_upn_ending_in_a_letter_is_valid() -> None:
    body = "80120002500A"
    # The trailing letter counts by its place among the check letters: A is 0.
    total = sum(int(c) * w for c, w in zip(body[:-1], range(2, 13), strict=True))
    upn = "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23] + body
    validate_upn(upn)


def test_temporary_upn_letter_is_weighted_by_its_place() -> None:
    # Changing the final letter from A (0) to B (1) adds 13 to the sum.
    upn_a = upn_check_letter("?80120002500A") + "80120002500A"
    upn_b = upn_check_letter("?80120002500B") + "80120002500B"
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    assert (letters.index(upn_b[0]) - letters.index(upn_a[0])) % 23 == 13
    validate_upn(upn_a)
    validate_upn(upn_b)


def test_normalise_upn_strips_spaces_and_upper_cases() -> None:
    assert normalise_upn(" b801 2000 05001 ") == VALID


def test_make_upn_builds_the_known_upn() -> None:
    assert make_upn(801, 2000, 2005, 1) == VALID


upn_parts = st.tuples(
    st.integers(0, 999), st.integers(0, 9999), st.integers(0, 2099), st.integers(0, 999)
)


@given(parts=upn_parts)
def test_make_upn_always_validates(parts: tuple[int, int, int, int]) -> None:
    upn = make_upn(*parts)
    assert len(upn) == 13
    validate_upn(upn)


def test_weights_detect_every_single_digit_change() -> None:
    # Modulus 23 is prime and every weight (2 to 13) and digit change (1 to 9) is below it,
    # so weight * change is never a multiple of 23. Check it rather than trust it.
    assert all(
        (weight * change) % 23 != 0 for weight in range(2, 14) for change in range(-9, 10) if change
    )


@given(
    parts=upn_parts,
    position=st.integers(1, 12),
    shift=st.integers(1, 9),
)
def test_changing_any_one_digit_makes_a_upn_invalid(
    parts: tuple[int, int, int, int], position: int, shift: int
) -> None:
    upn = make_upn(*parts)
    digit = (int(upn[position]) + shift) % 10
    changed = upn[:position] + str(digit) + upn[position + 1 :]
    assert changed != upn
    with pytest.raises(ValidationError) as exc:
        validate_upn(changed)
    assert exc.value.code == "upn_check_letter"
