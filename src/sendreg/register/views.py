from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sendreg import codes
from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.lib.dates import today
from sendreg.lib.htmx import page_or_fragment, query_without, redirect_after_post
from sendreg.lib.national import latest_national
from sendreg.lib.spreadsheets import Cell, csv_response, xlsx_response
from sendreg.pupils.selectors import pupil_get_for_user
from sendreg.register import census, discrepancies, selectors
from sendreg.register.forms import (
    REMOVE,
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
    form = RegisterFilterForm(request.GET or None)
    day = today()
    pupils = selectors.register_rows(membership, _filters(form), day=day)
    export = request.GET.get("export")
    if export in {"csv", "xlsx"} and membership.can(Permission.REGISTER_EXPORT):
        name = f"sen-register-{membership.school.urn}-{day:%Y-%m-%d}.{export}"
        rows = export_rows(pupils)
        if export == "csv":
            return csv_response(name, EXPORT_HEADER, rows)
        return xlsx_response(name, EXPORT_HEADER, rows, title="SEN register")
    context = {
        "form": form,
        "pupils": pupils,
        "counts": selectors.register_counts(membership.school, day=day),
        "national": latest_national(),
        "suppress_small": False,
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
    current_needs = list(pupil.needs.order_by("rank").values_list("code", flat=True))
    initial = {
        "status": summary.status or codes.SenProvision.SEN_SUPPORT.value,
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
        "needs": pupil.needs.order_by("rank"),
        "stale": stale,
    }
    return render(request, "register/sen_edit.html", context)


@require_permission(Permission.REGISTER_VIEW)
def monitoring_list_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    day = today()
    entries = selectors.monitoring_list(membership, day=day)
    return render(request, "register/monitoring.html", {"entries": entries, "today": day})


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
    found = discrepancies.discrepancies_for(membership, day=today())
    return render(request, "register/discrepancies.html", {"discrepancies": found})


@require_POST
@require_permission(Permission.SEN_EDIT)
def discrepancy_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept the MIS value, or say the MIS needs correcting."""
    membership = request.membership  # type: ignore[attr-defined]
    record = discrepancies.mis_record_for(membership, pk)
    if request.POST.get("action") == "accept":
        try:
            discrepancies.discrepancy_accept_mis(record=record, by=request.user, today=today())  # type: ignore[arg-type]
        except (ValidationError, StaleRecord) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, f"{record.pupil}: the MIS value was not accepted. {text}")
        else:
            messages.success(request, f"{record.pupil}'s register record now matches the MIS.")
    else:
        discrepancies.discrepancy_request_correction(record=record, by=request.user)  # type: ignore[arg-type]
        messages.success(request, f"{record.pupil}: the MIS is marked as needing correction.")
    return redirect_after_post(request, reverse("discrepancies"))


@require_permission(Permission.REGISTER_VIEW)
def census_page(request: HttpRequest) -> HttpResponse:
    """The census check for ?date= (or the next census), its filters, exports and the calendar.

    Viewing the whole check records a run, so that the calendar can say whether the
    last check passed; a filtered view or a download is the same check and is not recorded.
    """
    membership = request.membership  # type: ignore[attr-defined]
    school = membership.school
    day = today()
    census_date, date_error = census.census_date_from(request.GET.get("date", ""), today=day)
    export, extract = request.GET.get("export"), request.GET.get("extract")
    downloading = export in {"csv", "xlsx"} or extract in {"csv", "xml"}
    if downloading and not membership.can(Permission.REGISTER_EXPORT):
        raise PermissionDenied
    stem = f"{school.urn}-{census_date:%Y-%m-%d}"
    if extract in {"csv", "xml"}:
        rows = census.census_extract(school=school, census_date=census_date)
        if extract == "csv":
            return csv_response(
                f"census-extract-{stem}.csv", census.EXTRACT_HEADER, census.extract_rows(rows)
            )
        body = census.census_extract_xml(
            school=school, census=census.census_day_for(census_date), rows=rows
        )
        response = HttpResponse(body, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="census-extract-{stem}.xml"'
        return response

    check = census.census_check(school=school, census_date=census_date)
    code = request.GET.get("rule", "").strip()
    severity = request.GET.get("severity", "").strip()
    shown = census.census_findings_filter(check.findings, code=code, severity=severity)
    if export in {"csv", "xlsx"}:
        name = f"census-check-{stem}.{export}"
        rows_out = census.findings_rows(shown)
        if export == "csv":
            return csv_response(name, census.FINDINGS_HEADER, rows_out)
        return xlsx_response(name, census.FINDINGS_HEADER, rows_out, title="Census check")

    if not (code or severity or getattr(request, "htmx", False)):
        census.census_check_record(check=check, by=request.user)  # type: ignore[arg-type]
    book = census.census_rule_book()
    found_codes = {f.code for f in check.findings}
    counts = check.counts
    context = {
        "check": check,
        "findings": shown,
        "filtered": bool(code or severity),
        "date_error": date_error,
        "rule": code,
        "severity": severity,
        "rule_options": [
            {
                "code": r.code,
                "meaning": r.meaning,
                "count": sum(1 for f in check.findings if f.code == r.code),
            }
            for r in book.legend()
            if r.code in found_codes or r.code == code
        ],
        "severity_options": [
            {"value": s.value, "label": census.SEVERITY_PLURALS[s], "count": counts[s]}
            for s in census.Severity
        ],
        "counts": [(census.SEVERITY_PLURALS[s], counts[s]) for s in census.Severity],
        "legend": book.legend(),
        "verified": book.verified,
        "calendar": census.census_calendar(school=school, today=day),
        "findings_query": query_without(request, "export", "extract", "date"),
    }
    return render(request, page_or_fragment(request, "register/census.html", "findings"), context)
