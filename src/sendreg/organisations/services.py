"""Every change to trusts and local authorities: checked, saved and audited.

An organisation's people see the figures of its schools, so each change is written
to the audit trail of every school concerned: a school joining (with who already
sees the organisation's figures), a person given or moved to a role. Creating an
organisation with no schools yet touches no school's data; it is recorded in each
school's trail as the school joins it (the event names the organisation and its kind).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sendreg.accounts.models import (
    Organisation,
    OrganisationMembership,
    OrganisationSchool,
    School,
    User,
)
from sendreg.accounts.permissions import OrganisationRole
from sendreg.audit.services import audit_record
from sendreg.census.rulebook import la_codes
from sendreg.organisations import rules
from sendreg.organisations.models import OrganisationAudit


@transaction.atomic
def organisation_add(*, name: str, kind: str, la_code: str = "", by: User | None) -> Organisation:
    """A new trust or local authority, with no schools and no people yet."""
    name, la_code = name.strip(), la_code.strip()
    if kind == Organisation.Kind.LA:
        if not la_code:
            raise ValidationError(rules.LA_CODE_NEEDED)
        if la_code not in la_codes().current:
            raise ValidationError(rules.LA_CODE_UNKNOWN.format(code=la_code))
        taken = Organisation.objects.filter(kind=Organisation.Kind.LA, la_code=la_code).first()
        if taken is not None:
            raise ValidationError(f"LA {la_code} is already there, as {taken.name}.")
    elif la_code:
        raise ValidationError(rules.LA_CODE_FOR_TRUST)
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError(f"There is already an organisation called {name}.")
    organisation = Organisation(name=name, kind=kind, la_code=la_code)
    organisation.full_clean()
    organisation.save()
    return organisation


def _members(organisation: Organisation) -> list[str]:
    return [
        f"{m.user.name} <{m.user.email}> ({m.get_role_display()})"
        for m in organisation.memberships.select_related("user").order_by("user__email")
    ]


@transaction.atomic
def organisation_school_add(
    *, organisation: Organisation, school: School, by: User | None, actor_label: str = ""
) -> tuple[OrganisationSchool, bool]:
    """Put ``school`` in ``organisation`` (nothing changes if it is in already).

    A local authority holds only the schools of its area: the first three digits of
    the school's LAESTAB must be its code. Returns the link and whether it is new.
    """
    if organisation.kind == Organisation.Kind.LA and school.la_code != organisation.la_code:
        raise ValidationError(
            rules.SCHOOL_OUTSIDE_LA.format(
                school=school.name,
                school_la=school.la_code,
                laestab=school.laestab,
                organisation=organisation.name,
                la_code=organisation.la_code,
            )
        )
    link, created = OrganisationSchool.objects.get_or_create(
        organisation=organisation, school=school
    )
    if created:
        audit_record(
            type=OrganisationAudit.SCHOOL_JOINED,  # type: ignore[arg-type]
            school_id=school.pk,
            target=link,
            by=by,
            new={
                "organisation": str(organisation),
                "kind": organisation.get_kind_display(),
                "sees_the_figures": _members(organisation),
            },
            actor_label=actor_label,
        )
    return link, created


@transaction.atomic
def organisation_membership_set(
    *,
    organisation: Organisation,
    user: User,
    role: str,
    by: User | None,
    actor_label: str = "",
) -> tuple[OrganisationMembership, bool]:
    """Give ``user`` ``role`` in ``organisation`` (or change their role there).

    Recorded in the trail of each of the organisation's schools, whose figures the
    person now sees. Returns the membership and whether it is new.
    """
    if role not in OrganisationRole.values:
        raise ValidationError(
            f"{role!r} is not a role in a trust or local authority. "
            f"The roles are: {', '.join(OrganisationRole.values)}."
        )
    membership = OrganisationMembership.objects.filter(organisation=organisation, user=user).first()
    created = membership is None
    old: dict[str, Any] = {}
    if membership is None:
        membership = OrganisationMembership(organisation=organisation, user=user, role=role)
    elif membership.role == role:
        return membership, False
    else:
        old = {"role": membership.role}
        membership.role = role
    membership.full_clean()
    membership.save()
    new = {"organisation": str(organisation), "user": f"{user.name} <{user.email}>", "role": role}
    for school_id in organisation.school_links.values_list("school_id", flat=True):
        audit_record(
            type=(
                OrganisationAudit.MEMBER_ADDED  # type: ignore[arg-type]
                if created
                else OrganisationAudit.MEMBER_ROLE_CHANGED
            ),
            school_id=school_id,
            target=membership,
            by=by,
            old=old,
            new=new,
            actor_label=actor_label,
        )
    return membership, created
