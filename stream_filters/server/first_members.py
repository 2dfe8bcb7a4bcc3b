"""A call's first members, read in the calls page's own SELECT.

The members in each call of a QueryCalls page are a column of the page's
SELECT (`calls_mapping`), so that a page is one statement and one round trip,
and a call read again with the same members is the same row for the row
cache; `members_of_row` turns that column back into records.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from ..schema import QUERY_CALLS
from ..sql import SqlMapping, map_table
from ..sql.types import json_type, utc_datetime
from .shapes import MemberRecord
from .tables import CALL_TARGETS, MEMBER_ORDER, MEMBER_ORDER_BY, call_members, calls, json_value

# What a call's row carries of each of its first members (`first_members`):
# every column but the call's own cid, in this order.
_PREVIEW_COLUMNS = ("user_id", "role", "custom", "created_at", "updated_at")


def first_members(dialect_name: str, per_call: int) -> sa.ColumnElement[Any]:
    """The first `per_call` members of the call of each `calls` row, in
    MEMBER_ORDER, as one JSON array of `[user_id, role, custom, created_at,
    updated_at]` (NULL or `[]` for none): a column of the calls page's own
    SELECT, so that a QueryCalls page is one statement and one round trip,
    and a call read again with the same members is the same row for the row
    cache. Each call's members are one range of the (call_cid, created_at,
    user_id) index under its LIMIT.

    `custom` goes in as its stored text, which `members_of_row` decodes as the
    column's own reader would (SQLite's JSON functions would refuse text an
    earlier version may have stored, `Infinity`; MariaDB will not mix the
    JSON column's collation with the ids'). PostgreSQL and SQLite aggregate a
    correlated subquery; MariaDB, which allows no outer reference inside a
    derived table, orders and limits within JSON_ARRAYAGG itself."""
    columns: list[sa.ColumnElement[Any]] = [call_members.c[name] for name in _PREVIEW_COLUMNS]
    columns[_PREVIEW_COLUMNS.index("custom")] = sa.cast(call_members.c.custom, sa.Text())
    of_call = call_members.c.call_cid == calls.c.cid
    aggregate: sa.ColumnElement[Any]
    if dialect_name in ("mysql", "mariadb"):
        aggregate = _ArrayAgg(sa.func.json_array(*columns), MEMBER_ORDER_BY, per_call)
        return sa.select(aggregate).where(of_call).correlate(calls).scalar_subquery()
    ranged = sa.select(*columns).where(of_call).order_by(*MEMBER_ORDER_BY).limit(per_call)
    first = ranged.correlate(calls).subquery("first")
    if dialect_name == "postgresql":
        aggregate = sa.func.json_agg(sa.func.json_build_array(*first.c))
    else:
        aggregate = sa.func.json_group_array(sa.func.json_array(*first.c))
    return sa.select(aggregate).scalar_subquery()


class _ArrayAgg(sa.ColumnElement[Any]):
    """MariaDB's `JSON_ARRAYAGG(element ORDER BY ... LIMIT n)`."""

    inherit_cache = False  # the LIMIT is rendered as a number: every instance compiles anew

    def __init__(self, element: sa.ColumnElement[Any], order: tuple[sa.Column[Any], ...], limit: int) -> None:
        self.element = element
        self.order = order
        self.limit = int(limit)
        self.type = sa.types.NullType()


@compiles(_ArrayAgg)
def _compile_array_agg(element: _ArrayAgg, compiler: Any, **kw: Any) -> str:
    order = ", ".join(compiler.process(column, **kw) for column in element.order)
    return f"JSON_ARRAYAGG({compiler.process(element.element, **kw)} ORDER BY {order} LIMIT {element.limit})"


@functools.cache
def calls_mapping(dialect_name: str, members_per_call: int) -> SqlMapping:
    """QueryCalls over `calls`, each row with its first members (`first_members`)
    as the column `members`. One mapping per (dialect, number): compiled
    statements are cached per mapping."""
    preview = sa.type_coerce(first_members(dialect_name, members_per_call), json_type()).label("members")
    return map_table(QUERY_CALLS, calls, CALL_TARGETS, columns=[*calls.c, preview])


_ORDER = operator.attrgetter(*MEMBER_ORDER)


def members_of_row(cid: str, value: Any) -> tuple[MemberRecord, ...]:
    """The members a call's row carries (`first_members`), in MEMBER_ORDER:
    SQL promises no order within an aggregate over a subquery."""
    members = [
        MemberRecord(
            call_cid=cid,
            user_id=user_id,
            role=role,
            custom=json_value(custom) or {},
            created_at=utc_datetime(created_at),
            updated_at=utc_datetime(updated_at),
        )
        for user_id, role, custom, created_at, updated_at in value or ()
    ]
    members.sort(key=_ORDER)
    return tuple(members)
