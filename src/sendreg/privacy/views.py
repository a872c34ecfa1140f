from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.lib.dates import today
from sendreg.privacy.selectors import login_failures_past, retention_report, rule_for
from sendreg.privacy.subject_access import ZIP_TYPE, subject_access_copy
from sendreg.pupils.selectors import pupil_get_for_user


@require_GET
@require_permission(Permission.PRIVACY_MANAGE)
def retention(request: HttpRequest) -> HttpResponse:
    """Which pupils' files are past their retention date, and which reach it within a year."""
    membership = request.membership  # type: ignore[attr-defined]
    day = today()
    context = {
        "report": retention_report(membership.school, today=day),
        "login_rule": rule_for("login_failures"),
        "login_failures": login_failures_past(today=day),
        "today": day,
    }
    return render(request, "privacy/retention.html", context)


@require_GET
@require_permission(Permission.PRIVACY_MANAGE)
def subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = pupil_get_for_user(membership, pk)
    return render(request, "privacy/subject_access.html", {"pupil": pupil})


@require_GET
@require_permission(Permission.PRIVACY_MANAGE)
def subject_access_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The ZIP; the access log records who downloaded it (``audit.access.LOGGED_READS``)."""
    membership = request.membership  # type: ignore[attr-defined]
    pupil = pupil_get_for_user(membership, pk)
    copy = subject_access_copy(pupil, by=request.user)  # type: ignore[arg-type]
    response = HttpResponse(copy.content, content_type=ZIP_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{copy.filename}"'
    return response
