"""The other registers: one list page each (with exports) and the forms reached from a pupil.

List pages and exports need REGISTER_VIEW; changes need OTHER_REGISTERS_EDIT. The
looked-after register and cause for concern also need PUPILS_VIEW_ALL (the decorators
are stacked, so both must hold). A pupil outside the member's school answers 404.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.lib.dates import today
from sendreg.lib.htmx import page_or_fragment, query_without, redirect_after_post
from sendreg.lib.spreadsheets import csv_response, xlsx_response
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import pupil_get_for_user
from sendreg.records import exports, rules, selectors, services
from sendreg.records.forms import (
    ConcernFilterForm,
    ConcernForm,
    EalFilterForm,
    EalRecordForm,
    EndForm,
    ExamArrangementForm,
    ExamFilterForm,
    LacFilterForm,
    LookedAfterRecordForm,
    MedicalConditionForm,
    MedicalFilterForm,
)
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)
from sendreg.records.selectors import EDIT, SENSITIVE, VIEW

EXPORTS = {"csv", "xlsx"}
_R = TypeVar("_R", EalRecord, LookedAfterRecord)


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's errors beside the fields they name, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- The lists ------------------------------------------------------------------------------


def _register_page(
    request: HttpRequest,
    template: str,
    form: forms.Form,
    rows: Sequence[Any],
    export: exports.Export,
    *,
    day: dt.date,
) -> HttpResponse:
    membership = _member(request)
    wanted = request.GET.get("export")
    if wanted in EXPORTS and membership.can(Permission.REGISTER_EXPORT):
        name = f"{export.slug}-{membership.school.urn}-{day:%Y-%m-%d}.{wanted}"
        if wanted == "csv":
            return csv_response(name, export.header, export.rows(rows))
        return xlsx_response(name, export.header, export.rows(rows), title=export.title)
    context = {
        "form": form,
        "rows": rows,
        "today": day,
        "export_query": query_without(request, "export"),
    }
    return render(request, page_or_fragment(request, template, "results"), context)


@require_permission(*VIEW)
def registers_index(request: HttpRequest) -> HttpResponse:
    counts = selectors.register_counts(_member(request), day=today())
    return render(request, "records/index.html", {"counts": counts})


@require_permission(*VIEW)
def medical_list(request: HttpRequest) -> HttpResponse:
    form = MedicalFilterForm(request.GET or None, school=_member(request).school)
    filters = selectors.MedicalFilters(
        ihp=form.value("ihp"), review=form.value("review"), year=form.chosen_year
    )
    day = today()
    rows = selectors.medical_rows(_member(request), filters, day=day)
    return _register_page(request, "records/medical.html", form, rows, exports.MEDICAL, day=day)


@require_permission(*VIEW)
def eal_list(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    form = EalFilterForm(
        request.GET or None,
        school=membership.school,
        languages=selectors.eal_languages(membership),
    )
    filters = selectors.EalFilters(language=form.value("language"), year=form.chosen_year)
    day = today()
    rows = selectors.eal_rows(membership, filters, day=day)
    return _register_page(request, "records/eal.html", form, rows, exports.EAL, day=day)


@require_permission(*VIEW)
@require_permission(*SENSITIVE)
def lac_list(request: HttpRequest) -> HttpResponse:
    form = LacFilterForm(request.GET or None, school=_member(request).school)
    filters = selectors.LacFilters(pep=form.value("pep"), year=form.chosen_year)
    day = today()
    rows = selectors.lac_rows(_member(request), filters, day=day)
    return _register_page(request, "records/lac.html", form, rows, exports.LAC, day=day)


@require_permission(*VIEW)
@require_permission(*SENSITIVE)
def concern_list(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    form = ConcernFilterForm(request.GET or None, school=_member(request).school)
    filters = selectors.ConcernFilters(
        state=form.value("state", "open"),
        owner=form.chosen_owner,
        review=form.value("review"),
        year=form.chosen_year,
    )
    day = today()
    rows = selectors.concern_rows(membership, filters, day=day)
    return _register_page(request, "records/concerns.html", form, rows, exports.CONCERNS, day=day)


@require_permission(*VIEW)
def exam_list(request: HttpRequest) -> HttpResponse:
    form = ExamFilterForm(request.GET or None, school=_member(request).school)
    filters = selectors.ExamFilters(
        arrangement=form.value("arrangement"),
        key_stage=form.value("key_stage"),
        status=form.value("status"),
        year=form.chosen_year,
    )
    day = today()
    rows = selectors.exam_rows(_member(request), filters, day=day)
    return _register_page(request, "records/exams.html", form, rows, exports.EXAMS, day=day)


# --- The forms --------------------------------------------------------------------------------


def _record_form(
    request: HttpRequest,
    pupil: Pupil,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], object],
    *,
    heading: str,
    button: str,
    done: str,
    intro: str = "",
) -> HttpResponse:
    """Show a record's form; on a valid POST hand the data to ``save`` (a service call).

    An invalid form, or a rule the service breaks, re-renders with each error beside its
    field and nothing saved.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(dict(form.cleaned_data))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done if result is not False else "Nothing had changed.")
            return redirect_after_post(request, pupil.get_absolute_url())
    context = {"pupil": pupil, "form": form, "heading": heading, "button": button, "intro": intro}
    return render(request, "records/form.html", context)


def _end_form(
    request: HttpRequest,
    pupil: Pupil,
    end: Callable[[dict[str, Any]], object],
    *,
    heading: str,
    button: str,
    done: str,
    with_date: bool = True,
    on_label: str = "",
    intro: str = "",
) -> HttpResponse:
    form = EndForm(
        request.POST or None,
        initial={"on": today()},
        with_date=with_date,
        on_label=on_label,
    )
    if request.method == "POST" and form.is_valid():
        try:
            end(form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect_after_post(request, pupil.get_absolute_url())
    context = {"pupil": pupil, "form": form, "heading": heading, "button": button, "intro": intro}
    return render(request, "records/end.html", context)


def _pupil(request: HttpRequest, pk: int) -> Pupil:
    return pupil_get_for_user(_member(request), pk)


def _or_404(record: _R | None) -> _R:
    if record is None:
        raise Http404("Nothing recorded.")
    return record


# Medical conditions ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def medical_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    form = MedicalConditionForm(request.POST or None, instance=MedicalCondition(pupil=pupil))
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.medical_condition_create(pupil=pupil, by=_user(request), **data),
        heading=f"Add a medical condition or disability for {pupil}",
        button="Save the condition",
        done="The medical condition was saved.",
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def medical_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.medical_condition_get(pupil, item_pk)
    # The form works on a copy, so that a failed validation leaves the record untouched.
    form = MedicalConditionForm(request.POST or None, instance=copy.copy(record))
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.medical_condition_update(record=record, data=data, by=_user(request)),
        heading=f"Change {pupil}'s medical condition: {record.condition}",
        button="Save the condition",
        done="The medical condition was saved.",
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def medical_end(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.medical_condition_get(pupil, item_pk)
    return _end_form(
        request,
        pupil,
        lambda data: services.medical_condition_end(record=record, by=_user(request), **data),
        heading=f"End {pupil}'s medical condition: {record.condition}",
        button="End the condition",
        done="The medical condition was ended. It stays in the pupil's history.",
        on_label="No longer applies from",
    )


# EAL -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def eal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a pupil's EAL details, or change them."""
    pupil = _pupil(request, pk)
    record = selectors.eal_record_for(pupil)
    user = _user(request)
    if record is None:
        form = EalRecordForm(request.POST or None, instance=EalRecord(pupil=pupil))
        return _record_form(
            request,
            pupil,
            form,
            lambda data: services.eal_record_create(pupil=pupil, by=user, **data),
            heading=f"Record {pupil}'s first language",
            button="Save the EAL details",
            done="The EAL details were saved.",
            intro="Having English as an additional language is not a special educational need.",
        )
    form = EalRecordForm(request.POST or None, instance=copy.copy(record))
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.eal_record_update(record=record, data=data, by=user),
        heading=f"Change {pupil}'s EAL details",
        button="Save the EAL details",
        done="The EAL details were saved.",
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def eal_clear(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = _or_404(selectors.eal_record_for(pupil))
    return _end_form(
        request,
        pupil,
        lambda data: services.eal_record_clear(record=record, by=_user(request), **data),
        heading=f"Clear {pupil}'s EAL details",
        button="Clear the EAL details",
        done="The EAL details were cleared. The history keeps what they were.",
        with_date=False,
    )


# Looked-after children ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
@require_permission(*SENSITIVE)
def lac_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.lac_record_for(pupil)
    user = _user(request)
    school = _member(request).school
    intro = "" if pupil.looked_after else rules.NOT_LOOKED_AFTER.format(pupil=pupil)
    if record is None:
        form = LookedAfterRecordForm(
            request.POST or None, instance=LookedAfterRecord(pupil=pupil), school=school
        )
        return _record_form(
            request,
            pupil,
            form,
            lambda data: services.lac_record_create(pupil=pupil, by=user, **data),
            heading=f"Record {pupil}'s looked-after details",
            button="Save the looked-after details",
            done="The looked-after details were saved.",
            intro=intro,
        )
    form = LookedAfterRecordForm(request.POST or None, instance=copy.copy(record), school=school)
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.lac_record_update(record=record, data=data, by=user),
        heading=f"Change {pupil}'s looked-after details",
        button="Save the looked-after details",
        done="The looked-after details were saved.",
        intro=intro,
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
@require_permission(*SENSITIVE)
def lac_clear(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = _or_404(selectors.lac_record_for(pupil))
    return _end_form(
        request,
        pupil,
        lambda data: services.lac_record_clear(record=record, by=_user(request), **data),
        heading=f"Clear {pupil}'s looked-after details",
        button="Clear the looked-after details",
        done="The looked-after details were cleared. The history keeps what they were.",
        with_date=False,
        intro="Protected contact addresses stay protected: only the SENCO can change a contact.",
    )


@require_POST
@require_permission(*EDIT)
@require_permission(*SENSITIVE)
def lac_protect_addresses(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    try:
        count = services.lac_addresses_protect(pupil=pupil, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if count:
            messages.success(
                request,
                f"{count} contact address{'es' if count != 1 else ''} now protected: "
                "only the SENCO will see them, and they will never be printed or exported.",
            )
        else:
            messages.success(request, "Every contact address was already protected.")
    return redirect_after_post(request, pupil.get_absolute_url())


# Cause for concern -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
@require_permission(*SENSITIVE)
def concern_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    form = ConcernForm(
        request.POST or None,
        instance=CauseForConcern(pupil=pupil),
        school=_member(request).school,
        initial={"started_on": today(), "owner": request.user.pk},
    )
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.concern_start(pupil=pupil, by=_user(request), **data),
        heading=f"Record a cause for concern about {pupil}",
        button="Save the concern",
        done="The cause for concern was saved.",
        intro="A cause for concern does not put the pupil on the SEN register.",
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
@require_permission(*SENSITIVE)
def concern_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.concern_get(pupil, item_pk)
    form = ConcernForm(
        request.POST or None, instance=copy.copy(record), school=_member(request).school
    )
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.concern_update(record=record, data=data, by=_user(request)),
        heading=f"Change the cause for concern about {pupil}",
        button="Save the concern",
        done="The cause for concern was saved.",
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
@require_permission(*SENSITIVE)
def concern_end(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.concern_get(pupil, item_pk)
    return _end_form(
        request,
        pupil,
        lambda data: services.concern_end(record=record, by=_user(request), **data),
        heading=f"End the cause for concern about {pupil}",
        button="End the concern",
        done="The cause for concern was ended.",
    )


# Exam access arrangements ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def exam_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    form = ExamArrangementForm(request.POST or None, instance=ExamArrangement(pupil=pupil))
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.exam_arrangement_create(pupil=pupil, by=_user(request), **data),
        heading=f"Add an exam access arrangement for {pupil}",
        button="Save the arrangement",
        done="The exam access arrangement was saved.",
        intro=(
            "An arrangement does not put the pupil on the SEN register. One granted for the "
            "Key Stage 2 tests does not carry into Year 7."
        ),
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def exam_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.exam_arrangement_get(pupil, item_pk)
    form = ExamArrangementForm(request.POST or None, instance=copy.copy(record))
    return _record_form(
        request,
        pupil,
        form,
        lambda data: services.exam_arrangement_update(record=record, data=data, by=_user(request)),
        heading=f"Change {pupil}'s exam access arrangement: {record.label}",
        button="Save the arrangement",
        done="The exam access arrangement was saved.",
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def exam_end(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    record = selectors.exam_arrangement_get(pupil, item_pk)
    return _end_form(
        request,
        pupil,
        lambda data: services.exam_arrangement_end(record=record, by=_user(request), **data),
        heading=f"Withdraw {pupil}'s exam access arrangement: {record.label}",
        button="Withdraw the arrangement",
        done="The exam access arrangement was withdrawn.",
        on_label="Withdrawn on",
    )
