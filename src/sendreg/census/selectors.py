"""The school census check, the census calendar and the census extract: reads only.

The check runs every census rule in ``register.rules`` on the values the MIS will return
(the MIS SEN values kept from the latest import), compares the MIS with the register as
it stands on the census day, checks the explicit N entry (recording practice: the return
is N either way), and lists what it finds in plain English with what to do.

The extract goes the other way: what the REGISTER says each pupil on roll carries in the
census (E, K or N, and the needs held on that day), so that the office can check the MIS
against it line by line.

Both read plain values in a fixed number of queries, whatever the size of the school,
and apply the same pure rules as every other page.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet

from sendreg import codes
from sendreg.accounts.models import School
from sendreg.census.rulebook import (
    Finding,
    RuleBook,
    census_rule_book,
    finding_sort_key,
    make_finding,
)
from sendreg.imports.models import ImportRun
from sendreg.lib.compiled import compiled
from sendreg.lib.jsontext import JsonTexts, json_text
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import shown_name
from sendreg.pupils.selectors import on_roll
from sendreg.register import rules
from sendreg.register.models import CensusCheckRun, MisSenRecord
from sendreg.register.rules import Severity
from sendreg.register.selectors import (
    RegisterState,
    census_overrides,
    state_of,
    whole_school_states,
    with_census_plain,
)

DATE_NOT_UNDERSTOOD = (
    "{value!r} is not a date like 2026-01-15, so the check is for the next census instead."
)


# --- The census day ------------------------------------------------------------------


def census_day_for(day: dt.date, overrides: rules.Overrides | None = None) -> rules.CensusDay:
    """``day`` as a census day, with the term it belongs to (it need not be a real census day)."""
    return rules.CensusDay(day, rules.census_term(day, overrides), rules.academic_year_of(day))


def census_date_from(value: str, *, today: dt.date) -> tuple[dt.date, str]:
    """The census day asked for (an ISO date), else the next census, with a message when the
    value was not understood."""
    value = value.strip()
    if value:
        try:
            return dt.date.fromisoformat(value), ""
        except ValueError:
            error = DATE_NOT_UNDERSTOOD.format(value=value[:40])
            return rules.next_census(today, census_overrides()).date, error
    return rules.next_census(today, census_overrides()).date, ""


# --- Reading a school for a census ----------------------------------------------------------

_PUPIL_FIELDS = (
    "pk", "upn", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename",
    "date_of_birth", "top_up_funding",
)  # fmt: skip


@dataclass(frozen=True)
class CensusPupil:
    pk: int
    upn: str
    name: str
    legal_surname: str
    legal_forename: str
    date_of_birth: dt.date
    top_up_funding: bool
    register: RegisterState


def census_pupils(school: School, census_date: dt.date) -> list[CensusPupil]:
    """The school's pupils on roll on the census day with their register state that day, in
    census order (legal names), in three queries."""
    rows = _census_rows(_roll_rows(school.pk, census_date), school, census_date)
    return [pupil for pupil, _ in rows]


def _on_roll_on(school_id: int, census_date: dt.date) -> QuerySet[Pupil]:
    """The school's pupils on roll on the census day, with ``census_plain``."""
    return with_census_plain(Pupil.objects.filter(on_roll(census_date), school_id=school_id))


def _rows_of(pupils: QuerySet[Pupil]) -> QuerySet[Any]:
    """What ``_census_rows`` reads of each pupil, in census order (legal names)."""
    return pupils.order_by("legal_surname", "legal_forename", "upn").values_list(
        *_PUPIL_FIELDS,
        "mis_sen__pk",
        "mis_sen__status",
        json_text("mis_sen__needs"),
        "mis_sen__correction_requested_at",
    )


@compiled
def _roll_rows(school_id: int, census_date: dt.date) -> QuerySet[Any]:
    return _rows_of(_on_roll_on(school_id, census_date))


@compiled
def _full_rows(school_id: int, census_date: dt.date) -> QuerySet[Any]:
    """The pupils the census check reads whole: those not ``census_plain``."""
    return _rows_of(_on_roll_on(school_id, census_date).filter(census_plain=False))


@compiled
def _plain_values(school_id: int, census_date: dt.date) -> QuerySet[Any]:
    """The UPN and MIS provision (None: no MIS values) of each ``census_plain`` pupil, in no
    order."""
    return (
        _on_roll_on(school_id, census_date)
        .filter(census_plain=True)
        .order_by()
        .values_list("upn", "mis_sen__status")
    )


@compiled
def _latest_pupils_import(school_id: int) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(school_id=school_id, kind=ImportRun.Kind.PUPILS).order_by(
        "-at", "-id"
    )[:1]


def _census_rows(
    rows: Sequence[tuple[Any, ...]], school: School, census_date: dt.date
) -> list[tuple[CensusPupil, MisValues | None]]:
    """The rows read by ``_rows_of`` (pupils of ``school`` on roll on the census day) with
    their register state that day and their MIS values (None: none kept), in the rows'
    order."""
    ranked = JsonTexts(lambda needs: mis_ranked_needs(needs or ()))
    # The register history of every pupil on roll that day, read by a join (compiled once);
    # a pupil never on the register has none.
    states = whole_school_states(school.pk, day=census_date)
    return [
        (
            CensusPupil(
                pk=pk,
                upn=upn,
                name=_name(legal_surname, legal_forename, preferred_surname, preferred_forename),
                legal_surname=legal_surname,
                legal_forename=legal_forename,
                date_of_birth=date_of_birth,
                top_up_funding=top_up_funding,
                register=state_of(states, pk),
            ),
            None
            if mis_pk is None
            else MisValues(status.strip(), ranked[needs], requested is not None),
        )
        for (
            pk, upn, legal_surname, legal_forename, preferred_surname, preferred_forename,
            date_of_birth, top_up_funding, mis_pk, status, needs, requested,
        ) in rows
    ]  # fmt: skip


def _name(
    legal_surname: str, legal_forename: str, preferred_surname: str, preferred_forename: str
) -> str:
    return shown_name(legal_forename, legal_surname, preferred_forename, preferred_surname)


@dataclass(frozen=True)
class MisValues:
    status: str
    needs: tuple[rules.RankedNeed, ...]
    correction_requested: bool


def mis_ranked_needs(needs: Sequence[Any]) -> tuple[rules.RankedNeed, ...]:
    """The MIS's needs as (code, rank) pairs.

    Imports keep a list of codes in rank order. A source that gives ranks (a CTF gives
    ``SENtypeRank``) may keep ``{"code": ..., "rank": ...}`` objects, which is the only
    way two needs can share a rank or a single need be ranked 2.
    """
    ranked: list[rules.RankedNeed] = []
    for position, need in enumerate(needs, start=1):
        if isinstance(need, Mapping):
            code = str(need.get("code") or need.get("type") or "").strip()
            try:
                rank = int(need.get("rank", position))
            except (TypeError, ValueError):
                rank = position
        else:
            code, rank = str(need).strip(), position
        if code:
            ranked.append((code, rank))
    return tuple(ranked)


# --- The check -------------------------------------------------------------------------


@dataclass
class CensusCheck:
    school: School
    census: rules.CensusDay
    #: The census before this one: the N entry turns on it.
    previous: dt.date
    #: True when the date is a census day by the calendar (or an override).
    is_census_day: bool
    findings: list[Finding]
    roll: int
    mis_ehc: int
    mis_support: int
    mis_imported: bool
    latest_import: ImportRun | None

    @property
    def counts(self) -> dict[Severity, int]:
        counts = dict.fromkeys(Severity, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    @property
    def passed(self) -> bool:
        return not self.counts[Severity.ERROR]

    @property
    def collects_need_types(self) -> bool:
        return self.census.term == rules.Term.SPRING

    @property
    def mis_ehc_percent(self) -> Decimal:
        return rules.percent_of(self.mis_ehc, self.roll)

    @property
    def mis_support_percent(self) -> Decimal:
        return rules.percent_of(self.mis_support, self.roll)


def _register_label(status: str | None) -> str:
    return codes.provision_label(status) if status else "not on the SEN register"


def _mis_label(status: str) -> str:
    return codes.provision_label(status) if status else "no SEN status"


def _needs_label(needs: Sequence[str]) -> str:
    return "; ".join(codes.need_label(c) for c in needs) or "none"


@dataclass(frozen=True)
class _Context:
    book: RuleBook
    census_date: dt.date
    previous: dt.date
    term: rules.Term
    phase: str
    mis_imported: bool
    #: The MIS records N for everyone without SEN: said once for the roll.
    n_for_everyone: bool


def _value_problems(values: rules.CensusValues, phase: str) -> list[rules.CensusProblem]:
    """The census rules that look only at the MIS's values. Most pupils share a handful of
    value sets (no SEN; K with one common need...), so each set is checked once per run."""
    found = [problem for rule in rules.PUPIL_CENSUS_RULES for problem in rule(values)]
    return found + rules.check_special_school_pupil_has_sen(phase=phase, provision=values.provision)


def _pupil_findings(
    pupil: CensusPupil,
    mis: MisValues | None,
    ctx: _Context,
    checked: dict[rules.CensusValues, list[rules.CensusProblem]],
) -> tuple[list[Finding], str | None]:
    """One pupil's findings, and the provision the MIS will return for them (None: no values)."""
    problems, provision, corrected = _pupil_problems(pupil, mis, ctx, checked)
    found = [
        make_finding(
            ctx.book,
            problem,
            term=ctx.term,
            upn=pupil.upn,
            name=pupil.name,
            pupil_id=pupil.pk,
            extra_action=corrected if problem.rule in _DIFFERENCES else "",
        )
        for problem in [*rules.check_upn(pupil.upn, la_codes=ctx.book.la_codes), *problems]
    ]
    return found, provision


def _pupil_problems(
    pupil: CensusPupil,
    mis: MisValues | None,
    ctx: _Context,
    checked: dict[rules.CensusValues, list[rules.CensusProblem]],
) -> tuple[list[rules.CensusProblem], str | None, str]:
    """One pupil's problems other than their UPN's, the provision the MIS will return for them
    (None: no values) and what to add to a difference's "what to do"."""
    problems: list[rules.CensusProblem] = []
    episodes = pupil.register.episodes
    on_register = rules.status_on(episodes, ctx.census_date) if episodes else None
    status = on_register or codes.SenProvision.NO_SEN
    corrected = ""
    if mis is None:
        if ctx.mis_imported:
            problems += rules.check_mis_values_present(status=status, has_mis_values=False)
        # Without MIS values, top-up is judged against what the register will return.
        problems += rules.check_top_up_with_plan(
            rules.CensusValues(status, (), pupil.top_up_funding)
        )
        provision = None
    else:
        values = rules.CensusValues(mis.status, mis.needs, pupil.top_up_funding)
        if values not in checked:
            checked[values] = _value_problems(values, ctx.phase)
        problems += checked[values]
        provision = values.provision
        if episodes or values.provision == codes.SenProvision.NO_SEN:
            problems += _n_entry_problems(episodes, values.provision, on_register, ctx)
        problems += _difference_problems(values, on_register, pupil.register.needs)
        if mis.correction_requested:
            corrected = "The SENCO has already asked for the MIS to be corrected."
    return problems, provision, corrected


_DIFFERENCES = frozenset({rules.RULE_MIS_STATUS_DIFFERS, rules.RULE_MIS_NEEDS_DIFFER})


def _n_entry_problems(
    episodes: Sequence[rules.Episode], provision: str, on_register: str | None, ctx: _Context
) -> list[rules.CensusProblem]:
    due = rules.n_entry_due(episodes, census=ctx.census_date, previous=ctx.previous)
    removed = rules.last_removal(episodes, on_or_before=ctx.census_date)
    found = rules.check_n_entry(
        due=due, provision=provision, removed=removed, previous=ctx.previous
    )
    if not ctx.n_for_everyone:
        found += rules.check_n_entry_closed(
            due=due,
            on_register=on_register is not None,
            provision=provision,
            removed=removed,
            previous=ctx.previous,
        )
    return found


_NO_SEN_VALUES = frozenset({"", codes.SenProvision.NO_SEN})


def _difference_problems(
    values: rules.CensusValues, on_register: str | None, needs: Sequence[str]
) -> list[rules.CensusProblem]:
    if on_register is None and not values.needs and values.provision in _NO_SEN_VALUES:
        return []  # most pupils: no SEN on either side (what compare_with_mis would say)
    found = []
    for d in rules.compare_with_mis(
        mis_status=values.provision,
        mis_needs=values.need_codes,
        status=on_register,
        needs=list(needs) if on_register else [],
    ):
        if d.field == rules.DIFFERS_STATUS:
            labels = {"mis": _mis_label(d.mis), "register": _register_label(on_register)}
            found.append(
                rules.CensusProblem(rules.RULE_MIS_STATUS_DIFFERS, rules.FIELD_PROVISION, labels)
            )
        else:
            labels = {
                "mis": _needs_label(d.mis.split()),
                "register": _needs_label(d.register.split()),
            }
            found.append(
                rules.CensusProblem(rules.RULE_MIS_NEEDS_DIFFER, rules.FIELD_NEEDS, labels)
            )
    return found


_PLAIN_FIELDS = (
    "pk", "upn", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename",
    "date_of_birth", "mis_sen__status", "mis_sen__correction_requested_at",
)  # fmt: skip


def census_check(*, school: School, census_date: dt.date) -> CensusCheck:
    """Every problem the census on ``census_date`` would raise from the school's SEN data.

    Most pupils on roll were never on the register and the MIS holds blank or N for them
    (``rules.census_plain``): the rules can only flag them by their UPN, or all of them alike
    by that value, so they are read as a narrow list and the rules run once per value. The
    others are read whole (register history, needs held that day, MIS values) and every
    rule runs on each. Six or seven queries, whatever the size of the school. Writes nothing.
    """
    overrides = census_overrides()
    census = census_day_for(census_date, overrides)
    is_census_day = any(
        c.date == census_date for c in rules.census_days_around(census_date, overrides)
    )
    book = census_rule_book()
    plain = _on_roll_on(school.pk, census_date).filter(census_plain=True).order_by()
    # Only what the rules need of them: the UPN and the MIS provision. Their findings are
    # sorted with the rest, and most have none.
    plain_values = _plain_values(school.pk, census_date)
    rows = _census_rows(_full_rows(school.pk, census_date), school, census_date)
    # An import gives nearly every pupil on roll MIS values; only when none has any is it
    # worth asking whether the school's MIS was ever imported (pupils who have left count).
    mis_imported = (
        any(status is not None for _, status in plain_values)
        or any(mis is not None for _, mis in rows)
        or MisSenRecord.objects.filter(pupil__school=school).exists()
    )
    without_sen = len(plain_values) + sum(
        1 for p, _ in rows if rules.status_on(p.register.episodes, census_date) is None
    )
    with_n = sum(1 for _, status in plain_values if status == codes.SenProvision.NO_SEN) + sum(
        1
        for p, mis in rows
        if mis is not None
        and mis.status == codes.SenProvision.NO_SEN
        and rules.status_on(p.register.episodes, census_date) is None
    )
    n_for_everyone = rules.mis_records_n_for_everyone(with_n=with_n, without_sen=without_sen)
    ctx = _Context(
        book=book,
        census_date=census_date,
        previous=rules.previous_census(census_date, overrides).date,
        term=census.term,
        phase=school.phase,
        mis_imported=mis_imported,
        n_for_everyone=n_for_everyone,
    )
    findings: list[Finding] = []
    ehc = support = 0
    checked: dict[rules.CensusValues, list[rules.CensusProblem]] = {}
    for pupil, mis in rows:
        found, provision = _pupil_findings(pupil, mis, ctx, checked)
        findings += found
        if provision not in _NO_SEN_VALUES and provision is not None:
            reading = rules.read_mis_status(provision)
            ehc += reading.register == codes.SenProvision.EHC_PLAN
            support += reading.register == codes.SenProvision.SEN_SUPPORT
    roll = len(plain_values) + len(rows)
    latest = next(iter(_latest_pupils_import(school.pk)), None)
    found, plain_named = _plain_findings(plain, plain_values, ctx, checked, _import_upns(latest))
    findings += found
    by_upn = {p.upn: p for p, _ in rows} | plain_named
    findings += _import_row_findings(latest, book, ctx.term, by_upn)
    school_wide: list[rules.CensusProblem] = []
    if ctx.mis_imported:
        if rules.share_checks_apply(school.phase):
            school_wide += rules.check_ehc_share(
                ehc=ehc, roll=roll, threshold=book.threshold(rules.RULE_EHC_SHARE_HIGH)
            )
            school_wide += rules.check_support_share(
                support=support,
                roll=roll,
                threshold=book.threshold(rules.RULE_SUPPORT_SHARE_HIGH),
            )
        school_wide += rules.check_special_school_ehc_share(
            phase=school.phase,
            ehc=ehc,
            roll=roll,
            threshold=book.threshold(rules.RULE_SPECIAL_EHC_SHARE_LOW),
        )
        school_wide += rules.check_any_sen(on_register=ehc + support, roll=roll)
        school_wide += rules.check_n_for_everyone(with_n=with_n, without_sen=without_sen)
    elif roll:
        school_wide.append(rules.CensusProblem(rules.RULE_MIS_NOT_IMPORTED, rules.FIELD_ROLL))
    findings += [make_finding(book, p, term=ctx.term) for p in school_wide]
    return CensusCheck(
        school=school,
        census=census,
        previous=ctx.previous,
        is_census_day=is_census_day,
        findings=sorted(findings, key=finding_sort_key),
        roll=roll,
        mis_ehc=ehc,
        mis_support=support,
        mis_imported=ctx.mis_imported,
        latest_import=latest,
    )


def _plain_findings(
    plain: QuerySet[Pupil],
    values: Sequence[tuple[str, str | None]],
    ctx: _Context,
    checked: dict[rules.CensusValues, list[rules.CensusProblem]],
    also: Collection[str],
) -> tuple[list[Finding], dict[str, CensusPupil]]:
    """The findings for the plain pupils (``rules.census_plain``), from their UPNs and MIS
    provisions, and those pupils by UPN with any whose UPN is in ``also``.

    Their problems other than their UPN's turn only on their MIS provision (or its absence),
    so the rules run once for each provision; only the pupils whose UPN or provision breaks
    a rule are read in full (one query, none when there are none) and checked in full.
    Their MIS values add nothing to the EHC and support counts.
    """
    nobody = CensusPupil(0, "", "", "", "", dt.date.min, False, state_of({}, 0))
    flagged = [
        status
        for status in {status for _, status in values}
        if _pupil_problems(nobody, _plain_mis(status, None), ctx, checked)[0]
    ]
    upns = {upn for upn, _ in values if rules.check_upn(upn, la_codes=ctx.book.la_codes)}
    wanted = [Q(upn__in=sorted(upns | set(also)))] if upns or also else []
    if None in flagged:
        wanted.append(Q(mis_sen__isnull=True))
    if any(status is not None for status in flagged):
        wanted.append(Q(mis_sen__status__in=[status for status in flagged if status is not None]))
    if not wanted:
        return [], {}
    findings: list[Finding] = []
    named: dict[str, CensusPupil] = {}
    for row in plain.filter(reduce(operator.or_, wanted)).values_list(*_PLAIN_FIELDS):
        pk, upn, legal_surname, legal_forename, preferred_surname, preferred_forename = row[:6]
        pupil = CensusPupil(
            pk=pk,
            upn=upn,
            name=_name(legal_surname, legal_forename, preferred_surname, preferred_forename),
            legal_surname=legal_surname,
            legal_forename=legal_forename,
            date_of_birth=row[6],
            top_up_funding=False,
            register=state_of({}, pk),
        )
        named[upn] = pupil
        status, requested = row[7], row[8]
        if upn in upns or status in flagged:
            findings += _pupil_findings(pupil, _plain_mis(status, requested), ctx, checked)[0]
    return findings, named


def _plain_mis(status: str | None, requested: dt.datetime | None) -> MisValues | None:
    return None if status is None else MisValues(status, (), requested is not None)


def _import_upns(run: ImportRun | None) -> set[str]:
    """The UPNs ``_import_row_findings`` may look a pupil up by."""
    summary = (run.summary if run else None) or {}
    return {
        str(problem.get(key) or "")
        for problem in [*summary.get("errors", []), *summary.get("warnings", [])]
        for key in ("upn", "value")
    } - {""}


def _import_row_findings(
    run: ImportRun | None,
    book: RuleBook,
    term: rules.Term,
    pupils: Mapping[str, CensusPupil],
) -> list[Finding]:
    """Problems in rows of the latest MIS export that the import could not keep.

    A row with a bad UPN was skipped, so the pupil is not in sendreg, but they are still
    in the MIS and so in its census return. A row with S was recorded as E, but the MIS
    still holds S. Both are known by the code the import recorded with the problem, and
    the pupil by the UPN it recorded (never by reading the message's words).
    """
    if run is None:
        return []
    summary = run.summary or {}
    found: list[Finding] = []
    for problem in [*summary.get("errors", []), *summary.get("warnings", [])]:
        code = str(problem.get("code") or "")
        upn = str(problem.get("upn") or "")
        if code == rules.RULE_UPN_DUPLICATE:
            problems = rules.check_upn_duplicates([upn, upn])
        elif code.startswith("upn"):
            # What is wrong with the UPN is worked out again by the census's own rules.
            upn = str(problem.get("value") or upn)
            problems = rules.check_upn(upn, la_codes=book.la_codes)
        elif code == rules.RULE_S_DISCONTINUED:
            problems = rules.check_statement(rules.CensusValues(codes.DISCONTINUED_STATEMENT))
        else:
            continue
        row = problem.get("row")
        pupil = pupils.get(upn)
        found += [
            make_finding(
                book,
                p,
                term=term,
                upn=upn,
                name=pupil.name if pupil else "",
                pupil_id=pupil.pk if pupil else None,
                prefix=f"Row {row} of {run.filename} (the latest MIS import): ",
                row=row if isinstance(row, int) else None,
            )
            for p in problems
        ]
    return found


# --- The calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    census: rules.CensusDay
    days_left: int
    last_run: CensusCheckRun | None

    @property
    def days_left_label(self) -> str:
        if self.days_left == 0:
            return "Today"
        return f"{self.days_left} day{'s' if self.days_left != 1 else ''}"


@compiled
def _checks_of(school_id: int, census_dates: tuple[dt.date, ...]) -> QuerySet[CensusCheckRun]:
    """The school's checks for these census days, each day's latest first."""
    return CensusCheckRun.objects.filter(
        school_id=school_id, census_date__in=census_dates
    ).order_by("census_date", "-run_at", "-id")


def census_calendar(*, school: School, today: dt.date, count: int = 3) -> list[CalendarEntry]:
    """The next ``count`` census days (today's included), with the school's last check of each."""
    days = rules.upcoming_censuses(today, count, census_overrides())
    latest: dict[dt.date, CensusCheckRun] = {}
    for run in _checks_of(school.pk, tuple(d.date for d in days)):
        latest.setdefault(run.census_date, run)
    return [CalendarEntry(d, (d.date - today).days, latest.get(d.date)) for d in days]


# --- The extract -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractRow:
    upn: str
    surname: str
    forename: str
    date_of_birth: dt.date
    provision: str
    need_1: str = ""
    need_2: str = ""

    @property
    def needs(self) -> list[str]:
        return [code for code in (self.need_1, self.need_2) if code]


def census_extract(*, school: School, census_date: dt.date) -> list[ExtractRow]:
    """What the register says every pupil on roll on ``census_date`` carries in the census.

    E or K with the top two needs held ON THAT DAY for a pupil on the register then; N (no
    SEN) for everyone else, as in the return. Legal names, as the census uses them. No
    addresses or contacts.
    """
    rows = []
    for pupil in census_pupils(school, census_date):
        status = rules.census_status(pupil.register.episodes, census=census_date)
        needs = list(pupil.register.needs[: codes.CENSUS_NEED_RANKS]) if status != "N" else []
        rows.append(
            ExtractRow(
                upn=pupil.upn,
                surname=pupil.legal_surname,
                forename=pupil.legal_forename,
                date_of_birth=pupil.date_of_birth,
                provision=status,
                need_1=needs[0] if needs else "",
                need_2=needs[1] if len(needs) > 1 else "",
            )
        )
    return rows
