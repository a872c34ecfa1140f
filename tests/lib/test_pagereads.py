"""One page's shared reads: read once inside ``page_reads``, every time outside it."""

from __future__ import annotations

from sendreg.lib.pagereads import already_read, page_reads, remember, shared


def test_outside_a_page_every_call_reads() -> None:
    calls: list[int] = []
    assert shared("k", lambda: calls.append(1) or len(calls)) == 1
    assert shared("k", lambda: calls.append(1) or len(calls)) == 2


def test_inside_a_page_a_key_is_read_once_and_different_keys_apart() -> None:
    calls: list[str] = []

    def read(name: str) -> str:
        calls.append(name)
        return name.upper()

    with page_reads():
        assert shared(("a", 1), lambda: read("a")) == "A"
        assert shared(("a", 1), lambda: read("again")) == "A"
        assert shared(("a", 2), lambda: read("b")) == "B"
        remember("c", "given")
        assert shared("c", lambda: read("c")) == "given"
    assert calls == ["a", "b"]
    # The page's answers end with it.
    assert shared(("a", 1), lambda: read("after")) == "AFTER"


def test_pages_do_not_share_with_each_other() -> None:
    with page_reads():
        shared("k", lambda: "first page")
    with page_reads():
        assert shared("k", lambda: "second page") == "second page"


def test_already_read_gives_an_answer_of_the_page_or_the_default() -> None:
    unread = object()
    assert already_read("k", unread) is unread  # outside a page nothing is kept
    with page_reads():
        assert already_read("k", unread) is unread
        remember("k", None)  # None is an answer like any other
        assert already_read("k", unread) is None
        shared("j", lambda: 3)
        assert already_read("j", unread) == 3
    assert already_read("k", unread) is unread
