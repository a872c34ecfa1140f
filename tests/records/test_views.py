"""The other registers' pages: lists, filters, htmx fragments, exports, forms, pupil sections."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Permission
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Pupil
from sendreg.pupils.services import pupil_update
from sendreg.records import rules
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)
from sendreg.records.selectors import PUPIL_RELATED, registers_for_pupil
from sendreg.register.models import SenEpisode
from tests.conftest import TODAY
from tests.factories import ContactFactory, PupilFactory, TeachingGroupFactory
from tests.queries import count_queries
from tests.records.conftest import ADDRESSES, LEAVER, OTHER_PUPIL, World

D = dt.date
DAY = dt.timedelta(days=1)
pytestmark = pytest.mark.usefixtures("on_today")

Login = Callable[[User], Client]

LISTS = {
    "medical": "/registers/medical/",
    "eal": "/registers/eal/",
    "lac": "/registers/looked-after/",
    "concerns": "/registers/concerns/",
    "exams": "/registers/exam-arrangements/",
}


def row_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/pupils/\d+/">(.*?)</a></th>', html)


def page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def csv_rows(client: Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(client: Client, url: str) -> list[list[Any]]:
    response = client.get(url)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


# --- the index ---------------------------------------------------------------------------------


def test_index_lists_the_five_registers_with_counts(
    world: World, senco: User, login: Login
) -> None:
    html = page(login(senco), "/registers/")
    counts = dict(re.findall(r'<a href="/registers/[\w-]+/">(.*?)</a></th>\s*<td>(\d+)', html))
    assert counts == {
        "Medical needs and disabilities": "3",  # Amy, Ben, Cara (Leo has left)
        "English as an additional language": "3",  # Amy, Ben (recorded), Eve (MIS flag)
        "Looked-after children": "2",
        "Cause for concern": "2",
        "Exam access arrangements": "2",  # Ben and Cara; Amy's KS2 arrangement has expired
    }


# --- lists and filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("medical/", ["Adams, Amy", "Brown, Ben", "Clarke, Cara"]),
        ("medical/?ihp=yes", ["Brown, Ben", "Clarke, Cara"]),
        ("medical/?ihp=no", ["Adams, Amy"]),
        ("medical/?review=overdue", ["Brown, Ben"]),
        ("medical/?review=due", ["Brown, Ben"]),
        ("medical/?year=11", ["Clarke, Cara"]),
        ("eal/", ["Adams, Amy", "Brown, Ben", "Evans, Eve"]),
        ("eal/?language=Polish", ["Adams, Amy"]),
        ("eal/?language=-", ["Evans, Eve"]),
        ("eal/?year=9", ["Brown, Ben"]),
        ("looked-after/", ["Clarke, Cara", "Davis, Dan"]),
        ("looked-after/?pep=overdue", ["Clarke, Cara"]),
        ("looked-after/?pep=not_set", ["Davis, Dan"]),
        ("concerns/", ["Adams, Amy", "Brown, Ben"]),  # by review date
        ("concerns/?state=ended", ["Evans, Eve"]),
        ("concerns/?state=all&year=8", ["Evans, Eve"]),
        ("concerns/?review=due", ["Adams, Amy"]),
        ("exam-arrangements/", ["Adams, Amy", "Brown, Ben", "Clarke, Cara", "Clarke, Cara"]),
        ("exam-arrangements/?status=expired", ["Adams, Amy"]),
        ("exam-arrangements/?status=expiring", ["Brown, Ben"]),
        ("exam-arrangements/?status=in_force", ["Brown, Ben", "Clarke, Cara", "Clarke, Cara"]),
        ("exam-arrangements/?status=current", ["Clarke, Cara", "Clarke, Cara"]),
        ("exam-arrangements/?key_stage=KS2", ["Adams, Amy"]),
        ("exam-arrangements/?arrangement=reader", ["Brown, Ben"]),
        ("exam-arrangements/?arrangement=word_processor&year=11", ["Clarke, Cara"]),
    ],
)
def test_register_filters(
    url: str, expected: list[str], world: World, senco: User, login: Login
) -> None:
    assert row_names(page(login(senco), f"/registers/{url}")) == expected


def test_concern_owner_filter(world: World, senco: User, office: User, login: Login) -> None:
    client = login(senco)
    assert row_names(page(client, f"/registers/concerns/?owner={office.pk}")) == ["Brown, Ben"]
    assert row_names(page(client, f"/registers/concerns/?owner={senco.pk}")) == ["Adams, Amy"]


@pytest.mark.parametrize("url", LISTS.values())
def test_lists_ignore_unknown_filter_values(
    url: str, world: World, senco: User, login: Login
) -> None:
    odd = "?year=banana&ihp=maybe&review=x&language=Klingon&pep=x&state=x&owner=x&status=x"
    assert row_names(page(login(senco), url + odd)) == row_names(page(login(senco), url))


@pytest.mark.parametrize("url", LISTS.values())
def test_lists_leave_out_other_schools_leavers_and_addresses(
    url: str, world: World, senco: User, login: Login
) -> None:
    html = page(login(senco), url + "?state=all")
    # Surnames, not forenames: a made-up name elsewhere on the page ("Leona") holds "Leo".
    for text in (OTHER_PUPIL[1], LEAVER[1], *ADDRESSES):
        assert text not in html


def test_exam_list_says_why_a_year_6_arrangement_has_expired(
    world: World, senco: User, login: Login
) -> None:
    html = page(login(senco), "/registers/exam-arrangements/?key_stage=KS2")
    assert "Expired" in html
    assert "does not carry into Year 7" in html


def test_lac_list_says_whether_addresses_are_protected(
    world: World, senco: User, login: Login
) -> None:
    html = page(login(senco), "/registers/looked-after/")
    assert "Partly: some contacts&#x27; addresses are not protected" in html  # Cara
    assert "<td>No</td>" in html  # Dan
    assert "Details not recorded yet" in html  # Dan


def test_an_address_typed_again_on_another_contact_counts_as_protected(
    world: World, senco: User, login: Login
) -> None:
    """The register reads protection by the rule letters follow: the foster carer's address
    typed again (in capitals) on a second contact is withheld there too."""
    cara = Pupil.objects.get(legal_forename="Cara")
    cara.contacts.filter(name="Birth Mother").update(address=ADDRESSES[0].upper())
    html = page(login(senco), "/registers/looked-after/")
    assert "Partly: some contacts" not in html
    assert "<td>Yes</td>" in html


def test_outsider_sees_only_their_own_school(world: World, outsider: User, login: Login) -> None:
    client = login(outsider)
    assert row_names(page(client, "/registers/medical/")) == ["Outsideschool, Oscar"]
    assert row_names(page(client, "/registers/looked-after/")) == ["Outsideschool, Oscar"]


@pytest.mark.parametrize("url", LISTS.values())
def test_htmx_request_gets_only_the_results_fragment(
    url: str, world: World, senco: User, login: Login
) -> None:
    html = page(login(senco), url + "?year=9", **{"HX-Request": "true"})
    assert "<html" not in html
    assert "<form" not in html
    assert 'id="results"' in html
    assert 'hx-swap-oob="innerHTML"' in html


@pytest.mark.parametrize("url", LISTS.values())
def test_full_page_has_a_filter_form_that_works_without_javascript(
    url: str, world: World, senco: User, login: Login
) -> None:
    html = page(login(senco), url)
    assert f'<form method="get" action="{url}"' in html
    assert 'hx-target="#results"' in html
    assert f'href="{url}?export=csv"' in html


# --- exports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_exports_hold_no_address_and_no_other_school_pupil(
    name: str, kind: str, world: World, senco: User, login: Login
) -> None:
    client = login(senco)
    url = f"{LISTS[name]}?state=all&export={kind}"
    rows = csv_rows(client, url) if kind == "csv" else xlsx_rows(client, url)
    text = "\n".join(",".join("" if c is None else str(c) for c in row) for row in rows)
    assert len(rows) > 1
    for forbidden in (*ADDRESSES, OTHER_PUPIL[1], LEAVER[1], "address\n"):
        assert forbidden not in text
    assert world.oscar.upn not in text
    assert not any("address" in h.lower() and "protected" not in h.lower() for h in rows[0])


def test_csv_export_honours_filters(world: World, senco: User, login: Login) -> None:
    rows = csv_rows(login(senco), "/registers/medical/?ihp=yes&export=csv")
    assert rows[0][:6] == ["UPN", "Surname", "Forename", "Year", "Registration group", "Condition"]
    assert [(r[1], r[5], r[6], r[8]) for r in rows[1:]] == [
        ("Brown", "Epilepsy", "Yes", "Overdue"),
        ("Clarke", "Type 1 diabetes", "Yes", "Not due yet"),
    ]


def test_xlsx_export_honours_filters(world: World, senco: User, login: Login) -> None:
    rows = xlsx_rows(login(senco), "/registers/exam-arrangements/?status=in_force&export=xlsx")
    assert rows[0][5:] == [
        "Arrangement", "Key stage", "Evidence", "Approved on", "Expires on", "Status", "Why",
    ]  # fmt: skip
    assert [(r[1], r[5], r[10]) for r in rows[1:]] == [
        ("Brown", "Reader", "Due to expire within 14 days"),
        ("Clarke", "Other: Reading pen", "Current"),
        ("Clarke", "Word processor", "Current"),
    ]


def test_lac_export_says_whether_addresses_are_protected(
    world: World, senco: User, login: Login
) -> None:
    rows = csv_rows(login(senco), "/registers/looked-after/?export=csv")
    assert rows[0][-1] == "Address protected"
    assert [(r[1], r[5], r[8], r[10]) for r in rows[1:]] == [
        ("Clarke", "Bristol City Council", "Overdue", rules.AddressProtection.PARTLY.label),
        ("Davis", "Not recorded", "No date set", "No"),
    ]


def test_concern_export_lists_owner_and_review(world: World, senco: User, login: Login) -> None:
    rows = csv_rows(login(senco), "/registers/concerns/?export=csv")
    assert [(r[1], r[7], r[9]) for r in rows[1:]] == [
        ("Adams", senco.name, "Due within 14 days"),
        ("Brown", "Office", "Not due yet"),
    ]


def test_export_neutralises_formulas(school: School, senco: User, login: Login) -> None:
    pupil = PupilFactory(school=school, eal=True)
    EalRecord.objects.create(pupil=pupil, first_language='=HYPERLINK("http://x")')
    rows = csv_rows(login(senco), "/registers/eal/?export=csv")
    assert rows[1][5] == '\'=HYPERLINK("http://x")'


def test_export_filename_names_the_register_and_school(
    world: World, senco: User, login: Login
) -> None:
    response = login(senco).get("/registers/concerns/?export=xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="cause-for-concern-100001-2025-11-12.xlsx"'
    )


# --- forms --------------------------------------------------------------------------------------


def test_senco_adds_changes_and_ends_a_medical_condition(
    pupil: Pupil, senco: User, login: Login
) -> None:
    client = login(senco)
    url = f"/registers/pupils/{pupil.pk}/medical/new/"
    assert 'name="condition"' in page(client, url)
    response = client.post(
        url, {"condition": "Asthma", "has_ihp": "on", "ihp_review_date": "2026-09-01"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/pupils/{pupil.pk}/"
    record = MedicalCondition.objects.get()
    assert record.ihp_review_date == D(2026, 9, 1)

    response = client.post(
        f"/registers/pupils/{pupil.pk}/medical/{record.pk}/",
        {"condition": "Severe asthma", "has_ihp": "on", "ihp_review_date": "2026-09-01"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.condition == "Severe asthma"

    response = client.post(
        f"/registers/pupils/{pupil.pk}/medical/{record.pk}/end/",
        {"on": TODAY.isoformat(), "reason": "Outgrown."},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.ended_on == TODAY
    assert list(
        AuditEvent.objects.filter(target_model="records.medicalcondition")
        .order_by("id")
        .values_list("type", flat=True)
    ) == ["medical.added", "medical.updated", "medical.ended"]
    # An ended condition can no longer be changed or ended.
    assert client.get(f"/registers/pupils/{pupil.pk}/medical/{record.pk}/").status_code == 404


def test_medical_form_reshows_a_specific_error_and_saves_nothing(
    pupil: Pupil, senco: User, login: Login
) -> None:
    response = login(senco).post(
        f"/registers/pupils/{pupil.pk}/medical/new/", {"condition": "Asthma", "has_ihp": "on"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert rules.IHP_REVIEW_DATE_REQUIRED in html
    assert 'value="Asthma"' in html
    assert not MedicalCondition.objects.exists()
    assert not AuditEvent.objects.exists()


def test_failed_edit_leaves_the_record_as_it_was(world: World, senco: User, login: Login) -> None:
    record = world.amy_asthma
    response = login(senco).post(
        f"/registers/pupils/{world.amy.pk}/medical/{record.pk}/",
        {"condition": "Changed", "ihp_review_date": "2026-01-01"},
    )
    assert response.status_code == 200
    assert rules.IHP_REVIEW_DATE_WITHOUT_PLAN in response.content.decode()
    record.refresh_from_db()
    assert (record.condition, record.ihp_review_date) == ("Asthma", None)
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.MEDICAL_UPDATED).exists()


def test_end_form_needs_a_reason(world: World, senco: User, login: Login) -> None:
    record = world.amy_asthma
    response = login(senco).post(
        f"/registers/pupils/{world.amy.pk}/medical/{record.pk}/end/",
        {"on": TODAY.isoformat(), "reason": ""},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    record.refresh_from_db()
    assert record.ended_on is None


def test_eal_form_creates_then_changes_then_clears(
    pupil: Pupil, office: User, login: Login
) -> None:
    client = login(office)
    url = f"/registers/pupils/{pupil.pk}/eal/"
    assert client.post(url, {"first_language": "Somali"}).status_code == 302
    assert (
        client.post(url, {"first_language": "Arabic", "notes": "Also Somali."}).status_code == 302
    )
    record = EalRecord.objects.get()
    assert (record.first_language, record.notes) == ("Arabic", "Also Somali.")
    response = client.post(f"{url}clear/", {"reason": "Recorded in error."})
    assert response.status_code == 302
    assert not EalRecord.objects.exists()
    assert client.get(f"{url}clear/").status_code == 404


def test_eal_form_refuses_a_start_before_birth(pupil: Pupil, office: User, login: Login) -> None:
    response = login(office).post(
        f"/registers/pupils/{pupil.pk}/eal/",
        {"first_language": "Somali", "started_in_english_schools": "2001-01-01"},
    )
    assert response.status_code == 200
    assert "before they were born (17/05/2013)" in response.content.decode()
    assert not EalRecord.objects.exists()


def test_lac_form_for_a_pupil_not_looked_after_explains_and_saves_nothing(
    pupil: Pupil, senco: User, login: Login
) -> None:
    client = login(senco)
    url = f"/registers/pupils/{pupil.pk}/looked-after/"
    assert "is not marked as looked after" in page(client, url)
    response = client.post(url, {"responsible_authority": "Bristol City Council"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not LookedAfterRecord.objects.exists()


def test_lac_form_offers_only_this_schools_staff(
    world: World, senco: User, outsider: User, governor: User, login: Login
) -> None:
    html = page(login(senco), f"/registers/pupils/{world.dan.pk}/looked-after/")
    assert f'<option value="{senco.pk}">' in html
    assert f'<option value="{outsider.pk}">' not in html
    assert f'<option value="{governor.pk}">' not in html
    response = login(senco).post(
        f"/registers/pupils/{world.dan.pk}/looked-after/",
        {"responsible_authority": "Bath Council", "designated_teacher": outsider.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not LookedAfterRecord.objects.filter(pupil=world.dan).exists()


def test_lac_form_refuses_a_teacher_chosen_and_named(
    world: World, senco: User, login: Login
) -> None:
    response = login(senco).post(
        f"/registers/pupils/{world.dan.pk}/looked-after/",
        {
            "responsible_authority": "Bath Council",
            "designated_teacher": senco.pk,
            "designated_teacher_name": "Ms Patel",
        },
    )
    assert response.status_code == 200
    assert rules.DESIGNATED_TEACHER_TWICE in response.content.decode()
    assert not LookedAfterRecord.objects.filter(pupil=world.dan).exists()


def test_protect_addresses_from_the_pupil_page(world: World, office: User, login: Login) -> None:
    response = login(office).post(
        f"/registers/pupils/{world.dan.pk}/looked-after/protect-addresses/"
    )
    assert response.status_code == 302
    assert world.dan.contacts.get().address_protected


def test_concern_form_defaults_and_validation(world: World, senco: User, login: Login) -> None:
    client = login(senco)
    url = f"/registers/pupils/{world.cara.pk}/concerns/new/"
    html = page(client, url)
    assert f'value="{TODAY.isoformat()}"' in html
    assert f'<option value="{senco.pk}" selected>' in html
    response = client.post(
        url,
        {"reason": "Behaviour.", "started_on": "2025-11-10", "owner": senco.pk,
         "review_date": "2025-11-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "on or after the day the concern started (10/11/2025)" in response.content.decode()
    assert not CauseForConcern.objects.filter(pupil=world.cara).exists()


def test_concern_end_before_start_is_refused(world: World, senco: User, login: Login) -> None:
    concern = world.amy_concern
    response = login(senco).post(
        f"/registers/pupils/{world.amy.pk}/concerns/{concern.pk}/end/",
        {"on": "2025-09-01", "reason": "Done."},
    )
    assert response.status_code == 200
    assert rules.END_BEFORE_START.format(start=D(2025, 10, 1)) in response.content.decode()
    concern.refresh_from_db()
    assert concern.ended_on is None


def test_exam_form_other_needs_a_description(pupil: Pupil, senco: User, login: Login) -> None:
    data = {
        "arrangement": "other", "key_stage": "KS4", "evidence": "Form 8.",
        "approved_on": "2025-10-01", "expires_on": "2025-09-01",
    }  # fmt: skip
    response = login(senco).post(f"/registers/pupils/{pupil.pk}/exam-arrangements/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert rules.ARRANGEMENT_OTHER_NEEDS_TEXT in html
    assert "The expiry date cannot be before the approval date (01/10/2025)." in html
    assert not ExamArrangement.objects.exists()


def test_exam_form_saves_without_touching_the_register(
    pupil: Pupil, senco: User, login: Login
) -> None:
    data = {
        "arrangement": "extra_time_25", "key_stage": "KS4", "evidence": "Form 8.",
        "approved_on": "2025-10-01",
    }  # fmt: skip
    response = login(senco).post(f"/registers/pupils/{pupil.pk}/exam-arrangements/new/", data)
    assert response.status_code == 302
    assert ExamArrangement.objects.get().expires_on is None
    assert not SenEpisode.objects.exists()


def test_withdrawn_arrangement_cannot_be_withdrawn_again(
    world: World, senco: User, login: Login
) -> None:
    client = login(senco)
    url = f"/registers/pupils/{world.ben.pk}/exam-arrangements/{world.ben_reader.pk}/end/"
    assert client.post(url, {"on": TODAY.isoformat(), "reason": "Not needed."}).status_code == 302
    assert client.post(url, {"on": TODAY.isoformat(), "reason": "Again."}).status_code == 404


def test_htmx_save_redirects_the_client(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(
        f"/registers/pupils/{pupil.pk}/medical/new/",
        {"condition": "Asthma"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/pupils/{pupil.pk}/"


def test_record_of_another_pupil_is_not_found(world: World, senco: User, login: Login) -> None:
    url = f"/registers/pupils/{world.ben.pk}/medical/{world.amy_asthma.pk}/"
    assert login(senco).get(url).status_code == 404


# --- the pupil page sections -------------------------------------------------------------------


def sections(user: User, pupil: Pupil) -> str:
    membership = Membership.objects.get(user=user)
    can = {p.name: membership.can(p) for p in Permission}
    registers = registers_for_pupil(membership, pupil, TODAY)
    return render_to_string(
        "records/pupil_sections.html", {"pupil": pupil, "can": can, "registers": registers}
    )


@pytest.fixture
def taught_cara(world: World, school: School, teacher: User, ta: User) -> Pupil:
    group = TeachingGroupFactory(school=school, name="11X Maths")
    group.teachers.set([teacher, ta])
    group.pupils.set([world.cara])
    return world.cara


def test_senco_sees_every_section_with_controls(
    world: World, taught_cara: Pupil, senco: User
) -> None:
    html = sections(senco, taught_cara)
    for text in (
        "Type 1 diabetes", "Word processor", "Other: Reading pen", "Bristol City Council",
        "Looked after", "Cause for concern", "English as an additional language",
        "Protect every contact address", "Add a medical condition",
        "Record a cause for concern",
    ):  # fmt: skip
        assert text in html
    for address in ADDRESSES:
        assert address not in html


@pytest.mark.parametrize("role", ["teacher", "ta"])
def test_teacher_sees_medical_and_current_arrangements_only(
    role: str, world: World, taught_cara: Pupil, senco: User, request: pytest.FixtureRequest
) -> None:
    ExamArrangement.objects.create(
        pupil=taught_cara, arrangement="reader", key_stage="KS4", evidence="x",
        approved_on=D(2023, 1, 1), expires_on=D(2024, 1, 1),
    )  # fmt: skip
    html = sections(request.getfixturevalue(role), taught_cara)
    assert "Type 1 diabetes" in html
    assert "Word processor" in html
    assert "Reader" not in html  # expired
    for hidden in (
        "Bristol City Council", "Cause for concern", "English as an additional language",
        "Looked after", "Evidence", "Add a", "Change", "Protect",
    ):  # fmt: skip
        assert hidden not in html


def test_head_sees_every_section_read_only(world: World, taught_cara: Pupil, head: User) -> None:
    html = sections(head, taught_cara)
    assert "Bristol City Council" in html
    assert "Change" not in html
    assert "Protect every contact address" not in html
    assert "Add a" not in html


def test_pupil_sections_in_at_most_four_queries(
    world: World, taught_cara: Pupil, senco: User, teacher: User
) -> None:
    senco_member = Membership.objects.get(user=senco)
    teacher_member = Membership.objects.get(user=teacher)
    # As the pupil page fetches it: one-to-one records joined, contacts prefetched.
    cara = Pupil.objects.select_related(*PUPIL_RELATED).get(pk=taught_cara.pk)
    prefetch_related_objects([cara], "contacts")
    with CaptureQueriesContext(connection) as queries:
        registers = registers_for_pupil(senco_member, cara, TODAY)
        render_to_string(
            "records/pupil_sections.html",
            {"pupil": cara, "can": {}, "registers": registers},
        )
    assert len(queries) <= 3
    with CaptureQueriesContext(connection) as queries:
        registers_for_pupil(teacher_member, taught_cara, TODAY)
    assert len(queries) <= 2


# --- query counts -----------------------------------------------------------------------------


def add_pupils(school: School, senco: User, n: int) -> None:
    """``n`` pupils on every register, made in bulk."""
    pupils = Pupil.objects.bulk_create(
        PupilFactory.build(school=school, eal=True, looked_after=True) for _ in range(n)
    )
    MedicalCondition.objects.bulk_create(
        MedicalCondition(pupil=p, condition="Asthma", has_ihp=True, ihp_review_date=TODAY)
        for p in pupils
    )
    EalRecord.objects.bulk_create(EalRecord(pupil=p, first_language="Polish") for p in pupils)
    LookedAfterRecord.objects.bulk_create(
        LookedAfterRecord(pupil=p, responsible_authority="Bath", designated_teacher=senco)
        for p in pupils
    )
    CauseForConcern.objects.bulk_create(
        CauseForConcern(pupil=p, reason="x", started_on=TODAY, owner=senco, review_date=TODAY)
        for p in pupils
    )
    ExamArrangement.objects.bulk_create(
        ExamArrangement(pupil=p, arrangement="reader", key_stage="KS4", evidence="x",
                        approved_on=TODAY)
        for p in pupils
    )  # fmt: skip
    for p in pupils[: n // 2]:
        ContactFactory(pupil=p)


@pytest.mark.parametrize("url", ["/registers/", *LISTS.values()])
def test_list_queries_do_not_grow_with_the_register(
    url: str, school: School, senco: User, login: Login, django_assert_max_num_queries: Any
) -> None:
    client = login(senco)
    add_pupils(school, senco, 6)
    with django_assert_max_num_queries(10):
        client.get(url)
    few = count_queries(client, url)
    add_pupils(school, senco, 30)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    if url != "/registers/":
        assert len(row_names(response.content.decode())) == 36
    assert count_queries(client, url) == few
    # An export also writes its one row to the access log.
    assert count_queries(client, url + "?export=csv") <= few + 1


def test_looked_after_list_shows_every_protected_address_state(
    school: School, senco: User, login: Login
) -> None:
    pupil = PupilFactory(school=school, looked_after=True)
    ContactFactory(pupil=pupil, address="3 Hidden Way", address_protected=True)
    html = page(login(senco), "/registers/looked-after/")
    assert "<td>Yes</td>" in html
    assert "3 Hidden Way" not in html
    rows = csv_rows(login(senco), "/registers/looked-after/?export=csv")
    assert rows[1][-1] == "Yes"


# --- statuses move with the calendar and the pupil's year ----------------------------------------


def test_arrangement_expires_the_day_after_its_expiry_date(
    pupil: Pupil, senco: User, login: Login, time_machine: Any
) -> None:
    ExamArrangement.objects.create(
        pupil=pupil, arrangement="scribe", key_stage="KS4", evidence="Form 8.",
        approved_on=D(2025, 1, 6), expires_on=TODAY,
    )  # fmt: skip
    client = login(senco)
    url = "/registers/exam-arrangements/?status="
    assert row_names(page(client, url + "expiring")) == ["Young, Maisie"]
    assert row_names(page(client, url + "expired")) == []
    time_machine.move_to(dt.datetime(2025, 11, 13, 0, 1, tzinfo=dt.UTC), tick=False)
    client = login(senco)  # a new day, a new session: the old one has timed out
    assert row_names(page(client, url + "expiring")) == []
    assert row_names(page(client, url + "expired")) == ["Young, Maisie"]


def test_year_6_arrangement_shows_as_expired_once_the_pupil_moves_into_year_7(
    school: School, senco: User, login: Login
) -> None:
    pupil = PupilFactory(school=school, year_group=6, legal_surname="Sixer", legal_forename="Sam")
    ExamArrangement.objects.create(
        pupil=pupil, arrangement="reader", key_stage="KS2", evidence="Teacher assessment.",
        approved_on=D(2025, 9, 20),
    )  # fmt: skip
    client = login(senco)
    url = "/registers/exam-arrangements/?status="
    assert row_names(page(client, url + "current")) == ["Sixer, Sam"]
    # The summer's MIS import moves the pupil up a year; nothing is changed on the arrangement.
    pupil_update(pupil=pupil, data={"year_group": 7}, by=None, source="MIS import")
    assert row_names(page(client, url + "current")) == []
    assert row_names(page(client, url + "expired")) == ["Sixer, Sam"]
    assert "does not carry into Year 7" in page(client, url + "expired")


def test_pupil_sections_flag_what_is_due(world: World, senco: User) -> None:
    html = sections(senco, world.cara)
    assert 'Next PEP review</dt><dd>10 November 2025 (<strong class="due">overdue</strong>)' in html
    html = sections(senco, world.ben)
    assert '<strong class="due">due to expire within 14 days</strong>' in html
    assert 'review by 1 November 2025 (<strong class="due">overdue</strong>)' in html


def test_the_pupil_page_honours_the_mis_medical_flag_as_the_medical_register_does(
    school: School, senco: User, teacher: User
) -> None:
    from sendreg.records.selectors import MIS_FLAG_ONLY

    flagged = PupilFactory(school=school, medical=True)
    group = TeachingGroupFactory(school=school)
    group.pupils.add(flagged)
    group.teachers.add(teacher)
    for user in (senco, teacher):
        html = sections(user, flagged)
        assert MIS_FLAG_ONLY in html
        assert "No medical condition or disability recorded." not in html
    assert MIS_FLAG_ONLY not in sections(senco, PupilFactory(school=school, medical=False))
