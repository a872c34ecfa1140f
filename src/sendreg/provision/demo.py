"""A realistic provision map for a demo school.

About 25 interventions across the three waves, run over the last three terms for pupils
on the register whose needs they target, with entry and exit scores. Two stand out on
purpose: precision teaching clearly works (large gains), the old reading comprehension
booster does not (no gain to speak of). Pupils with an EHC plan and many hours of
one-to-one support cost more than the top-up threshold. The anger management group was
never measured, so it shows on the SENCO's home page. Every person is invented; everything
is written through the services, so checked and audited as the SENCO's own entries are.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sendreg import codes
from sendreg.accounts.models import User
from sendreg.accounts.permissions import Role
from sendreg.lib.extensions import DemoSchool
from sendreg.provision import rules, services
from sendreg.provision.models import Enrolment, Intervention, Run
from sendreg.provision.rules import Measure, TrainingLevel
from sendreg.pupils.models import Pupil
from sendreg.register.selectors import needs_on, on_register

D = Decimal
TA, TEACHER, SPECIALIST, OUTSIDE = "ta", "teacher", "specialist", "outside"


@dataclass(frozen=True)
class Plan:
    """A catalogue entry and how the demo runs it."""

    name: str
    needs: tuple[str, ...]
    areas: tuple[str, ...]
    wave: int
    role: str
    group: int
    sessions: Decimal
    minutes: int
    weeks: int
    rate: Decimal
    resources: Decimal
    measure: str = Measure.NONE
    scale: tuple[str, Decimal, Decimal] | None = None
    entry: tuple[float, float] = (0.0, 0.0)  # mean, sd of entry scores
    gain: tuple[float, float] = (0.0, 0.0)  # mean, sd of gains
    target_gain: float = 0.0
    who: str = TA
    groups: int = 2  # groups a term, when there are enough pupils
    whole_year: bool = False
    measured: bool = True
    description: str = ""


CATALOGUE: tuple[Plan, ...] = (
    Plan("Precision teaching (reading)", ("SPLD", "MLD"), (), 3, "Teaching assistant", 1,
         D(3), 10, 12, D("16.50"), D(5), Measure.READING_AGE, entry=(96, 9), gain=(12, 3),
         target_gain=6, groups=6,
         description="Short daily bursts on a small set of words until they are fluent."),
    Plan("Reading comprehension booster (old scheme)", ("SPLD", "MLD"), ("cognition",), 2,
         "Teaching assistant", 6, D(2), 40, 12, D("16.50"), D(18), Measure.STANDARDISED,
         entry=(84, 7), gain=(0, 3), target_gain=5, groups=2,
         description="The comprehension scheme bought in 2019: worksheets and group reading."),
    Plan("Lexia Core5", ("SPLD", "MLD"), (), 2, "Teaching assistant", 6, D(3), 20, 24,
         D("16.50"), D(35), Measure.STANDARDISED, entry=(83, 7), gain=(4, 4), target_gain=4,
         groups=2, description="Adaptive online reading programme with TA check-ins."),
    Plan("Toe by Toe", ("SPLD",), (), 3, "Teaching assistant", 1, D(5), 15, 20, D("16.50"),
         D(12), Measure.READING_AGE, entry=(100, 12), gain=(6, 4), target_gain=5, groups=4),
    Plan("Phonics catch-up (Fresh Start)", ("SPLD", "MLD"), (), 2, "Teaching assistant", 4,
         D(4), 30, 12, D("16.50"), D(15), Measure.READING_AGE, entry=(95, 12), gain=(7, 4),
         target_gain=6, groups=2),
    Plan("Spelling group (Nessy)", ("SPLD",), (), 2, "Teaching assistant", 6, D(2), 30, 12,
         D("16.50"), D(20), Measure.SPELLING_AGE, entry=(102, 12), gain=(5, 4), target_gain=4),
    Plan("Maths catch-up (Numicon)", ("MLD",), ("cognition",), 2, "Teaching assistant", 4, D(2),
         30, 12, D("16.50"), D(8), Measure.STANDARDISED, entry=(82, 6), gain=(3, 4),
         target_gain=4),
    Plan("Touch typing (TTRS)", ("SPLD", "PD"), (), 2, "Teaching assistant", 6, D(3), 20, 12,
         D("16.50"), D(25), Measure.SCALE, ("Words per minute", D(0), D(80)), entry=(14, 5),
         gain=(8, 4), target_gain=8, groups=1),
    Plan("Talk Boost KS3", ("SLCN",), ("communication",), 2, "Teaching assistant", 6, D(2), 40,
         10, D("16.50"), D(15), Measure.SCALE, ("Talk Boost assessment", D(0), D(40)),
         entry=(18, 5), gain=(5, 3), target_gain=5),
    Plan("Speech and language therapy", ("SLCN",), (), 3, "Speech and language therapist", 1,
         D(1), 45, 10, D("60.00"), D(0), Measure.SCALE, ("Goal attainment", D(1), D(5)),
         entry=(1.6, 0.5), gain=(1.2, 0.6), target_gain=1, who=OUTSIDE, groups=4,
         description="Bought in from the NHS traded service: assessment, therapy and advice."),
    Plan("Vocabulary enrichment group", ("SLCN", "MLD"), (), 2, "Teaching assistant", 5, D(2), 30,
         12, D("16.50"), D(6), Measure.STANDARDISED, entry=(84, 7), gain=(2, 4), target_gain=4),
    Plan("Pre-teaching vocabulary in science", ("SLCN", "MLD"), (), 2, "Teaching assistant", 5,
         D(2), 20, 12, D("16.50"), D(0)),
    Plan("Social skills group (LEGO-based therapy)", ("ASD",), (), 2, "Teaching assistant", 3,
         D(1), 45, 12, D("16.50"), D(10), Measure.SCALE,
         ("Social skills checklist", D(0), D(30)), entry=(12, 4), gain=(3, 3), target_gain=3),
    Plan("Zones of Regulation", ("ASD", "SEMH"), (), 2, "Teaching assistant", 6, D(1), 50, 10,
         D("16.50"), D(8), Measure.SCALE, ("Self-regulation checklist", D(0), D(20)),
         entry=(8, 3), gain=(2.5, 2.5), target_gain=2),
    Plan("Sensory circuits", ("ASD",), ("sensory",), 2, "Teaching assistant", 6, D(5), 15, 12,
         D("16.50"), D(0)),
    Plan("ELSA sessions", ("SEMH",), (), 3, "Emotional literacy support assistant", 1, D(1), 45, 8,
         D("18.00"), D(0), Measure.SCALE, ("ELSA rating", D(0), D(10)), entry=(4, 1.5),
         gain=(2, 1.5), target_gain=2, groups=5),
    Plan("School counselling", ("SEMH",), (), 3, "School counsellor", 1, D(1), 50, 10, D("45.00"),
         D(0), Measure.SCALE, ("Wellbeing scale (SWEMWBS)", D(7), D(35)), entry=(17, 4),
         gain=(3, 3), target_gain=3, who=OUTSIDE, groups=4),
    Plan("Nurture group", ("SEMH",), ("semh",), 2, "Teacher and teaching assistant", 8, D(5), 60,
         36, D("30.00"), D(40), Measure.SCALE, ("Boxall Profile", D(0), D(136)), entry=(70, 15),
         gain=(10, 8), target_gain=8, who=TEACHER, groups=1, whole_year=True),
    Plan("Anger management group", ("SEMH",), (), 2, "Learning mentor", 6, D(1), 60, 8,
         D("20.00"), D(5), Measure.SCALE, ("Anger checklist", D(0), D(25)), groups=1,
         measured=False),
    Plan("Mentoring for attendance", ("SEMH",), (), 2, "Learning mentor", 1, D(1), 30, 12,
         D("20.00"), D(0), groups=4),
    Plan("One-to-one support (EHC plan)", (), ("cognition", "communication", "semh", "sensory"),
         3, "Teaching assistant", 1, D(5), 180, 38, D("16.50"), D(0), groups=0,
         whole_year=True, description="Hours set by the pupil's EHC plan, section F."),
    Plan("Small group support in English and maths", ("MLD", "SPLD"), ("cognition",), 2,
         "Teaching assistant", 4, D(5), 60, 38, D("16.50"), D(0), groups=2, whole_year=True),
    Plan("Handwriting (Speed Up!)", ("PD", "SPLD"), ("sensory",), 2, "Teaching assistant", 4,
         D(2), 30, 10, D("16.50"), D(6)),
    Plan("Teacher of the deaf visits", ("HI",), (), 3, "Teacher of the deaf", 1, D("0.5"), 60,
         38, D("50.00"), D(0), who=OUTSIDE, groups=3, whole_year=True),
    Plan("Habilitation and mobility (VI)", ("VI",), (), 3, "Habilitation specialist", 1,
         D("0.5"), 60, 38, D("50.00"), D(0), who=OUTSIDE, groups=2, whole_year=True),
    Plan("Visual timetables and task boards", ("ASD",), ("communication",), 1,
         "Class teacher with a teaching assistant", 30, D(1), 10, 38, D("16.50"), D(5),
         groups=1, whole_year=True,
         description="Quality first teaching: routines every class uses, made consistent."),
)  # fmt: skip

#: (staff key or "" for someone who does not log in, their name then, course, level, area,
#: days ago)
TRAINING = (
    ("senco", "", "National Professional Qualification for SENCOs", TrainingLevel.SPECIALIST,
     "cognition", 400),
    ("ta", "", "Precision teaching", TrainingLevel.ENHANCED, "SPLD", 300),
    ("ta", "", "ELSA training (educational psychology service)", TrainingLevel.SPECIALIST,
     "SEMH", 250),
    ("teacher", "", "Autism awareness (Autism Education Trust)", TrainingLevel.AWARENESS, "ASD",
     200),
    ("teacher1", "", "Talk Boost KS3 licensed tutor", TrainingLevel.ENHANCED, "SLCN", 180),
    ("teacher2", "", "Mental health first aid", TrainingLevel.ENHANCED, "semh", 150),
    ("teacher3", "", "Deaf awareness", TrainingLevel.AWARENESS, "HI", 120),
    ("teacher4", "", "Team Teach: positive behaviour and de-escalation", TrainingLevel.ENHANCED,
     "SEMH", 90),
    ("", "Whole staff (INSET day)", "Makaton level 1", TrainingLevel.AWARENESS, "communication",
     60),
    ("", "Priya Shah, visiting specialist teacher", "Dyslexia assessment (AMBDA)",
     TrainingLevel.SPECIALIST, "SPLD", 30),
)  # fmt: skip

OUTSIDE_STAFF = {
    "Speech and language therapist": "Speech and language therapist (NHS traded service)",
    "School counsellor": "Place2Be counsellor",
    "Teacher of the deaf": "Sensory support service",
    "Habilitation specialist": "Sensory support service",
}


def _terms(year: int) -> list[tuple[dt.date, dt.date]]:
    """Autumn, spring and summer of a school year, about as most schools have them."""
    friday = dt.timedelta(days=4)
    return [
        (_monday(dt.date(year, 9, 4)), _monday(dt.date(year, 12, 15)) + friday),
        (_monday(dt.date(year + 1, 1, 5)), _monday(dt.date(year + 1, 3, 23)) + friday),
        (_monday(dt.date(year + 1, 4, 13)), _monday(dt.date(year + 1, 7, 13)) + friday),
    ]


def _monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def recent_terms(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The last three terms to have started by ``today``, oldest first."""
    year = rules.school_year_of(today)
    started = [t for y in (year - 1, year) for t in _terms(y) if t[0] <= today]
    return started[-3:]


def _score(rng: random.Random, mean: float, sd: float, low: Decimal, high: Decimal) -> Decimal:
    value = (
        Decimal(str(round(rng.gauss(mean, sd))))
        if sd >= 1
        else Decimal(f"{rng.gauss(mean, sd):.1f}")
    )
    return min(max(value, low), high)


def fill(demo: DemoSchool) -> None:
    rng = random.Random(f"{demo.seed}-provision")  # noqa: S311 - invented data
    school, today = demo.school, demo.today
    pupils = {p.pk: p for p in demo.pupils}
    register = dict(
        on_register(Pupil.objects.filter(pk__in=list(pupils)), day=today).values_list(
            "pk", "sen_status"
        )
    )
    needs = needs_on(register, day=today)
    staff: dict[str, User] = dict(demo.staff)
    ta, senco = staff[Role.TEACHING_ASSISTANT], staff[Role.SENCO]
    teachers = [u for k, u in staff.items() if k.startswith("teacher")] or [senco]

    # Written through the services, so checked and audited as the SENCO's own entries are.
    interventions = [
        services.intervention_create(
            school=school, by=senco, name=p.name, description=p.description,
            need_codes=list(p.needs), areas=list(p.areas), wave=p.wave, staff_role=p.role,
            group_size=p.group, sessions_per_week=p.sessions, minutes_per_session=p.minutes,
            typical_weeks=p.weeks, hourly_rate=p.rate, resources_per_pupil=p.resources,
            measure=p.measure, scale_name=p.scale[0] if p.scale else "",
            scale_min=p.scale[1] if p.scale else None, scale_max=p.scale[2] if p.scale else None,
        )
        for p in CATALOGUE
    ]  # fmt: skip
    terms = recent_terms(today)
    year_start, year_end = (
        _terms(rules.school_year_of(today))[0][0],
        _terms(rules.school_year_of(today))[2][1],
    )
    runs: list[tuple[Run, Plan, list[int]]] = []

    def run(intervention: Intervention, who: list[User], **fields: Any) -> Run:
        return services.run_create(intervention=intervention, by=senco, staff=who, **fields)

    for plan, intervention in zip(CATALOGUE, interventions, strict=True):
        wanted = set(plan.needs) | {
            code for code in codes.need_codes() if rules.area_of(code) in plan.areas
        }
        eligible = sorted(pk for pk, held in needs.items() if wanted & set(held))
        if plan.name.startswith("One-to-one"):
            continue
        periods = [(year_start, year_end)] if plan.whole_year else terms
        for start, end in periods:
            begin = start + dt.timedelta(days=7) if not plan.whole_year else start
            finish = min(end, begin + dt.timedelta(days=plan.weeks * 7 - 3))
            pool = rng.sample(eligible, len(eligible))
            for _ in range(plan.groups):
                members, pool = pool[: plan.group], pool[plan.group :]
                if not members:
                    break
                who = (
                    [ta]
                    if plan.who == TA
                    else [rng.choice(teachers), ta]
                    if plan.who == TEACHER
                    else []
                )
                weeks = (
                    plan.weeks
                    if plan.whole_year
                    else min(plan.weeks, (finish - begin).days // 7 + 1)
                )
                made_run = run(
                    intervention, who, start_date=begin, end_date=finish, weeks=weeks,
                    other_staff=OUTSIDE_STAFF.get(plan.role, "") if plan.who == OUTSIDE else "",
                )  # fmt: skip
                runs.append((made_run, plan, members))
    # One-to-one support for about half the pupils with an EHC plan, for the whole year: the
    # hours their plans set, from 8 to 20 a week, put most of them above the threshold.
    one_to_one = next(i for i in interventions if i.name.startswith("One-to-one"))
    one_plan = next(p for p in CATALOGUE if p.name.startswith("One-to-one"))
    with_plans = sorted(pk for pk, status in register.items() if status == "E")
    for pk in rng.sample(with_plans, len(with_plans) // 2):
        minutes = rng.choice([96, 120, 150, 180, 210, 240])
        made_run = run(
            one_to_one, [ta], start_date=year_start, end_date=year_end, weeks=38, group_size=1,
            sessions_per_week=D(5), minutes_per_session=minutes, resources_per_pupil=D(0),
        )  # fmt: skip
        runs.append((made_run, one_plan, [pk]))
    made = [r for r, _, _ in runs]
    enrolments: list[Enrolment] = []
    for made_run, plan, members in runs:
        enrolments += _enrolments(rng, made_run, plan, [pupils[pk] for pk in members], today,
                                  by=senco)  # fmt: skip
    for key, name, what, level, area, days in TRAINING:
        services.training_record_create(
            school=school, by=senco, user=staff.get(key) if key else None, name="" if key else name,
            what=what, level=level, need_area=area, on=today - dt.timedelta(days=days),
        )  # fmt: skip
    year = rules.school_year_of(today)
    by_run = {run.pk: run for run in made}
    costs: dict[int, Decimal] = {}
    for e in enrolments:
        run = by_run[e.run_id]
        cost = rules.in_school_year(
            rules.pupil_run_cost(run.costing()), start=run.start_date, end=run.end_date, year=year
        )
        if rules.overlaps_school_year(run.start_date, run.end_date, year):
            costs[e.pupil_id] = costs.get(e.pupil_id, rules.ZERO) + cost
    over = sum(1 for cost in costs.values() if cost > rules.DEFAULT_TOPUP_THRESHOLD)
    demo.report.append(
        f"Provision map: {len(interventions)} interventions, {len(made)} runs over three terms, "
        f"{len(enrolments)} places; {over} pupils above the top-up threshold."
    )


def _enrolments(
    rng: random.Random, run: Run, plan: Plan, members: list[Pupil], today: dt.date, *, by: User
) -> list[Enrolment]:
    """The pupils put in the run, and their attendance and scores recorded, through the
    services."""
    low, high = rules.score_range(plan.measure, *(plan.scale[1:] if plan.scale else (None, None)))
    low = low if low is not None else D(-1000)
    high = high if high is not None else D(1000)
    ended = run.end_date < today
    started = run.start_date <= today
    planned = int(run.sessions_per_week * run.weeks)
    made = services.enrolment_add(run=run, pupils=members, by=by)
    changes: dict[int, dict[str, Any]] = {}
    for enrolment in made:
        values: dict[str, Any] = {}
        if ended:
            values["sessions_attended"] = max(1, round(planned * rng.uniform(0.7, 1.0)))
        if plan.measure != Measure.NONE and plan.measured and started:
            entry = _score(rng, *plan.entry, low, high)
            values["entry_score"] = entry
            values["target_score"] = min(high, entry + D(str(plan.target_gain)))
            # About one pupil in twenty misses the exit assessment (absent, or left early).
            if ended and rng.random() > 0.05:
                values["exit_score"] = min(
                    max(entry + _score(rng, *plan.gain, D(-1000), D(1000)), low), high
                )
        if values:
            changes[enrolment.pk] = values
    if changes:
        services.measures_record(run=run, changes=changes, by=by)
        made = list(run.enrolments.order_by("pk"))
    return made
