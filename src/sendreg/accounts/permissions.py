"""Roles and what each may do: the one place that says who may do what.

A user holds a role through a membership of a school. Views ask
``membership.can(Permission.X)``; nothing else maps roles to rights.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    SENCO = "senco", "SENCO"
    DEPUTY_SENCO = "deputy_senco", "Deputy SENCO"
    TEACHER = "teacher", "Teacher"
    TEACHING_ASSISTANT = "ta", "Teaching assistant"
    OFFICE = "office", "Office staff"
    HEAD = "head", "Headteacher or senior leader"
    GOVERNOR = "governor", "Governor"
    ADVISER = "adviser", "Trust or local authority adviser"


class Permission(StrEnum):
    #: See every pupil of the school (others see only the pupils they teach).
    PUPILS_VIEW_ALL = "pupils.view_all"
    #: See the pupils in one's own classes and teaching groups.
    PUPILS_VIEW_TAUGHT = "pupils.view_taught"
    PUPILS_EDIT = "pupils.edit"
    CONTACTS_EDIT = "contacts.edit"
    #: See a looked-after child's protected address.
    PROTECTED_ADDRESS_VIEW = "contacts.view_protected"
    REGISTER_VIEW = "register.view"
    REGISTER_EXPORT = "register.export"
    #: Change SEN status and need types: the SENCO alone.
    SEN_EDIT = "register.edit_sen"
    MONITORING_EDIT = "register.edit_monitoring"
    AUDIT_VIEW = "audit.view"
    #: Counts and percentages without pupil names.
    AGGREGATES_VIEW = "insight.aggregates"
    IMPORTS_RUN = "imports.run"
    #: Keep the registers beside the SEN register: medical, EAL, looked-after,
    #: cause for concern, exam access arrangements.
    OTHER_REGISTERS_EDIT = "records.edit"
    #: Read support plans, reviews, parent meetings, specialists' involvement and pupil
    #: passports (of the pupils the member may see: a teacher, those they teach).
    SUPPORT_VIEW = "support.view"
    #: Open, change and review support plans; record meetings and specialists; keep the
    #: passport and the school's support settings: the SENCO and deputy.
    SUPPORT_EDIT = "support.edit"
    #: Suggest a change to a pupil's passport, which the SENCO accepts or declines.
    PASSPORT_SUGGEST = "support.suggest_passport"
    #: Download the reports specialists wrote (educational psychologists, therapists).
    SPECIALIST_REPORTS_VIEW = "support.view_reports"
    #: Who has looked at which pupil, and the report of unusual access.
    ACCESS_LOG_VIEW = "audit.view_access"
    #: Download everything held about one pupil (a subject access request), and see which
    #: records are past their retention date.
    PRIVACY_MANAGE = "privacy.manage"
    #: See pupils' EHC (education, health and care) needs assessments, plans and reviews.
    EHC_VIEW = "ehc.view"
    #: Record EHC events, change an EHC deadline's date, produce the review letters.
    EHC_EDIT = "ehc.edit"
    #: See the list of every dated duty in the school, and have a calendar feed of it.
    DEADLINES_VIEW = "deadlines.view"
    #: Be sent the weekly email of what falls due.
    DEADLINES_DIGEST = "deadlines.digest"
    #: The whole school's provision map with pupils' names, costs and top-up candidates.
    PROVISION_VIEW = "provision.view"
    #: Keep the provision map: the catalogue, runs, pupils' measures, training, the threshold.
    PROVISION_EDIT = "provision.edit"
    #: The provision of the pupils one teaches, and the interventions one delivers.
    PROVISION_VIEW_TAUGHT = "provision.view_taught"
    #: The provision map's totals, impact and training summary, without pupils' names.
    PROVISION_AGGREGATES = "provision.aggregates"
    #: Decide transfer-in offers, write CTFs, make record packs, record consent to share.
    TRANSFER_MANAGE = "transfer.manage"
    #: See the transfer log: which record packs went where, and their acknowledgement.
    TRANSFER_LOG_VIEW = "transfer.view_log"
    #: Keep the school's contact details and the local advice that letters to parents give.
    SCHOOL_DETAILS_EDIT = "school.edit_details"
    #: The analysis and findings with the pupils concerned named (others with
    #: ``AGGREGATES_VIEW`` see them without names, small numbers withheld).
    INSIGHT_VIEW = "insight.view"
    #: Take a snapshot now; write the note and action on a finding, and on a complex case.
    INSIGHT_EDIT = "insight.edit"
    #: Write and publish the SEN information report: the SENCO and deputy.
    INFORMATION_REPORT_EDIT = "insight.edit_information_report"


_SENCO = frozenset(Permission)
_TEACHING = frozenset(
    {
        Permission.PUPILS_VIEW_TAUGHT,
        Permission.PROVISION_VIEW_TAUGHT,
        Permission.SUPPORT_VIEW,
        Permission.PASSPORT_SUGGEST,
    }
)
_AGGREGATES = frozenset({Permission.AGGREGATES_VIEW, Permission.PROVISION_AGGREGATES})

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.SENCO: _SENCO,
    Role.DEPUTY_SENCO: _SENCO,
    Role.TEACHER: _TEACHING,
    Role.TEACHING_ASSISTANT: _TEACHING,
    Role.OFFICE: frozenset(
        {
            Permission.PUPILS_VIEW_ALL,
            Permission.PUPILS_EDIT,
            Permission.CONTACTS_EDIT,
            Permission.REGISTER_VIEW,
            Permission.REGISTER_EXPORT,
            Permission.AGGREGATES_VIEW,
            Permission.IMPORTS_RUN,
            Permission.OTHER_REGISTERS_EDIT,
            Permission.SCHOOL_DETAILS_EDIT,
        }
    ),
    Role.HEAD: frozenset(
        {
            Permission.PUPILS_VIEW_ALL,
            Permission.REGISTER_VIEW,
            Permission.REGISTER_EXPORT,
            Permission.AUDIT_VIEW,
            Permission.ACCESS_LOG_VIEW,
            Permission.AGGREGATES_VIEW,
            Permission.SUPPORT_VIEW,
            Permission.SPECIALIST_REPORTS_VIEW,
            Permission.EHC_VIEW,
            Permission.DEADLINES_VIEW,
            Permission.PROVISION_VIEW,
            Permission.PROVISION_AGGREGATES,
            Permission.TRANSFER_LOG_VIEW,
            Permission.INSIGHT_VIEW,
        }
    ),
    Role.GOVERNOR: _AGGREGATES,
    Role.ADVISER: _AGGREGATES,
}


#: Roles of people who work at the school: who may own a concern, be a designated teacher,
#: deliver an intervention or be trained. Governors and advisers look in from outside.
STAFF_ROLES: frozenset[str] = frozenset(Role) - {Role.GOVERNOR, Role.ADVISER}


def role_can(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


#: Either lets a member see pupils by name: all of the school's, or those they teach.
SEE_PUPILS = (Permission.PUPILS_VIEW_ALL, Permission.PUPILS_VIEW_TAUGHT)


def role_sees_pupils(role: str) -> bool:
    """Whether the role sees any pupil by name (``SEE_PUPILS``)."""
    return any(role_can(role, permission) for permission in SEE_PUPILS)


#: Roles that see the whole register must log in with a second factor (an authenticator
#: app's code, or a recovery code); anyone else may choose to.
TWO_FACTOR_ROLES: frozenset[str] = frozenset(
    {Role.SENCO, Role.DEPUTY_SENCO, Role.HEAD, Role.OFFICE}
)


def role_requires_two_factor(role: str) -> bool:
    return role in TWO_FACTOR_ROLES


# --- Organisations: trusts and local authorities ----------------------------------------


class OrganisationRole(models.TextChoices):
    """A role in a multi-academy trust or a local authority, over all of its schools."""

    ADVISER = "adviser", "Adviser"
    SEND_LEAD = "send_lead", "SEND lead"


class OrganisationPermission(StrEnum):
    #: The organisation's figures: per school and in total, trends, need types, findings'
    #: counts. Aggregates only, small numbers suppressed: never a pupil's name (a person who
    #: should see names is given a membership of that school as well).
    VIEW = "organisation.view"
    #: Download the "levels and types of need" figures of a local authority's schools.
    EXPORT_NEEDS = "organisation.export_needs"


ORGANISATION_ROLE_PERMISSIONS: dict[str, frozenset[OrganisationPermission]] = {
    OrganisationRole.ADVISER: frozenset(OrganisationPermission),
    OrganisationRole.SEND_LEAD: frozenset(OrganisationPermission),
}


def organisation_role_can(role: str, permission: OrganisationPermission) -> bool:
    return permission in ORGANISATION_ROLE_PERMISSIONS.get(role, frozenset())
