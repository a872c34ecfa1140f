"""The rules of moving a pupil's record between schools, and of sharing it: no database here.

Each rule is one function of plain values, used by every page, export and command
that needs it. Messages are module constants, so that tests can assert on them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError

from sendreg.codes import ON_REGISTER, SenProvision
from sendreg.lib.dates import DUE_SOON_DAYS, due_status

# --- School days and the acknowledgement ------------------------------------------------

#: A receiving school is chased when it has not acknowledged a record pack within this
#: many school days of its sending.
ACKNOWLEDGEMENT_SCHOOL_DAYS = 15


def is_school_day(day: dt.date) -> bool:
    """Monday to Friday. sendreg holds no term dates, so holidays count as school days."""
    return day.weekday() < 5


def add_school_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th school day after ``start`` (``start`` itself is not counted)."""
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_school_day(day):
            counted += 1
    return day


def school_days_between(start: dt.date, end: dt.date) -> int:
    """School days after ``start`` up to and including ``end``; negative when ``end`` is earlier."""
    if end < start:
        return -school_days_between(end, start)
    whole_weeks, rest = divmod((end - start).days, 7)
    count = whole_weeks * 5
    day = start + dt.timedelta(days=whole_weeks * 7)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        if is_school_day(day):
            count += 1
    return count


def acknowledgement_due(sent_on: dt.date) -> dt.date:
    """The last day on which the receiving school's acknowledgement is on time."""
    return add_school_days(sent_on, ACKNOWLEDGEMENT_SCHOOL_DAYS)


class AcknowledgementStatus(StrEnum):
    """Worked out each time from the dates: never stored. Values match ``Deadline.status``."""

    ACKNOWLEDGED = "done"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    WAITING = "upcoming"

    @property
    def label(self) -> str:
        return _ACK_LABELS[self]


_ACK_LABELS = {
    AcknowledgementStatus.ACKNOWLEDGED: "Acknowledged",
    AcknowledgementStatus.OVERDUE: "No acknowledgement after 15 school days: chase it",
    AcknowledgementStatus.DUE_SOON: f"Acknowledgement due within {DUE_SOON_DAYS} days",
    AcknowledgementStatus.WAITING: "Waiting for the acknowledgement",
}


def acknowledgement_status(
    *, sent_on: dt.date, acknowledged_on: dt.date | None, today: dt.date
) -> AcknowledgementStatus:
    """Chased the day after the 15th school day; due soon as every dated duty is
    (``lib.dates.due_status``), so the deadline list and the pack agree."""
    status = due_status(acknowledgement_due(sent_on), today=today, done=acknowledged_on is not None)
    return AcknowledgementStatus(status.value)


ACK_NAME_REQUIRED = "Give the name of the person at the receiving school who acknowledged it."
ACK_BEFORE_SENT = "The acknowledgement cannot be before the pack was sent ({sent:%d/%m/%Y})."
ACK_IN_FUTURE = "The acknowledgement date cannot be in the future."
ACK_ALREADY = "This record pack's acknowledgement is already recorded."


def validate_acknowledgement(
    *, acknowledged_on: dt.date, sent_on: dt.date, name: str, today: dt.date
) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["acknowledged_by_name"] = ACK_NAME_REQUIRED
    if acknowledged_on < sent_on:
        errors["acknowledged_on"] = ACK_BEFORE_SENT.format(sent=sent_on)
    elif acknowledged_on > today:
        errors["acknowledged_on"] = ACK_IN_FUTURE
    if errors:
        raise ValidationError(errors)


# --- The SEN history in a Common Transfer File ---------------------------------------------


@dataclass(frozen=True)
class SenEntry:
    """One ``SEN`` element of a CTF: from ``start`` the pupil had ``provision`` (E, K or N)."""

    start: dt.date
    provision: str


@dataclass(frozen=True)
class Episode:
    """A stretch on the register, as the register keeps it: ``end`` exclusive, None if open."""

    status: str
    start: dt.date
    end: dt.date | None


def episodes_to_entries(episodes: Iterable[Episode]) -> list[SenEntry]:
    """The SEN entries a CTF carries for a school's episodes.

    Each episode starts an entry with its status. An episode that ends without
    another starting the same day is followed by an N entry on its end date, so
    the receiving school sees when the pupil came off the register.
    """
    ordered = sorted(episodes, key=lambda e: e.start)
    entries: list[SenEntry] = []
    for index, episode in enumerate(ordered):
        entries.append(SenEntry(episode.start, episode.status))
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if episode.end is not None and (following is None or following.start != episode.end):
            entries.append(SenEntry(episode.end, SenProvision.NO_SEN.value))
    return entries


def entries_to_episodes(entries: Iterable[SenEntry]) -> list[Episode]:
    """The episodes on the register that a CTF's SEN entries describe (the inverse of above).

    Entries are read in date order; each E or K runs until the next entry that
    changes the provision. N entries end an episode and start none.
    """
    episodes: list[Episode] = []
    current: SenEntry | None = None
    for entry in sorted(entries, key=lambda e: e.start):
        if current is not None and entry.provision == current.provision:
            continue
        if current is not None and current.provision in ON_REGISTER:
            episodes.append(Episode(current.provision, current.start, entry.start))
        current = entry
    if current is not None and current.provision in ON_REGISTER:
        episodes.append(Episode(current.provision, current.start, None))
    return episodes


def current_provision(entries: Sequence[SenEntry]) -> SenEntry | None:
    """The provision the previous school last recorded, with the day that run of it began.

    None when the file has no SEN entries. Consecutive entries with the same
    provision are one run, so ``start`` is the first of them.
    """
    ordered = sorted(entries, key=lambda e: e.start)
    if not ordered:
        return None
    latest = ordered[-1]
    since = latest.start
    for entry in reversed(ordered[:-1]):
        if entry.provision != latest.provision:
            break
        since = entry.start
    return SenEntry(since, latest.provision)


def transfer_in_offered(*, entries: Sequence[SenEntry], on_register_here: bool) -> bool:
    """Whether the SENCO is asked to decide on putting a transferred pupil on the register.

    Only when the previous school had them on the register (E or K) at the end of
    its history and they are not already on this school's register. Nothing is put
    on the register without that decision.
    """
    latest = current_provision(entries)
    return not on_register_here and latest is not None and latest.provision in ON_REGISTER


# --- CTF file names ---------------------------------------------------------------------------

#: The destination of a CTF when the pupil's next school is not known (CTF specification).
UNKNOWN_DESTINATION = "MMMMMMM"
#: The destination when the pupil goes outside the maintained sector in England and Wales.
OUTSIDE_SECTOR = "XXXXXXX"
DEST_INVALID = (
    "The destination must be the receiving school's LAESTAB: 7 digits (the 3-digit local "
    "authority number and the 4-digit establishment number, such as 8012345), or MMMMMMM "
    "when the next school is not known, or XXXXXXX for a school outside the maintained sector."
)
_LAESTAB = re.compile(r"\d{7}")


def validate_destination(value: str) -> str:
    """The destination LAESTAB in the form a CTF writes it, or ValidationError."""
    text = value.strip().upper().replace("/", "").replace(" ", "")
    if text in {UNKNOWN_DESTINATION, OUTSIDE_SECTOR} or _LAESTAB.fullmatch(text):
        return text
    raise ValidationError(DEST_INVALID)


def ctf_filename(*, source_laestab: str, dest_laestab: str, sequence: int) -> str:
    """The CTF file name convention: source LAESTAB, CTF, destination LAESTAB, a 3-digit number."""
    return f"{source_laestab}_CTF_{dest_laestab}_{sequence:03d}.xml"


#: National curriculum years before Year 1, as a CTF writes them.
_EARLY_YEARS = {-2: "N1", -1: "N2", 0: "R"}


def nc_year_code(year: int | None) -> str:
    """A pupil's NC year as ``NCyearActual`` writes it: R, N1, N2 or the number."""
    if year is None:
        return ""
    return _EARLY_YEARS.get(year, str(year))


#: Relationship codes of a CTF contact for the words schools type (unverified against the
#: current CTF code set: check it before relying on a code). Anything else is OTH.
RELATIONSHIP_CODES = {
    "mother": "PAR", "father": "PAR", "parent": "PAR", "mum": "PAR", "dad": "PAR",
    "step-mother": "STP", "stepmother": "STP", "step-father": "STP", "stepfather": "STP",
    "step-parent": "STP", "foster carer": "FOS", "foster parent": "FOS", "carer": "CAR",
    "grandmother": "REL", "grandfather": "REL", "grandparent": "REL", "aunt": "REL",
    "uncle": "REL", "sister": "REL", "brother": "REL", "social worker": "SWR",
    "childminder": "CHM", "doctor": "DOC",
}  # fmt: skip


def relationship_code(relationship: str) -> str:
    return RELATIONSHIP_CODES.get(" ".join(relationship.lower().split()), "OTH")


def split_name(name: str) -> tuple[str, str]:
    """(forename, surname) of a name held in one field: the surname is the last word."""
    words = name.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


# --- Consent to share -------------------------------------------------------------------------


class ConsentGiver(StrEnum):
    PARENT = "parent"
    YOUNG_PERSON = "young_person"

    @property
    def label(self) -> str:
        return {
            ConsentGiver.PARENT: "A parent or carer",
            ConsentGiver.YOUNG_PERSON: "The young person (16 or over)",
        }[self]


class SharingPurpose(StrEnum):
    """Who information is shared with: what a consent's scope names, and a sharing action asks."""

    NEXT_SCHOOL = "next_school"
    SPECIALISTS = "specialists"
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    LOCAL_AUTHORITY = "local_authority"

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS = {
    SharingPurpose.NEXT_SCHOOL: "The pupil's next school or setting (the record pack)",
    SharingPurpose.SPECIALISTS: (
        "Specialist services (educational psychology, speech and language therapy, "
        "specialist teachers, outreach)"
    ),
    SharingPurpose.HEALTH: "Health services (school nurse, CAMHS, therapists in the NHS)",
    SharingPurpose.SOCIAL_CARE: "Children's social care",
    SharingPurpose.LOCAL_AUTHORITY: "The local authority's SEN team",
}

#: A young person may give consent themselves from this age.
YOUNG_PERSON_AGE = 16
CONSENT_PARENT_REQUIRED = "Choose which of the pupil's contacts gave consent."
CONSENT_TOO_YOUNG = (
    "A pupil can give consent themselves only from age 16; {name} was {age} on that date. "
    "Record the consent of a parent or carer instead."
)
CONSENT_SCOPE_REQUIRED = "Say what the consent covers: tick a service or name an organisation."
CONSENT_IN_FUTURE = "The date consent was given cannot be in the future."
CONSENT_NOT_BORN = "The date consent was given cannot be before the pupil was born."
WITHDRAWN_BEFORE_GIVEN = "Consent cannot be withdrawn before it was given ({given:%d/%m/%Y})."
WITHDRAWN_IN_FUTURE = "The date of withdrawal cannot be in the future."
ALREADY_WITHDRAWN = "This consent has already been withdrawn."


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def validate_consent(
    *,
    given_by: str,
    has_contact: bool,
    date_of_birth: dt.date,
    given_on: dt.date,
    purposes: Sequence[str],
    organisations: Sequence[str],
    pupil_name: str,
    today: dt.date,
) -> None:
    """Who may give consent, and that it says what it covers."""
    errors: dict[str, str] = {}
    if given_by == ConsentGiver.PARENT and not has_contact:
        errors["contact"] = CONSENT_PARENT_REQUIRED
    if given_by == ConsentGiver.YOUNG_PERSON:
        age = age_on(date_of_birth, given_on)
        if age < YOUNG_PERSON_AGE:
            errors["given_by"] = CONSENT_TOO_YOUNG.format(name=pupil_name, age=age)
    if not purposes and not any(o.strip() for o in organisations):
        errors["purposes"] = CONSENT_SCOPE_REQUIRED
    if given_on > today:
        errors["given_on"] = CONSENT_IN_FUTURE
    elif given_on < date_of_birth:
        errors["given_on"] = CONSENT_NOT_BORN
    if errors:
        raise ValidationError(errors)


def validate_withdrawal(
    *, given_on: dt.date, withdrawn_on: dt.date, already: bool, today: dt.date
) -> None:
    if already:
        raise ValidationError(ALREADY_WITHDRAWN)
    if withdrawn_on < given_on:
        raise ValidationError({"withdrawn_on": WITHDRAWN_BEFORE_GIVEN.format(given=given_on)})
    if withdrawn_on > today:
        raise ValidationError({"withdrawn_on": WITHDRAWN_IN_FUTURE})


def normalise_organisation(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class ConsentTerms:
    """What one consent says: from when, until when, and to whom information may go."""

    given_on: dt.date
    withdrawn_on: dt.date | None
    purposes: frozenset[str]
    organisations: tuple[str, ...] = ()
    #: The stored consent's id, so that a caller can say which consent covers a sharing.
    ref: int | None = None

    def in_force(self, day: dt.date) -> bool:
        """Given on or before ``day`` and not withdrawn by then (withdrawal ends it that day)."""
        return self.given_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)

    def names(self, organisation: str) -> bool:
        wanted = normalise_organisation(organisation)
        return bool(wanted) and any(normalise_organisation(o) == wanted for o in self.organisations)


def covering_consent(
    consents: Iterable[ConsentTerms], purpose: str, on: dt.date, organisation: str = ""
) -> ConsentTerms | None:
    """The consent in force on ``on`` that covers sharing for ``purpose`` (or with the named
    ``organisation``), the most recently given first; None when none does."""
    covering = [
        c for c in consents if c.in_force(on) and (purpose in c.purposes or c.names(organisation))
    ]
    return max(covering, key=lambda c: c.given_on, default=None)


def consent_covers(
    consents: Iterable[ConsentTerms], purpose: str, on: dt.date, organisation: str = ""
) -> bool:
    """Whether consent in force on ``on`` covers sharing for ``purpose``.

    A consent covers a purpose it names in its scope, or an organisation it names
    (given as ``organisation``, compared without regard to case or spacing).
    """
    return covering_consent(consents, purpose, on, organisation) is not None


# --- Sharing without consent -----------------------------------------------------------------

#: The reason given when sharing is not one of the statutory exceptions.
OTHER_REASON = "other"
SHARING_REASON_REQUIRED = (
    "Consent does not cover this, so choose the reason it is shared without consent."
)
SHARING_OTHER_NEEDS_WORDS = "Explain why it is shared without consent."
SHARING_REASON_UNKNOWN = "Choose one of the reasons listed."


def validate_sharing_reason(
    *, covered: bool, exception: str, reason: str, exceptions: Mapping[str, bool]
) -> None:
    """Sharing that consent does not cover needs a statutory exception, or words that explain.

    ``exceptions`` maps each reason a school may choose to whether it also needs words.
    """
    if covered:
        return
    if not exception:
        raise ValidationError({"exception": SHARING_REASON_REQUIRED})
    if exception != OTHER_REASON and exception not in exceptions:
        raise ValidationError({"exception": SHARING_REASON_UNKNOWN})
    if (exception == OTHER_REASON or exceptions.get(exception)) and not reason.strip():
        raise ValidationError({"reason": SHARING_OTHER_NEEDS_WORDS})


# --- Transfer-in decisions -------------------------------------------------------------------

DECLINE_REASON_REQUIRED = "Say why the pupil is not being put on the register."
DECISION_ALREADY_MADE = "This transfer has already been decided."


def validate_decline(*, reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": DECLINE_REASON_REQUIRED})
