from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sendreg.accounts.decorators import require_membership
from sendreg.accounts.permissions import Permission
from sendreg.accounts.selectors import SESSION_SCHOOL_KEY, memberships_for_user
from sendreg.lib.dates import today
from sendreg.lib.national import latest_national
from sendreg.pupils.selectors import on_roll, pupils_visible_to
from sendreg.register import rules
from sendreg.register import selectors as register
from sendreg.register.census import census_calendar
from sendreg.register.discrepancies import discrepancies_for
from sendreg.register.notifications import notifications_outstanding


@require_membership
def home(request: HttpRequest) -> HttpResponse:
    """Each role's landing page: the SENCO's work, a teacher's pupils, a governor's picture."""
    membership = request.membership  # type: ignore[attr-defined]
    day = today()
    overrides = register.census_overrides()
    context: dict[str, object] = {
        "today": day,
        "censuses": rules.upcoming_censuses(day, 3, overrides),
        "memberships": memberships_for_user(request.user),  # type: ignore[arg-type]
    }
    if membership.can(Permission.REGISTER_VIEW):
        context["calendar"] = census_calendar(school=membership.school, today=day)
    if membership.can(Permission.AGGREGATES_VIEW):
        context["counts"] = register.register_counts(membership.school, day=day)
        context["national"] = latest_national()
        # Roles that see only aggregates never see a count small enough to name a child.
        context["suppress_small"] = not membership.can(Permission.PUPILS_VIEW_ALL)
    if membership.can(Permission.SEN_EDIT):
        context["recent"] = register.recent_changes(membership.school)
        context["attention"] = register.needs_attention(membership, day=day)
        context["discrepancies"] = discrepancies_for(membership, day=day)
        context["outstanding_notifications"] = notifications_outstanding(membership)
    elif membership.can(Permission.AUDIT_VIEW):
        context["recent"] = register.recent_changes(membership.school)
    if not membership.can(Permission.PUPILS_VIEW_ALL) and membership.can(
        Permission.PUPILS_VIEW_TAUGHT
    ):
        taught = (
            register.with_sen_status(pupils_visible_to(membership).filter(on_roll(day)), day)
            .prefetch_related("needs")
            .order_by("legal_surname", "legal_forename")
        )
        context["my_pupils"] = [p for p in taught if p.sen_status]
        context["my_pupil_count"] = len(taught)
    return render(request, "home.html", context)


@login_required
@require_POST
def school_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("school")
    for membership in memberships_for_user(request.user):  # type: ignore[arg-type]
        if str(membership.school_id) == wanted:
            request.session[SESSION_SCHOOL_KEY] = membership.school_id
    return redirect("home")


@login_required
def no_school(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_school.html", status=403)
