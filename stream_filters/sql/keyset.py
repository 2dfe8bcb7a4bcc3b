"""Keyset predicates that stay index seeks, with mixed directions and NULLs:
the ranges of `sqlcore.keyset.ranges` (which ranges follow a boundary, nearest
first) as SQLAlchemy predicates. A row comparison `(a, b) > (?, ?)` is what
SQLite and PostgreSQL seek in an index (the expanded `a > ? OR (a = ? AND b >
?)` makes SQLite scan); MariaDB gets the expanded form (`Dialect.beyond`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.sql.elements import UnaryExpression

from ..cursors import SortValue
from ..sqlcore.keyset import Range, RangeKind, ranges
from .dialects import Bool, Dialect, Expr


@dataclass(frozen=True, slots=True)
class SortColumn:
    expr: Expr  # as compared and ordered (strings carry their collation)
    raw: Expr  # as selected
    ascending: bool
    nullable: bool


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
    `nulls` says (None: no boundary), nearest first (`sqlcore.keyset.ranges`).
    Boundary values are the bound parameters `sf_b0`, `sf_b1`, ... (see
    `parameters`). `inclusive`: the nearest range also holds the boundary row
    itself, if it exists."""
    if nulls is None:
        return [sa.true()]
    ascending = tuple(c.ascending == forward for c in columns)
    nullable = tuple(c.nullable for c in columns)
    plan = ranges(ascending, nullable, tuple(nulls), inclusive)
    return [_predicate(columns, nulls, r, dialect) for r in plan]


def _predicate(columns: Sequence[SortColumn], nulls: Sequence[bool], r: Range, dialect: Dialect) -> Bool:
    terms: list[Bool] = []
    for i, column in enumerate(columns[: r.start]):
        terms.append(dialect.is_null(column.expr) if nulls[i] else column.expr == _param(columns, i))
    column = columns[r.start]
    match r.kind:
        case RangeKind.NOT_NULL:
            terms.append(column.expr.is_not(None))
        case RangeKind.NULL:
            terms.append(dialect.is_null(column.expr))
        case RangeKind.BEYOND:
            span = range(r.start, r.end + 1)
            values = [_param(columns, i) for i in span]
            terms.append(dialect.beyond([columns[i].expr for i in span], values, r.ascending, r.inclusive))
        case _:
            assert_never(r.kind)
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
