"""The EHC pages: recording events, the register offer, reviews, documents, settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sendreg.accounts.models import School, User
from sendreg.audit.models import AccessEvent
from sendreg.ehc import rules
from sendreg.ehc.models import EhcEvent, EhcInvitee, EhcSchoolSettings
from sendreg.ehc.services import ehc_invitee_add
from sendreg.pupils.models import Pupil
from tests.conftest import put_on_register, register_in_bulk
from tests.documents.readers import docx_text, pdf_text
from tests.ehc.conftest import record
from tests.factories import PupilFactory
from tests.queries import count_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]
Login = Callable[[User], Client]


def test_record_a_request_through_the_page(pupil: Pupil, senco: User, login: Login) -> None:
    client = login(senco)
    page = client.get(f"/ehc/pupils/{pupil.pk}/record/request/")
    assert "Date the request was made" in page.content.decode()
    response = client.post(
        f"/ehc/pupils/{pupil.pk}/record/request/",
        {"on": "2025-10-01", "requested_by": "parent", "evidence": "EP report", "notes": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/ehc/pupils/{pupil.pk}/"
    event = EhcEvent.objects.get()
    assert (event.kind, event.on, event.requested_by) == ("request", dt.date(2025, 10, 1), "parent")
    shown = client.get(f"/ehc/pupils/{pupil.pk}/").content.decode()
    assert "Assessment requested" in shown
    assert "12 November 2025" in shown  # the decision, 6 weeks on
    assert AccessEvent.objects.filter(pupil_id=pupil.pk, what="ehc").exists()


def test_an_order_error_rerenders_the_form_with_the_rule(
    pupil: Pupil, senco: User, login: Login
) -> None:
    client = login(senco)
    data = {"on": "2025-10-20", "attendees": "A", "pupil_views": "B", "parent_views": "C"}
    response = client.post(f"/ehc/pupils/{pupil.pk}/record/review_held/", data)
    assert response.status_code == 200
    page = response.content.decode()
    message = rules.REVIEW_NEEDS_PLAN.format(
        event="annual review meeting held", date="20 October 2025"
    )
    assert message.replace("'", "&#x27;") in page
    # What was typed is kept.
    assert "\nA</textarea>" in page and "\nB</textarea>" in page and "\nC</textarea>" in page
    assert not EhcEvent.objects.exists()


def test_a_missing_required_detail_rerenders(pupil: Pupil, senco: User, login: Login) -> None:
    response = login(senco).post(f"/ehc/pupils/{pupil.pk}/record/request/", {"on": "2025-10-01"})
    assert response.status_code == 200
    assert "Who asked for the assessment" in response.content.decode()
    assert not EhcEvent.objects.exists()


def test_final_plan_offers_the_register_change_never_makes_it(
    pupil: Pupil, senco: User, login: Login
) -> None:
    put_on_register(pupil, by=senco, status="K")
    record(pupil, senco, "request", "2025-05-01")
    client = login(senco)
    response = client.post(
        f"/ehc/pupils/{pupil.pk}/record/plan_issued/",
        {"on": "2025-09-15", "local_authority": "Bristol", "named_school": "Oakfield",
         "sections": ["A", "B"]},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/ehc/pupils/{pupil.pk}/").content.decode()
    assert 'id="register-offer"' in page
    assert f'href="/pupils/{pupil.pk}/sen/"' in page
    pupil_page = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "not E on the SEN register" in pupil_page
    assert f'href="/pupils/{pupil.pk}/sen/"' in pupil_page
    put_on_register(pupil, by=senco, status="E", needs=("ASD",))
    assert 'id="register-offer"' not in client.get(f"/ehc/pupils/{pupil.pk}/").content.decode()


def test_head_sees_the_record_without_controls(planned: Pupil, head: User, login: Login) -> None:
    page = login(head).get(f"/ehc/pupils/{planned.pk}/").content.decode()
    assert "EHC plan in force" in page
    assert "Record what happened" not in page
    assert "Change the date" not in page
    assert "Withdraw" not in page


def test_the_pupil_page_section_lists_open_duties(
    planned: Pupil, senco: User, login: Login
) -> None:
    page = login(senco).get(f"/pupils/{planned.pk}/").content.decode()
    assert "Education, health and care (EHC) plan" in page
    assert "EHC: annual review meeting" in page
    assert "3 March 2026" in page


def test_withdraw_through_the_page(planned: Pupil, senco: User, login: Login) -> None:
    event = EhcEvent.objects.get(kind="draft_response")
    client = login(senco)
    assert (
        client.post(
            f"/ehc/pupils/{planned.pk}/events/{event.pk}/withdraw/", {"reason": ""}
        ).status_code
        == 200
    )
    response = client.post(
        f"/ehc/pupils/{planned.pk}/events/{event.pk}/withdraw/", {"reason": "Wrong date."}
    )
    assert response.status_code == 302
    page = client.get(f"/ehc/pupils/{planned.pk}/").content.decode()
    assert "withdrawn as recorded in error: Wrong date." in page


def test_change_a_deadline_date_through_the_page(planned: Pupil, senco: User, login: Login) -> None:
    plan = EhcEvent.objects.get(kind="plan_issued")
    url = f"/ehc/pupils/{planned.pk}/deadlines/annual_review:{plan.pk}/"
    client = login(senco)
    assert "3 March 2026" in client.get(url).content.decode()
    assert client.post(url, {"due": "2026-04-01", "reason": ""}).status_code == 200
    assert (
        client.post(url, {"due": "2026-04-01", "reason": "Agreed with the LA."}).status_code == 302
    )
    page = client.get(f"/ehc/pupils/{planned.pk}/").content.decode()
    assert "1 April 2026" in page
    assert "Date changed from 3 March 2026 by the school: Agreed with the LA." in page


def test_review_page_invites_and_records_invitations(
    planned: Pupil, senco: User, login: Login
) -> None:
    review = record(planned, senco, "review_scheduled", "2025-11-01", meeting_on="2025-12-10",
                    notes="Room 4, 3.30pm")  # fmt: skip
    client = login(senco)
    base = f"/ehc/pupils/{planned.pk}/reviews/{review.pk}/"
    bad = client.post(base + "invitees/", {"name": "", "role": "parent"})
    assert bad.status_code == 200 and "This field is required." in bad.content.decode()
    ok = client.post(
        base + "invitees/", {"name": "Ann Young", "role": "parent", "advice_requested": "on"}
    )
    assert ok.status_code == 302
    ann = EhcInvitee.objects.get()
    assert (
        client.post(base + "invitations/", {"invitees": [ann.pk], "on": "2025-11-10"}).status_code
        == 302
    )
    ann.refresh_from_db()
    assert ann.invited_on == dt.date(2025, 11, 10)
    page = client.get(base).content.decode()
    assert "10 November 2025" in page
    assert "26 November 2025" in page  # the invitations' deadline: 2 weeks before


def test_invitation_letters_one_per_person_in_both_formats(
    planned: Pupil, senco: User, login: Login
) -> None:
    review = record(planned, senco, "review_scheduled", "2025-11-01", meeting_on="2025-12-10",
                    notes="Room 4, 3.30pm")  # fmt: skip
    ann = ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    sam = ehc_invitee_add(
        review=review, name="Sam Patel", role="la", by=senco, advice_requested=False
    )
    client = login(senco)
    base = f"/ehc/pupils/{planned.pk}/reviews/{review.pk}/invitees/"
    pdf = client.get(f"{base}{ann.pk}/letter/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Dear Ann Young" in text
    assert "education, health and care (EHC) plan" in text
    assert "10 December 2025" in text and "Room 4, 3.30pm" in text
    assert "by 26 November 2025" in text  # advice two weeks before
    assert "(SENDIASS)" in text  # a parent is told where to find impartial advice
    docx = client.get(f"{base}{sam.pk}/letter/?format=docx")
    assert docx["Content-Disposition"].endswith('.docx"')
    words = docx_text(docx.content)
    assert "Dear Sam Patel" in words
    assert "Your advice" not in words
    assert "SENDIASS" not in words


def test_review_report_is_drafted_from_the_plan_and_the_views(
    planned: Pupil, senco: User, login: Login
) -> None:
    planned.year_group = 10
    planned.save(update_fields=["year_group"])
    held = record(
        planned, senco, "review_held", "2025-11-03", attendees="Mum, SENCO",
        pupil_views="I like art.", parent_views="Reading is better.", notes="Keep it.",
    )  # fmt: skip
    response = login(senco).get(f"/ehc/pupils/{planned.pk}/events/{held.pk}/report/?format=docx")
    words = docx_text(response.content)
    for text in (
        "Annual review of", "I like art.", "Reading is better.", "Mum, SENCO",
        "Bristol City Council", "A, B, E, F, I", "17 November 2025", "1 December 2025",
        "Preparing for adulthood", "special educational needs co-ordinator (SENCO)",
    ):  # fmt: skip
        assert text in words, text


def test_settings_page(school: School, senco: User, login: Login) -> None:
    client = login(senco)
    assert "Secondary school without a sixth form" in client.get("/ehc/settings/").content.decode()
    assert client.post("/ehc/settings/", {"final_year": "13"}).status_code == 302
    assert EhcSchoolSettings.objects.get(school=school).final_year == 13
    assert client.post("/ehc/settings/", {"final_year": "5"}).status_code == 200


def test_list_shows_records_and_e_without_one(
    planned: Pupil, school: School, senco: User, login: Login
) -> None:
    e_only = PupilFactory(school=school, legal_forename="Eve", legal_surname="Adams")
    put_on_register(e_only, by=senco, status="E", needs=("ASD",))
    page = login(senco).get("/ehc/").content.decode()
    assert "Adams, Eve" in page and "(no plan recorded)" in page
    assert planned.legal_surname in page and "EHC plan in force" in page


def test_list_queries_do_not_grow(school: School, senco: User, login: Login) -> None:
    client = login(senco)

    def add(n: int) -> None:
        for pupil in register_in_bulk(school, n, status="E", needs=("ASD",)):
            record(pupil, senco, "plan_issued", "2025-01-10")
            review = record(pupil, senco, "review_scheduled", "2025-11-01", meeting_on="2025-12-20")
            ehc_invitee_add(review=review, name="Parent", role="parent", by=senco)

    add(2)
    few = count_queries(client, "/ehc/")
    add(10)
    assert count_queries(client, "/ehc/") == few <= 12


def test_pupil_record_queries_do_not_grow(planned: Pupil, senco: User, login: Login) -> None:
    client = login(senco)
    url = f"/ehc/pupils/{planned.pk}/"
    few = count_queries(client, url)
    for year in (2026, 2027, 2028):
        record(planned, senco, "review_held", f"{year}-01-05", attendees="A", pupil_views="B",
               parent_views="C", today=dt.date(2030, 1, 1))  # fmt: skip
    assert count_queries(client, url) == few


def test_documents_need_a_format_we_make(
    planned: Pupil, senco: User, login: Login, **_: Any
) -> None:
    held = record(
        planned,
        senco,
        "review_held",
        "2025-11-03",
        attendees="A",
        pupil_views="B",
        parent_views="C",
    )
    response = login(senco).get(f"/ehc/pupils/{planned.pk}/events/{held.pk}/report/?format=txt")
    assert response.status_code == 400
