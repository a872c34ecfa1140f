"""The pages of a trust or local authority: its list, its figures, an LA's download."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from sendreg.accounts.models import Organisation, OrganisationMembership, User
from sendreg.accounts.permissions import OrganisationPermission
from sendreg.lib.dates import today
from sendreg.lib.spreadsheets import csv_response
from sendreg.organisations import selectors

View = Callable[..., HttpResponse]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def require_organisation_permission(permission: OrganisationPermission) -> Callable[[View], View]:
    """Log in first; then the user needs a role in organisation ``pk`` holding ``permission``.

    Someone with no role in any organisation (a school's staff) gets 403; someone with a
    role in other organisations gets 404 for this one, which never says it exists.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
            user = _user(request)
            membership = selectors.organisation_membership_of(user, pk)
            if membership is None:
                if not OrganisationMembership.objects.filter(user=user).exists():
                    raise PermissionDenied
                raise Http404
            if not membership.can(permission):
                raise PermissionDenied
            return view(request, membership, *args, **kwargs)

        return wrapped

    return decorator


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    memberships = selectors.organisation_memberships_of(_user(request))
    if not memberships:
        raise PermissionDenied
    return render(request, "organisations/list.html", {"org_memberships": memberships})


@require_organisation_permission(OrganisationPermission.VIEW)
def organisation_detail(request: HttpRequest, membership: OrganisationMembership) -> HttpResponse:
    figures = selectors.organisation_figures(membership.organisation, user=_user(request))
    context = {
        "org_membership": membership,
        "organisation": membership.organisation,
        "figures": figures,
        "can_export": membership.organisation.kind == Organisation.Kind.LA
        and membership.can(OrganisationPermission.EXPORT_NEEDS),
    }
    return render(request, "organisations/detail.html", context)


@require_organisation_permission(OrganisationPermission.EXPORT_NEEDS)
def organisation_needs_csv(
    request: HttpRequest, membership: OrganisationMembership
) -> HttpResponse:
    """A local authority's "levels and types of need" of its schools, from their latest
    snapshots, suppressed as the page is."""
    organisation = membership.organisation
    if organisation.kind != Organisation.Kind.LA:
        raise Http404
    rows = selectors.organisation_needs_export(organisation)
    filename = f"{slugify(organisation.name)}-levels-and-types-of-need-{today():%Y-%m-%d}.csv"
    return csv_response(filename, selectors.NEEDS_EXPORT_HEADER, rows)
