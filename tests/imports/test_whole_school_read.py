"""A big file is compared against the whole school read in one pass (``_plan_pupils``);
a small one against the pupils it names, in batches. Both must plan and write the same.

The sample files are small, so these tests run the re-import tests of ``test_services``
again with the threshold at nothing: every file takes the big file's way.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from sendreg.audit.models import AuditEvent
from sendreg.imports import services
from sendreg.imports.parsers import parse_export
from sendreg.pupils.models import Pupil
from tests.imports.test_services import (
    SIMS,
    _import,
    _rewrite,
)
from tests.imports.test_services import (
    test_a_change_made_while_the_file_is_planned_is_planned_again_not_overwritten_blind as test_replanned,  # noqa: E501
)
from tests.imports.test_services import (
    test_an_edit_in_sendreg_is_compared_in_full_by_the_next_import as test_edit_compared,
)
from tests.imports.test_services import (
    test_bad_rows_are_skipped_and_the_rest_imported as test_bad_rows,
)
from tests.imports.test_services import (
    test_changed_details_are_updated_and_audited_with_the_file as test_changed_details,
)
from tests.imports.test_services import (
    test_mis_marked_for_correction_stays_visible_until_the_mis_changes as test_mis_correction,
)
from tests.imports.test_services import (
    test_reimporting_the_same_file_changes_nothing as test_unchanged,
)
from tests.imports.test_services import (
    test_the_import_writes_in_a_number_of_queries_that_does_not_grow_with_the_file as test_queries,  # noqa: E501
)
from tests.imports.test_services import (
    test_whole_roll_lists_possible_leavers_and_marks_only_those_chosen as test_leavers,
)

__all__ = [
    "test_bad_rows", "test_changed_details", "test_edit_compared", "test_leavers",
    "test_mis_correction", "test_queries", "test_replanned", "test_unchanged",
]  # fmt: skip


@pytest.fixture(autouse=True)
def whole_school(monkeypatch):
    monkeypatch.setattr(services, "_COMPARE_WHOLE_SCHOOL", 0)
    # A few pupils at a time, so that the school is read in several fetches, as a big one is.
    monkeypatch.setattr(services, "_READ_CHUNK", 7)


@pytest.mark.parametrize("threshold", [0, 10_000])
def test_both_ways_plan_and_audit_the_same_changes(school, office, monkeypatch, threshold):
    monkeypatch.setattr(services, "_COMPARE_WHOLE_SCHOOL", threshold)
    _import(school, by=office)
    ahmed = Pupil.objects.get(upn="E801200019001")
    before = (ahmed.gender, ahmed.year_group, ahmed.reg_group)
    data = _rewrite(SIMS, "Campbell,Noah,,21/06/2013,M,7,7B", "Campbell,Noah,,21/06/2013,F,8,7C")
    data = data.replace(b",96.4,", b",90.0,", 1)

    plan, _ = _import(school, data=data, by=office)

    assert plan.summary()["updated"] == 2 and plan.unchanged == 18
    changes = {change.upn: change.changes for change in plan.updates}
    assert changes["H801200019003"] == {
        "gender": ("M", "F"), "year_group": (7, 8), "reg_group": ("7B", "7C")
    }  # fmt: skip
    events = AuditEvent.objects.filter(type=AuditEvent.Type.PUPIL_UPDATED)
    campbell = Pupil.objects.get(upn="H801200019003")
    event = events.get(pupil_id=campbell.pk)
    assert event.old == {"gender": "M", "year_group": 7, "reg_group": "7B"}
    assert event.new == {"gender": "F", "year_group": 8, "reg_group": "7C"}
    assert (campbell.gender, campbell.year_group, campbell.reg_group) == ("F", 8, "7C")
    # Each pupil is written every changed field of the file: their own new values, and
    # their row's (unchanged) values of the fields only the other pupil changed.
    ahmed = Pupil.objects.get(upn="E801200019001")
    assert ahmed.attendance == Decimal("90.0")
    assert (ahmed.gender, ahmed.year_group, ahmed.reg_group) == before
    assert events.get(pupil_id=ahmed.pk).new == {"attendance": "90"}
    # What is stored is the row's fingerprint: the next import of the same file is a no-op.
    again, _ = _import(school, data=data, by=office)
    assert (again.unchanged, again.updates) == (20, [])


@pytest.mark.parametrize(
    "name", ["sims_students.csv", "bromcom_students.csv", "arbor_students.xlsx", "bad_rows.csv"]
)
def test_the_row_reader_gives_the_values_and_fingerprint_of_the_row(name):
    """One call a row, and one format string, give what ``_row_values`` and
    ``_row_fingerprint`` say (the fingerprints already stored must still match)."""
    path = SIMS.parent / name
    rows = parse_export(path.read_bytes(), name, mapping=None, max_bytes=10**7).rows
    reader = services._RowReader(rows[0].present)
    for row in rows:
        values = services._row_values(row)
        assert dict(zip(reader.names, reader.values(row), strict=True)) == values
        fingerprint = services._row_fingerprint(row, values)
        assert reader.fingerprint(row, reader.values(row)) == fingerprint
