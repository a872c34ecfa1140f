"""Changes to the other registers: validated, audited in the same transaction, all or nothing,
and never a change to the SEN register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Contact, Pupil
from sendreg.records import rules, services
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)
from sendreg.register.models import PupilNeed, SenEpisode
from sendreg.register.selectors import pupil_sen_summary
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory, PupilFactory

D = dt.date
pytestmark = pytest.mark.django_db


def events(type: AuditEvent.Type) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(type=type).order_by("id"))


def sen_state(pupil: Pupil) -> tuple[Any, ...]:
    pupil.refresh_from_db()
    return (
        list(SenEpisode.objects.filter(pupil=pupil).values_list("status", "start", "end")),
        list(PupilNeed.objects.filter(pupil=pupil, end__isnull=True).values_list("code", "rank")),
        pupil.sen_version,
        pupil_sen_summary(pupil, day=TODAY).status,
        (pupil.eal, pupil.medical, pupil.looked_after),
    )


@pytest.fixture
def lac_pupil(school: School) -> Pupil:
    return PupilFactory(
        school=school, legal_forename="Finn", legal_surname="Fox", looked_after=True, year_group=9
    )


# --- medical --------------------------------------------------------------------------------------


def test_medical_condition_is_recorded_and_audited(pupil: Pupil, senco: User) -> None:
    record = services.medical_condition_create(
        pupil=pupil,
        condition="Type 1 diabetes",
        has_ihp=True,
        ihp_review_date=D(2026, 9, 1),
        notes="Insulin pump; snacks allowed in lessons.",
        by=senco,
    )
    assert MedicalCondition.objects.get() == record
    [event] = events(AuditEvent.Type.MEDICAL_ADDED)
    assert event.pupil_id == pupil.pk
    assert event.actor_id == senco.pk
    assert event.target_model == "records.medicalcondition"
    assert event.new == {
        "condition": "Type 1 diabetes",
        "has_ihp": True,
        "ihp_review_date": "2026-09-01",
        "notes": "Insulin pump; snacks allowed in lessons.",
    }


def test_healthcare_plan_without_review_date_saves_nothing(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.medical_condition_create(
            pupil=pupil, condition="Asthma", has_ihp=True, ihp_review_date=None, by=senco
        )
    assert exc.value.message_dict["ihp_review_date"] == [rules.IHP_REVIEW_DATE_REQUIRED]
    assert not MedicalCondition.objects.exists()
    assert not AuditEvent.objects.exists()


def test_medical_update_audits_only_what_changed(pupil: Pupil, senco: User) -> None:
    record = services.medical_condition_create(
        pupil=pupil, condition="Asthma", has_ihp=False, ihp_review_date=None, by=senco
    )
    changed = services.medical_condition_update(
        record=record,
        data={"condition": "Asthma", "has_ihp": True, "ihp_review_date": D(2026, 1, 10)},
        by=senco,
    )
    assert changed
    [event] = events(AuditEvent.Type.MEDICAL_UPDATED)
    assert event.old == {"has_ihp": False, "ihp_review_date": None}
    assert event.new == {"has_ihp": True, "ihp_review_date": "2026-01-10"}
    assert not services.medical_condition_update(record=record, data={"notes": ""}, by=senco)
    assert len(events(AuditEvent.Type.MEDICAL_UPDATED)) == 1


def test_invalid_medical_update_changes_nothing(pupil: Pupil, senco: User) -> None:
    record = services.medical_condition_create(
        pupil=pupil, condition="Asthma", has_ihp=False, ihp_review_date=None, by=senco
    )
    with pytest.raises(ValidationError):
        services.medical_condition_update(
            record=record, data={"condition": "Epilepsy", "ihp_review_date": TODAY}, by=senco
        )
    record.refresh_from_db()
    assert (record.condition, record.ihp_review_date) == ("Asthma", None)
    assert not events(AuditEvent.Type.MEDICAL_UPDATED)


def test_medical_condition_ends_with_a_reason_once(pupil: Pupil, senco: User) -> None:
    record = services.medical_condition_create(
        pupil=pupil, condition="Broken arm", has_ihp=False, ihp_review_date=None, by=senco
    )
    services.medical_condition_end(record=record, on=TODAY, reason="Healed.", by=senco)
    record.refresh_from_db()
    assert (record.ended_on, record.end_reason) == (TODAY, "Healed.")
    [event] = events(AuditEvent.Type.MEDICAL_ENDED)
    assert event.reason == "Healed."
    with pytest.raises(ValidationError) as exc:
        services.medical_condition_end(record=record, on=TODAY, reason="Again.", by=senco)
    assert exc.value.messages == [rules.ALREADY_ENDED.format(ended=TODAY)]


def test_ending_without_a_reason_saves_nothing(pupil: Pupil, senco: User) -> None:
    record = services.medical_condition_create(
        pupil=pupil, condition="Broken arm", has_ihp=False, ihp_review_date=None, by=senco
    )
    with pytest.raises(ValidationError) as exc:
        services.medical_condition_end(record=record, on=TODAY, reason="  ", by=senco)
    assert exc.value.message_dict == {"reason": [rules.END_REASON_REQUIRED]}
    record.refresh_from_db()
    assert record.ended_on is None
    assert not events(AuditEvent.Type.MEDICAL_ENDED)


# --- EAL ------------------------------------------------------------------------------------------


def test_eal_record_is_one_per_pupil(pupil: Pupil, senco: User) -> None:
    services.eal_record_create(
        pupil=pupil, first_language=" Polish ", started_in_english_schools=None, by=senco
    )
    assert EalRecord.objects.get().first_language == "Polish"
    with pytest.raises(ValidationError) as exc:
        services.eal_record_create(
            pupil=pupil, first_language="Urdu", started_in_english_schools=None, by=senco
        )
    assert exc.value.messages == [rules.ALREADY_RECORDED.format(pupil=pupil, what="EAL details")]
    assert len(events(AuditEvent.Type.EAL_ADDED)) == 1


def test_eal_start_before_birth_saves_nothing(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.eal_record_create(
            pupil=pupil, first_language="Urdu", started_in_english_schools=D(2010, 1, 1), by=senco
        )
    assert exc.value.message_dict["started_in_english_schools"] == [
        rules.EAL_STARTED_BEFORE_BIRTH.format(born=pupil.date_of_birth)
    ]
    assert not EalRecord.objects.exists()
    assert not AuditEvent.objects.exists()


def test_clearing_eal_keeps_the_values_in_the_audit_trail(pupil: Pupil, senco: User) -> None:
    record = services.eal_record_create(
        pupil=pupil, first_language="Urdu", started_in_english_schools=D(2020, 9, 3), by=senco
    )
    services.eal_record_clear(record=record, reason="Recorded in error.", by=senco)
    assert not EalRecord.objects.exists()
    [event] = events(AuditEvent.Type.EAL_CLEARED)
    assert event.old["first_language"] == "Urdu"
    assert event.reason == "Recorded in error."


# --- looked after ---------------------------------------------------------------------------------


def test_looked_after_details_need_a_looked_after_pupil(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.lac_record_create(
            pupil=pupil,
            responsible_authority="Bristol City Council",
            pep_date=None,
            pep_review_date=None,
            designated_teacher=None,
            by=senco,
        )
    assert exc.value.messages == [rules.NOT_LOOKED_AFTER.format(pupil=pupil)]
    assert not LookedAfterRecord.objects.exists()
    assert not AuditEvent.objects.exists()


def test_looked_after_details_are_audited_with_the_teacher_by_name(
    lac_pupil: Pupil, senco: User, teacher: User
) -> None:
    services.lac_record_create(
        pupil=lac_pupil,
        responsible_authority="Bristol City Council",
        pep_date=D(2025, 10, 1),
        pep_review_date=D(2026, 1, 20),
        designated_teacher=teacher,
        by=senco,
    )
    [event] = events(AuditEvent.Type.LAC_ADDED)
    assert event.new["designated_teacher"] == teacher.name
    assert event.new["pep_review_date"] == "2026-01-20"


def test_designated_teacher_from_another_school_is_refused(
    lac_pupil: Pupil, senco: User, outsider: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.lac_record_create(
            pupil=lac_pupil,
            responsible_authority="Bristol City Council",
            pep_date=None,
            pep_review_date=None,
            designated_teacher=outsider,
            by=senco,
        )
    assert exc.value.message_dict == {
        "designated_teacher": [rules.STAFF_NOT_IN_SCHOOL.format(name=outsider.name)]
    }
    assert not LookedAfterRecord.objects.exists()


def test_pep_review_before_pep_saves_nothing(lac_pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.lac_record_create(
            pupil=lac_pupil,
            responsible_authority="Bristol City Council",
            pep_date=D(2025, 10, 1),
            pep_review_date=D(2025, 9, 1),
            designated_teacher=None,
            by=senco,
        )
    assert exc.value.message_dict["pep_review_date"] == [
        rules.PEP_REVIEW_BEFORE_PEP.format(pep=D(2025, 10, 1))
    ]
    assert not LookedAfterRecord.objects.exists()


def test_protecting_addresses_goes_through_the_contact_service(
    lac_pupil: Pupil, senco: User
) -> None:
    carer = ContactFactory(pupil=lac_pupil, name="Foster Carer", address="9 Secret Lane")
    ContactFactory(pupil=lac_pupil, name="Social worker", address="")
    already = ContactFactory(
        pupil=lac_pupil, name="Aunt", address="2 Known Road", address_protected=True
    )
    assert services.lac_addresses_protect(pupil=lac_pupil, by=senco) == 1
    carer.refresh_from_db()
    assert carer.address_protected
    already.refresh_from_db()
    assert already.address_protected
    [event] = events(AuditEvent.Type.CONTACT_UPDATED)
    assert event.target_id == carer.pk
    assert "9 Secret Lane" not in str(event.old) + str(event.new)
    assert services.lac_addresses_protect(pupil=lac_pupil, by=senco) == 0


def test_addresses_of_a_pupil_not_looked_after_are_left_alone(pupil: Pupil, senco: User) -> None:
    ContactFactory(pupil=pupil, address="1 High Street")
    with pytest.raises(ValidationError):
        services.lac_addresses_protect(pupil=pupil, by=senco)
    assert not Contact.objects.filter(address_protected=True).exists()


def test_clearing_looked_after_details_leaves_addresses_protected(
    lac_pupil: Pupil, senco: User
) -> None:
    ContactFactory(pupil=lac_pupil, address="9 Secret Lane")
    record = services.lac_record_create(
        pupil=lac_pupil,
        responsible_authority="Bristol City Council",
        pep_date=None,
        pep_review_date=None,
        designated_teacher=None,
        designated_teacher_name="Ms Patel",
        by=senco,
    )
    services.lac_addresses_protect(pupil=lac_pupil, by=senco)
    services.lac_record_clear(record=record, reason="No longer looked after.", by=senco)
    assert not LookedAfterRecord.objects.exists()
    assert Contact.objects.get().address_protected
    assert events(AuditEvent.Type.LAC_CLEARED)[0].old["designated_teacher_name"] == "Ms Patel"


# --- cause for concern ----------------------------------------------------------------------------


def test_concern_is_started_updated_and_ended(pupil: Pupil, senco: User, office: User) -> None:
    concern = services.concern_start(
        pupil=pupil,
        reason="Reading age well below peers.",
        started_on=D(2025, 10, 1),
        owner=senco,
        review_date=D(2025, 12, 1),
        by=office,
    )
    assert events(AuditEvent.Type.CONCERN_STARTED)[0].new["owner"] == senco.name
    services.concern_update(record=concern, data={"owner": office}, by=senco)
    [update] = events(AuditEvent.Type.CONCERN_UPDATED)
    assert (update.old, update.new) == ({"owner": senco.name}, {"owner": office.name})
    services.concern_end(record=concern, on=TODAY, reason="Caught up.", by=senco)
    concern.refresh_from_db()
    assert concern.ended_on == TODAY


def test_concern_review_before_start_saves_nothing(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.concern_start(
            pupil=pupil,
            reason="Behaviour.",
            started_on=TODAY,
            owner=senco,
            review_date=TODAY - dt.timedelta(days=1),
            by=senco,
        )
    assert exc.value.message_dict["review_date"] == [
        rules.CONCERN_REVIEW_BEFORE_START.format(start=TODAY)
    ]
    assert not CauseForConcern.objects.exists()
    assert not AuditEvent.objects.exists()


def test_concern_cannot_end_before_it_started(pupil: Pupil, senco: User) -> None:
    concern = services.concern_start(
        pupil=pupil, reason="Behaviour.", started_on=TODAY, owner=senco, review_date=TODAY, by=senco
    )
    with pytest.raises(ValidationError) as exc:
        services.concern_end(
            record=concern, on=TODAY - dt.timedelta(days=1), reason="Done.", by=senco
        )
    assert exc.value.message_dict == {"on": [rules.END_BEFORE_START.format(start=TODAY)]}
    concern.refresh_from_db()
    assert concern.ended_on is None


def test_concern_owner_must_work_at_the_school(
    pupil: Pupil, senco: User, outsider: User, governor: User
) -> None:
    for owner in (outsider, governor):
        with pytest.raises(ValidationError) as exc:
            services.concern_start(
                pupil=pupil,
                reason="Behaviour.",
                started_on=TODAY,
                owner=owner,
                review_date=TODAY,
                by=senco,
            )
        assert exc.value.message_dict == {
            "owner": [rules.STAFF_NOT_IN_SCHOOL.format(name=owner.name)]
        }
    assert not CauseForConcern.objects.exists()


# --- exam access arrangements ---------------------------------------------------------------------


def make_arrangement(pupil: Pupil, by: User, **fields: Any) -> ExamArrangement:
    values: dict[str, Any] = {
        "arrangement": rules.Arrangement.EXTRA_TIME_25,
        "key_stage": rules.KeyStage.KS4,
        "evidence": "Form 8, specialist assessor, 12/09/2025.",
        "approved_on": D(2025, 10, 1),
        "expires_on": D(2027, 11, 30),
    }
    values.update(fields)
    return services.exam_arrangement_create(pupil=pupil, by=by, **values)


def test_exam_arrangement_is_recorded_and_audited(pupil: Pupil, senco: User) -> None:
    record = make_arrangement(pupil, senco)
    assert record.status(TODAY).state == rules.ArrangementState.CURRENT
    [event] = events(AuditEvent.Type.EXAM_ARRANGEMENT_ADDED)
    assert event.new["arrangement"] == "extra_time_25"
    assert event.new["expires_on"] == "2027-11-30"


def test_other_arrangement_without_description_saves_nothing(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        make_arrangement(pupil, senco, arrangement=rules.Arrangement.OTHER, other_arrangement="")
    assert exc.value.message_dict["other_arrangement"] == [rules.ARRANGEMENT_OTHER_NEEDS_TEXT]
    assert not ExamArrangement.objects.exists()
    assert not AuditEvent.objects.exists()


def test_expiry_before_approval_saves_nothing(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError) as exc:
        make_arrangement(pupil, senco, expires_on=D(2025, 9, 30))
    assert exc.value.message_dict["expires_on"] == [
        rules.ARRANGEMENT_EXPIRES_BEFORE_APPROVAL.format(approved=D(2025, 10, 1))
    ]
    assert not ExamArrangement.objects.exists()


def test_withdrawing_an_arrangement(pupil: Pupil, senco: User) -> None:
    record = make_arrangement(pupil, senco)
    services.exam_arrangement_end(record=record, on=TODAY, reason="No longer needed.", by=senco)
    record.refresh_from_db()
    assert record.ended_on == TODAY
    assert events(AuditEvent.Type.EXAM_ARRANGEMENT_ENDED)[0].reason == "No longer needed."


# --- none of it touches the SEN register ----------------------------------------------------------


def test_an_exam_arrangement_never_puts_a_pupil_on_the_register(pupil: Pupil, senco: User) -> None:
    before = sen_state(pupil)
    record = make_arrangement(pupil, senco)
    services.exam_arrangement_update(record=record, data={"key_stage": "KS5"}, by=senco)
    services.exam_arrangement_end(record=record, on=TODAY, reason="Left.", by=senco)
    assert sen_state(pupil) == before
    assert sen_state(pupil)[3] is None
    assert not AuditEvent.objects.filter(
        type__in=[AuditEvent.Type.SEN_STATUS_CHANGED, AuditEvent.Type.SEN_NEEDS_CHANGED]
    ).exists()


def test_an_exam_arrangement_leaves_a_pupil_on_the_register_as_they_were(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, needs=("SPLD",))
    before = sen_state(pupil)
    record = make_arrangement(pupil, senco, arrangement=rules.Arrangement.READER)
    services.exam_arrangement_end(record=record, on=TODAY, reason="Recorded in error.", by=senco)
    assert sen_state(pupil) == before


@pytest.mark.parametrize("on_register", [False, True], ids=["not on register", "on register"])
def test_other_registers_never_change_sen_status(
    on_register: bool, lac_pupil: Pupil, senco: User
) -> None:
    if on_register:
        put_on_register(lac_pupil, by=senco)
    before = sen_state(lac_pupil)
    medical = services.medical_condition_create(
        pupil=lac_pupil, condition="Asthma", has_ihp=False, ihp_review_date=None, by=senco
    )
    eal = services.eal_record_create(
        pupil=lac_pupil, first_language="Polish", started_in_english_schools=None, by=senco
    )
    lac = services.lac_record_create(
        pupil=lac_pupil,
        responsible_authority="Bristol City Council",
        pep_date=None,
        pep_review_date=None,
        designated_teacher=None,
        by=senco,
    )
    concern = services.concern_start(
        pupil=lac_pupil, reason="Attendance.", started_on=TODAY, owner=senco, review_date=TODAY,
        by=senco,
    )  # fmt: skip
    steps: list[Callable[[], object]] = [
        lambda: services.medical_condition_end(record=medical, on=TODAY, reason="Gone.", by=senco),
        lambda: services.eal_record_clear(record=eal, reason="Error.", by=senco),
        lambda: services.lac_record_clear(record=lac, reason="Error.", by=senco),
        lambda: services.concern_end(record=concern, on=TODAY, reason="Better.", by=senco),
    ]
    for step in steps:
        step()
    assert sen_state(lac_pupil) == before


# --- database constraints back up the rules -------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (MedicalCondition, {"condition": "Asthma", "has_ihp": True, "ihp_review_date": None}),
        (
            ExamArrangement,
            {
                "arrangement": "reader", "key_stage": "KS4", "evidence": "x",
                "approved_on": D(2025, 10, 2), "expires_on": D(2025, 10, 1),
            },
        ),
        (
            ExamArrangement,
            {
                "arrangement": "other", "other_arrangement": "", "key_stage": "KS4",
                "evidence": "x", "approved_on": D(2025, 10, 2),
            },
        ),
        (
            ExamArrangement,
            {"arrangement": "reader", "key_stage": "KS3", "evidence": "x", "approved_on": TODAY},
        ),
    ],
)  # fmt: skip
def test_database_refuses_rows_that_break_the_rules(
    pupil: Pupil, model: Any, fields: dict[str, Any]
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(pupil=pupil, **fields)


def test_database_refuses_a_concern_reviewed_before_it_started(pupil: Pupil, senco: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CauseForConcern.objects.create(
            pupil=pupil, reason="x", started_on=TODAY, owner=senco,
            review_date=TODAY - dt.timedelta(days=1),
        )  # fmt: skip


def test_database_refuses_a_pep_review_before_the_pep(lac_pupil: Pupil) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LookedAfterRecord.objects.create(
            pupil=lac_pupil, responsible_authority="x", pep_date=TODAY,
            pep_review_date=TODAY - dt.timedelta(days=1),
        )  # fmt: skip
