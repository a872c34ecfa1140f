"""The demo's trust: the demo school is in it, and the demo adviser sees its page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from sendreg.accounts.models import Organisation, User
from sendreg.demo import demo_fill
from sendreg.organisations.demo import DEMO_TRUST

# What the demo holds is decided in Python: checked on the first (SQLite) pass only.
pytestmark = [pytest.mark.django_db, pytest.mark.one_pass]


def test_the_demo_puts_its_schools_in_a_trust_the_adviser_sees(client: Client) -> None:
    result = demo_fill(pupils=30, schools=2, today=dt.date(2026, 1, 10))
    trust = Organisation.objects.get(name=DEMO_TRUST)
    assert trust.kind == Organisation.Kind.TRUST
    assert sorted(s.name for s in trust.schools.all()) == sorted(
        {school for _, _, school in result.logins}
    )
    adviser = User.objects.get(email="adviser@oakfield.sendreg.test")
    assert trust.memberships.filter(user=adviser, role="adviser").exists()
    client.force_login(adviser)
    assert f'href="/org/{trust.pk}/"' in client.get("/").content.decode()
    page = client.get(f"/org/{trust.pk}/")
    assert page.status_code == 200
    assert DEMO_TRUST in page.content.decode()
    # Filling again changes nothing.
    demo_fill(pupils=30, schools=2, today=dt.date(2026, 1, 10))
    assert Organisation.objects.count() == 1
