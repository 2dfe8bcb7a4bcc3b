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


def order_by(columns: Sequence[SortColumn], forward: bool, dialect: Dialect) -> list[UnaryExpression[Any]]:
    return [dialect.order(c.expr, c.ascending == forward, c.nullable) for c in columns]


def parts(
    columns: Sequence[SortColumn], boundary: Sequence[SortValue] | None, forward: bool, dialect: Dialect
) -> list[Bool]:
    """Predicates for the ranges after `boundary`, nearest first."""
    if boundary is None:
        return [sa.true()]
    ascending = [c.ascending == forward for c in columns]
    ranges: list[_Range] = []
    for i in reversed(range(len(columns))):
        value = boundary[i]
        if ascending[i]:
            if value is None:
                ranges.append(_Range("not_null", i, i))
            elif _extends(ranges, i, ascending):
                ranges[-1].start = i
            else:
                ranges.append(_Range("beyond", i, i))
        elif value is not None:
            if _extends(ranges, i, ascending):
                ranges[-1].start = i
            else:
                ranges.append(_Range("beyond", i, i))
            if columns[i].nullable:
                ranges.append(_Range("null", i, i))
    return [_predicate(columns, boundary, r, ascending, dialect) for r in ranges]


def _extends(ranges: list[_Range], i: int, ascending: list[bool]) -> bool:
    last = ranges[-1] if ranges else None
    return last is not None and last.kind == "beyond" and last.start == i + 1 and ascending[i] == ascending[i + 1]


def _predicate(
    columns: Sequence[SortColumn], boundary: Sequence[SortValue], r: _Range, ascending: list[bool], dialect: Dialect
) -> Bool:
    terms: list[Bool] = []
    for column, value in zip(columns[: r.start], boundary[: r.start], strict=True):
        terms.append(column.expr.is_(None) if value is None else column.expr == bind(column, value, dialect))
    column = columns[r.start]
    if r.kind == "not_null":
        terms.append(column.expr.is_not(None))
    elif r.kind == "null":
        terms.append(column.expr.is_(None))
    else:
        span = columns[r.start : r.end + 1]
        values = [bind(c, v, dialect) for c, v in zip(span, boundary[r.start : r.end + 1], strict=True)]
        terms.append(dialect.beyond([c.expr for c in span], values, ascending[r.start]))
    return sa.and_(*terms)


def bind(column: SortColumn, value: SortValue, dialect: Dialect) -> Expr:
    if isinstance(value, datetime):
        value = dialect.datetime_param(value, column.raw.type)
    return sa.literal(value, type_=column.raw.type)
