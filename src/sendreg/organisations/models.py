"""The organisation app keeps no tables of its own: trusts and local authorities, and who
belongs to them, are ``accounts`` models (below every app that reads them). Its audit
event types live here."""

from __future__ import annotations

from django.db import models


class OrganisationAudit(models.TextChoices):
    """Written to the trail of each school concerned: it is the school's data that is seen."""

    SCHOOL_JOINED = "organisation.school_joined", "School added to a trust or local authority"
    MEMBER_ADDED = "organisation.member_added", "Someone given the trust's or LA's figures"
    MEMBER_ROLE_CHANGED = "organisation.member_role_changed", "Trust or LA role changed"
