"""The keyset range plan: which ranges of rows follow a boundary, nearest first.

"Rows after the boundary" in the order of the sort keys (each ascending or
descending in this walk; NULL sorts lowest, SPEC §5) is a union of disjoint
ranges. For each key i, last to first: the rows equal to the boundary on the
keys before i (`IS NULL` where its value is NULL) and beyond it on key i.

- Consecutive keys in one direction whose boundary values are not NULL merge
  into one range compared as a row, `(a, b) > (?, ?)`, which SQLite and
  PostgreSQL seek in an index.
- A key whose boundary value is NULL: ascending, every non-NULL value is
  beyond it (`IS NOT NULL`); descending, nothing is (no range).
- A descending nullable key meets its NULLs after its non-NULL values: that
  range (`IS NULL`) is its own, so no predicate needs `OR ... IS NULL`,
  which would make PostgreSQL abandon the index.

Each range runs as its own query with the sort's ORDER BY and LIMIT, in
order, until enough rows are found. This module decides the ranges; each
SQL backend (`stream_filters.sql.keyset`, `stream_filters.django.paginate`)
renders them in its own expressions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache


class RangeKind(Enum):
    BEYOND = "beyond"  # keys start..end beyond the boundary, as one row comparison
    NOT_NULL = "not_null"  # key `start` is not NULL (its boundary value is NULL, ascending)
    NULL = "null"  # key `start` is NULL (descending, after its non-NULL values)


@dataclass(frozen=True, slots=True)
class Range:
    """Rows equal to the boundary on the keys before `start` (NULL where the
    boundary is NULL) and, on keys `start`..`end`, as `kind` says."""

    kind: RangeKind
    start: int
    end: int
    ascending: bool  # the walk's direction on keys start..end
    inclusive: bool = False  # BEYOND only: the row at the boundary belongs to it too


@lru_cache(maxsize=1024)
def ranges(
    ascending: tuple[bool, ...], nullable: tuple[bool, ...], nulls: tuple[bool, ...], inclusive: bool = False
) -> tuple[Range, ...]:
    """The ranges after a boundary, nearest first. `ascending[i]`: key i's
    direction in this walk (the sort's, reversed for a walk back);
    `nullable[i]`: whether key i can be NULL; `nulls[i]`: whether the
    boundary's value of key i is NULL. `inclusive`: the nearest range also
    holds the boundary row itself (it ends on the tie-breaker, never NULL)."""
    found: list[Range] = []
    for i in reversed(range(len(ascending))):
        if nulls[i]:
            if ascending[i]:
                found.append(Range(RangeKind.NOT_NULL, i, i, True))
            continue
        if _extends(found, i, ascending):
            found[-1] = replace(found[-1], start=i)
        else:
            found.append(Range(RangeKind.BEYOND, i, i, ascending[i]))
        if not ascending[i] and nullable[i]:
            found.append(Range(RangeKind.NULL, i, i, False))
    if inclusive and found:
        found[0] = replace(found[0], inclusive=True)
    return tuple(found)


def _extends(found: list[Range], i: int, ascending: Sequence[bool]) -> bool:
    """Whether key i joins the last range's row comparison."""
    last = found[-1] if found else None
    return (
        last is not None and last.kind is RangeKind.BEYOND and last.start == i + 1 and ascending[i] == ascending[i + 1]
    )
