"""The census check's rules, one pure function each, without a database.

Each test asserts on the rule key the function returns and on what the rule book
(sendreg/data/census_rules.json) makes of it: the census code, the severity and a
message with every placeholder filled.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreg.census import rulebook, selectors
from sendreg.register import rules
from sendreg.register.rules import CensusValues, LaCodes, Severity

D = dt.date
BOOK = rulebook.census_rule_book()
LA = BOOK.la_codes


def keys(problems: list[rules.CensusProblem]) -> list[str]:
    return [p.rule for p in problems]


def only(problems: list[rules.CensusProblem]) -> rules.CensusProblem:
    assert len(problems) == 1, problems
    return problems[0]


def message(problem: rules.CensusProblem) -> str:
    """The finding the check makes of ``problem`` at the spring census, placeholders filled."""
    finding = rulebook.make_finding(BOOK, problem, term=rules.Term.SPRING)
    assert "{" not in finding.message and "{" not in finding.action, finding
    return finding.message


def code(problem: rules.CensusProblem) -> str:
    return BOOK[problem.rule].code


def v(provision: str, *needs: str, top_up: bool = False) -> CensusValues:
    return CensusValues(provision, tuple((c, r) for r, c in enumerate(needs, 1)), top_up)


# --- the rule book ------------------------------------------------------------------------


def test_every_rule_key_has_an_entry_in_the_rule_book_and_no_entry_is_orphaned() -> None:
    in_code = {value for name, value in vars(rules).items() if name.startswith("RULE_")}
    assert in_code == set(BOOK.rules)


def test_rule_book_codes_and_severities_are_as_the_domain_lists_them() -> None:
    expected = {
        rules.RULE_S_DISCONTINUED: ("2115", Severity.ERROR),
        rules.RULE_PROVISION_INVALID: ("2120", Severity.ERROR),
        rules.RULE_PROVISION_MISSING: ("2120", Severity.ERROR),
        rules.RULE_NEEDS_WITHOUT_PROVISION: ("2125", Severity.ERROR),
        rules.RULE_SINGLE_NEED_NOT_PRIMARY: ("2160", Severity.ERROR),
        rules.RULE_NEED_RANK_SHARED: ("2165", Severity.ERROR),
        rules.RULE_TOO_MANY_NEEDS: ("2166", Severity.ERROR),
        rules.RULE_NEED_TYPE_MISSING: ("2170", Severity.ERROR),
        rules.RULE_NEED_TYPE_INVALID: ("2170", Severity.ERROR),
        rules.RULE_NSA_WITHOUT_SUPPORT: ("2175", Severity.ERROR),
        rules.RULE_TOP_UP_WITHOUT_PLAN: ("1990", Severity.QUERY),
        rules.RULE_EHC_SHARE_HIGH: ("2190", Severity.QUERY),
        rules.RULE_NO_SEN: ("2200", Severity.QUERY),
        rules.RULE_SUPPORT_SHARE_HIGH: ("2205", Severity.QUERY),
        rules.RULE_UPN_MISSING: ("1500", Severity.ERROR),
        rules.RULE_UPN_CHECK_LETTER: ("1510", Severity.ERROR),
        rules.RULE_UPN_DUPLICATE: ("1520", Severity.ERROR),
        rules.RULE_UPN_LA_CODE: ("1530", Severity.ERROR),
        rules.RULE_UPN_NOT_NUMERIC: ("1540", Severity.ERROR),
        rules.RULE_UPN_CHARACTER_13: ("1550", Severity.ERROR),
        # The explicit N entry is recording practice: the return is N either way.
        rules.RULE_N_ENTRY_DUE: ("N-DUE", Severity.WARNING),
        rules.RULE_N_ENTRY_STALE: ("N-OLD", Severity.WARNING),
        rules.RULE_N_ENTRY_NEVER_ON: ("N-OLD", Severity.WARNING),
        rules.RULE_N_FOR_EVERYONE: ("N-ALL", Severity.WARNING),
        rules.RULE_NEED_REPEATED: ("MIS-DUP", Severity.ERROR),
        rules.RULE_SPECIAL_NO_SEN: ("2180", Severity.ERROR),
        rules.RULE_SPECIAL_EHC_SHARE_LOW: ("2210", Severity.QUERY),
    }
    assert {k: (BOOK[k].code, BOOK[k].severity) for k in expected} == expected
    assert (
        BOOK[rules.RULE_EHC_SHARE_HIGH].threshold,
        BOOK[rules.RULE_SUPPORT_SHARE_HIGH].threshold,
    ) == (
        Decimal(10),
        Decimal(40),
    )


def test_rule_book_says_its_numbering_is_unverified_and_keeps_la_numbers_as_a_list() -> None:
    raw = json.loads(resources.files("sendreg").joinpath(rulebook.RULES_FILE).read_text("utf-8"))
    assert raw["verified"] is False and "UNVERIFIED" in raw["source"]
    listed = json.loads(
        resources.files("sendreg").joinpath(rulebook.LA_CODES_FILE).read_text("utf-8")
    )
    assert listed["verified"] is False
    assert BOOK.la_codes == LaCodes(
        current=frozenset(listed["current"]), former=frozenset(listed["former"])
    )


def test_legend_lists_each_code_once_dfe_numbers_first() -> None:
    legend = [r.code for r in BOOK.legend()]
    assert len(legend) == len(set(legend))
    assert legend[:6] == ["1500", "1510", "1520", "1530", "1540", "1550"]
    assert legend[-6:] == ["MIS-DUP", "MIS-NONE", "MIS-REG", "N-ALL", "N-DUE", "N-OLD"]


def test_a_broken_template_in_the_rule_book_is_shown_as_written_not_raised() -> None:
    assert rulebook.render_text("{count:%Q} pupils", {"count": 3}) == "{count:%Q} pupils"
    assert rulebook.render_text("{nobody} and {upn}", {"upn": "X"}) == "{nobody} and X"
    assert rulebook.render_text("on {removed}", {"removed": D(2025, 11, 1)}) == "on 01/11/2025"


# --- 2115, 2120, 2125: SEN provision ------------------------------------------------------


def test_statement_must_be_recoded_e() -> None:
    problem = only(rules.check_statement(v("S", "ASD")))
    assert (problem.rule, code(problem), problem.field) == (
        rules.RULE_S_DISCONTINUED,
        "2115",
        "sen_provision",
    )
    assert "statement" in message(problem)
    assert rules.check_statement(v("E", "ASD")) == []


@pytest.mark.parametrize("provision", ["X", "Statement", "k "])
def test_provision_that_is_not_a_census_code_is_invalid(provision: str) -> None:
    problem = only(rules.check_provision_valid(v(provision)))
    assert (problem.rule, code(problem)) == (rules.RULE_PROVISION_INVALID, "2120")
    assert f'"{provision}"' in message(problem)


def test_provision_missing_where_the_mis_has_need_types() -> None:
    problem = only(rules.check_provision_valid(v("", "MLD")))
    assert (problem.rule, code(problem)) == (rules.RULE_PROVISION_MISSING, "2120")
    assert "MLD" in message(problem)


@pytest.mark.parametrize("values", [v(""), v("N"), v("E", "ASD"), v("K", "SPLD"), v("S", "ASD")])
def test_valid_or_blank_provision_passes_2120(values: CensusValues) -> None:
    assert rules.check_provision_valid(values) == []


def test_need_types_with_provision_n() -> None:
    problem = only(rules.check_needs_without_provision(v("N", "SPLD")))
    assert (problem.rule, code(problem), problem.field) == (
        rules.RULE_NEEDS_WITHOUT_PROVISION, "2125", "sen_needs",
    )  # fmt: skip
    assert "SPLD" in message(problem)
    assert rules.check_needs_without_provision(v("N")) == []
    assert rules.check_needs_without_provision(v("K", "SPLD")) == []
    # A blank provision with needs is 2120's (missing), not reported twice.
    assert rules.check_needs_without_provision(v("", "SPLD")) == []


# --- 2160, 2165, 2166: ranks ----------------------------------------------------------------


def test_single_need_ranked_two_is_not_primary() -> None:
    problem = only(rules.check_single_need_primary(CensusValues("K", (("SPLD", 2),))))
    assert (problem.rule, code(problem)) == (rules.RULE_SINGLE_NEED_NOT_PRIMARY, "2160")
    assert "SPLD" in message(problem) and "2" in message(problem)
    assert rules.check_single_need_primary(CensusValues("K", (("SPLD", 1),))) == []
    assert rules.check_single_need_primary(v("K", "SPLD", "MLD")) == []


def test_two_needs_sharing_a_rank() -> None:
    problem = only(rules.check_need_ranks_unique(CensusValues("K", (("ASD", 1), ("SLCN", 1)))))
    assert (problem.rule, code(problem)) == (rules.RULE_NEED_RANK_SHARED, "2165")
    assert "ASD and SLCN" in message(problem)
    assert rules.check_need_ranks_unique(v("K", "ASD", "SLCN")) == []


def test_more_than_two_need_types() -> None:
    problem = only(rules.check_at_most_two_needs(v("E", "ASD", "SLCN", "MLD")))
    assert (problem.rule, code(problem)) == (rules.RULE_TOO_MANY_NEEDS, "2166")
    assert "3 need types" in message(problem)
    assert rules.check_at_most_two_needs(v("E", "ASD", "SLCN")) == []


# --- 2170, 2175: need types -----------------------------------------------------------------


def test_k_or_e_without_a_need_type() -> None:
    for provision in ("K", "E", "S"):
        problem = only(rules.check_need_type_valid(v(provision)))
        assert (problem.rule, code(problem)) == (rules.RULE_NEED_TYPE_MISSING, "2170")
    assert rules.check_need_type_valid(v("N")) == []
    assert rules.check_need_type_valid(v("")) == []


def test_need_type_that_is_not_a_census_code() -> None:
    problem = only(rules.check_need_type_valid(v("K", "DYSLX")))
    assert (problem.rule, code(problem)) == (rules.RULE_NEED_TYPE_INVALID, "2170")
    assert '"DYSLX"' in message(problem)
    assert rules.check_need_type_valid(v("K", "SPLD", "SLCN")) == []


def test_down_syndrome_is_not_a_census_need_type_until_switched_on(settings) -> None:
    assert keys(rules.check_need_type_valid(v("K", "DS"))) == [rules.RULE_NEED_TYPE_INVALID]
    settings.SENDREG_ENABLE_NEED_TYPES = ["DS"]
    assert rules.check_need_type_valid(v("K", "DS")) == []


def test_nsa_only_with_sen_support() -> None:
    problem = only(rules.check_nsa_with_support(v("E", "NSA")))
    assert (problem.rule, code(problem)) == (rules.RULE_NSA_WITHOUT_SUPPORT, "2175")
    assert "NSA" in message(problem) and "E" in message(problem)
    assert keys(rules.check_nsa_with_support(v("S", "NSA"))) == [rules.RULE_NSA_WITHOUT_SUPPORT]
    assert rules.check_nsa_with_support(v("K", "NSA")) == []


# --- 1990: top-up ---------------------------------------------------------------------------


def test_top_up_without_an_ehc_plan_is_a_query() -> None:
    problem = only(rules.check_top_up_with_plan(v("K", "SEMH", top_up=True)))
    assert (problem.rule, code(problem), BOOK[problem.rule].severity) == (
        rules.RULE_TOP_UP_WITHOUT_PLAN, "1990", Severity.QUERY,
    )  # fmt: skip
    assert "top-up" in message(problem)
    assert "blank" in message(only(rules.check_top_up_with_plan(v("", top_up=True))))
    assert rules.check_top_up_with_plan(v("E", "ASD", top_up=True)) == []
    assert rules.check_top_up_with_plan(v("K", "SEMH")) == []


def test_pupil_rules_pass_clean_values() -> None:
    for values in (v(""), v("N"), v("K", "SPLD"), v("K", "NSA"), v("E", "ASD", "SLCN")):
        assert [p for rule in rules.PUPIL_CENSUS_RULES for p in rule(values)] == []


# --- 2190, 2200, 2205: the whole school -------------------------------------------------------


def test_ehc_plans_above_ten_percent() -> None:
    ten = BOOK.threshold(rules.RULE_EHC_SHARE_HIGH)
    problem = only(rules.check_ehc_share(ehc=11, roll=100, threshold=ten))
    assert (problem.rule, code(problem), problem.field) == (
        rules.RULE_EHC_SHARE_HIGH,
        "2190",
        "roll",
    )
    assert message(problem).startswith("11 of the 100 pupils on roll (11.0%)")
    assert "more than 10%" in message(problem)
    assert rules.check_ehc_share(ehc=10, roll=100, threshold=ten) == []
    # Exactly, not after rounding: 100.4 per thousand is above ten per cent.
    assert keys(rules.check_ehc_share(ehc=1004, roll=10000, threshold=ten)) == [
        rules.RULE_EHC_SHARE_HIGH
    ]
    assert rules.check_ehc_share(ehc=0, roll=0, threshold=ten) == []


def test_no_pupil_with_sen() -> None:
    problem = only(rules.check_any_sen(on_register=0, roll=240))
    assert (problem.rule, code(problem)) == (rules.RULE_NO_SEN, "2200")
    assert "240" in message(problem)
    assert rules.check_any_sen(on_register=1, roll=240) == []
    assert rules.check_any_sen(on_register=0, roll=0) == []


def test_sen_support_above_forty_percent() -> None:
    forty = BOOK.threshold(rules.RULE_SUPPORT_SHARE_HIGH)
    problem = only(rules.check_support_share(support=41, roll=100, threshold=forty))
    assert (problem.rule, code(problem)) == (rules.RULE_SUPPORT_SHARE_HIGH, "2205")
    assert "(41.0%)" in message(problem)
    assert rules.check_support_share(support=40, roll=100, threshold=forty) == []


def test_percent_of() -> None:
    assert rules.percent_of(1, 3) == Decimal("33.3")
    assert rules.percent_of(5, 0) == Decimal(0)


# --- 1500 to 1550: UPNs -----------------------------------------------------------------------


def test_a_valid_upn_passes() -> None:
    for upn in ("B801200005001", "E801200019001", "H801200019003"):
        assert rules.check_upn(upn, la_codes=LA) == []


@pytest.mark.parametrize(
    ("upn", "expected", "code_"),
    [
        ("", rules.RULE_UPN_MISSING, "1500"),
        ("A801200005001", rules.RULE_UPN_CHECK_LETTER, "1510"),
        ("E100200019015", rules.RULE_UPN_LA_CODE, "1530"),
        ("V8012000X9022", rules.RULE_UPN_NOT_NUMERIC, "1540"),
        ("J80120001902I", rules.RULE_UPN_CHARACTER_13, "1550"),
        ("E80120001900", rules.RULE_UPN_CHARACTER_13, "1550"),
    ],
)
def test_each_upn_error_has_its_code(upn: str, expected: str, code_: str) -> None:
    problem = only(rules.check_upn(upn, la_codes=LA))
    assert (problem.rule, code(problem), problem.field) == (expected, code_, "upn")
    message(problem)


def test_wrong_check_letter_names_the_right_one() -> None:
    problem = only(rules.check_upn("A801200005001", la_codes=LA))
    assert problem.values == {"upn": "A801200005001", "given": "A", "expected": "B"}
    assert "need the check letter B" in message(problem)


def test_a_temporary_upn_ending_in_a_letter_is_valid() -> None:
    from sendreg.pupils.rules import upn_check_letter

    body = "80120002500A"
    assert rules.check_upn(upn_check_letter("?" + body) + body, la_codes=LA) == []


def test_la_numbers_come_from_the_list_not_a_range() -> None:
    assert keys(rules.check_upn("E100200019015", la_codes=LA)) == [rules.RULE_UPN_LA_CODE]
    assert LA.valid("201") and LA.valid("938") and not LA.valid("200") and not LA.valid("939")
    # Authorities created since 2019 (the Northamptonshires, Cumberland, Westmorland and
    # Furness) are valid; so are those they replaced, since a UPN is kept for life.
    assert all(LA.valid(la) for la in ("940", "941", "942", "943", "928", "909"))
    # Numbers inside the old 201-938 range that belong to no authority are not.
    assert not LA.valid("214") and not LA.valid("500") and not LA.valid("927")
    assert not LA.valid("8O1") and not LA.valid("٨٠١")
    from sendreg.pupils.rules import make_upn

    assert rules.check_upn(make_upn(941, 2000, 21, 5), la_codes=LA) == []


def test_a_upn_can_break_several_rules_at_once_in_code_order() -> None:
    # Bad LA digits, a letter among the digits and a 14th character.
    found = rules.check_upn("AXY1200019001Z", la_codes=LA)
    assert keys(found) == [rules.RULE_UPN_LA_CODE, rules.RULE_UPN_CHARACTER_13]
    found = rules.check_upn("A1002000X9001", la_codes=LA)
    assert keys(found) == [rules.RULE_UPN_LA_CODE, rules.RULE_UPN_NOT_NUMERIC]
    # With a well-formed body, the check letter is worked out as well as the LA number checked.
    found = rules.check_upn("A100200019015", la_codes=LA)
    assert keys(found) == [rules.RULE_UPN_CHECK_LETTER, rules.RULE_UPN_LA_CODE]


def test_duplicate_upns() -> None:
    problem = only(
        rules.check_upn_duplicates(["E801200019001", "U801200019002", "E801200019001", ""])
    )
    assert (problem.rule, code(problem)) == (rules.RULE_UPN_DUPLICATE, "1520")
    assert "belongs to 2 pupil records" in message(problem)
    assert rules.check_upn_duplicates(["", "", "E801200019001"]) == []


# --- The N rule -------------------------------------------------------------------------------

PREVIOUS = D(2025, 10, 2)
SPRING = D(2026, 1, 15)


def test_removed_since_the_previous_census_with_a_blank_mis_status_is_a_warning() -> None:
    episodes = [rules.Episode("K", D(2025, 9, 4), D(2025, 11, 1))]
    due = rules.n_entry_due(episodes, census=SPRING, previous=PREVIOUS)
    removed = rules.last_removal(episodes, on_or_before=SPRING)
    assert (rules.census_status(episodes, census=SPRING), due, removed) == (
        "N",
        True,
        D(2025, 11, 1),
    )
    problem = only(rules.check_n_entry(due=due, provision="", removed=removed, previous=PREVIOUS))
    assert (problem.rule, code(problem), BOOK[problem.rule].severity) == (
        rules.RULE_N_ENTRY_DUE, "N-DUE", Severity.WARNING,
    )  # fmt: skip
    assert "01/11/2025" in message(problem) and "02/10/2025" in message(problem)
    assert "N (no SEN) either way" in message(problem)
    # N recorded: nothing to say. K still in the MIS: a difference from the register instead.
    for provision in ("N", "K"):
        assert (
            rules.check_n_entry(due=due, provision=provision, removed=removed, previous=PREVIOUS)
            == []
        )
    kw = {"due": due, "on_register": False, "removed": removed, "previous": PREVIOUS}
    assert rules.check_n_entry_closed(provision="N", **kw) == []


def test_an_n_entry_older_than_the_previous_census_should_be_closed() -> None:
    episodes = [rules.Episode("K", D(2024, 9, 5), D(2025, 6, 1))]
    due = rules.n_entry_due(episodes, census=SPRING, previous=PREVIOUS)
    removed = rules.last_removal(episodes, on_or_before=SPRING)
    assert not due
    kw = {"due": due, "on_register": False, "removed": removed, "previous": PREVIOUS}
    problem = only(rules.check_n_entry_closed(provision="N", **kw))
    assert (problem.rule, code(problem), BOOK[problem.rule].severity) == (
        rules.RULE_N_ENTRY_STALE, "N-OLD", Severity.WARNING,
    )  # fmt: skip
    assert "01/06/2025" in message(problem)
    assert rules.check_n_entry_closed(provision="", **kw) == []
    assert rules.check_n_entry(due=due, provision="", removed=removed, previous=PREVIOUS) == []


def test_an_n_entry_for_a_pupil_never_on_the_register_should_be_closed() -> None:
    problem = only(
        rules.check_n_entry_closed(
            due=False, on_register=False, provision="N", removed=None, previous=PREVIOUS
        )
    )
    assert (problem.rule, code(problem)) == (rules.RULE_N_ENTRY_NEVER_ON, "N-OLD")
    assert "never been on it" in message(problem)


def test_n_in_the_mis_for_a_pupil_on_the_register_is_a_difference_not_an_n_entry() -> None:
    assert (
        rules.check_n_entry_closed(
            due=False, on_register=True, provision="N", removed=None, previous=PREVIOUS
        )
        == []
    )
    assert [d.field for d in rules.compare_with_mis(
        mis_status="N", mis_needs=[], status="K", needs=["SEMH"]
    )] == ["status", "needs"]  # fmt: skip


@pytest.mark.parametrize(
    ("with_n", "without_sen", "said"), [(900, 1000, True), (899, 1000, False), (0, 0, False)]
)
def test_an_mis_that_records_n_for_everyone_is_said_once_for_the_roll(
    with_n: int, without_sen: int, said: bool
) -> None:
    assert rules.mis_records_n_for_everyone(with_n=with_n, without_sen=without_sen) is said
    found = rules.check_n_for_everyone(with_n=with_n, without_sen=without_sen)
    assert keys(found) == ([rules.RULE_N_FOR_EVERYONE] if said else [])
    if said:
        assert f"{with_n} of the {without_sen}" in message(found[0])


def test_register_pupil_without_mis_values() -> None:
    problem = only(rules.check_mis_values_present(status="K", has_mis_values=False))
    assert (problem.rule, code(problem), BOOK[problem.rule].severity) == (
        rules.RULE_MIS_VALUES_MISSING, "MIS-NONE", Severity.WARNING,
    )  # fmt: skip
    # N (not on the register) needs no MIS values: the return is N without them.
    assert rules.check_mis_values_present(status="N", has_mis_values=False) == []
    assert rules.check_mis_values_present(status="K", has_mis_values=True) == []


def test_a_need_recorded_twice_in_the_mis_is_an_error_the_return_would_reject() -> None:
    problem = only(rules.check_need_not_repeated(v("K", "SEMH", "SEMH")))
    assert (problem.rule, code(problem), problem.values) == (
        rules.RULE_NEED_REPEATED,
        "MIS-DUP",
        {"code": "SEMH"},
    )
    assert "SEMH at more than one rank" in message(problem)
    assert rules.check_need_not_repeated(v("K", "SEMH", "SLCN")) == []


@pytest.mark.parametrize("phase", ["PS", "SS", "AT", "MS", "NS"])
def test_mainstream_schools_get_the_share_queries(phase: str) -> None:
    assert rules.share_checks_apply(phase)
    assert rules.check_special_school_pupil_has_sen(phase=phase, provision="") == []
    assert (
        rules.check_special_school_ehc_share(phase=phase, ehc=1, roll=100, threshold=Decimal(70))
        == []
    )


def test_a_special_school_gets_its_own_checks_not_the_mainstream_shares() -> None:
    assert not rules.share_checks_apply("SP") and not rules.share_checks_apply("PR")
    problem = only(rules.check_special_school_pupil_has_sen(phase="SP", provision="N"))
    assert (code(problem), BOOK[problem.rule].severity) == ("2180", Severity.ERROR)
    assert rules.check_special_school_pupil_has_sen(phase="SP", provision="S") == []
    low = only(rules.check_special_school_ehc_share(phase="SP", ehc=69, roll=100, threshold=70))
    assert (code(low), low.values["percent"]) == ("2210", Decimal("69.0"))
    assert rules.check_special_school_ehc_share(phase="SP", ehc=70, roll=100, threshold=70) == []


@pytest.mark.parametrize(
    ("value", "register", "known"),
    [
        ("E", "E", True), ("K", "K", True), ("S", "E", True), (" K ", "K", True),
        ("N", None, True), ("", None, True),
        ("SEN Stage 3", None, False), ("EHC Plan", None, False), ("k", None, False),
    ],
)  # fmt: skip
def test_how_an_mis_status_is_read(value: str, register: str | None, known: bool) -> None:
    reading = rules.read_mis_status(value)
    assert (reading.register, reading.known) == (register, known)


def test_an_unknown_mis_status_never_agrees_with_the_register() -> None:
    for status in (None, "K", "E"):
        found = rules.compare_with_mis(
            mis_status="SEN Stage 3", mis_needs=[], status=status, needs=[]
        )
        assert [d.field for d in found] == ["status"]


@given(
    mis_status=st.one_of(st.none(), st.sampled_from(["", "N", "K", "E", "S", " N", "SEN"])),
    mis_needs=st.lists(st.sampled_from(["SPLD", "SEMH", "ASD"]), max_size=2),
    top_up=st.booleans(),
)
def test_a_pupil_plain_for_the_census_never_differs_from_the_mis(
    mis_status: str | None, mis_needs: list[str], top_up: bool
) -> None:
    # Why the MIS differences leave census-plain pupils out of their query: never on the
    # register (no status, no needs), such a pupil agrees with their MIS values.
    plain = rules.census_plain(
        has_register_history=False, top_up_funding=top_up, mis_status=mis_status,
        mis_needs=mis_needs,
    )  # fmt: skip
    if plain and mis_status is not None:
        assert (
            rules.compare_with_mis(
                mis_status=mis_status, mis_needs=mis_needs, status=None, needs=[]
            )
            == []
        )


# --- Which census, and how serious --------------------------------------------------------------


def test_census_term_of_census_days_and_other_dates() -> None:
    assert rules.census_term(D(2026, 1, 15)) == rules.Term.SPRING
    assert rules.census_term(D(2025, 10, 2)) == rules.Term.AUTUMN
    assert rules.census_term(D(2026, 5, 21)) == rules.Term.SUMMER
    assert rules.census_term(D(2026, 2, 3)) == rules.Term.SPRING
    assert rules.census_term(D(2026, 12, 1)) == rules.Term.AUTUMN
    # An override that moves a census day into another month keeps its term.
    overrides = {(2025, rules.Term.SUMMER): D(2026, 4, 30)}
    assert rules.census_term(D(2026, 4, 30), overrides) == rules.Term.SUMMER


def test_need_type_errors_are_warnings_outside_the_spring_census() -> None:
    for term in (rules.Term.AUTUMN, rules.Term.SUMMER):
        assert (
            rules.census_severity(Severity.ERROR, about_need_types=True, term=term)
            == Severity.WARNING
        )
        assert (
            rules.census_severity(Severity.ERROR, about_need_types=False, term=term)
            == Severity.ERROR
        )
    assert (
        rules.census_severity(Severity.ERROR, about_need_types=True, term=rules.Term.SPRING)
        == Severity.ERROR
    )
    assert (
        rules.census_severity(Severity.QUERY, about_need_types=True, term=rules.Term.AUTUMN)
        == Severity.QUERY
    )
    need_rules = {k for k, r in BOOK.rules.items() if r.need_types}
    assert need_rules == {
        rules.RULE_NEEDS_WITHOUT_PROVISION, rules.RULE_SINGLE_NEED_NOT_PRIMARY,
        rules.RULE_NEED_RANK_SHARED, rules.RULE_TOO_MANY_NEEDS, rules.RULE_NEED_TYPE_MISSING,
        rules.RULE_NEED_TYPE_INVALID, rules.RULE_NSA_WITHOUT_SUPPORT, rules.RULE_MIS_NEEDS_DIFFER,
        rules.RULE_NEED_REPEATED,
    }  # fmt: skip


def test_mis_needs_with_ranks_are_read_from_a_list_or_objects() -> None:
    assert selectors.mis_ranked_needs(["ASD", "SLCN"]) == (("ASD", 1), ("SLCN", 2))
    assert selectors.mis_ranked_needs(
        [{"code": "ASD", "rank": 1}, {"code": "SLCN", "rank": 1}]
    ) == (
        ("ASD", 1),
        ("SLCN", 1),
    )
    assert selectors.mis_ranked_needs(["", {"code": "SPLD", "rank": "x"}]) == (("SPLD", 2),)


def test_messages_never_contain_an_unfilled_placeholder_for_values_the_rules_give() -> None:
    # Every placeholder in a message or action is one a rule can fill.
    for rule in BOOK.rules.values():
        placeholders = set(re.findall(r"{(\w+)", rule.message + rule.action))
        assert placeholders <= {
            "provision", "needs", "code", "rank", "codes", "count", "roll", "percent",
            "threshold", "upn", "la", "given", "expected", "length", "character", "removed",
            "previous", "mis", "register", "total",
        }, rule.key  # fmt: skip
