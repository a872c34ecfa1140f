"""The bulk writers put exactly the given values in, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from sendreg.audit.models import AuditEvent
from sendreg.lib.bulk import bulk_insert, bulk_update
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn


def test_inserted_rows_read_back_with_their_types(school) -> None:
    fields = ["school_id", "upn", "legal_surname", "legal_forename", "date_of_birth",
              "year_group", "eal", "attendance", "leaving_date", "mis_fingerprint"]  # fmt: skip
    rows = [
        (school.pk, make_upn(801, 2000, 20, n), f"Surname {n}", "Ann", dt.date(2012, 9, n + 1),
         7, n % 2 == 0, Decimal("94.5") if n else None, None, "f" * 32)
        for n in range(3)
    ]  # fmt: skip
    assert bulk_insert(Pupil, fields, rows) == 3

    pupils = list(Pupil.objects.order_by("legal_surname"))
    assert [p.legal_surname for p in pupils] == ["Surname 0", "Surname 1", "Surname 2"]
    first = Pupil.objects.get(upn=make_upn(801, 2000, 20, 1))
    assert first.date_of_birth == dt.date(2012, 9, 2)
    assert first.attendance == Decimal("94.5") and first.eal is False
    assert Pupil.objects.get(upn=make_upn(801, 2000, 20, 0)).attendance is None


def test_json_and_aware_datetimes_are_stored_as_given(school) -> None:
    at = timezone.now().replace(microsecond=0)
    fields = ["at", "school_id", "actor_id", "actor_label", "type", "target_model",
              "target_id", "pupil_id", "pupil_label", "old", "new", "reason", "source"]  # fmt: skip
    row = (at, school.pk, None, "sendreg", "pupil.updated", "pupils.pupil", 1, 1, "Ann",
           {"attendance": "90"}, {"attendance": "95.5", "list": [1, 2]}, "", "import")  # fmt: skip
    bulk_insert(AuditEvent, fields, [row, row])
    events = list(AuditEvent.objects.all())
    assert len(events) == 2
    assert events[0].at == at
    assert events[0].new == {"attendance": "95.5", "list": [1, 2]}


def test_updates_set_each_row_by_key_and_nothing_else(school) -> None:
    pupils = [
        Pupil.objects.create(school=school, upn=make_upn(801, 2000, 20, n), legal_surname="Old",
                             legal_forename="Ann", date_of_birth=dt.date(2012, 1, 1))
        for n in range(3)
    ]  # fmt: skip
    changed = bulk_update(
        Pupil,
        ["legal_surname", "attendance", "leaving_date"],
        [
            (pupils[0].pk, "New", Decimal("88"), dt.date(2026, 7, 22)),
            (pupils[2].pk, "Newer", None, None),
        ],
    )
    assert changed == 2
    values = {p.pk: (p.legal_surname, p.attendance, p.leaving_date) for p in Pupil.objects.all()}
    assert values == {
        pupils[0].pk: ("New", Decimal("88"), dt.date(2026, 7, 22)),
        pupils[1].pk: ("Old", None, None),
        pupils[2].pk: ("Newer", None, None),
    }


def test_nothing_to_write_writes_nothing(school, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert bulk_insert(Pupil, ["upn"], []) == 0
        assert bulk_update(Pupil, ["upn"], []) == 0
