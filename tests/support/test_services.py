"""Every write of the support app: validated, audited, and never overwriting history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from sendreg.accounts.models import User
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Pupil
from sendreg.support import rules, services
from sendreg.support.models import (
    Outcome,
    OutcomeReview,
    ParentMeeting,
    Passport,
    PassportSuggestion,
    SpecialistReport,
    SupportEvent,
    SupportPlan,
)
from tests.conftest import TODAY
from tests.factories import PupilFactory
from tests.support.conftest import DAY, OUTCOMES, open_plan, review_plan
from tests.support.test_rules import DOCX

pytestmark = pytest.mark.django_db


def events(type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(type=type).order_by("id"))


# --- Opening a plan -------------------------------------------------------------------------------


def test_opening_a_plan_records_its_outcomes_and_an_audit_event(
    on_support: Pupil, senco: User
) -> None:
    plan = open_plan(on_support, senco)
    assert plan.number == 1
    assert plan.is_open
    assert [(o.position, o.text) for o in plan.outcomes.all()] == [
        (1, "Read a page aloud"),
        (2, "Ask for help in class"),
    ]
    (event,) = events(SupportEvent.PLAN_OPENED)
    assert event.pupil_id == on_support.pk
    assert event.actor_id == senco.pk
    assert event.new["outcomes"] == ["Read a page aloud", "Ask for help in class"]
    assert event.new["review_date"] == (TODAY + 60 * DAY).isoformat()


def test_a_pupil_on_the_monitoring_list_may_have_a_plan(watched: Pupil, senco: User) -> None:
    assert open_plan(watched, senco).is_open


def test_a_pupil_on_neither_list_cannot_have_a_plan(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as error:
        open_plan(pupil, senco)
    assert error.value.messages == [rules.NOT_ELIGIBLE.format(pupil=pupil)]
    assert not SupportPlan.objects.exists()
    assert not AuditEvent.objects.filter(type=SupportEvent.PLAN_OPENED).exists()


def test_at_most_one_open_plan(plan: SupportPlan, senco: User) -> None:
    with pytest.raises(ValidationError) as error:
        open_plan(plan.pupil, senco)
    assert error.value.messages == [rules.ALREADY_OPEN.format(pupil=plan.pupil)]
    assert SupportPlan.objects.count() == 1


def test_a_plan_needs_a_review_date_after_it_opens(on_support: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as error:
        open_plan(on_support, senco, review_date=TODAY - 30 * DAY)
    assert error.value.message_dict == {
        "review_date": [rules.REVIEW_DATE_NOT_AFTER_OPENING.format(opened=TODAY - 30 * DAY)]
    }


def test_an_outcome_needs_what_is_measured(on_support: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as error:
        open_plan(on_support, senco, outcomes=[services.OutcomeData("Read", "", "1", "2")])
    assert "measure" in error.value.message_dict
    assert not SupportPlan.objects.exists()


# --- Changing an open plan, and the frozen reviewed plan ---------------------------------------


def test_changing_an_open_plan_audits_old_and_new(plan: SupportPlan, senco: User) -> None:
    changed = services.plan_update(
        plan=plan, data={"strategies": "Sit near the front.", "support": plan.support}, by=senco
    )
    assert changed
    (event,) = events(SupportEvent.PLAN_CHANGED)
    assert event.old == {"strategies": "Give one instruction at a time."}
    assert event.new == {"strategies": "Sit near the front."}
    assert not services.plan_update(plan=plan, data={"strategies": "Sit near the front."}, by=senco)


def test_a_reviewed_plan_is_frozen(plan: SupportPlan, senco: User) -> None:
    review_plan(plan, senco)
    plan.refresh_from_db()
    frozen = rules.PLAN_FROZEN.format(reviewed=TODAY)
    outcome = plan.outcomes.first()
    assert outcome is not None
    attempts = [
        lambda: services.plan_update(plan=plan, data={"strategies": "New"}, by=senco),
        lambda: services.outcome_add(plan=plan, data=OUTCOMES[0], by=senco),
        lambda: services.outcome_update(outcome=outcome, data={"target": "99"}, by=senco),
        lambda: services.assessment_add(
            plan=plan, source="teacher", recorded_on=TODAY, text="x", by=senco, today=TODAY
        ),
        lambda: review_plan(plan, senco),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [frozen]
    plan.refresh_from_db()
    assert plan.strategies == "Give one instruction at a time."
    assert Outcome.objects.get(pk=outcome.pk).target == "70"
    assert OutcomeReview.objects.count() == 2


def test_assessment_entries_are_dated_and_not_in_the_future(plan: SupportPlan, senco: User) -> None:
    entry = services.assessment_add(
        plan=plan,
        source=rules.AssessmentSource.ON_ENTRY,
        recorded_on=TODAY - DAY,
        text="KS2 reading scaled score 94; reading age 8y 2m.",
        by=senco,
        today=TODAY,
    )
    assert entry.get_source_display().startswith("Prior attainment on entry")
    with pytest.raises(ValidationError) as error:
        services.assessment_add(
            plan=plan, source="teacher", recorded_on=TODAY + DAY, text="x", by=senco, today=TODAY
        )
    assert error.value.message_dict == {"recorded_on": [rules.ASSESSMENT_IN_FUTURE]}
    assert len(events(SupportEvent.ASSESSMENT_ADDED)) == 1


# --- Reviewing and the next plan ----------------------------------------------------------------


def test_a_review_records_results_progress_views_and_the_decision(
    plan: SupportPlan, senco: User
) -> None:
    review = review_plan(
        plan, senco, results=[rules.OutcomeResult.MET, rules.OutcomeResult.NOT_MET], adequate=False
    )
    plan.refresh_from_db()
    assert plan.reviewed_on == TODAY
    assert not plan.is_open
    assert not review.adequate
    assert [(r.outcome.text, r.result) for r in review.results.all()] == [
        ("Read a page aloud", "met"),
        ("Ask for help in class", "not_met"),
    ]
    (event,) = events(SupportEvent.PLAN_REVIEWED)
    assert event.new["adequate_progress"] is False
    assert event.new["results"] == {"Read a page aloud": "met", "Ask for help in class": "not_met"}
    assert event.new["decision"] == "continue"


def test_a_review_needs_every_outcome(plan: SupportPlan, senco: User) -> None:
    first = plan.outcomes.order_by("position").first()
    assert first is not None
    with pytest.raises(ValidationError):
        services.plan_review(
            plan=plan,
            reviewed_on=TODAY,
            tests=rules.ProgressTests(True, True, True, True),
            pupil_views="x",
            parent_views="y",
            decision="continue",
            results={first.pk: ("met", "Read 72 words.")},
            by=senco,
            today=TODAY,
        )
    plan.refresh_from_db()
    assert plan.is_open


def test_moving_to_monitoring_needs_the_pupil_on_the_register(watched: Pupil, senco: User) -> None:
    plan = open_plan(watched, senco)
    with pytest.raises(ValidationError) as error:
        review_plan(plan, senco, decision=rules.Decision.MONITORING)
    assert error.value.messages == [rules.DECISION_ALREADY_MONITORED.format(pupil=watched)]


def test_the_next_plan_opens_from_the_reviewed_one_carrying_outcomes(
    plan: SupportPlan, senco: User
) -> None:
    review_plan(plan, senco, results=[rules.OutcomeResult.MET, rules.OutcomeResult.NOT_MET])
    old = list(plan.outcomes.order_by("position"))
    carried = services.OutcomeData(
        old[1].text, old[1].measure, old[1].baseline, old[1].target, carried_from=old[1]
    )
    plan.refresh_from_db()
    following = open_plan(
        plan.pupil,
        senco,
        opened_on=TODAY,
        review_date=TODAY + 90 * DAY,
        outcomes=[carried, services.OutcomeData("Write a paragraph", "Sentences", "2", "5")],
        previous=plan,
    )
    assert following.number == 2
    assert following.previous == plan
    assert [o.carried_from for o in following.outcomes.all()] == [old[1], None]
    # The old plan, its outcomes and its results are as they were.
    assert Outcome.objects.filter(plan=plan).count() == 2
    assert OutcomeReview.objects.filter(outcome__plan=plan).count() == 2
    event = events(SupportEvent.PLAN_OPENED)[-1]
    assert event.new["follows_plan"] == 1
    assert event.new["carried_over"] == ["Ask for help in class"]


def test_the_next_plan_cannot_open_before_the_last_review(plan: SupportPlan, senco: User) -> None:
    review_plan(plan, senco)
    with pytest.raises(ValidationError) as error:
        open_plan(plan.pupil, senco, opened_on=TODAY - DAY, previous=plan)
    assert error.value.message_dict == {
        "opened_on": [rules.OPENED_BEFORE_PREVIOUS_REVIEW.format(reviewed=TODAY)]
    }


# --- Meetings -----------------------------------------------------------------------------------


def test_a_meeting_belongs_to_the_plan_open_that_day(plan: SupportPlan, senco: User) -> None:
    meeting = services.meeting_record(
        pupil=plan.pupil,
        held_on=TODAY - DAY,
        attendees="Mum\nSENCO",
        parents_said="Happy.",
        pupil_said="Good.",
        actions="Read nightly.",
        by=senco,
        today=TODAY,
    )
    assert meeting.plan == plan
    before = services.meeting_record(
        pupil=plan.pupil, held_on=TODAY - 40 * DAY, attendees="Dad", by=senco, today=TODAY
    )
    assert before.plan is None
    assert len(events(SupportEvent.MEETING_RECORDED)) == 2


def test_a_meeting_cannot_be_recorded_before_it_happens(on_support: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.meeting_record(
            pupil=on_support, held_on=TODAY + DAY, attendees="Mum", by=senco, today=TODAY
        )
    assert error.value.message_dict == {"held_on": [rules.MEETING_IN_FUTURE]}
    with pytest.raises(ValidationError) as error:
        services.meeting_record(
            pupil=on_support, held_on=TODAY, attendees=" ", by=senco, today=TODAY
        )
    assert error.value.message_dict == {"attendees": [rules.ATTENDEES_REQUIRED]}
    assert not ParentMeeting.objects.exists()


def test_the_schools_meetings_a_year_are_a_setting(senco: User, school: object) -> None:
    assert services.support_settings_for(school).meetings_per_year == 3  # type: ignore[arg-type]
    assert services.support_settings_update(school=school, meetings_per_year=6, by=senco)  # type: ignore[arg-type]
    assert services.support_settings_for(school).meetings_per_year == 6  # type: ignore[arg-type]
    assert not services.support_settings_update(school=school, meetings_per_year=6, by=senco)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        services.support_settings_update(school=school, meetings_per_year=0, by=senco)  # type: ignore[arg-type]
    (event,) = events(SupportEvent.SETTINGS_CHANGED)
    assert (event.old, event.new) == ({"meetings_per_year": 3}, {"meetings_per_year": 6})


# --- Specialists ----------------------------------------------------------------------------------

SPECIALIST = {
    "service": rules.Service.EDUCATIONAL_PSYCHOLOGIST,
    "consent_on": TODAY - 20 * DAY,
    "consent_by": "Dana Young (mother)",
    "referred_on": TODAY - 18 * DAY,
}


def test_a_specialist_needs_consent_before_the_referral(on_support: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.specialist_add(
            pupil=on_support,
            data={**SPECIALIST, "referred_on": TODAY - 30 * DAY},
            by=senco,
            today=TODAY,
        )
    assert error.value.message_dict == {
        "referred_on": [rules.REFERRED_BEFORE_CONSENT.format(consent=TODAY - 20 * DAY)]
    }
    involvement = services.specialist_add(pupil=on_support, data=SPECIALIST, by=senco, today=TODAY)
    assert involvement.label == "Educational psychologist"
    visit = services.specialist_visit_add(
        involvement=involvement, visited_on=TODAY - 5 * DAY, note="Observed.", by=senco, today=TODAY
    )
    assert visit.involvement == involvement
    assert [e.type for e in AuditEvent.objects.filter(pupil_id=on_support.pk).order_by("id")][
        -2:
    ] == [
        SupportEvent.SPECIALIST_ADDED,
        SupportEvent.SPECIALIST_VISIT_ADDED,
    ]


def test_a_report_is_stored_under_a_name_nobody_can_guess(on_support: Pupil, senco: User) -> None:
    involvement = services.specialist_add(pupil=on_support, data=SPECIALIST, by=senco, today=TODAY)
    report = services.specialist_report_add(
        involvement=involvement,
        content=DOCX,
        name="EP report Maisie Young.docx",
        received_on=TODAY,
        by=senco,
        today=TODAY,
    )
    assert report.kind == "docx"
    assert report.original_name == "EP report Maisie Young.docx"
    assert "Maisie" not in report.file.name
    assert report.file.name.startswith(f"support/reports/{on_support.school_id}/")
    assert len(report.file.name.rsplit("/", 1)[1]) > 40
    with default_storage.open(report.file.name) as handle:
        assert handle.read() == DOCX
    involvement.refresh_from_db()
    assert involvement.report_received_on == TODAY
    (event,) = events(SupportEvent.SPECIALIST_REPORT_ADDED)
    assert event.new["file"] == "EP report Maisie Young.docx"


def test_a_refused_report_leaves_nothing_behind(
    on_support: Pupil, senco: User, settings: object
) -> None:
    involvement = services.specialist_add(pupil=on_support, data=SPECIALIST, by=senco, today=TODAY)
    settings.SENDREG_REPORT_MAX_MB = 1  # type: ignore[attr-defined]
    for content, message in [
        (b"MZ\x90\x00 a program", rules.REPORT_TYPE_REFUSED),
        (b"%PDF-" + b"0" * 1_100_000, rules.REPORT_TOO_BIG.format(size_mb="1.0", limit_mb="1")),
    ]:
        with pytest.raises(ValidationError) as error:
            services.specialist_report_add(
                involvement=involvement,
                content=content,
                name="report.pdf",
                received_on=TODAY,
                by=senco,
                today=TODAY,
            )
        assert error.value.message_dict == {"file": [message]}
    assert not SpecialistReport.objects.exists()
    assert not default_storage.exists(f"support/reports/{on_support.school_id}")
    assert not events(SupportEvent.SPECIALIST_REPORT_ADDED)


# --- Passports ------------------------------------------------------------------------------------


def test_the_passport_keeps_its_old_words_in_the_audit_trail(
    on_support: Pupil, senco: User
) -> None:
    assert services.passport_save(
        pupil=on_support, data={"about_me": "I like horses."}, by=senco, today=TODAY - DAY
    )
    assert services.passport_save(
        pupil=on_support, data={"about_me": "I like horses and drawing."}, by=senco, today=TODAY
    )
    passport = Passport.objects.get(pupil=on_support)
    assert (passport.about_me, passport.updated_on) == ("I like horses and drawing.", TODAY)
    old, new = events(SupportEvent.PASSPORT_CHANGED)
    assert old.new == {"about_me": "I like horses."}
    assert (new.old, new.new) == (
        {"about_me": "I like horses."},
        {"about_me": "I like horses and drawing."},
    )


def test_a_suggestion_the_senco_accepts_goes_into_the_passport(
    taught_on_support: Pupil, teacher: User, senco: User
) -> None:
    suggestion = services.passport_suggest(
        pupil=taught_on_support,
        field="how_to_help",
        text="Let me use a laptop.",
        by=teacher,
        today=TODAY,
    )
    assert not Passport.objects.exists()
    services.passport_suggestion_decide(suggestion=suggestion, accept=True, by=senco, today=TODAY)
    assert Passport.objects.get(pupil=taught_on_support).how_to_help == "Let me use a laptop."
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.decided_by, suggestion.decided_on) == (
        "accepted",
        senco,
        TODAY,
    )
    with pytest.raises(ValidationError) as error:
        services.passport_suggestion_decide(
            suggestion=suggestion, accept=False, by=senco, today=TODAY
        )
    assert error.value.messages == [rules.SUGGESTION_DECIDED.format(state="accepted")]
    assert [
        e.type for e in AuditEvent.objects.filter(pupil_id=taught_on_support.pk).order_by("id")
    ][-3:] == [
        SupportEvent.PASSPORT_SUGGESTED,
        SupportEvent.PASSPORT_CHANGED,
        SupportEvent.PASSPORT_SUGGESTION_ACCEPTED,
    ]


def test_a_declined_suggestion_changes_nothing_but_is_kept(
    taught_on_support: Pupil, teacher: User, senco: User
) -> None:
    suggestion = services.passport_suggest(
        pupil=taught_on_support, field="about_me", text="I like trains.", by=teacher, today=TODAY
    )
    services.passport_suggestion_decide(suggestion=suggestion, accept=False, by=senco, today=TODAY)
    assert not Passport.objects.exists()
    assert PassportSuggestion.objects.get().state == "declined"


def test_each_school_numbers_its_pupils_plans(school: object, senco: User) -> None:
    from tests.conftest import put_on_register

    a = put_on_register(PupilFactory(school=school), by=senco)
    b = put_on_register(PupilFactory(school=school), by=senco)
    assert open_plan(a, senco).number == 1
    assert open_plan(b, senco).number == 1


def test_deputy_senco_can_do_what_the_senco_does(on_support: Pupil, deputy_senco: User) -> None:
    plan = open_plan(on_support, deputy_senco)
    review_plan(plan, deputy_senco)
    assert events(SupportEvent.PLAN_REVIEWED)[0].actor_id == deputy_senco.pk
