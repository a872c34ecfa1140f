from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sendreg import codes
from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.lib.dates import due_status, today
from sendreg.lib.htmx import page_or_fragment, query_without, redirect_after_post
from sendreg.lib.national import comparison_for
from sendreg.lib.paging import paginate
from sendreg.lib.spreadsheets import Cell, csv_response, xlsx_response
from sendreg.pupils.selectors import pupil_get_for_user
from sendreg.register import selectors, services
from sendreg.register.forms import (
    REMOVE,
    AcceptMisForm,
    MonitoringEndForm,
    MonitoringStartForm,
    RegisterFilterForm,
    SenRecordForm,
)
from sendreg.register.models import MonitoringEntry
from sendreg.register.services import (
    StaleRecord,
    monitoring_end,
    monitoring_start,
    sen_record_set,
)

#: Pupils shown on a page of the register; the exports hold every one.
REGISTER_PAGE_SIZE = 100
#: The MIS differences shown a page at a time: a bad MIS export can make thousands.
DIFFERENCES_PER_PAGE = 50

EXPORT_HEADER = [
    "UPN", "Surname", "Forename", "Year", "Registration group", "SEN status",
    "Status meaning", "On register since", "Primary need", "Secondary need", "Further needs",
    "EAL", "FSM", "Pupil premium", "Looked after", "Medical", "Attendance %",
]  # fmt: skip


def _filters(form: RegisterFilterForm) -> selectors.RegisterFilters:
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year")
    return selectors.RegisterFilters(
        status=data.get("status") or "",
        need=data.get("need") or "",
        area=data.get("area") or "",
        year=int(year) if year not in (None, "") else None,
        flag=data.get("flag") or "",
        sort=data.get("sort") or "name",
    )


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def export_rows(rows: Sequence[selectors.RegisterRow]) -> Iterator[list[Cell]]:
    for r in rows:
        needs = [codes.need_label(n.code) for n in r.needs]
        yield [
            r.upn, r.surname, r.forename, r.year_label, r.reg_group, r.status,
            r.status_meaning, r.since,
            needs[0] if needs else "", needs[1] if len(needs) > 1 else "",
            "; ".join(needs[2:]),
            _yes(r.eal), _yes(r.fsm), _yes(r.pupil_premium), _yes(r.looked_after),
            _yes(r.medical), r.attendance,
        ]  # fmt: skip


@require_permission(Permission.REGISTER_VIEW)
def register_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = RegisterFilterForm(request.GET or None, school=membership.school)
    day = today()
    register = selectors.member_register(membership, day=day)
    pupils = register.rows(_filters(form))
    export = request.GET.get("export")
    if export in {"csv", "xlsx"} and membership.can(Permission.REGISTER_EXPORT):
        name = f"sen-register-{membership.school.urn}-{day:%Y-%m-%d}.{export}"
        rows = export_rows(pupils)
        if export == "csv":
            return csv_response(name, EXPORT_HEADER, rows)
        return xlsx_response(name, EXPORT_HEADER, rows, title="SEN register")
    page = Paginator(pupils, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "pupils": page.object_list,
        "page": page,
        "page_query": query_without(request, "page"),
        "counts": (counts := register.counts()),
        "shown": selectors.counts_as_shown(counts, suppress=False),
        "national": comparison_for(membership.school.phase),
        "query": request.GET.urlencode(),
        "export_query": query_without(request, "export"),
    }
    return render(request, page_or_fragment(request, "register/list.html", "results"), context)


@require_http_methods(["GET", "POST"])
@require_permission(Permission.SEN_EDIT)
def sen_record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = pupil_get_for_user(membership, pk)
    day = today()
    summary = selectors.pupil_sen_summary(pupil, day=day)
    # The form starts from the record after its latest change (which may be dated ahead).
    latest = selectors.register_history(pupil).state()
    current_needs = list(latest["needs"])  # type: ignore[call-overload]
    # Another page may ask for a status (an EHC plan just issued: ?status=E).
    asked = request.GET.get("status", "")
    initial = {
        "status": (
            asked
            if asked in codes.ON_REGISTER
            else latest["status"] or codes.SenProvision.SEN_SUPPORT.value
        ),
        "primary_need": current_needs[0] if current_needs else "",
        "secondary_need": current_needs[1] if len(current_needs) > 1 else "",
        "further_needs": current_needs[2:],
        "effective": day,
        "version": pupil.sen_version,
    }
    form = SenRecordForm(request.POST or None, initial=initial)
    stale = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sen_record_set(
                pupil=pupil,
                status=data["status_code"],
                needs=data["needs"],
                effective=data["effective"],
                reason=data["reason"],
                expected_version=data["version"],
                by=request.user,  # type: ignore[arg-type]
                today=day,
            )
        except StaleRecord as exc:
            stale = True
            form.add_error(None, str(exc))
            pupil.refresh_from_db()
            summary = selectors.pupil_sen_summary(pupil, day=day)
            # Carry the new version so that a deliberate second save goes through.
            form.data = form.data.copy()
            form.data["version"] = str(pupil.sen_version)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            verb = "removed from" if data["status"] == REMOVE else "saved on"
            messages.success(request, f"{pupil}'s SEN record was {verb} the register.")
            return redirect_after_post(request, pupil.get_absolute_url())
    context = {
        "pupil": pupil,
        "form": form,
        "summary": summary,
        "needs": selectors.need_items(latest["needs"]),  # type: ignore[arg-type]
        "stale": stale,
    }
    return render(request, "register/sen_edit.html", context)


@require_permission(Permission.REGISTER_VIEW)
def monitoring_list_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    day = today()
    entries = [
        (entry, due_status(entry.review_date, today=day))
        for entry in selectors.monitoring_list(membership, day=day)
    ]
    return render(request, "register/monitoring.html", {"entries": entries})


@require_http_methods(["GET", "POST"])
@require_permission(Permission.MONITORING_EDIT)
def monitoring_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = pupil_get_for_user(membership, pk)
    form = MonitoringStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            monitoring_start(
                pupil=pupil,
                reason=form.cleaned_data["reason"],
                review_date=form.cleaned_data["review_date"],
                on=today(),
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{pupil} is now on the monitoring list.")
            return redirect_after_post(request, pupil.get_absolute_url())
    return render(request, "register/monitoring_form.html", {"pupil": pupil, "form": form})


@require_POST
@require_permission(Permission.MONITORING_EDIT)
def monitoring_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = pupil_get_for_user(membership, pk)
    entry = get_object_or_404(MonitoringEntry, pk=entry_pk, pupil=pupil, ended_on__isnull=True)
    form = MonitoringEndForm(request.POST)
    if form.is_valid():
        try:
            monitoring_end(
                entry=entry,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{pupil} was taken off the monitoring list.")
            return redirect_after_post(request, pupil.get_absolute_url())
    return render(
        request,
        "register/monitoring_end.html",
        {"pupil": pupil, "entry": entry, "form": form},
    )


def _add_errors(form: MonitoringStartForm | MonitoringEndForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@require_permission(Permission.REGISTER_VIEW)
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    found = selectors.discrepancies_for(membership, day=today())
    # Every difference is found (the total needs them all); only a page of them is rendered,
    # so only that page's labels are worked out.
    page = paginate(found, request.GET, param="page", per_page=DIFFERENCES_PER_PAGE)
    context = {"page": page, "discrepancies": page.items, "on_page": _on_page(page.number)}
    return render(request, "register/discrepancies.html", context)


def _on_page(number: str | int | None) -> str:
    """``?page=N`` to carry the page of differences through an action ("" for the first).

    Only a page number is carried (never a URL from the request), so the way back to the list
    cannot be turned into a link off the site.
    """
    text = str(number or "")
    if text.isascii() and text.isdigit() and len(text) < 10 and int(text) > 1:
        return f"?page={int(text)}"
    return ""


@require_POST
@require_permission(Permission.SEN_EDIT)
def discrepancy_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept the MIS value, or say the MIS needs correcting."""
    membership = request.membership  # type: ignore[attr-defined]
    record = selectors.mis_record_for(membership, pk)
    on_page = _on_page(request.GET.get("page"))
    if request.POST.get("action") == "accept":
        # Accepting changes the register: the SENCO sees what will change first. The page of
        # the list they came from goes along, to come back to it afterwards.
        return redirect_after_post(request, reverse("discrepancy_accept", args=[pk]) + on_page)
    else:
        services.discrepancy_request_correction(record=record, by=request.user)  # type: ignore[arg-type]
        messages.success(request, f"{record.pupil}: the MIS is marked as needing correction.")
    return redirect_after_post(request, reverse("discrepancies") + on_page)


@require_http_methods(["GET", "POST"])
@require_permission(Permission.SEN_EDIT)
def discrepancy_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """What accepting the MIS value would change, with the date and reason it needs."""
    membership = request.membership  # type: ignore[attr-defined]
    record = selectors.mis_record_for(membership, pk)
    # Back to the page of differences the SENCO came from.
    back = reverse("discrepancies") + _on_page(request.GET.get("page"))
    pupil = record.pupil
    day = today()
    plan = selectors.accept_mis_plan(record)
    form = AcceptMisForm(
        request.POST or None,
        initial={
            "effective": day,
            "reason": "The MIS holds the right value: accepted it into the register.",
            "version": pupil.sen_version,
        },
    )
    if request.method == "POST" and not plan.refused and form.is_valid():
        data = form.cleaned_data
        try:
            services.discrepancy_accept_mis(
                record=record,
                by=request.user,  # type: ignore[arg-type]
                today=day,
                effective=data["effective"],
                reason=data["reason"],
                expected_version=data["version"],
            )
        except StaleRecord as exc:
            form.add_error(None, str(exc))
            pupil.refresh_from_db()
            plan = selectors.accept_mis_plan(record)
            form.data = form.data.copy()
            form.data["version"] = str(pupil.sen_version)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            told = " Now tell the parents." if plan.changes_status else ""
            messages.success(request, f"{pupil}'s register record now matches the MIS.{told}")
            return redirect_after_post(request, back)
    context = {
        "back": back,
        "pupil": pupil,
        "record": record,
        "plan": plan,
        "before_needs": selectors.need_items(plan.before_needs),
        "after_needs": selectors.need_items(plan.needs),
        "form": form,
    }
    return render(request, "register/discrepancy_accept.html", context)
