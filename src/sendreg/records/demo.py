"""The other registers in a demo school: medical conditions, EAL, looked-after children and
exam access arrangements.

The demo's MIS flags say which pupils have a medical need, English as an additional
language or a care placement; here the school's own details are recorded for them, through
the app's services (so each is audited as a person's entry would be). A few healthcare
plan reviews, PEP reviews and arrangements fall due within the fortnight, so the
Deadlines panel shows each kind; a few flagged pupils are left without details, as the
registers show a pupil the MIS flags and the school has not yet recorded.
"""

from __future__ import annotations

import datetime as dt
import random

from sendreg.accounts.permissions import Role
from sendreg.lib.dates import add_months
from sendreg.lib.extensions import DemoSchool
from sendreg.pupils.models import Pupil
from sendreg.records import services
from sendreg.records.rules import Arrangement, KeyStage
from sendreg.register.selectors import on_register

#: (condition, whether it needs an Individual Healthcare Plan).
CONDITIONS = (
    ("Asthma", False),
    ("Type 1 diabetes", True),
    ("Epilepsy", True),
    ("Severe nut allergy (anaphylaxis)", True),
    ("Coeliac disease", False),
    ("Sickle cell disease", True),
    ("Eczema", False),
    ("Migraine", False),
)
LANGUAGES = (
    "Polish", "Urdu", "Punjabi", "Romanian", "Arabic", "Bengali", "Somali", "Portuguese",
    "Lithuanian", "Tamil", "Ukrainian", "Gujarati",
)  # fmt: skip
AUTHORITIES = ("Northshire County Council", "Eastbury Borough Council", "City of Westford Council")
#: The arrangements a secondary school most often applies for, with the evidence for each.
ARRANGEMENTS = (
    (Arrangement.EXTRA_TIME_25, "Below-average speed of reading and writing (Form 8, part 2)."),
    (Arrangement.READER, "Below-average reading accuracy and comprehension (Form 8, part 2)."),
    (Arrangement.WORD_PROCESSOR, "Word processing is the pupil's normal way of working."),
    (Arrangement.REST_BREAKS, "Medical evidence of a condition affecting concentration."),
    (Arrangement.SEPARATE_ROOM, "Anxiety in the exam hall, evidenced by the pastoral team."),
)
#: A Personal Education Plan is reviewed every term.
PEP_REVIEW = dt.timedelta(weeks=13)
#: Exam access assessments are valid for 26 months (JCQ).
ARRANGEMENT_MONTHS = 26
#: Of the pupils the MIS flags, the share whose details the school has recorded.
RECORDED_SHARE = 0.9
#: Of Year 10 and 11 pupils on the SEN register, the share with an exam access arrangement.
ARRANGEMENT_SHARE = 0.4


def fill(demo: DemoSchool) -> None:
    rng = random.Random(f"{demo.seed}-records")  # noqa: S311 - invented data
    senco, office = demo.staff[Role.SENCO], demo.staff[Role.OFFICE]
    today = demo.today
    medical = _recorded([p for p in demo.pupils if p.medical], rng)
    plans = 0
    for n, pupil in enumerate(medical):
        condition, needs_plan = CONDITIONS[n % len(CONDITIONS)]
        services.medical_condition_create(
            pupil=pupil,
            condition=condition,
            has_ihp=needs_plan,
            # Reviewed yearly; the first few plans fall due around now.
            ihp_review_date=today + dt.timedelta(days=_spread(plans, rng)) if needs_plan else None,
            by=office,
        )
        plans += needs_plan
    eal = _recorded([p for p in demo.pupils if p.eal], rng)
    for pupil in eal:
        services.eal_record_create(
            pupil=pupil,
            first_language=rng.choice(LANGUAGES),
            started_in_english_schools=pupil.admission_date if rng.random() < 0.6 else None,
            by=office,
        )
    looked_after = [p for p in demo.pupils if p.looked_after]
    for n, pupil in enumerate(looked_after):
        # A PEP is reviewed every term; the latest meeting was in the last few months, and
        # the first child's review falls due this week.
        ago = (
            PEP_REVIEW - dt.timedelta(days=5)
            if n == 0
            else dt.timedelta(days=rng.randrange(20, 85))
        )
        pep = today - ago
        services.lac_record_create(
            pupil=pupil,
            responsible_authority=AUTHORITIES[n % len(AUTHORITIES)],
            pep_date=pep,
            pep_review_date=pep + PEP_REVIEW,
            designated_teacher=demo.staff[Role.DEPUTY_SENCO],
            by=senco,
        )
    arrangements = _arrangements(demo, rng)
    demo.report.append(
        f"{len(medical)} medical conditions ({plans} with a healthcare plan), {len(eal)} EAL "
        f"records, {len(looked_after)} looked-after records and {arrangements} exam access "
        "arrangements."
    )


def _recorded(flagged: list[Pupil], rng: random.Random) -> list[Pupil]:
    return [p for p in flagged if rng.random() < RECORDED_SHARE]


def _spread(n: int, rng: random.Random) -> int:
    """Days from today to the ``n``th plan's yearly review: the first overdue, the next two due
    within the fortnight, the rest across the year."""
    return (-5, 3, 10)[n] if n < 3 else rng.randrange(20, 365)


def _arrangements(demo: DemoSchool, rng: random.Random) -> int:
    """Arrangements for some Year 10 and 11 pupils on the register, approved when they were
    assessed; the first expires within the fortnight."""
    today = demo.today
    seniors = [p for p in demo.pupils if p.year_group in (10, 11)]
    registered = set(
        on_register(Pupil.objects.filter(pk__in=[p.pk for p in seniors]), day=today).values_list(
            "pk", flat=True
        )
    )
    chosen = [p for p in seniors if p.pk in registered and rng.random() < ARRANGEMENT_SHARE]
    for n, pupil in enumerate(chosen):
        arrangement, evidence = ARRANGEMENTS[n % len(ARRANGEMENTS)]
        expires = today + dt.timedelta(days=7) if n == 0 else None
        approved = (
            add_months(expires, -ARRANGEMENT_MONTHS)
            if expires is not None
            else today - dt.timedelta(days=rng.randrange(14, 300))
        )
        services.exam_arrangement_create(
            pupil=pupil,
            arrangement=arrangement,
            key_stage=KeyStage.KS4,
            evidence=evidence,
            approved_on=approved,
            expires_on=expires or add_months(approved, ARRANGEMENT_MONTHS),
            by=demo.staff[Role.SENCO],
        )
    return len(chosen)
