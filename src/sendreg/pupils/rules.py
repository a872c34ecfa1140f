"""Pure rules about pupils: no database, no requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from operator import mul

from django.core.exceptions import ValidationError

UPN_LENGTH = 13
_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # no I, O or S
#: What each of characters 2 to 13 counts for in the check letter, and their weights (2 to 13).
#: Looked up rather than worked out: every page that checks UPNs checks the whole school's.
_CHARACTER_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **{letter: value for value, letter in enumerate(_CHECK_LETTERS)},
}
_WEIGHTS = range(2, 14)

UPN_MISSING = "The UPN is missing."
UPN_WRONG_LENGTH = "A UPN has 13 characters; {upn!r} has {length}."
UPN_BAD_CHARACTERS = (
    "A UPN is a check letter, then 11 digits, then a digit or a letter "
    "(a temporary UPN); {upn!r} is not."
)
UPN_WRONG_CHECK_LETTER = "The UPN {upn!r} has check letter {given}, but its digits need {expected}."


def shown_forename(legal: str, preferred: str | None) -> str:
    """The forename sendreg shows: the one the pupil prefers where recorded, else the legal one
    (``selectors.BY_SHOWN_NAME`` sorts by the same, in SQL)."""
    return preferred or legal


def shown_surname(legal: str, preferred: str | None) -> str:
    """The surname sendreg shows, as ``shown_forename``."""
    return preferred or legal


def shown_name(
    legal_forename: str,
    legal_surname: str,
    preferred_forename: str | None,
    preferred_surname: str | None,
) -> str:
    """How sendreg names a pupil on every page and export: "Liv Baker"."""
    return (
        f"{shown_forename(legal_forename, preferred_forename)} "
        f"{shown_surname(legal_surname, preferred_surname)}"
    )


def upn_check_letter(upn: str) -> str:
    """The check letter for characters 2 to 13 of ``upn`` (the DfE's modulus 23 scheme).

    Each of characters 2 to 13 is multiplied by its position (2 to 13); a
    trailing letter (a temporary UPN) counts by its place among the check letters.
    """
    try:
        total = sum(map(mul, _WEIGHTS, map(_CHARACTER_VALUES.__getitem__, upn[1:UPN_LENGTH])))
    except KeyError:
        raise ValueError(f"{upn!r} has a character that a UPN cannot carry.") from None
    return _CHECK_LETTERS[total % 23]


def validate_upn(upn: str) -> None:
    """Raise a ValidationError that says exactly what is wrong with ``upn``."""
    if not upn:
        raise ValidationError(UPN_MISSING, code="upn_missing")
    if len(upn) != UPN_LENGTH:
        raise ValidationError(UPN_WRONG_LENGTH.format(upn=upn, length=len(upn)), code="upn_length")
    last = upn[-1]
    # isdecimal() alone would let through digits from other scripts, which int() cannot read.
    if (
        not upn.isascii()
        or upn[0] not in _CHECK_LETTERS
        or not upn[1:12].isdecimal()
        or not (last.isdecimal() or last in _CHECK_LETTERS)
    ):
        raise ValidationError(UPN_BAD_CHARACTERS.format(upn=upn), code="upn_characters")
    expected = upn_check_letter(upn)
    if upn[0] != expected:
        raise ValidationError(
            UPN_WRONG_CHECK_LETTER.format(upn=upn, given=upn[0], expected=expected),
            code="upn_check_letter",
        )


def normalise_upn(value: str) -> str:
    return "".join(value.split()).upper()


def make_upn(la: int, estab: int, year: int, serial: int) -> str:
    """A valid permanent UPN from its parts (used by the demo school and tests)."""
    body = f"{la:03d}{estab:04d}{year % 100:02d}{serial:03d}"
    return upn_check_letter("?" + body) + body


# --- Who is on roll -------------------------------------------------------------------


def on_roll_on(*, admission: dt.date | None, leaving: dt.date | None, day: dt.date) -> bool:
    """Whether a pupil is on roll on ``day``: admitted by then (or no date recorded) and not
    yet left (a leaving date is the first day off roll).

    ``pupils.selectors.on_roll`` builds the same test as SQL; tests hold the two together.
    """
    admitted = admission is None or admission <= day
    still_here = leaving is None or leaving > day
    return admitted and still_here


# --- Parents and addresses ------------------------------------------------------------


def is_parent_in_law(*, parental_responsibility: bool, has_care: bool) -> bool:
    """A parent for education law (Education Act 1996 s.576): anyone with parental
    responsibility or who has care of the child (a foster carer, say). Letters go to each."""
    return parental_responsibility or has_care


def normalised_address(address: str) -> str:
    """An address with case, punctuation and spacing set aside, to tell when the same
    address was typed twice."""
    return " ".join("".join(c if c.isalnum() else " " for c in address.casefold()).split())


def protected_addresses(contacts: Iterable[tuple[str, bool]]) -> frozenset[str]:
    """The normalised protected addresses among a pupil's contacts, each given as
    (address, whether it is marked protected)."""
    return frozenset(
        normalised_address(address) for address, protected in contacts if protected and address
    )


def address_is_protected(*, address: str, marked: bool, protected: frozenset[str]) -> bool:
    """Whether a contact's address must be withheld: marked protected itself, or the same
    address as one marked protected on another contact of the pupil (a foster carer's
    address typed again on a second contact is still the child's protected address)."""
    return marked or (bool(address.strip()) and normalised_address(address) in protected)


# --- Attendance -----------------------------------------------------------------------

#: A pupil whose attendance is at or below this percentage has missed 10% or more of their
#: possible sessions: persistently absent, in the DfE's definition.
PERSISTENT_ABSENCE_AT_OR_BELOW = Decimal("90")


def persistently_absent(attendance: Decimal | None) -> bool:
    """Whether attendance (a percentage of possible sessions) makes a pupil persistently
    absent: 90% or below, that is 10% or more of sessions missed. Unknown attendance is not."""
    return attendance is not None and attendance <= PERSISTENT_ABSENCE_AT_OR_BELOW


# --- Year groups ----------------------------------------------------------------------

#: The national curriculum years as numbers: nursery 1 and 2 are -2 and -1, Reception 0.
EVERY_YEAR = range(-2, 15)

#: The years each phase teaches, by the census phase code of ``accounts.models.School.Phase``
#: (kept as text here so that the rules need no models; a test holds the two lists together).
PHASE_YEARS: dict[str, range] = {
    "NS": range(-2, 1),  # nursery: N1 to Reception
    "PS": range(0, 7),  # primary: Reception to Year 6
    "MS": range(5, 9),  # middle: Years 5 to 8
    "SS": range(7, 12),  # secondary: Years 7 to 11
    "AT": range(0, 14),  # all-through: Reception to Year 13
    "SP": EVERY_YEAR,  # special
    "PR": EVERY_YEAR,  # pupil referral unit
}


def year_range_for_phase(phase: str) -> range:
    """The year groups a school of ``phase`` teaches: secondary 7 to 11, all-through
    Reception to 13, primary Reception to 6, nursery N1 to Reception, middle 5 to 8;
    special schools, pupil referral units and an unknown phase every year."""
    return PHASE_YEARS.get(phase, EVERY_YEAR)


def years_offered(phase: str, on_roll: Iterable[int | None]) -> list[int]:
    """The year groups to offer in a filter or a form: the phase's years and any year a
    pupil on roll is actually in (a sixth-former kept on in an 11-16 school, say), in order."""
    return sorted(set(year_range_for_phase(phase)) | {y for y in on_roll if y is not None})
