"""Keyset pages (SPEC §5), written once for every backend.

A backend supplies one primitive, `fetch(Fetch) -> rows`: at most `count`
matching rows strictly beyond a boundary, walking the query's order forwards or
backwards. The page logic is a plan that yields `Fetch` requests and receives
rows (sans-IO), so the same plan runs over sync and async stores.

- No cursor: the first `limit` rows; `next` if one more exists; no `prev`.
- `next` cursor: the `limit` rows after the boundary; `next` if one more
  follows; `prev` if any row precedes the first item.
- `prev` cursor: the `limit` rows before the boundary, in order; `prev` if one
  more precedes; `next` if any row follows the last item.
- An empty page (possible only when rows were deleted around a cursor) carries
  no cursors: the client starts again from the first page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from . import cursors
from .cursors import Secrets, SortValue
from .query import Direction, Query

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fetch:
    """Ask the store for at most `count` rows strictly beyond `after` (None: from
    the start), walking the sort order forwards or, if not `forward`, backwards."""

    after: tuple[SortValue, ...] | None
    forward: bool
    count: int


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next: str | None = None
    prev: str | None = None

    def to_dict(self, item: Callable[[T], Any] = lambda row: row) -> dict[str, Any]:
        return {"items": [item(row) for row in self.items], "next": self.next, "prev": self.prev}


Plan = Generator[Fetch, Sequence[T], Page[T]]


def plan(query: Query, sort_values: Callable[[T], tuple[SortValue, ...]], secret: Secrets) -> Plan[T]:
    """The requests that make one page, and the page they make."""
    boundary = cursors.decode(query, secret)
    limit = query.limit
    backward = boundary is not None and boundary.direction is Direction.PREV
    rows = yield Fetch(boundary.values if boundary else None, not backward, limit + 1)
    more = len(rows) > limit
    items = list(rows[:limit])
    if backward:
        items.reverse()
    if not items:
        return Page([])

    def cursor(direction: Direction, row: T) -> str:
        return cursors.encode(query, direction, sort_values(row), secret)

    if backward:
        after_last = yield Fetch(sort_values(items[-1]), True, 1)
        return Page(
            items,
            cursor(Direction.NEXT, items[-1]) if after_last else None,
            cursor(Direction.PREV, items[0]) if more else None,
        )
    before_first: Sequence[T] = ()
    if boundary is not None:
        before_first = yield Fetch(sort_values(items[0]), False, 1)
    return Page(
        items,
        cursor(Direction.NEXT, items[-1]) if more else None,
        cursor(Direction.PREV, items[0]) if before_first else None,
    )


def run(steps: Plan[T], fetch: Callable[[Fetch], Sequence[T]]) -> Page[T]:
    """Drive a plan against a synchronous store."""
    try:
        request = next(steps)
        while True:
            request = steps.send(fetch(request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_async(steps: Plan[T], fetch: Callable[[Fetch], Awaitable[Sequence[T]]]) -> Page[T]:
    """Drive a plan against an asynchronous store."""
    try:
        request = next(steps)
        while True:
            request = steps.send(await fetch(request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
