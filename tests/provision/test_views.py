"""The provision map's pages: forms that keep what was typed, flows that save, what shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.provision import rules
from sendreg.provision.models import Enrolment, Intervention, ProvisionSettings, Run, TrainingRecord
from sendreg.pupils.models import Pupil
from tests.conftest import register_in_bulk
from tests.factories import PupilFactory
from tests.provision.conftest import Map
from tests.provision.factories import RunFactory

D = Decimal
pytestmark = pytest.mark.usefixtures("on_today")

INTERVENTION = {
    "name": "Lexia Core5", "description": "", "need_codes": ["SPLD", "MLD"], "wave": "2",
    "staff_role": "Teaching assistant", "group_size": "6", "sessions_per_week": "3",
    "minutes_per_session": "20", "typical_weeks": "24", "hourly_rate": "16.50",
    "resources_per_pupil": "35", "measure": "standardised", "scale_name": "",
    "scale_min": "", "scale_max": "",
}  # fmt: skip


@pytest.fixture
def as_senco(client: Client, senco: User) -> Client:
    client.force_login(senco)
    return client


def test_adding_an_intervention(as_senco: Client, school: School) -> None:
    response = as_senco.post("/provision/interventions/new/", INTERVENTION)
    lexia = Intervention.objects.get(school=school)
    assert response.status_code == 302 and response["Location"] == lexia.get_absolute_url()
    page = as_senco.get(response["Location"]).content.decode()
    assert "Lexia Core5" in page
    assert "£101.00" in page  # 16.50 × 3 × 20 ÷ 60 × 24 ÷ 6 + 35 = 66.00 + 35.00
    assert "SPLD – Specific learning difficulty" in page


def test_a_bad_intervention_is_shown_again_with_its_errors_and_nothing_lost(
    as_senco: Client,
) -> None:
    data = {**INTERVENTION, "group_size": "0", "measure": "scale", "scale_name": ""}
    response = as_senco.post("/provision/interventions/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(rules.GROUP_SIZE_POSITIVE) in page
    assert escape(rules.SCALE_NEEDS_NAME) in page
    assert 'value="Lexia Core5"' in page and 'value="16.50"' in page
    assert not Intervention.objects.exists()


def test_changing_and_retiring_an_intervention(as_senco: Client, provision: Map) -> None:
    url = f"/provision/interventions/{provision.reading.pk}/"
    data = {**INTERVENTION, "name": "Precision teaching", "hourly_rate": "18.00"}
    assert as_senco.post(url + "edit/", data).status_code == 302
    provision.reading.refresh_from_db()
    assert provision.reading.hourly_rate == D("18.00")
    as_senco.post(url + "retire/")
    provision.reading.refresh_from_db()
    assert not provision.reading.active
    assert "Put it back in use" in as_senco.get(url).content.decode()


def test_setting_up_a_run_starts_from_the_catalogue_then_asks_for_pupils(
    as_senco: Client, provision: Map, teacher: User
) -> None:
    url = f"/provision/interventions/{provision.reading.pk}/runs/new/"
    page = as_senco.get(url).content.decode()
    assert 'name="hourly_rate" value="16.50"' in page
    assert 'name="weeks" value="12"' in page
    data = {
        "start_date": "2026-01-05", "end_date": "2026-03-27", "weeks": "11",
        "staff": [str(teacher.pk)], "other_staff": "", "group_size": "4",
        "sessions_per_week": "3", "minutes_per_session": "30", "hourly_rate": "16.50",
        "resources_per_pupil": "10", "notes": "",
    }  # fmt: skip
    response = as_senco.post(url, data)
    run = Run.objects.get(start_date=dt.date(2026, 1, 5))
    assert response["Location"] == f"/provision/runs/{run.pk}/pupils/"
    assert list(run.staff.all()) == [teacher]
    bad = as_senco.post(url, {**data, "end_date": "2026-01-01"})
    assert bad.status_code == 200
    assert "is before the start date" in bad.content.decode()


def test_adding_pupils_suggests_those_with_a_need_it_targets(
    as_senco: Client, provision: Map, school: School
) -> None:
    run = RunFactory(intervention=provision.reading, start_date=dt.date(2026, 1, 5),
                     end_date=dt.date(2026, 3, 27))  # fmt: skip
    url = f"/provision/runs/{run.pk}/pupils/"
    page = as_senco.get(url).content.decode()
    assert "Amy Adams" in page and "Ben Brown" not in page  # Amy has SPLD, Ben SLCN
    found = as_senco.get(url + "?q=Brown", headers={"HX-Request": "true"}).content.decode()
    assert "Ben Brown" in found and "<h1>" not in found
    response = as_senco.post(url, {"pupils": [provision.amy.pk, provision.ben.pk]})
    assert response.status_code == 302
    assert set(run.enrolments.values_list("pupil_id", flat=True)) == {
        provision.amy.pk, provision.ben.pk,
    }  # fmt: skip
    again = as_senco.get(url).content.decode()
    assert "(already in the run)" in again


def test_a_pupil_of_another_school_cannot_be_added(as_senco: Client, provision: Map) -> None:
    url = f"/provision/runs/{provision.support_run.pk}/pupils/"
    response = as_senco.post(url, {"pupils": [provision.other_enrolment.pupil_id]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert provision.support_run.enrolments.count() == 1


def test_entering_scores_for_the_whole_run(as_senco: Client, provision: Map) -> None:
    url = f"/provision/runs/{provision.reading_run.pk}/measures/"
    amy, ben = f"e{provision.amy_reading.pk}", f"e{provision.ben_reading.pk}"
    page = as_senco.get(url).content.decode()
    assert 'aria-label="Exit score for Ben Brown"' in page
    data = {
        f"{amy}-sessions_attended": "30", f"{amy}-entry_score": "80", f"{amy}-exit_score": "86",
        f"{amy}-target_score": "85", f"{ben}-sessions_attended": "", f"{ben}-entry_score": "90",
        f"{ben}-exit_score": "300", f"{ben}-target_score": "",
    }  # fmt: skip
    response = as_senco.post(url, data)
    assert response.status_code == 200
    assert "Ben Brown: The exit score 300 is outside the range 40 to 160." in (
        response.content.decode()
    )
    assert 'value="300"' in response.content.decode()
    provision.amy_reading.refresh_from_db()
    assert provision.amy_reading.sessions_attended is None  # all or nothing

    response = as_senco.post(url, {**data, f"{ben}-exit_score": "97"})
    assert response.status_code == 302
    provision.ben_reading.refresh_from_db()
    assert provision.ben_reading.exit_score == D(97)
    # Gains 6 and 7 over entries 80 and 90: mean 6.5, entry SD 7.07…, effect size 0.92.
    page = as_senco.get(f"/provision/runs/{provision.reading_run.pk}/").content.decode()
    assert "6.5" in page and "0.92" in page and rules.EFFECT_SIZE_METHOD in page


def test_a_run_with_one_score_says_not_enough_scores(as_senco: Client, provision: Map) -> None:
    page = as_senco.get(f"/provision/runs/{provision.reading_run.pk}/").content.decode()
    assert rules.NOT_ENOUGH_SCORES in page


def test_changing_and_taking_out_a_pupil_and_deleting_a_run(
    as_senco: Client, provision: Map
) -> None:
    base = f"/provision/runs/{provision.reading_run.pk}/pupils/{provision.ben_reading.pk}/"
    data = {
        "start_date": "2025-10-01",
        "end_date": "2025-12-12",
        "sessions_attended": "20",
        "entry_score": "90",
        "exit_score": "",
        "target_score": "",
        "outcome": "Left early.",
    }
    assert as_senco.post(base, data).status_code == 302
    provision.ben_reading.refresh_from_db()
    assert provision.ben_reading.start_date == dt.date(2025, 10, 1)
    outside = as_senco.post(base, {**data, "start_date": "2025-01-01"})
    assert outside.status_code == 200 and "must fall within the run" in outside.content.decode()
    assert as_senco.post(base + "remove/", {"reason": ""}).status_code == 302
    assert not Enrolment.objects.filter(pk=provision.ben_reading.pk).exists()
    delete = f"/provision/runs/{provision.reading_run.pk}/delete/"
    assert as_senco.post(delete, {"reason": ""}).status_code == 200  # a reason is needed
    assert as_senco.post(delete, {"reason": "Set up twice."}).status_code == 302
    assert not Run.objects.filter(pk=provision.reading_run.pk).exists()


def test_the_training_log(as_senco: Client, provision: Map, teacher: User) -> None:
    data = {"user": "", "name": "", "what": "Makaton", "level": "awareness",
            "need_area": "communication", "on": "2025-10-10"}  # fmt: skip
    response = as_senco.post("/provision/training/new/", data)
    assert response.status_code == 200 and rules.TRAINING_WHO_MISSING in response.content.decode()
    response = as_senco.post("/provision/training/new/", {**data, "name": "Whole staff"})
    assert response.status_code == 302
    page = as_senco.get("/provision/training/").content.decode()
    assert "Communication and interaction" in page and "Whole staff" in page
    record = TrainingRecord.objects.get(what="Makaton")
    url = f"/provision/training/{record.pk}/"
    assert as_senco.post(url, {**data, "user": teacher.pk, "name": ""}).status_code == 302
    record.refresh_from_db()
    assert record.user == teacher
    assert as_senco.post(url + "delete/", {}).status_code == 302
    assert not TrainingRecord.objects.filter(pk=record.pk).exists()


def test_the_threshold_setting(as_senco: Client, school: School) -> None:
    page = as_senco.get("/provision/settings/").content.decode()
    assert "£6,000.00" in page
    assert as_senco.post("/provision/settings/", {"threshold": "0"}).status_code == 200
    assert as_senco.post("/provision/settings/", {"threshold": "7500"}).status_code == 302
    assert ProvisionSettings.objects.get(school=school).topup_threshold == D("7500.00")
    assert as_senco.post("/provision/settings/", {"threshold": ""}).status_code == 302
    assert ProvisionSettings.objects.get(school=school).topup_threshold is None


def test_the_map_page_and_its_htmx_fragment(as_senco: Client, provision: Map) -> None:
    page = as_senco.get("/provision/").content.decode()
    assert "<h1>Provision map</h1>" in page
    assert "£9,633.00" in page  # the year's total cost
    assert "Download one row per pupil per run" in page
    fragment = as_senco.get("/provision/?need=SPLD", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<h1>" not in text and 'id="results"' in text
    assert "£9,489.25" in text and "£9,633.00" not in text


def test_top_up_candidates_with_their_evidence(as_senco: Client, provision: Map) -> None:
    page = as_senco.get("/provision/top-up/").content.decode()
    assert "1 pupil above the threshold" in page
    assert "Amy Adams" in page and "£3,489.25 above the threshold" in page
    assert "One-to-one support" in page and "£9,405.00" in page
    assert "Ben Brown" not in page


def test_needs_impact_and_comparison_pages(as_senco: Client, provision: Map) -> None:
    needs = as_senco.get("/provision/needs/").content.decode()
    assert "SLCN – Speech, language and communication needs" in needs
    impact = as_senco.get("/provision/impact/").content.decode()
    assert "Precision teaching" in impact and rules.NOT_ENOUGH_SCORES in impact
    compare = as_senco.get("/provision/impact/compare/?need=SPLD").content.decode()
    assert "Interventions that target SPLD – Specific learning difficulty, side by side" in compare
    assert "One-to-one support" in compare and "Talk Boost" not in compare


def test_the_pupil_page_shows_provision_and_cost_against_the_threshold(
    as_senco: Client, provision: Map, client: Client, teacher: User
) -> None:
    page = as_senco.get(f"/pupils/{provision.amy.pk}/").content.decode()
    assert "Provision in 2025/26" in page
    assert "£9,489.25" in page and "above the top-up threshold of £6,000.00" in page
    client.force_login(teacher)
    taught = client.get(f"/pupils/{provision.taught_talk.pupil_id}/").content.decode()
    assert "Talk Boost" in taught and "18 hours of provision this school year" in taught
    assert "£" not in taught


def test_home_panels_for_each_role(
    provision: Map, client: Client, senco: User, teacher: User, governor: User
) -> None:
    client.force_login(senco)
    home = client.get("/").content.decode()
    assert "Candidates for top-up funding (1)" in home and "Amy Adams" in home
    client.force_login(teacher)
    home = client.get("/").content.decode()
    assert "Interventions you deliver" in home and "Precision teaching" in home
    client.force_login(governor)
    home = client.get("/").content.decode()
    assert "Fewer than 5 pupils are receiving provision" in home
    assert "Amy" not in home


def test_the_map_page_takes_the_same_queries_for_more_pupils(
    as_senco: Client, school: School, provision: Map, django_assert_max_num_queries: Any
) -> None:
    pupils: list[Pupil] = register_in_bulk(school, 80, needs=("SPLD",))
    Enrolment.objects.bulk_create(
        Enrolment(run=provision.reading_run, pupil=p, start_date=provision.reading_run.start_date,
                  end_date=provision.reading_run.end_date)
        for p in pupils
    )  # fmt: skip
    with django_assert_max_num_queries(12):
        assert as_senco.get("/provision/?need=SPLD").status_code == 200
    with django_assert_max_num_queries(12):
        assert as_senco.get("/provision/top-up/").status_code == 200


def test_changes_made_on_pages_are_in_the_audit_trail(as_senco: Client, provision: Map) -> None:
    as_senco.post(f"/provision/interventions/{provision.talk.pk}/retire/")
    event = AuditEvent.objects.get(type="provision.intervention_retired")
    assert event.school_id == provision.talk.school_id
    page = as_senco.get("/audit/").content.decode()
    assert "Intervention retired" in page


def test_a_new_pupil_needs_no_provision_to_show_the_section(
    as_senco: Client, school: School
) -> None:
    pupil = PupilFactory(school=school)
    page = as_senco.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "No intervention this school year." in page
