"""A demo school that looks real: names, classes, attendance, and two years of register history.

The proportions follow the national picture (about 5% with an EHC plan, 14% on
SEN support, the national mix of primary needs). Every pupil and every person
is invented. Filling is idempotent: a school that is already there is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Role
from sendreg.lib.database import refresh_statistics
from sendreg.lib.extensions import DEMO_FILLERS, DemoSchool
from sendreg.pupils.models import Contact, Pupil
from sendreg.pupils.rules import make_upn
from sendreg.pupils.services import teaching_group_set
from sendreg.register.services import HistoricChange, monitoring_start, sen_histories_load

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose
#: What the audit trail says the demo's own records came from.
DEMO_SOURCE = "demo data"

SCHOOL_NAMES = [
    "Oakfield Academy", "Riverside School", "St Aidan's Church of England School",
    "Hillcrest Community College", "Northgate High School", "Meadowbank Academy",
]  # fmt: skip

FORENAMES_F = (
    "Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace "
    "Daisy Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie "
    "Matilda Maya Sophie Alice Emilia Isabelle Ruby Luna Maisie Aria Meadow Zara Layla Amira "
    "Aisha Fatima Maryam Priya Ananya Chloe Jessica Megan Niamh Zoë Siobhan Eilidh Nia Hannah"
).split()
FORENAMES_M = (
    "Noah Oliver George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack "
    "Charlie Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander "
    "Luca Edward James Joshua Albie Elijah Max Mohammed Reggie Hunter Louie Ezra Ibrahim Yusuf "
    "Aarav Arjun Kai Dylan Callum Rhys Owen Kieran Declan Connor Jamal Tyrone Kwame Tomasz"
).split()
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook "
    "Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson "
    "Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
    "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
    "Barker Fisher Stevens Jenkins Murray Dixon Harvey Nowak Kowalski Okafor Mensah Achterberg "
    "O'Brien O'Connor McDonald Ahmed Rahman Chowdhury Nguyen Silva Popescu"
).split()
STREETS = (
    "Church Road|Station Road|Victoria Road|Green Lane|Manor Road|Park Avenue|Mill Lane".split("|")
)

#: Primary needs of EHC plans and of SEN support, roughly as nationally (per cent).
EHC_NEED_WEIGHTS = {
    "ASD": 31.5, "SLCN": 21.3, "SEMH": 20.7, "MLD": 10.6, "SLD": 4.0, "PD": 3.9, "SPLD": 2.3,
    "HI": 1.4, "PMLD": 1.3, "OTH": 1.2, "VI": 0.8, "MSI": 0.3,
}  # fmt: skip
SUPPORT_NEED_WEIGHTS = {
    "SLCN": 25.7, "SEMH": 20.0, "MLD": 17.0, "SPLD": 14.5, "ASD": 11.0, "OTH": 4.0, "PD": 2.0,
    "HI": 1.7, "NSA": 2.0, "VI": 0.8, "SLD": 0.5, "MSI": 0.2,
}  # fmt: skip
NICKNAMES = {
    "Alexander": "Alex", "William": "Will", "Thomas": "Tom", "Joshua": "Josh", "Isabella": "Bella",
    "Theodore": "Theo", "Matilda": "Tilly", "Edward": "Ed", "Charlotte": "Lottie", "Jacob": "Jake",
}  # fmt: skip
TEACHER_NAMES = [
    "Sarah Ahmed", "David Clarke", "Helen Price", "Marcus Boateng", "Joanna Wiśniewska",
    "Paul Fitzgerald", "Rachel Green", "Imran Hussain", "Claire Dobson", "Tom Llewellyn",
]  # fmt: skip


@dataclass
class DemoResult:
    report: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def demo_fill(*, pupils: int = 1000, schools: int = 1, today: dt.date | None = None) -> DemoResult:
    """Create ``schools`` demo schools of ``pupils`` pupils each, skipping any already there."""
    today = today or timezone.localdate()
    result = DemoResult()
    made_any = False
    for index in range(schools):
        name = SCHOOL_NAMES[index % len(SCHOOL_NAMES)]
        if index >= len(SCHOOL_NAMES):
            name = f"{name} {index // len(SCHOOL_NAMES) + 1}"
        urn = f"{999001 + index}"
        slug = name.split()[0].lower().replace("'", "") + (str(index + 1) if index else "")
        existing = School.objects.filter(urn=urn).first()
        if existing is None:
            school, made = _fill_school(
                urn=urn,
                laestab=f"801{4001 + index}",
                name=name,
                slug=slug,
                pupils=pupils,
                today=today,
                rng=random.Random(urn),
            )
            made_any = True
            result.report.append(f"Created {school.name} with {pupils} pupils.")
            result.report.extend(f"  {line}" for line in made)
        else:
            result.report.append(f"{existing.name} is already there; left as it was.")
        for role in (Role.SENCO, Role.DEPUTY_SENCO, Role.TEACHER, Role.TEACHING_ASSISTANT,
                     Role.OFFICE, Role.HEAD, Role.GOVERNOR, Role.ADVISER):  # fmt: skip
            result.logins.append((f"{role.value}@{slug}.sendreg.test", role.label, name))
    if made_any:
        # Thousands of rows in tables that were empty: plan queries for them as they are.
        refresh_statistics()
    return result


@transaction.atomic
def _fill_school(
    *, urn: str, laestab: str, name: str, slug: str, pupils: int, today: dt.date,
    rng: random.Random,
) -> tuple[School, list[str]]:  # fmt: skip
    """Make one demo school; return it and what each app's demo filler says it made."""
    school = School.objects.create(
        urn=urn, laestab=laestab, name=name, phase=School.Phase.SECONDARY
    )
    staff = _staff(school, slug)
    roll = _pupils(school, pupils, today, rng)
    _classes(school, roll, staff, rng)
    _contacts(roll, rng)
    _register_history(school, roll, staff[Role.SENCO], today, rng)
    demo = DemoSchool(school=school, staff=staff, pupils=roll, today=today, seed=urn)
    for filler in DEMO_FILLERS:
        filler.fill(demo)
    return school, demo.report


def _staff(school: School, slug: str) -> dict[str, User]:
    names = {
        Role.SENCO: "Amira Okonjo", Role.DEPUTY_SENCO: "Priya Raman",
        Role.TEACHER: "Ben Hargreaves",
        Role.TEACHING_ASSISTANT: "Kerry Walsh", Role.OFFICE: "Denise Fletcher",
        Role.HEAD: "Jonathan Mayhew", Role.GOVERNOR: "Margaret Ellison",
        Role.ADVISER: "Colin Ashworth",
    }  # fmt: skip
    staff: dict[str, User] = {}
    # One hash for every demo login: argon2 is slow by design, and they share a password.
    prototype = User(email="demo@sendreg.test")
    prototype.set_password(DEMO_PASSWORD)
    for role, person in names.items():
        user, _ = User.objects.get_or_create(
            email=f"{role.value}@{slug}.sendreg.test",
            defaults={"name": person, "password": prototype.password},
        )
        Membership.objects.get_or_create(user=user, school=school, defaults={"role": role})
        staff[role] = user
    for i, person in enumerate(TEACHER_NAMES):
        user, _ = User.objects.get_or_create(
            email=f"teacher{i + 1}@{slug}.sendreg.test",
            defaults={"name": person, "password": prototype.password},
        )
        Membership.objects.get_or_create(user=user, school=school, defaults={"role": Role.TEACHER})
        staff[f"teacher{i + 1}"] = user
    return staff


def _pupils(school: School, count: int, today: dt.date, rng: random.Random) -> list[Pupil]:
    years = [7, 8, 9, 10, 11]
    forms = "ABCDEF"
    academic_start = today.year if today.month >= 9 else today.year - 1
    la, estab = int(school.la_code), int(school.estab)
    roll = []
    for i in range(count):
        year = years[i % len(years)]
        female = rng.random() < 0.49
        born = dt.date(academic_start - year - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
        issued = born.year + 5
        attendance = min(100.0, max(55.0, rng.gauss(93.5, 5.0)))
        roll.append(
            Pupil(
                school=school,
                # Serials count up through the roll; past 999 the establishment moves on.
                upn=make_upn(la, (estab + i // 1000) % 10000, issued, i % 1000),
                legal_forename=rng.choice(FORENAMES_F if female else FORENAMES_M),
                legal_surname=rng.choice(SURNAMES),
                date_of_birth=born,
                gender=Pupil.Gender.FEMALE if female else Pupil.Gender.MALE,
                year_group=year,
                reg_group=f"{year}{forms[(i // len(years)) % len(forms)]}",
                admission_date=min(today, dt.date(academic_start - (year - 7), 9, 3)),
                eal=rng.random() < 0.2,
                fsm=rng.random() < 0.25,
                looked_after=rng.random() < 0.012,
                medical=rng.random() < 0.06,
                attendance=Decimal(f"{attendance:.1f}"),
            )
        )
    for p in roll:
        p.pupil_premium = p.fsm or p.looked_after or rng.random() < 0.04
        if p.legal_forename in NICKNAMES and rng.random() < 0.5:
            p.preferred_forename = NICKNAMES[p.legal_forename]
    return Pupil.objects.bulk_create(roll)


def _classes(school: School, roll: list[Pupil], staff: dict[str, User], rng: random.Random) -> None:
    """Tutor groups, plus sets for the demo teacher so that they teach several year groups."""
    groups: dict[str, list[Pupil]] = {}
    for p in roll:
        groups.setdefault(p.reg_group, []).append(p)
    teachers = [staff[k] for k in staff if k.startswith("teacher")]

    def group(name: str, members: list[Pupil], teachers: list[User]) -> None:
        teaching_group_set(
            school=school,
            name=name,
            pupil_ids=[p.pk for p in members],
            teacher_ids=[t.pk for t in teachers],
            by=None,
            source=DEMO_SOURCE,
        )

    for i, (name, members) in enumerate(sorted(groups.items())):
        group(f"Tutor group {name}", members, [teachers[i % len(teachers)]])
    demo_teacher, assistant = staff[Role.TEACHER], staff[Role.TEACHING_ASSISTANT]
    for year in (7, 9, 11):
        members = [p for p in roll if p.year_group == year]
        group(
            f"{year}En2 English",
            rng.sample(members, min(28, len(members))),
            [demo_teacher, assistant] if year == 7 else [demo_teacher],
        )


def _contacts(roll: list[Pupil], rng: random.Random) -> None:
    contacts = []
    for p in roll:
        number, postcode = (
            rng.randrange(1, 120),
            f"BS{rng.randrange(1, 16)} {rng.randrange(1, 9)}AB",
        )
        street = f"{number} {rng.choice(STREETS)}\nBristol\n{postcode}"
        if p.looked_after:
            contacts.append(
                Contact(
                    pupil=p,
                    name=f"{rng.choice(FORENAMES_F)} {rng.choice(SURNAMES)}",
                    relationship="Foster carer",
                    parental_responsibility=False,
                    # Has care of the child: a parent in education law, so letters go to them.
                    has_care=True,
                    address=street,
                    address_protected=True,
                    phone="07700 900" + f"{rng.randrange(1000):03d}",
                )
            )
            contacts.append(
                Contact(
                    pupil=p,
                    name="Duty social worker",
                    relationship="Social worker",
                    parental_responsibility=True,
                    address="Civic Centre\nBristol\nBS1 5TR",
                    email="duty.team@council.example",
                )
            )
            continue
        parent = rng.choice(FORENAMES_F + FORENAMES_M)
        contacts.append(
            Contact(
                pupil=p,
                name=f"{parent} {p.legal_surname}",
                relationship="Mother" if parent in FORENAMES_F else "Father",
                parental_responsibility=True,
                address=street,
                email=f"{parent}.{p.legal_surname}@example.com".lower().replace("'", ""),
                phone="07700 900" + f"{rng.randrange(1000):03d}",
            )
        )
    Contact.objects.bulk_create(contacts)


def _weighted(weights: dict[str, float], rng: random.Random, exclude: str = "") -> str:
    codes = [c for c in weights if c != exclude]
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def _register_history(
    school: School, roll: list[Pupil], senco: User, today: dt.date, rng: random.Random
) -> None:
    """Two years of register history through the register's own service: episodes, needs
    over time, audit events at the time of each change, and the parents-to-be-told task of
    each change (told, by letter or at a meeting, a few days later; the last few not yet)."""
    histories: list[tuple[Pupil, list[HistoricChange]]] = []
    monitoring_from: dict[int, dt.date] = {}

    def at(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(15, 30 + rng.randrange(25))))

    def told(day: dt.date) -> tuple[dt.date, str] | None:
        # Changes of the last fortnight are waiting for their letter, as on a real register.
        if (today - day).days < 14:
            return None
        return day + dt.timedelta(days=rng.randrange(1, 6)), rng.choice(["letter", "meeting"])

    def change(day: dt.date, status: str | None, codes: list[str], reason: str) -> HistoricChange:
        return HistoricChange(day, status, tuple(codes), reason, at(day), told(day))

    def some_day(days_back: int) -> dt.date:
        return today - dt.timedelta(days=rng.randrange(14, days_back))

    shuffled = rng.sample(roll, len(roll))
    n = len(roll)
    ehc, support = shuffled[: round(n * 0.05)], shuffled[round(n * 0.05) : round(n * 0.19)]
    removed = shuffled[round(n * 0.19) : round(n * 0.215)]
    watched = shuffled[round(n * 0.215) : round(n * 0.23)]
    for group, status in ((ehc, "E"), (support, "K")):
        weights = EHC_NEED_WEIGHTS if status == "E" else SUPPORT_NEED_WEIGHTS
        for p in group:
            primary = _weighted(weights, rng)
            codes = [primary]
            if primary != "NSA" and rng.random() < 0.4:
                codes.append(_weighted(SUPPORT_NEED_WEIGHTS, rng, exclude=primary))
                if codes[-1] == "NSA":
                    codes.pop()
            if status == "E" and rng.random() < 0.5:
                # Came onto SEN support first, then the LA issued an EHC plan.
                joined = some_day(700)
                planned = joined + dt.timedelta(days=rng.randrange(120, 300))
                if planned >= today:
                    planned = today - dt.timedelta(days=7)
                first = ["SEMH"] if codes == ["NSA"] else codes
                histories.append(
                    (
                        p,
                        [
                            change(joined, "K", first, "Assessed by the SENCO."),
                            change(planned, "E", codes, "EHC plan issued by the local authority."),
                        ],
                    )
                )
            else:
                start = some_day(730) if rng.random() < 0.5 else p.admission_date or some_day(700)
                reason = ("Joined with SEN recorded in the previous school's records."
                          if start == p.admission_date else "Assessed by the SENCO.")  # fmt: skip
                histories.append((p, [change(start, status, codes, reason)]))
    for p in removed:
        joined = some_day(700)
        left = joined + dt.timedelta(days=rng.randrange(90, 400))
        if left >= today:
            left = today - dt.timedelta(days=rng.randrange(1, 10))
        code = _weighted(SUPPORT_NEED_WEIGHTS, rng, exclude="NSA")
        histories.append(
            (
                p,
                [
                    change(joined, "K", [code], "Assessed by the SENCO."),
                    change(left, None, [], "Outcomes met at review; moved to the monitoring list."),
                ],
            )
        )
        watched.append(p)
        monitoring_from[p.pk] = left
    sen_histories_load(histories=histories, by=senco, today=today, source=DEMO_SOURCE, notify=True)
    for p in watched:
        started = monitoring_from.get(p.pk) or some_day(200)
        # Some reviews are overdue, as on a real list, but none before monitoring began.
        review = max(started, today + dt.timedelta(days=rng.randrange(-10, 90)))
        monitoring_start(
            pupil=p,
            reason=rng.choice(
                [
                    "Reading age two years below; phonics catch-up running.",
                    "Teachers report difficulty following instructions.",
                    "Outcomes met at review; watching that progress holds.",
                    "Anxiety around tests reported by parents.",
                ]
            ),
            review_date=review,
            on=started,
            by=senco,
        )
