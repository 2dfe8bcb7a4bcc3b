"""A scoped page over the application's own ORM select, against the
hand-written keyset query with the same WHERE: page 1 and page 1,000 of a
1,000,000-row table (10 tenants of 100,000 calls), limit 25.

- `ours`: `paginate(query, session, mapping, statement=select(Call))`, the
  query parsed with `scope={"tenant_id": ...}` and the cursor of the page
  before (cursor check, the statement's keyset SELECT, the `prev` check),
  items as ORM instances;
- `hand`: `select(Call).where(tenant_id = ?, (created_on, call_cid) < (?, ?))
  .order_by(created_on DESC, call_cid DESC).limit(26)` through the same kind
  of Session, items as ORM instances.

Both on the index `(tenant_id, created_on, call_cid)`; each call runs in a
fresh Session (no identity-map hits). Run (SQLite always; PostgreSQL at
STREAM_FILTERS_PG_URL when reachable):
  STREAM_FILTERS_BENCH_CPU=1 python -m benchmarks.bench_sql_statement sqlite
  python -m benchmarks.bench_sql_statement postgresql
The SQLite database is kept in $STREAM_FILTERS_BENCH_DIR (default /tmp).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from stream_filters import QUERY_CALLS, Field, FieldType, Op, Query, cursors
from stream_filters.query import Direction
from stream_filters.sql import SqlMapping, UtcDateTime, code_point_string, map_table, paginate

ROWS = int(os.environ.get("STREAM_FILTERS_BENCH_ROWS", "1000000"))
TENANTS = 10
LIMIT = 25
PAGES = [1, 1000]
BENCH_DIR = os.environ.get("STREAM_FILTERS_BENCH_DIR", "/tmp")
PG_URL = os.environ.get("STREAM_FILTERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret"
# On a loaded machine wall-clock medians swing by several times; SQLite runs in
# this process, so its CPU time (STREAM_FILTERS_BENCH_CPU=1, batches of 5)
# measures the whole page. PostgreSQL's work is in the server: time it by wall clock.
CPU = os.environ.get("STREAM_FILTERS_BENCH_CPU") == "1"
BATCH = 5 if CPU else 1
TENANT = "tenant-3"


class Base(DeclarativeBase):
    pass


class Call(Base):
    __tablename__ = "sf_bench_tenant_calls"
    # The default sort's index (`sort_indexes`: created_on, call_cid) behind the scope column.
    __table_args__ = (sa.Index("ix_sf_bench_tenant_created", "tenant_id", "created_on", "call_cid"),)

    cid: Mapped[str] = mapped_column("call_cid", code_point_string(64), primary_key=True)
    id: Mapped[str] = mapped_column("call_id", code_point_string(64))
    type: Mapped[str] = mapped_column("call_type", code_point_string(64))
    tenant_id: Mapped[str] = mapped_column(code_point_string(32))
    created: Mapped[datetime] = mapped_column("created_on", UtcDateTime())
    ended: Mapped[datetime | None] = mapped_column("ended_on", UtcDateTime())


SCHEMA = QUERY_CALLS.__class__(
    name="bench_calls",
    fields=(
        *(f for f in QUERY_CALLS.fields if f.name in ("cid", "id", "type", "created_at", "ended_at")),
        Field("tenant_id", FieldType.STRING, frozenset({Op.EQ}), hidden=True),
    ),
    tie_breaker="cid",
    default_sort=QUERY_CALLS.default_sort,
)
MAPPING: SqlMapping = map_table(SCHEMA, Call, {"created_at": Call.created, "ended_at": Call.ended})

_SQLITE_FILL = """
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < :n - 1)
INSERT INTO sf_bench_tenant_calls (call_cid, call_id, call_type, tenant_id, created_on, ended_on)
SELECT 'default:' || printf('%07d', i), printf('%07d', i),
       CASE i % 3 WHEN 0 THEN 'default' WHEN 1 THEN 'livestream' ELSE 'audio_room' END,
       'tenant-' || (i % :tenants),
       strftime('%Y-%m-%d %H:%M:%S', 1704067200 + (i * 7919) % :n, 'unixepoch') || '.000000', NULL
FROM seq
"""
_PG_FILL = """
INSERT INTO sf_bench_tenant_calls (call_cid, call_id, call_type, tenant_id, created_on, ended_on)
SELECT 'default:' || lpad(i::text, 7, '0'), lpad(i::text, 7, '0'),
       (ARRAY['default', 'livestream', 'audio_room'])[i % 3 + 1], 'tenant-' || (i % :tenants),
       timestamptz '2024-01-01 00:00:00Z' + ((i::bigint * 7919) % :n) * interval '1 second', NULL
FROM generate_series(0, :n - 1) AS i
"""


def prepare(engine: sa.Engine) -> None:
    """The table, filled once and reused."""
    table = Call.__table__
    with engine.connect() as conn:
        exists = sa.inspect(conn).has_table(table.name)
        count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() if exists else 0
    if count == ROWS:
        return
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    fill = _SQLITE_FILL if engine.dialect.name == "sqlite" else _PG_FILL
    with engine.begin() as conn:
        conn.execute(sa.text(fill), {"n": ROWS, "tenants": TENANTS})
        conn.execute(sa.text(f"ANALYZE {table.name}"))


def _engine(db: str) -> sa.Engine:
    if db == "sqlite":
        return sa.create_engine(f"sqlite:///{BENCH_DIR}/sf_bench_tenants_{ROWS}.sqlite")
    return sa.create_engine(PG_URL)


def _order() -> list[Any]:
    return [Call.created.desc(), Call.cid.desc()]


def _boundary(engine: sa.Engine, page: int) -> tuple[datetime, str] | None:
    """Sort values of the last row of the page before `page` (found once, not timed)."""
    if page == 1:
        return None
    select = sa.select(Call.created, Call.cid).where(Call.tenant_id == TENANT).order_by(*_order())
    with Session(engine) as session:
        created, cid = session.execute(select.offset((page - 1) * LIMIT - 1).limit(1)).one()
    return created.astimezone(UTC), cid


def _ours(engine: sa.Engine, boundary: tuple[datetime, str] | None) -> Callable[[], list[Call]]:
    scope = {"tenant_id": TENANT}
    query: Query = SCHEMA.parse({"limit": LIMIT}, scope=scope)
    if boundary is not None:
        token = cursors.encode(query, Direction.NEXT, boundary, SECRET)
        query = SCHEMA.parse({"limit": LIMIT, "next": token}, scope=scope)

    def run() -> list[Call]:
        with Session(engine) as session:
            return paginate(query, session, MAPPING, statement=sa.select(Call), secret=SECRET).items

    return run


def _hand(engine: sa.Engine, boundary: tuple[datetime, str] | None) -> Callable[[], list[Call]]:
    def run() -> list[Call]:
        select = sa.select(Call).where(Call.tenant_id == TENANT)
        if boundary is not None:
            select = select.where(sa.tuple_(Call.created, Call.cid) < sa.tuple_(*boundary))
        with Session(engine) as session:
            return list(session.scalars(select.order_by(*_order()).limit(LIMIT + 1)).all()[:LIMIT])

    return run


def interleaved(db: str, rounds: int) -> dict[tuple[str, int], float]:
    """Median ms per (method, page), every method and page timed in turn within each round."""
    engine = _engine(db)
    prepare(engine)
    runs: dict[tuple[str, int], Callable[[], list[Call]]] = {}
    for page in PAGES:
        boundary = _boundary(engine, page)
        runs[("ours", page)], runs[("hand", page)] = _ours(engine, boundary), _hand(engine, boundary)
        assert [c.cid for c in runs[("ours", page)]()] == [c.cid for c in runs[("hand", page)]()]
    times: dict[tuple[str, int], list[float]] = {key: [] for key in runs}
    clock = time.process_time if CPU else time.perf_counter
    for _ in range(rounds):
        for key, run in runs.items():
            start = clock()
            for _ in range(BATCH):
                run()
            times[key].append((clock() - start) / BATCH)
    engine.dispose()
    return {key: statistics.median(values) * 1000 for key, values in times.items()}


def table(db: str, medians: dict[tuple[str, int], float]) -> str:
    lines = [
        f"{db}, {ROWS:,} rows ({TENANTS} tenants), limit {LIMIT}: median ms ({'CPU' if CPU else 'wall'} time)",
        "",
        "| page | ours (ORM select, scoped) | hand-written keyset | ratio |",
        "|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        ours, hand = medians[("ours", page)], medians[("hand", page)]
        lines.append(f"| {page:,} | {ours:.3f} | {hand:.3f} | {ours / hand:.2f}× |")
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["sqlite", "postgresql"]:
        print(table(name, interleaved(name, rounds=int(os.environ.get("ROUNDS", "300")))), end="\n\n")
