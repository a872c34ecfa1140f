"""The settings rows pages read often (the EHC age range, the top-up threshold) come with the
member's school in the one query for their memberships; a service that changes one leaves
the school object reading the new row; a school read another way asks the database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sendreg.accounts.models import School, User
from sendreg.accounts.selectors import memberships_for_user
from sendreg.ehc import rules as ehc_rules
from sendreg.ehc.selectors import final_year_for
from sendreg.ehc.services import ehc_settings_set
from sendreg.provision.selectors import default_threshold, topup_threshold
from sendreg.provision.services import topup_threshold_set

pytestmark = pytest.mark.django_db


def members_school(user: User) -> School:
    (membership,) = memberships_for_user(user)
    return membership.school


def test_without_rows_the_defaults_are_read_with_no_query(
    senco: User, django_assert_num_queries: Any
) -> None:
    school = members_school(senco)
    with django_assert_num_queries(0):
        assert final_year_for(school) == ehc_rules.default_final_year(school.phase)
        assert topup_threshold(school) == default_threshold()


def test_the_rows_come_with_the_school(
    school: School, senco: User, django_assert_num_queries: Any
) -> None:
    ehc_settings_set(school=school, final_year=13, by=senco)
    topup_threshold_set(school=school, threshold=Decimal("6500"), by=senco)
    read = members_school(senco)
    with django_assert_num_queries(0):
        assert final_year_for(read) == 13
        assert topup_threshold(read) == Decimal("6500.00")


def test_a_change_is_read_back_from_the_same_school_object(senco: User) -> None:
    school = members_school(senco)
    assert final_year_for(school) == ehc_rules.default_final_year(school.phase)
    ehc_settings_set(school=school, final_year=13, by=senco)
    topup_threshold_set(school=school, threshold=Decimal("7000"), by=senco)
    assert final_year_for(school) == 13
    assert topup_threshold(school) == Decimal("7000.00")
    topup_threshold_set(school=school, threshold=None, by=senco)
    assert topup_threshold(school) == default_threshold()


def test_a_school_read_without_them_asks_the_database(
    school: School, senco: User, django_assert_num_queries: Any
) -> None:
    ehc_settings_set(school=school, final_year=13, by=senco)
    fresh = School.objects.get(pk=school.pk)
    with django_assert_num_queries(1):
        assert final_year_for(fresh) == 13
