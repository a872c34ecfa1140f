"""Pure rules of the other registers: values in, a decision or a named message out.

Nothing here touches the database or a request. Models call the validators from
``clean()`` (so forms get them), services call them again, and tests assert on
the message constants. Statuses are worked out from dates whenever they are
shown, never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import models

from sendreg.lib.dates import DUE_SOON_DAYS, DueStatus, due_status
from sendreg.pupils.rules import address_is_protected, protected_addresses

#: How far ahead a review or an expiry counts as "due soon": sendreg's one window for every
#: dated duty (``lib.dates.DUE_SOON_DAYS``), so the registers agree with the deadline list.
SOON_DAYS = DUE_SOON_DAYS
#: The first year of secondary school: an arrangement for the Key Stage 2 tests ends here.
FIRST_SECONDARY_YEAR = 7


class KeyStage(models.TextChoices):
    KS2 = "KS2", "Key Stage 2 (Year 6 tests)"
    KS4 = "KS4", "Key Stage 4 (GCSE)"
    KS5 = "KS5", "Key Stage 5 (post-16)"


class Arrangement(models.TextChoices):
    EXTRA_TIME_25 = "extra_time_25", "25% extra time"
    EXTRA_TIME_50 = "extra_time_50", "50% extra time"
    READER = "reader", "Reader"
    SCRIBE = "scribe", "Scribe"
    REST_BREAKS = "rest_breaks", "Supervised rest breaks"
    WORD_PROCESSOR = "word_processor", "Word processor"
    SEPARATE_ROOM = "separate_room", "Separate room"
    PROMPTER = "prompter", "Prompter"
    COLOURED_OVERLAY = "coloured_overlay", "Coloured overlay"
    OTHER = "other", "Other"


# --- Messages -------------------------------------------------------------------------------

IHP_REVIEW_DATE_REQUIRED = (
    "An Individual Healthcare Plan needs a review date: plans are reviewed at least once a year."
)
IHP_REVIEW_DATE_WITHOUT_PLAN = (
    "A review date is only kept for an Individual Healthcare Plan. Tick the box for the plan, "
    "or clear the date."
)
EAL_STARTED_BEFORE_BIRTH = (
    "The pupil cannot have started in English schools before they were born ({born:%d/%m/%Y})."
)
NOT_LOOKED_AFTER = (
    "{pupil} is not marked as looked after. Change their details (or the MIS) to say so first."
)
PEP_REVIEW_BEFORE_PEP = "The next PEP review cannot be before the latest PEP ({pep:%d/%m/%Y})."
DESIGNATED_TEACHER_TWICE = (
    "Choose the designated teacher from the list or type their name, not both."
)
STAFF_NOT_IN_SCHOOL = "{name} is not a member of staff at this school."
CONCERN_REVIEW_BEFORE_START = (
    "The review date must be on or after the day the concern started ({start:%d/%m/%Y})."
)
ARRANGEMENT_OTHER_NEEDS_TEXT = "Say what the other arrangement is."
ARRANGEMENT_TEXT_ONLY_FOR_OTHER = (
    "Describe the arrangement here only when you choose “Other”; otherwise leave this empty."
)
ARRANGEMENT_EXPIRES_BEFORE_APPROVAL = (
    "The expiry date cannot be before the approval date ({approved:%d/%m/%Y})."
)
END_BEFORE_START = "It cannot end before it started ({start:%d/%m/%Y})."
END_REASON_REQUIRED = "Say why it ended."
ALREADY_ENDED = "This was already ended on {ended:%d/%m/%Y}."
ALREADY_RECORDED = "{pupil} already has {what} recorded: change them instead."
NOTHING_RECORDED = "{pupil} has no {what} recorded, so there is nothing to clear."

#: Why an exam access arrangement has the status it has.
ARRANGEMENT_KS2_NOT_CARRIED = (
    "Granted for the Key Stage 2 tests: it does not carry into Year 7. The secondary school "
    "assesses the pupil again."
)
ARRANGEMENT_EXPIRED = "Expired on {expires:%d/%m/%Y}."
ARRANGEMENT_EXPIRES_SOON = "Expires on {expires:%d/%m/%Y}, within {days} days."
ARRANGEMENT_VALID_UNTIL = "Valid until {expires:%d/%m/%Y}."
ARRANGEMENT_NO_EXPIRY = "Approved on {approved:%d/%m/%Y}, with no expiry date."


# --- Validators (called from Model.clean() and the services) --------------------------------


def validate_ihp(*, has_ihp: bool, review_date: dt.date | None) -> None:
    """An Individual Healthcare Plan has a review date; a condition without one has none."""
    if has_ihp and review_date is None:
        raise ValidationError({"ihp_review_date": IHP_REVIEW_DATE_REQUIRED})
    if not has_ihp and review_date is not None:
        raise ValidationError({"ihp_review_date": IHP_REVIEW_DATE_WITHOUT_PLAN})


def validate_eal(*, started: dt.date | None, date_of_birth: dt.date | None) -> None:
    if started is not None and date_of_birth is not None and started < date_of_birth:
        raise ValidationError(
            {"started_in_english_schools": EAL_STARTED_BEFORE_BIRTH.format(born=date_of_birth)}
        )


def validate_looked_after(*, looked_after: bool, pupil: str) -> None:
    """Looked-after details are kept only for a pupil marked as looked after."""
    if not looked_after:
        raise ValidationError(NOT_LOOKED_AFTER.format(pupil=pupil))


def validate_pep(
    *, pep_date: dt.date | None, pep_review_date: dt.date | None, has_teacher: bool, name: str
) -> None:
    errors: dict[str, str] = {}
    if pep_date is not None and pep_review_date is not None and pep_review_date < pep_date:
        errors["pep_review_date"] = PEP_REVIEW_BEFORE_PEP.format(pep=pep_date)
    if has_teacher and name.strip():
        errors["designated_teacher_name"] = DESIGNATED_TEACHER_TWICE
    if errors:
        raise ValidationError(errors)


def validate_concern(*, started_on: dt.date | None, review_date: dt.date | None) -> None:
    if started_on is not None and review_date is not None and review_date < started_on:
        raise ValidationError({"review_date": CONCERN_REVIEW_BEFORE_START.format(start=started_on)})


def validate_arrangement(
    *,
    arrangement: str,
    other: str,
    approved_on: dt.date | None,
    expires_on: dt.date | None,
) -> None:
    errors: dict[str, str] = {}
    if arrangement == Arrangement.OTHER and not other.strip():
        errors["other_arrangement"] = ARRANGEMENT_OTHER_NEEDS_TEXT
    elif arrangement and arrangement != Arrangement.OTHER and other.strip():
        errors["other_arrangement"] = ARRANGEMENT_TEXT_ONLY_FOR_OTHER
    if approved_on is not None and expires_on is not None and expires_on < approved_on:
        errors["expires_on"] = ARRANGEMENT_EXPIRES_BEFORE_APPROVAL.format(approved=approved_on)
    if errors:
        raise ValidationError(errors)


def validate_end(
    *, on: dt.date, reason: str, started_on: dt.date | None, ended_on: dt.date | None
) -> None:
    """Ending a record: once, with a reason, not before it started."""
    if ended_on is not None:
        raise ValidationError(ALREADY_ENDED.format(ended=ended_on))
    errors: dict[str, str] = {}
    if started_on is not None and on < started_on:
        errors["on"] = END_BEFORE_START.format(start=started_on)
    if not reason.strip():
        errors["reason"] = END_REASON_REQUIRED
    if errors:
        raise ValidationError(errors)


# --- Statuses worked out from dates -------------------------------------------------------


class ReviewStatus(StrEnum):
    NOT_SET = "not_set"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    NOT_DUE = "not_due"

    @property
    def label(self) -> str:
        return {
            ReviewStatus.NOT_SET: "No date set",
            ReviewStatus.OVERDUE: "Overdue",
            ReviewStatus.DUE_SOON: f"Due within {SOON_DAYS} days",
            ReviewStatus.NOT_DUE: "Not due yet",
        }[self]

    @property
    def due(self) -> bool:
        """Overdue or due soon: what a "review due" filter shows."""
        return self in (ReviewStatus.OVERDUE, ReviewStatus.DUE_SOON)


def review_status(*, due: dt.date | None, today: dt.date) -> ReviewStatus:
    """Where a review (an IHP, a PEP, a cause for concern) stands on ``today``.

    A review dated today is due, not overdue: it becomes overdue the day after.
    """
    if due is None:
        return ReviewStatus.NOT_SET
    return _REVIEW_STATUS[due_status(due, today=today)]


_REVIEW_STATUS = {
    DueStatus.OVERDUE: ReviewStatus.OVERDUE,
    DueStatus.DUE_SOON: ReviewStatus.DUE_SOON,
    DueStatus.UPCOMING: ReviewStatus.NOT_DUE,
}


class ArrangementState(StrEnum):
    CURRENT = "current"
    EXPIRING = "expiring"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            ArrangementState.CURRENT: "Current",
            ArrangementState.EXPIRING: f"Due to expire within {SOON_DAYS} days",
            ArrangementState.EXPIRED: "Expired",
        }[self]

    @property
    def in_force(self) -> bool:
        """Current or expiring: the arrangement still applies in exams today."""
        return self != ArrangementState.EXPIRED


@dataclass(frozen=True)
class ArrangementStatus:
    state: ArrangementState
    reason: str

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def in_force(self) -> bool:
        return self.state.in_force

    @property
    def expiring(self) -> bool:
        return self.state == ArrangementState.EXPIRING


def arrangement_status(
    *,
    key_stage: str,
    approved_on: dt.date,
    expires_on: dt.date | None,
    pupil_year: int | None,
    today: dt.date,
) -> ArrangementStatus:
    """Whether an exam access arrangement still applies on ``today``, and why.

    An arrangement for the Key Stage 2 tests does not carry into secondary school:
    once the pupil is in Year 7 it has expired, whatever its expiry date says. An
    arrangement is valid up to and including its expiry date, and is due to expire
    when that date is within ``SOON_DAYS`` days.
    """
    if key_stage == KeyStage.KS2 and pupil_year is not None and pupil_year >= FIRST_SECONDARY_YEAR:
        return ArrangementStatus(ArrangementState.EXPIRED, ARRANGEMENT_KS2_NOT_CARRIED)
    if expires_on is None:
        return ArrangementStatus(
            ArrangementState.CURRENT, ARRANGEMENT_NO_EXPIRY.format(approved=approved_on)
        )
    expiry = due_status(expires_on, today=today)
    if expiry == DueStatus.OVERDUE:
        return ArrangementStatus(
            ArrangementState.EXPIRED, ARRANGEMENT_EXPIRED.format(expires=expires_on)
        )
    if expiry == DueStatus.DUE_SOON:
        return ArrangementStatus(
            ArrangementState.EXPIRING,
            ARRANGEMENT_EXPIRES_SOON.format(expires=expires_on, days=SOON_DAYS),
        )
    return ArrangementStatus(
        ArrangementState.CURRENT, ARRANGEMENT_VALID_UNTIL.format(expires=expires_on)
    )


class AddressProtection(StrEnum):
    NO_ADDRESS = "no_address"
    NONE = "none"
    PARTLY = "partly"
    ALL = "all"

    @property
    def label(self) -> str:
        return {
            AddressProtection.NO_ADDRESS: "No address recorded",
            AddressProtection.NONE: "No",
            AddressProtection.PARTLY: "Partly: some contacts' addresses are not protected",
            AddressProtection.ALL: "Yes",
        }[self]


def address_protection(contacts: Iterable[tuple[str, bool]]) -> AddressProtection:
    """Whether every contact address recorded for a pupil is protected, each contact given as
    (address, whether it is marked protected). An address counts as protected by the rule the
    letters and pages follow (``pupils.rules.address_is_protected``): marked itself, or the
    same address as one marked on another contact."""
    with_address = [(address, marked) for address, marked in contacts if address.strip()]
    protected = protected_addresses(with_address)
    withheld = sum(
        1
        for address, marked in with_address
        if address_is_protected(address=address, marked=marked, protected=protected)
    )
    if not with_address:
        return AddressProtection.NO_ADDRESS
    if withheld == 0:
        return AddressProtection.NONE
    if withheld < len(with_address):
        return AddressProtection.PARTLY
    return AddressProtection.ALL
