"""One page of a long list at a time, with links that keep the rest of the query string.

A page may show several lists (an import's preview has its skipped rows,
warnings, differences and changes); each has its own query parameter, so moving
through one leaves the others where they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.paginator import Paginator
from django.http import QueryDict

T = TypeVar("T")

#: Rows per page of a list: enough to scan, few enough that a page stays small.
PER_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    pages: int
    total: int
    #: The 1-based positions of the first and last item shown.
    first: int
    last: int
    #: Query strings (without "?") for the neighbouring pages, "" when there is none.
    previous_query: str
    next_query: str

    @property
    def several(self) -> bool:
        return self.pages > 1


def paginate(
    items: Sequence[T], query: QueryDict, *, param: str, per_page: int = PER_PAGE
) -> Page[T]:
    """The page of ``items`` that ``query[param]`` asks for (the first for a missing or bad one,
    the last for one past the end)."""
    paginator = Paginator(items, per_page, allow_empty_first_page=True)
    page = paginator.get_page(query.get(param))

    def link(number: int) -> str:
        linked = query.copy()
        linked[param] = str(number)
        return linked.urlencode()

    return Page(
        items=list(page.object_list),
        number=page.number,
        pages=paginator.num_pages,
        total=paginator.count,
        first=page.start_index(),
        last=page.end_index(),
        previous_query=link(page.number - 1) if page.has_previous() else "",
        next_query=link(page.number + 1) if page.has_next() else "",
    )
