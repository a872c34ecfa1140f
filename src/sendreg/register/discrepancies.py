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

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from sendreg import codes
from sendreg.accounts.models import Membership, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import on_roll, pupils_visible_to
from sendreg.register.models import MisSenRecord
from sendreg.register.selectors import with_sen_status
from sendreg.register.services import sen_record_set

STATUS = "status"
NEEDS = "needs"


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


def mis_status_on_register(mis_status: str) -> str | None:
    """The register status the MIS value means: E or K, or None for N, blank or unknown."""
    return mis_status if mis_status in codes.ON_REGISTER else None


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
    """The differences between one pupil's MIS values and their register record.

    A blank or N status in the MIS agrees with a pupil not on the register. An
    unknown MIS status never agrees. Needs are compared on the two ranks the
    census collects; further needs are the school's own business.
    """
    found = []
    mis_on = mis_status if mis_status not in ("", codes.SenProvision.NO_SEN) else None
    extra = {"pupil_id": pupil_id, "correction_requested": correction_requested}
    if mis_on != status:
        found.append(Discrepancy(upn, name, STATUS, mis_status, status or "", **extra))
    census_needs = list(needs[: codes.CENSUS_NEED_RANKS])
    if list(mis_needs) != census_needs:
        found.append(
            Discrepancy(upn, name, NEEDS, " ".join(mis_needs), " ".join(census_needs), **extra)
        )
    return found


def discrepancies_for(membership: Membership, *, day: dt.date) -> list[Discrepancy]:
    """Every current difference between the MIS and the register among pupils on roll."""
    pupils = (
        with_sen_status(pupils_visible_to(membership).filter(on_roll(day)), day)
        .filter(mis_sen__isnull=False)
        .select_related("mis_sen")
        .prefetch_related("needs")
        .order_by("legal_surname", "legal_forename", "pk")
    )
    found: list[Discrepancy] = []
    for pupil in pupils:
        record = pupil.mis_sen
        found += compare(
            upn=pupil.upn,
            name=str(pupil),
            mis_status=record.status,
            mis_needs=record.needs,
            status=pupil.sen_status,
            needs=[n.code for n in sorted(pupil.needs.all(), key=lambda n: n.rank)],
            pupil_id=pupil.pk,
            correction_requested=record.correction_requested_at is not None,
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


@transaction.atomic
def discrepancy_accept_mis(*, record: MisSenRecord, by: User, today: dt.date) -> Pupil:
    """Make the register say what the MIS says: a normal register change by the SENCO.

    Needs beyond rank 2 that the register already holds are kept: the MIS has no
    place for them. Raises ValidationError when the MIS values break a rule.
    """
    pupil = record.pupil
    status = mis_status_on_register(record.status)
    current = list(pupil.needs.order_by("rank").values_list("code", flat=True))
    needs = list(record.needs) if status else []
    if status:
        needs += [c for c in current[codes.CENSUS_NEED_RANKS :] if c not in needs]
    return sen_record_set(
        pupil=pupil,
        status=status,
        needs=needs,
        effective=today,
        reason="Accepted the value held in the MIS.",
        expected_version=pupil.sen_version,
        by=by,
        today=today,
        source="MIS discrepancy",
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
