from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django_htmx.http import HttpResponseClientRedirect

from sendreg.accounts import rules
from sendreg.accounts.selectors import memberships_for_request, two_factor_step_for

Handler = Callable[[HttpRequest], HttpResponse]

#: Session keys: when the person logged in, and when they last made a request.
SESSION_LOGGED_IN_AT = "sendreg_logged_in_at"
SESSION_LAST_SEEN = "sendreg_last_seen"
#: The last-seen time is written at most this often, not on every request.
LAST_SEEN_RESOLUTION = 60


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect the browser follows as a whole page, also from an htmx request."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def _with_next(url: str, request: HttpRequest) -> str:
    return f"{url}?next={quote(request.get_full_path())}"


class SecurityHeadersMiddleware:
    """Security headers on every response, and no caching of anything a logged-in person sees.

    Django's SecurityMiddleware sends HSTS, X-Content-Type-Options and the Referrer-Policy;
    this adds the Content-Security-Policy and Permissions-Policy, and X-Frame-Options on
    the static files too. Every response to a logged-in person may hold pupils' data,
    so none of it is kept in a browser's or a proxy's cache.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.SENDREG_CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", settings.SENDREG_PERMISSIONS_POLICY)
        response.setdefault("X-Frame-Options", "DENY")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


class SessionExpiryMiddleware:
    """Ends a session after ``SENDREG_IDLE_MINUTES`` without a request, and
    ``SENDREG_SESSION_HOURS`` after logging in, whatever happened in between."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._check(request)
            if ended is not None:
                logout(request)
                if ended == rules.SessionEnd.IDLE:
                    text = rules.SESSION_IDLE_MESSAGE.format(minutes=settings.SENDREG_IDLE_MINUTES)
                else:
                    hours = settings.SESSION_COOKIE_AGE // 3600
                    text = rules.SESSION_ABSOLUTE_MESSAGE.format(hours=hours)
                messages.info(request, text)
                return _redirect(request, _with_next(reverse(settings.LOGIN_URL), request))
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> rules.SessionEnd | None:
        session = request.session
        now = time.time()
        logged_in_at = session.get(SESSION_LOGGED_IN_AT)
        last_seen = session.get(SESSION_LAST_SEEN)
        if logged_in_at is None or last_seen is None:
            # A session from before these were kept: count from now.
            session[SESSION_LOGGED_IN_AT] = logged_in_at or now
            session[SESSION_LAST_SEEN] = now
            return None
        ended = rules.session_end(
            logged_in_at=logged_in_at,
            last_seen=last_seen,
            now=now,
            idle_seconds=settings.SENDREG_IDLE_MINUTES * 60,
            absolute_seconds=settings.SESSION_COOKIE_AGE,
        )
        # A clock that went back (now before last_seen) moves nothing, so it ends nothing.
        if ended is None and now - last_seen >= LAST_SEEN_RESOLUTION:
            session[SESSION_LAST_SEEN] = now
        return ended


def session_started(request: HttpRequest) -> None:
    """Note the time of a login in its session (called on ``user_logged_in``)."""
    now = time.time()
    request.session[SESSION_LOGGED_IN_AT] = now
    request.session[SESSION_LAST_SEEN] = now


#: Pages a session may open before its second factor: the two-factor pages themselves,
#: logging out, and the password pages reached from the login page.
TWO_FACTOR_EXEMPT = frozenset(
    {
        "login",
        "logout",
        "two_factor_verify",
        "two_factor_setup",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
)


class TwoFactorMiddleware:
    """Sends a session that still owes its second factor to enter a code, or to set one up.

    Which roles must use a second factor is said in ``accounts.permissions``; the step
    a session is at comes from ``accounts.rules.two_factor_step``. Off when
    ``SENDREG_TWO_FACTOR`` is false (development and the test suite).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SENDREG_TWO_FACTOR and request.user.is_authenticated:
            step = two_factor_step_for(request.user, verified=request.user.is_verified())  # type: ignore[arg-type, union-attr]
            if step != rules.TwoFactorStep.NONE and not self._exempt(request):
                name = (
                    "two_factor_verify"
                    if step == rules.TwoFactorStep.VERIFY
                    else "two_factor_setup"
                )
                return _redirect(request, _with_next(reverse(name), request))
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        try:
            return resolve(request.path_info).url_name in TWO_FACTOR_EXEMPT
        except Resolver404:
            return False


class MembershipMiddleware:
    """Sets ``request.membership``: the school the user is working in, and their role there;
    and ``request.memberships``: every school they may work in."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        memberships, chosen = memberships_for_request(request)
        request.memberships = memberships  # type: ignore[attr-defined]
        request.membership = chosen  # type: ignore[attr-defined]
        return self.get_response(request)
