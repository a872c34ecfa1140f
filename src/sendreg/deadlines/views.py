"""The Deadlines page, the home panel, and the personal calendar feed with its page.

The page and the panel need DEADLINES_VIEW (the SENCO, the deputy and the head). The
feed itself needs no login, since a calendar program cannot log in: its address holds a
long random token instead, which the person can turn off or replace at any time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.deadlines import feeds, rules, selectors, services
from sendreg.deadlines.forms import DeadlineFilterForm
from sendreg.lib.dates import today
from sendreg.lib.extensions import PageContext
from sendreg.lib.htmx import page_or_fragment, redirect_after_post
from sendreg.lib.paging import paginate

VIEW = (Permission.DEADLINES_VIEW,)
#: How many deadlines the home panel lists before pointing to the page.
PANEL_LIMIT = 10
#: How many deadlines the Deadlines page shows at a time.
DEADLINES_PER_PAGE = 100
FEED_TURNED_OFF = "Your calendar address was turned off. Calendars using it will stop updating."
NO_FEED = "You had no calendar address to turn off."


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def home_panel(page: PageContext) -> dict[str, Any] | None:
    """What is overdue or due within 14 days, on the home page of those who see the list."""
    if not page.membership.can(Permission.DEADLINES_VIEW):
        return None
    urgent = selectors.attention(page.membership.school, page.day)
    overdue = sum(1 for d in urgent if d.status == rules.DeadlineStatus.OVERDUE)
    return {
        "rows": selectors.rows(urgent[:PANEL_LIMIT]),
        "total": len(urgent),
        "overdue": overdue,
        "due_soon": len(urgent) - overdue,
        "more": max(len(urgent) - PANEL_LIMIT, 0),
        "soon_days": rules.SOON_DAYS,
    }


@require_GET
@require_permission(*VIEW)
def deadline_list(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    labels = selectors.kinds()
    form = DeadlineFilterForm(request.GET or None, kinds=labels)
    kind, status = form.value("kind"), form.value("status")
    statuses = rules.OPEN_STATUSES if status == "open" else ({status} if status else set())
    day = today()
    deadlines = selectors.school_deadlines(
        membership.school, day, only_kinds={kind} if kind else (), only_statuses=statuses
    )
    # A page at a time: a school's year of reviews, census days and EHC steps runs to
    # hundreds. The command line, the calendar feed and the email keep the whole list.
    page = paginate(deadlines, request.GET, param="page", per_page=DEADLINES_PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "rows": selectors.rows(page.items),
        "today": day,
        "filtered": bool(kind or status),
        "soon_days": rules.SOON_DAYS,
    }
    return render(request, page_or_fragment(request, "deadlines/list.html", "results"), context)


def _calendar(request: HttpRequest, *, new_url: str = "") -> HttpResponse:
    feed = selectors.live_feed(request.user)  # type: ignore[arg-type]
    context = {"feed": feed, "new_url": new_url}
    return render(request, "deadlines/calendar.html", context)


@require_GET
@require_permission(*VIEW)
def calendar_page(request: HttpRequest) -> HttpResponse:
    return _calendar(request)


@require_POST
@require_permission(*VIEW)
def calendar_create(request: HttpRequest) -> HttpResponse:
    """Make a new address (ending any old one) and show it, this once: it is not kept."""
    user: User = request.user  # type: ignore[assignment]
    feed, token = services.feed_create(user=user, school_id=_member(request).school_id)
    url = request.build_absolute_uri(reverse("deadlines_feed", args=[feed.pk, token]))
    return _calendar(request, new_url=url)


@require_POST
@require_permission(*VIEW)
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if services.feed_revoke(user=user, school_id=_member(request).school_id):
        messages.success(request, FEED_TURNED_OFF)
    else:
        messages.info(request, NO_FEED)
    return redirect_after_post(request, reverse("deadlines_calendar"))


@require_GET
def calendar_feed(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The calendar itself: no login, the token is the key. Unknown or turned off: 404."""
    feed = selectors.feed_get(pk, token)
    if feed is None:
        raise Http404("No such calendar.")
    day = today()
    pairs = [
        (membership.school.urn, deadline)
        for membership in selectors.feed_memberships(feed.user)
        for deadline in selectors.school_deadlines(membership.school, day)
    ]
    body = feeds.calendar_bytes(pairs, labels=selectors.kinds(), site_url=settings.SENDREG_SITE_URL)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sendreg-deadlines.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
