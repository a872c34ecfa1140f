"""The census check's rule book: what each rule's census code means, its severity, message and
advice, read from ``sendreg/data/census_rules.json`` so that a new year's numbering or
wording is a change to data, not code; and a finding, the check's unit of output.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from sendreg.lib.spreadsheets import Cell
from sendreg.register import rules
from sendreg.register.rules import LaCodes, Severity

RULES_FILE = "data/census_rules.json"
LA_CODES_FILE = "data/la_codes.json"

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
    la_codes: LaCodes
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
    return RuleBook(book, la_codes(), bool(raw.get("verified")), raw.get("source", ""))


@cache
def la_codes() -> rules.LaCodes:
    """The local authority numbers from ``sendreg/data/la_codes.json``."""
    raw = json.loads(resources.files("sendreg").joinpath(LA_CODES_FILE).read_text("utf-8"))
    return rules.LaCodes(current=frozenset(raw["current"]), former=frozenset(raw["former"]))


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


def make_finding(
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


def finding_sort_key(finding: Finding) -> tuple[Any, ...]:
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
