from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.imports.forms import ConfirmForm, UploadForm
from sendreg.imports.models import ImportRun
from sendreg.imports.parsers import ImportRefused
from sendreg.imports.services import import_apply, import_plan
from sendreg.lib.dates import today

SESSION_KEY = "pending_imports"


def _pending_path(token: str) -> str:
    return f"pending-imports/{token}"


@require_http_methods(["GET", "POST"])
@require_permission(Permission.IMPORTS_RUN)
def import_list(request: HttpRequest) -> HttpResponse:
    """Every import so far, and the form to upload the next one."""
    membership = request.membership  # type: ignore[attr-defined]
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            # Refuse an unusable file now, before anything is kept.
            import_plan(
                school=membership.school,
                data=data,
                filename=upload.name,
                mapping=form.cleaned_data["mapping"],
                whole_roll=form.cleaned_data["whole_roll"] or None,
                today=today(),
            )
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            token = secrets.token_urlsafe(16)
            default_storage.save(_pending_path(token), ContentFile(data))
            pending = request.session.get(SESSION_KEY, {})
            pending[token] = {
                "school_id": membership.school_id,
                "filename": upload.name,
                "mapping": form.cleaned_data["mapping"],
                "whole_roll": form.cleaned_data["whole_roll"],
            }
            request.session[SESSION_KEY] = pending
            return redirect("import_preview", token=token)
    runs = ImportRun.objects.filter(school=membership.school)[:50]
    return render(request, "imports/list.html", {"form": form, "runs": runs})


def _pending(request: HttpRequest, token: str) -> tuple[dict[str, Any], bytes]:
    membership = request.membership  # type: ignore[attr-defined]
    pending = request.session.get(SESSION_KEY, {}).get(token)
    if not pending or pending["school_id"] != membership.school_id:
        raise Http404("That upload has expired or was never made. Upload the file again.")
    try:
        with default_storage.open(_pending_path(token)) as handle:
            return pending, handle.read()
    except FileNotFoundError:
        raise Http404("That upload has expired. Upload the file again.") from None


def _forget(request: HttpRequest, token: str) -> None:
    default_storage.delete(_pending_path(token))
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending


@require_http_methods(["GET", "POST"])
@require_permission(Permission.IMPORTS_RUN)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """What the upload would do; confirming applies it in one transaction."""
    membership = request.membership  # type: ignore[attr-defined]
    pending, data = _pending(request, token)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        _forget(request, token)
        messages.info(
            request, f"The import of {pending['filename']} was cancelled; nothing changed."
        )
        return redirect("import_list")
    options = {
        "school": membership.school,
        "data": data,
        "filename": pending["filename"],
        "mapping": pending["mapping"],
        "whole_roll": pending["whole_roll"] or None,
        "today": today(),
    }
    plan = import_plan(**options)
    choices = [
        (leaver.pupil_id, f"{leaver.name} ({leaver.upn})") for leaver in plan.possible_leavers
    ]
    form = ConfirmForm(
        request.POST or None,
        leaver_choices=choices,
        initial={"leavers": [c[0] for c in choices], "left_on": today()},
    )
    if request.method == "POST" and form.is_valid():
        _, run = import_apply(
            **options,
            by=request.user,  # type: ignore[arg-type]
            leavers=form.cleaned_data["leavers"],
            left_on=form.cleaned_data["left_on"],
        )
        _forget(request, token)
        messages.success(request, f"{pending['filename']} was imported.")
        return redirect(reverse("import_detail", args=[run.pk]))
    return render(request, "imports/preview.html", {"plan": plan, "form": form, "token": token})


@require_permission(Permission.IMPORTS_RUN)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    run = get_object_or_404(ImportRun, pk=pk, school=membership.school)
    return render(request, "imports/detail.html", {"run": run, "summary": run.summary})
