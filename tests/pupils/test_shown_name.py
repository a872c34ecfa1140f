"""How a pupil is named is one rule (``pupils.rules.shown_name``): the preferred names where
recorded, else the legal ones; the SQL order of lists (``BY_SHOWN_NAME``) sorts by the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreg.accounts.models import School
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import shown_forename, shown_name, shown_surname
from sendreg.pupils.selectors import BY_SHOWN_NAME
from tests.factories import PupilFactory, SchoolFactory


@pytest.mark.parametrize(
    ("legal", "preferred", "shown"),
    [
        (("Olivia", "Baker"), ("Liv", ""), "Liv Baker"),
        (("Olivia", "Baker"), ("", ""), "Olivia Baker"),
        (("Olivia", "Baker"), (None, None), "Olivia Baker"),
        (("Olivia", "Baker"), ("", "Baker-Khan"), "Olivia Baker-Khan"),
    ],
)
def test_the_preferred_name_is_shown_where_recorded(
    legal: tuple[str, str], preferred: tuple[str | None, str | None], shown: str
) -> None:
    assert shown_name(legal[0], legal[1], preferred[0], preferred[1]) == shown


names = st.text(alphabet="abc", min_size=1, max_size=3)
maybe = st.one_of(st.just(""), names)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(names, names, maybe, maybe), min_size=1, max_size=8))
def test_lists_are_sorted_by_the_names_they_show(
    people: list[tuple[str, str, str, str]],
) -> None:
    school: School = SchoolFactory()
    made = [
        PupilFactory(
            school=school, legal_forename=forename, legal_surname=surname,
            preferred_forename=preferred_forename, preferred_surname=preferred_surname,
        )
        for forename, surname, preferred_forename, preferred_surname in people
    ]  # fmt: skip
    in_python = sorted(
        made,
        key=lambda p: (
            shown_surname(p.legal_surname, p.preferred_surname),
            shown_forename(p.legal_forename, p.preferred_forename),
            p.pk,
        ),
    )
    assert list(Pupil.objects.filter(school=school).order_by(*BY_SHOWN_NAME)) == in_python
    assert [str(p) for p in in_python] == [
        shown_name(p.legal_forename, p.legal_surname, p.preferred_forename, p.preferred_surname)
        for p in in_python
    ]
