"""``sendreg org add``, ``add-school``, ``list`` and ``user add --org``, and their services."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from sendreg import cli
from sendreg.accounts.models import (
    Membership,
    Organisation,
    OrganisationMembership,
    School,
    User,
)
from sendreg.audit.models import AuditEvent
from sendreg.organisations import services
from sendreg.organisations.models import OrganisationAudit
from tests.organisations.conftest import organisation_of

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_org_add_a_trust_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "org", "add", "Oak Learning Trust", "--kind", "trust", "--json")
    assert (code, err) == (0, "")
    organisation = Organisation.objects.get()
    assert json.loads(out) == {
        "id": organisation.pk, "name": "Oak Learning Trust", "kind": "trust", "la_code": None,
        "schools": [],
    }  # fmt: skip


def test_org_add_a_local_authority_with_its_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "org", "add", "Bristol", "--kind", "la", "--la-code", "801")
    assert code == 0
    assert out == "Added Bristol (LA 801) (local authority).\n"
    assert Organisation.objects.get().la_code == "801"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["X", "--kind", "la"], "A local authority needs its 3-digit LA code (--la-code)"),
        (["X", "--kind", "la", "--la-code", "999"], "999 is not a local authority's number."),
        (["X", "--kind", "la", "--la-code", "80"], "80 is not a local authority's number."),
        (["X", "--kind", "trust", "--la-code", "801"], "Only a local authority has an LA code"),
    ],
)
def test_org_add_refuses_a_wrong_la_code(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "org", "add", *argv)
    assert code == 2 and out == ""
    assert message in err
    assert not Organisation.objects.exists()


def test_org_add_refuses_a_second_organisation_of_the_same_name_or_la(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "org", "add", "Bristol", "--kind", "la", "--la-code", "801")
    code, _, err = run(capsys, "org", "add", "bristol", "--kind", "trust")
    assert code == 2 and "There is already an organisation called bristol." in err
    code, _, err = run(capsys, "org", "add", "City of Bristol", "--kind", "la", "--la-code", "801")
    assert code == 2 and "LA 801 is already there, as Bristol." in err
    assert Organisation.objects.count() == 1


def test_org_add_school_puts_the_school_in_and_audits_it_in_the_schools_trail(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    trust = organisation_of("Oak Learning Trust", [])
    code, out, _ = run(capsys, "org", "add-school", "oak learning trust", "--school", school.urn)
    assert code == 0
    assert out == "Added Oakfield Academy to Oak Learning Trust.\n"
    assert list(trust.schools.all()) == [school]
    event = AuditEvent.objects.get(type=OrganisationAudit.SCHOOL_JOINED)
    assert event.school_id == school.pk
    assert event.new["organisation"] == "Oak Learning Trust"
    assert event.actor_label.startswith("sendreg org on the command line")
    # Again: nothing changes, nothing more is written.
    code, out, _ = run(capsys, "org", "add-school", "Oak Learning Trust", "--school", school.urn)
    assert code == 0
    assert out == "Oakfield Academy is already in Oak Learning Trust; nothing changed.\n"
    assert AuditEvent.objects.filter(type=OrganisationAudit.SCHOOL_JOINED).count() == 1


def test_org_add_school_says_which_is_unknown(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    code, _, err = run(capsys, "org", "add-school", "Nowhere Trust", "--school", school.urn)
    assert code == 2
    assert "No trust or local authority is called 'Nowhere Trust'." in err
    organisation_of("Oak Learning Trust", [])
    code, _, err = run(capsys, "org", "add-school", "Oak Learning Trust", "--school", "999999")
    assert code == 2
    assert "No school has URN 999999. `sendreg school list` shows them." in err


def test_a_local_authority_takes_only_the_schools_of_its_area(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    # Oakfield's LAESTAB is 8012000: local authority 801.
    organisation_of("Camden", [], kind="la", la_code="202")
    code, _, err = run(capsys, "org", "add-school", "202", "--school", school.urn)
    assert code == 2
    assert "Oakfield Academy is in local authority 801 (its LAESTAB 8012000 begins so)" in err
    assert not Organisation.objects.get().schools.exists()
    organisation_of("Bristol", [], kind="la", la_code="801")
    code, _, _ = run(capsys, "org", "add-school", "801", "--school", school.urn)
    assert code == 0


def test_org_list_as_json(capsys: pytest.CaptureFixture[str], school: School) -> None:
    trust = organisation_of("Oak Learning Trust", [school])
    code, out, _ = run(capsys, "org", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"id": trust.pk, "name": "Oak Learning Trust", "kind": "trust", "la_code": None,
         "schools": [school.urn]},
    ]  # fmt: skip


def test_user_add_org_gives_a_role_in_the_organisation_audited_in_each_school(
    capsys: pytest.CaptureFixture[str], school: School, other_school: School
) -> None:
    trust = organisation_of("Oak Learning Trust", [school, other_school])
    code, out, _ = run(
        capsys, "user", "add", "Lead@Trust.test", "--org", "Oak Learning Trust",
        "--role", "send_lead", "--name", "Lena Lead", "--generate-password",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == "Added lead@trust.test as SEND lead of Oak Learning Trust."
    user = User.objects.get(email="lead@trust.test")
    assert OrganisationMembership.objects.get(user=user).organisation == trust
    assert not Membership.objects.filter(user=user).exists()
    events = AuditEvent.objects.filter(type=OrganisationAudit.MEMBER_ADDED)
    assert sorted(e.school_id for e in events) == sorted([school.pk, other_school.pk])
    # A change of role is recorded as one.
    code, out, _ = run(capsys, "user", "add", "lead@trust.test", "--org", "Oak Learning Trust",
                       "--role", "adviser")  # fmt: skip
    assert out == "Updated lead@trust.test as Adviser of Oak Learning Trust.\n"
    changed = AuditEvent.objects.filter(type=OrganisationAudit.MEMBER_ROLE_CHANGED)
    assert changed.count() == 2
    assert changed.first().old == {"role": "send_lead"}  # type: ignore[union-attr]


def test_user_add_org_refuses_a_school_role_or_an_unknown_org_and_adds_no_one(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    organisation_of("Oak Learning Trust", [school])
    code, _, err = run(capsys, "user", "add", "x@trust.test", "--org", "Oak Learning Trust",
                       "--role", "senco")  # fmt: skip
    assert code == 2
    assert "'senco' is not a role in a trust or local authority. The roles are: adviser, " in err
    code, _, err = run(capsys, "user", "add", "x@trust.test", "--org", "Elm Trust",
                       "--role", "adviser")  # fmt: skip
    assert code == 2 and "No trust or local authority is called 'Elm Trust'." in err
    assert not User.objects.filter(email="x@trust.test").exists()


def test_user_add_takes_either_a_school_or_an_org(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["user", "add", "x@t.test", "--org", "A", "--school", school.urn, "--role", "a"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_membership_set_refuses_a_role_that_is_not_an_organisations(school: School) -> None:
    trust = organisation_of("Oak Learning Trust", [school])
    user = User.objects.create_user("x@trust.test", "pw-1234567890", name="X")
    with pytest.raises(ValidationError):
        services.organisation_membership_set(organisation=trust, user=user, role="head", by=None)
    assert not OrganisationMembership.objects.exists()
