"""Pure rules of the graduated approach: values in, a decision or a named message out.

Nothing here touches the database or a request. Models call the validators from
``clean()`` (so forms get them), services call them again (so the demo and any
import do too), and tests assert on the message constants. Whether a review or a
meeting is due is worked out from dates whenever it is shown, never stored.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from django.core.exceptions import ValidationError
from django.db import models

from sendreg.lib import dates
from sendreg.lib.dates import DueStatus, due_status

#: What the school promises unless it says otherwise: three parent meetings a year, as in
#: the St Mary's policy (seed 004); the Code of Practice asks for at least one a term.
DEFAULT_MEETINGS_PER_YEAR = 3
MAX_MEETINGS_PER_YEAR = 12


# --- Choices ----------------------------------------------------------------------------------


class AssessmentSource(models.TextChoices):
    TEACHER = "teacher", "Teacher assessment"
    PROGRESS = "progress", "Progress data"
    ON_ENTRY = "on_entry", "Prior attainment on entry (KS1 or KS2 scores, reading or spelling age)"
    PARENTS = "parents", "The parents' view"
    PUPIL = "pupil", "The pupil's view"
    SPECIALIST = "specialist", "Specialist advice"
    OTHER = "other", "Other"


class OutcomeResult(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly", "Partly met"
    NOT_MET = "not_met", "Not met"


class Decision(models.TextChoices):
    CONTINUE = "continue", "Continue with a new plan"
    MONITORING = "monitoring", "Move to the monitoring list"
    SPECIALIST = "specialist", "Involve a specialist"
    EHC_ASSESSMENT = "ehc_assessment", "Ask for an EHC needs assessment"
    OFF_REGISTER = "off_register", "Come off the SEN register"


class Service(models.TextChoices):
    EDUCATIONAL_PSYCHOLOGIST = "ep", "Educational psychologist"
    SPEECH_AND_LANGUAGE = "salt", "Speech and language therapy"
    OCCUPATIONAL_THERAPY = "ot", "Occupational therapy"
    CAMHS = "camhs", "CAMHS (child and adolescent mental health services)"
    ADVISORY_TEACHER = "advisory", "Advisory teacher"
    SCHOOL_NURSE = "nurse", "School nurse"
    PHYSIOTHERAPY = "physio", "Physiotherapy"
    OTHER = "other", "Other"


class PassportField(models.TextChoices):
    """The parts of a one-page profile, each in the pupil's own voice."""

    ABOUT_ME = "about_me", "About me"
    GOOD_AT = "good_at", "What I am good at"
    MATTERS = "matters_to_me", "What matters to me"
    FIND_HARD = "find_hard", "What I find hard"
    HOW_TO_HELP = "how_to_help", "How to help me"


class SuggestionState(models.TextChoices):
    PENDING = "pending", "Waiting for the SENCO"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


#: Done, overdue, due soon or upcoming: sendreg's one status for every dated duty.
DeadlineStatus = DueStatus
#: A review or a meeting this close is "due soon" (the SENCO's two-week look-ahead).
DUE_SOON_DAYS = dates.DUE_SOON_DAYS


# --- Messages ---------------------------------------------------------------------------------

NOT_ELIGIBLE = (
    "{pupil} is neither on the SEN register nor on the monitoring list, so cannot have a "
    "support plan. Add them to one of them first."
)
ALREADY_OPEN = "{pupil} already has an open plan: review it before opening the next one."
PLAN_FROZEN = "This plan was reviewed on {reviewed:%d/%m/%Y}, so it can no longer be changed."
REVIEW_DATE_REQUIRED = "Every plan needs a date when it will be reviewed."
REVIEW_DATE_NOT_AFTER_OPENING = "The review date must be after the plan opens ({opened:%d/%m/%Y})."
OPENED_IN_FUTURE = "A plan cannot open after today."
OPENED_BEFORE_PREVIOUS_REVIEW = (
    "The new plan cannot open before the last one was reviewed ({reviewed:%d/%m/%Y})."
)
BY_WHEN_BEFORE_OPENING = (
    "The date for this outcome cannot be before the plan opens ({opened:%d/%m/%Y})."
)
OUTCOME_TEXT_REQUIRED = "Say what the outcome is."
REVIEWED_BEFORE_OPENING = "The review cannot be before the plan opened ({opened:%d/%m/%Y})."
REVIEWED_IN_FUTURE = "A review cannot be recorded for a day after today."
REVIEW_NEEDS_OUTCOMES = (
    "A plan with no outcomes cannot be reviewed: add what it set out to achieve."
)
RESULT_FOR_EVERY_OUTCOME = "Say for every outcome whether it was met, partly met or not met."
EVIDENCE_REQUIRED = "Give the evidence for this result."
DECISION_NEEDS_REGISTER = (
    "{pupil} is not on the SEN register, so they cannot be moved from it. Choose another decision."
)
DECISION_ALREADY_MONITORED = (
    "{pupil} is already on the monitoring list. Choose to continue with a new plan, involve a "
    "specialist or ask for an EHC needs assessment."
)
NO_OUTCOMES_CHOSEN = "A new plan starts with outcomes. Carry some over, or add new ones."
ASSESSMENT_IN_FUTURE = "An assessment cannot be dated after today."
MEETING_IN_FUTURE = "A meeting that has not happened yet cannot be recorded."
ATTENDEES_REQUIRED = "Say who came to the meeting."
OTHER_SERVICE_NEEDS_NAME = "Say which service it is."
SERVICE_NAME_ONLY_FOR_OTHER = "Name the service here only when you choose “Other”."
CONSENT_NEEDS_WHO = "Say who gave consent (a parent, or the young person at 16 or over)."
CONSENT_WHO_NEEDS_DATE = "Say when consent was given."
REFERRED_BEFORE_CONSENT = (
    "The referral cannot be before consent was given ({consent:%d/%m/%Y}). The parents must "
    "agree before a specialist is involved."
)
SHARED_BEFORE_REPORT = (
    "Recommendations cannot be shared before the report came ({received:%d/%m/%Y})."
)
DATE_IN_FUTURE = "This date is after today."
VISIT_BEFORE_REFERRAL = "A visit cannot be before the referral ({referred:%d/%m/%Y})."
REPORT_TYPE_REFUSED = (
    "The report must be a PDF or a Word document (.docx). This file is neither, whatever its "
    "name says."
)
REPORT_TOO_BIG = "The report is {size_mb} MB; the largest accepted is {limit_mb} MB."
REPORT_EMPTY = "The file is empty."
SUGGESTION_EMPTY = "Write what you would change it to."
SUGGESTION_DECIDED = "This suggestion was already {state}."
SUGGESTION_SAME = "That is what the passport already says."
MEETINGS_PER_YEAR_RANGE = "Say how many meetings a year the school promises: 1 to {most}."
ANNUAL_YEAR_UNKNOWN = "Choose an academic year the pupil was at the school."

#: Shown to the SENCO with the decision: what each one leads to next.
DECISION_NEXT: dict[str, str] = {
    Decision.CONTINUE: "Next: open the new plan, carrying over the outcomes you choose.",
    Decision.MONITORING: (
        "Next: take the pupil off the register and onto the monitoring list, then tell the parents."
    ),
    Decision.SPECIALIST: "Next: record the specialist's involvement, starting with consent.",
    Decision.EHC_ASSESSMENT: (
        "The decision is recorded. Ask the local authority for an EHC needs assessment; keep "
        "a plan open meanwhile."
    ),
    Decision.OFF_REGISTER: (
        "Next: take the pupil off the SEN register on the SEN record, then tell the parents."
    ),
}


# --- Deadlines --------------------------------------------------------------------------------


def deadline_status(*, due: dt.date, today: dt.date, done: bool = False) -> DeadlineStatus:
    """A plan's review, a meeting owed or a missing plan: done, overdue (the day has passed),
    due soon (within 14 days, today included) or upcoming. The rule itself is sendreg's one
    rule for dated duties, ``lib.dates.due_status``, so every app agrees on it."""
    return due_status(due, today=today, done=done)


# --- Terms and parent meetings ----------------------------------------------------------------

#: The three terms by the months they cover: autumn September to December, spring January
#: to March, summer April to August. Schools' own term dates differ by days, not terms.
TERM_MONTHS: tuple[tuple[str, int, int], ...] = (
    ("Autumn term", 9, 12),
    ("Spring term", 1, 3),
    ("Summer term", 4, 8),
)


@dataclass(frozen=True, order=True)
class SchoolTerm:
    start: dt.date
    end: dt.date
    #: 0 for autumn, 1 spring, 2 summer.
    index: int
    label: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def academic_year_start(day: dt.date) -> int:
    """The academic year by its first calendar year: 2025 is 2025/26 (September to August)."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


@cache
def terms_of(year: int) -> tuple[SchoolTerm, SchoolTerm, SchoolTerm]:
    """The three terms of academic year ``year`` (2025 is 2025/26)."""
    terms = []
    for index, (label, first, last) in enumerate(TERM_MONTHS):
        calendar_year = year if first >= 9 else year + 1
        start = dt.date(calendar_year, first, 1)
        following = dt.date(calendar_year + (last == 12), last % 12 + 1, 1)
        terms.append(SchoolTerm(start, following - dt.timedelta(days=1), index, label))
    return terms[0], terms[1], terms[2]


def term_of(day: dt.date) -> SchoolTerm:
    return next(t for t in terms_of(academic_year_start(day)) if t.covers(day))


def meetings_by_end_of_term(per_year: int, index: int) -> int:
    """How many meetings a school promising ``per_year`` has held by the end of term ``index``.

    Spread as evenly as whole meetings allow, earlier terms first: three a year is one a
    term; four is two in the autumn and one in each of the others.
    """
    return math.ceil(per_year * (index + 1) / len(TERM_MONTHS))


@dataclass(frozen=True)
class MeetingsDue:
    status: DeadlineStatus
    #: The end of the term by which the next meeting should have been held.
    due: dt.date
    held_this_year: int
    expected_this_year: int
    met_this_term: bool
    term: SchoolTerm


def meetings_due(
    *, per_year: int, since: dt.date, held: Iterable[dt.date], today: dt.date
) -> MeetingsDue:
    """Whether the parents of a pupil on SEN support since ``since`` are due a meeting.

    Meetings are counted over the academic year, from the term the pupil joined in (or
    the start of the year). The promise for each term is cumulative: missing one in the
    autumn leaves it owing (overdue) in the spring until it is made up.
    """
    year = academic_year_start(today)
    terms = terms_of(year)
    current = term_of(today)
    first = next((t.index for t in terms if t.covers(since)), 0) if since > terms[0].start else 0
    first = min(first, current.index)
    counted_from = terms[first].start
    dates = [d for d in held if counted_from <= d <= today]
    count = len(dates)
    before = meetings_by_end_of_term(per_year, first - 1) if first else 0

    def owed_by(index: int) -> int:
        return meetings_by_end_of_term(per_year, index) - before

    expected = owed_by(current.index)
    met_this_term = any(current.covers(d) for d in dates)
    if current.index > first and count < owed_by(current.index - 1):
        status = DeadlineStatus.OVERDUE
        due = terms[current.index - 1].end
    elif count < expected:
        due = current.end
        status = deadline_status(due=due, today=today)
    else:
        due = current.end
        status = DeadlineStatus.DONE
    return MeetingsDue(status, due, count, expected, met_this_term, current)


def validate_meetings_per_year(per_year: int) -> None:
    if not 1 <= per_year <= MAX_MEETINGS_PER_YEAR:
        raise ValidationError(MEETINGS_PER_YEAR_RANGE.format(most=MAX_MEETINGS_PER_YEAR))


# --- Plans --------------------------------------------------------------------------------------


def plan_eligible(*, on_register: bool, on_monitoring: bool) -> bool:
    """A plan is for a pupil on the SEN register (E or K) or on the monitoring list."""
    return on_register or on_monitoring


def validate_plan_open(*, reviewed_on: dt.date | None) -> None:
    """A reviewed plan is frozen: nothing in it changes again."""
    if reviewed_on is not None:
        raise ValidationError(PLAN_FROZEN.format(reviewed=reviewed_on))


def validate_plan_dates(
    *,
    opened_on: dt.date,
    review_date: dt.date | None,
    today: dt.date | None = None,
    previous_reviewed_on: dt.date | None = None,
) -> None:
    """The review date is set and after the opening; the opening is not in the future (when
    ``today`` is given) nor before the previous plan's review."""
    errors: dict[str, list[str]] = {}
    if today is not None and opened_on > today:
        errors.setdefault("opened_on", []).append(OPENED_IN_FUTURE)
    if previous_reviewed_on is not None and opened_on < previous_reviewed_on:
        errors.setdefault("opened_on", []).append(
            OPENED_BEFORE_PREVIOUS_REVIEW.format(reviewed=previous_reviewed_on)
        )
    if review_date is None:
        errors.setdefault("review_date", []).append(REVIEW_DATE_REQUIRED)
    elif review_date <= opened_on:
        errors.setdefault("review_date", []).append(
            REVIEW_DATE_NOT_AFTER_OPENING.format(opened=opened_on)
        )
    if errors:
        raise ValidationError(errors)


def validate_outcome(*, text: str, by_when: dt.date | None, opened_on: dt.date | None) -> None:
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = OUTCOME_TEXT_REQUIRED
    if by_when is not None and opened_on is not None and by_when < opened_on:
        errors["by_when"] = BY_WHEN_BEFORE_OPENING.format(opened=opened_on)
    if errors:
        raise ValidationError(errors)


def validate_not_future(*, day: dt.date, today: dt.date, message: str, field: str) -> None:
    if day > today:
        raise ValidationError({field: message})


# --- Reviews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressTests:
    """The four tests of adequate progress (Code of Practice 6.17), each answered at review."""

    similar_to_peers: bool
    matches_previous_rate: bool
    closes_gap: bool
    stops_gap_widening: bool


#: The tests as the review form asks them, in the Code's order.
PROGRESS_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("similar_to_peers", "Is progress similar to that of peers starting from the same baseline?"),
    ("matches_previous_rate", "Does it match or better the pupil's previous rate of progress?"),
    ("closes_gap", "Does it close the attainment gap between the pupil and their peers?"),
    ("stops_gap_widening", "Does it prevent the attainment gap growing wider?"),
)


def progress_adequate(tests: ProgressTests) -> bool:
    """Progress is adequate when it meets any one of the four tests."""
    return (
        tests.similar_to_peers
        or tests.matches_previous_rate
        or tests.closes_gap
        or tests.stops_gap_widening
    )


def validate_review(
    *,
    reviewed_on: dt.date,
    opened_on: dt.date,
    today: dt.date,
    outcome_ids: Sequence[int],
    results: dict[int, tuple[str, str]],
) -> None:
    """Dates in order, and a result with evidence for every outcome of the plan."""
    errors: dict[str, list[str]] = {}
    if reviewed_on < opened_on:
        errors.setdefault("reviewed_on", []).append(
            REVIEWED_BEFORE_OPENING.format(opened=opened_on)
        )
    if reviewed_on > today:
        errors.setdefault("reviewed_on", []).append(REVIEWED_IN_FUTURE)
    if not outcome_ids:
        errors.setdefault("__all__", []).append(REVIEW_NEEDS_OUTCOMES)
    for outcome_id in outcome_ids:
        result, evidence = results.get(outcome_id, ("", ""))
        if result not in OutcomeResult.values:
            errors.setdefault(f"result_{outcome_id}", []).append(RESULT_FOR_EVERY_OUTCOME)
        if not evidence.strip():
            errors.setdefault(f"evidence_{outcome_id}", []).append(EVIDENCE_REQUIRED)
    if errors:
        raise ValidationError(errors)


def validate_decision(*, decision: str, on_register: bool, on_monitoring: bool, pupil: str) -> None:
    """Moving off the register needs the pupil to be on it; onto monitoring, not to be there."""
    if decision in (Decision.MONITORING, Decision.OFF_REGISTER) and not on_register:
        if decision == Decision.MONITORING and on_monitoring:
            raise ValidationError({"decision": DECISION_ALREADY_MONITORED.format(pupil=pupil)})
        raise ValidationError({"decision": DECISION_NEEDS_REGISTER.format(pupil=pupil)})


def outcomes_to_carry(results: dict[int, str]) -> list[int]:
    """The outcomes the next plan offers to carry over by default: those not fully met."""
    return [pk for pk, result in results.items() if result != OutcomeResult.MET]


# --- Specialists ------------------------------------------------------------------------------


def validate_specialist(
    *,
    service: str,
    other_service: str,
    consent_on: dt.date | None,
    consent_by: str,
    referred_on: dt.date | None,
    report_received_on: dt.date | None,
    shared_with_parents_on: dt.date | None,
    shared_with_staff_on: dt.date | None,
    today: dt.date,
) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if service == Service.OTHER and not other_service.strip():
        add("other_service", OTHER_SERVICE_NEEDS_NAME)
    if service != Service.OTHER and other_service.strip():
        add("other_service", SERVICE_NAME_ONLY_FOR_OTHER)
    if consent_on is not None and not consent_by.strip():
        add("consent_by", CONSENT_NEEDS_WHO)
    if consent_on is None and consent_by.strip():
        add("consent_on", CONSENT_WHO_NEEDS_DATE)
    if referred_on is not None and consent_on is not None and referred_on < consent_on:
        add("referred_on", REFERRED_BEFORE_CONSENT.format(consent=consent_on))
    for name, day in (
        ("consent_on", consent_on),
        ("referred_on", referred_on),
        ("report_received_on", report_received_on),
        ("shared_with_parents_on", shared_with_parents_on),
        ("shared_with_staff_on", shared_with_staff_on),
    ):
        if day is not None and day > today:
            add(name, DATE_IN_FUTURE)
    for name, day in (
        ("shared_with_parents_on", shared_with_parents_on),
        ("shared_with_staff_on", shared_with_staff_on),
    ):
        if day is not None and report_received_on is not None and day < report_received_on:
            add(name, SHARED_BEFORE_REPORT.format(received=report_received_on))
    if errors:
        raise ValidationError(errors)


def validate_visit(*, visited_on: dt.date, referred_on: dt.date | None, today: dt.date) -> None:
    if visited_on > today:
        raise ValidationError({"visited_on": DATE_IN_FUTURE})
    if referred_on is not None and visited_on < referred_on:
        raise ValidationError({"visited_on": VISIT_BEFORE_REFERRAL.format(referred=referred_on)})


class ReportKind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"

    @property
    def content_type(self) -> str:
        if self is ReportKind.PDF:
            return "application/pdf"
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


#: A Word document is a zip holding this part; other zips (and .doc, .odt) are refused.
DOCX_BODY = "word/document.xml"


def report_kind(data: bytes) -> ReportKind | None:
    """What the file is by its content, never its name: a PDF, a DOCX, or neither.

    A PDF starts with ``%PDF-``. A DOCX is a zip whose directory lists the document
    body and the content types; nothing is extracted, only the directory is read.
    """
    if data.startswith(b"%PDF-"):
        return ReportKind.PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if DOCX_BODY in names and "[Content_Types].xml" in names:
            return ReportKind.DOCX
    return None


def validate_report(*, data: bytes, limit_bytes: int, size: int | None = None) -> ReportKind:
    """The report's kind, or the message saying why it cannot be kept.

    ``size`` is the file's real size when only its start was read (an upload far over
    the limit is never read whole).
    """
    size = len(data) if size is None else size
    if not data:
        raise ValidationError(REPORT_EMPTY)
    if size > limit_bytes:
        raise ValidationError(
            REPORT_TOO_BIG.format(
                size_mb=f"{size / 1_048_576:.1f}", limit_mb=f"{limit_bytes / 1_048_576:g}"
            )
        )
    kind = report_kind(data)
    if kind is None:
        raise ValidationError(REPORT_TYPE_REFUSED)
    return kind


# --- Passports ------------------------------------------------------------------------------


def validate_suggestion(*, text: str, current: str) -> None:
    if not text.strip():
        raise ValidationError({"text": SUGGESTION_EMPTY})
    if text.strip() == current.strip():
        raise ValidationError({"text": SUGGESTION_SAME})


def validate_suggestion_pending(*, state: str) -> None:
    if state != SuggestionState.PENDING:
        raise ValidationError(SUGGESTION_DECIDED.format(state=SuggestionState(state).label.lower()))
