"""A trust's or local authority's page, its download, and the way to it from the home page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sendreg.accounts.models import Organisation, OrganisationSchool, School, User
from sendreg.accounts.permissions import Role
from tests.factories import MembershipFactory, PupilFactory, SchoolFactory
from tests.organisations.conftest import DAY, org_member, organisation_of, take_snapshot

pytestmark = pytest.mark.django_db

PUPILS_A = [("E", "ASD")] * 12 + [("E", "SEMH")] * 6 + [("K", "SLCN")] * 30 + [("K", "MLD")] * 3
PUPILS_B = [("E", "ASD")] * 2 + [("K", "SLCN")] * 20 + [("K", "SPLD")] * 10
PUPILS_C = [("E", "ASD")] * 7 + [("K", "SLCN")] * 25


def brook(organisation: Organisation) -> School:
    """A third school: Riverside's 2 EHC plans then take Brook's 7, not Oakfield's 18, with them."""
    school = SchoolFactory(urn="100003", laestab="8012002", name="=Brook School")
    OrganisationSchool.objects.create(organisation=organisation, school=school)
    take_snapshot(school, roll=200, pupils=PUPILS_C)
    return school


def test_the_page_says_plainly_when_there_are_no_snapshots(
    client: Client, trust: Organisation, trust_adviser: User
) -> None:
    client.force_login(trust_adviser)
    page = client.get(f"/org/{trust.pk}/").content.decode()
    assert "No snapshots yet" in page
    assert "Oakfield Academy" in page and "Riverside School" in page


def test_the_page_shows_each_school_the_total_needs_trend_and_findings(
    client: Client, trust: Organisation, trust_adviser: User, school: School, other_school: School
) -> None:
    take_snapshot(school, roll=200, pupils=PUPILS_A[:40], on=DAY - dt.timedelta(days=120))
    take_snapshot(school, roll=300, pupils=PUPILS_A, findings={"no_plan": 14, "nsa_held_long": 2})
    take_snapshot(other_school, roll=250, pupils=PUPILS_B, findings={"no_plan": 9})
    brook(trust)
    client.force_login(trust_adviser)
    response = client.get(f"/org/{trust.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "No snapshots yet" not in page
    # Oakfield: 18 E of 300 (6.0%), 33 K (11.0%), 51 all SEN (17.0%).
    assert "6.0%" in page and "11.0%" in page and "17.0%" in page
    # Riverside has 2 EHC plans: withheld, and so is another of its counts.
    assert "fewer than 5" in page
    assert "not shown, to protect a small count" in page
    # The total: 750 on roll.
    assert "750" in page
    assert "ASD – Autistic spectrum disorder" in page
    assert "SLCN – Speech, language and communication needs" in page
    # The trend has both snapshot days.
    assert "15 January 2026" in page and "17 September 2025" in page
    assert "On the register with no open support plan" in page
    assert "23" in page  # 14 + 9 pupils with no plan
    assert "NSA (no specialist assessment) held for more than a term" in page


def test_the_page_names_no_pupil_and_offers_only_the_schools_the_user_belongs_to(
    client: Client, trust: Organisation, school: School, other_school: School
) -> None:
    PupilFactory(school=school, legal_forename="Maisie", legal_surname="Youngblood")
    take_snapshot(school, roll=100, pupils=PUPILS_A[:30])
    take_snapshot(other_school, roll=100, pupils=PUPILS_B)
    lead = org_member(trust, "lead@trust.test", "send_lead")
    MembershipFactory(user=lead, school=other_school, role=Role.HEAD)
    client.force_login(lead)
    page = client.get(f"/org/{trust.pk}/").content.decode()
    assert "Youngblood" not in page and "Maisie" not in page
    assert page.count("open this school") == 1
    assert f'name="school" value="{other_school.pk}"' in page
    assert f'name="school" value="{school.pk}"' not in page


def test_an_adviser_of_one_organisation_cannot_see_another(
    client: Client, trust: Organisation, trust_adviser: User
) -> None:
    elsewhere = organisation_of("Elm Trust", [SchoolFactory(urn="100009")])
    client.force_login(trust_adviser)
    assert client.get(f"/org/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/org/{elsewhere.pk + 100}/").status_code == 404


def test_a_schools_staff_without_a_role_in_the_organisation_cannot_see_it(
    client: Client, trust: Organisation, senco: User, head: User
) -> None:
    for user in (senco, head):
        client.force_login(user)
        assert client.get(f"/org/{trust.pk}/").status_code == 403
        assert client.get("/org/").status_code == 403


def test_a_local_authority_downloads_its_levels_and_types_of_need(
    client: Client, school: School
) -> None:
    neighbour = SchoolFactory(urn="100002", laestab="8012001", name="Riverside School")
    la = organisation_of("Bristol", [school, neighbour], kind="la", la_code="801")
    brook(la)
    officer = org_member(la, "officer@bristol.test")
    take_snapshot(school, roll=300, pupils=PUPILS_A)
    take_snapshot(neighbour, roll=250, pupils=PUPILS_B)
    client.force_login(officer)
    page = client.get(f"/org/{la.pk}/").content.decode()
    assert f"/org/{la.pk}/needs.csv" in page
    response = client.get(f"/org/{la.pk}/needs.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "bristol-levels-and-types-of-need-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "urn", "laestab", "school", "snapshot_date", "roll", "ehc", "sen_support",
        "status", "primary_need", "primary_need_meaning", "pupils",
    ]  # fmt: skip
    body = rows[1:]
    assert ["100001", "8012000", "Oakfield Academy", "2026-01-15", "300", "18", "33", "E",
            "ASD", "ASD – Autistic spectrum disorder", "12"] in body  # fmt: skip
    # A school's name that looks like a formula is neutralised.
    assert {r[2] for r in body} == {"Oakfield Academy", "Riverside School", "'=Brook School"}
    # Oakfield's 3 MLD pupils are withheld, and so is another count of its K pupils.
    mld = [r for r in body if r[0] == "100001" and r[8] == "MLD"]
    assert mld[0][10] == "fewer than 5"
    assert any(r[10] == "not shown, to protect a small count" for r in body if r[0] == "100001")
    assert not any(r[10] in {"1", "2", "3", "4"} for r in body)


def test_a_trust_has_no_needs_download(
    client: Client, trust: Organisation, trust_adviser: User
) -> None:
    client.force_login(trust_adviser)
    assert "needs.csv" not in client.get(f"/org/{trust.pk}/").content.decode()
    assert client.get(f"/org/{trust.pk}/needs.csv").status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_number_of_pupils(
    client: Client, trust: Organisation, trust_adviser: User, school: School, other_school: School
) -> None:
    client.force_login(trust_adviser)
    counts = []
    for size, day in ((1, DAY), (10, DAY + dt.timedelta(days=1))):
        take_snapshot(school, roll=60 * size, pupils=PUPILS_A * size, on=day)
        take_snapshot(other_school, roll=40 * size, pupils=PUPILS_B * size, on=day)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/org/{trust.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 12


def test_someone_with_a_role_only_in_an_organisation_is_taken_to_it_from_home(
    client: Client, trust: Organisation, trust_adviser: User
) -> None:
    client.force_login(trust_adviser)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/org/{trust.pk}/"
    organisation_of("Elm Trust", [])
    org_member(Organisation.objects.get(name="Elm Trust"), trust_adviser.email)
    response = client.get("/")
    assert response["Location"] == "/org/"
    page = client.get("/org/").content.decode()
    assert "Oak Learning Trust" in page and "Elm Trust" in page


def test_someone_with_no_school_and_no_organisation_is_refused_at_home(client: Client) -> None:
    user = User.objects.create_user("nobody@example.test", "pw-1234567890", name="Nobody")
    client.force_login(user)
    assert client.get("/").status_code == 403


def test_the_home_page_of_a_school_member_links_to_their_organisation(
    client: Client, trust: Organisation, adviser: User, senco: User
) -> None:
    org_member(trust, adviser.email)
    client.force_login(adviser)
    page = client.get("/").content.decode()
    assert "Trusts and local authorities" in page
    assert f'href="/org/{trust.pk}/"' in page
    client.force_login(senco)
    assert f'href="/org/{trust.pk}/"' not in client.get("/").content.decode()
