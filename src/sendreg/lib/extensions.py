"""Where an app adds to something another app shows, without importing upward.

The pupil's page, each role's home page, the list of deadlines, the ``sendreg``
command, the demo and the audit trail's labels are each owned by one app, but
many apps contribute to them: the support plans add a section to the pupil's
page, the EHC clock adds deadlines, the provision map adds a subcommand. Each
app registers its contributions in its ``AppConfig.ready()``; the owner asks
the registry. So apps depend downward only, and a new app is one entry in
``INSTALLED_APPS`` rather than an edit to every page it touches.

Contributions are plain callables. Registering the same key twice replaces the
first (``ready()`` may run twice in tests), and the owner lists them by
``order``, then key, so that pages are stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import argparse

    from django.db.models import TextChoices

    from sendreg.accounts.models import Membership, School, User
    from sendreg.pupils.models import Pupil

T = TypeVar("T", bound="_Keyed")


class _Keyed:
    key: str
    order: int


class Registry(Generic[T]):
    """Contributions of one kind, by key."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        self._items[item.key] = item
        return item

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._items.values(), key=lambda item: (item.order, item.key)))

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> T | None:
        return self._items.get(key)


# --- Sections of pages -------------------------------------------------------------


@dataclass(frozen=True)
class PageContext:
    """What a section is built for: the member looking, the day, and on a pupil's page the pupil."""

    membership: Membership
    user: User
    day: dt.date
    pupil: Pupil | None = None


@dataclass(frozen=True)
class Section(_Keyed):
    """One section of a page: a template fragment and the function that fills it.

    ``build`` returns the fragment's context, or None when the section is not
    shown to this member (no permission, nothing to say). It checks permissions
    itself: the page only asks.

    ``pupil_facts``, on a pupil's page, gives what the section would like read with the
    pupil's row for this member (annotation name to expression, the names starting with
    the section's key; none for a member the section is not shown to). The page's one
    query for the pupil reads them, so the section can skip a query whose answer they
    already give, such as a list the pupil has nothing in (``may_have``). A section
    builds the same without them.
    """

    key: str
    template: str
    build: Callable[[PageContext], Mapping[str, Any] | None]
    order: int = 100
    pupil_facts: Callable[[Membership], Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class BuiltSection:
    key: str
    template: str
    context: Mapping[str, Any]


def build_sections(registry: Registry[Section], page: PageContext) -> list[BuiltSection]:
    built = []
    for section in registry:
        context = section.build(page)
        if context is not None:
            built.append(BuiltSection(section.key, section.template, context))
    return built


def pupil_facts(registry: Registry[Section], membership: Membership) -> dict[str, Any]:
    """Every section's ``pupil_facts`` for the member, to read with the pupil."""
    facts: dict[str, Any] = {}
    for section in registry:
        if section.pupil_facts is not None:
            facts.update(section.pupil_facts(membership))
    return facts


def may_have(pupil: Pupil, fact: str) -> bool:
    """False only when ``fact`` (an ``Exists`` read with the pupil) says they have no such rows:
    True when it says they have, or when it was not read (then the caller reads the rows)."""
    return getattr(pupil, fact, True) is not False


#: Sections of a pupil's page (``/pupils/<id>/``), after the pupil's details.
PUPIL_SECTIONS: Registry[Section] = Registry("pupil page")
#: Panels of the home page, for whichever roles each panel serves.
HOME_PANELS: Registry[Section] = Registry("home page")


# --- A school's settings, read with it ---------------------------------------------


@dataclass(frozen=True)
class SchoolSetting(_Keyed):
    """A one-to-one row of an app's settings for a school (``School.<key>``, its related
    name) that pages read often: the middleware reads it with the member's school, in the
    one query for their memberships, so that no panel asks for it again."""

    key: str
    order: int = 100


SCHOOL_SETTINGS: Registry[SchoolSetting] = Registry("school settings")


def settings_read_with(school: Any, key: str) -> tuple[bool, Any]:
    """Whether ``school``'s settings row ``key`` was read with it, and the row (None when the
    school has none). Not read: ``(False, None)``, and the caller asks the database."""
    relation = school._meta.get_field(key)
    if not relation.is_cached(school):
        return False, None
    return True, relation.get_cached_value(school)


def settings_kept_with(school: Any, key: str, row: Any) -> None:
    """After a service changes ``school``'s settings row ``key``: the school object a page
    holds reads the new row, not the one read with it at the start of the request."""
    school._meta.get_field(key).set_cached_value(school, row)


# --- Deadlines ---------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """One dated duty: a review to hold, a letter to send, a census day.

    ``upn`` and ``name`` are empty for a duty of the whole school. ``status`` is
    worked out by the source from its own rule (done, overdue, due_soon or
    upcoming), never stored.
    """

    kind: str
    due: dt.date
    status: str
    detail: str
    upn: str = ""
    name: str = ""
    pupil_id: int | None = None
    url: str = ""

    def as_json(self) -> dict[str, Any]:
        """One deadline in ``sendreg deadlines --json`` (a public interface: see the README)."""
        return {
            "upn": self.upn,
            "name": self.name,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "status": self.status,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class DeadlineSource(_Keyed):
    """Where some kinds of deadline come from: a function of the school and the day.

    ``kinds`` maps each kind the source yields to its plain-English label.

    ``attention``, when given, yields every one of ``collect``'s deadlines that is overdue
    or due soon (``deadlines.rules.needs_attention``), asking the database for little more:
    the home panel and the weekly email want those few, not the whole list. It may yield
    others too (the owner filters by the rule), never fewer, and each deadline it yields is
    the same as ``collect``'s (tests compare the two). Without it the owner filters
    ``collect``.
    """

    key: str
    kinds: Mapping[str, str]
    collect: Callable[[School, dt.date], Iterable[Deadline]]
    order: int = 100
    attention: Callable[[School, dt.date], Iterable[Deadline]] | None = None


DEADLINE_SOURCES: Registry[DeadlineSource] = Registry("deadlines")


# --- The command line, the demo and the audit trail ------------------------------------


@dataclass(frozen=True)
class Command(_Keyed):
    """A ``sendreg`` subcommand an app adds: ``add`` adds its parser to the subparsers.

    Each parser sets ``handler`` (a function of the parsed arguments returning the
    exit status), as the built-in subcommands do.
    """

    key: str
    add: Callable[[argparse._SubParsersAction[Any]], None]
    order: int = 100


COMMANDS: Registry[Command] = Registry("command line")


@dataclass
class DemoSchool:
    """A demo school as an app's demo filler receives it: filled with pupils and register."""

    school: School
    staff: Mapping[str, User]
    pupils: list[Pupil]
    today: dt.date
    seed: str
    report: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoFiller(_Keyed):
    """Adds an app's records to a new demo school, after the pupils and the register."""

    key: str
    fill: Callable[[DemoSchool], None]
    order: int = 100


DEMO_FILLERS: Registry[DemoFiller] = Registry("demo")


@dataclass(frozen=True)
class AuditTypes(_Keyed):
    """An app's audit event types, so that the trail can label them without importing the app."""

    key: str
    choices: type[TextChoices]
    order: int = 100


AUDIT_TYPES: Registry[AuditTypes] = Registry("audit types")


def audit_type_choices() -> list[tuple[str, str]]:
    """Every registered audit type as (value, label), for a filter."""
    return [(value, str(label)) for types in AUDIT_TYPES for value, label in types.choices.choices]


def audit_type_label(value: str) -> str:
    return _audit_type_labels(tuple(AUDIT_TYPES)).get(value, value)


@cache
def _audit_type_labels(registered: tuple[AuditTypes, ...]) -> dict[str, str]:
    """Each audit type's label by value, the first registered winning: worked out once for
    what is registered (a history shows one per event)."""
    labels: dict[str, str] = {}
    for types in registered:
        for value, label in types.choices.choices:
            labels.setdefault(value, str(label))
    return labels


# --- A pupil's whole record ----------------------------------------------------------


@dataclass(frozen=True)
class PupilFile:
    """One file of a pupil's record: a rendered plan, a specialist's report, a summary."""

    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class PupilRecordPart(_Keyed):
    """What one app holds about a pupil, for the record pack sent to a receiving school,
    a subject access request, and erasure at the end of the retention period.

    ``data`` returns every row the app keeps about the pupil as plain JSON-able values
    (for a subject access request). ``files`` returns the documents to send with the
    pupil when they move school (rendered plans, reports), or none. ``erase``
    anonymises or deletes what the app holds about the pupil, through the app's own
    services (audited), when their retention period has passed.
    """

    key: str
    title: str
    data: Callable[[Pupil], Mapping[str, Any]]
    files: Callable[[Pupil], Iterable[PupilFile]] | None = None
    erase: Callable[[Pupil, User | None], None] | None = None
    order: int = 100


PUPIL_RECORD_PARTS: Registry[PupilRecordPart] = Registry("pupil record")


# --- Letters to parents ---------------------------------------------------------------


@dataclass(frozen=True)
class NextMeeting:
    """A meeting ahead about a pupil's support, for a letter to their parents to name.

    ``what`` names it in plain English, of the pupil as "their" ("the review of their support
    plan"). ``arranged`` is False for a date it is due by rather than a day already fixed (an
    EHC plan's annual review not yet arranged).
    """

    on: dt.date
    what: str
    arranged: bool = True


@dataclass(frozen=True)
class MeetingSource(_Keyed):
    """Where an app keeps the meetings ahead for a pupil: a function of the pupil and the day
    that yields those on or after the day."""

    key: str
    find: Callable[[Pupil, dt.date], Iterable[NextMeeting]]
    order: int = 100


MEETING_SOURCES: Registry[MeetingSource] = Registry("meetings")


def next_meeting(pupil: Pupil, day: dt.date) -> NextMeeting | None:
    """The first meeting ahead about ``pupil`` from ``day`` on, from every app that keeps some;
    on the same day a fixed meeting before one only due."""
    found = [m for source in MEETING_SOURCES for m in source.find(pupil, day) if m.on >= day]
    return min(found, key=lambda m: (m.on, not m.arranged), default=None)
