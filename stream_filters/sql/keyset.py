"""Keyset predicates that stay index seeks, with mixed directions and NULLs.

"Rows after the boundary" is a union of disjoint ranges, nearest first: for
each sort key i (last to first), the rows equal to the boundary on keys
before i and beyond it on key i. Consecutive keys in one direction whose
boundary values are not NULL merge into one row comparison
`(a, b) > (?, ?)`, which SQLite and PostgreSQL seek in an index (the
expanded `a > ? OR (a = ? AND b > ?)` makes SQLite scan). NULL sorts lowest,
so a descending walk meets the NULLs of a key after its non-NULL values: that
range (`a IS NULL`) is its own part. Each part runs as its own query with the
same ORDER BY and LIMIT, in order, until enough rows are found: every query
is a seek on the sort index, and no predicate needs `OR ... IS NULL`, which
would make PostgreSQL abandon the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import UnaryExpression

from ..cursors import SortValue
from .dialects import Bool, Dialect, Expr


@dataclass(frozen=True, slots=True)
class SortColumn:
    expr: Expr  # as compared and ordered (strings carry their collation)
    raw: Expr  # as selected
    ascending: bool
    nullable: bool


@dataclass(slots=True)
class _Range:
    kind: str  # "beyond", "not_null" or "null"
    start: int
    end: int
    inclusive: bool = False


def order_by(columns: Sequence[SortColumn], forward: bool, dialect: Dialect) -> list[UnaryExpression[Any]]:
    return [dialect.order(c.expr, c.ascending == forward, c.nullable) for c in columns]


def parts(
    columns: Sequence[SortColumn],
    nulls: Sequence[bool] | None,
    forward: bool,
    dialect: Dialect,
    inclusive: bool = False,
) -> list[Bool]:
    """Predicates for the ranges after a boundary whose values are NULL where
    `nulls` says (None: no boundary), nearest first. Boundary values are the
    bound parameters `sf_b0`, `sf_b1`, ... (see `parameters`). `inclusive`:
    the nearest range also holds the boundary row itself, if it exists."""
    if nulls is None:
        return [sa.true()]
    ascending = [c.ascending == forward for c in columns]
    ranges: list[_Range] = []
    for i in reversed(range(len(columns))):
        is_null = nulls[i]
        if ascending[i]:
            if is_null:
                ranges.append(_Range("not_null", i, i))
            elif _extends(ranges, i, ascending):
                ranges[-1].start = i
            else:
                ranges.append(_Range("beyond", i, i))
        elif not is_null:
            if _extends(ranges, i, ascending):
                ranges[-1].start = i
            else:
                ranges.append(_Range("beyond", i, i))
            if columns[i].nullable:
                ranges.append(_Range("null", i, i))
    if inclusive:
        ranges[0].inclusive = True  # the nearest range ends on the tie-breaker, never NULL
    return [_predicate(columns, nulls, r, ascending, dialect) for r in ranges]


def _extends(ranges: list[_Range], i: int, ascending: list[bool]) -> bool:
    last = ranges[-1] if ranges else None
    return last is not None and last.kind == "beyond" and last.start == i + 1 and ascending[i] == ascending[i + 1]


def _predicate(
    columns: Sequence[SortColumn], nulls: Sequence[bool], r: _Range, ascending: list[bool], dialect: Dialect
) -> Bool:
    terms: list[Bool] = []
    for i, column in enumerate(columns[: r.start]):
        terms.append(dialect.is_null(column.expr) if nulls[i] else column.expr == _param(columns, i))
    column = columns[r.start]
    if r.kind == "not_null":
        terms.append(column.expr.is_not(None))
    elif r.kind == "null":
        terms.append(dialect.is_null(column.expr))
    else:
        span = range(r.start, r.end + 1)
        values = [_param(columns, i) for i in span]
        terms.append(dialect.beyond([columns[i].expr for i in span], values, ascending[r.start], r.inclusive))
    return sa.and_(*terms)


LIMIT_PARAM = "sf_limit"


def _param(columns: Sequence[SortColumn], i: int) -> Expr:
    return sa.bindparam(f"sf_b{i}", type_=columns[i].raw.type)


def parameters(columns: Sequence[SortColumn], boundary: Sequence[SortValue] | None, dialect: Dialect) -> dict[str, Any]:
    """The bound values for `parts`: `sf_b<i>` for each non-NULL boundary value."""
    params: dict[str, Any] = {}
    for i, (column, value) in enumerate(zip(columns, boundary or (), strict=False)):
        if isinstance(value, datetime):
            value = dialect.datetime_param(value, column.raw.type)
        if value is not None:
            params[f"sf_b{i}"] = value
    return params
