"""Pure rules of the SEN register: values in, a decision or a named message out.

Nothing here touches the database or a request, so the same rule serves the
forms, the services, the imports and the census check. Tests assert on the
message constants.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError

from sendreg import codes
from sendreg.codes import NSA, SenProvision
from sendreg.lib.figures import percent
from sendreg.pupils.rules import _CHECK_LETTERS as UPN_LETTERS
from sendreg.pupils.rules import UPN_LENGTH, upn_check_letter

NEED_CODE_UNKNOWN = "{code!r} is not a need type. The need types are: {valid}."
NSA_REQUIRES_SEN_SUPPORT = (
    "NSA (no specialist assessment of the type of need) can only be used with SEN support (K)."
)
NSA_STANDS_ALONE = (
    "NSA means the type of need has not been assessed yet, so it cannot be recorded "
    "beside other need types."
)
PRIMARY_NEED_REQUIRED = (
    "A pupil with an EHC plan (E) or on SEN support (K) needs a primary need type."
)
NEED_RANKS_UNIQUE = "Two needs cannot share rank {rank}."
NEED_RANKS_CONSECUTIVE = "Needs must be ranked 1, 2, 3 and so on without gaps."
NEED_REPEATED = "{code} is recorded more than once."
NEEDS_WITHOUT_SEN = "A pupil who is not on the SEN register cannot have need types recorded."
STATUS_UNKNOWN = "{status!r} is not an SEN status. Use E (EHC plan) or K (SEN support)."
STATUS_START_TOO_LATE = (
    "The change cannot take effect on {start:%d/%m/%Y}: that is after the next census "
    "({census:%d/%m/%Y}). Record it nearer the time."
)
STATUS_START_BEFORE_HISTORY = (
    "The change cannot take effect on {start:%d/%m/%Y}: the record already has a change "
    "from {latest:%d/%m/%Y}. Choose that date or later."
)
NOT_ON_REGISTER = "This pupil is not on the SEN register, so there is nothing to remove."
NOTHING_CHANGED = "Nothing was changed: the status and needs are as they already were."


def _valid_codes_text() -> str:
    return ", ".join(str(n) for n in codes.need_types())


def validate_needs(*, status: str | None, needs: Sequence[str]) -> None:
    """Check ranked needs (rank 1 first) against the status they go with.

    ``status`` is E or K for a pupil on the register and None for one who is not.
    Raises a ValidationError listing every problem found.
    """
    errors: list[str] = []
    valid = codes.need_codes()
    for code in needs:
        if code not in valid:
            errors.append(NEED_CODE_UNKNOWN.format(code=code, valid=_valid_codes_text()))
    seen: set[str] = set()
    for code in needs:
        if code in seen:
            errors.append(NEED_REPEATED.format(code=code))
        seen.add(code)
    if status is None:
        if needs:
            errors.append(NEEDS_WITHOUT_SEN)
    elif status not in codes.ON_REGISTER:
        errors.append(STATUS_UNKNOWN.format(status=status))
    else:
        if not needs:
            errors.append(PRIMARY_NEED_REQUIRED)
        if NSA in needs:
            if status != SenProvision.SEN_SUPPORT:
                errors.append(NSA_REQUIRES_SEN_SUPPORT)
            if len(needs) > 1:
                errors.append(NSA_STANDS_ALONE)
    if errors:
        raise ValidationError(errors)


def validate_ranks(ranks: Iterable[int]) -> None:
    """Ranks given explicitly (as by an import or a form) are unique and run 1, 2, 3..."""
    ranks = list(ranks)
    shared = sorted({r for r in ranks if ranks.count(r) > 1})
    if shared:
        raise ValidationError(NEED_RANKS_UNIQUE.format(rank=shared[0]))
    if sorted(ranks) != list(range(1, len(ranks) + 1)):
        raise ValidationError(NEED_RANKS_CONSECUTIVE)


def validate_change_date(
    *, start: dt.date, next_census: dt.date, latest_change: dt.date | None
) -> None:
    """A status change may be dated up to the next census, and not before the last change."""
    if start > next_census:
        raise ValidationError(STATUS_START_TOO_LATE.format(start=start, census=next_census))
    if latest_change is not None and start < latest_change:
        raise ValidationError(STATUS_START_BEFORE_HISTORY.format(start=start, latest=latest_change))


# --- Telling parents ------------------------------------------------------------


class NotificationKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"

    @property
    def label(self) -> str:
        return {
            NotificationKind.ADDED: "Added to the SEN register",
            NotificationKind.REMOVED: "Removed from the SEN register",
            NotificationKind.CHANGED: "SEN status changed",
        }[self]


NOTIFICATION_SENT_NEEDS_DATE_AND_METHOD = (
    "Say both the date the parents were told and how (letter, email, meeting or phone call)."
)
NOTIFICATION_SENT_BEFORE_CHANGE = (
    "The parents cannot have been told on {sent:%d/%m/%Y}, before the change was recorded "
    "({made:%d/%m/%Y})."
)
NOTIFICATION_ACK_BEFORE_SENT = "An acknowledgement cannot come before the parents were told."


def notification_kind(before: str | None, after: str | None) -> NotificationKind | None:
    """Which change of status parents must be formally told about, if any.

    Parents are told when their child is added to the register, removed from it,
    or moves between SEN support (K) and an EHC plan (E). A change of need alone
    is discussed at review, not notified.
    """
    if before == after:
        return None
    if before is None:
        return NotificationKind.ADDED
    if after is None:
        return NotificationKind.REMOVED
    return NotificationKind.CHANGED


def validate_notification_sent(
    *, sent_on: dt.date | None, method: str, change_made: dt.date
) -> None:
    if sent_on is None or not method:
        raise ValidationError(NOTIFICATION_SENT_NEEDS_DATE_AND_METHOD)
    if sent_on < change_made:
        raise ValidationError(
            NOTIFICATION_SENT_BEFORE_CHANGE.format(sent=sent_on, made=change_made)
        )


def validate_acknowledgement(*, acknowledged_on: dt.date, sent_on: dt.date | None) -> None:
    if sent_on is None or acknowledged_on < sent_on:
        raise ValidationError(NOTIFICATION_ACK_BEFORE_SENT)


# --- Census dates -----------------------------------------------------------------


class Term(StrEnum):
    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"

    @property
    def label(self) -> str:
        return f"{self.value.capitalize()} census"


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``th ``weekday`` (Monday is 0) of a month."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


THURSDAY = 3


@dataclass(frozen=True, order=True)
class CensusDay:
    date: dt.date
    term: Term
    #: The academic year by its first calendar year: 2025 is 2025/26.
    academic_year: int

    @property
    def label(self) -> str:
        return f"{self.term.label} {self.academic_year}/{(self.academic_year + 1) % 100:02d}"


Overrides = Mapping[tuple[int, Term], dt.date]


def census_days(academic_year: int, overrides: Overrides | None = None) -> list[CensusDay]:
    """The three census days of an academic year: the first Thursday of October, the third
    Thursday of January and the third Thursday of May, unless a date is overridden."""
    overrides = overrides or {}
    computed = {
        Term.AUTUMN: nth_weekday(academic_year, 10, THURSDAY, 1),
        Term.SPRING: nth_weekday(academic_year + 1, 1, THURSDAY, 3),
        Term.SUMMER: nth_weekday(academic_year + 1, 5, THURSDAY, 3),
    }
    return [
        CensusDay(overrides.get((academic_year, term), day), term, academic_year)
        for term, day in computed.items()
    ]


def academic_year_of(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def census_days_around(day: dt.date, overrides: Overrides | None = None) -> list[CensusDay]:
    year = academic_year_of(day)
    return sorted(
        d for y in (year - 1, year, year + 1, year + 2) for d in census_days(y, overrides)
    )


def next_census(day: dt.date, overrides: Overrides | None = None) -> CensusDay:
    """The first census on or after ``day``."""
    return next(c for c in census_days_around(day, overrides) if c.date >= day)


def previous_census(day: dt.date, overrides: Overrides | None = None) -> CensusDay:
    """The last census strictly before ``day``."""
    return [c for c in census_days_around(day, overrides) if c.date < day][-1]


def upcoming_censuses(
    day: dt.date, count: int = 3, overrides: Overrides | None = None
) -> list[CensusDay]:
    return [c for c in census_days_around(day, overrides) if c.date >= day][:count]


# --- Census status ----------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """A stretch on the register: ``start`` inclusive, ``end`` exclusive (None: still on)."""

    status: str
    start: dt.date
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class NeedSpan:
    """A need type held at a rank over a stretch of time, as episodes are."""

    code: str
    rank: int
    start: dt.date
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def status_on(episodes: Iterable[Episode], day: dt.date) -> str | None:
    """E or K when an episode covers ``day``, None when the pupil is not on the register.

    ``register.selectors.with_sen_status`` is the same test in SQL; tests hold them together.
    """
    return next((e.status for e in episodes if e.covers(day)), None)


def needs_on(spans: Iterable[NeedSpan], day: dt.date) -> list[str]:
    """The need types held on ``day``, by rank (the primary need first)."""
    return [s.code for s in sorted((s for s in spans if s.covers(day)), key=lambda s: s.rank)]


def register_since(episodes: Iterable[Episode], day: dt.date) -> dt.date | None:
    """When the pupil's present stay on the register began: a move from K to E continues
    the stay, a removal ends it. None when they are not on the register on ``day``."""
    by_end = {e.end: e for e in episodes if e.end is not None}
    current = next((e for e in episodes if e.covers(day)), None)
    if current is None:
        return None
    while current.start in by_end:
        current = by_end[current.start]
    return current.start


def last_removal(episodes: Iterable[Episode], *, on_or_before: dt.date) -> dt.date | None:
    """The day the pupil last came off the register on or before ``on_or_before``."""
    episodes = list(episodes)
    starts = {e.start for e in episodes}
    # A move between K and E ends one episode on the day the next starts: not a removal.
    ends = [e.end for e in episodes if e.end is not None and e.end not in starts]
    return max((end for end in ends if end <= on_or_before), default=None)


def census_status(episodes: Iterable[Episode], *, census: dt.date) -> str:
    """The SEN provision a pupil is returned with in the census on ``census``: E, K or N.

    N means "No SEN": every pupil on roll who is not E or K that day, whether they came
    off the register last week or were never on it (E + K + N = the roll).
    """
    return status_on(episodes, census) or SenProvision.NO_SEN


def n_entry_due(episodes: Iterable[Episode], *, census: dt.date, previous: dt.date) -> bool:
    """Whether the MIS should hold an explicit N entry for this pupil at ``census``.

    Recording practice, not the return (which is N either way): a pupil who came off
    the register after the previous census (``previous``) and by this one keeps an
    explicit N entry in the MIS for this first census after the removal; after it, the
    entry is closed and the pupil simply has no SEN status.
    """
    episodes = list(episodes)
    if status_on(episodes, census) is not None:
        return False
    removed = last_removal(episodes, on_or_before=census)
    return removed is not None and previous < removed


# --- Changing the register ------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeRecord(Episode):
    """An episode with the reasons recorded for its start and end."""

    start_reason: str = ""
    end_reason: str = ""


@dataclass(frozen=True)
class RegisterHistory:
    """A pupil's whole register record: episodes of E or K, and need types over time."""

    episodes: tuple[EpisodeRecord, ...] = ()
    needs: tuple[NeedSpan, ...] = ()

    @property
    def latest_change(self) -> dt.date | None:
        days = [e.start for e in self.episodes] + [e.end for e in self.episodes if e.end]
        days += [n.start for n in self.needs] + [n.end for n in self.needs if n.end]
        return max(days, default=None)

    @property
    def open_status(self) -> str | None:
        """The status of the last episode if it has no end (future-dated ends included)."""
        return next((e.status for e in self.episodes if e.end is None), None)

    @property
    def open_needs(self) -> list[str]:
        return [n.code for n in sorted(self.needs, key=lambda n: n.rank) if n.end is None]

    def state(self) -> dict[str, object]:
        """The record as it stands after its latest change, as the audit trail shows it."""
        return {"status": self.open_status, "needs": self.open_needs}


def apply_change(
    history: RegisterHistory,
    *,
    status: str | None,
    needs: Sequence[str],
    effective: dt.date,
    reason: str,
) -> RegisterHistory:
    """The record after a change that takes effect on ``effective`` (validated by the caller).

    A change of status ends the open episode on ``effective`` and starts the next there;
    removal (``status`` None) ends it and every need. A change of needs ends the need
    rows it replaces and starts new ones; needs carry on unchanged across a move between
    K and E. A change dated the same day as the last one corrects it rather than adding a
    day-long stretch: undoing the day's change restores what was there before.
    """
    episodes = list(history.episodes)
    open_episode = next((e for e in episodes if e.end is None), None)
    if status != (open_episode.status if open_episode else None):
        if open_episode is not None and open_episode.start == effective:
            episodes.remove(open_episode)
            before_it = next((e for e in episodes if e.end == effective), None)
            if before_it is not None and before_it.status == status:
                episodes[episodes.index(before_it)] = replace(before_it, end=None, end_reason="")
            elif status is not None:
                episodes.append(EpisodeRecord(status, effective, start_reason=reason))
        else:
            if open_episode is not None:
                closed = replace(open_episode, end=effective, end_reason=reason)
                episodes[episodes.index(open_episode)] = closed
            if status is not None:
                episodes.append(EpisodeRecord(status, effective, start_reason=reason))

    wanted = list(needs) if status is not None else []
    spans = list(history.needs)
    if history.open_needs != wanted:
        kept = [n for n in spans if n.end is not None]
        kept += [replace(n, end=effective) for n in spans if n.end is None and n.start != effective]
        for rank, code in enumerate(wanted, start=1):
            ended_today = next(
                (n for n in kept if n.end == effective and (n.code, n.rank) == (code, rank)), None
            )
            if ended_today is not None:
                kept[kept.index(ended_today)] = replace(ended_today, end=None)
            else:
                kept.append(NeedSpan(code, rank, effective))
        spans = kept
    return RegisterHistory(
        episodes=tuple(sorted(episodes, key=lambda e: e.start)),
        needs=tuple(sorted(spans, key=lambda n: (n.start, n.rank))),
    )


@dataclass(frozen=True)
class MisStatus:
    """An SEN status as the MIS holds it, read: what it means for the register.

    ``register`` is E or K (S, the discontinued statement, reads as E) or None for no
    SEN (blank or N). ``known`` is False for a value that is not a census code at all
    ("SEN Stage 3"): it means nothing for the register and must never be accepted.
    """

    value: str
    register: str | None
    known: bool


MIS_STATUS_UNKNOWN = (
    "The MIS holds {value!r}, which is not an SEN provision code (E, K or N), so it cannot "
    "be accepted into the register. Correct it in the MIS."
)


def read_mis_status(value: str) -> MisStatus:
    """What an MIS's SEN status means for the register (see ``MisStatus``)."""
    code = value.strip()
    if code in codes.ON_REGISTER:
        return MisStatus(code, code, True)
    if code == codes.DISCONTINUED_STATEMENT:
        return MisStatus(code, SenProvision.EHC_PLAN.value, True)
    if code in ("", SenProvision.NO_SEN):
        return MisStatus(code, None, True)
    return MisStatus(code, None, False)


# --- The census check -------------------------------------------------------------
#
# Each function below is one check the school census makes, run on the values the MIS
# will return. It takes values and returns the problems it finds: a rule key and the
# values its message needs. What a key means (its census code, severity, message and
# what to do) is data, in sendreg/data/census_rules.json, so that a new year's
# numbering or wording is not a code change.

RULE_S_DISCONTINUED = "s_discontinued"
RULE_PROVISION_INVALID = "provision_invalid"
RULE_PROVISION_MISSING = "provision_missing"
RULE_NEEDS_WITHOUT_PROVISION = "needs_without_provision"
RULE_SINGLE_NEED_NOT_PRIMARY = "single_need_not_primary"
RULE_NEED_RANK_SHARED = "need_rank_shared"
RULE_TOO_MANY_NEEDS = "too_many_needs"
RULE_NEED_TYPE_MISSING = "need_type_missing"
RULE_NEED_TYPE_INVALID = "need_type_invalid"
RULE_NSA_WITHOUT_SUPPORT = "nsa_without_support"
RULE_TOP_UP_WITHOUT_PLAN = "top_up_without_plan"
RULE_EHC_SHARE_HIGH = "ehc_share_high"
RULE_NO_SEN = "no_sen"
RULE_SUPPORT_SHARE_HIGH = "support_share_high"
RULE_UPN_MISSING = "upn_missing"
RULE_UPN_CHECK_LETTER = "upn_check_letter"
RULE_UPN_DUPLICATE = "upn_duplicate"
RULE_UPN_LA_CODE = "upn_la_code"
RULE_UPN_NOT_NUMERIC = "upn_not_numeric"
RULE_UPN_CHARACTER_13 = "upn_character_13"
RULE_NEED_REPEATED = "need_repeated"
RULE_SPECIAL_NO_SEN = "special_school_no_sen"
RULE_SPECIAL_EHC_SHARE_LOW = "special_school_ehc_share_low"
RULE_N_ENTRY_DUE = "n_entry_due"
RULE_N_ENTRY_STALE = "n_entry_stale"
RULE_N_ENTRY_NEVER_ON = "n_entry_never_on"
RULE_N_FOR_EVERYONE = "n_for_everyone"
RULE_MIS_STATUS_DIFFERS = "mis_status_differs"
RULE_MIS_NEEDS_DIFFER = "mis_needs_differ"
RULE_MIS_VALUES_MISSING = "mis_values_missing"
RULE_MIS_NOT_IMPORTED = "mis_not_imported"

FIELD_UPN = "upn"
FIELD_PROVISION = "sen_provision"
FIELD_NEEDS = "sen_needs"
FIELD_TOP_UP = "top_up_funding"
FIELD_ROLL = "roll"

#: The provision codes a census return can hold, S included so that rule 2115 can name it.
_CENSUS_PROVISIONS = frozenset({*(p.value for p in SenProvision), codes.DISCONTINUED_STATEMENT})
#: Provisions that need a need type: S is a statement, to be recoded E, so it counts as E.
_NEEDS_A_TYPE = frozenset({*(p.value for p in codes.ON_REGISTER), codes.DISCONTINUED_STATEMENT})
_WITH_A_PLAN = frozenset({SenProvision.EHC_PLAN.value, codes.DISCONTINUED_STATEMENT})


class Severity(StrEnum):
    #: The census return will fail validation until it is put right.
    ERROR = "error"
    #: The return goes through, but the LA or DfE will ask the school to explain.
    QUERY = "query"
    #: Not a census rule: something the SENCO should tidy up.
    WARNING = "warning"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def order(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class CensusProblem:
    """One rule broken: the rule's key, the field it is about and the values for its message."""

    rule: str
    field: str
    values: Mapping[str, object] = dataclass_field(default_factory=dict)


#: A need type with its census rank (1 is the primary need).
RankedNeed = tuple[str, int]


@dataclass(frozen=True)
class CensusValues:
    """What the MIS will return for one pupil: the provision exactly as the MIS holds it
    (possibly blank or not a code at all), the ranked needs and the top-up indicator."""

    provision: str
    needs: tuple[RankedNeed, ...] = ()
    top_up_funding: bool = False

    @property
    def need_codes(self) -> list[str]:
        return [code for code, _ in sorted(self.needs, key=lambda need: need[1])]


def _needs_text(values: CensusValues) -> str:
    return " ".join(values.need_codes)


def check_statement(values: CensusValues) -> list[CensusProblem]:
    """2115: S (statement) is discontinued; the pupil must be recoded E."""
    if values.provision == codes.DISCONTINUED_STATEMENT:
        return [
            CensusProblem(RULE_S_DISCONTINUED, FIELD_PROVISION, {"provision": values.provision})
        ]
    return []


def check_provision_valid(values: CensusValues) -> list[CensusProblem]:
    """2120: the provision is a census code, and present where the MIS has need types.

    A blank provision with no needs is a pupil with no SEN, whom the MIS returns as N.
    """
    if values.provision and values.provision not in _CENSUS_PROVISIONS:
        return [
            CensusProblem(RULE_PROVISION_INVALID, FIELD_PROVISION, {"provision": values.provision})
        ]
    if not values.provision and values.needs:
        return [
            CensusProblem(RULE_PROVISION_MISSING, FIELD_PROVISION, {"needs": _needs_text(values)})
        ]
    return []


def check_needs_without_provision(values: CensusValues) -> list[CensusProblem]:
    """2125: no need types where the provision is N (a blank provision is rule 2120's)."""
    if values.provision == SenProvision.NO_SEN and values.needs:
        return [
            CensusProblem(
                RULE_NEEDS_WITHOUT_PROVISION,
                FIELD_NEEDS,
                {"provision": values.provision, "needs": _needs_text(values)},
            )
        ]
    return []


def check_single_need_primary(values: CensusValues) -> list[CensusProblem]:
    """2160: a pupil with one need type has it as the primary need (rank 1)."""
    if len(values.needs) == 1 and values.needs[0][1] != 1:
        code, rank = values.needs[0]
        return [
            CensusProblem(RULE_SINGLE_NEED_NOT_PRIMARY, FIELD_NEEDS, {"code": code, "rank": rank})
        ]
    return []


def check_need_ranks_unique(values: CensusValues) -> list[CensusProblem]:
    """2165: no two need types share a rank (one problem for each shared rank)."""
    by_rank: dict[int, list[str]] = {}
    for code, rank in values.needs:
        by_rank.setdefault(rank, []).append(code)
    return [
        CensusProblem(
            RULE_NEED_RANK_SHARED, FIELD_NEEDS, {"rank": rank, "codes": " and ".join(shared)}
        )
        for rank, shared in sorted(by_rank.items())
        if len(shared) > 1
    ]


def check_at_most_two_needs(values: CensusValues) -> list[CensusProblem]:
    """2166: at most two need types go into the census."""
    if len(values.needs) > codes.CENSUS_NEED_RANKS:
        return [
            CensusProblem(
                RULE_TOO_MANY_NEEDS,
                FIELD_NEEDS,
                {"count": len(values.needs), "needs": _needs_text(values)},
            )
        ]
    return []


def check_need_not_repeated(values: CensusValues) -> list[CensusProblem]:
    """A need type given twice (ranks 1 and 2 the same), which the return cannot hold."""
    codes_ = values.need_codes
    repeated = sorted({code for code in codes_ if codes_.count(code) > 1})
    return [CensusProblem(RULE_NEED_REPEATED, FIELD_NEEDS, {"code": code}) for code in repeated]


def check_need_type_valid(values: CensusValues) -> list[CensusProblem]:
    """2170: a pupil with provision E or K (or S, which is to become E) has a valid need type.

    Every code that is not a census need type is named; with other provisions, need
    types are rule 2120's and 2125's business.
    """
    if values.provision not in _NEEDS_A_TYPE:
        return []
    if not values.needs:
        return [CensusProblem(RULE_NEED_TYPE_MISSING, FIELD_NEEDS, {"provision": values.provision})]
    valid = codes.need_codes()
    return [
        CensusProblem(
            RULE_NEED_TYPE_INVALID, FIELD_NEEDS, {"code": code, "provision": values.provision}
        )
        for code in values.need_codes
        if code not in valid
    ]


def check_nsa_with_support(values: CensusValues) -> list[CensusProblem]:
    """2175: NSA only with SEN support (K). With N or no provision, 2120 and 2125 apply."""
    if NSA in values.need_codes and values.provision in _WITH_A_PLAN:
        return [
            CensusProblem(RULE_NSA_WITHOUT_SUPPORT, FIELD_NEEDS, {"provision": values.provision})
        ]
    return []


def check_top_up_with_plan(values: CensusValues) -> list[CensusProblem]:
    """Query 1990: top-up funding without an EHC plan (some LAs fund K pupils so and explain it)."""
    if values.top_up_funding and values.provision not in _WITH_A_PLAN:
        return [
            CensusProblem(
                RULE_TOP_UP_WITHOUT_PLAN, FIELD_TOP_UP, {"provision": values.provision or "blank"}
            )
        ]
    return []


#: The rules that look at one pupil's census values, in the order their findings are listed.
PUPIL_CENSUS_RULES = (
    check_statement,
    check_provision_valid,
    check_needs_without_provision,
    check_single_need_primary,
    check_need_ranks_unique,
    check_at_most_two_needs,
    check_need_not_repeated,
    check_need_type_valid,
    check_nsa_with_support,
    check_top_up_with_plan,
)


def percent_of(count: int, roll: int) -> Decimal:
    """``count`` as a percentage of ``roll`` (``lib.figures.percent``: one rounding everywhere)."""
    return percent(count, roll)


def _share_above(rule: str, *, count: int, roll: int, threshold: Decimal) -> list[CensusProblem]:
    # Compared exactly, not after rounding, so that 10.04% is above 10% and 10% is not.
    if roll and Decimal(100) * count > threshold * roll:
        values = {
            "count": count,
            "roll": roll,
            "percent": percent_of(count, roll),
            "threshold": threshold,
        }
        return [CensusProblem(rule, FIELD_ROLL, values)]
    return []


def check_ehc_share(*, ehc: int, roll: int, threshold: Decimal) -> list[CensusProblem]:
    """Query 2190: more than ``threshold`` per cent of the pupils on roll have an EHC plan."""
    return _share_above(RULE_EHC_SHARE_HIGH, count=ehc, roll=roll, threshold=threshold)


def check_any_sen(*, on_register: int, roll: int) -> list[CensusProblem]:
    """Query 2200: no pupil on roll has SEN provision E or K."""
    if roll and not on_register:
        return [CensusProblem(RULE_NO_SEN, FIELD_ROLL, {"roll": roll})]
    return []


def check_support_share(*, support: int, roll: int, threshold: Decimal) -> list[CensusProblem]:
    """Query 2205: more than ``threshold`` per cent of the pupils on roll are on SEN support."""
    return _share_above(RULE_SUPPORT_SHARE_HIGH, count=support, roll=roll, threshold=threshold)


#: Phases (``School.Phase`` values) where nearly every pupil has SEN by design.
SPECIALIST_PHASES = frozenset({"SP", "PR"})
SPECIAL_SCHOOL = "SP"


def share_checks_apply(phase: str) -> bool:
    """Queries 2190 and 2205 (high EHC or SEN support shares) are for mainstream schools: in a
    special school or a pupil referral unit most pupils have SEN, and the census expects it."""
    return phase not in SPECIALIST_PHASES


def check_special_school_pupil_has_sen(*, phase: str, provision: str) -> list[CensusProblem]:
    """2180: a pupil in a special school has SEN provision E or K (S counts as E)."""
    if phase == SPECIAL_SCHOOL and read_mis_status(provision).register is None:
        return [
            CensusProblem(RULE_SPECIAL_NO_SEN, FIELD_PROVISION, {"provision": provision or "blank"})
        ]
    return []


def check_special_school_ehc_share(
    *, phase: str, ehc: int, roll: int, threshold: Decimal
) -> list[CensusProblem]:
    """Query 2210: under ``threshold`` per cent of a special school's pupils have an EHC plan."""
    if phase == SPECIAL_SCHOOL and roll and Decimal(100) * ehc < threshold * roll:
        values = {"count": ehc, "roll": roll, "percent": percent(ehc, roll), "threshold": threshold}
        return [CensusProblem(RULE_SPECIAL_EHC_SHARE_LOW, FIELD_ROLL, values)]
    return []


@dataclass(frozen=True)
class LaCodes:
    """The local authority numbers a UPN's characters 2 to 4 may hold: today's authorities and
    those since replaced (a UPN is kept for life). A list, kept as data, never a range."""

    current: frozenset[str] = frozenset()
    former: frozenset[str] = frozenset()

    def valid(self, la: str) -> bool:
        return la in self.current or la in self.former


def _ascii_digits(text: str) -> bool:
    # isdigit() alone accepts digits from other scripts, which are not UPN characters.
    return text.isascii() and text.isdigit()


def check_upn(upn: str, *, la_codes: LaCodes) -> list[CensusProblem]:
    """UPN errors 1500 to 1550, except 1520 (duplicates, which need every UPN at once).

    A UPN can break several at once (a bad LA number and a wrong check letter); each is
    named. The check letter is only worked out when characters 2 to 13 can carry one.
    """
    return list(_upn_problems(upn, la_codes))


@functools.lru_cache(maxsize=65536)
def _upn_problems(upn: str, la_codes: LaCodes) -> tuple[CensusProblem, ...]:
    """``check_upn``, remembered: every census check checks the whole school's UPNs again."""
    return tuple(_check_upn(upn, la_codes=la_codes))


def _check_upn(upn: str, *, la_codes: LaCodes) -> list[CensusProblem]:
    if not upn:
        return [CensusProblem(RULE_UPN_MISSING, FIELD_UPN, {})]
    found: list[CensusProblem] = []
    la, middle, last = upn[1:4], upn[4:12], upn[12:]
    if not la_codes.valid(la):
        found.append(CensusProblem(RULE_UPN_LA_CODE, FIELD_UPN, {"upn": upn, "la": la}))
    if not (len(middle) == 8 and _ascii_digits(middle)):
        found.append(CensusProblem(RULE_UPN_NOT_NUMERIC, FIELD_UPN, {"upn": upn}))
    last_ok = len(upn) == UPN_LENGTH and (_ascii_digits(last) or last in UPN_LETTERS)
    if not last_ok:
        values = {"upn": upn, "length": len(upn), "character": upn[-1]}
        found.append(CensusProblem(RULE_UPN_CHARACTER_13, FIELD_UPN, values))
    if last_ok and _ascii_digits(upn[1:12]):
        expected = upn_check_letter(upn)
        if upn[0] != expected:
            values = {"upn": upn, "given": upn[0], "expected": expected}
            found.append(CensusProblem(RULE_UPN_CHECK_LETTER, FIELD_UPN, values))
    return sorted(found, key=lambda problem: _UPN_ORDER.index(problem.rule))


_UPN_ORDER = (
    RULE_UPN_MISSING,
    RULE_UPN_CHECK_LETTER,
    RULE_UPN_DUPLICATE,
    RULE_UPN_LA_CODE,
    RULE_UPN_NOT_NUMERIC,
    RULE_UPN_CHARACTER_13,
)


def check_upn_duplicates(upns: Iterable[str]) -> list[CensusProblem]:
    """1520: one problem for each UPN held by more than one pupil record (blanks are 1500's)."""
    counts: dict[str, int] = {}
    for upn in upns:
        if upn:
            counts[upn] = counts.get(upn, 0) + 1
    return [
        CensusProblem(RULE_UPN_DUPLICATE, FIELD_UPN, {"upn": upn, "count": count})
        for upn, count in sorted(counts.items())
        if count > 1
    ]


def check_n_entry(
    *, due: bool, provision: str, removed: dt.date | None, previous: dt.date
) -> list[CensusProblem]:
    """The explicit N entry, as recording practice: a pupil who came off the register since the
    previous census (``due``, from ``n_entry_due``) has N recorded in the MIS for this census.

    A warning, never an error: the return carries N whether the MIS status is N or blank.
    (An MIS still saying E or K is a difference from the register, reported as such.)
    """
    if due and not provision.strip():
        return [
            CensusProblem(
                RULE_N_ENTRY_DUE, FIELD_PROVISION, {"removed": removed, "previous": previous}
            )
        ]
    return []


def check_n_entry_closed(
    *, due: bool, on_register: bool, provision: str, removed: dt.date | None, previous: dt.date
) -> list[CensusProblem]:
    """The explicit N entry the other way: the MIS holds N for a pupil who came off the register
    before the previous census, or was never on it. A warning: the return is N either way."""
    if provision.strip() != SenProvision.NO_SEN or due or on_register:
        return []
    if removed is None:
        return [CensusProblem(RULE_N_ENTRY_NEVER_ON, FIELD_PROVISION, {"previous": previous})]
    return [
        CensusProblem(
            RULE_N_ENTRY_STALE, FIELD_PROVISION, {"removed": removed, "previous": previous}
        )
    ]


#: An MIS that records N for at least this share of the pupils with no SEN does so by design.
N_FOR_EVERYONE_SHARE = Decimal("0.9")


def mis_records_n_for_everyone(*, with_n: int, without_sen: int) -> bool:
    """Whether the MIS exports N for (nearly) every pupil without SEN, as Arbor and Bromcom
    often do: then that is said once for the roll, not once per pupil."""
    return without_sen > 0 and with_n >= N_FOR_EVERYONE_SHARE * without_sen


def check_n_for_everyone(*, with_n: int, without_sen: int) -> list[CensusProblem]:
    if mis_records_n_for_everyone(with_n=with_n, without_sen=without_sen):
        return [
            CensusProblem(RULE_N_FOR_EVERYONE, FIELD_ROLL, {"count": with_n, "total": without_sen})
        ]
    return []


#: The MIS provisions a pupil never on the register may hold and still be read narrowly.
PLAIN_MIS_PROVISIONS = ("", SenProvision.NO_SEN.value)


def census_plain(
    *,
    has_register_history: bool,
    top_up_funding: bool,
    mis_status: str | None,
    mis_needs: Sequence[object] = (),
) -> bool:
    """Whether a pupil is one of the many the census rules can only flag by their UPN or by
    their MIS provision value alone: never on the register, no top-up funding, and no MIS
    values (``mis_status`` None) or exactly blank or N with no needs.

    Every such pupil with the same MIS provision meets the pupil rules the same way, so the
    census check runs them once per provision and reads those pupils as a set.
    ``census.selectors.plain_for_census`` is this test in SQL; tests hold the two together.
    """
    if has_register_history or top_up_funding:
        return False
    return mis_status is None or (mis_status in PLAIN_MIS_PROVISIONS and not mis_needs)


def check_mis_values_present(*, status: str, has_mis_values: bool) -> list[CensusProblem]:
    """A pupil on the register (E or K) on census day with no SEN values from the MIS."""
    if status in codes.ON_REGISTER and not has_mis_values:
        return [CensusProblem(RULE_MIS_VALUES_MISSING, FIELD_PROVISION, {"register": status})]
    return []


# --- The MIS and the register ----------------------------------------------------------

DIFFERS_STATUS = "status"
DIFFERS_NEEDS = "needs"


@dataclass(frozen=True)
class Difference:
    """Where one pupil's MIS values and their register record disagree."""

    field: str
    mis: str
    register: str


def compare_with_mis(
    *, mis_status: str, mis_needs: Sequence[str], status: str | None, needs: Sequence[str]
) -> list[Difference]:
    """The differences between one pupil's MIS values and their register record.

    The MIS status is read by ``read_mis_status``: blank or N agrees with a pupil not on
    the register, S reads as E, and a value that is no census code never agrees. Needs are
    compared on the two ranks the census collects; further needs are the school's own.
    """
    found = []
    reading = read_mis_status(mis_status)
    if not reading.known or reading.register != status:
        found.append(Difference(DIFFERS_STATUS, mis_status, status or ""))
    census_needs = list(needs[: codes.CENSUS_NEED_RANKS])
    if list(mis_needs) != census_needs:
        found.append(Difference(DIFFERS_NEEDS, " ".join(mis_needs), " ".join(census_needs)))
    return found


def census_term(day: dt.date, overrides: Overrides | None = None) -> Term:
    """The census a date belongs to: its own term when it is a census day, else by the month
    (January to April spring, May to August summer, September to December autumn)."""
    for census in census_days_around(day, overrides):
        if census.date == day:
            return census.term
    if day.month <= 4:
        return Term.SPRING
    return Term.SUMMER if day.month <= 8 else Term.AUTUMN


def census_severity(severity: Severity, *, about_need_types: bool, term: Term) -> Severity:
    """How serious a finding is at this census.

    Need types are collected only in the spring census, so at another census a need-type
    error cannot fail the return: it is shown as a warning, to put right before January.
    """
    if about_need_types and term != Term.SPRING and severity == Severity.ERROR:
        return Severity.WARNING
    return severity
