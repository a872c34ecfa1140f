"""Snapshots of a demo school on its past census days, so that the demo shows trends.

Runs after the other apps' fillers, so that each snapshot's findings see the plans, the
provision and the deadlines. A snapshot of a past day reads the register as it stood then
(episodes and needs are dated); attendance and flags are today's, as a demo's must be.
"""

from __future__ import annotations

from sendreg.accounts.permissions import Role
from sendreg.insight.models import Snapshot
from sendreg.insight.services import take_snapshot
from sendreg.lib.extensions import DemoSchool
from sendreg.register import rules as register_rules
from sendreg.register.selectors import census_overrides

#: How many past census days get a snapshot: two school years' worth.
PAST_CENSUSES = 6


def fill(demo: DemoSchool) -> None:
    overrides = census_overrides()
    year = register_rules.academic_year_of(demo.today)
    censuses = sorted(
        c for y in range(year - 2, year + 1) for c in register_rules.census_days(y, overrides)
    )
    days = [c.date for c in censuses if c.date < demo.today][-PAST_CENSUSES:]
    senco = demo.staff.get(Role.SENCO)
    for day in days:
        take_snapshot(demo.school, day, Snapshot.Reason.CENSUS, senco)
    demo.report.append(f"Took {len(days)} census-day snapshots for the trends.")
