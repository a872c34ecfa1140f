"""The school census check, the census extract and the census calendar.

The check runs every census rule in ``register.rules`` on the values the MIS will
return (the MIS SEN values kept from the latest import), compares the MIS with the
register as it stands on the census day, applies the N rule both ways, and lists what
it finds in plain English with what to do. Each rule's census code, severity, message
and advice are data (``sendreg/data/census_rules.json``), so a new year's numbering is
not a code change.

The extract goes the other way: what the REGISTER says each pupil on roll should carry
in the census, so that the office can check the MIS against it line by line. It holds
no addresses or contacts of any kind, so a looked-after child's protected address can
never reach it.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - only builds XML, never parses it
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet

from sendreg import codes
from sendreg.accounts.models import School, User
from sendreg.audit.services import actor_label_for
from sendreg.imports.columns import STATUS_DISCONTINUED
from sendreg.imports.models import ImportRun
from sendreg.lib.spreadsheets import Cell
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import UPN_MISSING
from sendreg.pupils.selectors import on_roll
from sendreg.register import rules
from sendreg.register.discrepancies import STATUS, compare
from sendreg.register.models import CensusCheckRun, MisSenRecord, PupilNeed, SenEpisode
from sendreg.register.rules import Severity
from sendreg.register.selectors import census_overrides

RULES_FILE = "data/census_rules.json"

DATE_NOT_UNDERSTOOD = (
    "{value!r} is not a date like 2026-01-15, so the check is for the next census instead."
)

FIELD_LABELS: dict[str, str] = {
    rules.FIELD_UPN: "UPN",
    rules.FIELD_PROVISION: "SEN provision",
    rules.FIELD_NEEDS: "Need types",
    rules.FIELD_TOP_UP: "Top-up funding",
    rules.FIELD_ROLL: "Whole school",
}

SEVERITY_PLURALS: dict[Severity, str] = {
    Severity.ERROR: "Errors",
    Severity.QUERY: "Queries",
    Severity.WARNING: "Warnings",
}

#: The census's own abbreviations of its terms.
TERM_CODES: dict[rules.Term, str] = {
    rules.Term.AUTUMN: "AUT",
    rules.Term.SPRING: "SPR",
    rules.Term.SUMMER: "SUM",
}


# --- The rule book -----------------------------------------------------------------


@dataclass(frozen=True)
class CensusRule:
    key: str
    code: str
    severity: Severity
    meaning: str
    message: str
    action: str
    #: About need types, which only the spring census collects.
    need_types: bool = False
    threshold: Decimal | None = None


@dataclass(frozen=True)
class RuleBook:
    rules: dict[str, CensusRule]
    la_codes: rules.LaCodes
    verified: bool
    source: str

    def __getitem__(self, key: str) -> CensusRule:
        return self.rules[key]

    def threshold(self, key: str) -> Decimal:
        threshold = self.rules[key].threshold
        if threshold is None:
            raise ImproperlyConfigured(f"{RULES_FILE}: the rule {key!r} needs a threshold.")
        return threshold

    def legend(self) -> list[CensusRule]:
        """One rule per census code, in code order, for the page's list of what codes mean."""
        by_code: dict[str, CensusRule] = {}
        for rule in self.rules.values():
            by_code.setdefault(rule.code, rule)
        return sorted(by_code.values(), key=lambda r: code_order(r.code))


def code_order(code: str) -> tuple[int, int, str]:
    """DfE codes in number order, then sendreg's own (which start with a letter)."""
    return (0, int(code), "") if code.isdecimal() else (1, 0, code)


@cache
def census_rule_book() -> RuleBook:
    """The rule book from ``sendreg/data/census_rules.json``; a broken file stops with a message."""
    raw = json.loads(resources.files("sendreg").joinpath(RULES_FILE).read_text("utf-8"))
    book: dict[str, CensusRule] = {}
    for key, entry in raw["rules"].items():
        try:
            threshold = entry.get("threshold")
            book[key] = CensusRule(
                key=key,
                code=str(entry["code"]),
                severity=Severity(entry["severity"]),
                meaning=entry["meaning"],
                message=entry["message"],
                action=entry["action"],
                need_types=bool(entry.get("need_types", False)),
                threshold=Decimal(str(threshold)) if threshold is not None else None,
            )
        except (KeyError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"{RULES_FILE}: the rule {key!r} is incomplete: {exc}."
            ) from exc
    la = raw.get("la_codes", {})
    la_codes = rules.LaCodes(
        low=int(la.get("min", 201)),
        high=int(la.get("max", 938)),
        listed=frozenset(str(c) for c in la.get("codes", [])),
    )
    return RuleBook(book, la_codes, bool(raw.get("verified")), raw.get("source", ""))


class _Blanks(dict[str, str]):
    """A placeholder the values do not fill is left showing rather than breaking the page."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _display(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if value is None:
        return "none"
    return str(value)


def render_text(template: str, values: Mapping[str, object]) -> str:
    """A message template from the rule book with the rule's values filled in.

    Schools may edit the templates, so a slip in one (an unknown placeholder, a bad
    format) shows the template as written instead of failing the whole check.
    """
    try:
        return template.format_map(_Blanks({k: _display(v) for k, v in values.items()}))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


# --- Findings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    key: str
    code: str
    severity: Severity
    meaning: str
    message: str
    action: str
    field: str
    upn: str = ""
    name: str = ""
    pupil_id: int | None = None
    need_types: bool = False
    #: The row of the latest MIS export, for a problem found in a row the import could not keep.
    row: int | None = None

    @property
    def who(self) -> str:
        """Whom the finding is about, in words, for a page or a spreadsheet."""
        if self.name:
            return self.name
        if self.row is not None:
            return f"Row {self.row} of the MIS export"
        return "Whole school"

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    def as_json(self) -> dict[str, Any]:
        """One finding in ``sendreg census check --json`` (a public interface: see the README)."""
        return {
            "rule": self.code,
            "key": self.key,
            "severity": self.severity.value,
            "upn": self.upn,
            "name": self.name,
            "field": self.field,
            "message": self.message,
            "action": self.action,
            "row": self.row,
        }


def _finding(
    book: RuleBook,
    problem: rules.CensusProblem,
    *,
    term: rules.Term,
    upn: str = "",
    name: str = "",
    pupil_id: int | None = None,
    prefix: str = "",
    extra_action: str = "",
    row: int | None = None,
) -> Finding:
    rule = book[problem.rule]
    values = {**problem.values}
    if rule.threshold is not None:
        values.setdefault("threshold", rule.threshold)
    action = render_text(rule.action, values)
    return Finding(
        key=rule.key,
        code=rule.code,
        severity=rules.census_severity(rule.severity, about_need_types=rule.need_types, term=term),
        meaning=rule.meaning,
        message=prefix + render_text(rule.message, values),
        action=f"{action} {extra_action}".strip(),
        field=problem.field,
        upn=upn,
        name=name,
        pupil_id=pupil_id,
        need_types=rule.need_types,
        row=row,
    )


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    return (finding.severity.order, code_order(finding.code), finding.name, finding.upn)


def census_findings_filter(
    findings: Iterable[Finding], *, code: str = "", severity: str = ""
) -> list[Finding]:
    """The findings with one census code and/or one severity (blank: any)."""
    return [
        f
        for f in findings
        if (not code or f.code == code) and (not severity or f.severity == severity)
    ]


FINDINGS_HEADER = [
    "Code", "Severity", "What the code means", "UPN", "Pupil", "About", "Problem", "What to do",
]  # fmt: skip


def findings_rows(findings: Iterable[Finding]) -> Iterator[list[Cell]]:
    for f in findings:
        yield [
            f.code, f.severity.label, f.meaning, f.upn, f.who,
            f.field_label, f.message, f.action,
        ]  # fmt: skip


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


def pupils_on_roll(school: School, day: dt.date) -> QuerySet[Pupil]:
    """The school's pupils on roll on ``day``: admitted by then and not yet left."""
    admitted = Q(admission_date__isnull=True) | Q(admission_date__lte=day)
    return Pupil.objects.filter(on_roll(day), admitted, school=school)


def _with_register(pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    return pupils.prefetch_related(
        Prefetch("sen_episodes", queryset=SenEpisode.objects.order_by("start")),
        Prefetch("needs", queryset=PupilNeed.objects.order_by("rank")),
    ).order_by("legal_surname", "legal_forename", "upn")


# --- The check -------------------------------------------------------------------------


@dataclass
class CensusCheck:
    school: School
    census: rules.CensusDay
    #: The census before this one: the N rule turns on it.
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


def _mis_record(pupil: Pupil) -> MisSenRecord | None:
    try:
        return pupil.mis_sen
    except MisSenRecord.DoesNotExist:
        return None


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
    mis_imported: bool


def _pupil_findings(pupil: Pupil, ctx: _Context) -> tuple[list[Finding], str | None]:
    """One pupil's findings, and the provision the MIS will return for them (None: no values)."""
    name = str(pupil)
    found: list[Finding] = []

    def add(problems: Iterable[rules.CensusProblem], extra_action: str = "") -> None:
        for problem in problems:
            found.append(
                _finding(
                    ctx.book,
                    problem,
                    term=ctx.term,
                    upn=pupil.upn,
                    name=name,
                    pupil_id=pupil.pk,
                    extra_action=extra_action,
                )  # fmt: skip
            )

    add(rules.check_upn(pupil.upn, la_codes=ctx.book.la_codes))
    episodes = [e.as_rule() for e in pupil.sen_episodes.all()]
    status = rules.census_status(episodes, census=ctx.census_date, previous=ctx.previous)
    on_register = status if status in codes.ON_REGISTER else None
    record = _mis_record(pupil)
    if record is None:
        if ctx.mis_imported:
            add(rules.check_mis_values_present(census_status=status, has_mis_values=False))
        # Without MIS values, top-up is judged against what the register will return.
        register_values = rules.CensusValues(
            provision=status or "", top_up_funding=pupil.top_up_funding
        )
        add(rules.check_top_up_with_plan(register_values))
        return found, None

    values = rules.CensusValues(
        provision=record.status.strip(),
        needs=mis_ranked_needs(record.needs),
        top_up_funding=pupil.top_up_funding,
    )
    for rule in rules.PUPIL_CENSUS_RULES:
        add(rule(values))
    removed = rules.last_removal(episodes, census=ctx.census_date)
    for n_rule in (rules.check_n_entry_carried, rules.check_n_entry_closed):
        add(
            n_rule(
                census_status=status,
                provision=values.provision,
                removed=removed,
                previous=ctx.previous,
            )
        )
    due = any(f.key == rules.RULE_N_ENTRY_DUE for f in found)

    # S is to be recoded E (rule 2115 says so), so it is compared as E.
    mis_status = (
        codes.SenProvision.EHC_PLAN.value
        if values.provision == codes.DISCONTINUED_STATEMENT
        else values.provision
    )
    register_needs = [n.code for n in pupil.needs.all()] if on_register else []
    corrected = (
        "The SENCO has already asked for the MIS to be corrected."
        if record.correction_requested_at
        else ""
    )
    for d in compare(
        upn=pupil.upn,
        name=name,
        mis_status=mis_status,
        mis_needs=values.need_codes,
        status=on_register,
        needs=register_needs,
    ):
        if d.field == STATUS:
            if due:
                continue  # the N rule says the same thing more precisely
            labels = {"mis": _mis_label(d.mis), "register": _register_label(on_register)}
            problem = rules.CensusProblem(
                rules.RULE_MIS_STATUS_DIFFERS, rules.FIELD_PROVISION, labels
            )
        else:
            labels = {
                "mis": _needs_label(d.mis.split()),
                "register": _needs_label(d.register.split()),
            }
            problem = rules.CensusProblem(rules.RULE_MIS_NEEDS_DIFFER, rules.FIELD_NEEDS, labels)
        add([problem], corrected)
    return found, values.provision


def census_check(*, school: School, census_date: dt.date) -> CensusCheck:
    """Every problem the census on ``census_date`` would raise from the school's SEN data.

    Reads the pupils on roll on that day with their MIS values, episodes and needs in
    four queries, and the latest import's rows that never became pupils. Writes nothing.
    """
    overrides = census_overrides()
    census = census_day_for(census_date, overrides)
    is_census_day = any(
        c.date == census_date for c in rules.census_days_around(census_date, overrides)
    )
    book = census_rule_book()
    ctx = _Context(
        book=book,
        census_date=census_date,
        previous=rules.previous_census(census_date, overrides).date,
        term=census.term,
        mis_imported=MisSenRecord.objects.filter(pupil__school=school).exists(),
    )
    pupils = list(_with_register(pupils_on_roll(school, census_date).select_related("mis_sen")))
    findings: list[Finding] = []
    ehc = support = 0
    for pupil in pupils:
        found, provision = _pupil_findings(pupil, ctx)
        findings += found
        if provision in {codes.SenProvision.EHC_PLAN, codes.DISCONTINUED_STATEMENT}:
            ehc += 1
        elif provision == codes.SenProvision.SEN_SUPPORT:
            support += 1

    roll = len(pupils)
    latest = (
        ImportRun.objects.filter(school=school, kind=ImportRun.Kind.PUPILS)
        .order_by("-at", "-id")
        .first()
    )
    findings += _import_row_findings(latest, book, ctx.term, {p.upn: p for p in pupils})
    school_wide: list[rules.CensusProblem] = []
    if ctx.mis_imported:
        school_wide += rules.check_ehc_share(
            ehc=ehc, roll=roll, threshold=book.threshold(rules.RULE_EHC_SHARE_HIGH)
        )
        school_wide += rules.check_any_sen(on_register=ehc + support, roll=roll)
        school_wide += rules.check_support_share(
            support=support, roll=roll, threshold=book.threshold(rules.RULE_SUPPORT_SHARE_HIGH)
        )
    elif roll:
        school_wide.append(rules.CensusProblem(rules.RULE_MIS_NOT_IMPORTED, rules.FIELD_ROLL))
    findings += [_finding(book, p, term=ctx.term) for p in school_wide]
    return CensusCheck(
        school=school,
        census=census,
        previous=ctx.previous,
        is_census_day=is_census_day,
        findings=sorted(findings, key=_sort_key),
        roll=roll,
        mis_ehc=ehc,
        mis_support=support,
        mis_imported=ctx.mis_imported,
        latest_import=latest,
    )


_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_DUPLICATE = re.compile(r"^The UPN (\S+) is also on row (\d+)")


def _upn_in_message(message: str) -> str | None:
    """The UPN an import message quotes (as Python's repr, which the parser's messages use)."""
    match = _QUOTED.search(message)
    if match is None:
        return None
    try:
        value = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _import_row_findings(
    run: ImportRun | None, book: RuleBook, term: rules.Term, pupils: Mapping[str, Pupil]
) -> list[Finding]:
    """Problems in rows of the latest MIS export that the import could not keep.

    A row with a bad UPN was skipped, so the pupil is not in sendreg, but they are still
    in the MIS and so in its census return. A row with S was recorded as E, but the MIS
    still holds S. Both are found in what the import recorded about its rows.
    """
    if run is None:
        return []
    found: list[Finding] = []
    summary = run.summary or {}

    def where(problem: Mapping[str, Any]) -> str:
        return f"Row {problem.get('row')} of {run.filename} (the latest MIS import): "

    def row(problem: Mapping[str, Any]) -> int | None:
        value = problem.get("row")
        return value if isinstance(value, int) else None

    for problem in summary.get("errors", []):
        if problem.get("field") != rules.FIELD_UPN:
            continue
        message = str(problem.get("message", ""))
        duplicate = _DUPLICATE.match(message)
        upn = str(problem.get("upn") or "")
        if duplicate:
            upn = duplicate.group(1)
            problems = [
                rules.CensusProblem(
                    rules.RULE_UPN_DUPLICATE, rules.FIELD_UPN, {"upn": upn, "count": 2}
                )
            ]
        elif message == UPN_MISSING:
            problems = rules.check_upn("", la_codes=book.la_codes)
        else:
            upn = upn or _upn_in_message(message) or ""
            problems = rules.check_upn(upn, la_codes=book.la_codes) if upn else []
        pupil = pupils.get(upn)
        found += [
            _finding(
                book,
                p,
                term=term,
                upn=upn,
                name=str(pupil) if pupil else "",
                pupil_id=pupil.pk if pupil else None,
                prefix=where(problem),
                row=row(problem),
            )  # fmt: skip
            for p in problems
        ]
    for problem in summary.get("warnings", []):
        if problem.get("field") == "sen_status" and problem.get("message") == STATUS_DISCONTINUED:
            upn = str(problem.get("upn") or "")
            pupil = pupils.get(upn)
            statement = rules.check_statement(rules.CensusValues(codes.DISCONTINUED_STATEMENT))
            found += [
                _finding(
                    book,
                    p,
                    term=term,
                    upn=upn,
                    name=str(pupil) if pupil else "",
                    pupil_id=pupil.pk if pupil else None,
                    prefix=where(problem),
                    row=row(problem),
                )  # fmt: skip
                for p in statement
            ]
    return found


@transaction.atomic
def census_check_record(
    *, check: CensusCheck, by: User | None, by_label: str = ""
) -> CensusCheckRun:
    """Keep the counts of a check, so that the calendar can say whether the last one passed.

    Not an audit event: nothing about a pupil changes, and the run is its own record.
    """
    counts = check.counts
    run = CensusCheckRun(
        school=check.school,
        census_date=check.census.date,
        by=by,
        by_label=by_label or actor_label_for(by),
        errors=counts[Severity.ERROR],
        queries=counts[Severity.QUERY],
        warnings=counts[Severity.WARNING],
        passed=check.passed,
    )
    run.full_clean()
    run.save()
    return run


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


def census_calendar(*, school: School, today: dt.date, count: int = 3) -> list[CalendarEntry]:
    """The next ``count`` census days (today's included), with the school's last check of each."""
    days = rules.upcoming_censuses(today, count, census_overrides())
    latest: dict[dt.date, CensusCheckRun] = {}
    for run in CensusCheckRun.objects.filter(
        school=school, census_date__in=[d.date for d in days]
    ).order_by("census_date", "-run_at", "-id"):
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


EXTRACT_HEADER = [
    "UPN", "Surname", "Forename", "Date of birth", "SEN provision",
    "SEN need type rank 1", "SEN need type rank 2",
]  # fmt: skip


def census_extract(*, school: School, census_date: dt.date) -> list[ExtractRow]:
    """What the register says every pupil on roll on ``census_date`` carries in the census.

    E or K with the top two ranked needs for a pupil on the register that day; N for
    everyone else (those removed since the previous census and those never on it alike,
    as in the return). Legal names, as the census uses them. No addresses or contacts.
    """
    overrides = census_overrides()
    previous = rules.previous_census(census_date, overrides).date
    rows = []
    for pupil in _with_register(pupils_on_roll(school, census_date)):
        episodes = [e.as_rule() for e in pupil.sen_episodes.all()]
        status = rules.census_status(episodes, census=census_date, previous=previous)
        needs: list[str] = []
        if status in codes.ON_REGISTER:
            needs = [n.code for n in pupil.needs.all()][: codes.CENSUS_NEED_RANKS]
        rows.append(
            ExtractRow(
                upn=pupil.upn,
                surname=pupil.legal_surname,
                forename=pupil.legal_forename,
                date_of_birth=pupil.date_of_birth,
                provision=status if status in codes.ON_REGISTER else codes.SenProvision.NO_SEN,
                need_1=needs[0] if needs else "",
                need_2=needs[1] if len(needs) > 1 else "",
            )
        )
    return rows


def extract_rows(rows: Iterable[ExtractRow]) -> Iterator[list[Cell]]:
    for r in rows:
        yield [
            r.upn, r.surname, r.forename, r.date_of_birth.isoformat(), r.provision,
            r.need_1, r.need_2,
        ]  # fmt: skip


# Characters XML 1.0 cannot hold at all. An import can bring them in (a stray control
# character in a name), and a file containing one would not open.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

EXTRACT_COMMENT = (
    " An extract of the sendreg SEN register for checking the MIS against. "
    "It is not a census return and must not be submitted. "
)


def _child(parent: ET.Element, tag: str, text: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _NOT_XML.sub("", str(text))
    return element


def census_extract_xml(
    *, school: School, census: rules.CensusDay, rows: Iterable[ExtractRow]
) -> bytes:
    """The extract in the school census's shape: ``Message/Pupils/PupilOnRoll``, each with
    ``SpecialEducationalNeeds`` (``SENprovision``, and ``SENneeds/SENneed`` with ``SENtype``
    and ``SENtypeRank`` for E and K).

    Built as a tree, so every value from an import is text, never markup.
    """
    root = ET.Element("Message")
    root.append(ET.Comment(EXTRACT_COMMENT))
    header = ET.SubElement(root, "Header")
    details = ET.SubElement(header, "CollectionDetails")
    _child(details, "Collection", "SCHOOL CENSUS")
    _child(details, "Term", TERM_CODES[census.term])
    _child(details, "Year", census.date.year)
    _child(details, "ReferenceDate", census.date.isoformat())
    source = ET.SubElement(header, "Source")
    _child(source, "SourceLevel", "S")
    _child(source, "LEA", school.la_code)
    _child(source, "Estab", school.estab)
    _child(source, "URN", school.urn)
    _child(source, "SchoolName", school.name)
    _child(source, "Software", "sendreg")
    pupils = ET.SubElement(root, "Pupils")
    for row in rows:
        pupil = ET.SubElement(pupils, "PupilOnRoll")
        _child(pupil, "UPN", row.upn)
        _child(pupil, "Surname", row.surname)
        _child(pupil, "Forename", row.forename)
        _child(pupil, "DOB", row.date_of_birth.isoformat())
        sen = ET.SubElement(pupil, "SpecialEducationalNeeds")
        _child(sen, "SENprovision", row.provision)
        if row.needs:
            needs = ET.SubElement(sen, "SENneeds")
            for rank, code in enumerate(row.needs, start=1):
                need = ET.SubElement(needs, "SENneed")
                _child(need, "SENtype", code)
                _child(need, "SENtypeRank", rank)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
