"""One address pattern for a view gives the same address as ``reverse`` for every id."""

from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from sendreg.lib.urls import url_pattern

VIEWS = ["pupil_detail", "support_plan_detail", "support_pupil", "ehc_pupil"]


@given(view=st.sampled_from(VIEWS), pk=st.integers(1, 10**12))
def test_the_pattern_gives_what_reverse_gives(view: str, pk: int) -> None:
    assert url_pattern(view).format(pk) == reverse(view, args=[pk])


@pytest.mark.parametrize("prefix", ["/", "/sendreg/"])
def test_the_pattern_follows_the_address_the_site_is_served_under(prefix: str) -> None:
    set_script_prefix(prefix)
    try:
        assert url_pattern("pupil_detail").format(7) == reverse("pupil_detail", args=[7])
        assert url_pattern("pupil_detail").startswith(prefix)
    finally:
        clear_script_prefix()
