"""Reads of pupils, always scoped to what the asking member may see."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404

from sendreg.accounts.models import Membership, School
from sendreg.accounts.permissions import Permission, role_sees_pupils
from sendreg.lib.compiled import compiled
from sendreg.pupils import rules
from sendreg.pupils.models import Contact, Pupil, TeachingGroup

#: The order pupils are listed in: by the names the page shows (preferred where recorded).
BY_SHOWN_NAME = (
    Coalesce(NullIf(F("preferred_surname"), Value("")), F("legal_surname")).asc(),
    Coalesce(NullIf(F("preferred_forename"), Value("")), F("legal_forename")).asc(),
    "pk",
)


#: What names a pupil in a row of values: their id, UPN and the names ``rules.shown_name`` takes.
NAME_FIELDS = (
    "pk", "upn", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname",
)  # fmt: skip

#: What a link to a pupil shows (name, year group) and needs (id): for lists of many pupils.
LINK_FIELDS = (
    "id", "upn", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename",
    "year_group",
)  # fmt: skip


def on_roll(day: dt.date, *, through: str = "") -> Q:
    """``rules.on_roll_on`` as SQL: admitted by ``day`` and not yet left.

    ``through`` names the relation to the pupil from another model (``"pupil"``), so a
    record's query can join its pupil rather than ask whether it is among the roll.
    """
    at = f"{through}__" if through else ""
    admitted = Q(**{f"{at}admission_date__isnull": True}) | Q(**{f"{at}admission_date__lte": day})
    left = Q(**{f"{at}leaving_date__isnull": True}) | Q(**{f"{at}leaving_date__gt": day})
    return admitted & left


def years_on_roll(school: School, *, day: dt.date) -> set[int]:
    """The year groups of the school's pupils on roll on ``day``, in one query."""
    return {year for year in _years_on_roll(school.pk, day) if year is not None}


@compiled
def _years_on_roll(school_id: int, day: dt.date) -> QuerySet[Any]:
    return (
        Pupil.objects.filter(on_roll(day), school_id=school_id, year_group__isnull=False)
        .order_by()
        .values_list("year_group", flat=True)
        .distinct()
    )


def parents_in_law(contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts who are parents for education law (``rules.is_parent_in_law``): those
    with parental responsibility or who have care of the child. Letters go to each."""
    return [c for c in contacts if c.is_parent_in_law]


def pupils_visible_to(membership: Membership) -> QuerySet[Pupil]:
    """Every pupil of the member's school, or only those they teach, as their role allows."""
    pupils = Pupil.objects.filter(school_id=membership.school_id)
    if membership.can(Permission.PUPILS_VIEW_ALL):
        return pupils
    if membership.can(Permission.PUPILS_VIEW_TAUGHT):
        taught = Pupil.objects.filter(
            teaching_groups__teachers=membership.user_id, school_id=membership.school_id
        ).values("pk")
        return pupils.filter(pk__in=taught)
    return pupils.none()


def of_school(school_id: int, relation: str = "pupil") -> Q:
    """Records whose pupil (``relation``) is of the school: read by a join. SQLite plans "the
    pupil is in (the school's pupils)" by building that list first, several times slower."""
    return Q(**{f"{relation}__school_id": school_id})


def of_school_on_roll(school_id: int, day: dt.date, relation: str = "pupil") -> Q:
    """Records whose pupil (``relation``) is of the school and on roll on ``day``, by a join
    (``of_school``): not looked for among a list of the roll, which costs a lookup a pupil
    even when the school has no such records."""
    return of_school(school_id, relation) & on_roll(day, through=relation)


def visible_to(membership: Membership, relation: str = "pupil") -> Q:
    """``pupils_visible_to`` as a condition on a record's pupil (``relation``): the school
    (``of_school``) for the roles that see all of it, the list of taught pupils otherwise."""
    if membership.can(Permission.PUPILS_VIEW_ALL):
        return of_school(membership.school_id, relation)
    return Q(**{f"{relation}__in": pupils_visible_to(membership)})


#: What a page reads with the pupil: annotations (``lib.extensions.pupil_facts``) made for a
#: member. A module-level function, so that each page's read is compiled once.
PupilFacts = Callable[[Membership], Mapping[str, Any]]


def pupil_get_for_user(
    membership: Membership,
    pk: int,
    *,
    related: tuple[str, ...] = (),
    facts: PupilFacts | None = None,
) -> Pupil:
    """The pupil, or 404 when they are outside what the member may see.

    ``related`` names one-to-one records to fetch in the same query, and ``facts`` gives
    the annotations to read with them. The query is compiled once for each role, related
    records and facts (``lib.compiled``): only the school, the member and the pupil vary.
    """
    if not role_sees_pupils(membership.role):
        raise Http404("No such pupil.")
    found = _pupil_read(membership.role, related, facts)(
        membership.school_id, membership.user_id, pk
    )
    if not found:
        raise Http404("No such pupil.")
    return found[0]  # type: ignore[no-any-return]


@functools.cache
def _pupil_read(
    role: str, related: tuple[str, ...], facts: PupilFacts | None
) -> Callable[[int, int, int], list[Any]]:
    """``pupil_get_for_user``'s query for members of one role, compiled. What they may see
    depends on the role alone (``pupils_visible_to``), so a member of that role stands in."""

    def read(school_id: int, user_id: int, pk: int) -> QuerySet[Pupil]:
        member = Membership(role=role, school_id=school_id, user_id=user_id)
        pupils = pupils_visible_to(member).select_related("school", *related)
        if facts is not None:
            pupils = pupils.annotate(**facts(member))
        return pupils.filter(pk=pk)

    read.__qualname__ = f"pupil_get_for_user[{role}]"
    return compiled(read)


def pupil_search(membership: Membership, query: str, *, day: dt.date) -> QuerySet[Pupil]:
    pupils = pupils_visible_to(membership).filter(on_roll(day))
    for word in query.split():
        pupils = pupils.filter(
            Q(legal_surname__icontains=word)
            | Q(legal_forename__icontains=word)
            | Q(preferred_forename__icontains=word)
            | Q(preferred_surname__icontains=word)
            | Q(upn__iexact=word)
            | Q(reg_group__iexact=word)
        )
    return pupils


def contacts_for(pupil: Pupil) -> list[Contact]:
    return list(pupil.contacts.all())


def contact_get_for_user(membership: Membership, pupil: Pupil, pk: int) -> Contact:
    contact = pupil.contacts.filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


def protected_addresses_of(contacts: Iterable[Contact]) -> frozenset[str]:
    return rules.protected_addresses((c.address, c.address_protected) for c in contacts)


def contact_address_protected(contact: Contact, protected: frozenset[str]) -> bool:
    return rules.address_is_protected(
        address=contact.address, marked=contact.address_protected, protected=protected
    )


def contact_addresses_for(
    membership: Membership, contacts: Sequence[Contact]
) -> list[tuple[Contact, str | None]]:
    """Each contact with the address this member may see (None: withheld).

    A protected address, or the same address typed on another of the pupil's contacts,
    is shown to the SENCO only: the same rule the letters follow.
    """
    protected = protected_addresses_of(contacts)
    sees_protected = membership.can(Permission.PROTECTED_ADDRESS_VIEW)
    return [
        (c, c.address if sees_protected or not contact_address_protected(c, protected) else None)
        for c in contacts
    ]


@compiled
def _groups_of(pupil_id: int) -> QuerySet[TeachingGroup]:
    return TeachingGroup.objects.filter(pupils=pupil_id)


def groups_of(pupil: Pupil) -> list[TeachingGroup]:
    """The classes and teaching groups the pupil is in, by name."""
    return _groups_of(pupil.pk)
