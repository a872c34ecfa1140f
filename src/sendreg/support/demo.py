"""Demo support plans: most pupils on the register have an open plan with one or two
reviewed cycles behind it, meetings with their parents, a passport; a few have
specialists with small generated PDF reports; a handful have no plan or an overdue
review, so that every panel has something to show. Invented; written through the services,
so checked and audited as a SENCO's own entries are."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sendreg.accounts.models import User
from sendreg.accounts.permissions import Role
from sendreg.lib.documents import Document, Facts, Heading, Paragraph, document_pdf
from sendreg.lib.extensions import DemoSchool
from sendreg.pupils.models import Pupil
from sendreg.register.models import MonitoringEntry
from sendreg.register.selectors import needs_on, on_register
from sendreg.support import rules, services
from sendreg.support.models import SupportPlan

DAY = dt.timedelta(days=1)

#: (outcome, what is measured, baseline, target) by primary need.
OUTCOMES: dict[str, list[tuple[str, str, str, str]]] = {
    "SPLD": [
        (
            "Read a page of a class text aloud with few errors",
            "Words read correctly in a minute",
            "48",
            "70",
        ),
        (
            "Spell the common exception words for Year 5 and 6",
            "Words spelled correctly out of 20",
            "9",
            "16",
        ),
        (
            "Plan writing with a frame before starting",
            "Pieces planned out of the last five",
            "1",
            "4",
        ),
    ],
    "MLD": [
        (
            "Use number bonds to 20 without counting on fingers",
            "Correct answers in a two-minute test",
            "11",
            "20",
        ),
        (
            "Follow a two-step instruction in class",
            "Times done without reminder out of 10",
            "4",
            "8",
        ),
        (
            "Read and understand a short passage",
            "Reading age",
            "7 years 6 months",
            "8 years 3 months",
        ),
    ],
    "SLCN": [
        (
            "Ask for help using a question, not by waiting",
            "Times asked for help in a lesson",
            "0",
            "2",
        ),
        ("Use new subject words in a spoken sentence", "Key words used in a week", "2", "8"),
        ("Retell a short story in the right order", "Events told in order out of 6", "2", "5"),
    ],
    "ASD": [
        (
            "Move between lessons calmly using the visual timetable",
            "Calm changes out of 10 observed",
            "5",
            "9",
        ),
        ("Take part in paired work for ten minutes", "Minutes on task with a partner", "3", "10"),
        (
            "Use the agreed card to ask for a break",
            "Breaks asked for with the card in a week",
            "1",
            "5",
        ),
    ],
    "SEMH": [
        (
            "Stay in the lesson and use the time-out card instead of leaving",
            "Lessons left without the card each week",
            "6",
            "1",
        ),
        (
            "Name a feeling and a way to calm down",
            "Check-ins completed with a named feeling",
            "2 of 5",
            "5 of 5",
        ),
        (
            "Start work within five minutes of being asked",
            "Starts within five minutes out of 10",
            "3",
            "8",
        ),
    ],
    "HI": [
        ("Use the radio aid in every lesson", "Lessons with the aid in use out of 25", "15", "25")
    ],
    "VI": [
        (
            "Use enlarged materials without asking",
            "Lessons with materials ready out of 25",
            "18",
            "25",
        )
    ],
    "PD": [("Type longer answers on the laptop", "Words typed in ten minutes", "60", "120")],
}
STRATEGIES = {
    "SPLD": (
        "Give printed notes rather than copying from the board. Allow a coloured overlay. "
        "Check spellings of key words at the start."
    ),
    "MLD": (
        "Break tasks into small steps with a worked example. Give extra time to think before "
        "answering."
    ),
    "SLCN": (
        "Give short, clear instructions one at a time. Check understanding by asking the pupil "
        "to say it back. Pre-teach key words."
    ),
    "ASD": "Warn of changes to routine. Seat away from noise and doors. Use the visual timetable.",
    "SEMH": (
        "Meet at the door with a calm greeting. Use the agreed time-out card. Praise effort "
        "privately."
    ),
    "HI": "Face the pupil when speaking and use the radio aid. Turn on subtitles for video.",
    "VI": "Use large print (18 point). Seat at the front. Say out loud what is on the board.",
    "PD": "Let the pupil leave five minutes early. Allow the laptop for longer writing.",
}
GENERIC = [
    ("Complete homework on time", "Pieces handed in on time out of 10", "4", "8"),
    ("Join in group work", "Lessons joining in, out of 10", "3", "7"),
]
PUPIL_VIEWS = [
    "I like it when the teacher checks I know what to do.",
    "The reading group helps. I don't like being taken out of PE.",
    "I want to do more on my own now.",
    "The card helps me when I feel cross.",
]
PARENT_VIEWS = [
    "Pleased with progress; homework is still a struggle at home.",
    "Happy with the support. Would like more notice of changes.",
    "Worried about the move to the next year; glad the plan continues.",
    "Says reading at home has got better.",
]
TRENDS = ["up on the baseline", "about the same", "slightly up", "at the target"]
ACTIONS = (
    "School: keep the plan going and send a note home each Friday.\n"
    "Home: read together for ten minutes a night."
)
SERVICES = [
    rules.Service.EDUCATIONAL_PSYCHOLOGIST,
    rules.Service.SPEECH_AND_LANGUAGE,
    rules.Service.OCCUPATIONAL_THERAPY,
    rules.Service.CAMHS,
    rules.Service.ADVISORY_TEACHER,
    rules.Service.SCHOOL_NURSE,
]
#: Specialists' involvements in a demo school, and how many of them have a report yet.
SPECIALISTS, REPORTS = 6, 4


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _outcomes_for(need: str, rng: random.Random) -> list[tuple[str, str, str, str]]:
    choices = OUTCOMES.get(need, []) + GENERIC
    return rng.sample(choices, min(len(choices), rng.choice([2, 2, 3])))


def _report_pdf(pupil: Pupil, service: str, day: dt.date) -> bytes:
    return document_pdf(
        Document(
            title=f"{service}: report on {pupil}",
            subtitle=f"Written {day:%d %B %Y} for the school and family. Invented for the demo.",
            blocks=(
                Facts((("Pupil", str(pupil)), ("Seen at school", f"{day:%d %B %Y}"))),
                Heading("What I found"),
                Paragraph(
                    f"{pupil.forename} worked well for short periods and found longer spoken "
                    "instructions hard to hold in mind."
                ),
                Heading("What I recommend"),
                Paragraph(
                    "Give one instruction at a time with a visual prompt. Check understanding "
                    "by asking the pupil to say it back. Review in one term."
                ),
            ),
        )
    )


def demo_fill(demo: DemoSchool) -> None:
    # Repeatable invented data, not secrets: the same seed gives the same demo school.
    rng = random.Random(f"{demo.seed}-support")  # noqa: S311
    school, today = demo.school, demo.today
    senco = demo.staff[Role.SENCO]
    teacher = demo.staff[Role.TEACHER]
    pupils = {p.pk: p for p in demo.pupils}
    registered = {
        row["pk"]: row
        for row in on_register(Pupil.objects.filter(school=school), day=today).values(
            "pk", "sen_status", "sen_since"
        )
    }
    monitored = set(
        MonitoringEntry.objects.filter(pupil__school=school, ended_on__isnull=True).values_list(
            "pupil_id", flat=True
        )
    )
    needs = needs_on(registered, day=today)
    ids = sorted(registered)
    rng.shuffle(ids)
    # A handful have no plan yet; the rest have an open plan with history behind it.
    without_plan = set(ids[: max(3, len(ids) // 20)])
    # A few long-standing pupils' reviews have slipped past their date.
    settled = [
        pk for pk in ids[len(without_plan) :] if registered[pk]["sen_since"] < today - 250 * DAY
    ]
    overdue = set(settled[: max(3, len(ids) // 25)])
    watched_with_plan = [
        pk for pk in sorted(monitored) if pk not in registered and rng.random() < 0.3
    ]

    # Each pupil's story, written through the services in the order it happened, so that
    # the demo's plans, reviews, meetings and passports are checked and audited like any.
    plans: list[SupportPlan] = []
    reviewed = 0
    for pk in [p for p in ids if p not in without_plan] + watched_with_plan:
        pupil = pupils.get(pk)
        if pupil is None:
            continue
        since = registered[pk]["sen_since"] if pk in registered else today - 60 * DAY
        need = (needs.get(pk) or ["OTH"])[0]
        if pk in overdue:
            opened = max(since, today - rng.randrange(190, 240) * DAY)
            review_date = today - rng.randrange(3, 25) * DAY
            if review_date <= opened:
                opened, review_date = today - 200 * DAY, today - 5 * DAY
        else:
            opened = max(since, today - rng.randrange(5, 110) * DAY)
            review_date = today + rng.randrange(3, 130) * DAY
        # Work back from the open plan: one or two reviewed cycles, if the pupil was on
        # the register long enough to have had them.
        cycles: list[tuple[dt.date, dt.date, dt.date]] = []
        end = opened
        for _ in range(rng.choice([1, 2, 2])):
            start = end - rng.randrange(110, 170) * DAY
            if start < since:
                break
            cycles.insert(0, (start, start + rng.randrange(90, 120) * DAY, end))
            end = start
        previous: SupportPlan | None = None
        for start, planned_review, reviewed_on in cycles:
            plan = _open(pupil, start, max(planned_review, start + DAY), need, previous, rng,
                         senco=senco, today=today, support=CYCLE_SUPPORT,
                         impact=CYCLE_IMPACT)  # fmt: skip
            _review(plan, reviewed_on, rng, senco=senco, today=today)
            reviewed += 1
            plans.append(plan)
            previous = plan
        plans.append(
            _open(
                pupil,
                opened,
                review_date,
                need,
                previous,
                rng,
                senco=senco,
                today=today,
                support=OPEN_SUPPORT,
                impact=OPEN_IMPACT,
            )  # fmt: skip
        )

    meetings = _meetings(plans, rng, senco=senco, today=today)
    passports = _passports(plans, pupils, rng, senco=senco, teacher=teacher, today=today)
    involved = [pk for pk in dict.fromkeys(p.pupil_id for p in plans) if pk in registered]
    _specialists([pupils[pk] for pk in involved[:SPECIALISTS]], rng, senco=senco, today=today)
    open_count = sum(1 for p in plans if p.reviewed_on is None)
    demo.report.append(
        f"Support: {open_count} open plans ({reviewed} reviewed before them), "
        f"{meetings} parent meetings, {len(involved[:SPECIALISTS])} specialists, "
        f"{passports} passports; "
        f"{len(without_plan)} pupils on the register with no plan yet."
    )


CYCLE_SUPPORT = "Small-group sessions three times a week with a teaching assistant."
CYCLE_IMPACT = "Closes some of the gap with peers by the review."
OPEN_SUPPORT = "Small-group sessions twice a week, and a weekly check-in with the SENCO."
OPEN_IMPACT = "Works more independently in class; the gap stops widening."


def _open(
    pupil: Pupil, opened: dt.date, review_date: dt.date, need: str,
    previous: SupportPlan | None, rng: random.Random, *, senco: User, today: dt.date,
    support: str, impact: str,
) -> SupportPlan:  # fmt: skip
    """A plan opened through ``services.plan_open``, with the teacher's and the pupil's views
    gathered the week before."""
    plan = services.plan_open(
        pupil=pupil,
        opened_on=opened,
        review_date=review_date,
        strategies=STRATEGIES.get(need, "See the SENCO."),
        support=support,
        expected_impact=impact,
        parents_told_on=opened,
        staff_told_on=min(opened + 2 * DAY, today),
        outcomes=[
            services.OutcomeData(text=text, measure=measure, baseline=baseline, target=target)
            for text, measure, baseline, target in _outcomes_for(need, rng)
        ],
        previous=previous,
        by=senco,
        today=today,
    )
    for source, days_before, text in (
        (rules.AssessmentSource.TEACHER, 7, "Finds independent work hard; needs instructions "
         "repeated."),
        (rules.AssessmentSource.PUPIL, 3, rng.choice(PUPIL_VIEWS)),
    ):  # fmt: skip
        services.assessment_add(plan=plan, source=source, recorded_on=opened - days_before * DAY,
                                text=text, by=senco, today=today)  # fmt: skip
    return plan


def _review(
    plan: SupportPlan, reviewed_on: dt.date, rng: random.Random, *, senco: User, today: dt.date
) -> None:
    similar = rng.random() < 0.5
    results = [rules.OutcomeResult.MET, rules.OutcomeResult.PARTLY_MET, rules.OutcomeResult.NOT_MET]
    services.plan_review(
        plan=plan,
        reviewed_on=reviewed_on,
        tests=rules.ProgressTests(
            similar_to_peers=similar,
            matches_previous_rate=rng.random() < 0.7,
            closes_gap=similar and rng.random() < 0.5,
            stops_gap_widening=rng.random() < 0.8,
        ),
        pupil_views=rng.choice(PUPIL_VIEWS),
        parent_views=rng.choice(PARENT_VIEWS),
        decision=rules.Decision.CONTINUE,
        decision_notes="Continue, with the outcomes not met carried over.",
        results={
            o.pk: (
                rng.choice(results),
                f"Measured at the review: {o.measure.lower()}, {rng.choice(TRENDS)}.",
            )
            for o in plan.outcomes.all()
        },  # fmt: skip
        by=senco,
        today=today,
    )
    plan.reviewed_on = reviewed_on


def _meetings(plans: list[SupportPlan], rng: random.Random, *, senco: User, today: dt.date) -> int:
    """One a term for most pupils on SEN support (fewer this term so far), and one at each
    review; each through ``services.meeting_record``. Returns how many."""
    by_pupil: dict[int, list[SupportPlan]] = defaultdict(list)
    for plan in plans:
        by_pupil[plan.pupil_id].append(plan)
    year_terms = rules.terms_of(rules.academic_year_start(today))
    count = 0
    for chain in by_pupil.values():
        days = [p.reviewed_on for p in chain if p.reviewed_on]
        for term in year_terms:
            if term.start > today:
                break
            chance = 0.45 if term.covers(today) else 0.85
            if rng.random() < chance:
                days.append(_between(rng, term.start, min(term.end, today)))
        for held_on in sorted(set(days)):
            services.meeting_record(
                pupil=chain[0].pupil,
                held_on=held_on,
                attendees=f"Parent or carer\n{senco.name}, SENCO\nClass teacher",
                parents_said=rng.choice(PARENT_VIEWS),
                pupil_said=rng.choice(PUPIL_VIEWS),
                actions=ACTIONS,
                by=senco,
                today=today,
            )
            count += 1
    return count


def _passports(
    plans: list[SupportPlan], pupils: dict[int, Pupil], rng: random.Random, *, senco: User,
    teacher: User, today: dt.date,
) -> int:  # fmt: skip
    """A passport for most pupils with a plan, written some time ago, and a teacher's
    suggestion for two they teach. Returns how many passports."""
    written = []
    for pk in dict.fromkeys(p.pupil_id for p in plans):
        if rng.random() < 0.6:
            pupil = pupils[pk]
            services.passport_save(
                pupil=pupil,
                data={
                    "about_me": f"I am {pupil.forename}. I like football, drawing and my dog.",
                    "good_at": "Building things, helping younger children, facts about animals.",
                    "matters_to_me": "My family, my friends, knowing what is happening next.",
                    "find_hard": "Long instructions, noisy rooms and copying from the board.",
                    "how_to_help": "Tell me one thing at a time. Let me sit near the front.",
                },
                by=senco,
                today=today - rng.randrange(10, 200) * DAY,
            )
            written.append(pk)
    taught = Pupil.objects.filter(teaching_groups__teachers=teacher, pk__in=written).distinct()
    for pupil in taught.order_by("pk")[:2]:
        services.passport_suggest(
            pupil=pupil,
            field=rules.PassportField.HOW_TO_HELP,
            text="Give me a job to do at the start of the lesson. Tell me one thing at a time.",
            by=teacher,
            today=today - 2 * DAY,
        )
    return len(written)


def _specialists(involved: list[Pupil], rng: random.Random, *, senco: User, today: dt.date) -> None:
    """A specialist for each of ``involved``; the first few have sent a report (a small
    generated PDF), shared with the parents and staff five days later."""
    for number, pupil in enumerate(involved):
        service = SERVICES[number % len(SERVICES)]
        consent = today - rng.randrange(60, 150) * DAY
        involvement = services.specialist_add(
            pupil=pupil,
            data={
                "service": service,
                "consent_on": consent,
                "consent_by": "Parent",
                "referred_on": consent + 3 * DAY,
                "recommendations": "One instruction at a time with a visual prompt; review in "
                "one term."
                if number < REPORTS
                else "",
            },
            by=senco,
            today=today,
        )
        services.specialist_visit_add(
            involvement=involvement,
            visited_on=consent + 30 * DAY,
            note="Observed in class and met the pupil.",
            by=senco,
            today=today,
        )
        if number < REPORTS:
            received = consent + 45 * DAY
            services.specialist_report_add(
                involvement=involvement,
                content=_report_pdf(pupil, service.label, received),
                name=f"{service.label} report.pdf",
                received_on=received,
                by=senco,
                today=today,
            )
            services.specialist_update(
                involvement=involvement,
                data={
                    "shared_with_parents_on": received + 5 * DAY,
                    "shared_with_staff_on": received + 5 * DAY,
                },
                by=senco,
                today=today,
            )
