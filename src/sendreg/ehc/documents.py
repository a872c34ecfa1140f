"""The EHC documents: review invitations, the draft review report and the record summary.

Each is a ``lib.documents.Document`` rendered by the shared renderer to PDF (to send) and
DOCX (to edit). The words are plain English for parents: every acronym is written out the
first time a document uses it, and the local authority is never shortened to "LA".
"""

from __future__ import annotations

import datetime as dt

from sendreg import codes
from sendreg.deadlines.rules import long_date
from sendreg.ehc import rules
from sendreg.ehc.deadlines import weeks_after
from sendreg.ehc.models import EhcEvent, EhcInvitee
from sendreg.ehc.rules import InviteeRole
from sendreg.ehc.selectors import EhcRecord
from sendreg.lib.dates import add_months
from sendreg.lib.documents import Block, Bullets, Document, Facts, Heading, Paragraph, Table

EHC_IN_FULL = "education, health and care (EHC) plan"
NOT_RECORDED = "Not recorded"


def _school(record: EhcRecord) -> str:
    return record.pupil.school.name


def _due(record: EhcRecord, key: str, fallback: dt.date) -> dt.date:
    """The duty's date as the record has it (with the school's own date, if set)."""
    return next((duty.due for duty in record.duties if duty.key == key), fallback)


# --- Invitations ---------------------------------------------------------------------------


def invitation_letter(
    *, record: EhcRecord, review: EhcEvent, invitee: EhcInvitee, signed_by: str, today: dt.date
) -> Document:
    """One person's invitation to an annual review meeting."""
    pupil = record.pupil
    assert review.meeting_on is not None
    meeting = long_date(review.meeting_on)
    advice_by = long_date(review.meeting_on - dt.timedelta(weeks=2))
    blocks: list[Block] = [
        Paragraph(f"Dear {invitee.name},"),
        Paragraph(
            f"You are invited to the annual review of {pupil}'s {EHC_IN_FULL}. The plan sets "
            "out the child's special educational needs and the help the local authority has "
            "agreed to provide. Once a year everyone involved meets to look at how it is going."
        ),
        Facts(
            (
                ("Pupil", str(pupil)),
                ("Year group", pupil.year_label),
                ("Date of the meeting", meeting),
                ("Where and when", review.notes.strip() or "We will confirm the time and place."),
            )
        ),
    ]
    if invitee.advice_requested:
        blocks += [
            Heading("Your advice"),
            Paragraph(
                f"Please send us your advice and information about {pupil.forename} by "
                f"{advice_by}, at least 2 weeks before the meeting. We will send everything we "
                "receive to everyone invited, so that they can read it before the meeting."
            ),
        ]
    blocks += [
        Heading("What happens at the meeting"),
        Bullets(
            (
                "We look at the progress made towards the outcomes in the plan.",
                f"We hear what {pupil.forename} and their parents think.",
                "We agree whether to recommend that the plan stays as it is, changes or ends.",
                "Within 2 weeks of the meeting the school sends a report of it to everyone "
                "invited. The local authority then tells the family its decision within "
                "4 weeks of the meeting.",
            )
        ),
    ]
    if invitee.role in (InviteeRole.PARENT, InviteeRole.PUPIL):
        blocks.append(
            Paragraph(
                "Free, impartial advice is available from your local special educational needs "
                "and disabilities information, advice and support service (SENDIASS)."
            )
        )
    blocks += [
        Paragraph("Please tell the school whether you can come."),
        Paragraph(
            f"Yours sincerely,\n{signed_by}\n"
            f"Special educational needs co-ordinator (SENCO)\n{_school(record)}"
        ),
    ]
    return Document(
        title="Invitation to an annual review meeting",
        subtitle=f"{_school(record)}, {long_date(today)}",
        blocks=blocks,
        footer=f"Invitation to {pupil}'s annual review – {_school(record)}",
        author=_school(record),
    )


# --- The review report ------------------------------------------------------------------------


def _plan_facts(record: EhcRecord) -> Facts:
    plan = record.plan_event
    if plan is None:
        return Facts((("Final plan", NOT_RECORDED),))
    first = record.history.plan.issued if record.history and record.history.plan else None
    sections = ", ".join(plan.sections) if plan.sections else NOT_RECORDED
    items = [
        ("Plan issued", long_date(first.on) if first else long_date(plan.on)),
        ("Latest version issued", long_date(plan.on)),
        ("Local authority", plan.local_authority or NOT_RECORDED),
        ("School or placement named in the plan (section I)", plan.named_school or NOT_RECORDED),
        ("Sections the plan has", sections),
    ]
    return Facts(tuple(items))


def review_report(
    *, record: EhcRecord, held: EhcEvent, invitees: list[EhcInvitee], today: dt.date
) -> Document:
    """The school's draft report of an annual review meeting, for the SENCO to complete."""
    pupil = record.pupil
    report_by = _due(record, f"review_report:{held.pk}", weeks_after(held.on, 2))
    decision_by = _due(record, f"la_decision:{held.pk}", weeks_after(held.on, 4))
    status = record.sen_status
    blocks: list[Block] = [
        Paragraph(
            f"This is the school's report of the annual review of {pupil}'s {EHC_IN_FULL}. It "
            "is a draft made from the plan and the views given at the meeting, for the special "
            "educational needs co-ordinator (SENCO) to complete and check. Send it to everyone "
            f"invited by {long_date(report_by)}.",
            strong=True,
        ),
        Heading("About the pupil"),
        Facts(
            (
                ("Name", str(pupil)),
                ("Date of birth", long_date(pupil.date_of_birth)),
                ("Year group", pupil.year_label),
                ("Unique pupil number (UPN)", pupil.upn),
                (
                    "On the school's special educational needs (SEN) register",
                    codes.provision_label(status) if status else "Not on the register",
                ),
            )
        ),
        Heading("The plan"),
        _plan_facts(record),
        Heading("The meeting"),
        Facts(
            (
                ("Held on", long_date(held.on)),
                ("Who came", held.attendees.strip() or NOT_RECORDED),
            )
        ),
    ]
    if invitees:
        blocks.append(
            Table(
                ("Invited", "Role", "Invitation sent", "Advice asked for"),
                tuple(
                    (
                        i.name + (f", {i.organisation}" if i.organisation else ""),
                        i.get_role_display(),
                        long_date(i.invited_on) if i.invited_on else "Not recorded",
                        "Yes" if i.advice_requested else "No",
                    )
                    for i in invitees
                ),
                caption="Everyone invited to the meeting",
            )
        )
    blocks += [
        Heading(f"What {pupil.forename} said"),
        Paragraph(held.pupil_views.strip() or NOT_RECORDED),
        Heading("What the parents said"),
        Paragraph(held.parent_views.strip() or NOT_RECORDED),
        Heading("Progress towards the outcomes in the plan (section E)"),
        Paragraph("For each outcome, write the progress made and the evidence for it."),
        Table(
            ("Outcome", "Progress made", "Evidence"),
            (("", "", ""), ("", "", ""), ("", "", "")),
            caption="Progress towards each outcome",
        ),
        Heading("What the meeting agreed"),
        Paragraph(held.notes.strip() or "Write what was agreed, and any changes recommended."),
    ]
    plan = record.plan_event
    if pupil.year_group is not None and pupil.year_group >= rules.ADULTHOOD_FROM_YEAR:
        blocks += [
            Heading("Preparing for adulthood"),
            Paragraph(
                (plan.adulthood.strip() if plan else "")
                or "From Year 9 the plan should say how the pupil is being prepared for "
                "adult life: work, living independently, friends and community, and good health."
            ),
        ]
    blocks += [
        Heading("Recommendation to the local authority"),
        Paragraph("Keep one of these and say why:"),
        Bullets(
            (
                "Keep the plan as it is.",
                "Amend the plan: say which sections should change, and how.",
                "Cease the plan: the pupil no longer needs it.",
            )
        ),
        Heading("What happens next"),
        Facts(
            (
                ("This report sent to everyone invited by", long_date(report_by)),
                ("The local authority's decision due by", long_date(decision_by)),
                ("Next annual review due by", long_date(add_months(held.on, 12))),
            )
        ),
        Paragraph(
            "The pupil and their parents can appeal against the local authority's decisions "
            "about the plan to the First-tier Tribunal (Special Educational Needs and "
            "Disability). Free, impartial advice is available from the local special "
            "educational needs and disabilities information, advice and support service "
            "(SENDIASS)."
        ),
    ]
    return Document(
        title=f"Annual review of {pupil}'s education, health and care (EHC) plan",
        subtitle=f"{_school(record)}, meeting held on {long_date(held.on)}",
        blocks=blocks,
        footer=f"Draft report of {pupil}'s annual review – {_school(record)} – confidential",
        author=_school(record),
    )


# --- The record, for a receiving school or a subject access request ----------------------------


def record_summary(*, record: EhcRecord, today: dt.date) -> Document:
    """Everything the EHC record holds, in date order, with each duty and where it stands."""
    pupil = record.pupil
    rows = []
    for item in record.timeline:
        details = "; ".join(f"{label}: {value}" for label, value in item.facts)
        if item.event.withdrawn:
            details = f"Withdrawn as recorded in error: {item.event.withdrawn_reason}. {details}"
        rows.append((long_date(item.event.on), item.title, details.strip()))
    duties = tuple((row.label, long_date(row.duty.due), row.status_label) for row in record.rows)
    blocks: list[Block] = [
        Paragraph(
            f"The school's record of {pupil}'s {EHC_IN_FULL}: needs assessments, plans and "
            "annual reviews, with the dates the law sets for each step."
        ),
        Facts(
            (
                ("Where things stand", record.stage.label),
                ("Date of birth", long_date(pupil.date_of_birth)),
            )
        ),
        Heading("What happened"),
        Table(("Date", "Event", "Details"), tuple(rows), caption="Events in date order")
        if rows
        else Paragraph("Nothing recorded."),
    ]
    if duties:
        blocks += [
            Heading("Deadlines"),
            Table(
                ("Duty", "Due", "Status"), duties, caption=f"As they stood on {long_date(today)}"
            ),
        ]
    return Document(
        title=f"{pupil}: education, health and care (EHC) record",
        subtitle=f"{_school(record)}, {long_date(today)}",
        blocks=blocks,
        footer=f"{pupil}'s EHC record – {_school(record)} – confidential",
        author=_school(record),
    )
