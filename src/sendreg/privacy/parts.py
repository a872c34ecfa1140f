"""What the apps that exist so far hold about a pupil, for subject access and erasure.

Registered in ``lib.extensions.PUPIL_RECORD_PARTS`` by ``PrivacyConfig.ready()``: the
pupil's details, their contacts, the SEN register, the other registers and the letters
to parents. Later apps register their own parts.

``data`` gives every row as plain values (a subject access request). A protected
address is never given: not even to the family, since it protects a looked-after
child from someone who may ask. ``erase`` anonymises what identifies the pupil and
removes free text; codes and dates stay, so that counts of past years still add up.
The audit event for the whole erasure is written by ``privacy.services.pupil_erase``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, replace
from typing import Any

from django.db.models import Model, QuerySet

from sendreg.accounts.models import User
from sendreg.lib.dates import today
from sendreg.lib.extensions import PUPIL_RECORD_PARTS, PupilRecordPart
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import address_is_protected, protected_addresses
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)
from sendreg.register.models import MisSenRecord, MonitoringEntry, ParentNotification, SenEpisode
from sendreg.register.selectors import needs_on, register_history

#: Free text that has been erased reads as this.
ERASED = "(erased)"
#: A protected address, in a subject access copy.
ADDRESS_WITHHELD = "(protected address: not included)"


def _rows(queryset: QuerySet[Any], *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    left_out = {"pupil", "pupil_id", *exclude}
    return [{k: v for k, v in row.items() if k not in left_out} for row in queryset.values()]


def _scrub(queryset: QuerySet[Any], fields: Mapping[str, Any]) -> int:
    """Overwrite the given fields of every row that has something in the first of them."""
    return int(queryset.update(**fields))


def _erased_if_set(model: type[Model], pupil: Pupil, field: str, blank: Any = "") -> None:
    model._default_manager.filter(pupil=pupil).exclude(**{field: blank}).update(**{field: ERASED})


# --- The pupil's details -------------------------------------------------------------------------


def pupil_data(pupil: Pupil) -> Mapping[str, Any]:
    details = _rows(
        Pupil.objects.filter(pk=pupil.pk), exclude=("school", "school_id", "mis_fingerprint")
    )[0]
    details["school"] = str(pupil.school)
    details["classes"] = sorted(pupil.teaching_groups.values_list("name", flat=True))
    return details


def pupil_erase(pupil: Pupil, by: User | None) -> None:
    Pupil.objects.filter(pk=pupil.pk).update(
        upn=f"E{pupil.pk:012X}"[-13:],
        former_upn="",
        legal_surname="Erased",
        legal_forename="Pupil",
        preferred_surname="",
        preferred_forename="",
        date_of_birth=dt.date(pupil.date_of_birth.year, 1, 1),
        gender="",
        reg_group="",
        mis_fingerprint="",
    )
    pupil.teaching_groups.clear()


# --- Contacts --------------------------------------------------------------------------------


def contacts_data(pupil: Pupil) -> Mapping[str, Any]:
    """The contacts, with every protected address withheld: marked so, or the same address
    typed on another contact (``pupils.rules.address_is_protected``, as letters and pages)."""
    contacts = _rows(pupil.contacts.order_by("pk"))
    protected = protected_addresses((c["address"], c["address_protected"]) for c in contacts)
    for contact in contacts:
        marked = contact["address_protected"]
        if address_is_protected(address=contact["address"], marked=marked, protected=protected):
            contact["address"] = ADDRESS_WITHHELD
    return {"contacts": contacts}


def contacts_erase(pupil: Pupil, by: User | None) -> None:
    # Contacts are other people's details, kept only while the school needs to reach them.
    pupil.contacts.all().delete()


# --- The SEN register ---------------------------------------------------------------------------


def register_data(pupil: Pupil) -> Mapping[str, Any]:
    history = register_history(pupil)
    return {
        "sen_episodes": [asdict(e) for e in history.episodes],
        "needs_over_time": [asdict(n) for n in history.needs],
        "needs_today": needs_on([pupil.pk], day=today()).get(pupil.pk, []),
        "monitoring": _rows(
            MonitoringEntry.objects.filter(pupil=pupil).order_by("started_on", "pk")
        ),
        "mis_values": _rows(MisSenRecord.objects.filter(pupil=pupil)),
    }


def register_erase(pupil: Pupil, by: User | None) -> None:
    for field in ("start_reason", "end_reason"):
        _erased_if_set(SenEpisode, pupil, field)
    for field in ("reason", "end_reason"):
        _erased_if_set(MonitoringEntry, pupil, field)


# --- The other registers ------------------------------------------------------------------------


def records_data(pupil: Pupil) -> Mapping[str, Any]:
    return {
        "medical_conditions": _rows(MedicalCondition.objects.filter(pupil=pupil).order_by("pk")),
        "eal": _rows(EalRecord.objects.filter(pupil=pupil)),
        "looked_after": _rows(LookedAfterRecord.objects.filter(pupil=pupil)),
        "causes_for_concern": _rows(CauseForConcern.objects.filter(pupil=pupil).order_by("pk")),
        "exam_arrangements": _rows(ExamArrangement.objects.filter(pupil=pupil).order_by("pk")),
    }


def records_erase(pupil: Pupil, by: User | None) -> None:
    _scrub(MedicalCondition.objects.filter(pupil=pupil), {"condition": ERASED})
    for field in ("notes", "end_reason"):
        _erased_if_set(MedicalCondition, pupil, field)
    _scrub(EalRecord.objects.filter(pupil=pupil), {"first_language": ERASED})
    _erased_if_set(EalRecord, pupil, "notes")
    _scrub(
        LookedAfterRecord.objects.filter(pupil=pupil),
        {"responsible_authority": ERASED, "designated_teacher_name": ""},
    )
    _scrub(CauseForConcern.objects.filter(pupil=pupil), {"reason": ERASED})
    _erased_if_set(CauseForConcern, pupil, "end_reason")
    for field in ("other_arrangement", "evidence", "end_reason"):
        _erased_if_set(ExamArrangement, pupil, field)


# --- Letters to parents -------------------------------------------------------------------------


def notifications_data(pupil: Pupil) -> Mapping[str, Any]:
    return {
        "parent_notifications": _rows(
            ParentNotification.objects.filter(pupil=pupil).order_by("created_at", "pk")
        )
    }


def notifications_erase(pupil: Pupil, by: User | None) -> None:
    _erased_if_set(ParentNotification, pupil, "acknowledgement_note")


PARTS = (
    PupilRecordPart("pupil", "Pupil's details", pupil_data, erase=pupil_erase, order=0),
    PupilRecordPart("contacts", "Contacts", contacts_data, erase=contacts_erase, order=10),
    PupilRecordPart("register", "SEN register", register_data, erase=register_erase, order=20),
    PupilRecordPart("records", "Other registers", records_data, erase=records_erase, order=30),
    PupilRecordPart(
        "notifications",
        "Letters to parents",
        notifications_data,
        erase=notifications_erase,
        order=40,
    ),
)


def _both(
    first: Callable[[Pupil, User | None], None], second: Callable[[Pupil, User | None], None]
) -> Callable[[Pupil, User | None], None]:
    def erase(pupil: Pupil, by: User | None) -> None:
        first(pupil, by)
        second(pupil, by)

    erase.privacy_erase = True  # type: ignore[attr-defined]
    return erase


def register_parts() -> None:
    """Register the parts; where an app already registered one under the same key (the
    transfer app's register and records parts, with the PDFs of the record pack), keep its
    title, data and files and add this erase to it, rather than replace it.

    The privacy app is last in ``INSTALLED_APPS``, so its ``ready()`` runs after theirs.
    """
    for part in PARTS:
        existing = PUPIL_RECORD_PARTS.get(part.key)
        if existing is None or existing is part:
            PUPIL_RECORD_PARTS.register(part)
            continue
        if existing.erase is part.erase or getattr(existing.erase, "privacy_erase", False):
            continue  # ready() ran before: this part has its erase already.
        assert part.erase is not None
        erase = part.erase if existing.erase is None else _both(existing.erase, part.erase)
        PUPIL_RECORD_PARTS.register(replace(existing, erase=erase))
