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
from tests.queries import count_queries

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
                counts[url].append(count_queries(client, url))
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
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1] <= 13, counts


#: The lists the pupil's page reads only when what it reads with the pupil says there is
#: something in them (``Section.pupil_facts``), as the tables they are read from.
SKIPPED_WHEN_EMPTY = (
    "register_monitoringentry",
    "records_medicalcondition",
    "records_examarrangement",
    "records_causeforconcern",
    "transfer_recordpack",
    "transfer_ctfhistory",
    "transfer_consent",
    "ehc_ehcevent",
    "ehc_ehcduedate",
    "ehc_ehcschoolsettings",
)


def _tables_read(client: Client, url: str) -> tuple[str, list[str]]:
    """The page, and the table each of its queries reads first (subqueries aside)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    tables = [
        query["sql"].removeprefix('SELECT "').split('"', 1)[0]
        for query in captured
        if query["sql"].startswith('SELECT "')
    ]
    return response.content.decode(), tables


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_the_pupil_page_reads_no_list_the_pupil_has_nothing_in(
    school: School, senco: User, django_assert_max_num_queries: Any
) -> None:
    pupil = PupilFactory(school=school)
    put_on_register(pupil, by=senco, status="K", needs=("SEMH",))
    ContactFactory(pupil=pupil)
    client = Client()
    client.force_login(senco)
    url = f"/pupils/{pupil.pk}/"
    client.get(url)
    # The session, the user and the membership (3), the pupil with what the sections ask to
    # know, the contacts, the access log's row (a write), the census days, the SEN episodes
    # and needs, the history, the classes, the provision and who has looked at the record.
    with django_assert_max_num_queries(13):
        page, tables = _tables_read(client, url)
    assert not set(SKIPPED_WHEN_EMPTY) & set(tables), tables
    # Each section still says that its list is empty.
    for empty in (
        "No medical condition or disability recorded.",
        "No exam access arrangement in force.",
        "No open cause for concern.",
        "No Common Transfer File has brought a history for this pupil.",
        "No consent to share is recorded.",
        "No consent in force covers sharing with the next school",
    ):
        assert empty in page, empty


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_the_pupil_page_still_reads_and_shows_each_list_the_pupil_has_something_in(
    school: School, senco: User, django_assert_max_num_queries: Any
) -> None:
    from sendreg.records.rules import Arrangement, KeyStage
    from sendreg.records.services import (
        concern_start,
        exam_arrangement_create,
        medical_condition_create,
    )
    from sendreg.register.services import monitoring_start
    from sendreg.transfer.services import consent_record
    from tests.transfer.conftest import make_pack

    day = today()
    pupil = PupilFactory(school=school)
    mother = ContactFactory(pupil=pupil, name="Jo Young")
    monitoring_start(
        pupil=pupil, reason="Slow progress in reading", review_date=day, on=day, by=senco
    )
    medical_condition_create(
        pupil=pupil, condition="Type 1 diabetes", has_ihp=False, ihp_review_date=None, by=senco
    )
    exam_arrangement_create(
        pupil=pupil, arrangement=Arrangement.READER, key_stage=KeyStage.KS4,
        evidence="Assessed.", approved_on=day, expires_on=None, by=senco,
    )  # fmt: skip
    concern_start(
        pupil=pupil, reason="Struggles to settle after lunch", started_on=day, owner=senco,
        review_date=day + dt.timedelta(days=28), by=senco,
    )  # fmt: skip
    consent_record(
        pupil=pupil, given_by="parent", contact=mother, given_on=day, purposes=["specialists"],
        organisations=[], notes="", by=senco, today=day,
    )  # fmt: skip
    make_pack(pupil, senco, sent_on=day)
    client = Client()
    client.force_login(senco)
    url = f"/pupils/{pupil.pk}/"
    client.get(url)
    with django_assert_max_num_queries(21):
        page, tables = _tables_read(client, url)
    for table in SKIPPED_WHEN_EMPTY[:5] + ("transfer_consent",):
        assert table in tables, table
    for shown in (
        "Slow progress in reading",
        "Type 1 diabetes",
        "Reader",
        "Struggles to settle after lunch",
        "Jo Young",
        "Northgate High School",
    ):
        assert shown in page, shown
