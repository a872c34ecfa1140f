"""The analysis and the findings, under /insight/. Every URL name starts ``insight_``.

The SENCO, deputy and head (``INSIGHT_VIEW``) see the pupils concerned named; those who see
only figures (``AGGREGATES_VIEW``: governors, advisers, office) see the same pages with no
name and every small count withheld. Changes (a snapshot now, a note on a finding or a
case) need ``INSIGHT_EDIT`` and go through the services, audited. A GET never writes: a day
without a snapshot is analysed from the live register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.insight import presenters, rules, selectors, services
from sendreg.insight.models import Snapshot
from sendreg.lib.dates import today
from sendreg.lib.extensions import PageContext

SEE = (Permission.INSIGHT_VIEW, Permission.AGGREGATES_VIEW)


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class DayForm(forms.Form):
    date = forms.DateField(
        label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _day(request: HttpRequest) -> tuple[DayForm, dt.date]:
    form = DayForm(request.GET or None)
    day = today()
    if form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    return form, day


def _context(request: HttpRequest) -> dict[str, Any]:
    membership = _member(request)
    form, day = _day(request)
    found = selectors.analysis(membership.school, day)
    names = membership.can(Permission.INSIGHT_VIEW)
    return {
        "form": form,
        "day": day,
        "found": found,
        "names": names,
        "suppress": not names,
        "can_edit": membership.can(Permission.INSIGHT_EDIT),
        "snapshots": list(
            selectors.snapshots_of(membership.school).values_list("taken_on", flat=True)
        ),
    }


@require_permission(*SEE)
def analysis_view(request: HttpRequest) -> HttpResponse:
    """The register as an analytical tool: figures against national, breakdowns, attendance
    and trends, each chart with its table."""
    context = _context(request)
    context["tables"] = presenters.tables(context["found"], suppress=context["suppress"])
    return render(request, "insight/analysis.html", context)


@require_permission(*SEE)
def findings_view(request: HttpRequest) -> HttpResponse:
    """The term's findings, each with the pupils concerned, the SENCO's note and action."""
    context = _context(request)
    found: selectors.Analysis = context["found"]
    school = _member(request).school
    names = None
    cases: Mapping[str, Any] = {}
    if context["names"]:
        upns = {upn for f in found.findings for upn in f.upns}
        links = selectors.pupils_by_upn(school, upns)
        names = {upn: (link.name, link.url) for upn, link in links.items()}
        cases = selectors.case_notes(school)
    context.update(
        findings=presenters.finding_views(
            found,
            names=names,
            suppress=context["suppress"],
            notes=selectors.finding_notes(school),
            cases=cases,
        ),
        case_note_max=services.CASE_NOTE_MAX,
    )
    return render(request, "insight/findings.html", context)


@require_POST
@require_permission(Permission.INSIGHT_EDIT)
def snapshot_view(request: HttpRequest) -> HttpResponse:
    """Take (or take again) today's snapshot."""
    membership = _member(request)
    snapshot = services.take_snapshot(
        membership.school, today(), Snapshot.Reason.ON_DEMAND, _user(request)
    )
    messages.success(
        request,
        f"Snapshot taken for {snapshot.taken_on:%-d %B %Y}: {snapshot.roll} pupils on roll.",
    )
    back = "insight_findings" if request.POST.get("next") == "findings" else "insight_analysis"
    return redirect(back)


class FindingNoteForm(forms.Form):
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(
        label="Action", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@require_POST
@require_permission(Permission.INSIGHT_EDIT)
def finding_note_view(request: HttpRequest, key: str) -> HttpResponse:
    if key not in {k.value for k in rules.Key}:
        raise Http404("No such finding.")
    form = FindingNoteForm(request.POST)
    if form.is_valid():
        services.finding_note_save(
            school=_member(request).school,
            key=key,
            note=form.cleaned_data["note"],
            action=form.cleaned_data["action"],
            by=_user(request),
        )
        messages.success(request, "The note and action are saved.")
    return redirect(reverse("insight_findings") + f"#finding-{key}")


class CaseNoteForm(forms.Form):
    upn = forms.CharField(max_length=13)
    text = forms.CharField(
        label="One sentence about the case", max_length=services.CASE_NOTE_MAX * 2
    )


@require_POST
@require_permission(Permission.INSIGHT_EDIT)
def case_note_view(request: HttpRequest) -> HttpResponse:
    school = _member(request).school
    form = CaseNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the note: one sentence about the case.")
        return redirect("insight_findings")
    upn = form.cleaned_data["upn"]
    if upn not in selectors.pupils_by_upn(school, [upn]):
        raise Http404("No such pupil.")
    try:
        services.case_note_save(
            school=school, upn=upn, text=form.cleaned_data["text"], by=_user(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The note on the case is saved.")
    return redirect("insight_findings")


# --- The SENCO's home panel -------------------------------------------------------------


def home_panel(page: PageContext) -> Mapping[str, Any] | None:
    """How many pupils or needs the findings concerned at the latest snapshot, by question,
    with a link to today's findings. Read from the snapshot (one query), so that the home
    page does not work out every finding each time it is opened."""
    if not page.membership.can(Permission.INSIGHT_EDIT):
        return None
    latest = selectors.latest_finding_counts(page.membership.school_id, page.day)
    if latest is None:
        return {"snapshot": None}
    counts = latest["finding_counts"]
    raised = [
        (rules.QUESTIONS[key], counts[key.value])
        for key in rules.QUESTIONS
        if counts.get(key.value)
    ]
    return {"snapshot": latest["taken_on"], "raised": raised}
