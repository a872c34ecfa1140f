"""The preview before an MIS import: leavers chosen one by one, another school's file
stopped, long lists a page at a time, and counts in plain words."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from sendreg.imports import rules
from sendreg.imports.models import ImportRun
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from tests.conftest import TODAY

DATA = Path(__file__).resolve().parent.parent / "data"
SIMS = DATA / "sims_students.csv"
HEADER = "UPN,Legal Surname,Legal Forename,DOB\r\n"


def _upload(client, data: bytes, name: str = "students.csv", **fields):
    response = client.post("/imports/", {"file": SimpleUploadedFile(name, data), **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _on_roll(school, *names: str) -> list[Pupil]:
    return [
        Pupil.objects.create(
            school=school,
            upn=make_upn(801, 2099, 21, serial),
            legal_surname=name,
            legal_forename="Pat",
            date_of_birth=dt.date(2012, 5, 1),
        )
        for serial, name in enumerate(names, start=1)
    ]


@pytest.fixture
def imported(school, office, login):
    """The SIMS sample imported, plus three pupils on roll who are not in it."""
    client = login(office)
    client.post(_upload(client, SIMS.read_bytes()), {"action": "confirm"})
    return _on_roll(school, "Leaver", "Stayer", "Mover")


# Possible leavers (issue 7, point 11) -----------------------------------------------


def test_each_possible_leaver_is_one_real_checkbox_with_its_own_label(imported, office, login):
    client = login(office)
    preview_url = _upload(client, SIMS.read_bytes(), whole_roll="on")
    html = client.get(preview_url).content.decode()

    for pupil in imported:
        name = f"Pat {pupil.legal_surname} ({pupil.upn})"
        # The name is shown once, as the label of its own checkbox.
        assert html.count(name) == 1
        box = re.search(
            rf'<input type="checkbox" name="leavers" value="{pupil.pk}" id="([^"]+)"', html
        )
        assert box is not None, html
        assert f'<label for="{box.group(1)}">{name}</label>' in html
    # Nobody is ticked until the school chooses.
    assert "checked" not in re.sub(r"<input[^>]*left_on[^>]*>", "", html)


def test_confirming_marks_exactly_the_ticked_leavers_as_left(imported, office, login):
    leaver, stayer, mover = imported
    client = login(office)
    preview_url = _upload(client, SIMS.read_bytes(), whole_roll="on")

    response = client.post(
        preview_url,
        {"action": "confirm", "leavers": [leaver.pk, mover.pk], "left_on": "2025-11-01"},
    )

    assert response.status_code == 302
    left = dict(Pupil.objects.filter(school=imported[0].school).values_list("pk", "leaving_date"))
    assert left[leaver.pk] == left[mover.pk] == dt.date(2025, 11, 1)
    assert left[stayer.pk] is None
    assert sorted(ImportRun.objects.latest("at").summary["left"]) == sorted([leaver.upn, mover.upn])


def test_confirming_with_none_ticked_marks_nobody(imported, office, login):
    client = login(office)
    client.post(_upload(client, SIMS.read_bytes(), whole_roll="on"), {"action": "confirm"})
    assert not Pupil.objects.filter(leaving_date__isnull=False).exists()


def test_a_leaver_from_another_school_cannot_be_slipped_in(imported, office, outsider, login):
    stranger = Pupil.objects.create(
        school=outsider.memberships.get().school, upn=make_upn(801, 2001, 21, 9),
        legal_surname="Elsewhere", legal_forename="Otto", date_of_birth=dt.date(2012, 1, 1),
    )  # fmt: skip
    client = login(office)
    preview_url = _upload(client, SIMS.read_bytes(), whole_roll="on")
    response = client.post(preview_url, {"action": "confirm", "leavers": [stranger.pk]})
    assert response.status_code == 200  # not a choice: the form says so and nothing is saved
    stranger.refresh_from_db()
    assert stranger.leaving_date is None


# Another school's file (point 10) ---------------------------------------------------


@pytest.fixture
def roll(school):
    """A school with 30 pupils on roll, none of them in the SIMS sample."""
    return _on_roll(school, *(f"Pupil{n}" for n in range(30)))


def test_another_schools_file_is_flagged_plainly_in_the_preview(roll, school, office, login):
    client = login(office)
    html = client.get(_upload(client, SIMS.read_bytes())).content.decode()

    assert "Is this your school's file?" in html
    assert "only 0 of the 20 pupils in it are on roll at Oakfield Academy" in html
    assert "would add 20 new pupils" in html
    assert (
        rules.OTHER_SCHOOL_CONFIRM.format(school="Oakfield Academy").replace("'", "&#x27;") in html
    )


def test_another_schools_file_is_not_imported_without_the_confirmation(roll, office, login):
    client = login(office)
    preview_url = _upload(client, SIMS.read_bytes(), whole_roll="on")

    response = client.post(preview_url, {"action": "confirm", "leavers": [roll[0].pk]})

    assert response.status_code == 200
    assert escape(rules.OTHER_SCHOOL_NOT_CONFIRMED) in response.content.decode()
    assert Pupil.objects.count() == 30 and not ImportRun.objects.exists()
    assert not Pupil.objects.filter(leaving_date__isnull=False).exists()


def test_another_schools_file_is_imported_once_confirmed(roll, office, login):
    client = login(office)
    preview_url = _upload(client, SIMS.read_bytes())
    response = client.post(preview_url, {"action": "confirm", "other_school_ok": "on"})
    assert response.status_code == 302
    assert Pupil.objects.count() == 50
    assert ImportRun.objects.get().summary["other_school"] is True


def test_another_schools_file_the_same_size_is_not_taken_as_the_whole_roll(roll, school):
    from sendreg.imports.services import import_plan

    rows = "".join(f"{make_upn(802, 3000, 20, n)},Other{n},Ann,01/09/2012\r\n" for n in range(30))
    plan = import_plan(school=school, data=(HEADER + rows).encode(), filename="x.csv", today=TODAY)
    assert plan.other_school and not plan.whole_roll and plan.possible_leavers == []


@pytest.mark.parametrize(
    ("on_roll", "in_file", "shared", "other"),
    [
        (0, 20, 0, False),  # an empty school's first import
        (30, 20, 0, True),
        (30, 20, 1, True),
        (30, 20, 2, False),  # 10%: a file of new pupils plus a couple already here
        (1000, 1000, 990, False),
        (30, 0, 0, False),
    ],
)
def test_the_other_school_rule(on_roll: int, in_file: int, shared: int, other: bool) -> None:
    assert rules.looks_like_another_school(on_roll=on_roll, in_file=in_file, shared=shared) is other


# A page of rows at a time (point 13) ------------------------------------------------


def test_long_lists_are_shown_a_page_at_a_time(school, office, login):
    bad = "".join(f"{make_upn(801, 2000, 22, n)},Smith,Ann,not a date\r\n" for n in range(250))
    client = login(office)
    preview_url = _upload(client, (HEADER + bad).encode())

    first = client.get(preview_url).content.decode()
    assert first.count("is not a date") == 100
    assert "Rows 1 to 100 of 250" in first
    assert 'href="?errors=2#skipped"' in first

    last = client.get(preview_url, {"errors": "3"}).content.decode()
    assert last.count("is not a date") == 50
    assert "Rows 201 to 250 of 250" in last
    # A page number that is not one shows the first page rather than failing.
    assert client.get(preview_url, {"errors": "x"}).status_code == 200


def test_a_row_with_two_problems_is_one_row_that_cannot_be_used(school, office, login):
    client = login(office)
    data = (HEADER + f"{make_upn(801, 2000, 22, 1)},,Ann,not a date\r\n").encode()
    html = client.get(_upload(client, data)).content.decode()
    assert "<dt>Cannot be used</dt><dd>1 row</dd>" in html
