"""Where the MIS and the register disagree, and what the SENCO does about it.

The MIS returns the census, so its SEN values must match the register. A
discrepancy is derived, never stored: it exists while the two differ and is
gone as soon as they agree, whichever side changed. The SENCO either accepts
the MIS value (a normal, audited register change) or marks the MIS as needing
correction, which stays visible until a later import brings new MIS values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from sendreg import codes
from sendreg.accounts.models import Membership, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import BY_SHOWN_NAME, on_roll, pupils_visible_to
from sendreg.register import rules
from sendreg.register.models import MisSenRecord
from sendreg.register.selectors import (
    SchoolRegister,
    register_history,
    register_states,
    state_of,
)
from sendreg.register.services import sen_record_set

STATUS = rules.DIFFERS_STATUS
NEEDS = rules.DIFFERS_NEEDS


@dataclass(frozen=True)
class Discrepancy:
    upn: str
    name: str
    field: str
    mis: str
    register: str
    pupil_id: int | None = None
    correction_requested: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"upn": self.upn, "field": self.field, "mis": self.mis, "register": self.register}

    @property
    def field_label(self) -> str:
        return "SEN status" if self.field == STATUS else "Need types (ranks 1 and 2)"

    @property
    def mis_label(self) -> str:
        return _label(self.field, self.mis)

    @property
    def register_label(self) -> str:
        return _label(self.field, self.register)


def _label(field: str, value: str) -> str:
    if field == STATUS:
        return codes.provision_label(value) if value else "No SEN status"
    return "; ".join(codes.need_label(c) for c in value.split()) or "None"


def compare(
    *,
    upn: str,
    name: str,
    mis_status: str,
    mis_needs: Sequence[str],
    status: str | None,
    needs: Sequence[str],
    pupil_id: int | None = None,
    correction_requested: bool = False,
) -> list[Discrepancy]:
    """One pupil's differences (``rules.compare_with_mis``) as the pages and imports show them."""
    extra = {"pupil_id": pupil_id, "correction_requested": correction_requested}
    return [
        Discrepancy(upn, name, d.field, d.mis, d.register, **extra)
        for d in rules.compare_with_mis(
            mis_status=mis_status, mis_needs=mis_needs, status=status, needs=needs
        )
    ]


def discrepancies_for(
    membership: Membership, *, day: dt.date, register: SchoolRegister | None = None
) -> list[Discrepancy]:
    """Every current difference between the MIS and the register among pupils on roll.

    Four queries, whatever the size of the school: the pupils, their register history,
    the needs held today, and their MIS values; then the pure comparison.
    """
    if register is None:
        pupils = pupils_visible_to(membership).filter(on_roll(day), mis_sen__isnull=False)
        states = register_states(pupils, day=day)
    else:
        pupils, states = register.pupils.filter(mis_sen__isnull=False), register.states
    found: list[Discrepancy] = []
    for row in pupils.order_by(*BY_SHOWN_NAME).values(
        "pk", "upn", "legal_forename", "legal_surname", "preferred_forename",
        "preferred_surname", "mis_sen__status", "mis_sen__needs",
        "mis_sen__correction_requested_at",
    ):  # fmt: skip
        state = state_of(states, row["pk"])
        found += compare(
            upn=row["upn"],
            name=f"{row['preferred_forename'] or row['legal_forename']} "
            f"{row['preferred_surname'] or row['legal_surname']}",
            mis_status=row["mis_sen__status"],
            mis_needs=row["mis_sen__needs"] or [],
            status=state.status,
            needs=list(state.needs),
            pupil_id=row["pk"],
            correction_requested=row["mis_sen__correction_requested_at"] is not None,
        )
    return found


def mis_record_for(membership: Membership, pupil_id: int) -> MisSenRecord:
    record = (
        MisSenRecord.objects.filter(pupil__in=pupils_visible_to(membership), pupil_id=pupil_id)
        .select_related("pupil")
        .first()
    )
    if record is None:
        raise Http404("No MIS values for that pupil.")
    return record


@dataclass(frozen=True)
class AcceptPlan:
    """What accepting the MIS value would change, shown to the SENCO before they confirm."""

    before_status: str | None
    before_needs: list[str]
    status: str | None
    needs: list[str]
    #: Why it cannot be accepted (a value that is no census code), or empty.
    refused: str

    @property
    def changes_status(self) -> bool:
        return self.status != self.before_status


def accept_mis_plan(record: MisSenRecord) -> AcceptPlan:
    """The register record that accepting ``record`` would make, from the latest record.

    Needs beyond rank 2 that the register already holds are kept: the MIS has no place
    for them. A status that is not a census code is never accepted (it would otherwise
    read as "no SEN" and take the pupil off the register).
    """
    latest = register_history(record.pupil)
    before_status = latest.open_status
    before_needs = latest.open_needs
    reading = rules.read_mis_status(record.status)
    if not reading.known:
        refused = rules.MIS_STATUS_UNKNOWN.format(value=record.status)
        return AcceptPlan(before_status, before_needs, before_status, before_needs, refused)
    status = reading.register
    needs = [str(n) for n in record.needs] if status else []
    if status:
        needs += [c for c in before_needs[codes.CENSUS_NEED_RANKS :] if c not in needs]
    return AcceptPlan(before_status, before_needs, status, needs, "")


@transaction.atomic
def discrepancy_accept_mis(
    *,
    record: MisSenRecord,
    by: User,
    today: dt.date,
    effective: dt.date,
    reason: str,
    expected_version: int,
) -> Pupil:
    """Make the register say what the MIS says: a normal register change by the SENCO, with
    its date, reason, audit event and (for a change of status) parents-to-be-told task.

    Raises ValidationError when the MIS value cannot be accepted or breaks a rule, and
    ``StaleRecord`` when the record changed since the SENCO looked.
    """
    plan = accept_mis_plan(record)
    if plan.refused:
        raise ValidationError(plan.refused)
    return sen_record_set(
        pupil=record.pupil,
        status=plan.status,
        needs=plan.needs,
        effective=effective,
        reason=reason,
        expected_version=expected_version,
        by=by,
        today=today,
        source="MIS discrepancy: accepted the value held in the MIS",
    )


@transaction.atomic
def discrepancy_request_correction(*, record: MisSenRecord, by: User) -> MisSenRecord:
    """The register is right; the MIS must be corrected. Visible until the MIS values change."""
    record.correction_requested_at = timezone.now()
    record.correction_requested_by = by
    record.save(update_fields=["correction_requested_at", "correction_requested_by"])
    audit_record(
        type=AuditEvent.Type.MIS_CORRECTION_REQUESTED,
        school_id=record.pupil.school_id,
        target=record,
        pupil=record.pupil,
        by=by,
        new={"mis_status": record.status, "mis_needs": record.needs},
    )
    return record
