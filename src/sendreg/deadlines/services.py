"""Writes of the deadlines app: calendar feeds made and turned off, weekly emails sent."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Permission
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.deadlines import rules, selectors
from sendreg.deadlines.models import CalendarFeed, DeadlinesAuditType, DigestSent
from sendreg.lib.extensions import Deadline

#: 32 random bytes: about 256 bits, far beyond guessing.
TOKEN_BYTES = 32


def _audit(
    type: DeadlinesAuditType, *, school_id: int, target: Any, by: User | None, **values: Any
) -> None:
    audit_record(
        # The audit trail keeps another app's types as text (``lib.extensions.AUDIT_TYPES``).
        type=cast(AuditEvent.Type, type),
        school_id=school_id,
        target=target,
        by=by,
        **values,
    )


@transaction.atomic
def feed_create(*, user: User, school_id: int) -> tuple[CalendarFeed, str]:
    """Make a new calendar address for ``user``, turning off any old one. Returns the feed
    and its token: the token is not kept, so this is the only time it can be shown."""
    feed_revoke(user=user, school_id=school_id, audit=False)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed(user=user, token_hash=selectors.token_hash(token))
    feed.full_clean()
    feed.save()
    _audit(DeadlinesAuditType.FEED_CREATED, school_id=school_id, target=feed, by=user)
    return feed, token


@transaction.atomic
def feed_revoke(*, user: User, school_id: int, audit: bool = True) -> bool:
    """Turn off the user's calendar address; says whether there was one."""
    feed = (
        CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True).first()
    )
    if feed is None:
        return False
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    if audit:
        _audit(DeadlinesAuditType.FEED_REVOKED, school_id=school_id, target=feed, by=user)
    return True


# --- The weekly email ------------------------------------------------------------------------

SUBJECT = "sendreg: {count} deadline{s} overdue or due by {until} at {school}"
INTRO = (
    "What falls due at {school} by {until}, and anything overdue. Pupils are shown by their "
    "initials only: open each link (it asks you to log in) for the details."
)
OVERDUE_HEADING = "Overdue"
DUE_HEADING = "Due by {until}"
LINE = "- {date}: {summary}\n  {url}"
ALREADY = "already sent today"
NOTHING_DUE = f"nothing overdue or due within {rules.SOON_DAYS} days"
FOOTER = "You are sent this each week because of your role in sendreg. The whole list is at {url}."


@dataclass(frozen=True)
class DigestOutcome:
    email: str
    school: str
    deadlines: int
    sent: bool
    #: Why nothing was sent: "already sent today", "nothing due".
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "school": self.school,
            "deadlines": self.deadlines,
            "sent": self.sent,
            "reason": self.reason,
        }


def digest_body(
    *, school: School, deadlines: list[Deadline], today: dt.date, site_url: str
) -> tuple[str, str]:
    """The email's subject and plain-text body."""
    until = date_format(today + dt.timedelta(days=rules.SOON_DAYS), "l j F Y")
    labels = selectors.kinds()
    site = site_url.rstrip("/")

    def line(deadline: Deadline) -> str:
        label = labels.get(deadline.kind, deadline.kind)
        return LINE.format(
            date=date_format(deadline.due, "D j M Y"),
            summary=rules.outside_summary(label=label, name=deadline.name),
            url=site + (deadline.url or "/deadlines/"),
        )

    overdue = [d for d in deadlines if d.status == rules.DeadlineStatus.OVERDUE]
    soon = [d for d in deadlines if d.status == rules.DeadlineStatus.DUE_SOON]
    parts = [INTRO.format(school=school.name, until=until), ""]
    if overdue:
        parts += [OVERDUE_HEADING, *map(line, overdue), ""]
    if soon:
        parts += [DUE_HEADING.format(until=until), *map(line, soon), ""]
    parts.append(FOOTER.format(url=site + "/deadlines/"))
    subject = SUBJECT.format(
        count=len(deadlines), s="" if len(deadlines) == 1 else "s", until=until, school=school.name
    )
    return subject, "\n".join(parts) + "\n"


def digest_send(*, today: dt.date, school: School | None = None) -> list[DigestOutcome]:
    """Email each person whose role receives the digest what is overdue or due in 14 days.

    At most one email per person, school and day: the day's row is written in the same
    transaction as the email is handed to the mail server, so running this twice (or two
    runs at once) sends nothing twice, and a failed send is tried again on the next run.
    Nobody is emailed when nothing is due.
    """
    memberships = Membership.objects.select_related("user", "school").filter(user__is_active=True)
    if school is not None:
        memberships = memberships.filter(school=school)
    wanted = [
        m
        for m in memberships.order_by("school__name", "user__email")
        if m.can(Permission.DEADLINES_DIGEST)
    ]
    site_url: str = settings.SENDREG_SITE_URL
    outcomes: list[DigestOutcome] = []
    cache: dict[int, list[Deadline]] = {}
    for membership in wanted:
        user, member_school = membership.user, membership.school
        if member_school.pk not in cache:
            cache[member_school.pk] = selectors.attention(member_school, today)
        deadlines = cache[member_school.pk]

        if DigestSent.objects.filter(user=user, school=member_school, sent_on=today).exists():
            outcomes.append(
                DigestOutcome(user.email, member_school.name, len(deadlines), False, ALREADY)
            )
            continue
        if not deadlines:
            outcomes.append(DigestOutcome(user.email, member_school.name, 0, False, NOTHING_DUE))
            continue
        subject, body = digest_body(
            school=member_school, deadlines=deadlines, today=today, site_url=site_url
        )
        try:
            with transaction.atomic():
                record = DigestSent.objects.create(
                    user=user, school=member_school, sent_on=today, deadlines=len(deadlines)
                )
                _audit(
                    DeadlinesAuditType.DIGEST_SENT,
                    school_id=member_school.pk,
                    target=record,
                    by=None,
                    new={"to": user.email, "deadlines": len(deadlines)},
                    source="sendreg digest",
                )
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except IntegrityError:
            # Another run sent it a moment ago.
            outcomes.append(
                DigestOutcome(user.email, member_school.name, len(deadlines), False, ALREADY)
            )
            continue
        outcomes.append(DigestOutcome(user.email, member_school.name, len(deadlines), True))
    return outcomes
