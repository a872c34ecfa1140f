# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Telling parents: the services, the outstanding list, the move to the monitoring list, and
their pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils.html import escape

from sendreg.accounts.models import Membership, School, User
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Pupil
from sendreg.register import rules, selectors, services
from sendreg.register.models import MonitoringEntry, ParentNotification, SenEpisode
from sendreg.register.rules import NotificationKind
from sendreg.register.selectors import needs_attention
from sendreg.register.services import StaleRecord, sen_record_set
from tests.conftest import TODAY, TODAY_NOON, current_needs, put_on_register
from tests.factories import ContactFactory, PupilFactory
from tests.matrix import LOGIN, Row, cases, check

D = dt.date
Login = Callable[[User], Client]
pytestmark = pytest.mark.usefixtures("on_today")


def membership_of(user: User) -> Membership:
    return Membership.objects.get(user=user)


def events(type: AuditEvent.Type) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(type=type).order_by("id"))


@pytest.fixture
def added(pupil: Pupil, senco: User) -> ParentNotification:
    """Maisie Young, just put on SEN support: her parents are to be told."""
    put_on_register(pupil, by=senco, needs=("SEMH",))
    return pupil.notifications.get()


# --- every change that must be notified creates a notification ------------------------


def test_adding_changing_and_removing_each_create_a_notification(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH",), on=D(2025, 9, 10))
    put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"), on=D(2025, 9, 20))
    put_on_register(pupil, by=senco, status="E", needs=("SEMH",), on=D(2025, 10, 1))
    pupil.refresh_from_db()
    sen_record_set(
        pupil=pupil, status=None, needs=[], effective=TODAY, reason="Outcomes met.",
        expected_version=pupil.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    made = pupil.notifications.order_by("id").values_list(
        "kind", "from_status", "to_status", "effective"
    )
    # A change of need alone is discussed at review, not notified.
    assert list(made) == [
        ("added", "", "K", D(2025, 9, 10)),
        ("changed", "K", "E", D(2025, 10, 1)),
        ("removed", "E", "", TODAY),
    ]


# --- selectors ------------------------------------------------------------------------


def test_outstanding_lists_unsent_notifications_of_the_school_longest_waiting_first(
    school: School, other_school: School, senco: User, outsider: User, time_machine: Any
) -> None:
    first, second, third = (PupilFactory(school=school) for _ in range(3))
    time_machine.move_to(TODAY_NOON - dt.timedelta(days=5), tick=False)
    put_on_register(second, by=senco)
    time_machine.move_to(TODAY_NOON - dt.timedelta(days=3), tick=False)
    put_on_register(first, by=senco)
    put_on_register(third, by=senco)
    time_machine.move_to(TODAY_NOON, tick=False)
    services.notification_mark_sent(
        notification=third.notifications.get(), sent_on=TODAY, method="letter", by=senco
    )
    put_on_register(PupilFactory(school=other_school), by=outsider)

    outstanding = selectors.notifications_outstanding(membership_of(senco))
    assert [n.pupil for n in outstanding] == [second, first]


def test_a_teacher_sees_only_the_notifications_of_pupils_they_teach(
    taught_pupil: Pupil, added: ParentNotification, teacher: User, senco: User
) -> None:
    put_on_register(taught_pupil, by=senco)
    outstanding = selectors.notifications_outstanding(membership_of(teacher))
    assert [n.pupil for n in outstanding] == [taught_pupil]


def test_notifications_of_a_pupil_newest_first(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 9, 10))
    put_on_register(pupil, by=senco, status="E", on=D(2025, 10, 1))
    kinds = [n.kind for n in selectors.notifications_for_pupil(pupil)]
    assert kinds == ["changed", "added"]


def test_another_schools_notification_is_not_found(
    added: ParentNotification, outsider: User
) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.notification_get_for_user(membership_of(outsider), added.pk)


# --- marking sent ---------------------------------------------------------------------


def test_marking_sent_records_date_method_and_who_and_is_audited(
    added: ParentNotification, senco: User
) -> None:
    done = services.notification_mark_sent(
        notification=added, sent_on=TODAY, method="letter", by=senco
    )
    added.refresh_from_db()
    assert (added.sent_on, added.method, added.sent_by) == (TODAY, "letter", senco)
    assert done.sent_on == TODAY
    [event] = events(AuditEvent.Type.NOTIFICATION_SENT)
    assert (event.target_model, event.target_id, event.pupil_id, event.actor_id) == (
        "register.parentnotification", added.pk, added.pupil_id, senco.pk,
    )  # fmt: skip
    assert event.new == {
        "change": "Added to the SEN register", "sent_on": "2025-11-12", "method": "Letter",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("sent_on", "method"),
    [(None, "letter"), (TODAY, ""), (None, "")],
    ids=["no date", "no method", "neither"],
)
def test_sent_without_a_date_or_a_method_is_refused_and_nothing_saved(
    added: ParentNotification, senco: User, sent_on: dt.date | None, method: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.notification_mark_sent(
            notification=added, sent_on=sent_on, method=method, by=senco
        )
    assert caught.value.messages == [rules.NOTIFICATION_SENT_NEEDS_DATE_AND_METHOD]
    added.refresh_from_db()
    assert (added.sent_on, added.method, added.sent_by) == (None, "", None)
    assert not events(AuditEvent.Type.NOTIFICATION_SENT)


def test_a_method_that_is_not_one_of_the_choices_is_refused(
    added: ParentNotification, senco: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.notification_mark_sent(
            notification=added, sent_on=TODAY, method="pigeon", by=senco
        )
    assert "method" in caught.value.message_dict
    added.refresh_from_db()
    assert added.sent_on is None
    assert not events(AuditEvent.Type.NOTIFICATION_SENT)


def test_parents_cannot_be_told_before_the_change_was_recorded(
    added: ParentNotification, senco: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.notification_mark_sent(
            notification=added, sent_on=TODAY - dt.timedelta(days=1), method="email", by=senco
        )
    assert caught.value.messages == [
        rules.NOTIFICATION_SENT_BEFORE_CHANGE.format(sent=D(2025, 11, 11), made=TODAY)
    ]


def test_parents_cannot_be_recorded_as_told_tomorrow(
    added: ParentNotification, senco: User
) -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.notification_mark_sent(
            notification=added, sent_on=tomorrow, method="email", by=senco, today=TODAY
        )
    assert caught.value.message_dict == {"sent_on": [services.DATE_IN_FUTURE.format(day=tomorrow)]}


def test_a_notification_is_marked_sent_once(added: ParentNotification, senco: User) -> None:
    services.notification_mark_sent(notification=added, sent_on=TODAY, method="phone", by=senco)
    with pytest.raises(ValidationError) as caught:
        services.notification_mark_sent(
            notification=added, sent_on=TODAY, method="letter", by=senco
        )
    assert caught.value.messages == [services.NOTIFICATION_ALREADY_SENT.format(sent=TODAY)]
    added.refresh_from_db()
    assert added.method == "phone"
    assert len(events(AuditEvent.Type.NOTIFICATION_SENT)) == 1


@pytest.mark.parametrize(
    "fields", [{"sent_on": TODAY}, {"method": "letter"}], ids=["date only", "method only"]
)
def test_the_database_refuses_a_half_recorded_sending(
    added: ParentNotification, fields: dict[str, Any]
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ParentNotification.objects.filter(pk=added.pk).update(**fields)


def test_the_database_refuses_an_acknowledgement_before_sending(
    added: ParentNotification,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ParentNotification.objects.filter(pk=added.pk).update(acknowledged_on=TODAY)


# --- acknowledgement ------------------------------------------------------------------


def test_acknowledgement_before_sending_is_refused(added: ParentNotification, senco: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.notification_acknowledge(
            notification=added, acknowledged_on=TODAY, note="", by=senco
        )
    assert caught.value.messages == [rules.NOTIFICATION_ACK_BEFORE_SENT]
    added.refresh_from_db()
    assert added.acknowledged_on is None
    assert not events(AuditEvent.Type.NOTIFICATION_ACKNOWLEDGED)


def test_acknowledgement_dated_before_the_sending_is_refused(
    added: ParentNotification, senco: User, time_machine: Any
) -> None:
    time_machine.move_to(TODAY_NOON + dt.timedelta(days=3), tick=False)
    services.notification_mark_sent(
        notification=added, sent_on=TODAY + dt.timedelta(days=2), method="letter", by=senco
    )
    with pytest.raises(ValidationError) as caught:
        services.notification_acknowledge(
            notification=added, acknowledged_on=TODAY + dt.timedelta(days=1), note="", by=senco
        )
    assert caught.value.messages == [rules.NOTIFICATION_ACK_BEFORE_SENT]


def test_acknowledgement_is_recorded_once_with_its_note_and_audited(
    added: ParentNotification, senco: User
) -> None:
    services.notification_mark_sent(notification=added, sent_on=TODAY, method="letter", by=senco)
    services.notification_acknowledge(
        notification=added, acknowledged_on=TODAY, note="Reply slip returned.", by=senco
    )
    added.refresh_from_db()
    assert (added.acknowledged_on, added.acknowledgement_note) == (TODAY, "Reply slip returned.")
    [event] = events(AuditEvent.Type.NOTIFICATION_ACKNOWLEDGED)
    assert event.new == {"change": "Added to the SEN register", "acknowledged_on": "2025-11-12"}
    assert event.reason == "Reply slip returned."
    with pytest.raises(ValidationError) as caught:
        services.notification_acknowledge(
            notification=added, acknowledged_on=TODAY, note="Again", by=senco
        )
    assert caught.value.messages == [services.NOTIFICATION_ALREADY_ACKNOWLEDGED.format(ack=TODAY)]


# --- the move from the register to the monitoring list --------------------------------


def move(pupil: Pupil, by: User, **overrides: Any) -> services.MovedToMonitoring:
    pupil.refresh_from_db()
    arguments: dict[str, Any] = {
        "pupil": pupil,
        "effective": TODAY,
        "reason": "Reading age now matches her age; outcomes met.",
        "review_date": TODAY + dt.timedelta(days=10),
        "expected_version": pupil.sen_version,
        "by": by,
        "today": TODAY,
    }
    return services.register_to_monitoring(**{**arguments, **overrides})


def test_moving_to_monitoring_takes_the_pupil_off_and_starts_monitoring(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, needs=("SPLD",), on=D(2025, 9, 10))
    moved = move(pupil, senco)

    assert list(SenEpisode.objects.filter(pupil=pupil).values_list("status", "start", "end")) == [
        ("K", D(2025, 9, 10), TODAY)
    ]
    assert not current_needs(pupil)
    entry = MonitoringEntry.objects.get(pupil=pupil)
    assert entry == moved.entry
    assert (entry.started_on, entry.review_date, entry.ended_on, entry.added_by) == (
        TODAY, D(2025, 11, 22), None, senco,
    )  # fmt: skip
    assert entry.reason == "Reading age now matches her age; outcomes met."
    assert moved.notification is not None
    assert (moved.notification.kind, moved.notification.from_status) == ("removed", "K")
    types = list(
        AuditEvent.objects.filter(pupil_id=pupil.pk).order_by("id").values_list("type", flat=True)
    )
    assert types[-3:] == [
        AuditEvent.Type.SEN_STATUS_CHANGED,
        AuditEvent.Type.MONITORING_STARTED,
        AuditEvent.Type.MOVED_TO_MONITORING,
    ]
    [event] = events(AuditEvent.Type.MOVED_TO_MONITORING)
    assert event.new == {"effective": "2025-11-12", "review_date": "2025-11-22"}
    assert (event.target_model, event.target_id) == ("register.monitoringentry", entry.pk)


def test_if_monitoring_cannot_start_the_pupil_stays_on_the_register(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, needs=("SPLD",), on=D(2025, 9, 10))
    # Already on the monitoring list: monitoring_start refuses, after the removal ran.
    MonitoringEntry.objects.create(
        pupil=pupil, reason="Earlier.", started_on=D(2025, 9, 1), review_date=TODAY, added_by=senco
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        move(pupil, senco)
    assert caught.value.messages == [services.MONITORING_ALREADY]
    pupil.refresh_from_db()
    assert list(pupil.sen_episodes.values_list("status", "end")) == [("K", None)]
    assert current_needs(pupil) == ["SPLD"]
    assert pupil.sen_version == 1
    assert list(pupil.notifications.values_list("kind", flat=True)) == ["added"]
    assert MonitoringEntry.objects.filter(pupil=pupil).count() == 1
    assert AuditEvent.objects.count() == before


def test_a_failure_after_both_steps_undoes_both(
    pupil: Pupil, senco: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_on_register(pupil, by=senco, needs=("SPLD",), on=D(2025, 9, 10))

    real = services.audit_record

    def broken(**kwargs: Any) -> object:
        # Both steps have happened; the event that ties them together fails.
        if kwargs["type"] == AuditEvent.Type.MOVED_TO_MONITORING:
            raise RuntimeError("audit store unavailable")
        return real(**kwargs)

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        move(pupil, senco)
    assert list(pupil.sen_episodes.values_list("end", flat=True)) == [None]
    assert not MonitoringEntry.objects.exists()
    assert list(pupil.notifications.values_list("kind", flat=True)) == ["added"]


def test_a_review_date_before_the_removal_is_refused_before_anything_changes(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 9, 10))
    with pytest.raises(ValidationError) as caught:
        move(pupil, senco, review_date=TODAY - dt.timedelta(days=1))
    assert caught.value.message_dict == {"review_date": [services.MOVE_REVIEW_BEFORE_EFFECTIVE]}
    assert not MonitoringEntry.objects.exists()
    assert list(pupil.sen_episodes.values_list("end", flat=True)) == [None]


def test_a_pupil_not_on_the_register_cannot_be_moved(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as caught:
        move(pupil, senco)
    assert caught.value.messages == [rules.NOT_ON_REGISTER]
    assert not MonitoringEntry.objects.exists()


def test_a_stale_form_moves_nothing(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 9, 10))
    with pytest.raises(StaleRecord):
        move(pupil, senco, expected_version=0)
    assert not MonitoringEntry.objects.exists()


def test_the_review_shows_on_the_dashboard_when_due(
    pupil: Pupil, senco: User, login: Login, time_machine: Any
) -> None:
    """Once, in the deadlines panel: "Needs your attention" is for the register itself."""
    put_on_register(pupil, by=senco, on=D(2025, 9, 10))
    move(pupil, senco, review_date=TODAY + dt.timedelta(days=30))
    home = login(senco).get("/").content.decode()
    assert "Monitoring list review" not in home

    # Two weeks before the review, it is due.
    time_machine.move_to(TODAY_NOON + dt.timedelta(days=16), tick=False)
    home = login(senco).get("/").content.decode()
    assert home.count(f"Monitoring list review, {pupil}") == 1
    assert "Monitoring reviews overdue" not in home
    assert not [
        a
        for a in needs_attention(membership_of(senco), day=TODAY + dt.timedelta(days=16))
        if "Monitoring" in a.message
    ]


# --- pages ----------------------------------------------------------------------------


def test_the_outstanding_list_shows_each_change_longest_waiting_first(
    school: School, senco: User, login: Login, time_machine: Any
) -> None:
    older = PupilFactory(school=school, legal_forename="Zed", legal_surname="Zane")
    newer = PupilFactory(school=school, legal_forename="Abe", legal_surname="Ash")
    time_machine.move_to(TODAY_NOON - dt.timedelta(days=2), tick=False)
    put_on_register(older, by=senco, on=TODAY - dt.timedelta(days=2))
    time_machine.move_to(TODAY_NOON, tick=False)
    put_on_register(newer, by=senco)
    html = login(senco).get("/notifications/").content.decode()
    assert html.index("Zed Zane") < html.index("Abe Ash")
    assert "Added to the SEN register" in html
    assert f'href="/notifications/{older.notifications.get().pk}/"' in html


def test_the_home_panel_lists_outstanding_changes_oldest_first(
    school: School, senco: User, login: Login, time_machine: Any
) -> None:
    older = PupilFactory(school=school, legal_forename="Zed", legal_surname="Zane")
    newer = PupilFactory(school=school, legal_forename="Abe", legal_surname="Ash")
    time_machine.move_to(TODAY_NOON - dt.timedelta(days=2), tick=False)
    put_on_register(older, by=senco, on=TODAY - dt.timedelta(days=2))
    time_machine.move_to(TODAY_NOON, tick=False)
    put_on_register(newer, by=senco)
    html = login(senco).get("/").content.decode()
    assert "2 changes to the register are waiting" in html
    assert html.index("Zed Zane: Added to the SEN register") < html.index("Abe Ash: Added")


def test_the_home_panel_names_the_eight_longest_waiting_and_counts_them_all(
    school: School, senco: User, login: Login, time_machine: Any
) -> None:
    pupils = [
        PupilFactory(school=school, legal_forename=f"Pupil{n}", legal_surname="Waiting")
        for n in range(10)
    ]
    for n, pupil in enumerate(pupils):
        time_machine.move_to(TODAY_NOON - dt.timedelta(days=10 - n), tick=False)
        put_on_register(pupil, by=senco, on=TODAY - dt.timedelta(days=10 - n))
    time_machine.move_to(TODAY_NOON, tick=False)
    html = login(senco).get("/").content.decode()
    assert "10 changes to the register are waiting" in html
    named = [p for p in pupils if f"{p}: Added to the SEN register" in html]
    assert named == pupils[:8]


def test_the_home_panel_says_when_every_parent_has_been_told(
    school: School, senco: User, login: Login
) -> None:
    html = login(senco).get("/").content.decode()
    assert "The parents have been told about every change to the register." in html


def test_the_notification_page_offers_the_letter_and_the_sent_form(
    added: ParentNotification, senco: User, login: Login
) -> None:
    ContactFactory(pupil=added.pupil, name="Sam Young", parental_responsibility=True)
    html = login(senco).get(f"/notifications/{added.pk}/").content.decode()
    assert f'href="/documents/letters/{added.pk}/?format=pdf"' in html
    assert f'href="/documents/letters/{added.pk}/?format=docx"' in html
    assert "Sam Young" in html
    assert 'name="sent_on"' in html and 'name="method"' in html
    assert 'name="acknowledged_on"' not in html


def test_marking_sent_without_date_and_method_shows_both_errors_and_saves_nothing(
    added: ParentNotification, senco: User, login: Login
) -> None:
    response = login(senco).post(f"/notifications/{added.pk}/sent/", {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say the date the parents were told." in html
    assert "Say how the parents were told." in html
    added.refresh_from_db()
    assert added.sent_on is None


def test_marking_sent_with_a_date_before_the_change_shows_the_rule(
    added: ParentNotification, senco: User, login: Login
) -> None:
    response = login(senco).post(
        f"/notifications/{added.pk}/sent/", {"sent_on": "2025-11-01", "method": "letter"}
    )
    assert response.status_code == 200
    message = rules.NOTIFICATION_SENT_BEFORE_CHANGE.format(sent=D(2025, 11, 1), made=TODAY)
    assert escape(message) in response.content.decode()
    added.refresh_from_db()
    assert added.sent_on is None


def test_marking_sent_then_acknowledging_through_the_pages(
    added: ParentNotification, senco: User, login: Login
) -> None:
    client = login(senco)
    response = client.post(
        f"/notifications/{added.pk}/sent/", {"sent_on": TODAY.isoformat(), "method": "meeting"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/notifications/{added.pk}/"
    html = client.get(f"/notifications/{added.pk}/").content.decode()
    assert "Told on 12 November 2025 by meeting" in html
    assert 'name="acknowledged_on"' in html

    response = client.post(f"/notifications/{added.pk}/acknowledged/", {"note": "Signed."})
    assert response.status_code == 200
    assert "Say the date the parents acknowledged the letter." in response.content.decode()

    response = client.post(
        f"/notifications/{added.pk}/acknowledged/",
        {"acknowledged_on": TODAY.isoformat(), "note": "Signed."},
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.acknowledged_on, added.acknowledgement_note) == (TODAY, "Signed.")
    assert not client.get("/notifications/").context["outstanding"]


def test_the_pupils_letters_page_lists_every_notification(
    added: ParentNotification, senco: User, login: Login
) -> None:
    html = login(senco).get(f"/notifications/pupils/{added.pupil_id}/").content.decode()
    assert "Added to the SEN register" in html and "not yet" in html


def test_the_move_page_moves_the_pupil_and_leads_to_the_letter(
    pupil: Pupil, senco: User, login: Login
) -> None:
    put_on_register(pupil, by=senco, needs=("SPLD",), on=D(2025, 9, 10))
    pupil.refresh_from_db()
    client = login(senco)
    page = client.get(f"/notifications/pupils/{pupil.pk}/move-to-monitoring/").content.decode()
    assert "SPLD – Specific learning difficulty" in page
    response = client.post(
        f"/notifications/pupils/{pupil.pk}/move-to-monitoring/",
        {"effective": TODAY.isoformat(), "reason": "Outcomes met.", "review_date": "2026-02-01",
         "version": str(pupil.sen_version)},
    )  # fmt: skip
    removed = pupil.notifications.get(kind=NotificationKind.REMOVED)
    assert response.status_code == 302
    assert response["Location"] == f"/notifications/{removed.pk}/"
    assert MonitoringEntry.objects.get(pupil=pupil).review_date == D(2026, 2, 1)


def test_the_move_form_shows_every_error_and_saves_nothing(
    pupil: Pupil, senco: User, login: Login
) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 9, 10))
    pupil.refresh_from_db()
    url = f"/notifications/pupils/{pupil.pk}/move-to-monitoring/"
    client = login(senco)
    response = client.post(url, {"version": str(pupil.sen_version)})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") >= 3

    response = client.post(
        url,
        {"effective": TODAY.isoformat(), "reason": "Met.", "review_date": "2025-11-01",
         "version": str(pupil.sen_version)},
    )  # fmt: skip
    assert response.status_code == 200
    assert services.MOVE_REVIEW_BEFORE_EFFECTIVE in response.content.decode()

    response = client.post(
        url,
        {"effective": "2026-06-01", "reason": "Met.", "review_date": "2026-07-01",
         "version": str(pupil.sen_version)},
    )  # fmt: skip
    assert response.status_code == 200
    assert "The change cannot take effect on 01/06/2026" in response.content.decode()
    assert not MonitoringEntry.objects.exists()
    assert list(pupil.sen_episodes.values_list("end", flat=True)) == [None]


def test_the_move_page_of_a_pupil_not_on_the_register_says_so(
    pupil: Pupil, senco: User, login: Login
) -> None:
    html = (
        login(senco).get(f"/notifications/pupils/{pupil.pk}/move-to-monitoring/").content.decode()
    )
    assert "is not on the SEN register, so there is nothing to move" in html
    assert f'href="/pupils/{pupil.pk}/monitoring/"' in html


# --- who may open what ----------------------------------------------------------------


POST_DATA = {
    "notifications_mark_sent": {"sent_on": TODAY.isoformat(), "method": "letter"},
    "notifications_acknowledge": {"acknowledged_on": TODAY.isoformat()},
    "notifications_move_to_monitoring": {
        "effective": TODAY.isoformat(),
        "reason": "Met.",
        "review_date": "2026-01-05",
        "version": "1",
    },
}


# fmt: off
MATRIX = [
    # url name                            method  url                                               senco teacher ta   office head gov  outsider anonymous
    Row("notifications_list",                "GET",  "/notifications/",                                 (200, 200, 403, 403, 403, 403, 403, 403, 200, LOGIN)),
    Row("notifications_detail",              "GET",  "/notifications/{n}/",                             (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("notifications_mark_sent",           "POST", "/notifications/{n}/sent/",                        (302, 302, 403, 403, 403, 403, 403, 403, 404, LOGIN), POST_DATA["notifications_mark_sent"]),
    Row("notifications_acknowledge",         "POST", "/notifications/{n}/acknowledged/",                (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN), POST_DATA["notifications_acknowledge"]),
    Row("notifications_pupil",               "GET",  "/notifications/pupils/{p}/",                      (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("notifications_move_to_monitoring",  "GET",  "/notifications/pupils/{p}/move-to-monitoring/",   (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("notifications_move_to_monitoring",  "POST", "/notifications/pupils/{p}/move-to-monitoring/",   (302, 302, 403, 403, 403, 403, 403, 403, 404, LOGIN), POST_DATA["notifications_move_to_monitoring"]),
    # The pupil the teacher and the TA teach: still the SENCO's alone.
    Row("notifications_pupil",               "GET",  "/notifications/pupils/{t}/",                      (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("notifications_detail",              "GET",  "/notifications/{tn}/",                            (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
]
# fmt: on


@pytest.mark.parametrize(("row", "role", "expected"), cases(MATRIX))
def test_permission_matrix(
    row: Row,
    role: str,
    expected: int | str,
    added: ParentNotification,
    taught_pupil: Pupil,
    senco: User,
    client: Client,
    request: pytest.FixtureRequest,
) -> None:
    put_on_register(taught_pupil, by=senco)
    objects = {
        "n": added.pk, "p": added.pupil_id, "t": taught_pupil.pk,
        "tn": taught_pupil.notifications.get().pk,
    }  # fmt: skip
    check(row, role, expected, objects=objects, client=client, request=request)


@pytest.mark.parametrize("url", ["/notifications/{n}/sent/", "/notifications/{n}/acknowledged/"])
def test_post_only_urls_refuse_get(
    url: str, added: ParentNotification, senco: User, login: Login
) -> None:
    assert login(senco).get(url.format(n=added.pk)).status_code == 405


def test_outsider_cannot_mark_another_schools_notification_sent(
    added: ParentNotification, outsider: User, login: Login
) -> None:
    response = login(outsider).post(
        f"/notifications/{added.pk}/sent/", POST_DATA["notifications_mark_sent"]
    )
    assert response.status_code == 404
    added.refresh_from_db()
    assert added.sent_on is None


def test_outsider_cannot_move_another_schools_pupil(
    added: ParentNotification, outsider: User, login: Login
) -> None:
    response = login(outsider).post(
        f"/notifications/pupils/{added.pupil_id}/move-to-monitoring/",
        POST_DATA["notifications_move_to_monitoring"],
    )
    assert response.status_code == 404
    assert not MonitoringEntry.objects.exists()


def test_matrix_covers_every_notifications_url() -> None:
    from sendreg.documents import notification_urls

    assert {p.name for p in notification_urls.urlpatterns} == {row.name for row in MATRIX}


def test_a_change_undone_the_same_day_leaves_no_letter_to_send(pupil, senco):
    from tests.conftest import put_on_register as put

    put(pupil, by=senco, status="K", needs=("SEMH",))
    put(pupil, by=senco, status=None, needs=())  # type: ignore[arg-type]

    assert not pupil.notifications.exists()


def test_a_change_corrected_the_same_day_is_notified_once_as_the_net_change(pupil, senco):
    from tests.conftest import put_on_register as put

    put(pupil, by=senco, status="K", needs=("SEMH",))
    put(pupil, by=senco, status="E", needs=("SEMH",))

    (notice,) = pupil.notifications.all()
    assert (notice.kind, notice.from_status, notice.to_status) == ("added", "", "E")


def test_waiting_counts_every_change_and_reads_only_those_it_names(
    school: School, senco: User, time_machine: Any, django_assert_num_queries: Any
) -> None:
    pupils = [PupilFactory(school=school, legal_surname=f"Waiting{n}") for n in range(5)]
    for n, pupil in enumerate(pupils):
        time_machine.move_to(TODAY_NOON - dt.timedelta(days=5 - n), tick=False)
        put_on_register(pupil, by=senco, on=TODAY - dt.timedelta(days=5 - n))
    membership = membership_of(senco)
    with django_assert_num_queries(1):
        waiting = selectors.notifications_waiting(membership, shown=2)
        assert [n.pupil for n in waiting.first] == pupils[:2]
    assert waiting.count == 5


def test_the_whole_schools_waiting_list_is_the_general_read_compiled(
    school: School, other_school: School, senco: User, outsider: User, time_machine: Any
) -> None:
    # The SENCO's home page reads it by SQL compiled once; it must name the same changes, in
    # the same order, with the same count, and nothing of another school.
    pupils = [PupilFactory(school=school) for _ in range(selectors.WAITING_SHOWN + 2)]
    for n, pupil in enumerate(pupils):
        time_machine.move_to(TODAY_NOON - dt.timedelta(days=20 - n), tick=False)
        put_on_register(pupil, by=senco, on=TODAY - dt.timedelta(days=20 - n))
    put_on_register(PupilFactory(school=other_school), by=outsider)
    membership = membership_of(senco)
    general = selectors.notifications_outstanding(membership)

    waiting = selectors.notifications_waiting(membership)

    assert waiting.count == general.count() == len(pupils)
    assert waiting.first == list(general[: selectors.WAITING_SHOWN])
    assert [n.pupil for n in waiting.first] == pupils[: selectors.WAITING_SHOWN]


def test_waiting_with_none_waiting_or_none_to_name(school: School, senco: User) -> None:
    membership = membership_of(senco)
    assert selectors.notifications_waiting(membership) == selectors.Waiting(0, [])
    put_on_register(PupilFactory(school=school), by=senco)
    assert selectors.notifications_waiting(membership, shown=0) == selectors.Waiting(1, [])
    waiting = selectors.notifications_waiting(membership)
    assert (waiting.count, len(waiting.first)) == (1, 1)
