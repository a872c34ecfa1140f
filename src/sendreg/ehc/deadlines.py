"""The statutory clock of the EHC process: every duty's date, worked out from the events.

Pure: no database, no request. Each duty has a stable ``key`` within the pupil's record
(the kind and the event it runs from), so that the SENCO's change of its date, kept
elsewhere, finds it again. A duty is met ("done") by the event that meets it; a duty
that a later event makes moot (the final plan, after the local authority decided not
to assess; the school's response, after the final plan) is no longer listed.

Weeks are calendar weeks; days are calendar days; "within 12 months" of 29 February is
28 February of the next year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sendreg.deadlines.rules import DeadlineStatus, deadline_status, long_date
from sendreg.ehc.rules import (
    POST_16_MOVE_YEAR,
    SIXTH_FORM_YEAR,
    Assessment,
    Draft,
    Event,
    EventKind,
    History,
    Plan,
    Review,
)
from sendreg.lib.dates import add_months

ASSESSMENT_DECISION_WEEKS = 6
FINAL_PLAN_WEEKS = 20
DRAFT_RESPONSE_DAYS = 15
ANNUAL_REVIEW_MONTHS = 12
REVIEW_NOTICE_WEEKS = 2
REVIEW_REPORT_WEEKS = 2
LA_DECISION_WEEKS = 4
#: Phase transfer: the plan is amended by 15 February of the year of the move ...
TRANSFER_DAY = (2, 15)
#: ... or by 31 March for the move to post-16 education.
POST_16_TRANSFER_DAY = (3, 31)
#: The move is listed from the school year before it, when the review plans for it.
TRANSFER_SHOWN_YEARS_AHEAD = 1
#: How the phase transfer duty's key begins (the school year of the move follows).
PHASE_TRANSFER_KEY = "phase_transfer:"


class DutyKind(StrEnum):
    ASSESSMENT_DECISION = "ehc_assessment_decision"
    FINAL_PLAN = "ehc_final_plan"
    DRAFT_RESPONSE = "ehc_draft_response"
    ANNUAL_REVIEW = "ehc_annual_review"
    PHASE_TRANSFER = "ehc_phase_transfer"
    REVIEW_INVITATIONS = "ehc_review_invitations"
    REVIEW_REPORT = "ehc_review_report"
    LA_DECISION = "ehc_la_decision"

    @property
    def label(self) -> str:
        return KIND_LABELS[self.value]


#: The deadline list's words for each kind (``DeadlineSource.kinds``).
KIND_LABELS: dict[str, str] = {
    DutyKind.ASSESSMENT_DECISION: "EHC: decision whether to assess",
    DutyKind.FINAL_PLAN: "EHC: final plan due",
    DutyKind.DRAFT_RESPONSE: "EHC: response to the draft plan",
    DutyKind.ANNUAL_REVIEW: "EHC: annual review meeting",
    DutyKind.PHASE_TRANSFER: "EHC: plan amended for a school move",
    DutyKind.REVIEW_INVITATIONS: "EHC: review invitations and advice",
    DutyKind.REVIEW_REPORT: "EHC: review report sent",
    DutyKind.LA_DECISION: "EHC: decision after the review",
}

ASSESSMENT_DECISION_DETAIL = (
    "The local authority decides whether to carry out an EHC needs assessment within "
    "6 weeks of the request made on {date}."
)
FINAL_PLAN_DETAIL = "The final EHC plan is due within 20 weeks of the request made on {date}."
DRAFT_RESPONSE_DETAIL = (
    "The school gives its views on the draft plan received on {date}, and on being named in "
    "it, within 15 days."
)
ANNUAL_REVIEW_AFTER_PLAN = "Review the plan within 12 months of its issue on {date}."
ANNUAL_REVIEW_AFTER_REVIEW = (
    "Review the plan within 12 months of the last review meeting on {date}."
)
PHASE_TRANSFER_DETAIL = (
    "{year}: the plan must be reviewed and amended, naming the next school, by {due}."
)
POST_16_DETAIL = (
    "Year 11: the plan must be reviewed and amended for the move to post-16 education by {due}."
)
INVITATIONS_DETAIL = (
    "Give everyone invited at least 2 weeks' notice of the review meeting on {date}, and "
    "circulate the advice gathered at least 2 weeks before it ({progress})."
)
INVITATIONS_PROGRESS = "{invited} of {invitees} invited; advice {advice}"
REPORT_DETAIL = (
    "Send the report of the review meeting held on {date} to everyone invited within 2 weeks."
)
LA_DECISION_DETAIL = (
    "The local authority tells the family its decision after the review meeting held on {date} "
    "within 4 weeks: keep, amend or cease the plan."
)
DONE_ON = " Done on {date}."
CHANGED = " Date changed from {statutory} by the school: {reason}"


def weeks_after(day: dt.date, weeks: int) -> dt.date:
    return day + dt.timedelta(weeks=weeks)


def school_year_of(day: dt.date) -> int:
    """The school year by its first calendar year: 1 September 2025 to 31 August 2026 is 2025."""
    return day.year if day.month >= 9 else day.year - 1


@dataclass(frozen=True)
class Override:
    """The school's own date for a duty, with why."""

    due: dt.date
    reason: str


@dataclass(frozen=True)
class Duty:
    key: str
    kind: DutyKind
    #: The date the law sets.
    statutory_due: dt.date
    #: When the event that meets it happened; None while it is open.
    met_on: dt.date | None
    #: What the duty is, in a sentence, with the date it runs from.
    basis: str
    #: The date that counts: the statutory date, or the school's own.
    due: dt.date
    override_reason: str = ""

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)

    def status(self, today: dt.date) -> DeadlineStatus:
        return deadline_status(due=self.due, today=today, done=self.met_on is not None)

    @property
    def detail(self) -> str:
        text = self.basis
        if self.overridden:
            text += CHANGED.format(
                statutory=long_date(self.statutory_due), reason=self.override_reason
            )
        if self.met_on is not None:
            text += DONE_ON.format(date=long_date(self.met_on))
        return text


def _duty(key: str, kind: DutyKind, due: dt.date, met: dt.date | None, basis: str) -> Duty:
    return Duty(key=key, kind=kind, statutory_due=due, met_on=met, basis=basis, due=due)


def duties(
    built: History,
    *,
    today: dt.date,
    pupil_year: int | None = None,
    final_year: int | None = None,
    overrides: Mapping[str, Override] | None = None,
) -> list[Duty]:
    """Every duty of the pupil's EHC record, met or open, soonest first.

    ``pupil_year`` is the pupil's national curriculum year on ``today`` and
    ``final_year`` the last year group the school teaches (for phase transfer).
    """
    found: list[Duty] = []
    for assessment in built.assessments:
        found += _assessment_duties(assessment)
    for each in built.plans:
        found += _plan_duties(each)
    plan = built.plan
    if plan is not None and pupil_year is not None and final_year is not None:
        transfer = _phase_transfer(plan, today=today, pupil_year=pupil_year, final_year=final_year)
        if transfer is not None:
            found.append(transfer)
    overrides = overrides or {}
    found = [
        replace(d, due=overrides[d.key].due, override_reason=overrides[d.key].reason)
        if d.key in overrides
        else d
        for d in found
    ]
    return sorted(found, key=lambda d: (d.due, d.kind.value, d.key))


def latest_overrides(rows: Iterable[tuple[str, dt.date | None, str]]) -> dict[str, Override]:
    """The school's dates in force from its changes ``(duty key, date, reason)``, oldest
    first: a later change supersedes an earlier one; one without a date puts the statutory
    date back."""
    found: dict[str, Override] = {}
    for key, due, reason in rows:
        if due is None:
            found.pop(key, None)
        else:
            found[key] = Override(due=due, reason=reason)
    return found


def _kept_by_clock(duty: Duty) -> bool:
    """What ``EhcClock`` keeps of a record: its open duties, the phase transfer aside (its
    date moves with the pupil's year group and the school's age range, not the record)."""
    return duty.met_on is None and duty.kind != DutyKind.PHASE_TRANSFER


def next_open_due(found: Iterable[Duty]) -> dt.date | None:
    """The earliest date an open duty of the record is due, the phase transfer aside (what
    ``EhcClock`` keeps): a record whose date is after the deadlines' horizon has nothing
    overdue or due soon but perhaps its phase transfer."""
    return min((d.due for d in found if _kept_by_clock(d)), default=None)


#: Raise by one when the way duties are worked out changes in a way that the periods, words
#: and kinds below do not show (a new rule for when a duty falls due, say): every clock
#: kept before is then read as not kept, and the record worked out in full.
KEPT_EDITION = 1


def rules_fingerprint() -> str:
    """The rules the duties are worked out by, in short: the edition, the kinds, the periods
    and the words. Kept with the duties, so that a clock kept by other rules is not read."""
    parts = (
        KEPT_EDITION,
        [kind.value for kind in DutyKind],
        [ASSESSMENT_DECISION_WEEKS, FINAL_PLAN_WEEKS, DRAFT_RESPONSE_DAYS],
        [ANNUAL_REVIEW_MONTHS, REVIEW_NOTICE_WEEKS, REVIEW_REPORT_WEEKS, LA_DECISION_WEEKS],
        [ASSESSMENT_DECISION_DETAIL, FINAL_PLAN_DETAIL, DRAFT_RESPONSE_DETAIL],
        [ANNUAL_REVIEW_AFTER_PLAN, ANNUAL_REVIEW_AFTER_REVIEW, INVITATIONS_DETAIL],
        [INVITATIONS_PROGRESS, REPORT_DETAIL, LA_DECISION_DETAIL, DONE_ON, CHANGED],
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


#: What this release's kept duties are worked out by (``rules_fingerprint``).
KEPT_RULES = rules_fingerprint()


@dataclass(frozen=True)
class KeptDuty:
    """An open duty as the clock keeps it: what a deadline shows of it."""

    kind: DutyKind
    due: dt.date
    detail: str


def kept_duties(found: Iterable[Duty]) -> dict[str, Any]:
    """The open duties of a record, the phase transfer aside, as ``EhcClock.open_duties``
    keeps them: the rules they were worked out by, and ``[kind, due, detail]`` each (the
    date as ISO text), in ``found``'s order.

    Nothing else of an open duty changes with the day but its status, which the reader
    works out from its date: so the record need not be worked out again to list them."""
    return {
        "rules": KEPT_RULES,
        "duties": [[d.kind.value, d.due.isoformat(), d.detail] for d in found if _kept_by_clock(d)],
    }


def read_kept(kept: object) -> list[KeptDuty] | None:
    """``kept_duties`` read back; None when there is nothing to read by these rules (kept by an
    earlier release, or not at all), so that the record is worked out in full instead."""
    if not isinstance(kept, dict) or kept.get("rules") != KEPT_RULES:
        return None
    try:
        return [
            KeptDuty(DutyKind(kind), dt.date.fromisoformat(due), detail)
            for kind, due, detail in kept["duties"]
        ]
    except (KeyError, TypeError, ValueError):
        return None


def _assessment_duties(assessment: Assessment) -> list[Duty]:
    request = assessment.request
    requested = long_date(request.on)
    found: list[Duty] = []
    # A draft or final plan shows the local authority agreed to assess, even if the
    # decision itself was never recorded (a history keyed in from a spreadsheet).
    decided = assessment.decision or (assessment.drafts[0].issued if assessment.drafts else None)
    if decided is None and assessment.outcome is not None:
        decided = assessment.outcome
    found.append(
        _duty(
            f"assessment_decision:{request.id}",
            DutyKind.ASSESSMENT_DECISION,
            weeks_after(request.on, ASSESSMENT_DECISION_WEEKS),
            decided.on if decided else None,
            ASSESSMENT_DECISION_DETAIL.format(date=requested),
        )
    )
    # The final plan is due until it is issued, or the local authority decides not to
    # assess or not to issue one: then there is nothing left to be due.
    ended = assessment.refused or (
        assessment.outcome is not None and assessment.outcome.kind == EventKind.PLAN_REFUSED
    )
    if not ended:
        outcome = assessment.outcome
        found.append(
            _duty(
                f"final_plan:{request.id}",
                DutyKind.FINAL_PLAN,
                weeks_after(request.on, FINAL_PLAN_WEEKS),
                outcome.on if outcome else None,
                FINAL_PLAN_DETAIL.format(date=requested),
            )
        )
    found += _draft_duties(assessment.drafts, closed=assessment.outcome is not None)
    return found


def _draft_duties(drafts: list[Draft], *, closed: bool) -> list[Duty]:
    """The response due on each draft; a draft left unanswered when the next draft or the
    final plan came is moot, and is not listed."""
    found: list[Duty] = []
    for number, draft in enumerate(drafts):
        superseded = number < len(drafts) - 1 or closed
        if draft.response is None and superseded:
            continue
        found.append(
            _duty(
                f"draft_response:{draft.issued.id}",
                DutyKind.DRAFT_RESPONSE,
                draft.issued.on + dt.timedelta(days=DRAFT_RESPONSE_DAYS),
                draft.response.on if draft.response else None,
                DRAFT_RESPONSE_DETAIL.format(date=long_date(draft.issued.on)),
            )
        )
    return found


def _plan_duties(plan: Plan) -> list[Duty]:
    found: list[Duty] = []
    # Amendment drafts: closed once the amended plan they lead to is issued.
    last_issue = plan.issues[-1]
    for number, draft in enumerate(plan.drafts):
        closed = draft.issued.sort_key() < last_issue.sort_key() or number < len(plan.drafts) - 1
        found += _draft_duties([draft], closed=closed)
    found += _annual_reviews(plan)
    for review in plan.reviews:
        found += _review_duties(plan, review)
    if plan.pending is not None and plan.in_force:
        found += _invitations(plan.pending, met_by_meeting=False)
    return found


def _annual_reviews(plan: Plan) -> list[Duty]:
    """One duty per stretch of 12 months: from the plan's issue (or re-issue after a
    re-assessment) or the last review meeting, whichever is later, to the next meeting."""
    anchors: list[tuple[bool, Event]] = [(True, e) for e in [plan.issued, *plan.remade]]
    anchors += [(False, r.held) for r in plan.held_reviews if r.held is not None]
    anchors.sort(key=lambda anchor: anchor[1].sort_key())
    found: list[Duty] = []
    for number, (made, event) in enumerate(anchors):
        following = anchors[number + 1] if number + 1 < len(anchors) else None
        if following is None:
            if not plan.in_force:
                continue
            met = None
        elif following[0]:
            # Made afresh after a re-assessment before any review: the clock restarted.
            continue
        else:
            met = following[1].on
        template = ANNUAL_REVIEW_AFTER_PLAN if made else ANNUAL_REVIEW_AFTER_REVIEW
        found.append(
            _duty(
                f"annual_review:{event.id}",
                DutyKind.ANNUAL_REVIEW,
                add_months(event.on, ANNUAL_REVIEW_MONTHS),
                met,
                template.format(date=long_date(event.on)),
            )
        )
    return found


def _review_duties(plan: Plan, review: Review) -> list[Duty]:
    found = _invitations(review, met_by_meeting=True) if review.scheduled is not None else []
    held = review.held
    if held is None:
        return found
    later = [
        r for r in plan.held_reviews if r.held is not None and r.held.sort_key() > held.sort_key()
    ]
    superseded = bool(later)
    when = long_date(held.on)
    if review.report is not None or not superseded:
        found.append(
            _duty(
                f"review_report:{held.id}",
                DutyKind.REVIEW_REPORT,
                weeks_after(held.on, REVIEW_REPORT_WEEKS),
                review.report.on if review.report else None,
                REPORT_DETAIL.format(date=when),
            )
        )
    if review.decision is not None or not superseded:
        found.append(
            _duty(
                f"la_decision:{held.id}",
                DutyKind.LA_DECISION,
                weeks_after(held.on, LA_DECISION_WEEKS),
                review.decision.on if review.decision else None,
                LA_DECISION_DETAIL.format(date=when),
            )
        )
    return found


def _invitations(review: Review, *, met_by_meeting: bool) -> list[Duty]:
    """Notice to everyone invited and the advice circulated, both 2 weeks before the meeting.

    Met once every person invited has been sent an invitation and the advice has been
    circulated. Once the meeting has been held it is moot if it was never met.
    """
    scheduled = review.scheduled
    if scheduled is None or scheduled.meeting_on is None:
        return []
    invited = scheduled.invited
    everyone = bool(invited) and all(day is not None for day in invited)
    met: dt.date | None = None
    if everyone and review.advice is not None:
        met = max([review.advice.on, *(day for day in invited if day is not None)])
    if met is None and met_by_meeting:
        return []
    progress = INVITATIONS_PROGRESS.format(
        invited=sum(1 for day in invited if day is not None),
        invitees=len(invited),
        advice=(
            f"circulated on {long_date(review.advice.on)}"
            if review.advice
            else "not yet circulated"
        ),
    )
    return [
        _duty(
            f"review_invitations:{scheduled.id}",
            DutyKind.REVIEW_INVITATIONS,
            scheduled.meeting_on - dt.timedelta(weeks=REVIEW_NOTICE_WEEKS),
            met,
            INVITATIONS_DETAIL.format(date=long_date(scheduled.meeting_on), progress=progress),
        )
    ]


def transfer_year(*, pupil_year: int, final_year: int, today: dt.date) -> int | None:
    """The school year (by its first calendar year) in which the pupil is in the school's
    last year group and moves on, or None when they do not move phase while here."""
    if final_year >= SIXTH_FORM_YEAR or pupil_year > final_year:
        return None
    return school_year_of(today) + final_year - pupil_year


def transfer_due(*, year: int, final_year: int) -> dt.date:
    """15 February of the school year of the move; 31 March for the move to post-16."""
    month, day = POST_16_TRANSFER_DAY if final_year == POST_16_MOVE_YEAR else TRANSFER_DAY
    return dt.date(year + 1, month, day)


def _phase_transfer(plan: Plan, *, today: dt.date, pupil_year: int, final_year: int) -> Duty | None:
    year = transfer_year(pupil_year=pupil_year, final_year=final_year, today=today)
    if year is None or year > school_year_of(today) + TRANSFER_SHOWN_YEARS_AHEAD:
        return None
    due = transfer_due(year=year, final_year=final_year)
    # Met by the plan issued (amended, naming the next school) in the school year of the move.
    start = dt.date(year, 9, 1)
    met = next((e.on for e in plan.issues if e.on >= start), None)
    if final_year == POST_16_MOVE_YEAR:
        basis = POST_16_DETAIL.format(due=long_date(due))
    else:
        label = "The year before Reception" if final_year == -1 else f"Year {final_year}"
        basis = PHASE_TRANSFER_DETAIL.format(year=label, due=long_date(due))
    return _duty(f"{PHASE_TRANSFER_KEY}{year}", DutyKind.PHASE_TRANSFER, due, met, basis)
