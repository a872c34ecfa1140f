"""The support pages as the SENCO, teachers and others use them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from sendreg.accounts.models import School, User
from sendreg.audit.models import AccessEvent
from sendreg.lib import plain_english
from sendreg.pupils.models import Pupil
from sendreg.support import rules, services
from sendreg.support.models import (
    PassportSuggestion,
    SpecialistReport,
    SupportPlan,
)
from tests.conftest import TODAY
from tests.documents.readers import docx_text, pdf_text
from tests.support.conftest import DAY, open_plan, review_plan
from tests.support.test_rules import DOCX

pytestmark = pytest.mark.usefixtures("on_today")
Login = Callable[[User], Client]


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def text_of(response: Any) -> str:
    """The page's words without tags, white space run together."""
    inline = re.sub(r"</?(?:a|strong|span|em)\b[^>]*>", "", html_of(response))
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


# --- The pupil's page and the pupil's support record ------------------------------------------


def test_the_pupil_page_loads_the_support_record_in_place_or_links_to_it(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    html = html_of(login(senco).get(f"/pupils/{plan.pupil_id}/"))
    url = f"/support/pupils/{plan.pupil_id}/"
    assert f'hx-get="{url}" hx-trigger="load"' in html
    assert f'<a href="{url}">' in html


def test_the_support_record_shows_the_open_plan_and_the_history(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    review_plan(plan, senco, results=[rules.OutcomeResult.MET, rules.OutcomeResult.NOT_MET])
    plan.refresh_from_db()
    second = open_plan(
        plan.pupil, senco, opened_on=TODAY, review_date=TODAY + 5 * DAY, previous=plan
    )
    page = text_of(login(senco).get(f"/support/pupils/{plan.pupil_id}/"))
    assert f"Plan 2: open since {TODAY:%-d %B %Y}" in page
    assert "(due within 14 days)" in page
    assert "Review plan 2" in page
    assert "Earlier plans, newest first" in page
    assert "Read a page aloud: Met" in page
    assert "Ask for help in class: Not met" in page
    assert "Continue with a new plan" in page
    assert second.number == 2
    assert AccessEvent.objects.filter(pupil_id=plan.pupil_id, what="support").exists()


def test_the_htmx_request_gets_only_the_record(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    html = html_of(
        login(senco).get(f"/support/pupils/{plan.pupil_id}/", headers={"HX-Request": "true"})
    )
    assert html.lstrip().startswith('<div id="support-record">')
    assert "<html" not in html
    assert 'id="support-plans-heading"' in html


def test_a_pupil_without_a_plan_is_offered_one_only_when_eligible(
    on_support: Pupil, pupil_without_sen: Pupil, senco: User, login: Login
) -> None:
    client = login(senco)
    assert "Open a support plan" in text_of(client.get(f"/support/pupils/{on_support.pk}/"))
    page = text_of(client.get(f"/support/pupils/{pupil_without_sen.pk}/"))
    assert "Open a support plan" not in page
    assert "A plan is for a pupil on the SEN register or the monitoring list." in page


@pytest.fixture
def pupil_without_sen(school: School) -> Pupil:
    from tests.factories import PupilFactory

    return PupilFactory(school=school, legal_forename="Nia", legal_surname="Evans")


# --- Opening a plan ------------------------------------------------------------------------------


def plan_post(**overrides: str) -> dict[str, str]:
    data = {
        "opened_on": TODAY.isoformat(),
        "review_date": (TODAY + 90 * DAY).isoformat(),
        "strategies": "Give one instruction at a time.",
        "support": "Reading group.",
        "expected_impact": "Reads more fluently.",
        "outcomes-TOTAL_FORMS": "3",
        "outcomes-INITIAL_FORMS": "0",
        "outcomes-0-text": "Read a page aloud",
        "outcomes-0-measure": "Words a minute",
        "outcomes-0-baseline": "48",
        "outcomes-0-target": "70",
        "outcomes-1-text": "Ask for help",
        "outcomes-1-measure": "Times a lesson",
        "outcomes-1-baseline": "0",
        "outcomes-1-target": "2",
    }
    data.update(overrides)
    return data


def test_the_senco_opens_a_plan_with_two_outcomes(
    on_support: Pupil, senco: User, login: Login
) -> None:
    client = login(senco)
    assert "Open the plan" in html_of(client.get(f"/support/pupils/{on_support.pk}/plans/new/"))
    response = client.post(f"/support/pupils/{on_support.pk}/plans/new/", plan_post())
    plan = SupportPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/support/plans/{plan.pk}/"
    assert [o.text for o in plan.outcomes.all()] == ["Read a page aloud", "Ask for help"]


def test_a_refused_plan_is_shown_again_with_nothing_lost(
    on_support: Pupil, senco: User, login: Login
) -> None:
    response = login(senco).post(
        f"/support/pupils/{on_support.pk}/plans/new/",
        plan_post(review_date=TODAY.isoformat(), **{"outcomes-2-text": "Half an outcome"}),
    )
    html = html_of(response)
    assert escape(rules.REVIEW_DATE_NOT_AFTER_OPENING.format(opened=TODAY)) in html
    assert "Fill this in for the outcome." in html
    assert "Give one instruction at a time." in html
    assert 'value="Words a minute"' in html
    assert not SupportPlan.objects.exists()


def test_a_second_open_plan_is_refused_on_the_page(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    html = html_of(login(senco).post(f"/support/pupils/{plan.pupil_id}/plans/new/", plan_post()))
    assert escape(rules.ALREADY_OPEN.format(pupil=plan.pupil)) in html
    assert SupportPlan.objects.count() == 1


# --- The plan, its plain English and its documents ----------------------------------------------


def test_the_plan_page_flags_unexplained_acronyms_and_long_sentences(
    on_support: Pupil, senco: User, login: Login
) -> None:
    long = " ".join(["word"] * 30) + "."
    plan = open_plan(on_support, senco, strategies=f"Use ELSA sessions. {long}")
    page = html_of(login(senco).get(f"/support/plans/{plan.pk}/"))
    assert "Before you share the plan" in page
    assert escape(plain_english.UNEXPLAINED_ACRONYM.format(acronym="ELSA")) not in page  # known
    plan.strategies = f"Use ZoR cards. {long}"
    plan.save(update_fields=["strategies"])
    page = html_of(login(senco).get(f"/support/plans/{plan.pk}/"))
    assert escape(plain_english.UNEXPLAINED_ACRONYM.format(acronym="ZoR")) in page
    assert "A sentence of 30 words" in page


def test_the_plan_downloads_as_pdf_and_docx_in_plain_english(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    client = login(senco)
    for format, read in (("pdf", pdf_text), ("docx", docx_text)):
        response = client.get(f"/support/plans/{plan.pk}/document/?format={format}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Disposition"] == (
            f'attachment; filename="support-plan-{plan.pupil.upn}-1-{TODAY.isoformat()}.{format}"'
        )
        text = " ".join(read(response.content).split())
        assert "Support plan 1 for Maisie Young" in text
        assert "Read a page aloud" in text
        assert "Words read correctly a minute" in text
        assert "K – special educational needs (SEN) support" in text
        assert "SEMH – Social, emotional and mental health" in text
        assert "Give one instruction at a time." in text
    assert AccessEvent.objects.filter(what="support plan document").count() == 2
    assert client.get(f"/support/plans/{plan.pk}/document/?format=rtf").status_code == 400
    assert client.get(f"/support/plans/{plan.pk}/review/document/").status_code == 404


def test_the_review_record_downloads_once_reviewed(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    review_plan(plan, senco, results=[rules.OutcomeResult.MET, rules.OutcomeResult.NOT_MET])
    response = login(senco).get(f"/support/plans/{plan.pk}/review/document/?format=pdf")
    text = " ".join(pdf_text(response.content).split())
    assert "Review of support plan 1 for Maisie Young" in text
    assert "Not met" in text
    assert "Evidence for Read a page aloud." in text
    assert "Progress was adequate: it met at least one of these tests." in text
    assert "I like the reading group." in text
    assert "Continue with a new plan." in text


# --- Reviewing, and what the decision leads to ---------------------------------------------------


def review_post(
    plan: SupportPlan, decision: str, results: tuple[str, ...] = ("met", "not_met")
) -> dict[str, str]:
    data = {
        "reviewed_on": TODAY.isoformat(),
        "similar_to_peers": "no",
        "matches_previous_rate": "yes",
        "closes_gap": "no",
        "stops_gap_widening": "yes",
        "pupil_views": "I can read more now.",
        "parent_views": "Pleased.",
        "decision": decision,
        "decision_notes": "",
    }
    for outcome, result in zip(plan.outcomes.order_by("position"), results, strict=True):
        data[f"result_{outcome.pk}"] = result
        data[f"evidence_{outcome.pk}"] = f"Measured: {result}."
    return data


@pytest.mark.parametrize(
    ("decision", "goes_to"),
    [
        (rules.Decision.CONTINUE, "/support/plans/{plan}/next/"),
        (rules.Decision.MONITORING, "/notifications/pupils/{pupil}/move-to-monitoring/"),
        (rules.Decision.SPECIALIST, "/support/pupils/{pupil}/specialists/new/"),
        (rules.Decision.EHC_ASSESSMENT, "/support/plans/{plan}/"),
        (rules.Decision.OFF_REGISTER, "/pupils/{pupil}/sen/"),
    ],
)
def test_the_review_leads_to_what_the_decision_needs(
    plan: SupportPlan, senco: User, login: Login, decision: str, goes_to: str
) -> None:
    response = login(senco).post(f"/support/plans/{plan.pk}/review/", review_post(plan, decision))
    assert response.status_code == 302
    assert response["Location"] == goes_to.format(plan=plan.pk, pupil=plan.pupil_id)
    plan.refresh_from_db()
    assert plan.review.decision == decision  # type: ignore[attr-defined]
    assert not plan.is_open


def test_a_review_with_a_test_unanswered_is_refused(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    data = review_post(plan, "continue")
    del data["closes_gap"]
    response = login(senco).post(f"/support/plans/{plan.pk}/review/", data)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.is_open


def test_the_next_plan_offers_to_carry_the_outcomes_not_met(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    client = login(senco)
    client.post(f"/support/plans/{plan.pk}/review/", review_post(plan, "continue"))
    met, not_met = plan.outcomes.order_by("position")
    html = html_of(client.get(f"/support/plans/{plan.pk}/next/"))
    assert re.search(rf'value="{not_met.pk}"[^>]*checked', html)
    assert not re.search(rf'value="{met.pk}"[^>]*checked', html)
    assert "Give one instruction at a time." in html  # the strategies to start from
    response = client.post(
        f"/support/plans/{plan.pk}/next/",
        {
            **plan_post(),
            "carry": [str(not_met.pk)],
            "outcomes-1-text": "",
            "outcomes-1-measure": "",
            "outcomes-1-baseline": "",
            "outcomes-1-target": "",
        },
    )
    following = SupportPlan.objects.get(number=2)
    assert response["Location"] == f"/support/plans/{following.pk}/"
    assert following.previous == plan
    assert [(o.text, o.carried_from_id) for o in following.outcomes.all()] == [
        ("Ask for help in class", not_met.pk),
        ("Read a page aloud", None),
    ]


def test_the_next_plan_needs_some_outcome(plan: SupportPlan, senco: User, login: Login) -> None:
    review_plan(plan, senco)
    empty = {
        f"outcomes-{i}-{f}": "" for i in range(3) for f in ("text", "measure", "baseline", "target")
    }
    html = html_of(login(senco).post(f"/support/plans/{plan.pk}/next/", {**plan_post(), **empty}))
    assert escape(rules.NO_OUTCOMES_CHOSEN) in html
    assert SupportPlan.objects.count() == 1


def test_a_reviewed_plan_offers_no_changes(plan: SupportPlan, senco: User, login: Login) -> None:
    review_plan(plan, senco)
    client = login(senco)
    html = html_of(client.get(f"/support/plans/{plan.pk}/"))
    assert "Change the plan" not in html
    assert "Review this plan" not in html
    assert "this plan is closed and can no longer be changed" in html
    html = html_of(client.get(f"/support/plans/{plan.pk}/edit/"))
    assert escape(rules.PLAN_FROZEN.format(reviewed=TODAY)) in html
    assert "<form" not in html.split("<main")[1]
    response = client.post(f"/support/plans/{plan.pk}/edit/", {"review_date": "2030-01-01"})
    assert escape(rules.PLAN_FROZEN.format(reviewed=TODAY)) in html_of(response)


# --- Meetings, specialists and reports ------------------------------------------------------------


def test_the_senco_records_a_meeting_and_downloads_the_record(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    client = login(senco)
    response = client.post(
        f"/support/pupils/{plan.pupil_id}/meetings/new/",
        {
            "held_on": TODAY.isoformat(),
            "attendees": "Dana Young, mother\nSenco, SENCO",
            "parents_said": "Reading at home is better.",
            "pupil_said": "I like the group.",
            "actions": "School: weekly note home.",
        },
    )
    meeting = plan.pupil.parent_meetings.get()
    assert response["Location"] == f"/support/meetings/{meeting.pk}/"
    assert meeting.plan == plan
    document = client.get(f"/support/meetings/{meeting.pk}/document/?format=docx")
    text = docx_text(document.content)
    assert "Dana Young, mother" in text
    assert "School: weekly note home." in text
    # The first use of SENCO in the document is spelled out.
    assert "special educational needs co-ordinator (SENCO)" in text


def upload(client: Client, involvement_pk: int, name: str, content: bytes) -> Any:
    return client.post(
        f"/support/specialists/{involvement_pk}/reports/new/",
        {"file": SimpleUploadedFile(name, content), "received_on": TODAY.isoformat()},
    )


@pytest.fixture
def involvement(on_support: Pupil, senco: User) -> Any:
    return services.specialist_add(
        pupil=on_support,
        data={
            "service": "ep",
            "consent_on": TODAY - 9 * DAY,
            "consent_by": "Mother",
            "referred_on": TODAY - 8 * DAY,
        },
        by=senco,
        today=TODAY,
    )


def test_a_report_is_checked_by_content_not_name(
    involvement: Any, senco: User, login: Login, settings: Any
) -> None:
    client = login(senco)
    html = html_of(upload(client, involvement.pk, "report.pdf", b"MZ\x90\x00 not a pdf"))
    assert escape(rules.REPORT_TYPE_REFUSED) in html
    settings.SENDREG_REPORT_MAX_MB = 1
    html = html_of(upload(client, involvement.pk, "big.pdf", b"%PDF-" + b"0" * 1_200_000))
    assert "The report is 1.1 MB; the largest accepted is 1 MB." in html
    assert not SpecialistReport.objects.exists()
    response = upload(client, involvement.pk, "EP report.docx", DOCX)
    assert response["Location"] == f"/support/specialists/{involvement.pk}/"
    assert SpecialistReport.objects.get().kind == "docx"


def test_a_report_downloads_only_as_an_attachment_never_cached_and_logged(
    involvement: Any, senco: User, head: User, login: Login
) -> None:
    upload(login(senco), involvement.pk, "EP report.docx", DOCX)
    report = SpecialistReport.objects.get()
    response = login(head).get(f"/support/reports/{report.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="specialist-report-{involvement.pupil.upn}-{TODAY.isoformat()}.docx"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == rules.ReportKind.DOCX.content_type
    # Reading it to the end closes the file, as the server does.
    assert b"".join(response.streaming_content) == DOCX  # type: ignore[attr-defined]
    event = AccessEvent.objects.get(what="specialist report")
    assert (event.actor_id, event.pupil_id) == (head.pk, involvement.pupil_id)


def test_teachers_see_the_recommendations_but_not_the_report(
    taught_on_support: Pupil, senco: User, teacher: User, login: Login
) -> None:
    involvement = services.specialist_add(
        pupil=taught_on_support,
        data={"service": "salt", "recommendations": "Visual prompts."},
        by=senco,
        today=TODAY,
    )
    services.specialist_report_add(
        involvement=involvement,
        content=DOCX,
        name="SALT.docx",
        received_on=TODAY,
        by=senco,
        today=TODAY,
    )
    html = html_of(login(teacher).get(f"/support/specialists/{involvement.pk}/"))
    assert "Visual prompts." in html
    assert "/support/reports/" not in html
    assert "Ask the SENCO for the report itself." in html
    report = SpecialistReport.objects.get()
    assert login(teacher).get(f"/support/reports/{report.pk}/").status_code == 403


# --- Passports ------------------------------------------------------------------------------------


def test_a_teacher_suggests_and_the_senco_accepts(
    taught_on_support: Pupil, teacher: User, senco: User, client: Client
) -> None:
    pk = taught_on_support.pk
    client.force_login(teacher)
    response = client.post(
        f"/support/pupils/{pk}/passport/suggest/",
        {"field": "how_to_help", "text": "Let me type long answers."},
    )
    assert response["Location"] == f"/support/pupils/{pk}/#passport"
    page = text_of(client.get(f"/support/pupils/{pk}/"))
    assert "Your suggestions waiting for the SENCO" in page
    assert "Accept" not in page
    client.force_login(senco)
    assert "Suggested changes waiting for you" in text_of(client.get(f"/support/pupils/{pk}/"))
    suggestion = PassportSuggestion.objects.get()
    client.post(f"/support/suggestions/{suggestion.pk}/decide/", {"accept": "yes"})
    page = text_of(client.get(f"/support/pupils/{pk}/"))
    assert "How to help me Let me type long answers." in page
    document = client.get(f"/support/pupils/{pk}/passport/document/?format=pdf")
    assert "Let me type long answers." in pdf_text(document.content)


def test_only_the_senco_writes_the_passport(
    taught_on_support: Pupil, teacher: User, senco: User, login: Login
) -> None:
    pk = taught_on_support.pk
    assert (
        login(teacher).post(f"/support/pupils/{pk}/passport/", {"about_me": "x"}).status_code == 403
    )
    response = login(senco).post(f"/support/pupils/{pk}/passport/", {"about_me": "I like trains."})
    assert response.status_code == 302
    assert taught_on_support.passport.about_me == "I like trains."  # type: ignore[attr-defined]


# --- The annual report, settings and the list -----------------------------------------------------


def test_the_annual_report_summarises_the_year(
    plan: SupportPlan, senco: User, login: Login
) -> None:
    review_plan(plan, senco, results=[rules.OutcomeResult.MET, rules.OutcomeResult.PARTLY_MET])
    services.meeting_record(
        pupil=plan.pupil,
        held_on=TODAY - 5 * DAY,
        attendees="Mum",
        actions="Read nightly.",
        by=senco,
        today=TODAY,
    )
    client = login(senco)
    assert "Annual report to parents" in html_of(
        client.get(f"/support/pupils/{plan.pupil_id}/annual-report/")
    )
    response = client.get(f"/support/pupils/{plan.pupil_id}/annual-report/?year=2025&format=docx")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="annual-report-2025-26-'
    )
    text = docx_text(response.content)
    assert "annual report on support for special educational needs, 2025/26" in text
    assert "Partly met" in text
    assert "Read nightly." in text
    assert "No specialist from outside the school was involved this year." in text
    html = html_of(
        client.get(f"/support/pupils/{plan.pupil_id}/annual-report/?year=1990&format=pdf")
    )
    assert escape(rules.ANNUAL_YEAR_UNKNOWN) in html


def test_the_senco_sets_the_meetings_a_year(senco: User, login: Login, school: School) -> None:
    client = login(senco)
    assert 'value="3"' in html_of(client.get("/support/settings/"))
    assert client.post("/support/settings/", {"meetings_per_year": "6"}).status_code == 302
    assert services.support_settings_for(school).meetings_per_year == 6
    assert "Ensure this value is less than or equal to 12" in html_of(
        client.post("/support/settings/", {"meetings_per_year": "20"})
    )


def test_the_plan_list_shows_open_plans_and_what_is_owed(
    plan: SupportPlan, taught_on_support: Pupil, senco: User, login: Login
) -> None:
    page = text_of(login(senco).get("/support/"))
    assert "Open plans (1)" in page
    assert "Maisie Young" in page
    assert "On the register with no open plan (1)" in page
    assert "Teddy Barnes" in page


# --- Query counts stay flat as the school grows ---------------------------------------------------


def test_pages_cost_the_same_queries_for_a_bigger_school(
    plan: SupportPlan, school: School, senco: User, login: Login
) -> None:
    from tests.conftest import register_in_bulk

    client = login(senco)
    urls = ["/", "/support/", f"/support/pupils/{plan.pupil_id}/", f"/support/plans/{plan.pk}/"]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured))
        return found

    small = counts()
    for pupil in register_in_bulk(school, 12):
        open_plan(pupil, senco)
    for number in range(3):
        services.meeting_record(
            pupil=plan.pupil, held_on=TODAY - number * DAY, attendees="Mum", by=senco, today=TODAY
        )
    assert counts() == small
    # The SENCO's home page is the dearest: its own panels, plus two for support's.
    assert small[1:] == [7, 12, 9]


def test_the_passport_is_checked_before_it_is_printed(
    on_support: Pupil, senco: User, login: Login
) -> None:
    services.passport_save(
        pupil=on_support, data={"how_to_help": "Use my PECS book."}, by=senco, today=TODAY
    )
    html = html_of(login(senco).get(f"/support/pupils/{on_support.pk}/"))
    assert "Before you share the passport" in html
    assert escape(plain_english.UNEXPLAINED_ACRONYM.format(acronym="PECS")) in html
