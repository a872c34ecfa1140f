"""Writes of the census app: keeping the result of a check, and overriding a census day."""

from __future__ import annotations

from django.db import transaction

from sendreg.accounts.models import User
from sendreg.audit.services import actor_label_for
from sendreg.census.selectors import CensusCheck
from sendreg.register.models import CensusCheckRun
from sendreg.register.rules import Severity


@transaction.atomic
def census_check_record(
    *, check: CensusCheck, by: User | None, by_label: str = ""
) -> CensusCheckRun:
    """Keep the counts of a check, so that the calendar can say whether the last one passed.

    An explicit action (the "Record this check" button, or ``sendreg census check``), never
    a side effect of looking at the page. Not an audit event: nothing about a pupil
    changes, and the run is its own record.
    """
    counts = check.counts
    run = CensusCheckRun(
        school=check.school,
        census_date=check.census.date,
        by=by,
        by_label=by_label or actor_label_for(by),
        errors=counts[Severity.ERROR],
        queries=counts[Severity.QUERY],
        warnings=counts[Severity.WARNING],
        passed=check.passed,
    )
    run.full_clean()
    run.save()
    return run
