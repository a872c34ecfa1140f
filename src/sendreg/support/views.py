"""Plans, reviews, meetings, specialists and passports: HTTP only.

Reading needs SUPPORT_VIEW (the SENCO, deputy and head see every pupil's, a teacher
or assistant those of the pupils they teach); changing needs SUPPORT_EDIT (the
SENCO and deputy), except a passport suggestion (PASSPORT_SUGGEST). A pupil or
record outside what the member may see answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.audit.services import access_record
from sendreg.lib.dates import today
from sendreg.lib.documents import DOCX_TYPE, PDF_TYPE
from sendreg.lib.htmx import page_or_fragment, redirect_after_post
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import pupil_get_for_user
from sendreg.support import documents, rules, selectors, services
from sendreg.support.forms import (
    AnnualReportForm,
    AssessmentForm,
    CarryForm,
    DecideForm,
    MeetingForm,
    OutcomeEditForm,
    OutcomeFormSet,
    PassportForm,
    PlanForm,
    ReportForm,
    ReviewForm,
    SettingsForm,
    SpecialistForm,
    SuggestionForm,
    VisitForm,
)
from sendreg.support.models import SupportPlan

VIEW = Permission.SUPPORT_VIEW
EDIT = Permission.SUPPORT_EDIT
FORMAT_TYPES = {"pdf": PDF_TYPE, "docx": DOCX_TYPE}
FORMAT_UNKNOWN = "Ask for the document as format=pdf (to share) or format=docx (to edit)."


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _pupil(request: HttpRequest, pk: int) -> Pupil:
    return pupil_get_for_user(_member(request), pk)


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's errors beside the fields they name, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _saved(
    request: HttpRequest,
    forms_: list[Any],
    save: Callable[[], object],
    *,
    done: str,
    then: Callable[[object], str],
) -> HttpResponse | None:
    """On a valid POST, call ``save`` (a service). A rule it breaks goes beside the field
    of the first form; otherwise say ``done`` and go to ``then(result)``."""
    if request.method != "POST" or not all(f.is_valid() for f in forms_):
        return None
    try:
        result = save()
    except ValidationError as exc:
        _add_errors(forms_[0], exc)
        return None
    messages.success(request, done if result is not False else "Nothing had changed.")
    return redirect_after_post(request, then(result))


def _form_page(
    request: HttpRequest, pupil: Pupil, form: forms.BaseForm, **context: Any
) -> HttpResponse:
    return render(request, "support/form.html", {"pupil": pupil, "form": form, **context})


def _document(
    request: HttpRequest,
    build: Callable[[], documents.Document],
    name: Callable[[str], str],
    *,
    pupil: Pupil,
    what: str,
    wanted: str | None = None,
) -> HttpResponse:
    """The document as an attachment in the format asked for; the download is logged."""
    wanted = wanted or request.GET.get("format", "pdf")
    if wanted not in FORMAT_TYPES:
        return HttpResponseBadRequest(FORMAT_UNKNOWN, content_type="text/plain; charset=utf-8")
    body = documents.render(build(), wanted)
    access_record(by=_user(request), school_id=pupil.school_id, pupil_id=pupil.pk, what=what)
    response = HttpResponse(body, content_type=FORMAT_TYPES[wanted])
    response["Content-Disposition"] = f'attachment; filename="{name(wanted)}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Lists and the pupil's record -------------------------------------------------------------


@require_GET
@require_permission(VIEW)
def plan_list(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    day = today()
    context = {
        "plans": selectors.open_plans_for_member(membership, day=day),
        "due": selectors.due_lists(
            selectors.pupils_visible_to(membership), membership.school, day=day
        ),
        "today": day,
    }
    return render(request, "support/plans.html", context)


@require_GET
@require_permission(VIEW)
def pupil_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The pupil's plans with their history, meetings, specialists and passport. The pupil's
    page loads the ``record`` part of it in place."""
    membership = _member(request)
    pupil = pupil_get_for_user(membership, pk, related=selectors.PUPIL_RELATED)
    day = today()
    access_record(by=_user(request), school_id=pupil.school_id, pupil_id=pupil.pk, what="support")
    support = selectors.pupil_support(membership, pupil, day=day)
    context = {
        "pupil": pupil,
        "s": support,
        "today": day,
        "years": [(y, rules.academic_year_label(y)) for y in support.years],
    }
    return render(request, page_or_fragment(request, "support/pupil.html", "record"), context)


# --- Plans ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def plan_open(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, initial={"opened_on": day})
    outcomes = OutcomeFormSet(data, prefix="outcomes")

    def save() -> SupportPlan:
        return services.plan_open(
            pupil=pupil,
            **form.cleaned_data,
            outcomes=[services.OutcomeData(**row) for row in outcomes.filled()],
            by=_user(request),
            today=day,
        )

    done = _saved(
        request,
        [form, outcomes],
        save,
        done="The support plan is open.",
        then=lambda plan: plan.get_absolute_url(),
    )  # type: ignore[attr-defined]
    if done:
        return done
    standing = selectors.standing_of(pupil, day=day)
    return render(
        request,
        "support/plan_form.html",
        {
            "pupil": pupil,
            "form": form,
            "outcomes": outcomes,
            "standing": standing,
            "heading": f"Open a support plan for {pupil}",
            "button": "Open the plan",
        },
    )


@require_GET
@require_permission(VIEW)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    plan = selectors.plan_get_for_user(membership, pk)
    day = today()
    access_record(
        by=_user(request),
        school_id=plan.pupil.school_id,
        pupil_id=plan.pupil_id,
        what="support plan",
    )
    context = {
        "plan": plan,
        "pupil": plan.pupil,
        "d": selectors.plan_detail(plan, day=day),
        "decision_next": rules.DECISION_NEXT,
        "today": day,
    }
    return render(request, "support/plan_detail.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(_member(request), pk)
    form = PlanForm(
        request.POST or None,
        instance=selectors.plan_get_for_user(_member(request), pk),
        editing=True,
    )
    done = _saved(
        request,
        [form],
        lambda: services.plan_update(plan=plan, data=form.cleaned_data, by=_user(request)),
        done="The plan was saved.",
        then=lambda _: plan.get_absolute_url(),
    )
    if done:
        return done
    return _form_page(
        request,
        plan.pupil,
        form,
        heading=f"Change support plan {plan.number}",
        button="Save the plan",
        back=plan.get_absolute_url(),
        frozen=not plan.is_open,
        frozen_message=rules.PLAN_FROZEN.format(reviewed=plan.reviewed_on)
        if plan.reviewed_on
        else "",
    )


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def assessment_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(_member(request), pk)
    day = today()
    form = AssessmentForm(request.POST or None, initial={"recorded_on": day})
    done = _saved(
        request,
        [form],
        lambda: services.assessment_add(
            plan=plan, **form.cleaned_data, by=_user(request), today=day
        ),
        done="The assessment was added to the plan.",
        then=lambda _: plan.get_absolute_url() + "#assess",
    )
    if done:
        return done
    return _form_page(
        request,
        plan.pupil,
        form,
        heading=f"Add to what we know: plan {plan.number}",
        button="Add it",
        back=plan.get_absolute_url(),
        frozen=not plan.is_open,
        frozen_message=rules.PLAN_FROZEN.format(reviewed=plan.reviewed_on)
        if plan.reviewed_on
        else "",
        intro=(
            "Teacher assessment, progress data, scores on entry, and the views of the parents "
            "and the pupil."
        ),
    )


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(_member(request), pk)
    form = OutcomeEditForm(request.POST or None)
    done = _saved(
        request,
        [form],
        lambda: services.outcome_add(
            plan=plan, data=services.OutcomeData(**form.cleaned_data), by=_user(request)
        ),
        done="The outcome was added.",
        then=lambda _: plan.get_absolute_url() + "#outcomes",
    )
    if done:
        return done
    return _form_page(
        request,
        plan.pupil,
        form,
        heading=f"Add an outcome to plan {plan.number}",
        button="Add the outcome",
        back=plan.get_absolute_url(),
        frozen=not plan.is_open,
        frozen_message=rules.PLAN_FROZEN.format(reviewed=plan.reviewed_on)
        if plan.reviewed_on
        else "",
    )


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def outcome_edit(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(_member(request), pk)
    outcome = selectors.outcome_get(plan, outcome_pk)
    form = OutcomeEditForm(request.POST or None, instance=selectors.outcome_get(plan, outcome_pk))
    done = _saved(
        request,
        [form],
        lambda: services.outcome_update(outcome=outcome, data=form.cleaned_data, by=_user(request)),
        done="The outcome was saved.",
        then=lambda _: plan.get_absolute_url() + "#outcomes",
    )
    if done:
        return done
    return _form_page(
        request,
        plan.pupil,
        form,
        heading=f"Change an outcome of plan {plan.number}",
        button="Save the outcome",
        back=plan.get_absolute_url(),
        frozen=not plan.is_open,
        frozen_message=rules.PLAN_FROZEN.format(reviewed=plan.reviewed_on)
        if plan.reviewed_on
        else "",
    )


def _after_review(plan: SupportPlan, decision: str) -> str:
    """Where the decision leads: the action that carries it out, owned by whichever app owns it."""
    pupil_pk = plan.pupil_id
    if decision == rules.Decision.CONTINUE:
        return reverse("support_plan_next", args=[plan.pk])
    if decision == rules.Decision.MONITORING:
        return reverse("notifications_move_to_monitoring", args=[pupil_pk])
    if decision == rules.Decision.SPECIALIST:
        return reverse("support_specialist_add", args=[pupil_pk])
    if decision == rules.Decision.OFF_REGISTER:
        return reverse("sen_edit", args=[pupil_pk])
    return plan.get_absolute_url()


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(_member(request), pk)
    day = today()
    outcomes = list(plan.outcomes.order_by("position", "pk"))
    form = ReviewForm(request.POST or None, outcomes=outcomes, initial={"reviewed_on": day})

    def save() -> object:
        data = form.cleaned_data
        return services.plan_review(
            plan=plan,
            reviewed_on=data["reviewed_on"],
            tests=form.tests,
            pupil_views=data["pupil_views"],
            parent_views=data["parent_views"],
            decision=data["decision"],
            decision_notes=data["decision_notes"],
            results=form.results,
            by=_user(request),
            today=day,
        )

    done = _saved(
        request,
        [form],
        save,
        done=f"The review of plan {plan.number} is recorded and the plan is now closed. "
        + rules.DECISION_NEXT.get(request.POST.get("decision", ""), ""),
        then=lambda review: _after_review(plan, review.decision),  # type: ignore[attr-defined]
    )
    if done:
        return done
    context = {
        "pupil": plan.pupil,
        "plan": plan,
        "form": form,
        "frozen": not plan.is_open,
        "frozen_message": rules.PLAN_FROZEN.format(reviewed=plan.reviewed_on)
        if plan.reviewed_on
        else "",
    }
    return render(request, "support/review_form.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def plan_next(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the next plan from a reviewed one: its strategies and support to start from, and
    the outcomes the SENCO chooses to carry over."""
    previous = selectors.plan_get_for_user(_member(request), pk)
    pupil = previous.pupil
    day = today()
    old_outcomes = list(previous.outcomes.select_related("result").order_by("position", "pk"))
    for outcome in old_outcomes:
        outcome.plan = previous
    data = request.POST if request.method == "POST" else None
    form = PlanForm(
        data,
        initial={
            "opened_on": max(day, previous.reviewed_on or day),
            "strategies": previous.strategies,
            "support": previous.support,
            "expected_impact": previous.expected_impact,
        },
    )
    results = {o.pk: o.result.result for o in old_outcomes if hasattr(o, "result")}
    carry = CarryForm(
        data,
        outcomes=old_outcomes,
        initial={"carry": [str(pk) for pk in rules.outcomes_to_carry(results)]},
    )
    outcomes = OutcomeFormSet(data, prefix="outcomes")

    def save() -> SupportPlan:
        carried = [
            services.OutcomeData(
                text=o.text, measure=o.measure, baseline=o.baseline, target=o.target, carried_from=o
            )
            for o in carry.chosen()
        ]
        new = [services.OutcomeData(**row) for row in outcomes.filled()]
        if not carried and not new:
            raise ValidationError(rules.NO_OUTCOMES_CHOSEN)
        return services.plan_open(
            pupil=pupil,
            **form.cleaned_data,
            outcomes=carried + new,
            previous=previous,
            by=_user(request),
            today=day,
        )

    done = _saved(
        request,
        [form, carry, outcomes],
        save,
        done="The next support plan is open.",
        then=lambda plan: plan.get_absolute_url(),  # type: ignore[attr-defined]
    )
    if done:
        return done
    context = {
        "pupil": pupil,
        "form": form,
        "carry": carry,
        "outcomes": outcomes,
        "previous": previous,
        "standing": selectors.standing_of(pupil, day=day),
        "heading": f"Open the next plan for {pupil}",
        "button": "Open the next plan",
        "not_reviewed": previous.is_open,
    }
    return render(request, "support/plan_form.html", context)


@require_GET
@require_permission(VIEW)
def plan_document(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(_member(request), pk)
    day = today()

    def build() -> documents.Document:
        detail = selectors.plan_detail(plan, day=day)
        facts = selectors.pupil_facts(plan.pupil, day=day)
        return documents.plan_document(detail, facts, school=plan.pupil.school, today=day)

    return _document(
        request,
        build,
        lambda f: documents.filename("support-plan", plan.pupil, day, f, plan.number),
        pupil=plan.pupil,
        what="support plan document",
    )


@require_GET
@require_permission(VIEW)
def review_document(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(_member(request), pk)
    if plan.is_open:
        raise Http404("This plan has not been reviewed yet.")
    day = today()

    def build() -> documents.Document:
        detail = selectors.plan_detail(plan, day=day)
        facts = selectors.pupil_facts(plan.pupil, day=day)
        return documents.review_document(detail, facts, school=plan.pupil.school, today=day)

    return _document(
        request,
        build,
        lambda f: documents.filename("plan-review", plan.pupil, day, f, plan.number),
        pupil=plan.pupil,
        what="plan review document",
    )


# --- Meetings ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def meeting_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    form = MeetingForm(request.POST or None, initial={"held_on": day})
    done = _saved(
        request,
        [form],
        lambda: services.meeting_record(
            pupil=pupil, **form.cleaned_data, by=_user(request), today=day
        ),
        done="The meeting was recorded.",
        then=lambda meeting: meeting.get_absolute_url(),  # type: ignore[attr-defined]
    )
    if done:
        return done
    return _form_page(
        request,
        pupil,
        form,
        heading=f"Record a meeting with {pupil}'s parents",
        button="Record the meeting",
        back=reverse("support_pupil", args=[pupil.pk]),
        intro="Gather the pupil's views for the meeting if they are not there.",
    )


@require_GET
@require_permission(VIEW)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(_member(request), pk)
    access_record(
        by=_user(request),
        school_id=meeting.pupil.school_id,
        pupil_id=meeting.pupil_id,
        what="parent meeting",
    )
    findings = selectors.text_findings(
        [
            ("What the parents said", meeting.parents_said),
            ("What the pupil said", meeting.pupil_said),
            ("Agreed actions", meeting.actions),
        ]
    )
    context = {"meeting": meeting, "pupil": meeting.pupil, "findings": findings}
    return render(request, "support/meeting_detail.html", context)


@require_GET
@require_permission(VIEW)
def meeting_document(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(_member(request), pk)
    day = today()
    return _document(
        request,
        lambda: documents.meeting_document(meeting, school=meeting.pupil.school, today=day),
        lambda f: documents.filename("parent-meeting", meeting.pupil, meeting.held_on, f),
        pupil=meeting.pupil,
        what="parent meeting document",
    )


# --- Specialists ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def specialist_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    form = SpecialistForm(request.POST or None)
    done = _saved(
        request,
        [form],
        lambda: services.specialist_add(
            pupil=pupil, data=form.cleaned_data, by=_user(request), today=day
        ),
        done="The specialist's involvement was recorded.",
        then=lambda s: s.get_absolute_url(),  # type: ignore[attr-defined]
    )
    if done:
        return done
    return _form_page(
        request,
        pupil,
        form,
        heading=f"Involve a specialist for {pupil}",
        button="Record it",
        back=reverse("support_pupil", args=[pupil.pk]),
        intro="The parents must agree before a specialist is involved: record their consent first.",
    )


@require_GET
@require_permission(VIEW)
def specialist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    involvement = selectors.specialist_get_for_user(membership, pk)
    access_record(
        by=_user(request),
        school_id=involvement.pupil.school_id,
        pupil_id=involvement.pupil_id,
        what="specialist",
    )
    context = {
        "s": involvement,
        "pupil": involvement.pupil,
        "can_read_reports": membership.can(Permission.SPECIALIST_REPORTS_VIEW),
        "findings": selectors.text_findings([("Recommendations", involvement.recommendations)]),
    }
    return render(request, "support/specialist_detail.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def specialist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    involvement = selectors.specialist_get_for_user(membership, pk)
    day = today()
    form = SpecialistForm(
        request.POST or None, instance=selectors.specialist_get_for_user(membership, pk)
    )
    done = _saved(
        request,
        [form],
        lambda: services.specialist_update(
            involvement=involvement, data=form.cleaned_data, by=_user(request), today=day
        ),
        done="Saved.",
        then=lambda _: involvement.get_absolute_url(),
    )
    if done:
        return done
    return _form_page(
        request,
        involvement.pupil,
        form,
        heading=f"Change: {involvement.label}",
        button="Save",
        back=involvement.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    involvement = selectors.specialist_get_for_user(_member(request), pk)
    day = today()
    form = VisitForm(request.POST or None, initial={"visited_on": day})
    done = _saved(
        request,
        [form],
        lambda: services.specialist_visit_add(
            involvement=involvement, **form.cleaned_data, by=_user(request), today=day
        ),
        done="The visit was recorded.",
        then=lambda _: involvement.get_absolute_url(),
    )
    if done:
        return done
    return _form_page(
        request,
        involvement.pupil,
        form,
        heading=f"Record a visit: {involvement.label}",
        button="Record the visit",
        back=involvement.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def report_add(request: HttpRequest, pk: int) -> HttpResponse:
    involvement = selectors.specialist_get_for_user(_member(request), pk)
    day = today()
    form = ReportForm(request.POST or None, request.FILES or None, initial={"received_on": day})

    def save() -> object:
        upload = form.cleaned_data["file"]
        limit = services.report_limit_bytes()
        # Read one byte past the limit, never the whole of an oversized file.
        content = upload.read(limit + 1)
        return services.specialist_report_add(
            involvement=involvement,
            content=content,
            name=upload.name or "",
            size=upload.size,
            received_on=form.cleaned_data["received_on"],
            by=_user(request),
            today=day,
        )

    done = _saved(
        request,
        [form],
        save,
        done="The report was uploaded.",
        then=lambda _: involvement.get_absolute_url(),
    )
    if done:
        return done
    return _form_page(
        request,
        involvement.pupil,
        form,
        heading=f"Upload a report: {involvement.label}",
        button="Upload the report",
        back=involvement.get_absolute_url(),
        multipart=True,
        intro=f"A PDF or Word document (.docx) of at most {settings.SENDREG_REPORT_MAX_MB} MB.",
    )


@require_GET
@require_permission(Permission.SPECIALIST_REPORTS_VIEW)
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as an attachment, never shown in the browser and never cached."""
    report = selectors.report_get_for_user(_member(request), pk)
    pupil = report.involvement.pupil
    access_record(
        by=_user(request), school_id=pupil.school_id, pupil_id=pupil.pk, what="specialist report"
    )
    kind = rules.ReportKind(report.kind)
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=documents.filename("specialist-report", pupil, report.received_on, kind.value),
        content_type=kind.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Passports --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def passport_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    form = PassportForm(request.POST or None, instance=services.passport_for(pupil))
    done = _saved(
        request,
        [form],
        lambda: services.passport_save(
            pupil=pupil, data=form.cleaned_data, by=_user(request), today=day
        ),
        done="The passport was saved.",
        then=lambda _: reverse("support_pupil", args=[pupil.pk]) + "#passport",
    )
    if done:
        return done
    return _form_page(
        request,
        pupil,
        form,
        heading=f"{pupil}'s passport",
        button="Save the passport",
        back=reverse("support_pupil", args=[pupil.pk]),
        intro="Write it with the pupil, in their words: “I like…”, “Help me by…”.",
    )


@require_http_methods(["GET", "POST"])
@require_permission(Permission.PASSPORT_SUGGEST)
def passport_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    form = SuggestionForm(request.POST or None)
    done = _saved(
        request,
        [form],
        lambda: services.passport_suggest(
            pupil=pupil, **form.cleaned_data, by=_user(request), today=day
        ),
        done="Thank you: the SENCO will look at your suggestion.",
        then=lambda _: reverse("support_pupil", args=[pupil.pk]) + "#passport",
    )
    if done:
        return done
    return _form_page(
        request,
        pupil,
        form,
        heading=f"Suggest a change to {pupil}'s passport",
        button="Send the suggestion",
        back=reverse("support_pupil", args=[pupil.pk]),
        passport_parts=selectors.passport_parts(services.passport_for(pupil)),
    )


@require_POST
@require_permission(EDIT)
def suggestion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = selectors.suggestion_get_for_user(_member(request), pk)
    back = reverse("support_pupil", args=[suggestion.pupil_id]) + "#passport"
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to accept or decline the suggestion.")
        return redirect_after_post(request, back)
    try:
        services.passport_suggestion_decide(
            suggestion=suggestion,
            accept=form.cleaned_data["accept"],
            by=_user(request),
            today=today(),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "The passport now says what was suggested."
            if form.cleaned_data["accept"]
            else "The suggestion was declined.",
        )
    return redirect_after_post(request, back)


@require_GET
@require_permission(VIEW)
def passport_document(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    return _document(
        request,
        lambda: documents.passport_document(
            services.passport_for(pupil), pupil, school=pupil.school, today=day
        ),
        lambda f: documents.filename("passport", pupil, day, f),
        pupil=pupil,
        what="passport document",
    )


# --- The annual report, the class sheet and the settings --------------------------------------


@require_GET
@require_permission(VIEW)
def annual_report(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    years = selectors.report_years(pupil, day=day) or [rules.academic_year_start(day)]
    form = AnnualReportForm(request.GET or None, years=years, initial={"year": years[0]})
    if request.GET and form.is_valid():
        year = form.cleaned_data["year"]

        def build() -> documents.Document:
            report = selectors.annual_report(pupil, year=year, day=day)
            facts = selectors.pupil_facts(pupil, day=day)
            return documents.annual_report_document(report, facts, school=pupil.school, today=day)

        kind = f"annual-report-{rules.academic_year_label(year).replace('/', '-')}"
        return _document(
            request,
            build,
            lambda f: documents.filename(kind, pupil, day, f),
            pupil=pupil,
            what="annual report",
            wanted=form.cleaned_data["format"],
        )
    return render(
        request, "support/annual_report.html", {"pupil": pupil, "form": form, "method": "get"}
    )


@require_GET
@require_permission(VIEW)
def class_sheet(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    day = today()
    view = selectors.teacher_view(membership, day=day)
    user = _user(request)
    body = documents.render(
        documents.class_sheet_document(
            view, teacher_name=user.name, school=membership.school, today=day
        ),
        "pdf",
    )
    for group in view.groups:
        for taught in group.pupils:
            access_record(
                by=user,
                school_id=membership.school_id,
                pupil_id=taught.pupil.pk,
                what="class sheet",
            )
    response = HttpResponse(body, content_type=PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="class-sheet-{day.isoformat()}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@require_permission(EDIT)
def settings_edit(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    current = services.support_settings_for(membership.school)
    form = SettingsForm(
        request.POST or None, initial={"meetings_per_year": current.meetings_per_year}
    )
    done = _saved(
        request,
        [form],
        lambda: services.support_settings_update(
            school=membership.school, **form.cleaned_data, by=_user(request)
        ),
        done="The settings were saved.",
        then=lambda _: reverse("support_plans"),
    )
    if done:
        return done
    return render(request, "support/settings.html", {"form": form})
