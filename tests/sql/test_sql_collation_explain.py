"""Ordinary indexes serve our SQL on databases whose default collation does
not order by code point: PostgreSQL created with ICU `en-US`, and MariaDB
tables in `utf8mb4_unicode_ci`.

- `=` and `$in` on a string column use a plain btree index on it (no COLLATE:
  PostgreSQL's equality is byte equality under a deterministic collation;
  MariaDB finds the case-insensitive matches with the index, then keeps the
  binary-equal ones), and the old `COLLATE "C"` equality is shown to scan.
- keyset pages (NULL sort values included) walk the indexes `sort_indexes`
  proposes, also for a string sort key on PostgreSQL (`COLLATE "C"` in the
  index, as ORDER BY spells it). On MariaDB, where an index cannot carry a
  COLLATE, the tie-breaker is declared with a code-point collation.
- and the pages are still in code-point order, not the database's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from stream_filters import QUERY_CALLS, SortKey
from stream_filters.query import Direction
from stream_filters.sql import (
    DIALECTS,
    UtcDateTime,
    add_sort_indexes,
    code_point_string,
    compile_filter,
    json_type,
    map_table,
    paginate,
)
from stream_filters.sql.mapping import SqlMapping
from tests.sql.harness import URLS, make_engine
from tests.sql.test_sql_explain import CURSORS, _assert_index_walk, _plan, _query, _statements, explain_rows

_T0 = datetime(2024, 1, 1, tzinfo=UTC)
_ICU = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"


def icu_engine() -> sa.Engine:
    """A database `<name>_icu` next to the test database, created once with
    ICU en-US as its default collation."""
    server = make_engine("postgresql")
    url = sa.make_url(URLS["postgresql"])
    name = f"{url.database}_icu"
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if found is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" {_ICU}'))
    engine = sa.create_engine(url.set(database=name))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 'a' < 'B'")).scalar() is True  # not code-point order
    return engine


def _table(dialect: str, metadata: sa.MetaData) -> sa.Table:
    """QUERY_CALLS with plain String columns: they take the database's collation."""
    cid = sa.Column("cid", code_point_string(64) if dialect == "mysql" else sa.String(64), primary_key=True)
    strings = [sa.Column(n, sa.String(64)) for n in ("id", "type", "team", "created_by_user_id")]
    times = [sa.Column(n, UtcDateTime()) for n in ("created_at", "updated_at", "starts_at", "ended_at")]
    flags = [sa.Column(n, sa.Boolean()) for n in ("backstage", "ongoing")]
    options = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}
    members = sa.Column("members", json_type())
    table = sa.Table(f"sft_collation_{os.getpid()}", metadata, cid, *strings, *times, *flags, members, **options)
    sa.Index(f"ix_sft_collation_{os.getpid()}_user", table.c.created_by_user_id)  # a plain btree index
    return table


SORTS = [(SortKey(n, 1),) for n in ("created_at", "starts_at", "ended_at", "type")]


@pytest.fixture(scope="module", params=["postgresql", "mysql"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Connection, SqlMapping]]:
    dialect: str = request.param
    engine = icu_engine() if dialect == "postgresql" else make_engine(dialect)
    metadata = sa.MetaData()
    table = _table(dialect, metadata)
    mapping = map_table(QUERY_CALLS, table)
    add_sort_indexes(mapping, dialect, SORTS if dialect == "postgresql" else SORTS[:3])
    metadata.drop_all(engine)
    metadata.create_all(engine)
    rows = [{**row, "created_by_user_id": f"user-{i % 2000}"} for i, row in enumerate(explain_rows())]
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
        conn.execute(sa.text(f"ANALYZE {'' if dialect == 'postgresql' else 'TABLE '}{table.name}"))
    with engine.connect() as conn:
        yield conn, mapping
    metadata.drop_all(engine)
    if dialect == "postgresql":
        engine.dispose()


def _explain(conn: sa.Connection, select: sa.Select[Any]) -> str:
    compiled = select.compile(conn, compile_kwargs={"render_postcompile": True})
    params = (compiled.positiontup and [compiled.params[k] for k in compiled.positiontup]) or compiled.params
    return _plan(conn, str(compiled), params)


def _assert_mariadb_index(plan: str, index: str | None = None, seek: bool = False) -> None:
    """MariaDB EXPLAIN rows: `id select_type table type possible_keys key
    key_len ref rows Extra`. An index read has a key and an access type other
    than ALL (`seek`: a lookup or range, not a whole-index walk). As on
    PostgreSQL, sorting is tolerated only over a range of at most 100
    estimated rows (MariaDB then prefers the primary key or an index merge)."""
    for line in plan.splitlines():
        _, _, _, access, _, key, _, _, rows, extra = line.split(" ", 9)
        assert access != "ALL" and key != "None", plan
        assert index is None or index in key.split(","), plan
        assert not seek or access in ("ref", "range", "eq_ref", "const"), plan
        if "filesort" in extra:
            assert access in ("range", "ref", "index_merge") and int(rows) <= 100, plan


def _assert_uses(conn: sa.Connection, plan: str, index: str) -> None:
    if conn.dialect.name == "postgresql":
        assert "Seq Scan" not in plan and index in plan, plan
    else:
        _assert_mariadb_index(plan, index, seek=True)


EQUALITIES = [{"created_by_user_id": "user-7"}, {"created_by_user_id": {"$in": ["user-7", "user-1999", "USER-8"]}}]


@pytest.mark.parametrize("filter_conditions", EQUALITIES, ids=["eq", "in"])
def test_equality_uses_a_plain_index(store: tuple[sa.Connection, SqlMapping], filter_conditions: Any) -> None:
    conn, mapping = store
    node = QUERY_CALLS.parse({"filter_conditions": filter_conditions}).filter
    where = compile_filter(node, mapping, DIALECTS[conn.dialect.name])
    table = mapping.table
    _assert_uses(conn, _explain(conn, sa.select(table.c.cid).where(where)), f"ix_sft_collation_{os.getpid()}_user")
    # And exactly: the case-insensitive match USER-8 is not a row of user-8.
    found = {row.created_by_user_id for row in conn.execute(sa.select(table.c.created_by_user_id).where(where))}
    assert found == {v for v in ["user-7", "user-1999"] if v in str(filter_conditions)}


def test_collated_equality_would_scan(store: tuple[sa.Connection, SqlMapping]) -> None:
    """The check above can fail: the old `COLLATE` equality cannot use the index."""
    conn, mapping = store
    collation = "C" if conn.dialect.name == "postgresql" else "utf8mb4_nopad_bin"
    column = mapping.table.c.created_by_user_id
    plan = _explain(conn, sa.select(mapping.table.c.cid).where(column.collate(collation) == "user-7"))
    with pytest.raises(AssertionError):
        _assert_uses(conn, plan, f"ix_sft_collation_{os.getpid()}_user")


CASES = [(f, c) for f in ("starts_at", "ended_at", "created_at", "type") for c in CURSORS]


@pytest.mark.parametrize(("field", "cursor"), CASES, ids=[f"{f}-{c}" for f, c in CASES])
@pytest.mark.parametrize("way", [Direction.NEXT, Direction.PREV])
def test_keyset_pages_walk_the_sort_index(
    store: tuple[sa.Connection, SqlMapping], field: str, cursor: str, way: Direction
) -> None:
    conn, mapping = store
    if conn.dialect.name == "mysql" and field == "type":
        return _assert_string_sort_needs_code_point_column(conn, mapping)
    values = CURSORS[cursor]
    if field == "created_at" and cursor == "on_null":
        values = (_T0, "default:000000")
    if field == "type" and values is not None:
        values = (None, values[1]) if values[0] is None else ("livestream", values[1])
    query = _query((SortKey(field, -1), SortKey("cid", -1)), values, way)
    for statement, parameters in _statements(conn, mapping, query):
        plan = _plan(conn, statement, parameters)
        if conn.dialect.name == "postgresql":
            _assert_index_walk("postgresql", plan)
        else:
            _assert_mariadb_index(plan)


def _assert_string_sort_needs_code_point_column(conn: sa.Connection, mapping: SqlMapping) -> None:
    """MariaDB: ORDER BY `type COLLATE utf8mb4_nopad_bin` over a unicode_ci
    column cannot use an index on it (documented); the tie-breaker, declared
    code-point, can."""
    query = _query((SortKey("type", 1), SortKey("cid", 1)), None, Direction.NEXT)
    [(statement, parameters)] = _statements(conn, mapping, query)
    assert "filesort" in _plan(conn, statement, parameters)
    query = _query((SortKey("cid", 1),), None, Direction.NEXT)
    [(statement, parameters)] = _statements(conn, mapping, query)
    _assert_mariadb_index(_plan(conn, statement, parameters))


def test_pages_are_in_code_point_order(store: tuple[sa.Connection, SqlMapping]) -> None:
    """Under en-US (or unicode_ci) `a < B`; by code point `B < a`."""
    conn, mapping = store
    table = mapping.table
    ids = ["b", "B", "a", "A", "é", "e", "Z", "_", "a "]
    rows = [{"cid": f"x:{i}", "id": v, "created_at": _T0} for i, v in enumerate(ids)]
    conn.rollback()  # end the EXPLAIN tests' autobegun transaction
    with conn.begin():
        conn.execute(sa.insert(table), rows)
    try:
        body: dict[str, Any] = {"filter_conditions": {"cid": {"$gte": "x:"}}, "sort": [{"field": "id", "direction": 1}]}
        seen: list[str] = []
        page = paginate(QUERY_CALLS.parse({**body, "limit": 2}), conn, mapping)
        seen += [item["id"] for item in page.items]
        while page.next:
            page = paginate(QUERY_CALLS.parse({**body, "limit": 2, "next": page.next}), conn, mapping)
            seen += [item["id"] for item in page.items]
        assert seen == sorted(ids)
        above = QUERY_CALLS.parse({"filter_conditions": {"cid": {"$gte": "x:"}, "id": {"$gt": "a"}}, "limit": 50})
        assert sorted(item["id"] for item in paginate(above, conn, mapping).items) == sorted(v for v in ids if v > "a")
        exact = QUERY_CALLS.parse({"filter_conditions": {"id": {"$in": ["a", "Z"]}}, "limit": 50})
        assert sorted(item["id"] for item in paginate(exact, conn, mapping).items) == ["Z", "a"]
    finally:
        conn.rollback()
        with conn.begin():
            conn.execute(sa.delete(table).where(table.c.cid.like("x:%")))
