from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.accounts.selectors import login_failures_for_school
from sendreg.audit import rules
from sendreg.audit.selectors import (
    bulk_reads,
    events_as_read_by,
    events_for_school,
    unusual_access,
)
from sendreg.lib.dates import today
from sendreg.lib.extensions import audit_type_choices
from sendreg.lib.htmx import page_or_fragment, query_without

#: How many days the access report looks at.
REPORT_DAYS = 14
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    type = forms.ChoiceField(label="What happened", required=False)
    pupil = forms.CharField(label="Pupil name", required=False)
    actor = forms.CharField(label="Done by (name or email)", required=False)
    since = forms.DateField(label="From", required=False, widget=DATE)
    until = forms.DateField(label="To", required=False, widget=DATE)
    #: One pupil's record, from the link on their page (by id: two pupils may share a name).
    pupil_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read when the form is made, so that every app's types are registered by then.
        self.fields["type"].choices = [("", "Everything"), *audit_type_choices()]  # type: ignore[attr-defined]


@require_permission(Permission.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = events_for_school(
        membership.school,
        type=filters.get("type") or "",
        actor=filters.get("actor") or "",
        pupil=filters.get("pupil") or "",
        pupil_id=filters.get("pupil_id"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = events_as_read_by(membership, page.object_list)
    query = query_without(request, "page")
    one_pupil = ""
    if filters.get("pupil_id") is not None:
        # Named as the trail names them (after an erasure, 'Erased').
        first = next(iter(page.object_list), None)
        one_pupil = (first.pupil_label if first else "") or "one pupil"
    context = {
        "form": form,
        "page": page,
        "query": query,
        "one_pupil": one_pupil,
        "everyone": query_without(request, "page", "pupil_id"),
    }
    return render(request, page_or_fragment(request, "audit/list.html", "results"), context)


@require_permission(Permission.ACCESS_LOG_VIEW)
def access_report(request: HttpRequest) -> HttpResponse:
    """Unusual access, downloads of whole lists and failed logins: for the SENCO and the head."""
    membership = request.membership  # type: ignore[attr-defined]
    day = today()
    context = {
        "days": REPORT_DAYS,
        "unusual": unusual_access(membership.school, today=day, days=REPORT_DAYS),
        "downloads": bulk_reads(membership.school),
        "failures": login_failures_for_school(
            membership.school, since=day - dt.timedelta(days=REPORT_DAYS - 1)
        ),
        "rules": rules,
    }
    return render(request, "audit/access.html", context)
