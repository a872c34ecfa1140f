"""What the provision map adds to the pupil's page and to each role's home page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendreg.accounts.permissions import Permission
from sendreg.lib.extensions import PageContext, Section
from sendreg.provision import rules, selectors


def pupil_section(page: PageContext) -> Mapping[str, Any] | None:
    """The pupil's provision this school year: runs, hours, and cost against the threshold.

    Teachers and teaching assistants (who reach the page only for pupils they teach) see
    the provision and the hours; the costs are for those who see the whole school's map.
    """
    membership = page.membership
    if page.pupil is None or not any(membership.can(p) for p in selectors.SOME):
        return None
    show_costs = membership.can(Permission.PROVISION_VIEW)
    year = rules.school_year_of(page.day)
    provision, earlier = selectors.pupil_provision_history(
        page.pupil, year=year, with_threshold=show_costs
    )
    return {
        "pupil": page.pupil,
        "provision": provision,
        "earlier": earlier,
        "show_costs": show_costs,
        "can_edit": membership.can(Permission.PROVISION_EDIT),
    }


def senco_panel(page: PageContext) -> Mapping[str, Any] | None:
    """For those who see the whole map: top-up candidates and interventions with no measured
    impact."""
    membership = page.membership
    if not membership.can(Permission.PROVISION_VIEW):
        return None
    year = rules.school_year_of(page.day)
    threshold = selectors.topup_threshold(membership.school)
    summary = selectors.cost_summary(membership.school, year=year, threshold=threshold)
    return {
        "year_label": rules.school_year_label(year),
        "pupils": summary.pupils,
        "total": summary.total,
        "candidates": summary.candidates,
        "threshold": threshold,
        "unmeasured": selectors.unmeasured_interventions(membership.school, today=page.day),
        "can_edit": membership.can(Permission.PROVISION_EDIT),
    }


def teaching_panel(page: PageContext) -> Mapping[str, Any] | None:
    """For teachers and teaching assistants: the interventions they deliver."""
    membership = page.membership
    if membership.can(Permission.PROVISION_VIEW) or not membership.can(
        Permission.PROVISION_VIEW_TAUGHT
    ):
        return None
    return {"runs": selectors.runs_delivered_by(membership, today=page.day)}


def aggregates_panel(page: PageContext) -> Mapping[str, Any] | None:
    """For governors and advisers: this year's totals, with no pupil named."""
    membership = page.membership
    if membership.can(Permission.PROVISION_VIEW) or not membership.can(
        Permission.PROVISION_AGGREGATES
    ):
        return None
    year = rules.school_year_of(page.day)
    provision_map = selectors.provision_map(
        membership.school, year=year, today=page.day, suppress=True
    )
    return {"map": provision_map, "small": selectors.SMALL_NUMBER}


PUPIL_SECTION = Section("provision", "provision/pupil_section.html", pupil_section, order=40)
HOME_PANELS = (
    Section("provision", "provision/panel_senco.html", senco_panel, order=40),
    Section("provision_teaching", "provision/panel_teaching.html", teaching_panel, order=40),
    Section("provision_aggregates", "provision/panel_aggregates.html", aggregates_panel, order=40),
)
