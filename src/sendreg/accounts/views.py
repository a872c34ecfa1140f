from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sendreg.accounts.selectors import SESSION_SCHOOL_KEY, memberships_for_user


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
