"""The EHC pages: the school's list, a pupil's record, the forms that add to it, the review
page with its invitations and documents, and the school's setting.

Seeing needs EHC_VIEW (the SENCO, the deputy and the head); changing needs EHC_EDIT (the
SENCO and the deputy). A pupil outside the member's school answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.audit.services import access_record
from sendreg.ehc import documents, selectors, services
from sendreg.ehc.forms import (
    DueDateForm,
    EventForm,
    InvitationsSentForm,
    InviteeForm,
    SettingsForm,
    WithdrawForm,
)
from sendreg.ehc.models import EhcEvent
from sendreg.ehc.rules import EventKind, final_year_label
from sendreg.ehc.selectors import EDIT, VIEW
from sendreg.lib.dates import today
from sendreg.lib.documents import DOCX_TYPE, PDF_TYPE, document_docx, document_pdf
from sendreg.lib.extensions import PageContext
from sendreg.lib.htmx import redirect_after_post
from sendreg.pupils.models import Pupil

FORMATS = {"pdf": (PDF_TYPE, document_pdf), "docx": (DOCX_TYPE, document_docx)}
FORMAT_UNKNOWN = "Ask for the document as format=pdf (to send) or format=docx (to edit)."


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _pupil(request: HttpRequest, pk: int) -> Pupil:
    return selectors.ehc_pupil_get(_member(request), pk)


def _errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _ehc_url(pupil: Pupil) -> str:
    return reverse("ehc_pupil", args=[pupil.pk])


# --- Sections of other pages ------------------------------------------------------------------


def pupil_section(page: PageContext) -> dict[str, Any] | None:
    """The EHC section of a pupil's page, for those who may see EHC records."""
    if page.pupil is None or not page.membership.can(Permission.EHC_VIEW):
        return None
    record = selectors.ehc_record(page.pupil, today=page.day)
    return {
        "record": record,
        "pupil": page.pupil,
        "can_edit": page.membership.can(Permission.EHC_EDIT),
    }


# --- The pages ---------------------------------------------------------------------------------


@require_GET
@require_permission(*VIEW)
def ehc_list(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    records = selectors.member_records(membership, today=today())
    context = {
        "records": records,
        "final_year": final_year_label(selectors.final_year_for(membership.school)),
        "final_year_set": selectors.final_year_is_set(membership.school),
    }
    return render(request, "ehc/list.html", context)


@require_GET
@require_permission(*VIEW)
def ehc_pupil(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    day = today()
    record = selectors.ehc_record(pupil, today=day)
    access_record(by=_user(request), school_id=pupil.school_id, pupil_id=pupil.pk, what="ehc")
    context = {
        "pupil": pupil,
        "record": record,
        "today": day,
        "can_edit": _member(request).can(Permission.EHC_EDIT),
        "can_edit_sen": _member(request).can(Permission.SEN_EDIT),
        "kinds": EventKind,
    }
    return render(request, "ehc/pupil.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def ehc_event_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in EventKind.values:
        raise Http404("No such EHC event.")
    pupil = _pupil(request, pk)
    day = today()
    form = EventForm(
        request.POST or None, kind=kind, pupil_year=pupil.year_group, initial={"on": day}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.ehc_event_record(
                pupil=pupil,
                kind=kind,
                on=form.cleaned_data["on"],
                details=form.details(),
                by=_user(request),
                today=day,
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"Recorded: {EventKind(kind).label.lower()}.")
            return redirect_after_post(request, _ehc_url(pupil))
    context = {"pupil": pupil, "form": form, "kind": EventKind(kind)}
    return render(request, "ehc/event_form.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def ehc_event_withdraw(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    event = selectors.event_get(pupil, event_pk)
    if event.withdrawn:
        raise Http404("Already withdrawn.")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ehc_event_withdraw(
                event=event, reason=form.cleaned_data["reason"], by=_user(request)
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "The event was withdrawn. It stays in the record.")
            return redirect_after_post(request, _ehc_url(pupil))
    return render(request, "ehc/withdraw.html", {"pupil": pupil, "event": event, "form": form})


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def ehc_due_date(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.ehc_record(pupil, today=today())
    row = next((r for r in record.rows if r.duty.key == key), None)
    if row is None:
        raise Http404("No such deadline.")
    initial = {"due": row.duty.due if row.duty.overridden else None}
    form = DueDateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ehc_due_date_set(
                pupil=pupil,
                duty_key=key,
                due=form.cleaned_data["due"],
                reason=form.cleaned_data["reason"],
                by=_user(request),
                known_keys=[duty.key for duty in record.duties],
                statutory_due=row.duty.statutory_due,
                current_due=row.duty.due,
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "The deadline's date was changed.")
            return redirect_after_post(request, _ehc_url(pupil))
    return render(request, "ehc/due_date.html", {"pupil": pupil, "row": row, "form": form})


def _review_page(
    request: HttpRequest,
    pupil: Pupil,
    review: EhcEvent,
    *,
    invitee_form: InviteeForm | None = None,
    sent_form: InvitationsSentForm | None = None,
) -> HttpResponse:
    day = today()
    record = selectors.ehc_record(pupil, today=day)
    invitees = selectors.invitees_of(review)
    pending = record.pending_review is not None and record.pending_review.pk == review.pk
    can_edit = _member(request).can(Permission.EHC_EDIT)
    if can_edit and pending:
        invitee_form = invitee_form or InviteeForm()
        sent_form = sent_form or InvitationsSentForm(
            review_invitees=review.invitees.filter(invited_on__isnull=True),
            initial={"on": day},
        )
    duty = next(
        (row for row in record.rows if row.duty.key == f"review_invitations:{review.pk}"), None
    )
    context = {
        "pupil": pupil,
        "review": review,
        "invitees": invitees,
        "pending": pending,
        "can_edit": can_edit,
        "invitee_form": invitee_form if pending else None,
        "sent_form": sent_form if pending else None,
        "duty": duty,
    }
    return render(request, "ehc/review.html", context)


@require_GET
@require_permission(*VIEW)
def ehc_review(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    review = selectors.event_get(pupil, event_pk, kind=EventKind.REVIEW_SCHEDULED)
    return _review_page(request, pupil, review)


def _review_url(pupil: Pupil, review: EhcEvent) -> str:
    return reverse("ehc_review", args=[pupil.pk, review.pk])


@require_POST
@require_permission(*EDIT)
def ehc_invitee_add(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    review = selectors.event_get(pupil, event_pk, kind=EventKind.REVIEW_SCHEDULED)
    form = InviteeForm(request.POST)
    if form.is_valid():
        try:
            services.ehc_invitee_add(review=review, by=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['name']} was added to the invitations.")
            return redirect_after_post(request, _review_url(pupil, review))
    return _review_page(request, pupil, review, invitee_form=form)


@require_POST
@require_permission(*EDIT)
def ehc_invitee_remove(
    request: HttpRequest, pk: int, event_pk: int, invitee_pk: int
) -> HttpResponse:
    pupil = _pupil(request, pk)
    review = selectors.event_get(pupil, event_pk, kind=EventKind.REVIEW_SCHEDULED)
    invitee = selectors.invitee_get(review, invitee_pk)
    try:
        services.ehc_invitee_remove(invitee=invitee, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{invitee.name} was taken off the invitations.")
    return redirect_after_post(request, _review_url(pupil, review))


@require_POST
@require_permission(*EDIT)
def ehc_invitations_sent(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    review = selectors.event_get(pupil, event_pk, kind=EventKind.REVIEW_SCHEDULED)
    form = InvitationsSentForm(
        request.POST, review_invitees=review.invitees.filter(invited_on__isnull=True)
    )
    if form.is_valid():
        try:
            count = services.ehc_invitations_sent(
                review=review,
                invitees=list(form.cleaned_data["invitees"]),
                on=form.cleaned_data["on"],
                by=_user(request),
                today=today(),
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request, f"{count} invitation{'s' if count != 1 else ''} recorded as sent."
            )
            return redirect_after_post(request, _review_url(pupil, review))
    return _review_page(request, pupil, review, sent_form=form)


def _download(request: HttpRequest, pupil: Pupil, document: Any, name: str) -> HttpResponse:
    wanted = request.GET.get("format", "pdf")
    if wanted not in FORMATS:
        return HttpResponseBadRequest(FORMAT_UNKNOWN, content_type="text/plain; charset=utf-8")
    content_type, render_file = FORMATS[wanted]
    access_record(
        by=_user(request), school_id=pupil.school_id, pupil_id=pupil.pk, what="ehc document"
    )
    response = HttpResponse(render_file(document), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{wanted}"'
    return response


def _file_name(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() else "-" for c in part).strip("-") for part in parts)


@require_GET
@require_permission(*EDIT)
def ehc_invitation_letter(
    request: HttpRequest, pk: int, event_pk: int, invitee_pk: int
) -> HttpResponse:
    pupil = _pupil(request, pk)
    review = selectors.event_get(pupil, event_pk, kind=EventKind.REVIEW_SCHEDULED)
    invitee = selectors.invitee_get(review, invitee_pk)
    day = today()
    document = documents.invitation_letter(
        record=selectors.ehc_record(pupil, today=day),
        review=review,
        invitee=invitee,
        signed_by=_user(request).name,
        today=day,
    )
    name = _file_name("review-invitation", pupil.surname, pupil.forename, invitee.name)
    return _download(request, pupil, document, name)


@require_GET
@require_permission(*EDIT)
def ehc_review_report(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    held = selectors.event_get(pupil, event_pk, kind=EventKind.REVIEW_HELD)
    day = today()
    record = selectors.ehc_record(pupil, today=day)
    invitees = selectors.held_review_invitees(record, held)
    document = documents.review_report(record=record, held=held, invitees=invitees, today=day)
    name = _file_name("annual-review-report", pupil.surname, pupil.forename, held.on.isoformat())
    return _download(request, pupil, document, name)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def ehc_settings(request: HttpRequest) -> HttpResponse:
    school = _member(request).school
    form = SettingsForm(
        request.POST or None, initial={"final_year": selectors.final_year_for(school)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.ehc_settings_set(
                school=school, final_year=form.cleaned_data["final_year"], by=_user(request)
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "The EHC setting was saved.")
            return redirect_after_post(request, reverse("ehc_list"))
    context = {"form": form, "is_set": selectors.final_year_is_set(school)}
    return render(request, "ehc/settings.html", context)
