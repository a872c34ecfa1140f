"""A Common Transfer File through the Import page and ``sendreg import``: plan, then apply.

``ctf_plan`` works out what a CTF would do and writes nothing; ``ctf_apply`` plans
again inside one transaction and writes it (``services.ctf_import_apply``). Pupils are
matched by UPN. A previous school's SEN history is kept on the pupil as it was sent;
where the pupil is not on this school's register, the SENCO is offered a transfer-in
decision. Nothing in a CTF changes the register by itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from sendreg.imports.kinds import ImportOutcome, ImportRequest
from sendreg.imports.parsers import ImportRefused
from sendreg.lib.diff import jsonable
from sendreg.pupils.models import Pupil
from sendreg.register.selectors import on_register
from sendreg.transfer import rules
from sendreg.transfer.ctf import CtfFile, CtfProblem, CtfPupil, CtfRefused, parse_ctf
from sendreg.transfer.models import CtfHistory

if TYPE_CHECKING:
    from sendreg.accounts.models import School, User

#: Pupil details a CTF may change on a pupil already here (never SEN status or need).
DETAIL_FIELDS = (
    "legal_surname",
    "legal_forename",
    "preferred_surname",
    "preferred_forename",
    "date_of_birth",
    "gender",
    "former_upn",
)
ADDRESSED_ELSEWHERE = (
    "The file is addressed to the school with LAESTAB {dest}, not to this school ({here}). "
    "Check it is meant for you before importing it."
)
NO_SEN_HISTORY = "no SEN history"


@dataclass(frozen=True)
class Offer:
    """A transfer-in decision the SENCO will be asked to make."""

    upn: str
    name: str
    status: str
    needs: tuple[str, ...]
    since: dt.date
    source: str

    def as_json(self) -> dict[str, Any]:
        return {
            "upn": self.upn,
            "status": self.status,
            "needs": list(self.needs),
            "since": self.since.isoformat(),
            "source": self.source,
        }


@dataclass(frozen=True)
class Update:
    pupil_id: int
    pupil: CtfPupil
    changes: dict[str, tuple[Any, Any]]


@dataclass
class CtfPlan:
    school: School
    filename: str
    sha256: str
    file: CtfFile
    creates: list[CtfPupil] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    #: UPN -> pupil id for pupils already here.
    ids: dict[str, int] = field(default_factory=dict)
    #: Pupils whose SEN history from this file is new to this school.
    histories: list[CtfPupil] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    warnings: list[CtfProblem] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.file.header.source.name or self.file.header.source.laestab

    @property
    def errors(self) -> list[CtfProblem]:
        return self.file.errors

    @property
    def unusable(self) -> int:
        """How many pupils cannot be used: one pupil may have several problems."""
        return len({problem.number for problem in self.errors})

    def summary(self, *, applied: bool) -> dict[str, Any]:
        """``sendreg import --json`` for a CTF (a public interface: see the README)."""
        source = self.file.header.source
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "kind": "ctf",
            "rows": self.file.total,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "histories": len(self.histories),
            "applied": applied,
            "source": {"name": source.name, "laestab": source.laestab, "urn": source.urn},
            "errors": [p.as_json() for p in self.errors],
            "warnings": [p.as_json() for p in self.warnings],
            "transfer_in": [offer.as_json() for offer in self.offers],
        }


def _read(request: ImportRequest) -> CtfFile:
    try:
        return parse_ctf(request.data, max_bytes=settings.SENDREG_IMPORT_MAX_MB * 1024 * 1024)
    except CtfRefused as exc:
        raise ImportRefused(str(exc)) from None


def _details(pupil: CtfPupil) -> dict[str, Any]:
    return {
        "legal_surname": pupil.surname,
        "legal_forename": pupil.forename,
        "preferred_surname": pupil.preferred_surname,
        "preferred_forename": pupil.preferred_forename,
        "date_of_birth": pupil.date_of_birth,
        "gender": pupil.gender,
        "former_upn": pupil.former_upn,
    }


def ctf_plan(request: ImportRequest) -> CtfPlan:
    """What importing the CTF would do. Writes nothing; ImportRefused for an unusable file."""
    parsed = _read(request)
    school = request.school
    plan = CtfPlan(
        school=school,
        filename=request.filename,
        sha256=hashlib.sha256(request.data).hexdigest(),
        file=parsed,
        warnings=list(parsed.warnings),
    )
    dest = parsed.header.dest.laestab
    if dest and dest not in {school.laestab, rules.UNKNOWN_DESTINATION, rules.OUTSIDE_SECTOR}:
        plan.warnings.insert(
            0, CtfProblem(0, "dest", ADDRESSED_ELSEWHERE.format(dest=dest, here=school.laestab))
        )
    upns = [p.upn for p in parsed.pupils]
    existing = {
        p.upn: p
        for p in Pupil.objects.filter(school=school, upn__in=upns).only("pk", "upn", *DETAIL_FIELDS)
    }
    plan.ids = {upn: p.pk for upn, p in existing.items()}
    registered = set(
        on_register(Pupil.objects.filter(pk__in=plan.ids.values()), day=request.today).values_list(
            "upn", flat=True
        )
    )
    already_kept = set(
        CtfHistory.objects.filter(
            pupil__school=school, pupil__upn__in=upns, sha256=plan.sha256
        ).values_list("pupil__upn", flat=True)
    )
    for pupil in parsed.pupils:
        current = existing.get(pupil.upn)
        if current is None:
            plan.creates.append(pupil)
        else:
            changes = {
                name: (getattr(current, name), value)
                for name, value in _details(pupil).items()
                # A value the file leaves empty never blanks one sendreg has.
                if value not in ("", None) and getattr(current, name) != value
            }
            if changes:
                plan.updates.append(Update(current.pk, pupil, changes))
            else:
                plan.unchanged += 1
        if not (pupil.sen or pupil.needs) or pupil.upn in already_kept:
            continue
        plan.histories.append(pupil)
        if rules.transfer_in_offered(entries=pupil.sen, on_register_here=pupil.upn in registered):
            latest = rules.current_provision(pupil.sen)
            assert latest is not None
            offer = Offer(
                pupil.upn, pupil.name, latest.provision, pupil.needs, latest.start, plan.source
            )
            plan.offers.append(offer)
    return plan


def _context(plan: CtfPlan) -> dict[str, Any]:
    return {"plan": plan}


def plan_outcome(request: ImportRequest) -> ImportOutcome:
    plan = ctf_plan(request)
    return ImportOutcome(summary=plan.summary(applied=False), context=_context(plan))


@transaction.atomic
def apply_outcome(request: ImportRequest, by: User | None) -> ImportOutcome:
    from sendreg.transfer.services import ctf_import_apply

    plan = ctf_plan(request)
    ctf_import_apply(plan=plan, by=by, today=request.today)
    return ImportOutcome(summary=plan.summary(applied=True), context=_context(plan))


def change_text(update: Update) -> str:
    return "; ".join(
        f"{name.replace('_', ' ')} {jsonable(old) or 'blank'} → {jsonable(new)}"
        for name, (old, new) in update.changes.items()
    )
