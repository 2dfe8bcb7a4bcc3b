"""Keyset pages at depth: 1,000,000 calls, page 1 / 10 / 100 / 1,000 / 10,000 (limit 25).

Side by side, on the same table and the same index `(created_at, cid)`, sorted
by `created_at` descending (the `query_calls` default):

- `ours`: `stream_filters.sql.paginate` with the cursor of the page before
  (everything: cursor decode, compile, the page query, the `prev` check);
- `hand`: a hand-written keyset query, `(created_at, cid) < (?, ?)`, LIMIT 26
  (every method returns its rows as dicts, as an API handler would);
- `offset`: LIMIT 26 OFFSET (page - 1) * 25;
- `sqlakeyset`: `select_page` with the bookmark of the page before (the peer);
- `ours_nullable`: ours sorted by `starts_at` descending (a third NULL):
  the cursor's range splits into the non-NULL range and the NULL range.

Run (SQLite always; PostgreSQL when reachable):
  python -m pytest benchmarks/bench_sql_pages.py -o python_files='bench_*.py' \
      --benchmark-group-by=param:db,param:page --benchmark-json=/tmp/sql_pages.json
  python -m benchmarks.bench_sql_pages /tmp/sql_pages.json    # the table with ratios
  python -m benchmarks.bench_sql_pages --interleaved sqlite postgresql   # methods timed in turn
The SQLite database is kept in $STREAM_FILTERS_BENCH_DIR (default /tmp) between runs.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlakeyset import select_page

from stream_filters import QUERY_CALLS, Query, SortKey
from stream_filters.cursors import encode
from stream_filters.query import CursorToken, Direction
from stream_filters.sql import SqlMapping, map_table, paginate, schema_table, sort_indexes

ROWS = int(os.environ.get("STREAM_FILTERS_BENCH_ROWS", "1000000"))
LIMIT = 25
PAGES = [1, 10, 100, 1000, 10000]
METHODS = ["ours", "hand", "offset", "sqlakeyset", "ours_nullable"]
BENCH_DIR = os.environ.get("STREAM_FILTERS_BENCH_DIR", "/tmp")
PG_URL = os.environ.get("STREAM_FILTERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLE = "sf_bench_calls"

_SQLITE_FILL = """
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < :n - 1)
INSERT INTO {t} (cid, id, type, created_by_user_id, created_at, updated_at, starts_at, ended_at,
                 backstage, ongoing, members)
SELECT 'default:' || printf('%07d', i), printf('%07d', i),
       CASE i % 3 WHEN 0 THEN 'default' WHEN 1 THEN 'livestream' ELSE 'audio_room' END,
       'user-' || (i % 1000),
       strftime('%Y-%m-%d %H:%M:%S', 1704067200 + (i * 7919) % :n, 'unixepoch') || '.000000',
       strftime('%Y-%m-%d %H:%M:%S', 1704067200 + i, 'unixepoch') || '.000000',
       CASE WHEN i % 3 = 0 THEN NULL
            ELSE strftime('%Y-%m-%d %H:%M:%S', 1704067200 + (i * 104729) % :n, 'unixepoch') || '.000000' END,
       NULL, i % 2, 0, '[]'
FROM seq
"""
_PG_FILL = """
INSERT INTO {t} (cid, id, type, created_by_user_id, created_at, updated_at, starts_at, ended_at,
                 backstage, ongoing, members)
SELECT 'default:' || lpad(i::text, 7, '0'), lpad(i::text, 7, '0'),
       (ARRAY['default', 'livestream', 'audio_room'])[i % 3 + 1], 'user-' || (i % 1000),
       timestamptz '2024-01-01 00:00:00Z' + ((i::bigint * 7919) % :n) * interval '1 second',
       timestamptz '2024-01-01 00:00:00Z' + i * interval '1 second',
       CASE WHEN i % 3 = 0 THEN NULL
            ELSE timestamptz '2024-01-01 00:00:00Z' + ((i::bigint * 104729) % :n) * interval '1 second' END,
       NULL, i % 2 = 1, false, '[]'::jsonb
FROM generate_series(0, :n - 1) AS i
"""
_SORTS = [(SortKey("created_at", -1),), (SortKey("starts_at", -1),)]


def prepare(engine: sa.Engine) -> tuple[sa.Table, SqlMapping]:
    """The 1M-row table with the index helper's indexes, built once and reused."""
    metadata = sa.MetaData()
    table = schema_table(QUERY_CALLS, metadata, TABLE)
    mapping = map_table(QUERY_CALLS, table)
    dialect = engine.dialect.name
    with engine.connect() as conn:
        exists = sa.inspect(conn).has_table(TABLE)
        count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() if exists else 0
    if count != ROWS:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        fill = _SQLITE_FILL if dialect == "sqlite" else _PG_FILL
        with engine.begin() as conn:
            conn.execute(sa.text(fill.format(t=TABLE)), {"n": ROWS})
            for index in sort_indexes(mapping, dialect, _SORTS):
                index.create(conn)
            conn.execute(sa.text(f"ANALYZE {TABLE}"))
    return table, mapping


def _engine(db: str) -> sa.Engine:
    if db == "sqlite":
        return sa.create_engine(f"sqlite:///{BENCH_DIR}/sf_bench_{ROWS}.sqlite")
    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc.orig}")
    return engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Connection, sa.Table, SqlMapping]]:
    engine = _engine(request.param)
    table, mapping = prepare(engine)
    with engine.connect() as conn:
        yield conn, table, mapping
    engine.dispose()


def _order(table: sa.Table, dialect: str) -> list[Any]:
    """The index's order. On PostgreSQL `DESC` alone means NULLS FIRST, which the
    index (NULLS lowest) does not give: written that way, every method sorts
    the whole table (~150 ms a page here)."""
    created = table.c.created_at.desc()
    return [created.nulls_last() if dialect == "postgresql" else created, table.c.cid.desc()]


def _boundary(conn: sa.Connection, table: sa.Table, page: int, column: str = "created_at") -> tuple[Any, Any] | None:
    """Sort values of the last row of the page before `page` (found once, not timed)."""
    if page == 1:
        return None
    nulls_last = table.c[column].desc().nulls_last() if conn.dialect.name == "postgresql" else table.c[column].desc()
    select = sa.select(table.c[column], table.c.cid).order_by(nulls_last, table.c.cid.desc())
    row = conn.execute(select.offset((page - 1) * LIMIT - 1).limit(1)).one()
    value = row[0]
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value, row[1]


def _ours(conn: sa.Connection, mapping: SqlMapping, boundary: Any, field: str) -> Callable[[], Any]:
    full = QUERY_CALLS.parse({"sort": [{"field": field, "direction": -1}], "limit": LIMIT})
    query = full
    if boundary is not None:
        token = encode(full, Direction.NEXT, boundary, None)
        query = Query(full.schema, full.filter, full.sort, full.limit, CursorToken(Direction.NEXT, token))
    return lambda: paginate(query, conn, mapping).items


def _hand(conn: sa.Connection, table: sa.Table, boundary: Any) -> Callable[[], Any]:
    select = sa.select(table).order_by(*_order(table, conn.dialect.name)).limit(LIMIT + 1)
    if boundary is not None:
        select = select.where(sa.tuple_(table.c.created_at, table.c.cid) < sa.tuple_(*boundary))
    return lambda: [dict(row._mapping) for row in conn.execute(select).all()[:LIMIT]]


def _offset(conn: sa.Connection, table: sa.Table, page: int) -> Callable[[], Any]:
    select = sa.select(table).order_by(*_order(table, conn.dialect.name)).offset((page - 1) * LIMIT).limit(LIMIT + 1)
    return lambda: [dict(row._mapping) for row in conn.execute(select).all()[:LIMIT]]


def _sqlakeyset(conn: sa.Connection, table: sa.Table, boundary: Any) -> Callable[[], Any]:
    select = sa.select(table).order_by(*_order(table, conn.dialect.name))
    marker = None if boundary is None else (tuple(boundary), False)
    return lambda: [dict(row._mapping) for row in select_page(conn, select, per_page=LIMIT, page=marker)]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("method", METHODS)
def test_page(benchmark: Any, db: tuple[sa.Connection, sa.Table, SqlMapping], method: str, page: int) -> None:
    conn, table, mapping = db
    boundary = _boundary(conn, table, page, "starts_at" if method == "ours_nullable" else "created_at")
    run = {
        "ours": lambda: _ours(conn, mapping, boundary, "created_at"),
        "ours_nullable": lambda: _ours(conn, mapping, boundary, "starts_at"),
        "hand": lambda: _hand(conn, table, boundary),
        "offset": lambda: _offset(conn, table, page),
        "sqlakeyset": lambda: _sqlakeyset(conn, table, boundary),
    }[method]()
    benchmark.extra_info.update(db=conn.dialect.name, method=method, page=page)
    rows = benchmark(run)
    assert len(rows) == LIMIT
    if method in ("ours", "offset", "sqlakeyset") and boundary is not None:
        expected = [r["cid"] for r in _hand(conn, table, boundary)()]
        assert [r["cid"] for r in rows] == expected


def summarise(path: str) -> str:
    """A Markdown table of medians (ms) with ratios, from --benchmark-json output."""
    with open(path) as f:
        data = json.load(f)
    medians: dict[tuple[str, str, int], float] = {}
    for bench in data["benchmarks"]:
        info = bench["extra_info"]
        medians[(info["db"], info["method"], info["page"])] = bench["stats"]["median"] * 1000
    lines = []
    for db in sorted({k[0] for k in medians}):
        lines += [
            f"\n{db}, {ROWS:,} rows, median ms (ratio to hand-written keyset):\n",
            "| page | ours | hand | offset | sqlakeyset | ours, nullable `starts_at` |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for page in PAGES:
            hand = medians.get((db, "hand", page), float("nan"))
            cells = []
            for method in METHODS:
                value = medians.get((db, method, page))
                cells.append("-" if value is None else f"{value:.3f} ({value / hand:.2f}×)")
            lines.append(f"| {page:,} | " + " | ".join([*cells[:1], f"{hand:.3f}", *cells[2:]]) + " |")
        first = medians.get((db, "ours", 1))
        deep = medians.get((db, "ours", PAGES[-1]))
        if first and deep:
            lines.append(f"\nours, page {PAGES[-1]:,} / page 1: {deep / first:.2f}")
    return "\n".join(lines)


def interleaved(db: str, rounds: int = 300) -> dict[tuple[str, int], float]:
    """Median ms per (method, page), every method and page timed in turn
    within each round, so that load from other processes hits them alike."""
    engine = _engine(db)
    table, mapping = prepare(engine)
    medians: dict[tuple[str, int], float] = {}
    with engine.connect() as conn:
        runs: dict[tuple[str, int], Callable[[], Any]] = {}
        for page in PAGES:
            created, starts = _boundary(conn, table, page), _boundary(conn, table, page, "starts_at")
            runs[("ours", page)] = _ours(conn, mapping, created, "created_at")
            runs[("hand", page)] = _hand(conn, table, created)
            runs[("offset", page)] = _offset(conn, table, page)
            runs[("sqlakeyset", page)] = _sqlakeyset(conn, table, created)
            runs[("ours_nullable", page)] = _ours(conn, mapping, starts, "starts_at")
        times: dict[tuple[str, int], list[float]] = {key: [] for key in runs}
        for _ in range(rounds):
            for key, run in runs.items():
                start = time.perf_counter()
                run()
                times[key].append(time.perf_counter() - start)
        medians = {key: statistics.median(values) * 1000 for key, values in times.items()}
    engine.dispose()
    return medians


def table(db: str, medians: dict[tuple[str, int], float]) -> str:
    lines = [
        f"{db}, {ROWS:,} rows, limit {LIMIT}: median ms (ratio to the hand-written keyset query)",
        "",
        "| page | ours | hand-written | OFFSET | sqlakeyset | ours, nullable `starts_at` |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        hand = medians[("hand", page)]
        cells = [f"{medians[(m, page)]:.3f} ({medians[(m, page)] / hand:.2f}×)" for m in METHODS]
        cells[1] = f"{hand:.3f}"
        lines.append(f"| {page:,} | " + " | ".join(cells) + " |")
    deep = medians[("ours", PAGES[-1])] / medians[("ours", 1)]
    lines.append(f"\nours, page {PAGES[-1]:,} / page 1: {deep:.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--interleaved"]:
        for name in sys.argv[2:] or ["sqlite", "postgresql"]:
            print(table(name, interleaved(name, rounds=int(os.environ.get("ROUNDS", "300")))), end="\n\n")
    else:
        print(summarise(sys.argv[1]))
