"""The support app's documents, built once as ``lib.documents`` blocks and rendered to PDF
(to share) and DOCX (to edit): the plan, the review record, the meeting record, the
pupil passport, the annual report to parents and the teacher's class sheet.

Every document goes through ``plain_english.spell_out_document``: each code and
acronym is written in full the first time it appears. Nothing here queries the
database; the selectors hand over what a document needs.
"""

from __future__ import annotations

import datetime as dt

from sendreg.accounts.models import School
from sendreg.lib.documents import (
    Block,
    Bullets,
    Document,
    Facts,
    Heading,
    PageBreak,
    Paragraph,
    Table,
    document_docx,
    document_pdf,
)
from sendreg.lib.plain_english import load_glossary, spell_out_document
from sendreg.pupils.models import Pupil
from sendreg.support import rules
from sendreg.support.models import (
    ParentMeeting,
    Passport,
    PlanReview,
    SpecialistInvolvement,
)
from sendreg.support.selectors import AnnualReport, PlanDetail, PupilFacts, TeacherView

NOTHING = "Nothing recorded."
FORMATS = ("pdf", "docx")


def _date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "Not yet"


def _text(value: str) -> str:
    return value.strip() or NOTHING


def _pupil_facts(pupil: Pupil, facts: PupilFacts) -> list[tuple[str, str]]:
    return [
        ("Name", str(pupil)),
        ("Date of birth", _date(pupil.date_of_birth)),
        ("Year", pupil.year_label),
        ("SEN status", facts.status),
        ("Needs, most important first", "\n".join(facts.needs) or "None recorded"),
    ]


def _finish(document: Document) -> Document:
    return spell_out_document(document, load_glossary())


def render(document: Document, format: str) -> bytes:
    """The document as ``pdf`` or ``docx``."""
    if format == "docx":
        return document_docx(document)
    return document_pdf(document)


def _outcome_rows(detail: PlanDetail) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            o.text,
            o.measure,
            o.baseline,
            o.target,
            _date(o.by_when) if o.by_when else "By the review",
        )
        for o in detail.outcomes
    )


def plan_document(
    detail: PlanDetail, facts: PupilFacts, *, school: School, today: dt.date
) -> Document:
    plan, pupil = detail.plan, detail.plan.pupil
    blocks: list[Block] = [
        Facts(
            (
                *_pupil_facts(pupil, facts),
                ("Plan starts", _date(plan.opened_on)),
                ("Review date", _date(plan.review_date)),
                ("Parents told of the plan", _date(plan.parents_told_on)),
                ("Staff told of the plan", _date(plan.staff_told_on)),
            )
        )
    ]
    if plan.previous_id:
        blocks.append(
            Paragraph(
                f"This plan follows plan {plan.number - 1}, "
                f"reviewed on {_date(plan.previous.reviewed_on)}."
            )  # type: ignore[union-attr]
        )
    blocks.append(Heading("What we know"))
    if detail.assessments:
        blocks.append(
            Table(
                ("Date", "Where it comes from", "What it shows"),
                tuple(
                    (_date(a.recorded_on), a.get_source_display(), a.text)
                    for a in detail.assessments
                ),
                caption="What the plan is based on",
            )
        )
    else:
        blocks.append(Paragraph(NOTHING))
    blocks.append(Heading("What we want to achieve"))
    if detail.outcomes:
        blocks.append(
            Table(
                ("Outcome", "What will be measured", "Now", "Target", "By when"),
                _outcome_rows(detail),
                caption="Outcomes",
            )
        )
    else:
        blocks.append(Paragraph(NOTHING))
    blocks += [
        Heading("How every adult can help"),
        Paragraph(_text(plan.strategies)),
        Heading("Extra support and interventions"),
        Paragraph(_text(plan.support)),
        Heading("What difference we expect it to make"),
        Paragraph(_text(plan.expected_impact)),
        Heading("When we will look at it again"),
        Paragraph(
            f"We will review this plan with you and {pupil.forename} on {_date(plan.review_date)}."
        ),
    ]
    return _finish(
        Document(
            title=f"Support plan {plan.number} for {pupil}",
            subtitle=f"{school.name}. Printed {_date(today)}.",
            footer=f"Confidential: {pupil}'s support plan {plan.number}.",
            author=school.name,
            blocks=tuple(blocks),
        )
    )


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def review_blocks(review: PlanReview, detail: PlanDetail) -> list[Block]:
    blocks: list[Block] = [
        Facts(
            (
                ("Review held on", _date(review.reviewed_on)),
                ("Plan ran from", f"{_date(detail.plan.opened_on)} to {_date(review.reviewed_on)}"),
            )
        ),
        Heading("How the outcomes went"),
        Table(
            ("Outcome", "Target", "Result", "Evidence"),
            tuple(
                (
                    o.text,
                    o.target,
                    o.result.get_result_display() if hasattr(o, "result") else "",  # type: ignore[attr-defined]
                    o.result.evidence if hasattr(o, "result") else "",  # type: ignore[attr-defined]
                )
                for o in detail.outcomes
            ),
            caption="Outcomes and results",
        ),
        Heading("Was progress good enough?"),
        Bullets(
            tuple(
                f"{question} {_yes(getattr(review, name))}."
                for name, question in rules.PROGRESS_QUESTIONS
            )
        ),
        Paragraph(
            "Progress was adequate: it met at least one of these tests."
            if review.adequate
            else "Progress was not adequate: it met none of these tests.",
            strong=True,
        ),
        Heading("What the pupil said"),
        Paragraph(_text(review.pupil_views)),
        Heading("What the parents said"),
        Paragraph(_text(review.parent_views)),
        Heading("What happens next"),
        Paragraph(review.get_decision_display() + "."),
    ]
    if review.decision_notes:
        blocks.append(Paragraph(review.decision_notes))
    return blocks


def review_document(
    detail: PlanDetail, facts: PupilFacts, *, school: School, today: dt.date
) -> Document:
    plan, pupil = detail.plan, detail.plan.pupil
    review: PlanReview = plan.review  # type: ignore[attr-defined]
    blocks: list[Block] = [Facts(tuple(_pupil_facts(pupil, facts))), *review_blocks(review, detail)]
    return _finish(
        Document(
            title=f"Review of support plan {plan.number} for {pupil}",
            subtitle=f"{school.name}. Printed {_date(today)}.",
            footer=f"Confidential: the review of {pupil}'s support plan {plan.number}.",
            author=school.name,
            blocks=tuple(blocks),
        )
    )


def meeting_document(meeting: ParentMeeting, *, school: School, today: dt.date) -> Document:
    pupil = meeting.pupil
    blocks: list[Block] = [
        Facts(
            (
                ("Pupil", str(pupil)),
                ("Held on", _date(meeting.held_on)),
                ("Support plan", f"Plan {meeting.plan.number}" if meeting.plan else "No plan open"),
            )
        ),
        Heading("Who came"),
        Bullets(tuple(line.strip() for line in meeting.attendees.splitlines() if line.strip())),
        Heading("What the parents said"),
        Paragraph(_text(meeting.parents_said)),
        Heading("What the pupil said"),
        Paragraph(_text(meeting.pupil_said)),
        Heading("What we agreed to do"),
        Paragraph(_text(meeting.actions)),
    ]
    return _finish(
        Document(
            title=f"Meeting with {pupil}'s parents",
            subtitle=f"{school.name}. Printed {_date(today)}.",
            footer=f"Confidential: a meeting about {pupil}.",
            author=school.name,
            blocks=tuple(blocks),
        )
    )


def passport_blocks(passport: Passport | None) -> list[Block]:
    blocks: list[Block] = []
    for part in rules.PassportField:
        blocks.append(Heading(part.label))
        blocks.append(Paragraph(_text(getattr(passport, part.value, "") if passport else "")))
    return blocks


def passport_document(
    passport: Passport | None, pupil: Pupil, *, school: School, today: dt.date
) -> Document:
    updated = passport.updated_on if passport else None
    return _finish(
        Document(
            title=f"All about me: {pupil}",
            subtitle=f"{school.name}. My one-page profile, last changed {_date(updated)}.",
            footer=f"{pupil}'s passport. Please read it before you work with me.",
            author=school.name,
            blocks=tuple(passport_blocks(passport)),
        )
    )


def _specialist_line(involvement: SpecialistInvolvement) -> str:
    parts = [involvement.label]
    if involvement.referred_on:
        parts.append(f"asked to help on {_date(involvement.referred_on)}")
    visits = [v.visited_on for v in involvement.visits.all()]
    if visits:
        parts.append("visited on " + ", ".join(_date(v) for v in visits))
    if involvement.report_received_on:
        parts.append(f"report received {_date(involvement.report_received_on)}")
    return "; ".join(parts) + "."


def annual_report_document(
    report: AnnualReport, facts: PupilFacts, *, school: School, today: dt.date
) -> Document:
    pupil = report.pupil
    blocks: list[Block] = [
        Paragraph(
            f"This report tells you about the extra help {pupil.forename} had at {school.name} "
            f"in the school year {report.year_label}, and how well it worked."
        ),
        Facts(tuple(_pupil_facts(pupil, facts))),
        Heading("Support plans this year"),
    ]
    if not report.plans:
        blocks.append(Paragraph("There was no support plan this year."))
    for view in report.plans:
        plan = view.plan
        review = getattr(plan, "review", None)
        blocks.append(
            Heading(
                f"Plan {plan.number}: {_date(plan.opened_on)} to "
                + (_date(review.reviewed_on) if review else f"review on {_date(plan.review_date)}"),
                level=3,
            )
        )
        rows = []
        for outcome in view.outcomes:
            result = getattr(outcome, "result", None)
            rows.append(
                (
                    outcome.text,
                    outcome.target,
                    result.get_result_display() if result else "Still working on it",
                )
            )
        if rows:
            blocks.append(Table(("Outcome", "Target", "How it went"), tuple(rows)))
        blocks.append(Paragraph("Extra support: " + _text(plan.support)))
        if review is not None:
            blocks.append(
                Paragraph(
                    (
                        "Progress was adequate. "
                        if review.adequate
                        else "Progress was not adequate. "
                    )
                    + "Next: "
                    + review.get_decision_display().lower()
                    + "."
                )
            )
    blocks.append(Heading("Meetings with you"))
    if report.meetings:
        blocks.append(
            Bullets(
                tuple(
                    f"{_date(m.held_on)}: "
                    + (m.actions.splitlines()[0] if m.actions else "no actions recorded")
                    for m in report.meetings
                )
            )
        )
    else:
        blocks.append(Paragraph("We did not record a meeting with you this year."))
    blocks.append(Heading("Specialists who worked with us"))
    if report.specialists:
        blocks.append(Bullets(tuple(_specialist_line(s) for s in report.specialists)))
    else:
        blocks.append(Paragraph("No specialist from outside the school was involved this year."))
    blocks.append(
        Paragraph(
            "If you would like to talk about this report, please contact the special educational "
            "needs co-ordinator at the school."
        )
    )
    return _finish(
        Document(
            title=f"{pupil}: annual report on support for special educational needs, "
            f"{report.year_label}",
            subtitle=f"{school.name}. Written {_date(today)}.",
            footer=f"Confidential: {pupil}'s annual report {report.year_label}.",
            author=school.name,
            blocks=tuple(blocks),
        )
    )


def class_sheet_document(
    view: TeacherView, *, teacher_name: str, school: School, today: dt.date
) -> Document:
    """For a cover teacher: each class's pupils with SEN or on the monitoring list, one line of
    what to do for each."""
    blocks: list[Block] = [
        Paragraph(
            f"The pupils in {teacher_name}'s classes who are on the SEN register or the "
            "monitoring list, and what helps them. Keep this sheet safe and hand it back."
        )
    ]
    if not view.groups:
        blocks.append(Paragraph("None of the pupils in these classes is on the SEN register."))
    for number, group in enumerate(view.groups):
        if number:
            blocks.append(PageBreak())
        blocks.append(Heading(group.name))
        rows = []
        for taught in group.pupils:
            plan = taught.plan
            helps = plan.strategies if plan and plan.strategies else "See the SENCO."
            outcomes = "\n".join(o.text for o in taught.outcomes) or "No plan open."
            alerts = [f"Exams: {row.record.label}" for row in taught.exams]
            alerts += [f"Medical: {row.record.condition}" for row in taught.medical]
            rows.append(
                (
                    f"{taught.pupil}\n{taught.status_label}",
                    "\n".join(taught.need_labels) or "Not recorded",
                    helps,
                    outcomes,
                    "\n".join(alerts) or "None",
                )
            )
        blocks.append(
            Table(
                ("Pupil", "Needs", "How to help", "Working towards", "Exams and medical"),
                tuple(rows),
                caption=group.name,
            )
        )
    return _finish(
        Document(
            title=f"Class sheet: {teacher_name}",
            subtitle=f"{school.name}. Printed {_date(today)}.",
            footer="Confidential: for staff working with these classes only.",
            author=school.name,
            blocks=tuple(blocks),
        )
    )


def filename(
    kind: str, pupil: Pupil | None, day: dt.date, format: str, number: int | None = None
) -> str:
    """A plain file name: the kind, the pupil's UPN (never their name), the date."""
    parts = [kind]
    if pupil is not None:
        parts.append(pupil.upn)
    if number is not None:
        parts.append(str(number))
    parts.append(day.isoformat())
    return "-".join(parts) + f".{format}"
