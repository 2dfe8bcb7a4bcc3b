"""The index helper's indexes make every keyset query a walk of the index:
no full sort, no table scan, on SQLite (EXPLAIN QUERY PLAN) and PostgreSQL
(EXPLAIN). Also when the leading sort column is nullable (`starts_at`,
`ended_at`) and the cursor sits on a NULL or just before the NULLs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from stream_filters import QUERY_CALLS, Query, SortKey
from stream_filters.cursors import encode
from stream_filters.query import CursorToken, Direction
from stream_filters.sql import add_sort_indexes, map_table, paginate, schema_table
from stream_filters.sql.mapping import SqlMapping
from tests.sql.harness import make_engine

ROWS = 20_000
_T0 = datetime(2024, 1, 1, tzinfo=UTC)
MIXED = (SortKey("type", 1), SortKey("created_at", -1))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def calls(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Connection, SqlMapping]]:
    engine = make_engine(request.param)
    metadata = sa.MetaData()
    table = schema_table(QUERY_CALLS, metadata, f"sft_explain_{os.getpid()}")
    mapping = map_table(QUERY_CALLS, table)
    sorts = [*[(SortKey(n, 1),) for n in ("created_at", "starts_at", "ended_at", "type", "id")], MIXED]
    add_sort_indexes(mapping, request.param, sorts)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), explain_rows())
        conn.execute(sa.text(f"ANALYZE {table.name}"))
    with engine.connect() as conn:
        yield conn, mapping
    metadata.drop_all(engine)


def explain_rows() -> list[dict[str, Any]]:
    """A third of `starts_at` and half of `ended_at` NULL."""
    return [
        {
            "cid": f"default:{i:06d}",
            "id": f"{i:06d}",
            "type": ("default", "livestream", "audio_room")[i % 3],
            "created_at": _T0 + timedelta(seconds=(i * 7919) % ROWS),
            "starts_at": None if i % 3 == 0 else _T0 + timedelta(minutes=i % 5000),
            "ended_at": None if i % 2 else _T0 + timedelta(seconds=i),
        }
        for i in range(ROWS)
    ]


def _statements(conn: sa.Connection, mapping: SqlMapping, query: Query) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    sa.event.listen(conn, "before_cursor_execute", capture)
    try:
        paginate(query, conn, mapping)
    finally:
        sa.event.remove(conn, "before_cursor_execute", capture)
    return seen


def _plan(conn: sa.Connection, statement: str, parameters: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(prefix + statement, parameters)
    lines = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    if os.environ.get("STREAM_FILTERS_SHOW_PLANS"):
        print(statement, parameters, *lines, sep="\n")
    return "\n".join(lines)


def _assert_index_walk(dialect: str, plan: str) -> None:
    if dialect == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan or "PRIMARY KEY" in plan, plan
    else:
        assert "Seq Scan" not in plan, plan
        assert "Index Scan" in plan or "Index Only Scan" in plan, plan
        # PostgreSQL may sort the few rows of an index range rather than walk
        # the index in order: allowed only over a seek (Index Cond) of at most
        # a page's worth of estimated rows, never over the table.
        for sort in re.findall(r"Sort  \(cost=[0-9.]+ rows=([0-9]+)", plan):
            assert "Index Cond" in plan and int(sort) <= 100, plan


def _query(sort: tuple[SortKey, ...], values: tuple[Any, ...] | None, direction: Direction) -> Query:
    full = QUERY_CALLS.parse({"sort": [k.to_json() for k in sort], "limit": 25})
    if values is None:
        return full
    token = encode(full, direction, values, None)
    return Query(full.schema, full.filter, full.sort, full.limit, CursorToken(direction, token))


_NULL_ROW = "default:000003"  # starts_at NULL, ended_at NULL
_SET_ROW = "default:002504"  # both set
CURSORS = {
    "first_page": None,
    "on_null": (None, _NULL_ROW),
    "before_nulls": (_T0 + timedelta(minutes=4999), "default:004999"),
    "middle": (_T0 + timedelta(minutes=2504), _SET_ROW),
}


# created_at is never NULL, so a cursor on a NULL cannot exist for it.
SORTED_CASES = [
    (field, cursor)
    for field in ("starts_at", "ended_at", "created_at")
    for cursor in CURSORS
    if not (field == "created_at" and cursor == "on_null")
]


@pytest.mark.parametrize(("field", "cursor"), SORTED_CASES, ids=[f"{f}-{c}" for f, c in SORTED_CASES])
@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("way", [Direction.NEXT, Direction.PREV])
def test_sorted_page_walks_the_index(
    calls: tuple[sa.Connection, SqlMapping], field: str, direction: int, cursor: str, way: Direction
) -> None:
    conn, mapping = calls
    values = CURSORS[cursor]
    query = _query((SortKey(field, direction), SortKey("cid", direction)), values, way)
    statements = _statements(conn, mapping, query)
    assert statements
    for statement, parameters in statements:
        _assert_index_walk(conn.dialect.name, _plan(conn, statement, parameters))


@pytest.mark.parametrize("way", [Direction.NEXT, Direction.PREV])
def test_mixed_directions_walk_their_index(calls: tuple[sa.Connection, SqlMapping], way: Direction) -> None:
    conn, mapping = calls
    query = _query((*MIXED, SortKey("cid", -1)), ("livestream", _T0 + timedelta(seconds=100), "default:000100"), way)
    statements = _statements(conn, mapping, query)
    assert len(statements) >= 2
    for statement, parameters in statements:
        _assert_index_walk(conn.dialect.name, _plan(conn, statement, parameters))


def test_a_sort_without_its_index_is_detected(calls: tuple[sa.Connection, SqlMapping]) -> None:
    """The check above can fail: sorting on a column no index starts with sorts."""
    conn, mapping = calls
    query = _query((SortKey("updated_at", 1), SortKey("cid", 1)), None, Direction.NEXT)
    statement, parameters = _statements(conn, mapping, query)[0]
    with pytest.raises(AssertionError):
        _assert_index_walk(conn.dialect.name, _plan(conn, statement, parameters))
