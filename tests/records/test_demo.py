"""The demo's other registers: details recorded for the pupils the MIS flags, through the
services (so audited), with a deadline of each kind due this fortnight."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.deadlines import selectors as deadlines
from sendreg.deadlines.sources import EXAM_ARRANGEMENT_EXPIRY, IHP_REVIEW, PEP_REVIEW
from sendreg.demo import demo_fill
from sendreg.pupils.models import Pupil
from sendreg.records.models import EalRecord, ExamArrangement, LookedAfterRecord, MedicalCondition
from sendreg.register.selectors import on_register

# What the demo holds is decided in Python: checked on the first (SQLite) pass only.
pytestmark = [pytest.mark.django_db, pytest.mark.one_pass]

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def school() -> School:
    demo_fill(pupils=300, today=TODAY)
    return School.objects.get(urn="999001")


def test_details_are_recorded_only_for_the_pupils_the_mis_flags(school: School) -> None:
    pupils = Pupil.objects.filter(school=school)
    medical = MedicalCondition.objects.filter(pupil__school=school)
    assert medical.exists()
    assert not medical.filter(pupil__medical=False).exists()
    # Some flagged pupils are left for the school to record, as the registers show them.
    assert medical.values("pupil").distinct().count() < pupils.filter(medical=True).count()
    assert EalRecord.objects.filter(pupil__school=school).exists()
    assert not EalRecord.objects.filter(pupil__school=school, pupil__eal=False).exists()
    looked_after = set(pupils.filter(looked_after=True).values_list("pk", flat=True))
    assert looked_after
    assert set(LookedAfterRecord.objects.values_list("pupil_id", flat=True)) == looked_after
    _audited(school)


def test_exam_arrangements_are_for_year_10_and_11_pupils_on_the_register_and_fall_due(
    school: School,
) -> None:
    arrangements = ExamArrangement.objects.filter(pupil__school=school).select_related("pupil")
    assert arrangements.exists()
    assert {a.pupil.year_group for a in arrangements} <= {10, 11}
    registered = set(
        on_register(Pupil.objects.filter(school=school), day=TODAY).values_list("pk", flat=True)
    )
    assert {a.pupil_id for a in arrangements} <= registered
    for arrangement in arrangements:
        assert arrangement.expires_on is not None
        assert arrangement.approved_on <= TODAY < arrangement.expires_on
    # The deadlines panel shows each register's kind due this fortnight.
    kinds = {d.kind for d in deadlines.attention(school, TODAY)}
    assert {IHP_REVIEW, PEP_REVIEW, EXAM_ARRANGEMENT_EXPIRY} <= kinds


def _audited(school: School) -> None:
    """Every record is audited as an entry by a person."""
    events = AuditEvent.objects.filter(school_id=school.pk)
    for kind, records in (
        (AuditEvent.Type.MEDICAL_ADDED, MedicalCondition.objects.filter(pupil__school=school)),
        (AuditEvent.Type.EAL_ADDED, EalRecord.objects.filter(pupil__school=school)),
        (AuditEvent.Type.LAC_ADDED, LookedAfterRecord.objects.filter(pupil__school=school)),
        (
            AuditEvent.Type.EXAM_ARRANGEMENT_ADDED,
            ExamArrangement.objects.filter(pupil__school=school),
        ),
    ):
        audited = events.filter(type=kind)
        assert audited.count() == records.count()
        assert not audited.filter(actor_id__isnull=True).exists()


def test_the_registers_show_the_demo_records(client: Client, school: School) -> None:
    client.force_login(User.objects.get(email="senco@oakfield.sendreg.test"))
    condition = MedicalCondition.objects.filter(pupil__school=school).first()
    assert condition is not None
    page = client.get("/registers/medical/")
    assert page.status_code == 200
    assert condition.condition in page.content.decode()
    lac = LookedAfterRecord.objects.filter(pupil__school=school).first()
    assert lac is not None
    page = client.get("/registers/looked-after/")
    assert page.status_code == 200
    assert lac.responsible_authority in page.content.decode()
