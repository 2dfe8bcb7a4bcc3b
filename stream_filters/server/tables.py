"""The server's two tables, where the query endpoints' fields live in them,
and the indexes their pages read.

`calls` has one row per call, keyed by `cid`; `call_members` one per member,
keyed by `call_cid` + `user_id`. The `members` field of QueryCalls is the set
of `user_id`s of a call's rows in `call_members`, which the SQL backend
reaches as a related table; QueryCallMembers pages one call's rows.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex

from ..ast import Condition, Node
from ..field_types import FieldType
from ..operators import Op
from ..schema import QUERY_CALLS, QUERY_MEMBERS, Field
from ..sql import Related, map_table, sort_indexes
from ..sql.types import UtcDateTime, code_point_string, json_type

metadata = sa.MetaData()

calls = sa.Table(
    "calls",
    metadata,
    sa.Column("cid", code_point_string(130), primary_key=True),
    sa.Column("id", code_point_string(64), nullable=False),
    sa.Column("type", code_point_string(64), nullable=False),
    sa.Column("team", code_point_string(255)),
    sa.Column("created_by_user_id", code_point_string(255), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("starts_at", UtcDateTime),
    sa.Column("ended_at", UtcDateTime),
    sa.Column("backstage", sa.Boolean),
    sa.Column("ongoing", sa.Boolean),
    sa.Column("custom", json_type(), nullable=False),
    mysql_charset="utf8mb4",
)

call_members = sa.Table(
    "call_members",
    metadata,
    sa.Column("call_cid", code_point_string(130), sa.ForeignKey("calls.cid", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", code_point_string(255), primary_key=True),
    sa.Column("role", code_point_string(255)),
    sa.Column("custom", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime),
    mysql_charset="utf8mb4",
)


# QueryCallMembers' default order (ascending on each key), which a call's
# members in a QueryCalls response follow.
MEMBER_ORDER = tuple(key.field for key in QUERY_MEMBERS.full_default_sort)
assert all(key.direction == 1 for key in QUERY_MEMBERS.full_default_sort)
MEMBER_ORDER_BY = tuple(call_members.c[name] for name in MEMBER_ORDER)


def json_value(text: str | bytes) -> Any:
    """A JSON column's value: orjson (several times the json module's speed);
    what it refuses (an integer beyond 64 bits, `Infinity` stored before
    writes checked for it) is read by the json module as before."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


CALL_TARGETS = {"members": Related(on=call_members.c.call_cid == calls.c.cid, value=call_members.c.user_id)}
# Pages of the table's columns: the calls' fields, sorts and indexes. `calls_mapping` adds the members.
CALLS_MAPPING = map_table(QUERY_CALLS, calls, CALL_TARGETS)

# QueryCallMembers reads the members of one call: QUERY_MEMBERS with the call
# as a hidden field, which each request binds with a scope (SPEC §8). The scope
# is in the cursor fingerprint, so a cursor of one call is invalid_cursor for
# any other.
CALL_MEMBERS = dataclasses.replace(
    QUERY_MEMBERS,
    fields=(*QUERY_MEMBERS.fields, Field("call_cid", FieldType.STRING, frozenset({Op.EQ}), hidden=True)),
)
MEMBERS_OF_CALL = map_table(CALL_MEMBERS, call_members)


def of_call(cid: str) -> Node:
    """The scope of QueryCallMembers for the call `cid`."""
    return Condition("call_cid", (), Op.EQ, cid, FieldType.STRING)


def create_indexes(conn: Connection) -> None:
    """Indexes for keyset pages in each sortable field's order (SQL backend's
    `sort_indexes`); member indexes start with `call_cid`, since every members
    query is of one call."""
    dialect = conn.dialect.name
    tables = {table: set(table.indexes) for table in (calls, call_members)}
    by_call = call_members.c.call_cid
    indexes = sort_indexes(CALLS_MAPPING, dialect)
    indexes += [
        sa.Index(f"ix_call_members_by_call_{i}", by_call, *index.expressions)
        for i, index in enumerate(sort_indexes(MEMBERS_OF_CALL, dialect))
    ]
    indexes.append(sa.Index("ix_call_members_user_id", call_members.c.user_id, by_call))
    # Index() attaches itself to its table; detach these, so that their
    # dialect-specific expressions never reach another engine's create_all.
    for table, before in tables.items():
        table.indexes.intersection_update(before)
    for index in indexes:
        conn.execute(CreateIndex(index, if_not_exists=True))
