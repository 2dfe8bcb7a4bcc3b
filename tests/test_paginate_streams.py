"""Pages over one-shot streams: one pass, and no more rows held than the page needs."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stream_filters import QUERY_CALLS
from stream_filters.memory import paginate, sort_rows


class Row(dict[str, Any]):
    """A dict that can be weakly referenced, to count the rows still alive."""


def _rows(n: int) -> list[dict[str, Any]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [{"cid": f"c{i:05d}", "created_at": start + timedelta(minutes=(i * 7919) % n)} for i in range(n)]


class Stream:
    """Yields fresh copies of `rows` once; records how many are alive at each step."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.alive = 0
        self.most_alive = 0
        self.reads = 0

    def _gone(self) -> None:
        self.alive -= 1

    def __iter__(self) -> Iterator[Row]:
        self.reads += 1
        for row in self.rows:
            copy = Row(row)
            weakref.finalize(copy, self._gone)
            self.alive += 1
            self.most_alive = max(self.most_alive, self.alive)
            yield copy


@pytest.mark.parametrize("direction", ["first", "next", "prev"])
@pytest.mark.parametrize("limit", [1, 10])
def test_a_stream_is_read_once_and_only_the_page_is_held(direction: str, limit: int) -> None:
    rows = _rows(2000)
    body: dict[str, Any] = {"limit": limit}
    if direction != "first":
        first = paginate(QUERY_CALLS.parse({"limit": limit}), rows)
        second = paginate(QUERY_CALLS.parse({"limit": limit, "next": first.next}), rows)
        body[direction] = second.next if direction == "next" else second.prev
    stream = Stream(rows)
    page = paginate(QUERY_CALLS.parse(body), stream)
    assert stream.reads == 1
    # The heap of limit + 1 and the nearest row behind the boundary, plus the
    # few rows heapq and the generators hold between steps: constant, not 2,000.
    assert stream.most_alive <= limit + 5
    ordered = sort_rows(QUERY_CALLS.parse(body), rows)
    offset = {"first": 0, "next": 2 * limit, "prev": 0}[direction]
    assert [r["cid"] for r in page.items] == [r["cid"] for r in ordered[offset : offset + limit]]
