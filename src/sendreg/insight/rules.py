"""The questions a good SENCO asks each term, as pure functions: no database, no requests.

Each ``finding_*`` function takes plain values (built by ``selectors`` from a snapshot, the
support plans, the provision map and the deadlines) and returns a list of ``Finding``:
empty when the question raises nothing. Where another app owns a rule (persistent
absence, the top-up threshold, a parents' meeting this term, an intervention targeting a
need), the function calls that app's rule rather than restating it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sendreg import codes
from sendreg.lib.figures import percent
from sendreg.provision import rules as provision_rules
from sendreg.pupils.rules import persistently_absent
from sendreg.support import rules as support_rules

E = codes.SenProvision.EHC_PLAN.value
K = codes.SenProvision.SEN_SUPPORT.value
N = codes.SenProvision.NO_SEN.value


class Severity(StrEnum):
    #: Act now: a pupil is missing something they are owed.
    HIGH = "high"
    #: Look into it this term.
    MEDIUM = "medium"
    #: Worth knowing; may be fine.
    LOW = "low"

    @property
    def label(self) -> str:
        return {
            Severity.HIGH: "Act now",
            Severity.MEDIUM: "Look into it this term",
            Severity.LOW: "Worth knowing",
        }[self]


class Key(StrEnum):
    REGISTER_VS_NATIONAL = "register_vs_national"
    NEEDS_VS_NATIONAL = "needs_vs_national"
    LOW_ATTENDANCE_WITHOUT_PLAN = "low_attendance_without_plan"
    NO_PLAN = "no_plan"
    NSA_HELD_LONG = "nsa_held_long"
    NEEDS_WITHOUT_PROVISION = "needs_without_provision"
    TRAINING_VS_NEEDS = "training_vs_needs"
    OVER_THRESHOLD = "over_threshold"
    OVERDUE_REVIEWS = "overdue_reviews"
    PARENTS_NOT_MET = "parents_not_met"
    DISPROPORTIONALITY = "disproportionality"


#: The question each finding answers, in plain English, in the order the page lists them.
QUESTIONS: dict[Key, str] = {
    Key.REGISTER_VS_NATIONAL: (
        "Is the share of pupils with an EHC plan or on SEN support well outside the national "
        "figure for the school's phase?"
    ),
    Key.NEEDS_VS_NATIONAL: "Is a primary need over- or under-represented against national?",
    Key.LOW_ATTENDANCE_WITHOUT_PLAN: (
        "Which pupils on the register or the monitoring list have attendance of 90% or below "
        "and no open support plan?"
    ),
    Key.NO_PLAN: "Which pupils on the register have no open support plan?",
    Key.NSA_HELD_LONG: "Who has held NSA (need still to be assessed) for more than a term?",
    Key.NEEDS_WITHOUT_PROVISION: (
        "Which need types on the register have no intervention targeting them?"
    ),
    Key.TRAINING_VS_NEEDS: "Do the largest and growing needs have staff trained in them?",
    Key.OVER_THRESHOLD: "Whose provision costs more than the notional £6,000 threshold?",
    Key.OVERDUE_REVIEWS: "Which plan reviews and EHC duties are overdue?",
    Key.PARENTS_NOT_MET: "Which parents of pupils on SEN support have not been met this term?",
    Key.DISPROPORTIONALITY: (
        "Are boys, pupils with pupil premium or summer-born pupils over-represented on the "
        "register compared with the school's roll?"
    ),
}


@dataclass(frozen=True)
class Finding:
    """One answer to one question: what was found, how serious, and whom or what it concerns.

    ``upns`` are the pupils concerned (never names: a page looks the names up for those
    allowed to see them); ``codes`` the need codes or groups; ``numbers`` the figures behind it.
    """

    key: str
    severity: Severity
    title: str
    detail: str
    upns: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    numbers: Mapping[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many pupils (or, when it concerns no pupils, codes) the finding concerns."""
        return len(self.upns) or len(self.codes)

    def as_json(self) -> dict[str, Any]:
        """One finding in ``sendreg insight --json`` (a public interface: see the README)."""
        return {
            "key": self.key,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "upns": list(self.upns),
            "codes": list(self.codes),
        }


# --- What the rules take ------------------------------------------------------------------


@dataclass(frozen=True)
class PupilFacts:
    """One pupil on roll on the day, as a snapshot keeps them: codes and flags, no name."""

    upn: str
    status: str = N
    needs: tuple[str, ...] = ()
    year_group: int | None = None
    gender: str = ""
    birth_month: int = 9
    monitoring: bool = False
    attendance: Decimal | None = None
    pupil_premium: bool = False
    fsm: bool = False
    eal: bool = False
    looked_after: bool = False
    open_plan: bool = False
    nsa_since: dt.date | None = None

    @property
    def on_register(self) -> bool:
        return self.status in (E, K)

    @property
    def primary_need(self) -> str:
        return self.needs[0] if self.needs else ""

    @property
    def summer_born(self) -> bool:
        return is_summer_born(self.birth_month)


@dataclass(frozen=True)
class NationalShares:
    """The national (or regional) figures a school is compared with, for its phase."""

    year: int
    phase: str
    e_pct: Decimal | None
    k_pct: Decimal | None
    sen_pct: Decimal | None
    #: Share of pupils with a status ("E", "K", or "" for all with SEN) whose primary need
    #: is a code, where a figure is published: {(status, code): percent}.
    needs: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Targets:
    """The need types and broad areas one intervention in the catalogue targets."""

    needs: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Duty:
    """A dated duty that is overdue: a plan review, an EHC deadline."""

    upn: str
    kind: str
    due: dt.date
    detail: str = ""


@dataclass(frozen=True)
class Meetings:
    """A pupil on SEN support since ``since``, with the parent meetings held this year."""

    upn: str
    since: dt.date
    held: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class Cost:
    upn: str
    cost: Decimal


# --- Figures the rules and the analysis share -----------------------------------------------

#: Born from April to August: the youngest in their year group.
SUMMER_MONTHS = frozenset({4, 5, 6, 7, 8})


def is_summer_born(birth_month: int) -> bool:
    return birth_month in SUMMER_MONTHS


def well_outside(school: Decimal, national: Decimal) -> bool:
    """Whether a school's percentage is well outside the national one: more than a third
    above or below it, and at least one percentage point away (so that a tiny national
    figure does not make every difference look large)."""
    gap = abs(school - national)
    return gap >= ONE_POINT and gap * 3 > national


ONE_POINT = Decimal(1)
#: A need is "held long" as NSA after this many days: a term with its holidays.
NSA_LONG_DAYS = 120
#: A group is over-represented when its members are this many times as likely to be on
#: the register as the rest of the roll (the risk ratio).
OVER_REPRESENTED_RATIO = Decimal("1.5")
#: Fewer pupils than this in a group (or on the register) says nothing about proportions.
MIN_GROUP = 5
#: The largest needs whose training is checked.
LARGEST_NEEDS = 3


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _sorted_upns(pupils: Iterable[PupilFacts]) -> tuple[str, ...]:
    return tuple(sorted(p.upn for p in pupils))


# --- The findings ------------------------------------------------------------------------------


def finding_register_vs_national(
    pupils: Sequence[PupilFacts], national: NationalShares | None
) -> list[Finding]:
    roll = len(pupils)
    if national is None or not roll:
        return []
    counts = Counter(p.status for p in pupils)
    found = []
    for status, label, national_pct in (
        (E, "with an EHC plan", national.e_pct),
        (K, "on SEN support", national.k_pct),
    ):
        if national_pct is None:
            continue
        school_pct = percent(counts[status], roll)
        if well_outside(school_pct, national_pct):
            direction = "above" if school_pct > national_pct else "below"
            found.append(
                Finding(
                    key=Key.REGISTER_VS_NATIONAL,
                    severity=Severity.MEDIUM,
                    title=f"Pupils {label}: {school_pct}% against {national_pct}% nationally",
                    detail=(
                        f"{_plural(counts[status], 'pupil')} of {roll} on roll ({school_pct}%) "
                        f"are {label}, well {direction} the figure for {national.phase} in "
                        f"England in January {national.year} ({national_pct}%)."
                    ),
                    codes=(status,),
                    numbers={
                        "status": status,
                        "count": counts[status],
                        "roll": roll,
                        "school_pct": school_pct,
                        "national_pct": national_pct,
                    },
                )
            )
    return found


def finding_needs_vs_national(
    pupils: Sequence[PupilFacts], national: NationalShares | None
) -> list[Finding]:
    """Compares the share of each primary need, among pupils with a status (E, K or all with
    SEN), with the national share where one is published for that status."""
    if national is None:
        return []
    found = []
    for (status, code), national_pct in sorted(national.needs.items()):
        group = [p for p in pupils if p.on_register and (not status or p.status == status)]
        if len(group) < MIN_GROUP:
            continue
        count = sum(1 for p in group if p.primary_need == code)
        school_pct = percent(count, len(group))
        if not well_outside(school_pct, national_pct):
            continue
        who = {E: "pupils with an EHC plan", K: "pupils on SEN support"}.get(
            status, "pupils with SEN"
        )
        direction = "over" if school_pct > national_pct else "under"
        found.append(
            Finding(
                key=Key.NEEDS_VS_NATIONAL,
                severity=Severity.LOW,
                title=(
                    f"{codes.need_label(code)} {direction}-represented among {who}: "
                    f"{school_pct}% against {national_pct}%"
                ),
                detail=(
                    f"{count} of {len(group)} {who} have {code} as their primary need "
                    f"({school_pct}%), against {national_pct}% in England in January "
                    f"{national.year}."
                ),
                codes=(code,),
                numbers={"status": status, "count": count, "of": len(group)},
            )
        )
    return found


def finding_low_attendance_without_plan(pupils: Sequence[PupilFacts]) -> list[Finding]:
    concerned = [
        p
        for p in pupils
        if (p.on_register or p.monitoring) and persistently_absent(p.attendance) and not p.open_plan
    ]
    if not concerned:
        return []
    return [
        Finding(
            key=Key.LOW_ATTENDANCE_WITHOUT_PLAN,
            severity=Severity.HIGH,
            title=(
                f"{_plural(len(concerned), 'pupil')} with attendance of 90% or below and no "
                "open support plan"
            ),
            detail=(
                "These pupils are on the register or the monitoring list and persistently "
                "absent (10% or more of sessions missed), with no open support plan to say "
                "what is being done."
            ),
            upns=_sorted_upns(concerned),
        )
    ]


def finding_no_plan(pupils: Sequence[PupilFacts]) -> list[Finding]:
    concerned = [p for p in pupils if p.on_register and not p.open_plan]
    if not concerned:
        return []
    return [
        Finding(
            key=Key.NO_PLAN,
            severity=Severity.MEDIUM,
            title=f"{_plural(len(concerned), 'pupil')} on the register with no open support plan",
            detail=(
                "Every pupil on the register should have a current assess, plan, do, review "
                "cycle: open a plan, or record why there is none."
            ),
            upns=_sorted_upns(concerned),
        )
    ]


def finding_nsa_held_long(pupils: Sequence[PupilFacts], *, day: dt.date) -> list[Finding]:
    cutoff = day - dt.timedelta(days=NSA_LONG_DAYS)
    concerned = [
        p
        for p in pupils
        if codes.NSA in p.needs and p.nsa_since is not None and p.nsa_since < cutoff
    ]
    if not concerned:
        return []
    return [
        Finding(
            key=Key.NSA_HELD_LONG,
            severity=Severity.MEDIUM,
            title=(
                f"{_plural(len(concerned), 'pupil')} with the need still to be assessed (NSA) "
                "for more than a term"
            ),
            detail=(
                f"NSA is for a short time while the need is assessed. These pupils have held "
                f"it for more than {NSA_LONG_DAYS} days: complete the assessment and record "
                "their need."
            ),
            upns=_sorted_upns(concerned),
            numbers={"days": NSA_LONG_DAYS},
        )
    ]


def _held_needs(pupils: Sequence[PupilFacts]) -> Counter[str]:
    """How many pupils on the register hold each need, at any rank (NSA left aside)."""
    held: Counter[str] = Counter()
    for p in pupils:
        if p.on_register:
            held.update(code for code in set(p.needs) if code != codes.NSA)
    return held


def finding_needs_without_provision(
    pupils: Sequence[PupilFacts], interventions: Sequence[Targets]
) -> list[Finding]:
    held = _held_needs(pupils)
    missing = sorted(
        code
        for code in held
        if not any(
            provision_rules.targets_need(
                need=code,
                need_area=provision_rules.area_of(code),
                target_needs=i.needs,
                target_areas=i.areas,
            )
            for i in interventions
        )
    )
    if not missing:
        return []
    listed = ", ".join(f"{code} ({held[code]})" for code in missing)
    return [
        Finding(
            key=Key.NEEDS_WITHOUT_PROVISION,
            severity=Severity.MEDIUM,
            title=f"{_plural(len(missing), 'need type')} on the register with no intervention",
            detail=(
                f"No intervention in the catalogue targets {listed} (pupils holding each need "
                "in brackets), by the need itself or its broad area."
            ),
            codes=tuple(missing),
            numbers={code: held[code] for code in missing},
        )
    ]


def finding_training_vs_needs(
    pupils: Sequence[PupilFacts],
    trained_in: Iterable[str],
    previous: Sequence[PupilFacts] | None = None,
) -> list[Finding]:
    """The largest needs (by pupils holding them) and those that grew since the previous
    snapshot, where no member of staff has training in the need or its broad area."""
    trained = set(trained_in)
    held = _held_needs(pupils)
    largest = set(sorted(held, key=lambda c: (-held[c], c))[:LARGEST_NEEDS])
    before = _held_needs(previous) if previous is not None else Counter()
    growing = {code for code in held if previous is not None and held[code] > before[code]}
    untrained = sorted(
        (code for code in largest | growing if not {code, provision_rules.area_of(code)} & trained),
        key=lambda c: (-held[c], c),
    )
    if not untrained:
        return []
    listed = ", ".join(
        f"{code} ({held[code]}{', growing' if code in growing else ''})" for code in untrained
    )
    return [
        Finding(
            key=Key.TRAINING_VS_NEEDS,
            severity=Severity.MEDIUM,
            title=f"{_plural(len(untrained), 'large or growing need')} with no staff trained",
            detail=(
                f"The training log has no one trained in {listed} (pupils holding each need in "
                "brackets), by the need or its broad area."
            ),
            codes=tuple(untrained),
            numbers={code: held[code] for code in untrained},
        )
    ]


def finding_over_threshold(costs: Sequence[Cost], *, threshold: Decimal) -> list[Finding]:
    concerned = [c for c in costs if provision_rules.over_threshold(c.cost, threshold)]
    if not concerned:
        return []
    return [
        Finding(
            key=Key.OVER_THRESHOLD,
            severity=Severity.LOW,
            title=(
                f"{_plural(len(concerned), 'pupil')} whose provision costs more than "
                f"{provision_rules.format_pounds(threshold)} this year"
            ),
            detail=(
                "Provision above the notional threshold is usually the ground for asking the "
                "local authority for top-up funding, or for an EHC needs assessment."
            ),
            upns=tuple(sorted(c.upn for c in concerned)),
            numbers={"threshold": threshold},
        )
    ]


def finding_overdue_reviews(duties: Sequence[Duty]) -> list[Finding]:
    if not duties:
        return []
    upns = tuple(sorted({d.upn for d in duties if d.upn}))
    kinds = tuple(sorted({d.kind for d in duties}))
    return [
        Finding(
            key=Key.OVERDUE_REVIEWS,
            severity=Severity.HIGH,
            title=f"{_plural(len(duties), 'review or EHC duty', 'reviews and EHC duties')} overdue",
            detail=(
                f"{_plural(len(duties), 'duty', 'duties')} for "
                f"{_plural(len(upns), 'pupil')} passed their date without being done."
            ),
            upns=upns,
            codes=kinds,
            numbers={"duties": len(duties)},
        )
    ]


def finding_parents_not_met(
    meetings: Sequence[Meetings], *, per_year: int, day: dt.date
) -> list[Finding]:
    """Pupils on SEN support whose parents have not been met this term, by the support
    plans' own rule (``support.rules.meetings_due``)."""
    concerned = sorted(
        m.upn
        for m in meetings
        if not support_rules.meetings_due(
            per_year=per_year, since=m.since, held=m.held, today=day
        ).met_this_term
    )
    if not concerned:
        return []
    term = support_rules.term_of(day).label.lower()
    return [
        Finding(
            key=Key.PARENTS_NOT_MET,
            severity=Severity.MEDIUM,
            title=(
                f"Parents of {_plural(len(concerned), 'pupil')} on SEN support not met this term"
            ),
            detail=(
                f"The school meets the parents of each pupil on SEN support {per_year} times a "
                f"year; these parents have had no meeting in the {term}."
            ),
            upns=tuple(concerned),
            numbers={"per_year": per_year},
        )
    ]


#: The groups disproportionality looks at, each with a test of one pupil.
GROUPS: dict[str, str] = {
    "boys": "boys",
    "pupil_premium": "pupils with pupil premium",
    "summer_born": "summer-born pupils (born April to August)",
}


def _in_group(group: str, pupil: PupilFacts) -> bool:
    if group == "boys":
        return pupil.gender == "M"
    if group == "pupil_premium":
        return pupil.pupil_premium
    return pupil.summer_born


def finding_disproportionality(pupils: Sequence[PupilFacts]) -> list[Finding]:
    """Groups whose members are at least 1.5 times as likely to be on the register as the
    rest of the roll, with at least five of them on it."""
    found = []
    for group, label in GROUPS.items():
        inside = [p for p in pupils if _in_group(group, p)]
        outside = [p for p in pupils if not _in_group(group, p)]
        on_inside = sum(1 for p in inside if p.on_register)
        on_outside = sum(1 for p in outside if p.on_register)
        if on_inside < MIN_GROUP or not outside:
            continue
        rate_inside = Decimal(on_inside) / len(inside)
        rate_outside = Decimal(on_outside) / len(outside)
        if rate_outside and rate_inside < rate_outside * OVER_REPRESENTED_RATIO:
            continue
        share_roll = percent(len(inside), len(pupils))
        share_register = percent(on_inside, on_inside + on_outside)
        found.append(
            Finding(
                key=Key.DISPROPORTIONALITY,
                severity=Severity.LOW,
                title=f"{label.capitalize()} over-represented on the register",
                detail=(
                    f"{label.capitalize()} are {share_roll}% of the roll but {share_register}% "
                    f"of the register: {percent(on_inside, len(inside))}% of them are on it, "
                    f"against {percent(on_outside, len(outside))}% of other pupils."
                ),
                codes=(group,),
                numbers={
                    "share_of_roll": share_roll,
                    "share_of_register": share_register,
                    "on_register": on_inside,
                    "in_group": len(inside),
                },
            )
        )
    return found


# --- All of them -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """Everything the findings look at for one school on one day.

    A part that is None is "not available" (the app holding it is not installed, or the
    school does not use it): its questions are skipped, never guessed.
    """

    day: dt.date
    pupils: Sequence[PupilFacts]
    national: NationalShares | None = None
    previous: Sequence[PupilFacts] | None = None
    interventions: Sequence[Targets] | None = None
    trained_in: Sequence[str] | None = None
    costs: Sequence[Cost] | None = None
    threshold: Decimal = provision_rules.DEFAULT_TOPUP_THRESHOLD
    duties: Sequence[Duty] | None = None
    meetings: Sequence[Meetings] | None = None
    meetings_per_year: int = support_rules.DEFAULT_MEETINGS_PER_YEAR


def findings(inputs: Inputs) -> list[Finding]:
    """Every finding for the day, most serious first, then in the order of ``QUESTIONS``."""
    pupils = inputs.pupils
    found = [
        *finding_register_vs_national(pupils, inputs.national),
        *finding_needs_vs_national(pupils, inputs.national),
        *finding_low_attendance_without_plan(pupils),
        *finding_no_plan(pupils),
        *finding_nsa_held_long(pupils, day=inputs.day),
        *finding_disproportionality(pupils),
    ]
    if inputs.interventions is not None:
        found += finding_needs_without_provision(pupils, inputs.interventions)
    if inputs.trained_in is not None:
        found += finding_training_vs_needs(pupils, inputs.trained_in, inputs.previous)
    if inputs.costs is not None:
        found += finding_over_threshold(inputs.costs, threshold=inputs.threshold)
    if inputs.duties is not None:
        found += finding_overdue_reviews(inputs.duties)
    if inputs.meetings is not None:
        found += finding_parents_not_met(
            inputs.meetings, per_year=inputs.meetings_per_year, day=inputs.day
        )
    order = {key.value: index for index, key in enumerate(QUESTIONS)}
    severities = list(Severity)
    return sorted(found, key=lambda f: (severities.index(f.severity), order[f.key]))


def finding_counts(found: Iterable[Finding]) -> dict[str, int]:
    """{key: how many pupils or codes} for every question, 0 where nothing was found."""
    counts = {key.value: 0 for key in QUESTIONS}
    for f in found:
        counts[f.key] += f.count
    return counts
