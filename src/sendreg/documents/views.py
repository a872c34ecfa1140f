from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.forms import SchoolContactForm
from sendreg.accounts.models import SCHOOL_CONTACT_FIELDS
from sendreg.accounts.permissions import Permission
from sendreg.audit.services import access_record
from sendreg.documents import letters, register_pack
from sendreg.documents.forms import LetterTemplateForm
from sendreg.documents.rules import PLACEHOLDERS
from sendreg.documents.selectors import letter_template_for, letter_templates_for
from sendreg.documents.services import letter_template_save, school_contact_update
from sendreg.lib.dates import today
from sendreg.lib.htmx import redirect_after_post
from sendreg.lib.spreadsheets import XLSX_TYPE
from sendreg.register.rules import NotificationKind
from sendreg.register.selectors import notification_get_for_user

FORMATS = {"pdf": letters.PDF_TYPE, "docx": letters.DOCX_TYPE}
FORMAT_UNKNOWN = "Ask for the letter as format=pdf (to send) or format=docx (to edit)."
TEMPLATE_BROKEN = (
    "The school's wording for this letter cannot be used: {problem} Put it right, then "
    "download the letter again."
)


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@require_permission(Permission.SEN_EDIT)
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The parent letters for one notification, as PDF (to send) or DOCX (to edit)."""
    membership = request.membership  # type: ignore[attr-defined]
    notification = notification_get_for_user(membership, pk)
    wanted = request.GET.get("format", "pdf")
    if wanted not in FORMATS:
        return HttpResponseBadRequest(FORMAT_UNKNOWN, content_type="text/plain; charset=utf-8")
    kind = NotificationKind(notification.kind)
    template = letter_template_for(membership.school, kind)
    try:
        built = letters.letters_for(notification, template, by=request.user, today=today())  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, TEMPLATE_BROKEN.format(problem=" ".join(exc.messages)))
        return redirect("documents_letter_template_edit", kind=kind.value)
    access_record(
        by=request.user,  # type: ignore[arg-type]
        school_id=notification.pupil.school_id,
        pupil_id=notification.pupil_id,
        what="parent letter",
    )
    body = letters.letters_pdf(built) if wanted == "pdf" else letters.letters_docx(built)
    return _attachment(body, FORMATS[wanted], letters.letter_filename(notification, wanted))


@require_GET
@require_permission(Permission.SEN_EDIT)
def letter_templates(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    context = {"templates": letter_templates_for(membership.school)}
    return render(request, "documents/letter_templates.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(Permission.SEN_EDIT)
def letter_template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """Change the school's wording of one kind of letter, or go back to the default."""
    membership = request.membership  # type: ignore[attr-defined]
    try:
        letter_kind = NotificationKind(kind)
    except ValueError:
        raise Http404("No such letter.") from None
    template = letter_template_for(membership.school, letter_kind)
    resetting = request.method == "POST" and "reset" in request.POST
    data: Mapping[str, Any] | None = request.POST if request.method == "POST" else None
    if resetting:
        subject, body = letters.default_template(letter_kind)
        data = {"subject": subject, "body": body}
    form = LetterTemplateForm(data, initial={"subject": template.subject, "body": template.body})
    if request.method == "POST" and form.is_valid():
        try:
            letter_template_save(
                school=membership.school,
                kind=letter_kind,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = "went back to the default" if resetting else "was saved"
            messages.success(request, f"The wording of the letter “{letter_kind.label}” {done}.")
            return redirect_after_post(request, reverse("documents_letter_templates"))
    preview = None
    if request.method == "GET":
        preview = letters.letter_preview(template, by=request.user, today=today())  # type: ignore[arg-type]
    context = {
        "kind": letter_kind,
        "form": form,
        "placeholders": PLACEHOLDERS,
        "preview": preview,
        "customised": template.pk is not None,
        "wording_notes": letters.wording_notes(template),
        "contact_notes": letters.school_contact_notes(membership.school),
    }
    return render(request, "documents/letter_template_edit.html", context)


SCHOOL_CONTACT_SAVED = "The school's contact details were saved. Letters to parents now give them."
SCHOOL_CONTACT_UNCHANGED = "Nothing had changed."


@require_http_methods(["GET", "POST"])
@require_permission(Permission.SCHOOL_DETAILS_EDIT)
def school_contact_edit(request: HttpRequest) -> HttpResponse:
    """The school's address, telephone and email, and the local advice, that letters give."""
    membership = request.membership  # type: ignore[attr-defined]
    school = membership.school
    # Bind to a copy: a form that fails validation must not leave half-changed fields behind.
    form = SchoolContactForm(request.POST or None, instance=copy.copy(school))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in SCHOOL_CONTACT_FIELDS}
        try:
            changed = school_contact_update(school=school, data=data, by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, SCHOOL_CONTACT_SAVED if changed else SCHOOL_CONTACT_UNCHANGED)
            return redirect_after_post(request, reverse("documents_school_contact"))
    context = {"form": form, "school": school, "notes": letters.school_contact_notes(school)}
    return render(request, "documents/school_contact.html", context)


@require_GET
@require_permission(Permission.REGISTER_EXPORT)
def register_pack_download(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    day = today()
    body = register_pack.register_pack_bytes(membership, day=day)
    return _attachment(body, XLSX_TYPE, register_pack.register_pack_filename(membership, day))
