"""The keyset range plan (`sqlcore.keyset.ranges`), the one both SQL backends
render: for every small sort (directions, nullable keys) and every boundary,
the ranges are disjoint, their union is exactly the rows after the boundary
in the sort's order (NULL lowest, SPEC §5), and each range's rows all come
before the next range's (nearest first)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest

from stream_filters.sqlcore.keyset import Range, RangeKind, ranges

Values = tuple[int | None, ...]


def _key(row: Values, ascending: Sequence[bool]) -> tuple[Any, ...]:
    """The sort key: NULL lowest, each key in its direction."""
    out: list[Any] = []
    for value, up in zip(row, ascending, strict=True):
        rank = (0, 0) if value is None else (1, value)
        out.append(rank if up else (-rank[0], -rank[1]))
    return tuple(out)


def _holds(r: Range, row: Values, boundary: Values) -> bool:
    """`r` as SQL reads it: equal (or both NULL) before `start`, then its test."""
    if any(row[i] != boundary[i] for i in range(r.start)):
        return False
    value = row[r.start]
    if r.kind is RangeKind.NOT_NULL:
        return value is not None
    if r.kind is RangeKind.NULL:
        return value is None
    # A row comparison decides on the first pair that differs or holds a NULL
    # (then it is NULL: not true), as SQL compares `(a, b) > (x, y)`.
    for i in range(r.start, r.end + 1):
        mine, theirs = row[i], boundary[i]
        if mine is None or theirs is None:
            return False
        if mine != theirs:
            return mine > theirs if r.ascending else mine < theirs
    return r.inclusive


SHAPES = [
    (ascending, nullable)
    for n in (1, 2, 3)
    for ascending in itertools.product((True, False), repeat=n)
    for nullable in itertools.product((True, False), repeat=n)
    if not nullable[-1]  # the tie-breaker is never NULL
]


@pytest.mark.parametrize(("ascending", "nullable"), SHAPES)
def test_ranges_are_the_rows_after_the_boundary_nearest_first(
    ascending: tuple[bool, ...], nullable: tuple[bool, ...]
) -> None:
    domains = [(None, 1, 2) if can else (1, 2) for can in nullable]
    rows: list[Values] = list(itertools.product(*domains))
    for boundary in rows:
        nulls = tuple(v is None for v in boundary)
        for inclusive in (False, True):
            plan = ranges(ascending, nullable, nulls, inclusive)
            after = sorted(
                (r for r in rows if _key(r, ascending) > _key(boundary, ascending) or (inclusive and r == boundary)),
                key=lambda r: _key(r, ascending),
            )
            found = [[row for row in rows if _holds(r, row, boundary)] for r in plan]
            # Disjoint, nearest first: the ranges' rows in order are the rows after, in order.
            walked = [row for part in found for row in sorted(part, key=lambda r: _key(r, ascending))]
            assert walked == after, (ascending, nullable, boundary, inclusive, plan)


def test_consecutive_keys_in_one_direction_are_one_row_comparison() -> None:
    plan = ranges((True, True, False), (False, False, False), (False, False, False))
    assert [(r.kind, r.start, r.end) for r in plan] == [
        (RangeKind.BEYOND, 2, 2),
        (RangeKind.BEYOND, 0, 1),
    ]


def test_a_nullable_descending_key_has_its_nulls_as_their_own_range() -> None:
    plan = ranges((False, False), (True, False), (False, False))
    assert [(r.kind, r.start, r.end) for r in plan] == [
        (RangeKind.BEYOND, 0, 1),
        (RangeKind.NULL, 0, 0),
    ]
    # A NULL boundary value: ascending, every non-NULL value follows; descending, nothing.
    assert [r.kind for r in ranges((True, True), (True, False), (True, False))] == [
        RangeKind.BEYOND,
        RangeKind.NOT_NULL,
    ]
    assert [r.kind for r in ranges((False, True), (True, False), (True, False))] == [RangeKind.BEYOND]
