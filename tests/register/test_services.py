"""Changes to the SEN register: validated, audited in the same transaction, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sendreg.accounts.models import User
from sendreg.audit.models import AccessEvent, AppendOnlyError, AuditEvent
from sendreg.pupils.models import Pupil
from sendreg.register import rules, services
from sendreg.register.models import MonitoringEntry, SenEpisode
from sendreg.register.selectors import pupil_sen_summary
from sendreg.register.services import StaleRecord, sen_record_set
from tests.conftest import TODAY, current_needs, put_on_register

D = dt.date
pytestmark = pytest.mark.django_db


def set_record(
    pupil: Pupil,
    *,
    by: User,
    status: str | None,
    needs: list[str],
    effective: dt.date = TODAY,
    today: dt.date = TODAY,
    reason: str = "Reviewed with parents.",
    version: int | None = None,
) -> Pupil:
    pupil.refresh_from_db()
    return sen_record_set(
        pupil=pupil,
        status=status,
        needs=needs,
        effective=effective,
        reason=reason,
        expected_version=pupil.sen_version if version is None else version,
        by=by,
        today=today,
    )


def needs_of(pupil: Pupil) -> list[tuple[int, str]]:
    return [(rank, code) for rank, code in enumerate(current_needs(pupil), start=1)]


def episodes_of(pupil: Pupil) -> list[tuple[str, dt.date, dt.date | None]]:
    return list(
        SenEpisode.objects.filter(pupil=pupil)
        .order_by("start", "id")
        .values_list("status", "start", "end")
    )


def test_adding_to_sen_support_records_ranked_needs_and_an_episode(
    pupil: Pupil, senco: User
) -> None:
    set_record(pupil, by=senco, status="K", needs=["SEMH", "SLCN", "ASD"])

    assert needs_of(pupil) == [(1, "SEMH"), (2, "SLCN"), (3, "ASD")]
    assert episodes_of(pupil) == [("K", TODAY, None)]
    pupil.refresh_from_db()
    assert pupil.sen_version == 1
    summary = pupil_sen_summary(pupil, day=TODAY)
    assert (summary.status, summary.since) == ("K", TODAY)


def test_need_codes_are_tidied_before_saving(pupil: Pupil, senco: User) -> None:
    set_record(pupil, by=senco, status="K", needs=[" semh ", "", "slcn"])
    assert needs_of(pupil) == [(1, "SEMH"), (2, "SLCN")]


def test_adding_writes_one_audit_event_with_before_after_reason_and_actor(
    pupil: Pupil, senco: User
) -> None:
    set_record(pupil, by=senco, status="K", needs=["SEMH", "SLCN", "ASD"], reason="Assessed.")

    [event] = AuditEvent.objects.all()
    assert event.type == AuditEvent.Type.SEN_STATUS_CHANGED
    assert event.school_id == pupil.school_id
    assert (event.target_model, event.target_id, event.pupil_id) == (
        "pupils.pupil",
        pupil.pk,
        pupil.pk,
    )
    assert event.pupil_label == "Maisie Young"
    assert (event.actor_id, event.actor_label) == (senco.pk, "Senco <senco@100001.test>")
    assert event.old == {"status": None, "needs": []}
    assert event.new == {
        "status": "K",
        "needs": ["SEMH", "SLCN", "ASD"],
        "effective": TODAY.isoformat(),
    }
    assert event.reason == "Assessed."


def test_audit_event_is_in_the_same_transaction_as_the_change(
    pupil: Pupil, senco: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(**kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        set_record(pupil, by=senco, status="K", needs=["SEMH"])

    assert episodes_of(pupil) == []
    assert needs_of(pupil) == []
    pupil.refresh_from_db()
    assert pupil.sen_version == 0


def test_changing_only_needs_keeps_the_episode_and_audits_a_needs_change(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH",), on=D(2025, 10, 1))
    set_record(pupil, by=senco, status="K", needs=["SLCN", "SEMH"])

    assert episodes_of(pupil) == [("K", D(2025, 10, 1), None)]
    assert needs_of(pupil) == [(1, "SLCN"), (2, "SEMH")]
    event = AuditEvent.objects.first()
    assert event is not None
    assert event.type == AuditEvent.Type.SEN_NEEDS_CHANGED
    assert event.old == {"status": "K", "needs": ["SEMH"]}
    assert event.new["needs"] == ["SLCN", "SEMH"]


def test_k_to_e_closes_the_episode_and_opens_a_new_one(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH",), on=D(2025, 10, 1))
    set_record(pupil, by=senco, status="E", needs=["SEMH"], reason="EHC plan issued by the LA.")

    assert episodes_of(pupil) == [("K", D(2025, 10, 1), TODAY), ("E", TODAY, None)]
    closed, opened = SenEpisode.objects.filter(pupil=pupil).order_by("start")
    assert closed.end_reason == "EHC plan issued by the LA."
    assert opened.start_reason == "EHC plan issued by the LA."
    event = AuditEvent.objects.first()
    assert event is not None
    assert event.type == AuditEvent.Type.SEN_STATUS_CHANGED
    assert (event.old["status"], event.new["status"]) == ("K", "E")
    assert pupil_sen_summary(pupil, day=TODAY).status == "E"
    assert pupil_sen_summary(pupil, day=TODAY - dt.timedelta(days=1)).status == "K"


def test_same_day_correction_changes_the_episode_in_place(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH",))
    set_record(pupil, by=senco, status="E", needs=["SEMH"], reason="Typed K by mistake.")

    assert episodes_of(pupil) == [("E", TODAY, None)]
    assert AuditEvent.objects.count() == 2


def test_removal_clears_needs_and_ends_the_episode(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"), on=D(2025, 10, 1))
    set_record(pupil, by=senco, status=None, needs=[], reason="Outcomes met at review.")

    assert needs_of(pupil) == []
    assert episodes_of(pupil) == [("K", D(2025, 10, 1), TODAY)]
    assert SenEpisode.objects.get(pupil=pupil).end_reason == "Outcomes met at review."
    event = AuditEvent.objects.first()
    assert event is not None
    assert event.old == {"status": "K", "needs": ["SEMH", "SLCN"]}
    assert event.new == {"status": None, "needs": [], "effective": TODAY.isoformat()}
    assert pupil_sen_summary(pupil, day=TODAY).status is None


def test_removed_pupil_is_returned_as_n_and_keeps_an_n_entry_for_the_next_census_only(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 9, 4), today=D(2025, 9, 4))
    removed = D(2025, 12, 1)
    set_record(pupil, by=senco, status=None, needs=[], effective=removed, today=removed)

    before_removal = pupil_sen_summary(pupil, day=D(2025, 11, 30))
    assert (before_removal.status, before_removal.next_census_status) == ("K", "N")
    assert before_removal.n_entry_due
    at_spring = pupil_sen_summary(pupil, day=D(2026, 1, 15))
    assert at_spring.next_census.date == D(2026, 1, 15)
    assert (at_spring.status, at_spring.next_census_status, at_spring.n_entry_due) == (
        None,
        "N",
        True,
    )
    after_spring = pupil_sen_summary(pupil, day=D(2026, 1, 16))
    assert after_spring.next_census.date == D(2026, 5, 21)
    # N means "No SEN": still N in the return, but the explicit N entry is closed.
    assert (after_spring.next_census_status, after_spring.n_entry_due) == ("N", False)


def test_nsa_with_ehc_plan_is_refused_and_nothing_saved(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        set_record(pupil, by=senco, status="E", needs=["NSA"])

    assert exc.value.messages == [rules.NSA_REQUIRES_SEN_SUPPORT]
    assert episodes_of(pupil) == []
    assert needs_of(pupil) == []
    assert not AuditEvent.objects.exists()
    pupil.refresh_from_db()
    assert pupil.sen_version == 0


def test_change_dated_beyond_next_census_is_refused(pupil: Pupil, senco: User) -> None:
    too_late = D(2026, 1, 16)
    with pytest.raises(ValidationError) as exc:
        set_record(pupil, by=senco, status="K", needs=["SEMH"], effective=too_late)

    assert exc.value.messages == [
        rules.STATUS_START_TOO_LATE.format(start=too_late, census=D(2026, 1, 15))
    ]
    assert episodes_of(pupil) == []
    assert not AuditEvent.objects.exists()


def test_change_dated_on_next_census_day_is_accepted(pupil: Pupil, senco: User) -> None:
    set_record(pupil, by=senco, status="K", needs=["SEMH"], effective=D(2026, 1, 15))
    summary = pupil_sen_summary(pupil, day=TODAY)
    assert summary.status is None
    assert summary.upcoming is not None and summary.upcoming.start == D(2026, 1, 15)
    assert summary.next_census_status == "K"


def test_change_dated_before_the_latest_change_is_refused(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 11, 1))
    with pytest.raises(ValidationError) as exc:
        set_record(pupil, by=senco, status="E", needs=["SEMH"], effective=D(2025, 10, 31))
    assert exc.value.messages == [
        rules.STATUS_START_BEFORE_HISTORY.format(start=D(2025, 10, 31), latest=D(2025, 11, 1))
    ]
    assert episodes_of(pupil) == [("K", D(2025, 11, 1), None)]


def test_stale_version_is_refused_and_nothing_changes(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH",))
    events = AuditEvent.objects.count()

    with pytest.raises(StaleRecord):
        set_record(pupil, by=senco, status="E", needs=["ASD"], version=0)

    pupil.refresh_from_db()
    assert pupil.sen_version == 1
    assert episodes_of(pupil) == [("K", TODAY, None)]
    assert needs_of(pupil) == [(1, "SEMH")]
    assert AuditEvent.objects.count() == events


def test_saving_what_is_already_recorded_is_refused(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"))
    with pytest.raises(ValidationError) as exc:
        set_record(pupil, by=senco, status="K", needs=["SEMH", "SLCN"])
    assert exc.value.messages == [rules.NOTHING_CHANGED]
    assert AuditEvent.objects.count() == 1


def test_removing_a_pupil_not_on_the_register_is_refused(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        set_record(pupil, by=senco, status=None, needs=[])
    assert exc.value.messages == [rules.NOT_ON_REGISTER]


def test_database_allows_only_one_open_episode_per_pupil(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco)
    with pytest.raises(IntegrityError), transaction.atomic():
        SenEpisode.objects.create(pupil=pupil, status="E", start=TODAY + dt.timedelta(days=1))


# --- the monitoring list -----------------------------------------------------------------


def test_monitoring_start_adds_an_entry_and_audits_it(pupil: Pupil, senco: User) -> None:
    entry = services.monitoring_start(
        pupil=pupil,
        reason="Reading age two years below.",
        review_date=D(2026, 2, 1),
        on=TODAY,
        by=senco,
    )

    assert (entry.started_on, entry.review_date, entry.ended_on) == (TODAY, D(2026, 2, 1), None)
    assert entry.added_by == senco
    [event] = AuditEvent.objects.all()
    assert event.type == AuditEvent.Type.MONITORING_STARTED
    assert (event.target_model, event.target_id, event.pupil_id) == (
        "register.monitoringentry",
        entry.pk,
        pupil.pk,
    )
    assert event.new == {
        "reason": "Reading age two years below.",
        "review_date": "2026-02-01",
        "started_on": TODAY.isoformat(),
    }
    assert event.actor_id == senco.pk


def test_only_one_open_monitoring_entry_per_pupil(pupil: Pupil, senco: User) -> None:
    services.monitoring_start(
        pupil=pupil, reason="Watching.", review_date=D(2026, 2, 1), on=TODAY, by=senco
    )
    with pytest.raises(ValidationError) as exc:
        services.monitoring_start(
            pupil=pupil, reason="Again.", review_date=D(2026, 2, 1), on=TODAY, by=senco
        )
    assert exc.value.messages == [services.MONITORING_ALREADY]
    assert MonitoringEntry.objects.filter(pupil=pupil).count() == 1
    assert AuditEvent.objects.count() == 1


def test_monitoring_review_before_start_is_refused(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.monitoring_start(
            pupil=pupil, reason="Watching.", review_date=D(2025, 11, 1), on=TODAY, by=senco
        )
    assert exc.value.message_dict == {"review_date": [services.MONITORING_REVIEW_BEFORE_START]}
    assert not MonitoringEntry.objects.exists()


def test_monitoring_end_closes_the_entry_and_allows_a_new_one(pupil: Pupil, senco: User) -> None:
    entry = services.monitoring_start(
        pupil=pupil, reason="Watching.", review_date=D(2026, 2, 1), on=TODAY, by=senco
    )
    ended_on = D(2026, 2, 2)
    services.monitoring_end(entry=entry, on=ended_on, reason="Progress held.", by=senco)

    entry.refresh_from_db()
    assert (entry.ended_on, entry.end_reason) == (ended_on, "Progress held.")
    event = AuditEvent.objects.first()
    assert event is not None
    assert event.type == AuditEvent.Type.MONITORING_ENDED
    assert event.old == {"review_date": "2026-02-01"}
    assert event.new == {"ended_on": "2026-02-02"}
    assert event.reason == "Progress held."

    services.monitoring_start(
        pupil=pupil, reason="Concerns again.", review_date=D(2026, 5, 1), on=D(2026, 3, 1), by=senco
    )
    assert MonitoringEntry.objects.filter(pupil=pupil).count() == 2


def test_monitoring_cannot_end_before_it_started(pupil: Pupil, senco: User) -> None:
    entry = services.monitoring_start(
        pupil=pupil, reason="Watching.", review_date=D(2026, 2, 1), on=TODAY, by=senco
    )
    with pytest.raises(ValidationError) as exc:
        services.monitoring_end(entry=entry, on=D(2025, 11, 1), reason="Oops.", by=senco)
    assert exc.value.message_dict == {
        "on": [services.MONITORING_END_BEFORE_START.format(start=TODAY)]
    }
    entry.refresh_from_db()
    assert entry.ended_on is None
    assert AuditEvent.objects.count() == 1


def test_database_allows_only_one_open_monitoring_entry(pupil: Pupil, senco: User) -> None:
    services.monitoring_start(
        pupil=pupil, reason="Watching.", review_date=D(2026, 2, 1), on=TODAY, by=senco
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringEntry.objects.create(
            pupil=pupil, reason="x", started_on=TODAY, review_date=TODAY, added_by=senco
        )


# --- the audit trail is append-only -------------------------------------------------------


@pytest.fixture
def event(pupil: Pupil, senco: User) -> AuditEvent:
    put_on_register(pupil, by=senco)
    return AuditEvent.objects.get()


def test_audit_row_cannot_be_saved_again(event: AuditEvent) -> None:
    event.reason = "Rewritten history."
    with pytest.raises(AppendOnlyError):
        event.save()
    event.refresh_from_db()
    assert event.reason == "Assessed by the SENCO."


def test_audit_row_cannot_be_deleted(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_rows_cannot_be_updated_in_bulk(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="Rewritten.")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(reason="Rewritten.")
    event.refresh_from_db()
    assert event.reason == "Assessed by the SENCO."


def test_audit_rows_cannot_be_deleted_in_bulk(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_access_log_is_append_only_too(pupil: Pupil, senco: User) -> None:
    access = AccessEvent.objects.create(
        actor_id=senco.pk, school_id=pupil.school_id, pupil_id=pupil.pk, what="record"
    )
    access.what = "nothing"
    with pytest.raises(AppendOnlyError):
        access.save()
    with pytest.raises(AppendOnlyError):
        access.delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.update(what="nothing")
    assert AccessEvent.objects.get().what == "record"


def test_same_day_correction_that_undoes_a_change_reopens_the_earlier_episode(pupil, senco):
    put_on_register(pupil, by=senco, status="K", on=TODAY - dt.timedelta(days=30))
    put_on_register(pupil, by=senco, status="E", needs=("SEMH",), on=TODAY)

    put_on_register(pupil, by=senco, status="K", needs=("SEMH",), on=TODAY)

    episodes = list(pupil.sen_episodes.order_by("start"))
    assert [(e.status, e.start, e.end) for e in episodes] == [
        ("K", TODAY - dt.timedelta(days=30), None)
    ]
