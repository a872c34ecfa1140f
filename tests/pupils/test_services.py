"""Changes to pupils and contacts: audited, and a protected address never written down."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sendreg.accounts.models import User
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Contact, Pupil
from sendreg.pupils.services import contact_remove, contact_save, pupil_update
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

SECRET_ADDRESS = "7 Hidden Close\nBristol\nBS9 9ZZ"


def all_audit_json() -> str:
    return json.dumps(list(AuditEvent.objects.values("old", "new", "reason")))


def test_pupil_update_audits_only_the_changed_fields(pupil: Pupil, office: User) -> None:
    changed = pupil_update(
        pupil=pupil,
        data={
            "legal_surname": "Young",  # unchanged
            "reg_group": "8B",
            "eal": True,
            "attendance": Decimal("91.5"),
            "leaving_date": dt.date(2026, 7, 22),
        },
        by=office,
    )

    assert changed is True
    [event] = AuditEvent.objects.all()
    assert event.type == AuditEvent.Type.PUPIL_UPDATED
    assert event.old == {"reg_group": "7A", "eal": False, "attendance": None, "leaving_date": None}
    assert event.new == {
        "reg_group": "8B",
        "eal": True,
        "attendance": "91.5",
        "leaving_date": "2026-07-22",
    }
    assert (event.actor_id, event.pupil_id, event.target_id) == (office.pk, pupil.pk, pupil.pk)
    pupil.refresh_from_db()
    assert (pupil.reg_group, pupil.eal) == ("8B", True)


def test_pupil_update_without_changes_writes_nothing(pupil: Pupil, office: User) -> None:
    assert pupil_update(pupil=pupil, data={"reg_group": "7A"}, by=office) is False
    assert not AuditEvent.objects.exists()


def test_pupil_update_refuses_sen_fields(pupil: Pupil, office: User) -> None:
    with pytest.raises(ValueError, match="sen_version is not a pupil detail"):
        pupil_update(pupil=pupil, data={"sen_version": 7}, by=office)
    pupil.refresh_from_db()
    assert pupil.sen_version == 0


def test_pupil_update_with_bad_upn_saves_nothing(pupil: Pupil, office: User) -> None:
    upn = pupil.upn
    # Any check letter but the right one (the factory's UPNs may start with A).
    wrong = ("B" if upn[0] == "A" else "A") + upn[1:]
    with pytest.raises(ValidationError) as exc:
        pupil_update(pupil=pupil, data={"upn": wrong, "reg_group": "9Z"}, by=office)
    assert "upn" in exc.value.message_dict
    pupil.refresh_from_db()
    assert (pupil.upn, pupil.reg_group) == (upn, "7A")
    assert not AuditEvent.objects.exists()


def test_contact_save_audits_a_new_contact(pupil: Pupil, office: User) -> None:
    contact = Contact(
        pupil=pupil,
        name="Sam Young",
        relationship="Mother",
        parental_responsibility=True,
        address="1 High Street",
    )
    contact_save(contact=contact, by=office)

    [event] = AuditEvent.objects.all()
    assert event.type == AuditEvent.Type.CONTACT_ADDED
    assert (event.target_model, event.target_id, event.pupil_id) == (
        "pupils.contact",
        contact.pk,
        pupil.pk,
    )
    assert event.old == {}
    assert event.new["name"] == "Sam Young"
    assert event.new["parental_responsibility"] is True
    assert event.new["address"] == "1 High Street"


def test_contact_save_audits_only_what_changed(pupil: Pupil, office: User) -> None:
    contact = ContactFactory(pupil=pupil, phone="")
    contact.phone = "07700 900123"
    contact_save(contact=contact, by=office)

    [event] = AuditEvent.objects.all()
    assert event.type == AuditEvent.Type.CONTACT_UPDATED
    assert (event.old, event.new) == ({"phone": ""}, {"phone": "07700 900123"})


def test_contact_remove_audits_what_was_there(pupil: Pupil, office: User) -> None:
    contact = ContactFactory(pupil=pupil, name="Sam Young")
    pk = contact.pk
    contact_remove(contact=contact, by=office)

    assert not Contact.objects.filter(pk=pk).exists()
    [event] = AuditEvent.objects.all()
    assert event.type == AuditEvent.Type.CONTACT_REMOVED
    assert event.target_id == pk
    assert event.old["name"] == "Sam Young"
    assert event.new == {}


def test_protected_address_is_never_written_into_the_audit_trail(pupil: Pupil, senco: User) -> None:
    contact = Contact(
        pupil=pupil,
        name="Jo Carer",
        relationship="Foster carer",
        address=SECRET_ADDRESS,
        address_protected=True,
    )
    contact_save(contact=contact, by=senco)
    contact.address = "8 Hidden Close\nBristol\nBS9 9ZZ"
    contact.phone = "07700 900456"
    contact_save(contact=contact, by=senco)
    contact_remove(contact=contact, by=senco)

    assert AuditEvent.objects.count() == 3
    text = all_audit_json()
    assert "Hidden Close" not in text
    assert "BS9 9ZZ" not in text
    added = AuditEvent.objects.get(type=AuditEvent.Type.CONTACT_ADDED)
    assert added.new["address"] == "(protected address)"
    removed = AuditEvent.objects.get(type=AuditEvent.Type.CONTACT_REMOVED)
    assert removed.old["address"] == "(protected address)"


def test_protecting_an_address_does_not_write_it_into_the_audit_trail(
    pupil: Pupil, senco: User
) -> None:
    contact = ContactFactory(pupil=pupil, address=SECRET_ADDRESS, address_protected=False)
    contact.address_protected = True
    contact_save(contact=contact, by=senco)

    [event] = AuditEvent.objects.all()
    assert event.new["address_protected"] is True
    assert "Hidden Close" not in all_audit_json()


# --- classes and teaching groups ---------------------------------------------------------


def test_setting_a_class_audits_who_joined_and_left_it(school, office, teacher) -> None:
    from sendreg.pupils.models import TeachingGroup
    from sendreg.pupils.services import teaching_group_set
    from tests.factories import PupilFactory

    amy, ben, cat = (
        PupilFactory(school=school, legal_forename=name, legal_surname="Lee")
        for name in ("Amy", "Ben", "Cat")
    )
    assert teaching_group_set(
        school=school, name="7A/Ma1", pupil_ids=[amy.pk, ben.pk], teacher_ids=[], by=office
    )
    assert teaching_group_set(
        school=school,
        name="7A/Ma1",
        pupil_ids=[ben.pk, cat.pk],
        teacher_ids=[teacher.pk],
        by=office,
        source="import of classes.csv",
    )
    assert not teaching_group_set(
        school=school,
        name="7A/Ma1",
        pupil_ids=[cat.pk, ben.pk],
        teacher_ids=[teacher.pk],
        by=office,
    )

    group = TeachingGroup.objects.get(school=school, name="7A/Ma1")
    assert set(group.pupils.all()) == {ben, cat} and list(group.teachers.all()) == [teacher]
    made, changed = AuditEvent.objects.filter(type=AuditEvent.Type.CLASSES_CHANGED).order_by("at")
    assert (made.old, made.new) == ({}, {"pupils_added": ["Amy Lee", "Ben Lee"]})
    assert changed.old == {"pupils_removed": ["Amy Lee"], "teachers": []}
    assert changed.new == {"pupils_added": ["Cat Lee"], "teachers": [teacher.name]}
    assert changed.target_id == group.pk and changed.source == "import of classes.csv"
    assert changed.actor_id == office.pk and changed.school_id == school.pk
