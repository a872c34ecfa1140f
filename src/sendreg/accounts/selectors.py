from __future__ import annotations

from django.http import HttpRequest

from sendreg.accounts.models import Membership, School, User

SESSION_SCHOOL_KEY = "school_id"


def memberships_for_user(user: User) -> list[Membership]:
    return list(user.memberships.select_related("school").order_by("school__name"))


def membership_for_request(request: HttpRequest) -> Membership | None:
    """The membership chosen in this session, or the user's only (or first) one."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = user.memberships.select_related("school", "user")
    chosen = request.session.get(SESSION_SCHOOL_KEY)
    if chosen is not None:
        found = memberships.filter(school_id=chosen).first()
        if found is not None:
            return found
    return memberships.order_by("school__name").first()


def school_by_urn(urn: str) -> School | None:
    return School.objects.filter(urn=urn).first()
