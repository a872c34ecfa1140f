"""The register page, its filters and exports, and the SENCO's SEN form."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client
from django.utils.html import escape

from sendreg.accounts.models import School, User
from sendreg.accounts.permissions import Role
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Pupil
from sendreg.register import rules
from sendreg.register.models import MonitoringEntry, SenEpisode
from sendreg.register.services import StaleRecord, sen_record_set
from tests.conftest import TODAY, current_needs, put_on_register, register_in_bulk
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    PupilFactory,
    TeachingGroupFactory,
    UserFactory,
)
from tests.queries import count_queries

D = dt.date
LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.usefixtures("on_today")

Login = Callable[[User], Client]


def row_names(html: str) -> list[str]:
    """The pupils in the register table, in order, as "Surname, Forename"."""
    return re.findall(r'<th scope="row"><a href="/pupils/\d+/">(.*?)</a></th>', html)


def contains(response: Any, text: str) -> bool:
    return escape(text) in response.content.decode()


@pytest.fixture
def register(school: School, senco: User) -> dict[str, Pupil]:
    """Six pupils: four on the register, one removed since the last census, one never on it."""

    def make(forename: str, surname: str, **fields: Any) -> Pupil:
        return PupilFactory(school=school, legal_forename=forename, legal_surname=surname, **fields)

    pupils = {
        "amy": make("Amy", "Adams", year_group=7, eal=True),
        "ben": make("Ben", "Brown", year_group=9, fsm=True),
        "cara": make("Cara", "Clarke", year_group=8),
        "dan": make("Dan", "Davis", year_group=7),
        "eve": make("Eve", "Evans", year_group=8),
        "finn": make("Finn", "Fox", year_group=10, looked_after=True),
    }
    put_on_register(pupils["amy"], by=senco, needs=("SEMH", "SLCN"), on=D(2025, 9, 10))
    put_on_register(pupils["ben"], by=senco, status="E", needs=("ASD",), on=D(2025, 9, 20))
    put_on_register(pupils["cara"], by=senco, needs=("SPLD",), on=D(2025, 9, 5))
    put_on_register(pupils["finn"], by=senco, needs=("NSA",), on=D(2025, 11, 1))
    put_on_register(pupils["eve"], by=senco, needs=("MLD",), on=D(2025, 9, 4))
    eve = pupils["eve"]
    eve.refresh_from_db()
    sen_record_set(
        pupil=eve, status=None, needs=[], effective=D(2025, 11, 1), reason="Outcomes met.",
        expected_version=eve.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    return pupils


# --- the register page --------------------------------------------------------------------


def test_register_lists_e_and_k_pupils_with_code_meanings(
    register: dict[str, Pupil], senco: User, login: Login
) -> None:
    response = login(senco).get("/register/")
    assert response.status_code == 200
    html = response.content.decode()

    assert row_names(html) == ["Adams, Amy", "Brown, Ben", "Clarke, Cara", "Fox, Finn"]
    assert '<abbr title="SEN support">K</abbr> SEN support' in html
    assert '<abbr title="Education, health and care plan">E</abbr> Education' in html
    assert (
        '<abbr title="Social, emotional and mental health">SEMH</abbr> '
        "Social, emotional and mental health" in html
    )
    assert "Speech, language and communication needs" in html
    assert "NSA</abbr> SEN support but no specialist assessment" in html
    assert "K – SEN support" in html
    assert "4 pupils" in html


def test_register_shows_counts_and_percentages(
    register: dict[str, Pupil], senco: User, login: Login
) -> None:
    html = login(senco).get("/register/").content.decode()
    # Six on roll: one E (16.7%), three K (50.0%), four in all (66.7%).
    assert re.search(r"Pupils on roll</dt><dd>6</dd>", html)
    # England's latest figures (January 2026), and for the school's own phase (secondary).
    assert re.search(r"E – EHC plan</dt><dd>1 <span class=\"pct\">\(16\.7%; England 6\.0%\)", html)
    assert re.search(
        r"K – SEN support</dt><dd>3 <span class=\"pct\">\(50\.0%; England 14\.8%", html
    )
    assert re.search(
        r"All on the SEN register</dt><dd>4 <span class=\"pct\">\(66\.7%; England 20\.8%; "
        r"England's secondary schools 17\.6%\)",
        html,
    )
    assert "not yet checked against the DfE's own tables" in html


def test_register_leaves_out_leavers(register: dict[str, Pupil], senco: User, login: Login) -> None:
    amy = register["amy"]
    amy.leaving_date = D(2025, 11, 1)
    amy.save(update_fields=["leaving_date"])
    html = login(senco).get("/register/").content.decode()
    assert "Adams, Amy" not in row_names(html)
    assert re.search(r"Pupils on roll</dt><dd>5</dd>", html)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=E", ["Brown, Ben"]),
        ("status=K", ["Adams, Amy", "Clarke, Cara", "Fox, Finn"]),
        ("status=N", ["Evans, Eve"]),
        ("need=SLCN", ["Adams, Amy"]),  # a secondary need counts for the need filter
        ("need=ASD", ["Brown, Ben"]),
        ("need=HI", []),
        ("area=cognition", ["Clarke, Cara"]),
        ("area=communication", ["Brown, Ben"]),  # SLCN is only Amy's secondary need
        ("area=none", ["Fox, Finn"]),
        ("year=9", ["Brown, Ben"]),
        ("year=7", ["Adams, Amy"]),
        ("flag=eal", ["Adams, Amy"]),
        ("flag=fsm", ["Brown, Ben"]),
        ("flag=looked_after", ["Fox, Finn"]),
        ("status=K&year=8", ["Clarke, Cara"]),
        ("status=K&need=SEMH&flag=eal", ["Adams, Amy"]),
    ],
)
def test_register_filters(
    query: str, expected: list[str], register: dict[str, Pupil], senco: User, login: Login
) -> None:
    response = login(senco).get(f"/register/?{query}")
    assert response.status_code == 200
    assert row_names(response.content.decode()) == expected


def test_register_filtered_by_n_says_what_n_means(
    register: dict[str, Pupil], senco: User, login: Login
) -> None:
    html = login(senco).get("/register/?status=N").content.decode()
    assert "Came off the register since the last census (N entry in the MIS)" in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Adams, Amy", "Brown, Ben", "Clarke, Cara", "Fox, Finn"]),
        ("year", ["Adams, Amy", "Clarke, Cara", "Brown, Ben", "Fox, Finn"]),
        ("status", ["Brown, Ben", "Adams, Amy", "Clarke, Cara", "Fox, Finn"]),
        ("need", ["Brown, Ben", "Fox, Finn", "Adams, Amy", "Clarke, Cara"]),
        ("since", ["Clarke, Cara", "Adams, Amy", "Brown, Ben", "Fox, Finn"]),
    ],
)
def test_register_sorts(
    sort: str, expected: list[str], register: dict[str, Pupil], senco: User, login: Login
) -> None:
    html = login(senco).get(f"/register/?sort={sort}").content.decode()
    assert row_names(html) == expected


def test_register_ignores_an_unknown_filter_value(
    register: dict[str, Pupil], senco: User, login: Login
) -> None:
    response = login(senco).get("/register/?status=Z&sort=evil")
    assert response.status_code == 200
    assert row_names(response.content.decode()) == [
        "Adams, Amy",
        "Brown, Ben",
        "Clarke, Cara",
        "Fox, Finn",
    ]


def test_htmx_request_gets_only_the_results_fragment(
    register: dict[str, Pupil], senco: User, login: Login
) -> None:
    response = login(senco).get("/register/?status=E", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<form" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert row_names(html) == ["Brown, Ben"]


def test_full_page_has_the_filter_form(
    register: dict[str, Pupil], senco: User, login: Login
) -> None:
    html = login(senco).get("/register/").content.decode()
    assert "<html" in html
    assert 'hx-get="/register/"' in html


# --- exports -----------------------------------------------------------------------------


def csv_rows(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


def test_csv_export_honours_filters(register: dict[str, Pupil], senco: User, login: Login) -> None:
    response = login(senco).get("/register/?status=K&year=8&export=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="sen-register-100001-2025-11-12.csv"'
    )
    header, *rows = csv_rows(response)
    assert header[:3] == ["UPN", "Surname", "Forename"]
    assert [(r[1], r[2]) for r in rows] == [("Clarke", "Cara")]
    row = dict(zip(header, rows[0], strict=True))
    assert row["SEN status"] == "K"
    assert row["Status meaning"] == "SEN support"
    assert row["Primary need"] == "SPLD – Specific learning difficulty"
    assert row["On register since"] == "2025-09-05"


def test_csv_export_lists_needs_by_rank(
    register: dict[str, Pupil], senco: User, login: Login
) -> None:
    amy = register["amy"]
    amy.refresh_from_db()
    sen_record_set(
        pupil=amy, status="K", needs=["SEMH", "SLCN", "ASD", "MLD"], effective=TODAY,
        reason="More needs.", expected_version=amy.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    header, *rows = csv_rows(login(senco).get("/register/?need=ASD&export=csv"))
    row = dict(zip(header, rows[0], strict=True))
    assert row["Primary need"] == "SEMH – Social, emotional and mental health"
    assert row["Secondary need"] == "SLCN – Speech, language and communication needs"
    assert row["Further needs"] == (
        "ASD – Autistic spectrum disorder; MLD – Moderate learning difficulty"
    )


def test_xlsx_export_honours_filters(register: dict[str, Pupil], senco: User, login: Login) -> None:
    response = login(senco).get("/register/?status=E&export=xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    header, *rows = xlsx_rows(response)
    assert header[:3] == ("UPN", "Surname", "Forename")
    assert [(r[1], r[2], r[5]) for r in rows] == [("Brown", "Ben", "E")]


def test_head_may_export_the_register_read_only(
    register: dict[str, Pupil], head: User, login: Login
) -> None:
    response = login(head).get("/register/?export=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert len(csv_rows(response)) == 5


FORMULA = '=HYPERLINK("http://evil.example/","Click me")'


@pytest.fixture
def formula_pupil(school: School, senco: User) -> Pupil:
    pupil = PupilFactory(school=school, legal_surname=FORMULA, legal_forename="+SUM(A1:A2)")
    return put_on_register(pupil, by=senco)


def test_csv_export_neutralises_formulas(formula_pupil: Pupil, senco: User, login: Login) -> None:
    header, *rows = csv_rows(login(senco).get("/register/?export=csv"))
    assert rows[0][1] == "'" + FORMULA
    assert rows[0][2] == "'+SUM(A1:A2)"


def test_xlsx_export_writes_formulas_as_text(
    formula_pupil: Pupil, senco: User, login: Login
) -> None:
    response = login(senco).get("/register/?export=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    surname = book.active.cell(row=2, column=2)
    assert surname.value == FORMULA
    assert surname.data_type == "s"
    # No formula element anywhere in the sheet.
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        assert all(b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets)


# --- the SEN form -------------------------------------------------------------------------


def sen_form(
    status: str = "K",
    primary: str = "SEMH",
    secondary: str = "",
    further: tuple[str, ...] = (),
    effective: dt.date = TODAY,
    reason: str = "Assessed by the SENCO.",
    version: int = 0,
) -> dict[str, Any]:
    return {
        "status": status,
        "primary_need": primary,
        "secondary_need": secondary,
        "further_needs": list(further),
        "effective": effective.isoformat(),
        "reason": reason,
        "version": str(version),
    }


def test_sen_form_shows_current_record(pupil: Pupil, senco: User, login: Login) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"))
    html = login(senco).get(f"/pupils/{pupil.pk}/sen/").content.decode()
    assert "Status: <strong>K – SEN support</strong>" in html
    assert "1. SEMH – Social, emotional and mental health; 2. SLCN" in html
    assert 'name="version" value="1"' in html
    assert 'value="2025-11-12"' in html


def test_sen_form_adds_changes_and_removes_with_full_history(
    pupil: Pupil, senco: User, login: Login, time_machine: Any
) -> None:
    client = login(senco)
    url = f"/pupils/{pupil.pk}/sen/"

    response = client.post(
        url, sen_form(primary="SEMH", secondary="SLCN", further=("ASD",), reason="Termly review.")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/pupils/{pupil.pk}/"
    assert current_needs(pupil) == ["SEMH", "SLCN", "ASD"]

    # Days later (a new login: sessions last a working day).
    time_machine.move_to(dt.datetime(2025, 11, 20, 16, 5, tzinfo=LONDON), tick=False)
    client = login(senco)
    response = client.post(
        url,
        sen_form(
            status="E", primary="SEMH", secondary="SLCN", effective=D(2025, 11, 20),
            reason="EHC plan issued by the local authority.", version=1,
        ),
    )  # fmt: skip
    assert response.status_code == 302

    time_machine.move_to(dt.datetime(2025, 12, 1, 9, 30, tzinfo=LONDON), tick=False)
    client = login(senco)
    response = client.post(
        url,
        sen_form(status="remove", primary="", effective=D(2025, 12, 1),
                 reason="Plan ceased after annual review.", version=2),
    )  # fmt: skip
    assert response.status_code == 302

    assert list(
        SenEpisode.objects.filter(pupil=pupil)
        .order_by("start")
        .values_list("status", "start", "end")
    ) == [("K", TODAY, D(2025, 11, 20)), ("E", D(2025, 11, 20), D(2025, 12, 1))]
    assert not current_needs(pupil)

    page = client.get(f"/pupils/{pupil.pk}/")
    html = page.content.decode()
    assert "SEN status: <strong>Not on the SEN register</strong>" in html
    assert "returned as <strong>N – No SEN</strong>" in re.sub(r"\s+", " ", html)
    assert "keeps an explicit N entry for them until that census" in html
    for when, reason in [
        ("12 November 2025, 12:00", "Termly review."),
        ("20 November 2025, 16:05", "EHC plan issued by the local authority."),
        ("1 December 2025, 09:30", "Plan ceased after annual review."),
    ]:
        assert f"{when} by Senco &lt;senco@100001.test&gt;" in html
        assert f"Reason: {reason}" in html
    assert html.count("SEN status changed") == 3
    # Newest first.
    assert html.index("1 December 2025") < html.index("20 November 2025")
    assert "Status: E – Education, health and care plan" in html


def test_sen_form_needs_change_is_recorded_as_such(pupil: Pupil, senco: User, login: Login) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH",))
    response = login(senco).post(
        f"/pupils/{pupil.pk}/sen/", sen_form(primary="SEMH", secondary="SLCN", version=1)
    )
    assert response.status_code == 302
    assert AuditEvent.objects.first().type == AuditEvent.Type.SEN_NEEDS_CHANGED  # type: ignore[union-attr]


def assert_nothing_saved(pupil: Pupil) -> None:
    pupil.refresh_from_db()
    assert pupil.sen_version == 0
    assert not SenEpisode.objects.filter(pupil=pupil).exists()
    assert not current_needs(pupil)
    assert not AuditEvent.objects.filter(pupil_id=pupil.pk).exists()


def test_sen_form_refuses_nsa_with_ehc_plan(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(f"/pupils/{pupil.pk}/sen/", sen_form(status="E", primary="NSA"))
    assert response.status_code == 200
    assert contains(response, rules.NSA_REQUIRES_SEN_SUPPORT)
    assert_nothing_saved(pupil)


def test_sen_form_refuses_nsa_beside_other_needs(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(
        f"/pupils/{pupil.pk}/sen/", sen_form(primary="NSA", secondary="SEMH")
    )
    assert response.status_code == 200
    assert contains(response, rules.NSA_STANDS_ALONE)
    assert_nothing_saved(pupil)


def test_sen_form_refuses_a_date_beyond_the_next_census(
    pupil: Pupil, senco: User, login: Login
) -> None:
    response = login(senco).post(f"/pupils/{pupil.pk}/sen/", sen_form(effective=D(2026, 1, 16)))
    assert response.status_code == 200
    assert contains(
        response, rules.STATUS_START_TOO_LATE.format(start=D(2026, 1, 16), census=D(2026, 1, 15))
    )
    assert_nothing_saved(pupil)


def test_sen_form_refuses_a_missing_reason(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(f"/pupils/{pupil.pk}/sen/", sen_form(reason=""))
    assert response.status_code == 200
    assert contains(response, "Reason: This field is required.")
    assert_nothing_saved(pupil)


def test_sen_form_refuses_a_missing_primary_need(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(f"/pupils/{pupil.pk}/sen/", sen_form(primary=""))
    assert response.status_code == 200
    assert contains(response, rules.PRIMARY_NEED_REQUIRED)
    assert_nothing_saved(pupil)


def test_sen_form_refuses_an_unknown_need_code(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(f"/pupils/{pupil.pk}/sen/", sen_form(primary="DYS"))
    assert response.status_code == 200
    assert contains(response, "Select a valid choice. DYS is not one of the available choices.")
    assert_nothing_saved(pupil)


def test_second_of_two_concurrent_saves_is_told_and_overwrites_nothing(
    pupil: Pupil, senco: User, school: School
) -> None:
    deputy = UserFactory(email="deputy@100001.test", name="Deputy")
    MembershipFactory(user=deputy, school=school, role=Role.DEPUTY_SENCO)
    first, second = Client(), Client()
    first.force_login(senco)
    second.force_login(deputy)
    url = f"/pupils/{pupil.pk}/sen/"
    # Both open the form on the same version of the record.
    assert 'name="version" value="0"' in first.get(url).content.decode()
    assert 'name="version" value="0"' in second.get(url).content.decode()

    assert first.post(url, sen_form(primary="SEMH", reason="First.")).status_code == 302
    response = second.post(url, sen_form(primary="ASD", reason="Second."))

    assert response.status_code == 200
    assert contains(response, StaleRecord.MESSAGE)
    html = response.content.decode()
    assert "The record as it is now" in html
    assert "1. SEMH – Social, emotional and mental health" in html
    assert 'name="version" value="1"' in html
    assert current_needs(pupil) == ["SEMH"]
    assert AuditEvent.objects.filter(pupil_id=pupil.pk).count() == 1

    # Having seen the current record, the second person can save deliberately.
    assert second.post(url, sen_form(primary="ASD", reason="Second.", version=1)).status_code == 302
    assert current_needs(pupil) == ["ASD"]


def test_htmx_sen_save_redirects_the_client(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(
        f"/pupils/{pupil.pk}/sen/", sen_form(), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/pupils/{pupil.pk}/"


# --- the monitoring list --------------------------------------------------------------------


def test_senco_puts_a_pupil_on_the_monitoring_list_and_takes_them_off(
    pupil: Pupil, senco: User, login: Login
) -> None:
    client = login(senco)
    response = client.post(
        f"/pupils/{pupil.pk}/monitoring/",
        {"reason": "Reading age below.", "review_date": "2026-01-10"},
    )
    assert response.status_code == 302
    entry = MonitoringEntry.objects.get(pupil=pupil)
    assert (entry.started_on, entry.ended_on) == (TODAY, None)
    listing = client.get("/monitoring/").content.decode()
    assert f'<a href="/pupils/{pupil.pk}/">Maisie Young</a>' in listing
    assert "Reading age below." in listing

    again = client.post(
        f"/pupils/{pupil.pk}/monitoring/", {"reason": "Again.", "review_date": "2026-01-10"}
    )
    assert again.status_code == 200
    assert "This pupil is already on the monitoring list." in again.content.decode()

    response = client.post(
        f"/pupils/{pupil.pk}/monitoring/{entry.pk}/end/",
        {"on": "2025-11-01", "reason": "Too early."},
    )
    assert response.status_code == 200
    assert "Monitoring cannot end before it started (12/11/2025)." in response.content.decode()
    # The date input keeps what was typed, in the ISO form browsers need.
    assert 'type="date" name="on" value="2025-11-01"' in response.content.decode()

    response = client.post(
        f"/pupils/{pupil.pk}/monitoring/{entry.pk}/end/",
        {"on": "2025-12-01", "reason": "Progress held."},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.ended_on == D(2025, 12, 1)
    assert "No pupils are on the monitoring list." in client.get("/monitoring/").content.decode()


def test_the_monitoring_list_says_a_review_is_due_as_the_home_page_does(
    pupil: Pupil, senco: User, login: Login, on_today: dt.date
) -> None:
    """One rule: a review within the due-soon window is due on the list too, not only once
    its day has come (the home page already counts it)."""
    from sendreg.lib.dates import DUE_SOON_DAYS
    from sendreg.register.services import monitoring_start

    review = on_today + dt.timedelta(days=DUE_SOON_DAYS - 4)
    monitoring_start(pupil=pupil, reason="Reading.", review_date=review, on=on_today, by=senco)
    listing = login(senco).get("/monitoring/").content.decode()
    assert f'<strong class="due">due within {DUE_SOON_DAYS} days</strong>' in listing
    home = login(senco).get("/").content.decode()
    assert f"Monitoring list review, {pupil}" in home


# --- query counts -----------------------------------------------------------------------------


def test_register_page_queries_do_not_grow_with_the_register(
    school: School, senco: User, login: Login, django_assert_max_num_queries: Any
) -> None:
    client = login(senco)
    register_in_bulk(school, 40, status="K", eal=True)
    register_in_bulk(school, 20, status="E", needs=("ASD", "SLCN", "OTH"))
    PupilFactory.create_batch(5, school=school)
    with django_assert_max_num_queries(15):
        response = client.get("/register/")
    assert len(row_names(response.content.decode())) == 60
    sixty = count_queries(client, "/register/")

    register_in_bulk(school, 40, status="K")
    register_in_bulk(school, 20, status="E", needs=("SEMH",))
    with django_assert_max_num_queries(15):
        response = client.get("/register/")
    # A hundred to a page, so the page stays the same size as the register grows.
    html = response.content.decode()
    assert len(row_names(html)) == 100 and "120 pupils: page 1 of 2" in html
    second = client.get("/register/?page=2").content.decode()
    assert len(row_names(second)) == 20
    assert not set(row_names(html)) & set(row_names(second))
    assert count_queries(client, "/register/") == sixty
    assert count_queries(client, "/register/?status=K&flag=eal&sort=need") <= 15


def test_register_export_queries_do_not_grow_with_the_register(
    school: School, senco: User, login: Login
) -> None:
    client = login(senco)
    register_in_bulk(school, 60)
    sixty = count_queries(client, "/register/?export=csv")
    register_in_bulk(school, 60)
    assert count_queries(client, "/register/?export=csv") == sixty <= 15


def test_pupil_page_queries_do_not_grow_with_the_record(
    school: School, pupil: Pupil, senco: User, login: Login, django_assert_max_num_queries: Any
) -> None:
    client = login(senco)

    def add_history(n: int) -> None:
        ContactFactory.create_batch(n, pupil=pupil)
        for i in range(n):
            group = TeachingGroupFactory(school=school)
            group.pupils.add(pupil)
            MonitoringEntry.objects.create(
                pupil=pupil, reason=f"Watch {i}", started_on=D(2024, 1, 1),
                review_date=D(2024, 2, 1), ended_on=D(2024, 3, 1), added_by=senco,
            )  # fmt: skip
        put_on_register(pupil, by=senco, needs=("SEMH", "SLCN", "ASD")[: 1 + n % 3])
        put_on_register(pupil, by=senco, status=None, needs=())  # type: ignore[arg-type]

    add_history(3)
    # The SEN register's own sections take 12 (the pupil read with whether each other
    # register, transfer list and EHC record has anything for them, which for this pupil
    # none has, so none of those is read); the provision section (the pupil's runs this year
    # and before) adds 1; who has looked at the record (the access log) adds 1.
    with django_assert_max_num_queries(14):
        client.get(f"/pupils/{pupil.pk}/")
    small = count_queries(client, f"/pupils/{pupil.pk}/")
    add_history(12)
    with django_assert_max_num_queries(14):
        client.get(f"/pupils/{pupil.pk}/")
    assert count_queries(client, f"/pupils/{pupil.pk}/") == small
