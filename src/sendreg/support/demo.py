"""Demo support plans: most pupils on the register have an open plan with one or two
reviewed cycles behind it, meetings with their parents, a passport; a few have
specialists with small generated PDF reports; a handful have no plan or an overdue
review, so that every panel has something to show. Invented, written in bulk."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.core.files.base import ContentFile
from django.utils import timezone

from sendreg.accounts.permissions import Role
from sendreg.audit.models import AuditEvent
from sendreg.lib.documents import Document, Facts, Heading, Paragraph, document_pdf
from sendreg.lib.extensions import DemoSchool
from sendreg.pupils.models import Pupil
from sendreg.register.models import MonitoringEntry
from sendreg.register.selectors import needs_on, on_register
from sendreg.support import rules
from sendreg.support.models import (
    AssessmentEntry,
    Outcome,
    OutcomeReview,
    ParentMeeting,
    Passport,
    PassportSuggestion,
    PlanReview,
    SpecialistInvolvement,
    SpecialistReport,
    SpecialistVisit,
    SupportEvent,
    SupportPlan,
)

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

    plans: list[SupportPlan] = []
    plan_outcomes: dict[int, list[tuple[str, str, str, str]]] = {}
    reviews: dict[int, tuple[dt.date, str]] = {}  # index in plans -> (reviewed on, decision)
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
        number = 0
        for start, planned_review, reviewed_on in cycles:
            number += 1
            plans.append(
                SupportPlan(
                    pupil_id=pk,
                    number=number,
                    opened_on=start,
                    review_date=max(planned_review, start + DAY),
                    reviewed_on=reviewed_on,
                    strategies=STRATEGIES.get(need, ""),
                    support="Small-group sessions three times a week with a teaching assistant.",
                    expected_impact="Closes some of the gap with peers by the review.",
                    parents_told_on=start,
                    staff_told_on=start + 2 * DAY,
                    opened_by=senco,
                )
            )
            plan_outcomes[len(plans) - 1] = _outcomes_for(need, rng)
            reviews[len(plans) - 1] = (reviewed_on, rules.Decision.CONTINUE)
        plans.append(
            SupportPlan(
                pupil_id=pk,
                number=number + 1,
                opened_on=opened,
                review_date=review_date,
                strategies=STRATEGIES.get(need, "See the SENCO."),
                support="Small-group sessions twice a week, and a weekly check-in with the SENCO.",
                expected_impact="Works more independently in class; the gap stops widening.",
                parents_told_on=opened + DAY,
                staff_told_on=opened + 2 * DAY,
                opened_by=senco,
            )
        )
        plan_outcomes[len(plans) - 1] = _outcomes_for(need, rng)
    SupportPlan.objects.bulk_create(plans)
    by_pupil: dict[int, list[SupportPlan]] = defaultdict(list)
    for plan in plans:
        by_pupil[plan.pupil_id].append(plan)
    for chain in by_pupil.values():
        for earlier, later in zip(chain, chain[1:], strict=False):
            later.previous = earlier
    SupportPlan.objects.bulk_update([p for p in plans if p.previous is not None], ["previous"])

    outcomes: list[Outcome] = []
    outcome_plan: list[int] = []
    for index, plan in enumerate(plans):
        for position, (text, measure, baseline, target) in enumerate(plan_outcomes[index], 1):
            outcomes.append(
                Outcome(
                    plan=plan,
                    position=position,
                    text=text,
                    measure=measure,
                    baseline=baseline,
                    target=target,
                )
            )
            outcome_plan.append(index)
    Outcome.objects.bulk_create(outcomes)

    review_rows = []
    for index, (reviewed_on, decision) in reviews.items():
        similar = rng.random() < 0.5
        review_rows.append(
            PlanReview(
                plan=plans[index],
                reviewed_on=reviewed_on,
                similar_to_peers=similar,
                matches_previous_rate=rng.random() < 0.7,
                closes_gap=similar and rng.random() < 0.5,
                stops_gap_widening=rng.random() < 0.8,
                pupil_views=rng.choice(PUPIL_VIEWS),
                parent_views=rng.choice(PARENT_VIEWS),
                decision=decision,
                decision_notes="Continue, with the outcomes not met carried over.",
                reviewed_by=senco,
            )
        )
    PlanReview.objects.bulk_create(review_rows)
    review_of = {r.plan_id: r for r in review_rows}
    OutcomeReview.objects.bulk_create(
        OutcomeReview(
            review=review_of[o.plan_id],
            outcome=o,
            result=rng.choice(
                [
                    rules.OutcomeResult.MET,
                    rules.OutcomeResult.PARTLY_MET,
                    rules.OutcomeResult.NOT_MET,
                ]
            ),
            evidence=f"Measured at the review: {o.measure.lower()}, {rng.choice(TRENDS)}.",
        )
        for o in outcomes
        if o.plan_id in review_of
    )

    AssessmentEntry.objects.bulk_create(
        entry
        for plan in plans
        for entry in (
            AssessmentEntry(
                plan=plan,
                source=rules.AssessmentSource.TEACHER,
                recorded_on=plan.opened_on - 7 * DAY,
                text="Finds independent work hard; needs instructions repeated.",
                added_by=senco,
            ),
            AssessmentEntry(
                plan=plan,
                source=rules.AssessmentSource.PUPIL,
                recorded_on=plan.opened_on - 3 * DAY,
                text=rng.choice(PUPIL_VIEWS),
                added_by=senco,
            ),
        )
    )

    # Parent meetings: one a term for most pupils on SEN support, fewer this term so far.
    meetings = []
    year_terms = rules.terms_of(rules.academic_year_start(today))
    for pk, chain in by_pupil.items():
        days = [p.reviewed_on for p in chain if p.reviewed_on]
        for term in year_terms:
            if term.start > today:
                break
            chance = 0.45 if term.covers(today) else 0.85
            if rng.random() < chance:
                days.append(_between(rng, term.start, min(term.end, today)))
        for held_on in sorted(set(days)):
            plan = next(
                (
                    p
                    for p in chain
                    if p.opened_on <= held_on
                    and (p.reviewed_on is None or p.reviewed_on >= held_on)
                ),
                None,
            )
            meetings.append(
                ParentMeeting(
                    pupil_id=pk,
                    plan=plan,
                    held_on=held_on,
                    attendees=f"Parent or carer\n{senco.name}, SENCO\nClass teacher",
                    parents_said=rng.choice(PARENT_VIEWS),
                    pupil_said=rng.choice(PUPIL_VIEWS),
                    actions=ACTIONS,
                    recorded_by=senco,
                )
            )
    ParentMeeting.objects.bulk_create(meetings)

    passports = []
    for pk in by_pupil:
        if rng.random() < 0.6:
            pupil = pupils[pk]
            passports.append(
                Passport(
                    pupil_id=pk,
                    about_me=f"I am {pupil.forename}. I like football, drawing and my dog.",
                    good_at="Building things, helping younger children, facts about animals.",
                    matters_to_me="My family, my friends, knowing what is happening next.",
                    find_hard="Long instructions, noisy rooms and copying from the board.",
                    how_to_help="Tell me one thing at a time. Let me sit near the front.",
                    updated_on=today - rng.randrange(10, 200) * DAY,
                )
            )
    Passport.objects.bulk_create(passports)
    taught = list(
        Pupil.objects.filter(
            teaching_groups__teachers=teacher, pk__in=[p.pupil_id for p in passports]
        )
        .distinct()
        .values_list("pk", flat=True)[:2]
    )
    PassportSuggestion.objects.bulk_create(
        PassportSuggestion(
            pupil_id=pk,
            field=rules.PassportField.HOW_TO_HELP,
            text="Give me a job to do at the start of the lesson. Tell me one thing at a time.",
            suggested_by=teacher,
            suggested_on=today - 2 * DAY,
        )
        for pk in taught
    )

    involved = [pk for pk in by_pupil if pk in registered][:SPECIALISTS]
    for number, pk in enumerate(involved):
        pupil = pupils[pk]
        service = SERVICES[number % len(SERVICES)]
        consent = today - rng.randrange(60, 150) * DAY
        involvement = SpecialistInvolvement.objects.create(
            pupil=pupil,
            service=service,
            consent_on=consent,
            consent_by="Parent",
            referred_on=consent + 3 * DAY,
            added_by=senco,
            recommendations="One instruction at a time with a visual prompt; review in one term."
            if number < REPORTS
            else "",
        )
        SpecialistVisit.objects.create(
            involvement=involvement,
            visited_on=consent + 30 * DAY,
            note="Observed in class and met the pupil.",
        )
        if number < REPORTS:
            received = consent + 45 * DAY
            report = SpecialistReport(
                involvement=involvement,
                kind="pdf",
                original_name=f"{service.label} report.pdf",
                size=0,
                received_on=received,
                uploaded_by=senco,
            )
            content = _report_pdf(pupil, service.label, received)
            report.size = len(content)
            report.file.save("report.pdf", ContentFile(content), save=False)
            report.save()
            involvement.report_received_on = received
            involvement.shared_with_parents_on = received + 5 * DAY
            involvement.shared_with_staff_on = received + 5 * DAY
            involvement.save(
                update_fields=[
                    "report_received_on",
                    "shared_with_parents_on",
                    "shared_with_staff_on",
                ]
            )

    actor = f"{senco.name} <{senco.email}>"
    events = []
    for plan in plans:
        pupil = pupils[plan.pupil_id]
        at = timezone.make_aware(dt.datetime.combine(plan.opened_on, dt.time(16, 0)))
        events.append(
            AuditEvent(
                at=at,
                school_id=school.pk,
                actor_id=senco.pk,
                actor_label=actor,
                type=SupportEvent.PLAN_OPENED,
                target_model="support.supportplan",
                target_id=plan.pk,
                pupil_id=plan.pupil_id,
                pupil_label=str(pupil),
                new={"number": plan.number, "review_date": plan.review_date.isoformat()},
                source="demo data",
            )
        )
    AuditEvent.objects.bulk_create(events)
    open_count = sum(1 for p in plans if p.reviewed_on is None)
    demo.report.append(
        f"Support: {open_count} open plans ({len(review_rows)} reviewed before them), "
        f"{len(meetings)} parent meetings, {len(involved)} specialists, "
        f"{len(passports)} passports; "
        f"{len(without_plan)} pupils on the register with no plan yet."
    )
