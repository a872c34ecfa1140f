from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sendreg.accounts.decorators import require_membership, require_permission
from sendreg.accounts.models import Membership
from sendreg.accounts.permissions import SEE_PUPILS, Permission
from sendreg.accounts.selectors import organisation_ids_of
from sendreg.audit.selectors import LatestEvents, events_as_read_by, pupil_history
from sendreg.audit.services import access_record
from sendreg.census.selectors import census_calendar
from sendreg.lib.dates import today
from sendreg.lib.extensions import (
    HOME_PANELS,
    PUPIL_SECTIONS,
    PageContext,
    build_sections,
    may_have,
    pupil_facts,
)
from sendreg.lib.htmx import page_or_fragment, query_without
from sendreg.lib.national import comparison_for
from sendreg.lib.pagereads import page_reads, remember
from sendreg.lib.urls import url_pattern
from sendreg.pupils import selectors
from sendreg.pupils.forms import PupilSearchForm
from sendreg.pupils.models import Pupil
from sendreg.records import selectors as records
from sendreg.records.selectors import PUPIL_RELATED, registers_for_pupil
from sendreg.register import rules
from sendreg.register import selectors as register
from sendreg.register.forms import MonitoringEndForm
from sendreg.register.selectors import (
    discrepancies_for,
    need_items,
    pupil_sen_summary,
)

PUPILS_PER_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's landing page: the SENCO's work, a teacher's pupils, a governor's picture.

    Someone with a role only in a trust or local authority (no school) is taken to it.
    """
    if getattr(request, "membership", None) is None:
        organisations = organisation_ids_of(request.user)  # type: ignore[arg-type]
        if not organisations:
            raise PermissionDenied
        if len(organisations) == 1:
            return redirect("organisation_detail", organisations[0])
        return redirect("organisation_list")
    return _school_home(request)


@require_membership
def _school_home(request: HttpRequest) -> HttpResponse:
    # The panels of other apps read some of what this page reads (the register's counts,
    # the census days, the support lists): each is read once for the whole page.
    with page_reads():
        return _school_home_page(request)


def _school_home_page(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    day = today()
    overrides = register.census_overrides()
    context: dict[str, object] = {
        "today": day,
        "censuses": rules.upcoming_censuses(day, 3, overrides),
        "memberships": request.memberships,  # type: ignore[attr-defined]
    }
    if membership.can(Permission.REGISTER_VIEW):
        context["calendar"] = census_calendar(school=membership.school, today=day)
    # The register is read once for every panel of the page that needs it.
    school_register = (
        register.member_register(membership, day=day)
        if membership.can(Permission.REGISTER_VIEW) or membership.can(Permission.AGGREGATES_VIEW)
        else None
    )
    if membership.can(Permission.AGGREGATES_VIEW):
        context["counts"] = (
            remember(
                register.register_counts_key(membership.school_id, day), school_register.counts()
            )
            if membership.can(Permission.PUPILS_VIEW_ALL) and school_register
            else register.register_counts(membership.school, day=day)
        )
        context["national"] = comparison_for(membership.school.phase)
        # Roles that see only aggregates never see a count small enough to name a child,
        # nor one from which such a count could be worked out.
        context["shown"] = register.counts_as_shown(
            context["counts"],  # type: ignore[arg-type]
            suppress=not membership.can(Permission.PUPILS_VIEW_ALL),
        )
    if membership.can(Permission.SEN_EDIT):
        context["recent"] = register.recent_changes(membership.school)
        context["attention"] = register.needs_attention(
            membership, day=day, register=school_register
        )
        context["discrepancies"] = discrepancies_for(membership, day=day, register=school_register)
        context["outstanding_notifications"] = register.notifications_waiting(membership)
    elif membership.can(Permission.AUDIT_VIEW):
        context["recent"] = register.recent_changes(membership.school)
    page = PageContext(membership=membership, user=request.user, day=day)  # type: ignore[arg-type]
    context["panels"] = build_sections(HOME_PANELS, page)
    return render(request, "home.html", context)


@require_permission(*SEE_PUPILS)
def pupil_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = PupilSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    day = today()
    pupils = selectors.pupil_search(membership, query, day=day).order_by(*selectors.BY_SHOWN_NAME)
    page = Paginator(pupils, PUPILS_PER_PAGE).get_page(request.GET.get("page"))
    states = register.register_states(
        Pupil.objects.filter(pk__in=[p.pk for p in page.object_list]), day=day
    )
    # One reverse for the page, not one a row.
    pupil_url = url_pattern("pupil_detail")
    rows = [(p, register.state_of(states, p.pk), pupil_url.format(p.pk)) for p in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query,
        "page_query": query_without(request, "page"),
    }
    return render(request, page_or_fragment(request, "pupils/list.html", "results"), context)


@require_permission(*SEE_PUPILS)
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Several apps' sections read what the page reads (the pupil's SEN status): once each.
    with page_reads():
        return _pupil_page(request, pk)


def _pupil_page_facts(membership: Membership) -> dict[str, Any]:
    """What the page and its sections read with the pupil, so that they skip reading the
    lists the pupil has nothing in (most pupils have no concerns, transfers, ...)."""
    return {
        **register.pupil_facts(membership),
        **records.pupil_facts(membership),
        **pupil_facts(PUPIL_SECTIONS, membership),
    }


def _latest_history(membership: Membership, pupil: Pupil) -> LatestEvents | None:
    """The pupil's latest events as the member may read them; none for those who see no trail."""
    if not membership.can(Permission.AUDIT_VIEW):
        return None
    latest = pupil_history(pupil)
    return replace(latest, events=events_as_read_by(membership, latest.events))


def _pupil_page(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = selectors.pupil_get_for_user(
        membership, pk, related=PUPIL_RELATED, facts=_pupil_page_facts
    )
    sees_all = membership.can(Permission.PUPILS_VIEW_ALL)
    if sees_all:
        prefetch_related_objects([pupil], "contacts")
    day = today()
    access_record(by=request.user, school_id=pupil.school_id, pupil_id=pupil.pk, what="record")  # type: ignore[arg-type]
    contacts = (
        selectors.contact_addresses_for(membership, list(pupil.contacts.all())) if sees_all else []
    )
    monitoring = (
        list(pupil.monitoring.all())
        if sees_all and may_have(pupil, register.HAS_MONITORING)
        else []
    )
    context = {
        "pupil": pupil,
        "summary": (summary := pupil_sen_summary(pupil, day=day)),
        "needs": need_items(summary.needs),
        "contacts": contacts,
        "open_monitoring": next((m for m in monitoring if m.ended_on is None), None),
        "past_monitoring": [m for m in monitoring if m.ended_on is not None],
        "history": _latest_history(membership, pupil),
        "groups": selectors.groups_of(pupil),
        "end_form": MonitoringEndForm(initial={"on": day}),
        "today": day,
        "registers": registers_for_pupil(membership, pupil, day),
    }
    page = PageContext(membership=membership, user=request.user, day=day, pupil=pupil)  # type: ignore[arg-type]
    context["sections"] = build_sections(PUPIL_SECTIONS, page)
    return render(request, "pupils/detail.html", context)
