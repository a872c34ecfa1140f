"""What the support app adds to pages and lists owned by other apps (see ``lib.extensions``):
the pupil page's support section, the SENCO's and the teacher's home panels, the
deadlines, and the pupil's whole record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.urls import reverse

from sendreg.accounts.models import School
from sendreg.accounts.permissions import Permission
from sendreg.lib.documents import DOCX_TYPE, PDF_TYPE
from sendreg.lib.extensions import Deadline, NextMeeting, PageContext, PupilFile
from sendreg.pupils.models import Pupil
from sendreg.support import documents, selectors, services
from sendreg.support.models import (
    ParentMeeting,
    PassportSuggestion,
    SpecialistInvolvement,
    SupportPlan,
)
from sendreg.support.selectors import DueRow

#: The kinds of deadline this app adds to ``sendreg deadlines``, with their labels.
DEADLINE_KINDS = {
    "plan_review": "Support plan review",
    "parent_meeting": "Parent meeting",
    "no_plan": "On the register with no support plan",
}


# --- The pupil's page ---------------------------------------------------------------------------


def pupil_section(page: PageContext) -> Mapping[str, Any] | None:
    """A place on the pupil's page that loads the pupil's support record (plans with their
    history, meetings, specialists, passport) from its own page; without JavaScript, a link
    to that page. Loading it separately keeps the pupil's page to its own query budget."""
    if page.pupil is None or not page.membership.can(Permission.SUPPORT_VIEW):
        return None
    return {"pupil": page.pupil, "url": reverse("support_pupil", args=[page.pupil.pk])}


# --- Home panels ----------------------------------------------------------------------------------


def senco_panel(page: PageContext) -> Mapping[str, Any] | None:
    """Reviews overdue and due within two weeks, pupils on the register with no open plan,
    and parents not met this term."""
    if not page.membership.can(Permission.SUPPORT_EDIT):
        return None
    return {"due": selectors.due_for_member(page.membership, day=page.day), "today": page.day}


def teacher_panel(page: PageContext) -> Mapping[str, Any] | None:
    """The teacher's view: for those who see only the pupils they teach."""
    membership = page.membership
    if membership.can(Permission.PUPILS_VIEW_ALL) or not (
        membership.can(Permission.PUPILS_VIEW_TAUGHT) and membership.can(Permission.SUPPORT_VIEW)
    ):
        return None
    return {"view": selectors.teacher_view(membership, day=page.day)}


# --- Deadlines ------------------------------------------------------------------------------------


def _deadline(kind: str, row: DueRow) -> Deadline:
    return Deadline(
        kind=kind,
        due=row.due,
        status=row.status.value,
        detail=row.detail,
        upn=row.upn,
        name=row.name,
        pupil_id=row.pupil_id,
        url=row.url,
    )


def deadlines(school: School, day: dt.date, *, attention: bool = False) -> Iterable[Deadline]:
    """Every open plan's review, every pupil on the register with no open plan, and every pupil
    on SEN support whose parents are owed a meeting, for the whole school.

    With ``attention``, reviews and missing plans only when overdue or due soon (the
    deadlines' ``attention``); meetings owed are all yielded, and filtered by the list.
    """
    lists = selectors.school_due_lists(school, day=day, upcoming=not attention)
    return (
        [_deadline("plan_review", row) for row in lists.reviews]
        + [_deadline("no_plan", row) for row in lists.no_plan]
        + [_deadline("parent_meeting", row) for row in lists.meetings]
    )


def attention_deadlines(school: School, day: dt.date) -> Iterable[Deadline]:
    return deadlines(school, day, attention=True)


# --- The pupil's whole record -------------------------------------------------------------------


def _values(instance: Any, fields: Iterable[str]) -> dict[str, Any]:
    values = {}
    for name in fields:
        value = getattr(instance, name)
        values[name] = value.isoformat() if isinstance(value, dt.date) else value
    return values


def record_data(pupil: Pupil) -> Mapping[str, Any]:
    """Every plan, review, meeting, specialist involvement and passport row of the pupil."""
    plans = []
    for plan in (
        SupportPlan.objects.filter(pupil=pupil)
        .select_related("review__reviewed_by", "opened_by")
        .prefetch_related("outcomes__result", "assessments")
        .order_by("number")
    ):
        review = getattr(plan, "review", None)
        plans.append(
            {
                "number": plan.number,
                **_values(plan, services.PLAN_FIELDS),
                "reviewed_on": plan.reviewed_on.isoformat() if plan.reviewed_on else None,
                "opened_by": plan.opened_by.name,
                "assessments": [
                    {
                        **_values(a, ["source", "recorded_on", "text"]),
                        "source_label": a.get_source_display(),
                    }
                    for a in plan.assessments.all()
                ],
                "outcomes": [
                    {
                        **_values(o, services.OUTCOME_FIELDS),
                        "result": o.result.result if hasattr(o, "result") else None,
                        "evidence": o.result.evidence if hasattr(o, "result") else None,
                    }
                    for o in plan.outcomes.all()
                ],
                "review": (
                    {
                        **_values(review, services.REVIEW_FIELDS),
                        "adequate_progress": review.adequate,
                        "reviewed_by": review.reviewed_by.name,
                    }
                    if review
                    else None
                ),
            }
        )
    meetings = [
        {**_values(m, services.MEETING_FIELDS), "plan": m.plan.number if m.plan else None}
        for m in ParentMeeting.objects.filter(pupil=pupil)
        .select_related("plan")
        .order_by("held_on", "pk")
    ]
    specialists = [
        {
            **_values(s, services.SPECIALIST_FIELDS),
            "service_label": s.label,
            "visits": [_values(v, ["visited_on", "note"]) for v in s.visits.all()],
            "reports": [
                {**_values(r, ["original_name", "received_on", "size", "kind"])}
                for r in s.reports.all()
            ],
        }
        for s in SpecialistInvolvement.objects.filter(pupil=pupil)
        .prefetch_related("visits", "reports")
        .order_by("pk")
    ]
    passport = services.passport_for(pupil)
    suggestions = [
        {
            **_values(s, ["field", "text", "suggested_on", "state", "decided_on"]),
            "suggested_by": s.suggested_by.name,
        }
        for s in PassportSuggestion.objects.filter(pupil=pupil).select_related("suggested_by")
    ]
    return {
        "plans": plans,
        "meetings": meetings,
        "specialists": specialists,
        "passport": (
            {
                **_values(passport, services.PASSPORT_FIELDS),
                "updated_on": passport.updated_on.isoformat() if passport.updated_on else None,
            }
            if passport.pk
            else None
        ),
        "passport_suggestions": suggestions,
    }


def record_files(pupil: Pupil) -> Iterable[PupilFile]:
    """The plans, reviews and passport as PDFs, and every specialist's report as received."""
    from sendreg.lib.dates import today

    day = today()
    school = pupil.school
    facts = selectors.pupil_facts(pupil, day=day)
    files = []
    for plan in (
        SupportPlan.objects.filter(pupil=pupil)
        .select_related("review", "previous", "pupil__school")
        .order_by("number")
    ):
        detail = selectors.plan_detail(plan, day=day)
        files.append(
            PupilFile(
                f"support-plan-{plan.number}.pdf",
                documents.render(
                    documents.plan_document(detail, facts, school=school, today=day), "pdf"
                ),
                PDF_TYPE,
            )
        )
        if not plan.is_open:
            files.append(
                PupilFile(
                    f"support-plan-{plan.number}-review.pdf",
                    documents.render(
                        documents.review_document(detail, facts, school=school, today=day), "pdf"
                    ),
                    PDF_TYPE,
                )
            )
    passport = services.passport_for(pupil)
    if passport.pk:
        files.append(
            PupilFile(
                "passport.pdf",
                documents.render(
                    documents.passport_document(passport, pupil, school=school, today=day), "pdf"
                ),
                PDF_TYPE,
            )
        )
    for involvement in SpecialistInvolvement.objects.filter(pupil=pupil).prefetch_related(
        "reports"
    ):
        for number, report in enumerate(involvement.reports.all(), 1):
            with report.file.open("rb") as handle:
                content = handle.read()
            files.append(
                PupilFile(
                    f"specialist-{involvement.service}-{report.received_on.isoformat()}-{number}.{report.kind}",
                    content,
                    PDF_TYPE if report.kind == "pdf" else DOCX_TYPE,
                )
            )
    return files


# --- Letters to parents ---------------------------------------------------------------------------

#: How a letter to parents names the open plan's review.
PLAN_REVIEW_MEETING = "the review of their support plan"


def meetings_ahead(pupil: Pupil, day: dt.date) -> Iterable[NextMeeting]:
    """The open support plan's review, when it is on or after ``day``."""
    review = (
        SupportPlan.objects.filter(pupil=pupil, reviewed_on__isnull=True, review_date__gte=day)
        .values_list("review_date", flat=True)
        .first()
    )
    if review is not None:
        yield NextMeeting(review, PLAN_REVIEW_MEETING)
