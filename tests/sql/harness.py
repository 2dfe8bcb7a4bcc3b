"""Engines and tables for the SQL backend tests, one of each per dialect.

SQLite always runs (in memory). PostgreSQL (127.0.0.1:5432, database `test`;
STREAM_FILTERS_PG_URL overrides) and MariaDB (127.0.0.1:3306, root, database
`test`; STREAM_FILTERS_MYSQL_URL overrides) are skipped with the reason when
unreachable locally, and fail under STREAM_FILTERS_REQUIRE_DBS=1.
One connection and one table per dialect and schema are reused: each test
deletes and inserts its rows, which keeps the suite fast.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from stream_filters import FieldType, Schema
from stream_filters.pagination import Page
from stream_filters.sql import SqlMapping, dumps_json, map_table, paginate, schema_table
from tests.conftest import require_server

URLS = {
    "sqlite": "sqlite://",
    "postgresql": os.environ.get("STREAM_FILTERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mysql": os.environ.get("STREAM_FILTERS_MYSQL_URL", "mysql+pymysql://root:@127.0.0.1:3306/test?charset=utf8mb4"),
}
URL_VARIABLES = {"postgresql": "STREAM_FILTERS_PG_URL", "mysql": "STREAM_FILTERS_MYSQL_URL"}
SERVER_NAMES = {
    name: f"{label} at {sa.make_url(URLS[name]).render_as_string(hide_password=True)} "
    f"(set {URL_VARIABLES[name]} to use another server)"
    for name, label in (("postgresql", "PostgreSQL"), ("mysql", "MariaDB"))
}
DIALECT_NAMES = tuple(URLS)
_engines: dict[str, sa.Engine | str] = {}


def make_engine(name: str) -> sa.Engine:
    """The shared engine for a dialect, or skip/fail when its server is down."""
    if name not in _engines:
        try:
            # Custom data written by the library's writer, as an application should (docs/sql.md).
            if name == "sqlite":
                engine = sa.create_engine(URLS[name], poolclass=StaticPool, json_serializer=dumps_json)
            else:
                engine = sa.create_engine(URLS[name], pool_size=2, json_serializer=dumps_json)
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            _engines[name] = engine
        except sa.exc.OperationalError as exc:
            _engines[name] = str(exc.orig).splitlines()[0]
    found = _engines[name]
    if isinstance(found, str):
        require_server(SERVER_NAMES[name], found)
        raise AssertionError("unreachable")
    return found


@dataclass
class Store:
    """A table for one schema in one database, loaded fresh by each test."""

    dialect: str
    schema: Schema
    engine: sa.Engine
    table: sa.Table
    mapping: SqlMapping
    connection: sa.Connection
    extra: dict[str, Any] = field(default_factory=dict)

    def load(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replace the table's rows; returns the rows as the database holds them."""
        stored = [self.stored(row) for row in rows]
        with self.connection.begin():
            self.connection.execute(self.table.delete())
            if stored:
                self.connection.execute(self.table.insert(), stored)
        return stored

    def stored(self, row: dict[str, Any]) -> dict[str, Any]:
        out = {f.name: row.get(f.name) for f in self.schema.fields}
        if self.dialect == "mysql":  # MariaDB keeps `number` fields as DOUBLE (docs/sql.md)
            for f in self.schema.fields:
                if f.type is FieldType.NUMBER and out[f.name] is not None:
                    out[f.name] = float(out[f.name])
        return out

    def page(self, body: dict[str, Any], secret: str | None = None) -> Page[dict[str, Any]]:
        with self.connection.begin():
            return paginate(self.schema.parse(body), self.connection, self.mapping, secret=secret)


_stores: dict[tuple[str, str], Store] = {}


def get_store(dialect: str, schema: Schema) -> Store:
    key = (dialect, schema.name)
    if key not in _stores:
        engine = make_engine(dialect)
        metadata = sa.MetaData()
        table = schema_table(schema, metadata, f"sft_{schema.name}_{os.getpid()}")
        metadata.drop_all(engine)
        metadata.create_all(engine)
        _stores[key] = Store(dialect, schema, engine, table, map_table(schema, table), engine.connect())
    return _stores[key]


def drop_stores() -> None:
    for store in _stores.values():
        store.connection.close()
        store.table.drop(store.engine, checkfirst=True)
    _stores.clear()


def walk(store: Store, body: dict[str, Any], secret: str | None = None) -> list[Page[dict[str, Any]]]:
    """Every page from the first, following `next` (at most 200 pages)."""
    pages = [store.page(body, secret)]
    while pages[-1].next and len(pages) < 200:
        pages.append(store.page({**body, "next": pages[-1].next}, secret))
    return pages


def reference_order(schema: Schema, rows: Sequence[dict[str, Any]], sort: Sequence[tuple[str, int]]) -> list[Any]:
    """Tie-breaker values in SPEC order: nulls lowest, strings by code point."""

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, direction in sort:
            x, y = a.get(name), b.get(name)
            if x is None or y is None:
                if x is None and y is None:
                    continue
                return (-1 if x is None else 1) * direction
            if x != y:
                return (-1 if x < y else 1) * direction
        return 0

    return [r[schema.tie_breaker] for r in sorted(rows, key=functools.cmp_to_key(compare))]
