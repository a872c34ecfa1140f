from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.imports import selectors
from sendreg.imports.dispatch import MIS, choose_kind, kinds_for
from sendreg.imports.forms import ConfirmForm, UploadForm
from sendreg.imports.kinds import IMPORT_KINDS, ImportKind, ImportRequest
from sendreg.imports.parsers import ImportRefused
from sendreg.imports.services import ImportPlan, import_apply, import_plan
from sendreg.imports.uploads import (
    Pending,
    PendingGone,
    pending_forget,
    pending_load,
    pending_save,
)
from sendreg.lib.dates import today
from sendreg.lib.paging import paginate
from sendreg.lib.text import strip_control

EXPIRED = "That upload has expired or was never made. Upload the file again."
#: Form fields the preview page posts for itself, not a kind's choices.
_OWN_FIELDS = ("csrfmiddlewaretoken", "action")


@require_http_methods(["GET", "POST"])
@require_permission(Permission.IMPORTS_RUN)
def import_list(request: HttpRequest) -> HttpResponse:
    """Every import so far, and the form to upload the next one."""
    membership = request.membership  # type: ignore[attr-defined]
    kinds = kinds_for(membership)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        filename = strip_control(upload.name or "upload")
        try:
            kind = choose_kind(form.cleaned_data["kind"], filename, data, kinds)
            # Refuse an unusable file now, before anything is kept.
            _plan(membership.school, kind, data, filename, form.cleaned_data)
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            pending = pending_save(
                request.session,
                school_id=membership.school_id,
                filename=filename,
                kind=kind.key if kind else MIS,
                data=data,
                mapping=form.cleaned_data["mapping"],
                whole_roll=form.cleaned_data["whole_roll"],
            )
            return redirect("import_preview", token=pending.token)
    runs = selectors.import_runs_recent(membership.school)
    return render(request, "imports/list.html", {"form": form, "runs": runs})


def _plan(
    school: Any, kind: ImportKind | None, data: bytes, filename: str, options: dict[str, Any]
) -> None:
    if kind is None:
        import_plan(
            school=school,
            data=data,
            filename=filename,
            mapping=options["mapping"],
            whole_roll=options["whole_roll"] or None,
            today=today(),
        )
    else:
        kind.plan(_request(school, data, filename, options["mapping"]))


def _request(
    school: Any, data: bytes, filename: str, mapping: dict[str, str], choices: Any = None
) -> ImportRequest:
    return ImportRequest(
        school=school,
        data=data,
        filename=filename,
        today=today(),
        mapping=mapping,
        choices=choices if choices is not None else {},
    )


def _pending(request: HttpRequest, token: str) -> tuple[Pending, bytes]:
    membership = request.membership  # type: ignore[attr-defined]
    try:
        return pending_load(request.session, token, school_id=membership.school_id)
    except PendingGone:
        raise Http404(EXPIRED) from None


def _kind_of(request: HttpRequest, pending: Pending) -> ImportKind | None:
    if pending.kind == MIS:
        return None
    kind = IMPORT_KINDS.get(pending.kind)
    if kind is None:
        raise Http404(EXPIRED)
    if not request.membership.can(kind.permission):  # type: ignore[attr-defined]
        raise PermissionDenied
    return kind


@require_http_methods(["GET", "POST"])
@require_permission(Permission.IMPORTS_RUN)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """What the upload would do; confirming applies it, cancelling forgets it."""
    pending, data = _pending(request, token)
    kind = _kind_of(request, pending)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        pending_forget(request.session, token)
        messages.info(request, f"The import of {pending.filename} was cancelled; nothing changed.")
        return redirect("import_list")
    try:
        if kind is not None:
            return _kind_preview(request, pending, data, kind)
        return _mis_preview(request, pending, data)
    except ImportRefused as exc:
        # The file read well when it was uploaded, but no longer does (a saved column
        # mapping changed, say): say why, and let it be uploaded again.
        pending_forget(request.session, pending.token)
        messages.error(request, str(exc))
        return redirect("import_list")


def _mis_preview(request: HttpRequest, pending: Pending, data: bytes) -> HttpResponse:
    school = request.membership.school  # type: ignore[attr-defined]
    options: dict[str, Any] = {
        "school": school,
        "data": data,
        "filename": pending.filename,
        "mapping": pending.mapping,
        "whole_roll": pending.whole_roll or None,
        "today": today(),
    }
    plan = import_plan(**options)
    form = ConfirmForm(
        request.POST or None,
        leaver_choices=[(p.pupil_id, f"{p.name} ({p.upn})") for p in plan.possible_leavers],
        other_school=school.name if plan.other_school else "",
        initial={"left_on": today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            _, run = import_apply(
                **options,
                by=request.user,  # type: ignore[arg-type]
                leavers=form.cleaned_data["leavers"],
                left_on=form.cleaned_data["left_on"],
                other_school_ok=form.cleaned_data.get("other_school_ok", False),
            )
        except ImportRefused as exc:
            # The records changed while the preview was open and the file now reads differently.
            form.add_error(None, str(exc))
        else:
            pending_forget(request.session, pending.token)
            messages.success(request, f"{pending.filename} was imported.")
            return redirect(reverse("import_detail", args=[run.pk]))
    context = {"plan": plan, "form": form, "token": pending.token, **_pages(plan, request.GET)}
    return render(request, "imports/preview.html", context)


def _pages(plan: ImportPlan, query: QueryDict) -> dict[str, Any]:
    """The preview's long lists, a page at a time (a 49 MB file once made a 93 MB page)."""
    return {
        "errors_page": paginate(plan.errors, query, param="errors"),
        "warnings_page": paginate(plan.warnings, query, param="warnings"),
        "discrepancies_page": paginate(plan.discrepancies, query, param="differences"),
        "updates_page": paginate(plan.updates, query, param="changes"),
    }


def _kind_preview(
    request: HttpRequest, pending: Pending, data: bytes, kind: ImportKind
) -> HttpResponse:
    school = request.membership.school  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST":
        choices = request.POST.copy()
        for name in _OWN_FIELDS:
            choices.pop(name, None)
        try:
            outcome = kind.apply(
                _request(school, data, pending.filename, pending.mapping, choices),
                request.user,  # type: ignore[arg-type]
            )
        except (ImportRefused, ValidationError) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            pending_forget(request.session, pending.token)
            messages.success(request, f"{pending.filename} was imported.")
            run = selectors.import_run_latest(
                school, kind=kind.key, sha256=str(outcome.summary.get("sha256", ""))
            )
            if run is not None:
                return redirect(reverse("import_detail", args=[run.pk]))
            return redirect("import_list")
    outcome = kind.plan(_request(school, data, pending.filename, pending.mapping))
    context = {
        "outcome": outcome,
        "kind": kind,
        "token": pending.token,
        "error": error,
        **_summary_pages(outcome.summary, request.GET),
    }
    return render(request, kind.preview_template, context)


def _summary_pages(summary: dict[str, Any], query: QueryDict) -> dict[str, Any]:
    """A summary's problems a page at a time, and its counts as (label, number) figures."""
    return {
        "errors_page": paginate(summary.get("errors", []), query, param="errors"),
        "warnings_page": paginate(summary.get("warnings", []), query, param="warnings"),
        "figures": [
            (key.replace("_", " ").capitalize(), value)
            for key, value in summary.items()
            if isinstance(value, int) and not isinstance(value, bool) and key != "rows"
        ],
    }


@require_permission(Permission.IMPORTS_RUN)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    run = selectors.import_run_get(membership.school, pk)
    context = {"run": run, "summary": run.summary, **_summary_pages(run.summary, request.GET)}
    return render(request, "imports/detail.html", context)
