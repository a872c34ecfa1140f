"""Transfers in and out, record packs, consent to share: HTTP only.

Changes need TRANSFER_MANAGE (the SENCO and deputy); the transfer log needs
TRANSFER_LOG_VIEW (also the head). A pupil or record outside the member's school
answers 404. Pages and downloads holding pupil data are never cached.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.audit.services import access_record
from sendreg.lib.dates import today
from sendreg.lib.documents import PDF_TYPE, document_pdf
from sendreg.lib.htmx import redirect_after_post
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import pupil_get_for_user
from sendreg.register.services import StaleRecord
from sendreg.transfer import selectors, services
from sendreg.transfer.forms import (
    AcknowledgeForm,
    ConsentForm,
    CtfExportForm,
    DeclineForm,
    RecordPackForm,
    TransferInForm,
    WithdrawForm,
)
from sendreg.transfer.packs import acknowledgement_document
from sendreg.transfer.rules import SharingPurpose

MANAGE = Permission.TRANSFER_MANAGE
ZIP_TYPE = "application/zip"
XML_TYPE = "application/xml"


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _pupil(request: HttpRequest, pk: int) -> Pupil:
    return pupil_get_for_user(_member(request), pk)


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Transfer-in decisions ----------------------------------------------------------------


@require_permission(MANAGE)
def decision_list(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.transfer_in_pending(_member(request)))
    return render(request, "transfer/decisions.html", {"pending": pending})


@never_cache
@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One transfer-in decision: on the register from a date, or not, with a reason."""
    decision = selectors.transfer_in_get_for_user(_member(request), pk)
    day = today()
    action = request.POST.get("action") if request.method == "POST" else None
    accept = TransferInForm.for_decision(
        decision, today=day, data=request.POST if action == "add" else None
    )
    decline = DeclineForm(request.POST if action == "decline" else None)
    if action == "add" and accept.is_valid():
        try:
            services.transfer_in_accept(
                decision=decision,
                status=accept.cleaned_data["status_code"],
                needs=accept.cleaned_data["needs"],
                effective=accept.cleaned_data["effective"],
                note=accept.cleaned_data["reason"],
                by=_user(request),
                today=day,
            )
        except StaleRecord as exc:
            accept.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(accept, exc)
        else:
            messages.success(
                request,
                f"{decision.pupil} is on the SEN register. Tell the parents: the letter is ready.",
            )
            return redirect_after_post(request, decision.pupil.get_absolute_url())
    elif action == "decline" and decline.is_valid():
        try:
            services.transfer_in_decline(
                decision=decision, reason=decline.cleaned_data["reason"], by=_user(request)
            )
        except ValidationError as exc:
            _add_errors(decline, exc)
        else:
            messages.success(request, f"{decision.pupil} was not put on the register.")
            return redirect_after_post(request, decision.pupil.get_absolute_url())
    context = {"decision": decision, "accept_form": accept, "decline_form": decline}
    return render(request, "transfer/decision.html", context)


# --- Writing a CTF ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def ctf_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The CTF of one pupil, downloaded with its conventional file name."""
    pupil = _pupil(request, pk)
    form = CtfExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = _member(request)
        written = services.ctf_export(
            school=membership.school,
            pupils=[pupil],
            dest=form.cleaned_data["dest"],
            by=_user(request),
            today=today(),
        )
        access_record(by=_user(request), school_id=pupil.school_id, pupil_id=pupil.pk, what="ctf")
        return _download(written.content, written.file_name, XML_TYPE)
    return render(request, "transfer/ctf_export.html", {"pupil": pupil, "form": form})


# --- Record packs -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def record_pack_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the record pack: says whether consent covers it, asks a reason when it does not,
    and shows the password once."""
    pupil = _pupil(request, pk)
    day = today()
    form = RecordPackForm(request.POST or None)
    check = selectors.consent_check(pupil, SharingPurpose.NEXT_SCHOOL, on=day)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.record_pack_make(
                pupil=pupil,
                recipient=form.cleaned_data["recipient"],
                recipient_laestab=form.cleaned_data["recipient_laestab"],
                recipient_person=form.cleaned_data["recipient_person"],
                exception=form.cleaned_data["exception"],
                reason=form.cleaned_data["reason"],
                by=_user(request),
                today=day,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            # The password is in this response only: it is never stored or shown again.
            return render(
                request, "transfer/pack_ready.html", {"pack": made.pack, "password": made.password}
            )
    context = {"pupil": pupil, "form": form, "check": check}
    return render(request, "transfer/pack_form.html", context)


@never_cache
@require_permission(MANAGE)
def record_pack_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The encrypted ZIP again, while the acknowledgement has not come (useless without the
    password)."""
    pack = selectors.record_pack_get_for_user(_member(request), pk)
    if not pack.stored_name or not default_storage.exists(pack.stored_name):
        raise Http404("This record pack is no longer kept: it was acknowledged.")
    with default_storage.open(pack.stored_name) as handle:
        content = handle.read()
    pupil = pack.pupil
    access_record(by=_user(request), school_id=pupil.school_id, pupil_id=pupil.pk, what="pack")
    return _download(content, pack.file_name, ZIP_TYPE)


@never_cache
@require_permission(MANAGE)
def record_pack_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The acknowledgement form on its own, to print for the receiving school."""
    pack = selectors.record_pack_get_for_user(_member(request), pk)
    contents = [(part["title"], list(part["files"])) for part in pack.parts[1:]]
    document = acknowledgement_document(pupil=pack.pupil, pack=pack, contents=contents)
    return _download(document_pdf(document), f"acknowledgement-{pack.reference}.pdf", PDF_TYPE)


@never_cache
@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def record_pack_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    pack = selectors.record_pack_get_for_user(_member(request), pk)
    form = AcknowledgeForm(request.POST or None, initial={"acknowledged_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_pack_acknowledge(
                pack=pack,
                acknowledged_on=form.cleaned_data["acknowledged_on"],
                name=form.cleaned_data["acknowledged_by_name"],
                by=_user(request),
                today=today(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"The acknowledgement of {pack.reference} is recorded.")
            return redirect_after_post(request, pack.pupil.get_absolute_url())
    return render(request, "transfer/acknowledge.html", {"pack": pack, "form": form})


@require_permission(Permission.TRANSFER_LOG_VIEW)
def transfer_log(request: HttpRequest) -> HttpResponse:
    day = today()
    packs = [(p, p.status(day)) for p in selectors.record_packs_for(_member(request))[:500]]
    return render(request, "transfer/log.html", {"packs": packs, "today": day})


# --- Consent to share ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def consent_new(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    form = ConsentForm(request.POST or None, pupil=pupil, initial={"given_on": today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                pupil=pupil,
                given_by=data["given_by"],
                contact=data["contact_obj"],
                given_on=data["given_on"],
                purposes=data["purposes"],
                organisations=data["organisation_list"],
                notes=data["notes"],
                by=_user(request),
                today=today(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Consent to share is recorded.")
            return redirect_after_post(request, pupil.get_absolute_url() + "#transfer-heading")
    return render(request, "transfer/consent_form.html", {"pupil": pupil, "form": form})


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    consent = selectors.consent_get_for_pupil(pupil, consent_pk)
    form = WithdrawForm(request.POST or None, initial={"withdrawn_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
                by=_user(request),
                today=today(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The withdrawal of consent is recorded.")
            return redirect_after_post(request, pupil.get_absolute_url() + "#transfer-heading")
    context = {"pupil": pupil, "consent": consent, "form": form}
    return render(request, "transfer/consent_withdraw.html", context)
