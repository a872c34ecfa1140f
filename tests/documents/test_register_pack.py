"""The register pack: the Register sheet's rows, and a Summary of live formulas over them."""

from __future__ import annotations

import datetime as dt
import io
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreg.accounts.models import Membership, School, User
from sendreg.documents import register_pack
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import persistently_absent
from sendreg.register.services import sen_record_set
from tests.conftest import TODAY, put_on_register
from tests.documents.readers import xlsx_cells
from tests.factories import PupilFactory

pytestmark = pytest.mark.usefixtures("on_today")


@pytest.fixture
def pupils(school: School, senco: User) -> dict[str, Pupil]:
    """Four on the register (one with a formula-looking name), one removed, one never on, one
    who left."""

    def make(forename: str, surname: str, **fields: Any) -> Pupil:
        return PupilFactory(school=school, legal_forename=forename, legal_surname=surname, **fields)

    made = {
        "amy": make("Amy", "Adams", eal=True, attendance=Decimal("96.5"), year_group=7),
        "ben": make("Ben", "Brown", fsm=True, pupil_premium=True, attendance=Decimal("84.0")),
        "cat": make("=HYPERLINK(\"http://x.test\",\"Cat\")", "+Cole", reg_group="@8C",
                    looked_after=True, medical=True, attendance=None, year_group=8),
        "dev": make("Dev", "Dale", year_group=9),
        "eve": make("Eve", "Evans"),
        "fay": make("Fay", "Fox"),
        "gus": make("Gus", "Gray", leaving_date=dt.date(2025, 10, 1)),
    }  # fmt: skip
    put_on_register(made["amy"], by=senco, needs=("SEMH", "SLCN", "ASD"), on=dt.date(2025, 9, 10))
    put_on_register(made["ben"], by=senco, status="E", needs=("ASD",))
    put_on_register(made["cat"], by=senco, needs=("SPLD",))
    put_on_register(made["dev"], by=senco, needs=("SEMH",))
    put_on_register(made["eve"], by=senco, needs=("MLD",))
    eve = made["eve"]
    eve.refresh_from_db()
    sen_record_set(
        pupil=eve, status=None, needs=[], effective=TODAY, reason="Outcomes met.",
        expected_version=eve.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    return made


def pack_for(user: User) -> bytes:
    membership = Membership.objects.get(user=user)
    return register_pack.register_pack_bytes(membership, day=TODAY)


def summary_row(rows: list[list[Any]], label: str) -> list[Any]:
    return next(row for row in rows if row[0] == label)


def test_register_sheet_lists_every_pupil_on_the_register_today(
    pupils: dict[str, Pupil], senco: User
) -> None:
    sheets = xlsx_cells(pack_for(senco))
    assert list(sheets) == ["Summary", "Register", "Codes"]
    header, *rows = sheets["Register"]
    assert tuple(header) == register_pack.COLUMNS
    # Sorted by surname; where "+Cole" falls depends on the database's collation.
    assert sorted((r[1], r[2]) for r in rows if r[1] != "+Cole") == [
        ("Adams", "Amy"), ("Brown", "Ben"), ("Dale", "Dev"),
    ]  # fmt: skip
    assert ("+Cole", '=HYPERLINK("http://x.test","Cat")') in [(r[1], r[2]) for r in rows]
    assert len(rows) == 4
    amy = dict(zip(header, next(r for r in rows if r[1] == "Adams"), strict=True))
    assert amy["UPN"] == pupils["amy"].upn
    assert (amy["Year"], amy["Registration group"]) == ("Year 7", "7A")
    assert (amy["SEN status"], amy["Status meaning"]) == ("K", "SEN support")
    assert amy["On register since"] == dt.datetime(2025, 9, 10)
    assert (amy["Primary need"], amy["Primary need meaning"]) == (
        "SEMH", "Social, emotional and mental health",
    )  # fmt: skip
    assert (amy["Secondary need"], amy["Secondary need meaning"]) == (
        "SLCN", "Speech, language and communication needs",
    )  # fmt: skip
    assert amy["Further needs"] == "ASD – Autistic spectrum disorder"
    assert [amy[f] for f in ("EAL", "FSM", "Pupil premium", "Looked after", "Medical")] == [
        "Yes", "No", "No", "No", "No",
    ]  # fmt: skip
    assert amy["Attendance %"] == 96.5


def test_text_that_looks_like_a_formula_is_stored_as_text(
    pupils: dict[str, Pupil], senco: User
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(pack_for(senco)))
    cat = next(row for row in book["Register"].iter_rows(min_row=2) if row[1].value == "+Cole")
    for cell in cat[1:5]:
        assert cell.data_type == "s", cell.value
    assert cat[2].value == '=HYPERLINK("http://x.test","Cat")'
    assert cat[4].value == "@8C"


def test_summary_figures_are_live_formulas_over_the_register_sheet(
    pupils: dict[str, Pupil], senco: User
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(pack_for(senco)), data_only=False)
    summary = book["Summary"]
    rows = [list(row) for row in summary.iter_rows(values_only=True)]
    assert rows[4][:2] == ["Pupils on roll (the whole school)", 6]
    assert summary_row(rows, "On the SEN register (E or K)")[1:] == [
        '=COUNTIF(Register!$F:$F,"E")+COUNTIF(Register!$F:$F,"K")',
        "=IF($B$5=0,0,B6/$B$5)",
        "=IF($B$6=0,0,B6/$B$6)",
    ]
    support = summary_row(rows, "K – SEN support")
    number = rows.index(support) + 1
    assert support[1:] == [
        '=COUNTIF(Register!$F:$F,"K")',
        f"=IF($B$5=0,0,B{number}/$B$5)",
        f"=IF($B$6=0,0,B{number}/$B$6)",
    ]
    assert summary_row(rows, "SEMH – Social, emotional and mental health")[1] == (
        '=COUNTIF(Register!$I:$I,"SEMH")'
    )
    assert summary_row(rows, "Free school meals (FSM)")[1] == '=COUNTIF(Register!$O:$O,"Yes")'
    assert summary_row(rows, "Average attendance (%)")[1] == (
        '=IF(COUNT(Register!$S:$S)=0,"",AVERAGE(Register!$S:$S))'
    )
    assert summary[f"C{number}"].number_format == "0.0%"
    formulas = [c for row in summary.iter_rows() for c in row if c.data_type == "f"]
    assert len(formulas) > 40
    assert all(str(c.value).startswith("=") for c in formulas)


def _comparison(criterion: str) -> Callable[[float], bool] | None:
    """A COUNTIF criterion such as "<=90" as Excel reads it, or None for a plain value."""
    for sign, test in (
        ("<=", operator.le), (">=", operator.ge), ("<", operator.lt), (">", operator.gt),
    ):  # fmt: skip
        if criterion.startswith(sign):
            bound = float(criterion[len(sign) :])
            return lambda value: test(value, bound)
    return None


def _evaluate(formula: str, register: list[list[Any]], summary: list[list[Any]]) -> float:
    """Just enough of Excel to check the Summary's formulas count the right columns."""
    columns = {chr(ord("A") + i): [row[i] for row in register[1:]] for i in range(19)}

    def countif(letter: str, criterion: str) -> int:
        values = columns[letter]
        compare = _comparison(criterion)
        if compare is not None:
            return sum(1 for v in values if isinstance(v, int | float) and compare(v))
        return sum(1 for v in values if v == criterion)

    def cell(ref: str) -> Any:
        letter, row = ref.replace("$", "")[0], int(ref.replace("$", "")[1:])
        value = summary[row - 1][ord(letter) - ord("A")]
        return _evaluate(value, register, summary) if isinstance(value, str) else value

    body = formula.lstrip("=")
    if body.startswith("IF(COUNT("):
        numbers = [v for v in columns["S"] if isinstance(v, int | float)]
        return sum(numbers) / len(numbers) if numbers else 0
    share = re.fullmatch(r"IF\((\$?B\$?\d+)=0,0,(B\d+)/(\$?B\$?\d+)\)", body)
    if share:
        whole = cell(share.group(1))
        return cell(share.group(2)) / whole if whole else 0
    total = 0
    for letter, criterion in re.findall(r'COUNTIF\(Register!\$(\w):\$\w,"([^"]*)"\)', body):
        total += countif(letter, criterion)
    return total


def test_summary_formulas_count_what_the_register_sheet_holds(
    pupils: dict[str, Pupil], senco: User
) -> None:
    sheets = xlsx_cells(pack_for(senco))
    register, summary = sheets["Register"], sheets["Summary"]

    def value(label: str, column: int = 1) -> float:
        return _evaluate(summary_row(summary, label)[column], register, summary)

    assert value("On the SEN register (E or K)") == 4
    assert value("On the SEN register (E or K)", 2) == pytest.approx(4 / 6)
    assert value("E – Education, health and care plan") == 1
    assert value("K – SEN support") == 3
    assert value("K – SEN support", 3) == pytest.approx(3 / 4)
    assert value("SEMH – Social, emotional and mental health") == 2
    assert value("SPLD – Specific learning difficulty") == 1
    assert value("SLCN – Speech, language and communication needs") == 0
    assert value("English as an additional language (EAL)") == 1
    assert value("Looked after (LAC)") == 1
    assert value("Average attendance (%)") == pytest.approx((96.5 + 84.0) / 2)
    assert value(register_pack.PERSISTENT_ABSENCE_LABEL) == 1


def test_persistent_absence_is_90_percent_or_below_as_the_rule_says(
    school: School, senco: User
) -> None:
    attendances = [Decimal("90.00"), Decimal("89.99"), Decimal("90.01"), Decimal("100"), None]
    for attendance in attendances:
        put_on_register(PupilFactory(school=school, attendance=attendance), by=senco)
    sheets = xlsx_cells(pack_for(senco))
    row = summary_row(sheets["Summary"], register_pack.PERSISTENT_ABSENCE_LABEL)
    assert row[1] == '=COUNTIF(Register!$S:$S,"<=90")'
    assert _evaluate(row[1], sheets["Register"], sheets["Summary"]) == 2
    assert sum(persistently_absent(a) for a in attendances) == 2
    assert register_pack.PERSISTENT_ABSENCE_LABEL == (
        "Attendance of 90% or below (persistently absent: 10% or more of sessions missed)"
    )


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_the_summarys_criterion_agrees_with_the_rule(attendance: Decimal) -> None:
    compare = _comparison(register_pack.PERSISTENT_ABSENCE_CRITERION)
    assert compare is not None
    assert compare(float(attendance)) == persistently_absent(attendance)


def test_codes_sheet_explains_every_code(senco: User) -> None:
    codes_rows = xlsx_cells(pack_for(senco))["Codes"]
    assert ["K", "SEN support", None] in codes_rows
    # N is every pupil not E or K: "No SEN", not a mark of a recent removal.
    assert ["N", "No SEN", None] in codes_rows
    assert [
        "SEMH",
        "Social, emotional and mental health",
        "Social, emotional and mental health",
    ] in (codes_rows)


def test_an_empty_register_gives_a_pack_whose_shares_are_zero(school: School, senco: User) -> None:
    sheets = xlsx_cells(pack_for(senco))
    assert sheets["Register"] == [list(register_pack.COLUMNS)]
    summary = sheets["Summary"]
    assert summary_row(summary, "On the SEN register (E or K)")[2] == "=IF($B$5=0,0,B6/$B$5)"
    assert _evaluate(summary_row(summary, "K – SEN support")[2], sheets["Register"], summary) == 0
