"""Every change to the provision map goes through a service: validated, audited, atomic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.provision import rules, services
from sendreg.provision.models import Enrolment, Intervention, ProvisionEvent, Run, TrainingRecord
from sendreg.provision.selectors import default_threshold, topup_threshold
from sendreg.pupils.models import Pupil
from tests.factories import PupilFactory
from tests.provision.conftest import Map

D = Decimal
pytestmark = pytest.mark.django_db

CATALOGUE_ENTRY = {
    "name": "Lexia  Core5 ",
    "description": "Online reading programme.",
    "need_codes": ["SPLD", "MLD"],
    "areas": [],
    "wave": 2,
    "staff_role": "Teaching assistant",
    "group_size": 6,
    "sessions_per_week": D(3),
    "minutes_per_session": 20,
    "typical_weeks": 24,
    "hourly_rate": D("16.50"),
    "resources_per_pupil": D(35),
    "measure": rules.Measure.STANDARDISED,
    "scale_name": "",
    "scale_min": None,
    "scale_max": None,
}


def events(type: ProvisionEvent) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(type=type).order_by("id"))


def test_adding_an_intervention_tidies_its_name_and_audits_it(school: School, senco: User) -> None:
    lexia = services.intervention_create(school=school, by=senco, **CATALOGUE_ENTRY)
    assert lexia.name == "Lexia Core5"
    [event] = events(ProvisionEvent.INTERVENTION_ADDED)
    assert event.actor_id == senco.pk
    assert event.new["name"] == "Lexia Core5"
    assert event.new["hourly_rate"] == "16.50"
    assert event.type_label == "Intervention added to the catalogue"


def test_two_interventions_cannot_share_a_name(school: School, senco: User) -> None:
    services.intervention_create(school=school, by=senco, **CATALOGUE_ENTRY)
    with pytest.raises(ValidationError) as caught:
        services.intervention_create(
            school=school, by=senco, **{**CATALOGUE_ENTRY, "name": "lexia core5"}
        )
    assert caught.value.message_dict == {"name": [rules.NAME_TAKEN.format(name="lexia core5")]}
    assert Intervention.objects.count() == 1


def test_an_intervention_with_bad_costs_is_refused(school: School, senco: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.intervention_create(
            school=school, by=senco, **{**CATALOGUE_ENTRY, "group_size": 0, "need_codes": ["XX"]}
        )
    assert rules.GROUP_SIZE_POSITIVE in caught.value.message_dict["group_size"]
    assert not Intervention.objects.exists()
    assert not AuditEvent.objects.exists()


def test_changing_an_intervention_audits_only_what_changed(provision: Map, senco: User) -> None:
    changed = services.intervention_update(
        intervention=provision.reading, data={"hourly_rate": D(18), "name": "Precision teaching"},
        by=senco,
    )  # fmt: skip
    assert changed
    [event] = events(ProvisionEvent.INTERVENTION_CHANGED)
    assert event.old == {"hourly_rate": "16.50"}
    assert event.new == {"hourly_rate": "18.00"}
    # Runs already set up keep their own costs.
    provision.reading_run.refresh_from_db()
    assert provision.reading_run.hourly_rate == D("16.50")
    assert not services.intervention_update(
        intervention=provision.reading, data={"hourly_rate": D(18)}, by=senco
    )


def test_retiring_keeps_the_history_and_stops_new_runs(provision: Map, senco: User) -> None:
    services.intervention_set_active(intervention=provision.reading, active=False, by=senco)
    assert events(ProvisionEvent.INTERVENTION_RETIRED)[0].new == {"active": False}
    with pytest.raises(ValidationError) as caught:
        services.run_create(
            intervention=provision.reading, start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 3, 27), by=senco,
        )  # fmt: skip
    assert caught.value.messages == [services.RETIRED.format(name="Precision teaching")]
    services.intervention_set_active(intervention=provision.reading, active=True, by=senco)
    assert events(ProvisionEvent.INTERVENTION_REINSTATED)


def test_a_new_run_takes_the_catalogue_costs_unless_told_otherwise(
    provision: Map, senco: User, teacher: User, ta: User
) -> None:
    run = services.run_create(
        intervention=provision.reading, start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27), staff=[teacher, ta], weeks=10, hourly_rate=None, by=senco,
    )  # fmt: skip
    assert (run.weeks, run.hourly_rate, run.group_size) == (10, D("16.50"), 4)
    assert set(run.staff.all()) == {teacher, ta}
    [event] = events(ProvisionEvent.RUN_ADDED)
    assert event.new["intervention"] == "Precision teaching"
    assert event.new["staff"] == sorted([teacher.name, ta.name])


def test_a_run_cannot_end_before_it_starts(provision: Map, senco: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.run_create(
            intervention=provision.reading, start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 1, 4), by=senco,
        )  # fmt: skip
    assert "end_date" in caught.value.message_dict


def test_staff_from_another_school_cannot_deliver_a_run(
    provision: Map, senco: User, outsider: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.run_create(
            intervention=provision.reading, start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 3, 27), staff=[outsider], by=senco,
        )  # fmt: skip
    assert caught.value.message_dict == {
        "staff": [services.STAFF_NOT_IN_SCHOOL.format(name=outsider.name)]
    }
    assert Run.objects.filter(start_date=dt.date(2026, 1, 5)).count() == 0


def test_changing_a_runs_dates_cannot_leave_a_pupil_outside_it(provision: Map, senco: User) -> None:
    services.enrolment_update(
        enrolment=provision.amy_reading, data={"end_date": dt.date(2025, 12, 12)}, by=senco
    )
    with pytest.raises(ValidationError) as caught:
        services.run_update(run=provision.reading_run, data={"end_date": dt.date(2025, 12, 1)},
                            by=senco)  # fmt: skip
    assert "outside the new dates" in caught.value.messages[0]
    provision.reading_run.refresh_from_db()
    assert provision.reading_run.end_date == dt.date(2025, 12, 12)


def test_changing_a_runs_staff_is_audited(provision: Map, senco: User, ta: User) -> None:
    assert services.run_update(run=provision.reading_run, data={}, staff=[ta], by=senco)
    [event] = events(ProvisionEvent.RUN_CHANGED)
    assert event.new == {"staff": [ta.name]}
    assert not services.run_update(run=provision.reading_run, data={}, staff=[ta], by=senco)


def test_deleting_a_run_keeps_what_it_held_in_the_audit_trail(provision: Map, senco: User) -> None:
    services.run_delete(run=provision.reading_run, by=senco, reason="Set up twice.")
    assert not Run.objects.filter(pk=provision.reading_run.pk).exists()
    assert not Enrolment.objects.filter(pk=provision.amy_reading.pk).exists()
    [event] = events(ProvisionEvent.RUN_DELETED)
    assert event.old["pupils"] == ["Amy Adams", "Ben Brown"]
    assert event.reason == "Set up twice."


def test_pupils_join_for_the_whole_run_once(provision: Map, senco: User, school: School) -> None:
    cara = PupilFactory(school=school, legal_forename="Cara", legal_surname="Clarke")
    [added] = services.enrolment_add(run=provision.reading_run, pupils=[cara], by=senco)
    assert (added.start_date, added.end_date) == (
        provision.reading_run.start_date, provision.reading_run.end_date,
    )  # fmt: skip
    [event] = events(ProvisionEvent.PUPIL_ADDED)
    assert event.pupil_id == cara.pk
    with pytest.raises(ValidationError) as caught:
        services.enrolment_add(run=provision.reading_run, pupils=[provision.ben, cara], by=senco)
    assert caught.value.messages == [services.ALREADY_IN_RUN.format(pupil=provision.ben)]
    assert provision.reading_run.enrolments.count() == 3


def test_a_pupil_of_another_school_cannot_join(
    provision: Map, senco: User, other_school: School
) -> None:
    stranger = PupilFactory(school=other_school)
    with pytest.raises(ValidationError):
        services.enrolment_add(run=provision.reading_run, pupils=[stranger], by=senco)
    assert not Enrolment.objects.filter(pupil=stranger).exists()


def test_scores_outside_the_measure_are_refused(provision: Map, senco: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.enrolment_update(
            enrolment=provision.ben_reading, data={"exit_score": D(400)}, by=senco
        )
    assert caught.value.message_dict == {
        "exit_score": ["The exit score 400 is outside the range 40 to 160."]
    }
    provision.ben_reading.refresh_from_db()
    assert provision.ben_reading.exit_score is None


def test_measures_for_a_run_are_saved_together_or_not_at_all(provision: Map, senco: User) -> None:
    changes = {
        provision.amy_reading.pk: {"sessions_attended": 30, "exit_score": D(88)},
        provision.ben_reading.pk: {"exit_score": D(999)},
    }
    with pytest.raises(ValidationError) as caught:
        services.measures_record(run=provision.reading_run, changes=changes, by=senco)
    assert caught.value.message_dict == {
        str(provision.ben_reading.pk): [
            "Ben Brown: The exit score 999 is outside the range 40 to 160."
        ]
    }
    provision.amy_reading.refresh_from_db()
    assert provision.amy_reading.exit_score == D(86)
    assert not events(ProvisionEvent.PUPIL_CHANGED)

    changes[provision.ben_reading.pk] = {"exit_score": D(97)}
    assert services.measures_record(run=provision.reading_run, changes=changes, by=senco) == 2
    assert len(events(ProvisionEvent.PUPIL_CHANGED)) == 2


def test_taking_a_pupil_out_keeps_their_scores_in_the_audit_trail(
    provision: Map, senco: User
) -> None:
    provision.amy_reading.refresh_from_db()
    services.enrolment_remove(enrolment=provision.amy_reading, by=senco, reason="Wrong group.")
    [event] = events(ProvisionEvent.PUPIL_REMOVED)
    assert event.old["entry_score"] == "80.00"
    assert event.pupil_id == provision.amy.pk


def test_erasing_a_pupils_provision(provision: Map, senco: User) -> None:
    services.pupil_provision_erase(provision.amy, None)
    assert not Enrolment.objects.filter(pupil=provision.amy).exists()
    assert Enrolment.objects.filter(pupil=provision.ben).exists()
    assert len(events(ProvisionEvent.PUPIL_REMOVED)) == 2


def test_training_is_recorded_for_staff_or_a_named_person(
    school: School, senco: User, teacher: User, outsider: User
) -> None:
    record = services.training_record_create(
        school=school, by=senco, user=teacher, name="", what="Autism awareness",
        level=rules.TrainingLevel.AWARENESS, need_area="ASD", on=dt.date(2025, 10, 1),
    )  # fmt: skip
    assert record.who == teacher.name
    assert events(ProvisionEvent.TRAINING_ADDED)[0].new["user"] == teacher.name
    with pytest.raises(ValidationError) as caught:
        services.training_record_create(
            school=school, by=senco, user=outsider, name="", what="X",
            level=rules.TrainingLevel.AWARENESS, need_area="ASD", on=dt.date(2025, 10, 1),
        )  # fmt: skip
    assert "staff" in caught.value.message_dict
    assert services.training_record_update(record=record, data={"user": None, "name": "Visitor"},
                                           by=senco)  # fmt: skip
    services.training_record_delete(record=record, by=senco)
    assert not TrainingRecord.objects.exists()
    assert events(ProvisionEvent.TRAINING_REMOVED)[0].old["name"] == "Visitor"


def test_the_threshold_is_the_schools_own_or_the_default(
    school: School, senco: User, settings: object
) -> None:
    assert topup_threshold(school) == D("6000.00")
    settings.SENDREG_TOPUP_THRESHOLD = D("6500")  # type: ignore[attr-defined]
    assert default_threshold() == D("6500.00")
    assert services.topup_threshold_set(school=school, threshold=D("7000"), by=senco)
    assert topup_threshold(school) == D("7000.00")
    assert not services.topup_threshold_set(school=school, threshold=D("7000.00"), by=senco)
    [event] = events(ProvisionEvent.THRESHOLD_SET)
    assert event.new == {"topup_threshold": "7000.00"}
    assert services.topup_threshold_set(school=school, threshold=None, by=senco)
    assert topup_threshold(school) == D("6500.00")
    with pytest.raises(ValidationError) as caught:
        services.topup_threshold_set(school=school, threshold=D(0), by=senco)
    assert caught.value.messages == [rules.THRESHOLD_POSITIVE]


def test_no_service_changes_sen_status(provision: Map, senco: User) -> None:
    before = list(Pupil.objects.values("pk", "sen_version"))
    services.enrolment_remove(enrolment=provision.amy_support, by=senco)
    assert list(Pupil.objects.values("pk", "sen_version")) == before


def test_the_pupils_record_part_gives_and_erases_what_the_provision_map_holds(
    provision: Map,
) -> None:
    from sendreg.lib.extensions import PUPIL_RECORD_PARTS

    part = PUPIL_RECORD_PARTS.get("provision")
    assert part is not None and part.erase is not None
    assert len(part.data(provision.amy)["enrolments"]) == 2
    part.erase(provision.amy, None)
    assert part.data(provision.amy) == {"enrolments": []}
    assert AuditEvent.objects.filter(type=ProvisionEvent.PUPIL_REMOVED, actor_id=None).count() == 2
