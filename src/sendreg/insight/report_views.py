"""Pages of the SEN information report and the termly pack.

The staff pages need a login and a role that may see the school's figures; the public
report (``/report/<urn>/<year>/``) needs neither, and shows only what was published.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.insight import pack, report, report_rules
from sendreg.insight.models import Snapshot
from sendreg.insight.report_forms import InformationReportForm
from sendreg.insight.report_models import InformationReport
from sendreg.lib.dates import today
from sendreg.lib.documents import DOCX_TYPE, PDF_TYPE, Document, document_docx, document_pdf
from sendreg.lib.htmx import redirect_after_post
from sendreg.lib.plain_english import check_fields, load_glossary
from sendreg.lib.spreadsheets import XLSX_TYPE

FORMAT_TYPES = {"pdf": PDF_TYPE, "docx": DOCX_TYPE}
TEXT = "text/plain; charset=utf-8"
FORMAT_UNKNOWN = "Ask for the report as format=pdf (to share) or format=docx (to edit)."


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _document_response(
    request: HttpRequest, document: Document, stem: str, *, public: bool
) -> HttpResponse:
    wanted = request.GET.get("format", "pdf")
    if wanted not in FORMAT_TYPES:
        return HttpResponseBadRequest(FORMAT_UNKNOWN, content_type=TEXT)
    body = document_pdf(document) if wanted == "pdf" else document_docx(document)
    response = HttpResponse(body, content_type=FORMAT_TYPES[wanted])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{wanted}"'
    if not public:
        response["Cache-Control"] = "no-store"
    return response


def _stem(item: InformationReport, *, draft: bool = False) -> str:
    return f"sen-information-report-{item.school.urn}-{item.year}" + ("-draft" if draft else "")


def _year_or_404(year: int) -> int:
    try:
        report_rules.validate_year(year, today=today())
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    return year


# --- Staff pages ----------------------------------------------------------------------------


@require_GET
@require_permission(Permission.AGGREGATES_VIEW)
def information_reports(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    day = today()
    school = membership.school
    reports = report.reports_of(school)
    published = report.latest_published(school)
    current = report_rules.school_year_of(day)
    return render(
        request,
        "insight/report/list.html",
        {
            "reports": reports,
            "published": published,
            "public_url": report.public_url(published) if published else "",
            "reminders": report.report_reminders(school, today=day),
            "current_year": current,
            "current_label": report_rules.year_label(current),
            "has_current": any(r.year == current for r in reports),
            "can_edit": membership.can(Permission.INFORMATION_REPORT_EDIT),
        },
    )


@require_http_methods(["GET", "POST"])
@require_permission(Permission.INFORMATION_REPORT_EDIT)
def information_report_edit(request: HttpRequest, year: int) -> HttpResponse:
    membership = _member(request)
    school = membership.school
    day = today()
    _year_or_404(year)
    item = report.report_or_new(school, year)
    form = InformationReportForm(request.POST or None, initial=item.texts)
    if request.method == "POST" and form.is_valid():
        try:
            report.information_report_save(
                school=school, year=year, texts=form.cleaned_data, by=_user(request), today=day
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "The report's text is saved. It is not published yet.")
            return redirect_after_post(request, reverse("information_report_edit", args=[year]))
    facts = report.report_facts(school, day=day)
    texts = [(h.title, str(form[h.key].value() or "")) for h in report_rules.HEADINGS]
    return render(
        request,
        "insight/report/edit.html",
        {
            "report": item,
            "year_label": report_rules.year_label(year),
            "form": form,
            "facts": facts,
            "figures": report.shown_figures(facts),
            "contacts": report.contact_lines(facts, school),
            "advice": check_fields(texts, load_glossary()),
            "changed_since": item.is_published and item.texts != item.published_texts,
            "public_url": report.public_url(item) if item.is_published else "",
        },
    )


@require_POST
@require_permission(Permission.INFORMATION_REPORT_EDIT)
def information_report_publish(request: HttpRequest, year: int) -> HttpResponse:
    membership = _member(request)
    item = report.report_for_year(membership.school, year)
    edit_url = reverse("information_report_edit", args=[year])
    if item is None:
        messages.error(request, "Save the report's text before publishing it.")
        return redirect_after_post(request, edit_url)
    try:
        report.information_report_publish(report=item, by=_user(request), today=today())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect_after_post(request, edit_url)
    messages.success(
        request,
        "The report is published. Link to its public address from the school's website.",
    )
    return redirect_after_post(request, edit_url)


@require_GET
@require_permission(Permission.AGGREGATES_VIEW)
def information_report_download(request: HttpRequest, year: int) -> HttpResponse:
    """The draft as it would be published today, to check or to edit in Word."""
    membership = _member(request)
    _year_or_404(year)
    item = report.report_or_new(membership.school, year)
    document = report.report_document(item, draft_on=today())
    return _document_response(request, document, _stem(item, draft=True), public=False)


# --- The public report ----------------------------------------------------------------------


def _public_page(request: HttpRequest, item: InformationReport) -> HttpResponse:
    facts = report.ReportFacts.from_json(item.published_facts)
    return render(
        request,
        "insight/report/public.html",
        {
            "report": item,
            "school": item.school,
            "year_label": report_rules.year_label(item.year),
            "sections": report.sections(item.published_texts),
            "facts": facts,
            "figures": report.shown_figures(facts),
            "contacts": report.contact_lines(facts, item.school),
        },
    )


@require_GET
def information_report_public_latest(request: HttpRequest, urn: str) -> HttpResponse:
    return _public_page(request, report.published_report(urn))


@require_GET
def information_report_public(request: HttpRequest, urn: str, year: int) -> HttpResponse:
    return _public_page(request, report.published_report(urn, year))


@require_GET
def information_report_public_download(request: HttpRequest, urn: str, year: int) -> HttpResponse:
    item = report.published_report(urn, year)
    return _document_response(request, report.report_document(item), _stem(item), public=True)


# --- The termly pack ------------------------------------------------------------------------

PACK_FORMATS = {"pdf": PDF_TYPE, "xlsx": XLSX_TYPE}
PACK_FORMAT_UNKNOWN = "Ask for the pack as format=pdf or format=xlsx."
PACK_VERSION_UNKNOWN = "Ask for the pack as version=leaders or version=governors."
PACK_DAY_BAD = "Give the day as a date, for example date=2025-12-12."
SEE_FIGURES = (Permission.INSIGHT_VIEW, Permission.AGGREGATES_VIEW)


class PackForm(forms.Form):
    date = forms.DateField(
        label="The day the figures are for",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Today, or a day a snapshot was taken (a census day, say).",
    )


def _versions(membership: Membership) -> list[pack.Version]:
    if membership.can(Permission.INSIGHT_VIEW):
        return [pack.Version.LEADERS, pack.Version.GOVERNORS]
    return [pack.Version.GOVERNORS]


@require_GET
@require_permission(*SEE_FIGURES)
def pack_page(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    form = PackForm(request.GET or None, initial={"date": today()})
    day = today()
    if form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    return render(
        request,
        "insight/pack/page.html",
        {
            "form": form,
            "day": day,
            "term": pack.term_label(day),
            "versions": _versions(membership),
            "snapshots": list(
                Snapshot.objects.filter(school=membership.school)
                .order_by("-taken_on")
                .values_list("taken_on", flat=True)[:12]
            ),
        },
    )


@require_GET
@require_permission(*SEE_FIGURES)
def pack_download(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    wanted = request.GET.get("format", "pdf")
    if wanted not in PACK_FORMATS:
        return HttpResponseBadRequest(PACK_FORMAT_UNKNOWN, content_type=TEXT)
    try:
        version = pack.Version(request.GET.get("version", pack.Version.GOVERNORS))
    except ValueError:
        return HttpResponseBadRequest(PACK_VERSION_UNKNOWN, content_type=TEXT)
    if version not in _versions(membership):
        raise PermissionDenied
    form = PackForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(PACK_DAY_BAD, content_type=TEXT)
    day = form.cleaned_data["date"] or today()
    made = pack.termly_pack(membership.school, day, version)
    if wanted == "pdf":
        body = document_pdf(pack.pack_document(made))
    else:
        body = pack.pack_xlsx(made)
    response = HttpResponse(body, content_type=PACK_FORMATS[wanted])
    response["Content-Disposition"] = f'attachment; filename="{made.stem}.{wanted}"'
    response["Cache-Control"] = "no-store"
    return response
