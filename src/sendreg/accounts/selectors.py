from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp import user_has_device

from sendreg.accounts.models import LoginFailure, Membership, School, User
from sendreg.accounts.permissions import TWO_FACTOR_ROLES
from sendreg.accounts.rules import Lockout, TwoFactorStep, login_lockout, two_factor_step
from sendreg.lib.cli import CommandError
from sendreg.lib.compiled import compiled
from sendreg.lib.extensions import SCHOOL_SETTINGS

SESSION_SCHOOL_KEY = "school_id"


def memberships_for_user(user: User) -> list[Membership]:
    """The user's memberships by school name, each school with the settings rows the apps
    read often (``lib.extensions.SCHOOL_SETTINGS``): one query, compiled once, as every
    request reads it."""
    memberships = _memberships_of(user.pk)
    for membership in memberships:
        membership.user = user  # as ``user.memberships`` gives them
    return memberships


@compiled
def _memberships_of(user_id: int) -> QuerySet[Membership]:
    settings = [f"school__{setting.key}" for setting in SCHOOL_SETTINGS]
    return (
        Membership.objects.filter(user_id=user_id)
        .select_related("school", *settings)
        .order_by("school__name")
    )


def organisation_ids_of(user: User) -> list[int]:
    """The trusts and local authorities the user has a role in, by name."""
    return list(
        user.organisation_memberships.order_by("organisation__name").values_list(
            "organisation_id", flat=True
        )
    )


def memberships_for_request(request: HttpRequest) -> tuple[list[Membership], Membership | None]:
    """Every membership of the user, by school name, and the one chosen in this session (or
    the first). One query: a person belongs to a few schools, and the home page lists them
    all to switch between."""
    user = request.user
    if not user.is_authenticated:
        return [], None
    memberships = memberships_for_user(user)  # type: ignore[arg-type]
    chosen = request.session.get(SESSION_SCHOOL_KEY)
    found = next((m for m in memberships if m.school_id == chosen), None)
    return memberships, found or (memberships[0] if memberships else None)


def school_by_urn(urn: str) -> School | None:
    return School.objects.filter(urn=urn).first()


@dataclass(frozen=True)
class FailedLogins:
    """One account's failed logins over a period."""

    email: str
    failures: int
    refused_while_paused: int
    addresses: int
    last: dt.datetime


def login_failures_for_school(school: School, *, since: dt.date) -> list[FailedLogins]:
    """Failed logins since ``since`` on the accounts of the school's staff, most first."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    staff = User.objects.filter(memberships__school=school).values("email")
    rows = (
        LoginFailure.objects.filter(at__gte=start, email__in=staff)
        .values("email")
        .annotate(
            failures=Count("id", filter=~Q(reason=LoginFailure.Reason.LOCKED)),
            refused=Count("id", filter=Q(reason=LoginFailure.Reason.LOCKED)),
            addresses=Count("address", distinct=True),
            last=Max("at"),
        )
        .order_by("-failures", "email")
    )
    return [
        FailedLogins(r["email"], r["failures"], r["refused"], r["addresses"], r["last"])
        for r in rows
    ]


def failure_times(*, email: str, address: str | None, since: dt.datetime) -> LockoutInput:
    """The times of recent failed logins on an account and from an address, for the lockout rule.

    Failures on the account count only since its last successful login (a wrong code
    after a right password counts; the right password itself is not a failure). Attempts
    refused while logging in was paused are not counted, so a pause ends on time.
    """
    counted = LoginFailure.objects.filter(at__gte=since).exclude(reason=LoginFailure.Reason.LOCKED)
    last_login = User.objects.filter(email=email).values_list("last_login", flat=True).first()
    account = counted.filter(email=email)
    if last_login is not None:
        account = account.filter(at__gt=last_login)
    by_address = counted.filter(address=address) if address else counted.none()
    return LockoutInput(
        account=list(account.values_list("at", flat=True)),
        address=list(by_address.values_list("at", flat=True)),
    )


@dataclass(frozen=True)
class LockoutInput:
    account: list[dt.datetime]
    address: list[dt.datetime]


def two_factor_step_for(user: User, *, verified: bool) -> TwoFactorStep:
    """What this person's session must still do: enter a code, set up an app, or nothing."""
    if verified:
        return TwoFactorStep.NONE
    return two_factor_step(
        required=user.memberships.filter(role__in=TWO_FACTOR_ROLES).exists(),
        enrolled=user_has_device(user, confirmed=True),
        verified=False,
    )


def two_factor_required(user: User) -> bool:
    return bool(user.memberships.filter(role__in=TWO_FACTOR_ROLES).exists())


def lockout_for(*, email: str, address: str | None, now: dt.datetime) -> Lockout | None:
    """Whether logging in to ``email`` from ``address`` is paused now."""
    window = dt.timedelta(minutes=settings.SENDREG_LOGIN_WINDOW_MINUTES)
    times = failure_times(email=email.strip().lower(), address=address, since=now - window)
    return login_lockout(
        account_failures=times.account,
        address_failures=times.address,
        now=now,
        account_limit=settings.SENDREG_LOGIN_ACCOUNT_LIMIT,
        address_limit=settings.SENDREG_LOGIN_ADDRESS_LIMIT,
        window=window,
    )


def school_from_urn(urn: str | None) -> School:
    """The school a command is about: the one named by URN, or the only one there is."""
    if urn:
        school = School.objects.filter(urn=urn).first()
        if school is None:
            raise CommandError(f"No school has URN {urn}. `sendreg school list` shows them.")
        return school
    schools = list(School.objects.all()[:2])
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise CommandError("There is no school yet: add one with `sendreg school add`.")
    raise CommandError("There is more than one school: say which with --school URN.")
