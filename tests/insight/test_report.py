"""The SEN information report: its rules, saving and publishing, the public page, the files,
and the SENCO's reminder."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from docx import Document as DocxDocument
from pypdf import PdfReader

from sendreg.accounts.models import School, User
from sendreg.accounts.permissions import Role
from sendreg.audit.models import AuditEvent
from sendreg.insight import report, report_rules
from sendreg.insight.report_models import InformationReport, ReportEvent
from sendreg.lib.extensions import HOME_PANELS, PageContext, build_sections
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY, put_on_register, register_in_bulk
from tests.factories import MembershipFactory, PupilFactory, UserFactory
from tests.provision.factories import InterventionFactory, TrainingRecordFactory

YEAR = report_rules.school_year_of(TODAY)


def facts(**changes: Any) -> report_rules.ReportFacts:
    base: dict[str, Any] = {
        "counted_on": TODAY,
        "roll": 200,
        "ehc": 6,
        "support": 30,
        "needs": (("SEMH", 20), ("SLCN", 16)),
        "senco_names": ("Senco",),
    }
    base.update(changes)
    return report_rules.ReportFacts(**base)


def pdf_text(content: bytes) -> str:
    """The PDF's text with every run of white space as one space (lines wrap anywhere)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


@pytest.fixture
def on_register(school: School, senco: User) -> list[Pupil]:
    """Seven pupils on SEN support with SEMH first, and two with EHC plans (SLCN)."""
    register_in_bulk(school, 7, status="K", needs=("SEMH",))
    register_in_bulk(school, 2, status="E", needs=("SLCN",))
    return list(Pupil.objects.filter(school=school))


# --- Rules -------------------------------------------------------------------------------------


def test_the_statutory_headings_are_all_there() -> None:
    keys = set(report_rules.HEADING_KEYS)
    assert {
        "identifying", "progress", "transitions", "adaptations", "expertise", "effectiveness",
        "activities", "wellbeing", "looked_after", "contacts", "local_offer",
    } <= keys  # fmt: skip
    assert report_rules.starter_texts().keys() == keys


def test_clean_texts_keeps_every_heading_and_refuses_unknown_or_long_text() -> None:
    cleaned = report_rules.clean_texts({"identifying": "  We look.  "})
    assert cleaned["identifying"] == "We look."
    assert cleaned["contacts"] == ""
    with pytest.raises(ValidationError) as error:
        report_rules.clean_texts({"nonsense": "x"})
    assert report_rules.UNKNOWN_HEADING.format(key="nonsense") in error.value.messages
    with pytest.raises(ValidationError, match="characters long"):
        report_rules.clean_texts({"progress": "x" * (report_rules.MAX_TEXT + 1)})


def test_a_report_with_an_empty_heading_cannot_be_published() -> None:
    texts = report_rules.starter_texts()
    report_rules.validate_publishable(texts)
    texts["looked_after"] = "  "
    with pytest.raises(ValidationError, match="Looked-after children"):
        report_rules.validate_publishable(texts)


def test_year_must_be_from_2014_to_next_year() -> None:
    report_rules.validate_year(2014, today=TODAY)
    report_rules.validate_year(YEAR + 1, today=TODAY)
    for year in (2013, YEAR + 2):
        with pytest.raises(ValidationError):
            report_rules.validate_year(year, today=TODAY)


def test_reminders_when_never_published() -> None:
    assert report_rules.reminders(published_on=None, stated=None, now=facts(), today=TODAY) == [
        report_rules.NEVER_PUBLISHED
    ]


def test_no_reminder_within_a_year_when_nothing_changed() -> None:
    published = TODAY - dt.timedelta(days=report_rules.STALE_AFTER_DAYS)
    assert (
        report_rules.reminders(published_on=published, stated=facts(), now=facts(), today=TODAY)
        == []
    )


def test_reminder_the_day_after_a_year() -> None:
    published = TODAY - dt.timedelta(days=report_rules.STALE_AFTER_DAYS + 1)
    found = report_rules.reminders(published_on=published, stated=facts(), now=facts(), today=TODAY)
    assert found == [report_rules.YEAR_OLD.format(days=366)]


def test_reminders_when_the_senco_or_the_numbers_change() -> None:
    now = facts(senco_names=("Alex Shah",), ehc=7, support=29)
    found = report_rules.reminders(published_on=TODAY, stated=facts(), now=now, today=TODAY)
    assert found == [
        report_rules.SENCO_CHANGED.format(then="Senco", now="Alex Shah"),
        report_rules.EHC_CHANGED.format(then=6, now=7),
        report_rules.SUPPORT_CHANGED.format(then=30, now=29),
    ]


def test_a_change_in_the_kinds_of_need_alone_is_no_reminder() -> None:
    now = facts(needs=(("SEMH", 19), ("SLCN", 17)))
    assert report_rules.reminders(published_on=TODAY, stated=facts(), now=now, today=TODAY) == []


def test_facts_survive_json() -> None:
    one = facts(interventions=(("Talk Boost", "For speech"),), training=(("Autism", 3, 1, 1, 1),))
    assert report_rules.ReportFacts.from_json(one.as_json()) == one


# --- The school's figures ----------------------------------------------------------------------


def test_report_facts_come_from_the_register_provision_training_and_contacts(
    school: School, senco: User, deputy_senco: User, on_register: list[Pupil]
) -> None:
    school.phone = "01234 567890"
    school.email = "office@oakfield.example"
    school.sendiass_name = "Northshire SENDIASS"
    school.local_offer_url = "https://example.org/local-offer"
    school.save()
    InterventionFactory(school=school, name="Talk Boost", need_codes=["SLCN"])
    InterventionFactory(school=school, name="Retired one", active=False)
    TrainingRecordFactory(school=school, need_area="ASD", level="specialist")
    found = report.report_facts(school, day=TODAY)
    assert (found.roll, found.ehc, found.support) == (9, 2, 7)
    assert found.needs == (("SEMH", 7), ("SLCN", 2))
    # The SENCO, not the deputy.
    assert found.senco_names == ("Senco",)
    assert found.interventions == (("Talk Boost", "For speech, language and communication needs"),)
    assert found.training == (("Autistic spectrum disorder", 1, 0, 0, 1),)
    assert found.sendiass_name == "Northshire SENDIASS"
    assert found.local_offer_url == "https://example.org/local-offer"


def test_small_counts_read_fewer_than_five() -> None:
    shown = report.shown_figures(facts(ehc=2, support=30, needs=(("SEMH", 29), ("HI", 3))))
    assert shown.ehc == "fewer than 5"
    # The other count of the breakdown is withheld too, so the small one cannot be worked out.
    assert shown.support != "30"
    assert ("Hearing impairment", "fewer than 5") in shown.needs
    assert ("Social, emotional and mental health", "29") not in shown.needs


# --- Saving and publishing ---------------------------------------------------------------------


def test_saving_makes_the_report_and_audits_the_headings_that_changed(
    school: School, senco: User
) -> None:
    texts = report_rules.starter_texts() | {"identifying": "Teachers watch closely."}
    saved = report.information_report_save(
        school=school, year=YEAR, texts=texts, by=senco, today=TODAY
    )
    assert saved.texts["identifying"] == "Teachers watch closely."
    assert not saved.is_published
    event = AuditEvent.objects.get(type=ReportEvent.TEXT_CHANGED)
    assert event.actor_id == senco.pk and event.new["identifying"] == "Teachers watch closely."
    report.information_report_save(
        school=school,
        year=YEAR,
        texts=texts | {"progress": "Termly reviews."},
        by=senco,
        today=TODAY,
    )
    second = AuditEvent.objects.filter(type=ReportEvent.TEXT_CHANGED).order_by("-pk").first()
    assert second is not None and set(second.new) == {"progress"}
    assert second.old == {"progress": texts["progress"]}


def test_saving_the_same_text_writes_nothing(school: School, senco: User) -> None:
    texts = report_rules.starter_texts()
    report.information_report_save(school=school, year=YEAR, texts=texts, by=senco, today=TODAY)
    report.information_report_save(school=school, year=YEAR, texts=texts, by=senco, today=TODAY)
    assert AuditEvent.objects.filter(type=ReportEvent.TEXT_CHANGED).count() == 1


def test_saving_for_a_year_out_of_range_changes_nothing(school: School, senco: User) -> None:
    with pytest.raises(ValidationError):
        report.information_report_save(school=school, year=2010, texts={}, by=senco, today=TODAY)
    assert not InformationReport.objects.exists()


def test_publishing_freezes_the_text_and_the_figures(
    school: School, senco: User, on_register: list[Pupil]
) -> None:
    saved = report.information_report_save(
        school=school, year=YEAR, texts=report_rules.starter_texts(), by=senco, today=TODAY
    )
    report.information_report_publish(report=saved, by=senco, today=TODAY)
    saved.refresh_from_db()
    assert saved.published_on == TODAY
    assert saved.published_facts["ehc"] == 2 and saved.published_facts["support"] == 7
    assert AuditEvent.objects.filter(type=ReportEvent.PUBLISHED, actor_id=senco.pk).exists()
    # Editing afterwards changes the draft only.
    report.information_report_save(
        school=school,
        year=YEAR,
        texts=report_rules.starter_texts() | {"activities": "Clubs for all."},
        by=senco,
        today=TODAY,
    )
    saved.refresh_from_db()
    assert saved.published_texts["activities"] == report_rules.heading("activities").starter


def test_publishing_with_an_empty_heading_is_refused(school: School, senco: User) -> None:
    saved = report.information_report_save(
        school=school,
        year=YEAR,
        texts=report_rules.starter_texts() | {"contacts": ""},
        by=senco,
        today=TODAY,
    )
    with pytest.raises(ValidationError, match="Who to contact"):
        report.information_report_publish(report=saved, by=senco, today=TODAY)
    saved.refresh_from_db()
    assert saved.published_on is None
    assert not AuditEvent.objects.filter(type=ReportEvent.PUBLISHED).exists()


@pytest.fixture
def published(school: School, senco: User, on_register: list[Pupil]) -> InformationReport:
    school.sendiass_name = "Northshire SENDIASS"
    school.save()
    saved = report.information_report_save(
        school=school, year=YEAR, texts=report_rules.starter_texts(), by=senco, today=TODAY
    )
    return report.information_report_publish(report=saved, by=senco, today=TODAY)


# --- Pages -------------------------------------------------------------------------------------


def test_the_senco_writes_and_publishes_through_the_pages(
    client: Client, school: School, senco: User, on_register: list[Pupil], on_today: dt.date
) -> None:
    client.force_login(senco)
    page = client.get(f"/information-report/{YEAR}/")
    assert page.status_code == 200
    assert b"When a pupil makes less progress than expected" in page.content
    assert not InformationReport.objects.exists()  # a GET writes nothing
    data = report_rules.starter_texts() | {"identifying": "We use a screening check each term."}
    response = client.post(f"/information-report/{YEAR}/", data)
    assert response.status_code == 302
    response = client.post(f"/information-report/{YEAR}/publish/")
    assert response.status_code == 302
    public = client.get(f"/report/{school.urn}/{YEAR}/")
    assert b"We use a screening check each term." in public.content


def test_publishing_an_empty_heading_through_the_page_says_which(
    client: Client, school: School, senco: User, on_today: dt.date
) -> None:
    client.force_login(senco)
    client.post(f"/information-report/{YEAR}/", report_rules.starter_texts() | {"progress": ""})
    response = client.post(f"/information-report/{YEAR}/publish/", follow=True)
    assert "How we check progress, with parents and pupils" in response.content.decode()
    assert InformationReport.objects.get().published_on is None


def test_the_public_page_needs_no_login_and_names_no_pupil(
    client: Client, school: School, published: InformationReport
) -> None:
    # Names no page could hold by chance (a made-up surname such as "North" is in
    # "Northshire SENDIASS").
    for number, pupil in enumerate(Pupil.objects.all()):
        pupil.legal_forename, pupil.legal_surname = f"Forenamezq{number}", f"Surnamezq{number}"
        pupil.preferred_forename = pupil.preferred_surname = ""
        pupil.save()
    names = list(Pupil.objects.values_list("legal_forename", "legal_surname"))
    response = client.get(f"/report/{school.urn}/{YEAR}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Northshire SENDIASS" in text and "Senco" in text
    # Two pupils have EHC plans: too few to show.
    assert "fewer than 5" in text
    for forename, surname in names:
        assert forename not in text and surname not in text
    latest = client.get(f"/report/{school.urn}/")
    assert latest.status_code == 200 and latest.content == response.content


def test_an_unpublished_report_is_not_public(client: Client, school: School, senco: User) -> None:
    report.information_report_save(
        school=school, year=YEAR, texts=report_rules.starter_texts(), by=senco, today=TODAY
    )
    assert client.get(f"/report/{school.urn}/{YEAR}/").status_code == 404
    assert client.get(f"/report/{school.urn}/").status_code == 404
    assert client.get(f"/report/{school.urn}/{YEAR}/download/?format=pdf").status_code == 404


def test_the_public_page_shows_what_was_published_not_what_changed_since(
    client: Client, school: School, senco: User, published: InformationReport
) -> None:
    put_on_register(PupilFactory(school=school), by=senco, status="E", needs=("ASD",))
    report.information_report_save(
        school=school,
        year=YEAR,
        texts=report_rules.starter_texts() | {"activities": "A draft sentence."},
        by=senco,
        today=TODAY,
    )
    text = client.get(f"/report/{school.urn}/{YEAR}/").content.decode()
    assert "A draft sentence." not in text
    assert "Autistic" not in text


def test_the_public_pdf_and_word_files_read_back(
    client: Client, school: School, published: InformationReport
) -> None:
    pdf = client.get(f"/report/{school.urn}/{YEAR}/download/?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "SEN information report" in text
    assert "Emotional and social development" in text
    # Spelled out the first time, as every document does with an acronym.
    assert "Northshire special educational needs and disabilities information" in text
    docx = client.get(f"/report/{school.urn}/{YEAR}/download/?format=docx")
    paragraphs = [p.text for p in DocxDocument(io.BytesIO(docx.content)).paragraphs]
    assert "Who to contact" in paragraphs
    bad = client.get(f"/report/{school.urn}/{YEAR}/download/?format=exe")
    assert bad.status_code == 400


def test_the_draft_download_uses_todays_figures(
    client: Client, school: School, senco: User, published: InformationReport, on_today: dt.date
) -> None:
    client.force_login(senco)
    response = client.get(f"/information-report/{YEAR}/download/?format=pdf")
    assert response.status_code == 200
    assert "Draft, not yet published" in pdf_text(response.content)


# --- The home page reminder ------------------------------------------------------------------


def _reasons(user: User, day: dt.date) -> list[str] | None:
    """The reasons the home panel gives, or None when the member gets no panel."""
    membership = user.memberships.get()
    page = PageContext(membership=membership, user=user, day=day)
    panels = {s.key: s.context for s in build_sections(HOME_PANELS, page)}
    panel = panels.get("information_report")
    return None if panel is None else list(panel["reasons"])


def test_the_senco_is_reminded_until_the_report_is_published(
    school: School, senco: User, governor: User, teacher: User
) -> None:
    assert _reasons(senco, TODAY) == [report_rules.NEVER_PUBLISHED]
    # A governor gets the links, not the reminder; a teacher gets neither.
    assert _reasons(governor, TODAY) == []
    assert _reasons(teacher, TODAY) is None


def test_no_reminder_after_publishing_until_a_year_passes_or_the_numbers_change(
    school: School, senco: User, published: InformationReport
) -> None:
    assert _reasons(senco, TODAY) == []
    assert _reasons(senco, TODAY + dt.timedelta(days=366)) == [
        report_rules.YEAR_OLD.format(days=366)
    ]
    put_on_register(PupilFactory(school=school), by=senco, status="K", needs=("SEMH",))
    assert _reasons(senco, TODAY) == [report_rules.SUPPORT_CHANGED.format(then=7, now=8)]


def test_the_reminders_read_only_what_they_compare_and_agree_with_the_whole_facts(
    school: School, senco: User, published: InformationReport
) -> None:
    """``report_reminders`` reads the counts and the SENCOs, not the report's every fact: the
    reasons are those the rule gives with the whole facts, before and after changes."""

    def whole(day: dt.date) -> list[str]:
        return report_rules.reminders(
            published_on=published.published_on,
            stated=report_rules.ReportFacts.from_json(published.published_facts),
            now=report.report_facts(school, day=day),
            today=day,
        )

    later = TODAY + dt.timedelta(days=400)
    assert report.report_reminders(school, today=TODAY) == whole(TODAY) == []
    put_on_register(PupilFactory(school=school), by=senco, status="E", needs=("ASD",))
    other = UserFactory(email="new-senco@example.test", name="Nadia New")
    MembershipFactory(user=other, school=school, role=Role.SENCO)
    for day in (TODAY, later):
        found = report.report_reminders(school, today=day)
        assert found == whole(day)
        assert len(found) == (2 if day == TODAY else 3)


def test_the_home_page_shows_the_reminder(
    client: Client, school: School, senco: User, on_today: dt.date
) -> None:
    client.force_login(senco)
    response = client.get("/")
    assert report_rules.NEVER_PUBLISHED in response.content.decode()


# --- The demo and the audit trail ------------------------------------------------------------


@pytest.mark.one_pass
def test_the_demo_publishes_its_report(client: Client, db: None) -> None:
    from sendreg.demo import demo_fill

    demo_fill(pupils=60, today=TODAY)
    published = InformationReport.objects.get()
    assert published.published_on == TODAY and published.published_facts["roll"] == 60
    response = client.get(f"/report/{published.school.urn}/{YEAR}/")
    assert response.status_code == 200


def test_the_audit_trail_shows_the_report_in_words(
    client: Client, school: School, senco: User, published: InformationReport, on_today: dt.date
) -> None:
    client.force_login(senco)
    page = client.get("/audit/").content.decode()
    assert "SEN information report published" in page
    assert "SEN information report text changed" in page
