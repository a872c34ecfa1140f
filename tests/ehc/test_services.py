"""Every change to an EHC record goes through a service: checked, audited, atomic."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from sendreg.accounts.models import Membership, School, User
from sendreg.audit.models import AuditEvent
from sendreg.deadlines.rules import DeadlineStatus
from sendreg.ehc import rules, services
from sendreg.ehc.deadlines import DutyKind
from sendreg.ehc.models import EhcDueDate, EhcEvent, EhcInvitee, EhcSchoolSettings
from sendreg.ehc.selectors import ehc_record, final_year_for, pupil_facts
from sendreg.lib.pagereads import page_reads
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import pupil_get_for_user
from sendreg.register.models import SenEpisode
from sendreg.register.selectors import pupil_sen_summary
from tests.conftest import TODAY, put_on_register
from tests.ehc.conftest import record

pytestmark = pytest.mark.django_db


def test_recording_an_event_audits_it(pupil: Pupil, senco: User) -> None:
    event = record(
        pupil, senco, "request", "2025-10-01", requested_by="parent", evidence="EP report"
    )
    audit = AuditEvent.objects.get(type="ehc.event_recorded")
    assert audit.target_id == event.pk
    assert audit.pupil_id == pupil.pk
    assert audit.new == {
        "kind": "request", "on": "2025-10-01", "requested_by": "parent", "evidence": "EP report",
    }  # fmt: skip
    assert audit.actor_label == f"{senco.name} <{senco.email}>"
    assert audit.type_label == "EHC event recorded"


def test_a_review_before_a_plan_is_refused_and_nothing_saved(pupil: Pupil, senco: User) -> None:
    record(pupil, senco, "request", "2025-10-01")
    with pytest.raises(ValidationError) as caught:
        record(pupil, senco, "review_held", "2025-10-20")
    assert caught.value.messages == [
        rules.REVIEW_NEEDS_PLAN.format(event="annual review meeting held", date="20 October 2025")
    ]
    assert EhcEvent.objects.count() == 1
    assert AuditEvent.objects.filter(type="ehc.event_recorded").count() == 1


def test_a_future_date_is_refused(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError):
        record(pupil, senco, "request", TODAY + dt.timedelta(days=1))


def test_details_the_event_does_not_keep_are_refused(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as caught:
        record(pupil, senco, "request", "2025-10-01", outcome="cease")
    assert "is not kept with" in caught.value.messages[0]


def test_a_final_plan_never_changes_the_register(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, status="K")
    record(pupil, senco, "request", "2025-03-01")
    record(pupil, senco, "plan_issued", "2025-07-01")
    assert list(SenEpisode.objects.filter(pupil=pupil).values_list("status", flat=True)) == ["K"]
    found = ehc_record(pupil, today=TODAY)
    assert found.register_offer
    assert found.sen_status == "K"


def test_no_offer_when_the_pupil_is_already_e(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, status="E", needs=("ASD",))
    record(pupil, senco, "plan_issued", "2025-07-01")
    assert not ehc_record(pupil, today=TODAY).register_offer


def test_withdrawing_keeps_the_event_and_audits(planned: Pupil, senco: User) -> None:
    response = EhcEvent.objects.get(kind="draft_response")
    services.ehc_event_withdraw(event=response, reason="Wrong pupil.", by=senco)
    response.refresh_from_db()
    assert response.withdrawn and response.withdrawn_reason == "Wrong pupil."
    found = ehc_record(planned, today=TODAY)
    assert response not in found.active_events and response in found.events
    assert AuditEvent.objects.filter(type="ehc.event_withdrawn", reason="Wrong pupil.").exists()


def test_withdrawing_what_later_events_need_is_refused(planned: Pupil, senco: User) -> None:
    record(
        planned,
        senco,
        "review_held",
        "2025-10-01",
        attendees="A",
        pupil_views="B",
        parent_views="C",
    )
    plan = EhcEvent.objects.get(kind="plan_issued")
    with pytest.raises(ValidationError) as caught:
        services.ehc_event_withdraw(event=plan, reason="Oops", by=senco)
    assert caught.value.messages[0].startswith(rules.WITHDRAW_BREAKS.split("{")[0])
    plan.refresh_from_db()
    assert not plan.withdrawn


def test_withdrawing_needs_a_reason(planned: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError):
        services.ehc_event_withdraw(event=EhcEvent.objects.first(), reason="  ", by=senco)  # type: ignore[arg-type]


def _review(pupil: Pupil, senco: User, meeting: str = "2025-12-10") -> EhcEvent:
    return record(pupil, senco, "review_scheduled", "2025-11-01", meeting_on=meeting)


def test_invitations_per_person_meet_the_duty_with_the_advice(planned: Pupil, senco: User) -> None:
    review = _review(planned, senco)
    mum = services.ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    la = services.ehc_invitee_add(review=review, name="Sam Patel", role="la", by=senco)
    services.ehc_invitations_sent(review=review, invitees=[mum], on=TODAY, by=senco, today=TODAY)

    def duty() -> tuple[DeadlineStatus, str]:
        found = ehc_record(planned, today=TODAY)
        (row,) = [r for r in found.rows if r.duty.kind == DutyKind.REVIEW_INVITATIONS]
        return row.status, row.duty.detail

    status, detail = duty()
    assert status == DeadlineStatus.DUE_SOON  # due 26 November
    assert "1 of 2 invited; advice not yet circulated" in detail
    services.ehc_invitations_sent(review=review, invitees=[la], on=TODAY, by=senco, today=TODAY)
    record(planned, senco, "advice_circulated", TODAY)
    assert duty()[0] == DeadlineStatus.DONE
    assert AuditEvent.objects.filter(type="ehc.invitations_sent").count() == 2


def test_invitations_not_before_the_meeting_was_arranged(planned: Pupil, senco: User) -> None:
    review = _review(planned, senco)
    mum = services.ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    with pytest.raises(ValidationError):
        services.ehc_invitations_sent(
            review=review, invitees=[mum], on=dt.date(2025, 10, 1), by=senco, today=TODAY
        )


def test_a_moved_meeting_carries_its_people_to_be_invited_again(
    planned: Pupil, senco: User
) -> None:
    review = _review(planned, senco)
    mum = services.ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    services.ehc_invitations_sent(review=review, invitees=[mum], on=TODAY, by=senco, today=TODAY)
    moved = record(planned, senco, "review_scheduled", TODAY, meeting_on="2026-01-14")
    (carried,) = EhcInvitee.objects.filter(review=moved)
    assert carried.name == "Ann Young" and carried.invited_on is None
    # The old meeting no longer takes invitations.
    with pytest.raises(ValidationError) as caught:
        services.ehc_invitee_add(review=review, name="X", role="other", by=senco)
    assert caught.value.messages == [services.REVIEW_NOT_PENDING]


def test_someone_already_invited_stays_on_the_list(planned: Pupil, senco: User) -> None:
    review = _review(planned, senco)
    mum = services.ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    services.ehc_invitations_sent(review=review, invitees=[mum], on=TODAY, by=senco, today=TODAY)
    with pytest.raises(ValidationError):
        services.ehc_invitee_remove(invitee=mum, by=senco)
    other = services.ehc_invitee_add(review=review, name="Jo", role="health", by=senco)
    services.ehc_invitee_remove(invitee=other, by=senco)
    assert list(EhcInvitee.objects.values_list("name", flat=True)) == ["Ann Young"]
    assert AuditEvent.objects.filter(type="ehc.invitee_removed").count() == 1


def test_a_due_date_of_the_schools_own_supersedes_and_can_go_back(
    planned: Pupil, senco: User
) -> None:
    found = ehc_record(planned, today=TODAY)
    (annual,) = [d for d in found.duties if d.kind == DutyKind.ANNUAL_REVIEW]
    keys = [d.key for d in found.duties]
    services.ehc_due_date_set(
        pupil=planned, duty_key=annual.key, due=dt.date(2026, 3, 20), reason="LA agreed.",
        by=senco, known_keys=keys, statutory_due=annual.statutory_due, current_due=annual.due,
    )  # fmt: skip
    (moved,) = [d for d in ehc_record(planned, today=TODAY).duties if d.key == annual.key]
    assert moved.due == dt.date(2026, 3, 20) and moved.statutory_due == dt.date(2026, 3, 3)
    audit = AuditEvent.objects.get(type="ehc.due_date_changed")
    assert audit.old == {"duty": annual.key, "due": "2026-03-03"}
    assert audit.new == {"duty": annual.key, "due": "2026-03-20"}
    assert audit.reason == "LA agreed."
    services.ehc_due_date_set(
        pupil=planned, duty_key=annual.key, due=None, reason="Back to the law's date.",
        by=senco, known_keys=keys, statutory_due=annual.statutory_due, current_due=moved.due,
    )  # fmt: skip
    (back,) = [d for d in ehc_record(planned, today=TODAY).duties if d.key == annual.key]
    assert back.due == dt.date(2026, 3, 3) and not back.overridden
    assert EhcDueDate.objects.count() == 2


def test_a_due_date_needs_a_reason_and_a_known_duty(planned: Pupil, senco: User) -> None:
    kwargs = {"pupil": planned, "due": TODAY, "by": senco, "known_keys": ["a:1"],
              "statutory_due": TODAY, "current_due": TODAY}  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.ehc_due_date_set(duty_key="b:2", reason="x", **kwargs)  # type: ignore[arg-type]
    assert caught.value.messages == [services.DUE_DATE_UNKNOWN_DUTY]
    with pytest.raises(ValidationError):
        services.ehc_due_date_set(duty_key="a:1", reason=" ", **kwargs)  # type: ignore[arg-type]
    assert not EhcDueDate.objects.exists()


def test_settings_default_from_the_phase_then_as_set(school: School, senco: User) -> None:
    assert final_year_for(school) == 11  # a secondary, taken to have no sixth form
    services.ehc_settings_set(school=school, final_year=13, by=senco)
    assert final_year_for(school) == 13
    services.ehc_settings_set(school=school, final_year=13, by=senco)  # no change, no audit
    assert AuditEvent.objects.filter(type="ehc.settings_changed").count() == 1
    with pytest.raises(ValidationError):
        services.ehc_settings_set(school=school, final_year=5, by=senco)
    assert EhcSchoolSettings.objects.get().final_year == 13


def test_phase_transfer_follows_the_setting(planned: Pupil, senco: User, school: School) -> None:
    planned.year_group = 11
    planned.save(update_fields=["year_group"])
    kinds = [d.kind for d in ehc_record(planned, today=TODAY).duties]
    assert DutyKind.PHASE_TRANSFER in kinds
    services.ehc_settings_set(school=school, final_year=13, by=senco)
    kinds = [d.kind for d in ehc_record(planned, today=TODAY).duties]
    assert DutyKind.PHASE_TRANSFER not in kinds


@pytest.mark.parametrize("status", ["K", "E", None])
@pytest.mark.parametrize("has_record", [True, False])
def test_the_record_on_a_page_that_read_the_status_is_the_record_read_alone(
    pupil: Pupil, senco: User, status: str | None, has_record: bool
) -> None:
    """A pupil's page reads the SEN status with the summary and the EHC section takes it
    from there (one query fewer): the record is the same as one read on its own."""
    if status:
        put_on_register(pupil, by=senco, status=status, needs=("ASD",))
    if has_record:
        record(pupil, senco, "request", "2025-03-01")
        record(pupil, senco, "plan_issued", "2025-07-01")
    pupil = Pupil.objects.select_related("school").get(pk=pupil.pk)
    alone = ehc_record(pupil, today=TODAY)
    with page_reads():
        pupil_sen_summary(pupil, day=TODAY)
        on_page = ehc_record(pupil, today=TODAY)
    assert on_page.sen_status == alone.sen_status == status
    assert on_page.events == alone.events
    assert on_page.history == alone.history
    assert on_page.duties == alone.duties
    assert on_page.problem == alone.problem
    assert on_page.register_offer == alone.register_offer


@pytest.mark.parametrize("final_year", [None, 11, 13])
@pytest.mark.parametrize("moved", [True, False])
@pytest.mark.parametrize("has_record", [True, False])
def test_the_record_read_with_the_pupil_pages_facts_is_the_record_read_alone(
    pupil: Pupil,
    senco: User,
    school: School,
    final_year: int | None,
    moved: bool,
    has_record: bool,
    django_assert_max_num_queries: Any,
) -> None:
    """The pupil's page reads with the pupil whether there is a record and any of the school's
    own dates, and the school's age range (``pupil_facts``): the record is the same, and
    nothing those facts answer is read again."""
    pupil.year_group = 11
    pupil.save(update_fields=["year_group"])
    put_on_register(pupil, by=senco, status="E", needs=("ASD",))
    if final_year is not None:
        services.ehc_settings_set(school=school, final_year=final_year, by=senco)
    if has_record:
        record(pupil, senco, "request", "2024-10-14", requested_by="school")
        record(pupil, senco, "plan_issued", "2025-03-03")
    if has_record and moved:
        found = ehc_record(pupil, today=TODAY)
        (annual,) = [d for d in found.duties if d.kind == DutyKind.ANNUAL_REVIEW]
        services.ehc_due_date_set(
            pupil=pupil, duty_key=annual.key, due=dt.date(2026, 3, 20), reason="LA agreed.",
            by=senco, known_keys=[d.key for d in found.duties],
            statutory_due=annual.statutory_due, current_due=annual.due,
        )  # fmt: skip
    membership = Membership.objects.get(user=senco, school=school)
    alone = ehc_record(Pupil.objects.select_related("school").get(pk=pupil.pk), today=TODAY)
    with page_reads():
        with_facts = pupil_get_for_user(membership, pupil.pk, facts=pupil_facts)
        pupil_sen_summary(with_facts, day=TODAY)
        # The events, when there are any, and the school's dates, when it set one.
        with django_assert_max_num_queries(int(has_record) + int(has_record and moved)):
            on_page = ehc_record(with_facts, today=TODAY)
    assert on_page.sen_status == alone.sen_status
    assert on_page.events == alone.events
    assert on_page.history == alone.history
    assert on_page.duties == alone.duties
    assert on_page.overrides == alone.overrides
    assert on_page.problem == alone.problem
