"""Audit values written in bulk are encoded as ``json.JSONEncoder().encode`` would, and
read back as they were given."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from sendreg.audit.models import AuditEvent
from sendreg.lib.bulk import bulk_insert, driver_value
from sendreg.lib.jsontext import json_encoder

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(values)
def test_the_encoder_gives_what_json_gives(value):
    assert json_encoder()(value) == json.JSONEncoder().encode(value)


def test_prepared_values_are_written_as_given(db):
    encode = json_encoder()
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    old, new = {"attendance": "90.5", "eal": False}, {"attendance": "91.0", "eal": True}
    fields = ["at", "school_id", "actor_label", "type", "target_model", "target_id", "old", "new"]
    row = (driver_value(AuditEvent, "at", at), 1, "sendreg", "pupil.updated", "pupils.pupil", 7)
    bulk_insert(AuditEvent, fields, [(*row, encode(old), encode(new))], raw=("at", "old", "new"))
    event = AuditEvent.objects.get()
    assert (event.at, event.old, event.new) == (at, old, new)
