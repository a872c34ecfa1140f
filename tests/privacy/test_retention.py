"""Retention: the periods as data, the report, and anonymisation by ``sendreg retention apply``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from sendreg.accounts.models import LoginFailure, User
from sendreg.audit.models import AccessEvent, AuditEvent
from sendreg.cli import main
from sendreg.lib.extensions import PUPIL_RECORD_PARTS
from sendreg.privacy.models import Erasure, PrivacyAudit
from sendreg.privacy.rules import (
    RULE_BAD,
    RetentionRule,
    is_past,
    retention_rule,
    years_after,
    years_before,
)
from sendreg.pupils.models import Contact, Pupil
from sendreg.records.models import CauseForConcern, MedicalCondition
from sendreg.register.models import MonitoringEntry, SenEpisode
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory, PupilFactory

SEN_FILE = RetentionRule("pupil_sen_file", "Pupil's SEN file", "date_of_birth", 31, "", False)
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2060, 12, 31))


# --- The rule ----------------------------------------------------------------------------------


def test_the_default_for_sen_files_is_date_of_birth_plus_31_years_unverified(
    settings: Any,
) -> None:
    rule = retention_rule("pupil_sen_file", settings.SENDREG_RETENTION)
    assert (rule.anchor, rule.years, rule.verified) == ("date_of_birth", 31, False)
    assert is_past(dt.date(1994, 11, 12), rule, TODAY)
    assert not is_past(dt.date(1994, 11, 13), rule, TODAY)


def test_a_leap_day_birthday_waits_for_the_first_of_march() -> None:
    assert years_after(dt.date(2000, 2, 29), 31) == dt.date(2031, 3, 1)
    assert years_before(dt.date(2032, 2, 29), 31) == dt.date(2001, 2, 28)


@given(dates, dates, st.integers(min_value=1, max_value=60))
def test_the_query_boundary_agrees_with_the_rule(anchor: dt.date, day: dt.date, years: int) -> None:
    assert (years_after(anchor, years) <= day) == (anchor <= years_before(day, years))


def test_a_rule_without_whole_years_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a whole number of years"):
        retention_rule("x", {"x": {"label": "X", "from": "at", "years": "31"}})
    assert "{key!r}" in RULE_BAD


# --- The report and the command ----------------------------------------------------------------


@pytest.fixture
def old_pupils(school: Any, senco: User) -> dict[str, Pupil]:
    """One past its date and left, one past its date on roll, one due next year, one young."""
    gone = PupilFactory(
        school=school,
        legal_forename="Gloria",
        legal_surname="Gone",
        date_of_birth=dt.date(1990, 3, 1),
        leaving_date=dt.date(2007, 7, 20),
    )
    put_on_register(gone, by=senco, on=dt.date(2025, 9, 4))
    ContactFactory(pupil=gone, name="Mum Gone", address="1 Old Road", address_protected=True)
    MedicalCondition.objects.create(pupil=gone, condition="Epilepsy", notes="Seizures weekly.")
    CauseForConcern.objects.create(
        pupil=gone, reason="Upset at home.", started_on=TODAY, owner=senco, review_date=TODAY
    )
    MonitoringEntry.objects.create(
        pupil=gone, reason="Reading.", started_on=TODAY, review_date=TODAY, added_by=senco
    )
    wrong = PupilFactory(
        school=school, legal_surname="Wrongdate", date_of_birth=dt.date(1980, 1, 1)
    )
    soon = PupilFactory(
        school=school,
        legal_surname="Soon",
        date_of_birth=dt.date(1995, 6, 1),
        leaving_date=dt.date(2011, 7, 20),
    )
    young = PupilFactory(school=school, legal_surname="Young")
    return {"gone": gone, "wrong": wrong, "soon": soon, "young": young}


def test_the_report_lists_what_is_past_its_date(
    client: Client, senco: User, old_pupils: dict[str, Pupil], on_today: Any
) -> None:
    client.force_login(senco)
    page = client.get("/privacy/retention/").content.decode()
    due = page[page.index('id="due-heading"') : page.index('id="onroll-heading"')]
    assert "Gloria Gone" in due and "Wrongdate" not in due
    on_roll = page[page.index('id="onroll-heading"') : page.index('id="coming-heading"')]
    assert "Wrongdate" in on_roll
    coming = page[page.index('id="coming-heading"') : page.index('id="other-heading"')]
    assert "Soon" in coming and "Young" not in coming
    assert "Check this period." in page


def test_apply_without_yes_and_without_a_terminal_changes_nothing(
    old_pupils: dict[str, Pupil], on_today: Any, capsys: Any
) -> None:
    assert main(["retention", "apply"]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert not Erasure.objects.exists()


def test_apply_asks_and_a_no_changes_nothing(
    old_pupils: dict[str, Pupil], on_today: Any, monkeypatch: Any, capsys: Any
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["retention", "apply"]) == 1
    out = capsys.readouterr().out
    assert "Gloria Gone" in out and "Nothing was changed." in out
    assert not Erasure.objects.exists()


def test_apply_anonymises_every_part_of_the_record_and_audits_it(
    old_pupils: dict[str, Pupil], senco: User, on_today: Any, capsys: Any
) -> None:
    gone = old_pupils["gone"]
    upn = gone.upn
    access = AccessEvent.objects.create(
        school_id=gone.school_id, actor_id=senco.pk, pupil_id=gone.pk, what="record"
    )
    LoginFailure.objects.create(email="x@example.com", at=dt.datetime(2023, 1, 1, tzinfo=dt.UTC),
                                reason="password")  # fmt: skip
    LoginFailure.objects.create(email="y@example.com", reason="password")

    assert main(["retention", "apply", "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["applied"] is True
    assert result["erased"] == [upn]
    assert [p["upn"] for p in result["on_roll"]] == [old_pupils["wrong"].upn]
    assert result["login_failures_deleted"] == 1

    gone.refresh_from_db()
    assert (gone.legal_forename, gone.legal_surname, gone.preferred_forename) == (
        "Pupil",
        "Erased",
        "",
    )
    assert gone.upn != upn and gone.date_of_birth == dt.date(1990, 1, 1)
    assert not Contact.objects.filter(pupil=gone).exists()
    assert MedicalCondition.objects.get(pupil=gone).condition == "(erased)"
    assert MedicalCondition.objects.get(pupil=gone).notes == "(erased)"
    assert CauseForConcern.objects.get(pupil=gone).reason == "(erased)"
    assert MonitoringEntry.objects.get(pupil=gone).reason == "(erased)"
    # Codes and dates stay, so past years' numbers still add up.
    assert SenEpisode.objects.get(pupil=gone).status == "K"

    for event in AuditEvent.objects.filter(pupil_id=gone.pk):
        text = json.dumps([event.pupil_label, event.old, event.new, event.reason])
        for secret in ("Gloria", 'Gone"', "Epilepsy", "1 Old Road", "Upset", upn):
            assert secret not in text, (event.type, text)
    erased = AuditEvent.objects.get(type=PrivacyAudit.PUPIL_ERASED)
    assert erased.new["parts"] == [p.key for p in PUPIL_RECORD_PARTS if p.erase]
    assert erased.actor_label.startswith("sendreg retention apply on the command line")
    assert AccessEvent.objects.get(pk=access.pk).pupil_id == gone.pk
    assert Erasure.objects.get().pupil_id == gone.pk
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["y@example.com"]

    # Nothing is erased twice, and the others are untouched.
    assert main(["retention", "apply", "--yes"]) == 0
    assert "Nothing is past its retention date." in capsys.readouterr().out
    assert Pupil.objects.get(pk=old_pupils["wrong"].pk).legal_surname == "Wrongdate"


def test_the_five_parts_are_registered() -> None:
    keys = {p.key for p in PUPIL_RECORD_PARTS}
    assert {"pupil", "contacts", "register", "records", "notifications"} <= keys
