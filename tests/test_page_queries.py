"""The SENCO's busiest pages make the same number of queries for a small school as for one three
times its size (issue 7): a count that grows with the roll is a query inside a loop.

Demo schools are used because they fill every panel of the home page (EHC records, support
plans, provision, deadlines), each of which adds its own queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Role
from sendreg.demo import demo_fill
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.register.models import MisSenRecord
from sendreg.register.selectors import needs_on, with_sen_status
from tests.conftest import put_on_register
from tests.factories import ContactFactory, PupilFactory, TeachingGroupFactory

#: Page -> the most queries it may make (what it makes today, so that a new one is noticed).
PAGES = {"/": 36, "/census/": 12, "/register/discrepancies/": 6}


def _with_mis_values(school_id: int) -> None:
    """The MIS's SEN values for every pupil, as after an import, one in ten different."""
    day = today()
    pupils = list(with_sen_status(Pupil.objects.filter(school_id=school_id), day).order_by("pk"))
    needs = needs_on([p.pk for p in pupils], day=day)
    records = []
    for index, pupil in enumerate(pupils):
        status, codes = pupil.sen_status or "", needs.get(pupil.pk, [])[:2]
        if index % 10 == 3:
            status, codes = ("K", ["MLD"]) if not status else ("", [])
        records.append(
            MisSenRecord(pupil=pupil, status=status, needs=codes, imported_at=timezone.now())
        )
    MisSenRecord.objects.bulk_create(records)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.mark.django_db
def test_the_senco_pages_make_the_same_queries_for_a_school_three_times_the_size(
    django_assert_max_num_queries: Any,
) -> None:
    demo_fill(pupils=100, schools=1)
    demo_fill(pupils=300, schools=2)
    counts: dict[str, list[int]] = {url: [] for url in PAGES}
    for urn in ("999001", "999002"):
        senco = Membership.objects.select_related("user").get(school__urn=urn, role=Role.SENCO)
        _with_mis_values(senco.school_id)
        client = Client()
        client.force_login(senco.user)
        for url, most in PAGES.items():
            client.get(url)  # the first request of a session reads what later ones need not
            with django_assert_max_num_queries(most):
                counts[url].append(_queries(client, url))
    assert {url: len(set(found)) for url, found in counts.items()} == dict.fromkeys(PAGES, 1), (
        counts
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_the_pupil_page_makes_the_same_queries_for_a_small_and_a_bigger_record(
    school: School, senco: User
) -> None:
    """More contacts, classes, register history, needs and audit rows: no more queries."""
    small = PupilFactory(school=school)
    put_on_register(small, by=senco, status="K", needs=("SEMH",))
    ContactFactory(pupil=small)
    TeachingGroupFactory(school=school, name="7A/Ma1").pupils.add(small)

    bigger = PupilFactory(school=school)
    put_on_register(bigger, by=senco, status="K", needs=("SLCN",), on=dt.date(2025, 9, 4))
    put_on_register(bigger, by=senco, status="K", needs=("SLCN", "ASD"), on=dt.date(2025, 10, 1))
    put_on_register(bigger, by=senco, status="E", needs=("ASD", "SLCN", "SPLD"))
    for _ in range(4):
        ContactFactory(pupil=bigger)
    for name in ("7A/Ma2", "7A/En2", "7A/Sc2"):
        TeachingGroupFactory(school=school, name=name).pupils.add(bigger)
    MisSenRecord.objects.create(
        pupil=bigger, status="E", needs=["ASD", "SLCN"], imported_at=timezone.now()
    )

    client = Client()
    client.force_login(senco)
    counts = []
    for pupil in (small, bigger):
        url = f"/pupils/{pupil.pk}/"
        client.get(url)
        counts.append(_queries(client, url))
    assert counts[0] == counts[1], counts
