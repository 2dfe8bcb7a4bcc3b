"""Every backend behind one interface, for the shared conformance table and coverage tests.

`BACKENDS` is the one list: memory (the reference), SQLite, PostgreSQL,
MariaDB, Elasticsearch (the documented-semantics evaluator in
tests/elasticsearch/evaluator.py) and the Django ORM on each of the three
databases (tests/django_orm/harness.py). Adding a backend to the test suite is one
`Backend` entry here: its `compile` (a filter AST to whatever the backend
runs, no I/O) and its `open` (rows loaded into a store; a function from
request body to `Page`).

A backend that needs a server (PostgreSQL, MariaDB) skips with the reason
locally when the server is down and fails under STREAM_FILTERS_REQUIRE_DBS=1
(tests.conftest.require_server).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from stream_filters import Node, Page, Schema, memory
from stream_filters import django as django_backend
from stream_filters import elasticsearch as es
from stream_filters import sql as sql_backend
from stream_filters.django import vendors as django_vendors
from stream_filters.elasticsearch.compiler import compile_filter as es_compile_filter
from stream_filters.elasticsearch.mapping import layout_for
from stream_filters.sql.dialects import DIALECTS
from tests.django_orm import harness as django_harness
from tests.elasticsearch.dsl import assert_accepted
from tests.elasticsearch.evaluator import FakeElasticsearch
from tests.sql.harness import get_store

Row = Mapping[str, Any]
Pager = Callable[..., Page[Any]]  # (request body, secret=None) -> Page


@dataclass(frozen=True)
class Backend:
    name: str
    compile: Callable[[Schema, Node], object]
    open: Callable[[Schema, Sequence[Row]], Pager]


# -- memory -----------------------------------------------------------------------------


def _memory_open(schema: Schema, rows: Sequence[Row]) -> Pager:
    def page(body: Mapping[str, Any], secret: str | None = None) -> Page[Any]:
        return memory.paginate(schema.parse(dict(body)), rows, secret=secret)

    return page


# -- SQL ------------------------------------------------------------------------------


def _mariadb() -> sa.Dialect:
    dialect = mysql.dialect(is_mariadb=True)
    dialect._support_float_cast = True  # as `initialize()` finds on a connection to MariaDB 10.4+
    return dialect


_SA_DIALECTS: dict[str, sa.Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),
    "mysql": _mariadb(),
}


@cache
def _sql_mapping(schema: Schema) -> sql_backend.SqlMapping:
    table = sql_backend.schema_table(schema, sa.MetaData(), f"coverage_{schema.name}")
    return sql_backend.map_table(schema, table)


def _sql_compile(dialect: str) -> Callable[[Schema, Node], object]:
    def compile_sql(schema: Schema, node: Node) -> object:
        where = sql_backend.compile_filter(node, _sql_mapping(schema), DIALECTS[dialect])
        return str(where.compile(dialect=_SA_DIALECTS[dialect]))

    return compile_sql


def _sql_open(dialect: str) -> Callable[[Schema, Sequence[Row]], Pager]:
    def open_sql(schema: Schema, rows: Sequence[Row]) -> Pager:
        store = get_store(dialect, schema)
        store.load([dict(row) for row in rows])
        return store.page

    return open_sql


# -- Elasticsearch (evaluator) --------------------------------------------------------

_INDEX = "cases"


def _es_compile(schema: Schema, node: Node) -> object:
    return es_compile_filter(node, layout_for(schema, None))


def _es_open(schema: Schema, rows: Sequence[Row]) -> Pager:
    client = FakeElasticsearch()
    client.create_index(_INDEX, es.index_mapping(schema))
    for number, row in enumerate(rows):
        client.index(_INDEX, str(number), es.document(schema, row))

    def page(body: Mapping[str, Any], secret: str | None = None) -> Page[Any]:
        found = es.paginate(schema.parse(dict(body)), client, _INDEX, secret=secret)
        for sent in client.bodies:
            assert_accepted(sent)
        return found

    return page


# -- Django ORM ------------------------------------------------------------------------


def _django_compile(alias: str) -> Callable[[Schema, Node], object]:
    def compile_django(schema: Schema, node: Node) -> object:
        model = django_harness.model_for(schema)
        where = django_backend.compile_filter(node, _django_mapping(schema), django_vendors.VENDORS[alias])
        return model._default_manager.using(alias).filter(where).query.get_compiler(alias).as_sql()

    return compile_django


@cache
def _django_mapping(schema: Schema) -> django_backend.DjangoMapping:
    return django_backend.map_model(schema, django_harness.model_for(schema))


def _django_open(alias: str) -> Callable[[Schema, Sequence[Row]], Pager]:
    def open_django(schema: Schema, rows: Sequence[Row]) -> Pager:
        store = django_harness.get_store(alias, schema)
        store.load([dict(row) for row in rows])
        return store.page

    return open_django


BACKENDS: tuple[Backend, ...] = (
    Backend("memory", lambda schema, node: memory.compile_filter(node), _memory_open),
    *(Backend(name, _sql_compile(name), _sql_open(name)) for name in ("sqlite", "postgresql", "mysql")),
    Backend("elasticsearch", _es_compile, _es_open),
    *(Backend(f"django_{alias}", _django_compile(alias), _django_open(alias)) for alias in django_harness.ALIASES),
)


# (backend, case) pairs a backend does not answer yet, each with its reason. The
# runner marks them strict xfail: they show in every run's summary, and one that
# starts passing fails until it is taken off this list.
KNOWN_GAPS: dict[tuple[str, str], str] = {}
