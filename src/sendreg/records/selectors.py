"""Reads of the other registers, scoped to the pupils the asking member may see.

Each register is a list of prepared rows (the page and its exports show the same
rows). Statuses that depend on today's date are worked out here, through the
rules, never stored; filters on them are applied to the prepared rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import STAFF_ROLES, Permission, role_sees_pupils
from sendreg.lib.extensions import may_have
from sendreg.pupils.models import Contact, Pupil
from sendreg.pupils.selectors import on_roll, pupils_visible_to, visible_to
from sendreg.records import rules
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)

#: Who may see the registers' lists and exports.
VIEW = (Permission.REGISTER_VIEW,)
#: Who may change the registers' records.
EDIT = (Permission.OTHER_REGISTERS_EDIT,)
#: The looked-after register and cause for concern also need sight of every pupil.
SENSITIVE = (Permission.PUPILS_VIEW_ALL,)


def member_may(membership: Membership | None, *permissions: Permission) -> bool:
    """Every one of ``permissions`` (the decorator asks for any one of its list)."""
    return membership is not None and all(membership.can(p) for p in permissions)


def _pupils(membership: Membership, day: dt.date, year: int | None) -> QuerySet[Pupil]:
    pupils = pupils_visible_to(membership).filter(on_roll(day))
    if year is not None:
        pupils = pupils.filter(year_group=year)
    return pupils


def _visible_among(membership: Membership, among: Sequence[Pupil]) -> list[Pupil]:
    """``among``, pupils a page has read as ones the member may see and on roll, or none when
    the member may see no pupil: the registers read theirs by id, not through the scope again
    (a query inside a query costs more to build than to run)."""
    if role_sees_pupils(membership.role):
        return [pupil for pupil in among if pupil.school_id == membership.school_id]
    return []


def staff_of(school: School) -> QuerySet[User]:
    """The people who work at the school, by name: owners of concerns, designated teachers."""
    return (
        User.objects.filter(
            is_active=True, memberships__school=school, memberships__role__in=STAFF_ROLES
        )
        .distinct()
        .order_by("name", "pk")
    )


# --- Medical --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MedicalFilters:
    ihp: str = ""  # "yes" or "no"
    review: str = ""  # "due" or "overdue"
    year: int | None = None


#: What the medical register says of a pupil the MIS marks as medical, with no condition here.
MIS_FLAG_ONLY = "Medical flag from the MIS, no details yet"


@dataclass(frozen=True)
class MedicalRow:
    #: The condition, or None for a pupil the MIS marks as medical with none recorded yet.
    record: MedicalCondition | None
    review: rules.ReviewStatus
    flagged: Pupil | None = None

    @property
    def pupil(self) -> Pupil:
        if self.record is not None:
            return self.record.pupil
        assert self.flagged is not None
        return self.flagged

    @property
    def condition_label(self) -> str:
        return self.record.condition if self.record is not None else MIS_FLAG_ONLY


def _review_matches(wanted: str, review: rules.ReviewStatus) -> bool:
    if wanted == "due":
        return review.due
    if wanted == "overdue":
        return review == rules.ReviewStatus.OVERDUE
    if wanted == "not_set":
        return review == rules.ReviewStatus.NOT_SET
    return True


def medical_rows(
    membership: Membership,
    filters: MedicalFilters,
    *,
    day: dt.date,
    among: Sequence[Pupil] | None = None,
) -> list[MedicalRow]:
    """Current medical conditions and disabilities of pupils on roll, by pupil, and pupils the
    MIS marks as medical with no condition recorded yet (as the EAL register does).

    ``among``: only these pupils, which the caller has read as ones the member may see, on
    roll (``_visible_among``); then one query."""
    if among is None:
        pupils = _pupils(membership, day, filters.year)
        records = MedicalCondition.objects.filter(ended_on__isnull=True, pupil__in=pupils)
    else:
        chosen = [
            p
            for p in _visible_among(membership, among)
            if filters.year is None or p.year_group == filters.year
        ]
        records = MedicalCondition.objects.filter(
            ended_on__isnull=True, pupil_id__in=[p.pk for p in chosen]
        )
    if filters.ihp == "yes":
        records = records.filter(has_ihp=True)
    elif filters.ihp == "no" and among is None:
        records = records.filter(has_ihp=False)
    records = records.select_related("pupil")
    rows = [MedicalRow(r, rules.review_status(due=r.ihp_review_date, today=day)) for r in records]
    if among is not None:
        # Read every current condition of the few pupils: who has none is known from them.
        with_condition = {row.record.pupil_id for row in rows if row.record is not None}
        if filters.ihp == "no":
            rows = [row for row in rows if row.record is not None and not row.record.has_ihp]
    if filters.ihp != "yes":
        not_set = rules.review_status(due=None, today=day)
        if among is None:
            current = MedicalCondition.objects.filter(pupil=OuterRef("pk"), ended_on__isnull=True)
            flagged = list(pupils.filter(medical=True).exclude(Exists(current)))
        else:
            flagged = [p for p in chosen if p.medical and p.pk not in with_condition]
        rows += [MedicalRow(None, not_set, flagged=pupil) for pupil in flagged]
    rows.sort(
        key=lambda row: (
            row.pupil.legal_surname, row.pupil.legal_forename, row.pupil.pk,
            row.record.condition if row.record else "", row.record.pk if row.record else 0,
        )
    )  # fmt: skip
    return [row for row in rows if _review_matches(filters.review, row.review)]


# --- EAL ------------------------------------------------------------------------------------

#: The language filter's value for pupils marked EAL in the MIS with no details here yet.
LANGUAGE_NOT_RECORDED = "-"


@dataclass(frozen=True)
class EalFilters:
    language: str = ""
    year: int | None = None


@dataclass(frozen=True)
class EalRow:
    pupil: Pupil
    record: EalRecord | None


def eal_rows(membership: Membership, filters: EalFilters, *, day: dt.date) -> list[EalRow]:
    """Pupils with EAL details, and pupils the MIS marks as EAL who have none yet."""
    pupils = _pupils(membership, day, filters.year).filter(
        Q(eal=True) | Q(eal_record__isnull=False)
    )
    if filters.language == LANGUAGE_NOT_RECORDED:
        pupils = pupils.filter(eal_record__isnull=True)
    elif filters.language:
        pupils = pupils.filter(eal_record__first_language__iexact=filters.language)
    pupils = pupils.select_related("eal_record").order_by("legal_surname", "legal_forename", "pk")
    return [EalRow(p, getattr(p, "eal_record", None)) for p in pupils]


def eal_languages(membership: Membership) -> list[str]:
    """The first languages recorded in the member's school, for the filter."""
    names = (
        EalRecord.objects.filter(visible_to(membership))
        .values_list("first_language", flat=True)
        .distinct()
    )
    return sorted({n.strip().title() for n in names if n.strip()})


# --- Looked-after children ------------------------------------------------------------------


@dataclass(frozen=True)
class LacFilters:
    pep: str = ""  # "due", "overdue" or "not_set"
    year: int | None = None


@dataclass(frozen=True)
class LacRow:
    pupil: Pupil
    record: LookedAfterRecord | None
    pep_review: rules.ReviewStatus
    address: rules.AddressProtection


def _contact_addresses(pupils: Sequence[Pupil]) -> dict[int, list[tuple[str, bool]]]:
    """Each pupil's contact addresses, with whether each is marked protected: read only to
    tell whether they are all protected, never shown."""
    found: dict[int, list[tuple[str, bool]]] = {p.pk: [] for p in pupils}
    contacts = Contact.objects.filter(pupil__in=list(found)).exclude(address="")
    for pupil_id, address, marked in contacts.values_list(
        "pupil_id", "address", "address_protected"
    ):
        found[pupil_id].append((address, marked))
    return found


def lac_rows(membership: Membership, filters: LacFilters, *, day: dt.date) -> list[LacRow]:
    """Pupils on roll marked as looked after, with the school's details of each, and whether
    their contacts' addresses are protected (no address is shown)."""
    pupils = list(
        _pupils(membership, day, filters.year)
        .filter(looked_after=True)
        .select_related("lac_record__designated_teacher")
        .order_by("legal_surname", "legal_forename", "pk")
    )
    addresses = _contact_addresses(pupils)
    rows = []
    for p in pupils:
        record = getattr(p, "lac_record", None)
        rows.append(
            LacRow(
                pupil=p,
                record=record,
                pep_review=rules.review_status(
                    due=record.pep_review_date if record else None, today=day
                ),
                address=rules.address_protection(addresses[p.pk]),
            )
        )
    return [row for row in rows if _review_matches(filters.pep, row.pep_review)]


# --- Cause for concern ----------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernFilters:
    state: str = "open"  # "open", "ended" or "all"
    owner: int | None = None
    review: str = ""  # "due" or "overdue"
    year: int | None = None


@dataclass(frozen=True)
class ConcernRow:
    record: CauseForConcern
    review: rules.ReviewStatus

    @property
    def pupil(self) -> Pupil:
        return self.record.pupil


def concern_rows(
    membership: Membership, filters: ConcernFilters, *, day: dt.date
) -> list[ConcernRow]:
    records = CauseForConcern.objects.filter(pupil__in=_pupils(membership, day, filters.year))
    if filters.state == "ended":
        records = records.filter(ended_on__isnull=False)
    elif filters.state != "all":
        records = records.filter(ended_on__isnull=True)
    if filters.owner is not None:
        records = records.filter(owner_id=filters.owner)
    records = records.select_related("pupil", "owner").order_by(
        "review_date", "pupil__legal_surname", "pk"
    )
    rows = [
        ConcernRow(
            r,
            # An ended concern has no review to be due.
            rules.review_status(due=None if r.ended_on else r.review_date, today=day),
        )
        for r in records
    ]
    return [row for row in rows if _review_matches(filters.review, row.review)]


# --- Exam access arrangements -----------------------------------------------------------------


@dataclass(frozen=True)
class ExamFilters:
    arrangement: str = ""
    key_stage: str = ""
    status: str = ""  # an ArrangementState value, or "in_force" (current or expiring)
    year: int | None = None


@dataclass(frozen=True)
class ExamRow:
    record: ExamArrangement
    status: rules.ArrangementStatus

    @property
    def pupil(self) -> Pupil:
        return self.record.pupil


def _status_matches(wanted: str, status: rules.ArrangementStatus) -> bool:
    if wanted == "in_force":
        return status.in_force
    if wanted in {s.value for s in rules.ArrangementState}:
        return status.state == wanted
    return True


def exam_rows(
    membership: Membership,
    filters: ExamFilters,
    *,
    day: dt.date,
    among: Sequence[Pupil] | None = None,
) -> list[ExamRow]:
    """Arrangements not withdrawn, for pupils on roll, each with its status today.

    ``among``: only these pupils, which the caller has read as ones the member may see, on
    roll (``_visible_among``)."""
    if among is None:
        pupils: QuerySet[Pupil] | list[int] = _pupils(membership, day, filters.year)
    else:
        pupils = [
            p.pk
            for p in _visible_among(membership, among)
            if filters.year is None or p.year_group == filters.year
        ]
    records = ExamArrangement.objects.filter(ended_on__isnull=True, pupil__in=pupils)
    if filters.arrangement:
        records = records.filter(arrangement=filters.arrangement)
    if filters.key_stage:
        records = records.filter(key_stage=filters.key_stage)
    records = records.select_related("pupil").order_by(
        "pupil__legal_surname", "pupil__legal_forename", "pupil_id", "key_stage", "arrangement"
    )
    rows = [ExamRow(r, r.status(day)) for r in records]
    return [row for row in rows if _status_matches(filters.status, row.status)]


# --- The index page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterCount:
    name: str
    url_name: str
    count: int
    what: str
    hint: str = ""


def register_counts(membership: Membership, *, day: dt.date) -> list[RegisterCount]:
    """How many pupils are on each register the member may see, in a few queries."""
    pupils = pupils_visible_to(membership).filter(on_roll(day))
    # Pupils with a condition recorded, and those the MIS marks as medical with none yet.
    medical = pupils.filter(
        Q(medical=True)
        | Exists(MedicalCondition.objects.filter(pupil=OuterRef("pk"), ended_on__isnull=True))
    ).count()
    with_ihp = (
        MedicalCondition.objects.filter(ended_on__isnull=True, has_ihp=True, pupil__in=pupils)
        .values("pupil_id")
        .distinct()
        .count()
    )
    eal = pupils.filter(Q(eal=True) | Q(eal_record__isnull=False)).count()
    exams = ExamArrangement.objects.filter(ended_on__isnull=True, pupil__in=pupils).values_list(
        "pupil_id", "key_stage", "approved_on", "expires_on", "pupil__year_group"
    )
    in_force = {
        pupil_id
        for pupil_id, key_stage, approved, expires, year in exams
        if rules.arrangement_status(
            key_stage=key_stage,
            approved_on=approved,
            expires_on=expires,
            pupil_year=year,
            today=day,
        ).in_force
    }
    counts = [
        RegisterCount(
            "Medical needs and disabilities",
            "registers_medical",
            medical,
            "pupils with a medical condition or disability",
            f"{with_ihp} with an Individual Healthcare Plan",
        ),
        RegisterCount(
            "English as an additional language",
            "registers_eal",
            eal,
            "pupils with English as an additional language",
        ),
    ]
    if member_may(membership, *VIEW, *SENSITIVE):
        looked_after = pupils.filter(looked_after=True).count()
        concerns = CauseForConcern.objects.filter(ended_on__isnull=True, pupil__in=pupils)
        counts += [
            RegisterCount(
                "Looked-after children",
                "registers_lac",
                looked_after,
                "looked-after pupils",
            ),
            RegisterCount(
                "Cause for concern",
                "registers_concerns",
                concerns.values("pupil_id").distinct().count(),
                "pupils with an open cause for concern",
            ),
        ]
    counts.append(
        RegisterCount(
            "Exam access arrangements",
            "registers_exams",
            len(in_force),
            "pupils with an arrangement in force",
            "An arrangement does not put a pupil on the SEN register.",
        )
    )
    return counts


# --- One record, for the forms ----------------------------------------------------------------

_M = TypeVar("_M", MedicalCondition, CauseForConcern, ExamArrangement)


def _open_record(records: QuerySet[_M], pk: int) -> _M:
    record = records.filter(pk=pk, ended_on__isnull=True).first()
    if record is None:
        raise Http404("No such record.")
    return record


def medical_condition_get(pupil: Pupil, pk: int) -> MedicalCondition:
    """One current condition of a pupil already fetched for the member (so in their school)."""
    return _open_record(MedicalCondition.objects.filter(pupil=pupil), pk)


def concern_get(pupil: Pupil, pk: int) -> CauseForConcern:
    return _open_record(CauseForConcern.objects.filter(pupil=pupil).select_related("owner"), pk)


def exam_arrangement_get(pupil: Pupil, pk: int) -> ExamArrangement:
    return _open_record(ExamArrangement.objects.filter(pupil=pupil), pk)


def eal_record_for(pupil: Pupil) -> EalRecord | None:
    return EalRecord.objects.filter(pupil=pupil).first()


def lac_record_for(pupil: Pupil) -> LookedAfterRecord | None:
    return (
        LookedAfterRecord.objects.filter(pupil=pupil).select_related("designated_teacher").first()
    )


# --- The pupil page ---------------------------------------------------------------------------

T = TypeVar("T")


@dataclass
class Split(Generic[T]):
    """Records in force now, and those that are not (shown to fewer people)."""

    current: list[T] = field(default_factory=list)
    past: list[T] = field(default_factory=list)


def _split(items: Iterable[T], is_current: Callable[[T], bool]) -> Split[T]:
    split: Split[T] = Split()
    for item in items:
        (split.current if is_current(item) else split.past).append(item)
    return split


@dataclass
class PupilRegisters:
    """What the pupil page shows of the other registers, already cut to what the member may see.

    A section the member may not see is None (medical and exams are shown to anyone
    who may see the pupil; EAL, looked-after and concern only to those who see all
    pupils). ``past`` lists are empty for members who see only current records.
    """

    medical: Split[MedicalRow]
    exams: Split[ExamRow]
    #: ``MIS_FLAG_ONLY`` when the MIS marks the pupil as medical and no condition is current
    #: here: the pupil page says so, as the medical register lists them.
    mis_flag: str = ""
    eal: EalRecord | None = None
    lac: LookedAfterRecord | None = None
    looked_after: bool = False
    address: rules.AddressProtection | None = None
    pep_review: rules.ReviewStatus | None = None
    concerns: Split[ConcernRow] | None = None
    sees_all: bool = False
    #: Offer to protect every contact address: looked after, some address unprotected,
    #: and the member may change the looked-after details.
    offer_protect: bool = False
    can_edit: bool = False
    can_edit_sensitive: bool = False


#: One-to-one records the pupil page fetches with the pupil, for ``registers_for_pupil``.
PUPIL_RELATED = ("eal_record", "lac_record__designated_teacher")

#: What the pupil page reads with the pupil for ``registers_for_pupil`` (``pupil_facts``):
#: whether the pupil has any medical conditions, exam arrangements and causes for concern,
#: ended ones included (most pupils have none of each).
HAS_MEDICAL = "records_has_medical"
HAS_EXAMS = "records_has_exams"
HAS_CONCERNS = "records_has_concerns"


def pupil_facts(membership: Membership) -> dict[str, Any]:
    """What to read with the pupil so that ``registers_for_pupil`` skips the empty lists."""
    pupil = OuterRef("pk")
    facts: dict[str, Any] = {
        HAS_MEDICAL: Exists(MedicalCondition.objects.filter(pupil=pupil)),
        HAS_EXAMS: Exists(ExamArrangement.objects.filter(pupil=pupil)),
    }
    if membership.can(Permission.PUPILS_VIEW_ALL):
        facts[HAS_CONCERNS] = Exists(CauseForConcern.objects.filter(pupil=pupil))
    return facts


def registers_for_pupil(membership: Membership, pupil: Pupil, today: dt.date) -> PupilRegisters:
    """The other registers' sections of one pupil's page, in at most three queries: none for
    a list that the facts read with the pupil (``pupil_facts``) say is empty.

    ``pupil`` must already have been fetched for ``membership`` (``pupil_get_for_user``).
    Teachers and teaching assistants see the medical conditions and the exam access
    arrangements in force, which they need in lessons, and nothing else here.
    """
    sees_all = membership.can(Permission.PUPILS_VIEW_ALL)
    conditions = pupil.medical_conditions.all()
    exam_records = pupil.exam_arrangements.all()
    if not sees_all:
        conditions = conditions.filter(ended_on__isnull=True)
        exam_records = exam_records.filter(ended_on__isnull=True)
    if not may_have(pupil, HAS_MEDICAL):
        conditions = conditions.none()
    if not may_have(pupil, HAS_EXAMS):
        exam_records = exam_records.none()
    medical_rows_ = []
    for condition in conditions.order_by("ended_on", "condition", "pk"):
        condition.pupil = pupil
        review = rules.review_status(due=condition.ihp_review_date, today=today)
        medical_rows_.append(MedicalRow(condition, review))
    medical = _split(medical_rows_, lambda row: row.record.ended_on is None)
    exam_rows_ = []
    for arrangement in exam_records.order_by("ended_on", "key_stage", "arrangement", "pk"):
        arrangement.pupil = pupil
        exam_rows_.append(ExamRow(arrangement, arrangement.status(today)))
    exams = _split(exam_rows_, lambda row: row.record.ended_on is None and row.status.in_force)
    if not sees_all:
        # Teachers see the arrangements that apply in their lessons, not the history.
        exams.past = []
    result = PupilRegisters(
        medical=medical,
        exams=exams,
        mis_flag=MIS_FLAG_ONLY if pupil.medical and not medical.current else "",
        can_edit=member_may(membership, *EDIT),
        can_edit_sensitive=member_may(membership, *EDIT, *SENSITIVE),
    )
    if not sees_all:
        return result
    # The page fetched the pupil with PUPIL_RELATED and prefetched the contacts, so
    # this section costs no query of its own.
    contacts = list(pupil.contacts.all())
    result.sees_all = True
    result.eal = getattr(pupil, "eal_record", None)
    result.lac = getattr(pupil, "lac_record", None)
    result.looked_after = pupil.looked_after
    result.pep_review = rules.review_status(
        due=result.lac.pep_review_date if result.lac else None, today=today
    )
    result.address = rules.address_protection((c.address, c.address_protected) for c in contacts)
    result.offer_protect = (
        result.can_edit_sensitive
        and pupil.looked_after
        and result.address in (rules.AddressProtection.NONE, rules.AddressProtection.PARTLY)
    )
    concerns = pupil.concerns.select_related("owner").order_by("-started_on", "-pk")
    if not may_have(pupil, HAS_CONCERNS):
        concerns = concerns.none()
    result.concerns = _split(
        (
            ConcernRow(
                r, rules.review_status(due=None if r.ended_on else r.review_date, today=today)
            )
            for r in concerns
        ),
        lambda row: row.record.ended_on is None,
    )
    return result
