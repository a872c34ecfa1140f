"""What this app adds to the pupil's page, the SENCO's home page and the list of deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.formats import date_format

from sendreg.accounts.models import Membership, School
from sendreg.accounts.permissions import Permission
from sendreg.lib.extensions import Deadline, PageContext, may_have
from sendreg.transfer import rules
from sendreg.transfer.forms import CtfExportForm
from sendreg.transfer.models import Consent, CtfHistory, RecordPack
from sendreg.transfer.rules import AcknowledgementStatus, SharingPurpose
from sendreg.transfer.selectors import (
    consent_check,
    consents_for,
    histories_for,
    transfer_in_pending,
    unacknowledged_packs,
)

DEADLINE_KIND = "transfer_acknowledgement"
DEADLINE_LABEL = "Receiving school to acknowledge a record pack"

#: What the pupil's page reads with the pupil for this section: whether the pupil has any
#: record packs, CTF histories and consents (most pupils have none of each).
HAS_PACKS = "transfer_has_packs"
HAS_HISTORIES = "transfer_has_histories"
HAS_CONSENTS = "transfer_has_consents"


def pupil_facts(membership: Membership) -> Mapping[str, Any]:
    """``Section.pupil_facts``: the lists below the member may see that the pupil has rows in."""
    manage = membership.can(Permission.TRANSFER_MANAGE)
    if not (manage or membership.can(Permission.TRANSFER_LOG_VIEW)):
        return {}
    pupil = OuterRef("pk")
    facts = {HAS_PACKS: Exists(RecordPack.objects.filter(pupil=pupil))}
    if manage:
        facts[HAS_HISTORIES] = Exists(CtfHistory.objects.filter(pupil=pupil))
        facts[HAS_CONSENTS] = Exists(Consent.objects.filter(pupil=pupil))
    return facts


def pupil_section(page: PageContext) -> Mapping[str, Any] | None:
    """Transfers on the pupil's page: for the SENCO everything, for the head the transfer log."""
    membership, pupil = page.membership, page.pupil
    if pupil is None:
        return None
    manage = membership.can(Permission.TRANSFER_MANAGE)
    if not (manage or membership.can(Permission.TRANSFER_LOG_VIEW)):
        return None
    packs = (
        [
            (pack, pack.status(page.day))
            for pack in pupil.record_packs.select_related("sharing").order_by("-sent_on", "-pk")
        ]
        if may_have(pupil, HAS_PACKS)
        else []
    )
    context: dict[str, Any] = {
        "pupil": pupil,
        "manage": manage,
        "packs": packs,
        "today": page.day,
    }
    if not manage:
        return context
    histories = histories_for(pupil) if may_have(pupil, HAS_HISTORIES) else []
    pending = next(
        (
            h.decision
            for h in histories
            if hasattr(h, "decision") and h.decision.outcome == "pending"
        ),
        None,
    )
    consents = consents_for(pupil) if may_have(pupil, HAS_CONSENTS) else []
    context.update(
        histories=histories,
        pending=pending,
        consents=[(c, c.in_force(page.day)) for c in consents],
        next_school=consent_check(
            pupil, SharingPurpose.NEXT_SCHOOL, on=page.day, consents=consents
        ),
        export_form=CtfExportForm(),
    )
    return context


def home_panel(page: PageContext) -> Mapping[str, Any] | None:
    """For the SENCO: transfers waiting for a decision, and record packs not yet acknowledged.
    The head, who may see the transfer log, sees the packs and the way to the log."""
    membership = page.membership
    if not membership.can(Permission.TRANSFER_LOG_VIEW):
        return None
    pending = list(transfer_in_pending(membership)[:20])
    packs = [(pack, pack.status(page.day)) for pack in unacknowledged_packs(membership.school)[:20]]
    if not pending and not packs:
        return None
    return {
        "pending": pending,
        "packs": packs,
        "overdue": sum(1 for _, status in packs if status == AcknowledgementStatus.OVERDUE),
    }


def deadlines(school: School, day: dt.date) -> Iterable[Deadline]:
    """Each record pack still waiting for its acknowledgement, due 15 school days after sending."""
    for pack in unacknowledged_packs(school):
        pupil = pack.pupil
        yield Deadline(
            kind=DEADLINE_KIND,
            due=pack.due,
            status=pack.status(day).value,
            detail=(
                f"{pack.sharing.recipient} to acknowledge the record pack sent on "
                f"{date_format(pack.sent_on, 'j F Y')} ({pack.reference}); due within "
                f"{rules.ACKNOWLEDGEMENT_SCHOOL_DAYS} school days."
            ),
            upn=pupil.upn,
            name=str(pupil),
            pupil_id=pupil.pk,
            url=reverse("pupil_detail", args=[pupil.pk]) + "#transfer-heading",
        )
