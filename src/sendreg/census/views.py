from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.census import exports, rulebook, selectors, services
from sendreg.lib.dates import today
from sendreg.lib.htmx import page_or_fragment, query_without
from sendreg.lib.pagereads import page_reads
from sendreg.lib.paging import paginate
from sendreg.lib.spreadsheets import csv_response, xlsx_response
from sendreg.register.rules import Severity

#: Findings shown a page at a time: a school whose MIS export went wrong can have thousands,
#: and every row rendered costs the server time on every look at the check.
FINDINGS_PER_PAGE = 50


@require_permission(Permission.REGISTER_VIEW)
def census_page(request: HttpRequest) -> HttpResponse:
    """The census check for ?date= (or the next census), its filters, exports and the calendar.

    Looking never records anything: "Record this check" is a POST of its own.
    """
    # The check, the calendar and the census days each read the days moved by the school:
    # once for the page.
    with page_reads():
        return _census_page(request)


def _census_page(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    school = membership.school
    day = today()
    census_date, date_error = selectors.census_date_from(request.GET.get("date", ""), today=day)
    export, extract = request.GET.get("export"), request.GET.get("extract")
    downloading = export in {"csv", "xlsx"} or extract in {"csv", "xml"}
    if downloading and not membership.can(Permission.REGISTER_EXPORT):
        raise PermissionDenied
    stem = f"{school.urn}-{census_date:%Y-%m-%d}"
    if extract in {"csv", "xml"}:
        rows = selectors.census_extract(school=school, census_date=census_date)
        if extract == "csv":
            return csv_response(
                f"census-extract-{stem}.csv", exports.EXTRACT_HEADER, exports.extract_rows(rows)
            )
        body = exports.census_extract_xml(
            school=school, census=selectors.census_day_for(census_date), rows=rows
        )
        response = HttpResponse(body, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="census-extract-{stem}.xml"'
        return response

    check = selectors.census_check(school=school, census_date=census_date)
    code = request.GET.get("rule", "").strip()
    severity = request.GET.get("severity", "").strip()
    shown = rulebook.census_findings_filter(check.findings, code=code, severity=severity)
    if export in {"csv", "xlsx"}:
        name = f"census-check-{stem}.{export}"
        rows_out = rulebook.findings_rows(shown)
        if export == "csv":
            return csv_response(name, rulebook.FINDINGS_HEADER, rows_out)
        return xlsx_response(name, rulebook.FINDINGS_HEADER, rows_out, title="Census check")

    book = rulebook.census_rule_book()
    # The totals, the filters' counts and the downloads cover every finding; only the rows
    # of the table come a page at a time. A new filter has no ?page= and starts at page 1.
    per_code = Counter(f.code for f in check.findings)
    counts = check.counts
    page = paginate(shown, request.GET, param="page", per_page=FINDINGS_PER_PAGE)
    context = {
        "check": check,
        "page": page,
        "findings": page.items,
        "filtered": bool(code or severity),
        "date_error": date_error,
        "rule": code,
        "severity": severity,
        "rule_options": [
            {"code": r.code, "meaning": r.meaning, "count": per_code[r.code]}
            for r in book.legend()
            if r.code in per_code or r.code == code
        ],
        "severity_options": [
            {"value": s.value, "label": rulebook.SEVERITY_PLURALS[s], "count": counts[s]}
            for s in Severity
        ],
        "counts": [(rulebook.SEVERITY_PLURALS[s], counts[s]) for s in Severity],
        "legend": book.legend(),
        "verified": book.verified,
        "calendar": selectors.census_calendar(school=school, today=day),
        "findings_query": query_without(request, "export", "extract", "date", "page"),
    }
    return render(request, page_or_fragment(request, "census/census.html", "findings"), context)


@require_POST
@require_permission(Permission.REGISTER_EXPORT)
def census_record(request: HttpRequest) -> HttpResponse:
    """Run the check for the posted census day and keep its result for the calendar."""
    membership = request.membership  # type: ignore[attr-defined]
    census_date, _ = selectors.census_date_from(request.POST.get("date", ""), today=today())
    check = selectors.census_check(school=membership.school, census_date=census_date)
    services.census_check_record(check=check, by=request.user)  # type: ignore[arg-type]
    verdict = "passed" if check.passed else "has not passed"
    messages.success(request, f"The check for {census_date:%d/%m/%Y} {verdict}; it is recorded.")
    return redirect(f"{reverse('census')}?date={census_date:%Y-%m-%d}")
