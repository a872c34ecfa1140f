"""The demo school's letters give its contact details and where to get impartial advice."""

from __future__ import annotations

import pytest

from sendreg.accounts.models import School
from sendreg.audit.models import AuditEvent
from sendreg.demo import demo_fill
from sendreg.documents import letters
from sendreg.documents.models import DocumentsAudit
from tests.conftest import TODAY


@pytest.mark.django_db
def test_the_demo_school_has_contact_details_for_its_letters() -> None:
    demo_fill(pupils=30, today=TODAY)
    school = School.objects.get()
    assert school.phone == "0117 496 0123"
    assert school.local_offer_url == "https://localoffer.example.org"
    assert letters.school_contact_notes(school) == []
    assert AuditEvent.objects.filter(type=DocumentsAudit.SCHOOL_CONTACT_CHANGED).count() == 1


@pytest.mark.django_db
def test_the_demo_makes_its_classes_through_the_audited_service_and_says_what_it_made() -> None:
    from sendreg.pupils.models import TeachingGroup

    result = demo_fill(pupils=30, today=TODAY)
    # Each app's filler reports what it made; ``sendreg demo`` prints these lines.
    assert result.report[0] == "Created Oakfield Academy with 30 pupils."
    assert any(line.startswith("  Support: ") for line in result.report[1:])
    assert any(line.startswith("  EHC") for line in result.report[1:])
    audited = AuditEvent.objects.filter(type=AuditEvent.Type.CLASSES_CHANGED, source="demo data")
    groups = set(TeachingGroup.objects.values_list("pk", flat=True))
    assert groups and {e.target_id for e in audited} == groups


# What the demo holds is decided in Python: checked on the first (SQLite) pass only.
pytestmark = pytest.mark.one_pass
