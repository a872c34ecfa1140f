"""A demo school's SEN information report: the starting text, published on the demo's day,
so that the public page and its files can be shown at once."""

from __future__ import annotations

from sendreg.accounts.permissions import Role
from sendreg.insight import report, report_rules
from sendreg.lib.extensions import DemoSchool


def fill(demo: DemoSchool) -> None:
    senco = demo.staff.get(Role.SENCO)
    if senco is None:
        return
    year = report_rules.school_year_of(demo.today)
    saved = report.information_report_save(
        school=demo.school,
        year=year,
        texts=report_rules.starter_texts(),
        by=senco,
        today=demo.today,
    )
    report.information_report_publish(report=saved, by=senco, today=demo.today)
    demo.report.append(f"Published the SEN information report at {report.public_url(saved)}")
