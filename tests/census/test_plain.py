"""The census check reads the plain pupils (never on the register, no top-up, MIS blank or N
with no needs) as a set and runs the rules once per MIS value for them (issue 7, speed).

Two things hold that together: the SQL twin ``selectors.with_census_plain`` picks exactly
the pupils ``rules.census_plain`` calls plain, and the check finds exactly what running
every pupil rule on every pupil on roll finds (``_every_pupil``, the check as it was).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendreg import codes
from sendreg.accounts.models import School
from sendreg.census import selectors
from sendreg.census.rulebook import census_rule_book, finding_sort_key
from sendreg.lib.jsontext import JsonTexts, json_text
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from sendreg.register import rules
from sendreg.register.models import MisSenRecord, PupilNeed, SenEpisode
from sendreg.register.selectors import census_overrides
from tests.factories import PupilFactory

D = dt.date
SPRING = D(2026, 1, 15)
SUMMER = D(2026, 5, 21)

#: Register histories, as (status, start, end) episodes, around the spring census 2026.
HISTORIES: dict[str, tuple[tuple[str, dt.date, dt.date | None], ...]] = {
    "never": (),
    "on K": (("K", D(2025, 9, 4), None),),
    "on E": (("E", D(2024, 9, 5), None),),
    "K then E": (("K", D(2024, 9, 5), D(2025, 9, 4)), ("E", D(2025, 9, 4), None)),
    "off since the last census": (("K", D(2025, 9, 4), D(2025, 11, 1)),),
    "off long ago": (("K", D(2024, 9, 5), D(2025, 6, 1)),),
    "joins later": (("K", D(2026, 3, 2), None),),
}
MIS_STATUSES = ["", "N", "K", "E", "S", "X", " N", "N "]
MIS_NEEDS: list[list[Any]] = [
    [],
    ["SPLD"],
    ["ASD", "SLCN"],
    ["SEMH", "SEMH"],
    ["NSA"],
    ["ASD", "SLCN", "MLD"],
    ["BAD"],
    [{"code": "SPLD", "rank": 2}],
    [""],
]


@dataclass(frozen=True)
class Spec:
    history: str
    top_up: bool
    #: None: no MIS values for the pupil.
    mis: tuple[str, int] | None
    good_upn: bool
    needs: tuple[str, ...]
    correction_requested: bool


specs = st.builds(
    Spec,
    history=st.sampled_from(sorted(HISTORIES)),
    top_up=st.booleans(),
    mis=st.none()
    | st.tuples(
        st.sampled_from(MIS_STATUSES),
        st.sampled_from(range(len(MIS_NEEDS))),
    ),
    good_upn=st.booleans() | st.just(True),
    needs=st.sampled_from([("SEMH",), ("ASD", "SLCN"), ("SPLD", "MLD", "HI")]),
    correction_requested=st.booleans(),
)
schools = st.fixed_dictionaries(
    {
        "pupils": st.lists(specs, max_size=12),
        # Many plain N pupils make the MIS one that records N for everyone.
        "plain_n": st.sampled_from([0, 0, 12]),
        "phase": st.sampled_from(["SE", "SE", "SP"]),
        "day": st.sampled_from([SPRING, SUMMER]),
    }
)


def _make(school: School, specs: list[Spec], plain_n: int) -> dict[int, Spec]:
    made: dict[int, Spec] = {}
    plain = Spec("never", False, ("N", 0), True, (), False)
    for index, spec in enumerate([*specs, *[plain] * plain_n]):
        upn = make_upn(801, 2000, 20, index)
        pupil = PupilFactory(
            school=school,
            upn=upn if spec.good_upn else "Z" + upn[1:],
            top_up_funding=spec.top_up,
            admission_date=D(2020, 9, 1),
        )
        for status, start, end in HISTORIES[spec.history]:
            SenEpisode.objects.create(pupil=pupil, status=status, start=start, end=end)
            for rank, code in enumerate(spec.needs, start=1):
                PupilNeed.objects.create(pupil=pupil, code=code, rank=rank, start=start, end=end)
        if spec.mis is not None:
            status, needs = spec.mis
            MisSenRecord.objects.create(
                pupil=pupil,
                status=status,
                needs=MIS_NEEDS[needs],
                imported_at=timezone.now(),
                correction_requested_at=timezone.now() if spec.correction_requested else None,
            )
        made[pupil.pk] = spec
    return made


def _every_pupil(school: School, census_date: dt.date) -> tuple[list[dict[str, Any]], int, int]:
    """The check as it was before plain pupils were read as a set: every rule on every pupil."""
    overrides = census_overrides()
    census = selectors.census_day_for(census_date, overrides)
    pupils = selectors.census_pupils(school, census_date)
    ranked = JsonTexts(lambda needs: selectors.mis_ranked_needs(needs or ()))
    mis = {
        pupil_id: selectors.MisValues(status.strip(), ranked[needs], requested is not None)
        for pupil_id, status, needs, requested in MisSenRecord.objects.filter(
            pupil__school=school
        ).values_list("pupil_id", "status", json_text("needs"), "correction_requested_at")
    }
    on_roll_mis = {p.pk: mis[p.pk] for p in pupils if p.pk in mis}
    without_sen = [p for p in pupils if rules.status_on(p.register.episodes, census_date) is None]
    with_n = sum(
        1
        for p in without_sen
        if p.pk in on_roll_mis and on_roll_mis[p.pk].status == codes.SenProvision.NO_SEN
    )
    ctx = selectors._Context(
        book=census_rule_book(),
        census_date=census_date,
        previous=rules.previous_census(census_date, overrides).date,
        term=census.term,
        phase=school.phase,
        mis_imported=bool(mis),
        n_for_everyone=rules.mis_records_n_for_everyone(
            with_n=with_n, without_sen=len(without_sen)
        ),
    )
    findings = []
    ehc = support = 0
    checked: dict[rules.CensusValues, list[rules.CensusProblem]] = {}
    for pupil in pupils:
        found, provision = selectors._pupil_findings(pupil, on_roll_mis.get(pupil.pk), ctx, checked)
        findings += found
        if provision not in ("", "N", None):
            reading = rules.read_mis_status(provision)
            ehc += reading.register == codes.SenProvision.EHC_PLAN
            support += reading.register == codes.SenProvision.SEN_SUPPORT
    return [f.as_json() for f in sorted(findings, key=finding_sort_key)], ehc, support


def _plain(spec: Spec) -> bool:
    status = None if spec.mis is None else spec.mis[0]
    needs = () if spec.mis is None else MIS_NEEDS[spec.mis[1]]
    return rules.census_plain(
        has_register_history=bool(HISTORIES[spec.history]),
        top_up_funding=spec.top_up,
        mis_status=status,
        mis_needs=needs,
    )


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=schools)
def test_the_check_finds_what_every_rule_on_every_pupil_finds(
    school: School, case: dict[str, Any]
) -> None:
    with transaction.atomic():
        School.objects.filter(pk=school.pk).update(phase=case["phase"])
        school.refresh_from_db()
        made = _make(school, case["pupils"], case["plain_n"])

        on_roll = Pupil.objects.filter(school=school)
        sql_plain = set(
            selectors.with_census_plain(on_roll)
            .filter(census_plain=True)
            .values_list("pk", flat=True)
        )
        assert sql_plain == {pk for pk, spec in made.items() if _plain(spec)}

        check = selectors.census_check(school=school, census_date=case["day"])
        pupil_findings = [f.as_json() for f in check.findings if f.upn]
        expected, ehc, support = _every_pupil(school, case["day"])
        assert pupil_findings == expected
        assert (check.roll, check.mis_ehc, check.mis_support) == (len(made), ehc, support)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("history", "top_up", "status", "needs", "plain"),
    [
        (False, False, None, (), True),
        (False, False, "", (), True),
        (False, False, "N", (), True),
        (False, False, " N", (), False),
        (False, False, "N", ("SPLD",), False),
        (False, False, "K", (), False),
        (False, True, "", (), False),
        (True, False, "", (), False),
    ],
)
def test_plain_pupils_are_never_on_the_register_without_top_up_and_blank_or_n_in_the_mis(
    history: bool, top_up: bool, status: str | None, needs: tuple[str, ...], plain: bool
) -> None:
    assert (
        rules.census_plain(
            has_register_history=history,
            top_up_funding=top_up,
            mis_status=status,
            mis_needs=needs,
        )
        is plain
    )
