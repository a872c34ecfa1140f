"""People, pupils and plans for the support app's tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from sendreg.accounts.models import School, User
from sendreg.pupils.models import Pupil
from sendreg.register.services import monitoring_start
from sendreg.support import rules, services
from sendreg.support.models import PlanReview, SupportPlan
from tests.conftest import TODAY, put_on_register

DAY = dt.timedelta(days=1)
#: The default outcomes of a plan made by ``open_plan``.
OUTCOMES = (
    services.OutcomeData("Read a page aloud", "Words read correctly a minute", "48", "70"),
    services.OutcomeData("Ask for help in class", "Times asked a lesson", "0", "2"),
)


@pytest.fixture(autouse=True)
def media(settings: object, tmp_path: object) -> object:
    """Uploaded reports go to a folder of the test's own, so tests cannot see each other's."""
    settings.MEDIA_ROOT = tmp_path / "files"  # type: ignore[attr-defined,operator]
    return settings.MEDIA_ROOT  # type: ignore[attr-defined]


@pytest.fixture
def on_support(pupil: Pupil, senco: User) -> Pupil:
    """Maisie Young, on SEN support (K) with SEMH since well before TODAY."""
    return put_on_register(pupil, by=senco, on=TODAY - 200 * DAY, needs=("SEMH", "SLCN"))


@pytest.fixture
def taught_on_support(taught_pupil: Pupil, senco: User) -> Pupil:
    """Teddy Barnes, taught by ``teacher`` and ``ta``, on SEN support."""
    return put_on_register(taught_pupil, by=senco, on=TODAY - 200 * DAY, needs=("SPLD",))


def open_plan(
    pupil: Pupil,
    by: User,
    *,
    opened_on: dt.date = TODAY - 30 * DAY,
    review_date: dt.date = TODAY + 60 * DAY,
    outcomes: Sequence[services.OutcomeData] = OUTCOMES,
    previous: SupportPlan | None = None,
    **fields: object,
) -> SupportPlan:
    return services.plan_open(
        pupil=pupil,
        opened_on=opened_on,
        review_date=review_date,
        strategies=str(fields.pop("strategies", "Give one instruction at a time.")),
        support=str(fields.pop("support", "Reading group three times a week.")),
        expected_impact=str(fields.pop("expected_impact", "Reads with more confidence.")),
        outcomes=outcomes,
        previous=previous,
        by=by,
        today=TODAY,
    )


def review_plan(
    plan: SupportPlan,
    by: User,
    *,
    results: Sequence[str] | None = None,
    decision: str = rules.Decision.CONTINUE,
    reviewed_on: dt.date = TODAY,
    adequate: bool = True,
) -> PlanReview:
    outcomes = list(plan.outcomes.order_by("position"))
    results = results or [rules.OutcomeResult.MET] * len(outcomes)
    return services.plan_review(
        plan=plan,
        reviewed_on=reviewed_on,
        tests=rules.ProgressTests(adequate, False, False, False),
        pupil_views="I like the reading group.",
        parent_views="Reading at home is better.",
        decision=decision,
        results={
            o.pk: (r, f"Evidence for {o.text}.") for o, r in zip(outcomes, results, strict=True)
        },
        by=by,
        today=TODAY,
    )


@pytest.fixture
def plan(on_support: Pupil, senco: User) -> SupportPlan:
    return open_plan(on_support, senco)


@pytest.fixture
def watched(school: School, senco: User) -> Pupil:
    """A pupil on the monitoring list, not on the register."""
    from tests.factories import PupilFactory

    pupil = PupilFactory(school=school, legal_forename="Ivy", legal_surname="Walker")
    monitoring_start(
        pupil=pupil,
        reason="Reading age below.",
        review_date=TODAY + 30 * DAY,
        on=TODAY - 40 * DAY,
        by=senco,
    )
    return pupil
