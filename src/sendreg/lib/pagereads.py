"""Reads shared by the parts of one page: what several panels need is read once.

A page made of many apps' panels (the home page) asks several of them for the same
thing: the register's counts, the support lists, the census date overrides. Inside
``page_reads()`` a read wrapped in ``shared(key, read)`` is done once and its answer
handed to every later caller with the same key; outside it, ``shared`` just reads.

Only for reads of one request (a GET never writes, so nothing the answers come from
changes meanwhile). Keys name what was read and everything it depends on (the school,
the day, the options), so that two different reads never share an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_answers: ContextVar[dict[Hashable, Any] | None] = ContextVar("page_reads", default=None)


@contextmanager
def page_reads() -> Iterator[None]:
    """Share reads made with ``shared`` until the block ends (one page's build)."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def shared(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, or inside ``page_reads()`` the answer an earlier read with ``key`` gave."""
    answers = _answers.get()
    if answers is None:
        return read()
    if key not in answers:
        answers[key] = read()
    return answers[key]  # type: ignore[no-any-return]


def remember(key: Hashable, answer: T) -> T:
    """Give later ``shared`` reads with ``key`` this answer (one the page already read)."""
    answers = _answers.get()
    if answers is not None:
        answers.setdefault(key, answer)
    return answer


def already_read(key: Hashable, default: T) -> Any | T:
    """The answer a read with ``key`` gave earlier on this page, or ``default`` if none has
    (for a reader that can read more cheaply what it would otherwise read with it)."""
    answers = _answers.get()
    if answers is None:
        return default
    return answers.get(key, default)
