from __future__ import annotations

import math
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from sendreg.accounts.forms import (
    CODE_WAIT,
    CODE_WRONG,
    SETUP_CODE_WRONG,
    TwoFactorCodeForm,
    TwoFactorSetupForm,
)
from sendreg.accounts.models import LoginFailure, User
from sendreg.accounts.selectors import (
    SESSION_SCHOOL_KEY,
    lockout_for,
    memberships_for_user,
    two_factor_required,
)
from sendreg.accounts.services import (
    login_failure_record,
    password_changed,
    recovery_codes_left,
    recovery_codes_renew,
    sessions_end_everywhere,
    two_factor_confirm,
    two_factor_device_for_setup,
    two_factor_remove,
)
from sendreg.lib.http import client_address

TWO_FACTOR_NEEDED_FOR_ROLE = (
    "Your role sees the whole SEN register, so your account must keep two-factor "
    "authentication. To use a new phone, set up the app again instead."
)
LOGGED_OUT_EVERYWHERE = (
    "You have been logged out everywhere: on this computer and on every other computer "
    "or phone where you were logged in."
)


@login_required
@require_POST
def school_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("school")
    for membership in memberships_for_user(request.user):  # type: ignore[arg-type]
        if str(membership.school_id) == wanted:
            request.session[SESSION_SCHOOL_KEY] = membership.school_id
    return redirect("home")


@login_required
def no_school(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_school.html", status=403)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _next(request: HttpRequest) -> str:
    """Where to go after a step of logging in: the page asked for, if it is ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and allowed else reverse(settings.LOGIN_REDIRECT_URL)


# --- Two-factor authentication ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: a code from the app, or a recovery code."""
    user = _user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        lockout = lockout_for(email=user.email, address=address, now=timezone.now())
        if lockout is not None:
            login_failure_record(
                email=user.email, address=address, reason=LoginFailure.Reason.LOCKED
            )
            logout(request)
            messages.error(request, lockout.message(timezone.localtime()))
            return redirect(settings.LOGIN_URL)
        code = form.cleaned_data["code"]
        app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        # An app's code is six digits; anything else can only be a recovery code. Trying each
        # only where it can match keeps a recovery code from pausing the app (django-otp
        # pauses a device after each wrong code).
        is_app_code = code.isdigit() and len(code) == 6
        paused = _paused_for(app) if is_app_code else 0
        candidates = (
            [app]
            if is_app_code and app
            else list(StaticDevice.objects.filter(user=user, confirmed=True))
        )
        device = next(
            (d for d in candidates if django_otp.verify_token(user, d.persistent_id, code)), None
        )
        if device is None:
            login_failure_record(email=user.email, address=address, reason=LoginFailure.Reason.CODE)
            form.add_error("code", _wait(paused) if paused else CODE_WRONG)
        else:
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. If you have lost your phone, "
                    "set up the app again and make new recovery codes from Your account.",
                )
            return redirect(_next(request))
    context = {"form": form, "next": _next(request)}
    return render(request, "accounts/two_factor_verify.html", context)


def _wait(seconds: int) -> str:
    return CODE_WAIT.format(seconds="1 second" if seconds == 1 else f"{seconds} seconds")


def _paused_for(device: TOTPDevice | None) -> int:
    """Seconds before the app's codes are tried again after wrong ones (django-otp's
    throttling: 1, 2, 4, 8... seconds after each wrong code in a row), or 0."""
    if device is None:
        return 0
    allowed, detail = device.verify_is_allowed()
    if allowed or not detail or not detail.get("locked_until"):
        return 0
    return max(1, math.ceil((detail["locked_until"] - timezone.now()).total_seconds()))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then give a code.

    Someone who already has an app must have used it in this session first, so that a
    password alone can never replace their second factor.
    """
    user = _user(request)
    verified = user.is_verified()  # type: ignore[attr-defined]
    if django_otp.user_has_device(user, confirmed=True) and not verified:
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_setup')}")
    device = two_factor_device_for_setup(user=user)
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        paused = _paused_for(device)
        codes = two_factor_confirm(device=device, code=form.cleaned_data["code"], by=user)
        if codes is None:
            form.add_error("code", _wait(paused) if paused else SETUP_CODE_WRONG)
        else:
            device.refresh_from_db()
            django_otp.login(request, device)
            context = {"codes": codes, "next": _next(request), "new_app": True}
            return render(request, "accounts/recovery_codes.html", context)
    qr = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr", omitsize=False
    )
    key = device.bin_key
    context = {
        "form": form,
        "qr": qr,
        "key": " ".join(_base32(key)[i : i + 4] for i in range(0, len(_base32(key)), 4)),
        "next": _next(request),
        "required": two_factor_required(user),
        "replacing": verified,
    }
    return render(request, "accounts/two_factor_setup.html", context)


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode("ascii").rstrip("=")


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not django_otp.user_has_device(user, confirmed=True):
        raise PermissionDenied
    codes = recovery_codes_renew(by=user)
    context = {"codes": codes, "next": reverse("account"), "new_app": False}
    return render(request, "accounts/recovery_codes.html", context)


@login_required
@require_POST
def two_factor_turn_off(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if two_factor_required(user):
        messages.error(request, TWO_FACTOR_NEEDED_FOR_ROLE)
        return redirect("account")
    two_factor_remove(user=user, by=user)
    messages.success(request, "Two-factor authentication is off for your account.")
    return redirect("account")


# --- The account page, sessions and passwords -----------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context: dict[str, Any] = {
        "memberships": memberships_for_user(user),
        "enrolled": django_otp.user_has_device(user, confirmed=True),
        "required": two_factor_required(user),
        "codes_left": recovery_codes_left(user),
        "idle_minutes": settings.SENDREG_IDLE_MINUTES,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    sessions_end_everywhere(by=_user(request))
    logout(request)
    messages.success(request, LOGGED_OUT_EVERYWHERE)
    return redirect(settings.LOGIN_URL)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(user=form.user, by_email=False)
        messages.success(
            self.request,
            "Your password was changed. You are still logged in here; any other session has ended.",
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timeout_minutes"] = settings.PASSWORD_RESET_TIMEOUT // 60
        return dict(context)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(user=form.user, by_email=True)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
