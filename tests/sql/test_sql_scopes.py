"""Scoped walks on every SQL dialect, sync and async, against the in-memory
backend (SPEC §8; the checks are in tests/scoped.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy.ext.asyncio import create_async_engine

from stream_filters import Page, Query
from stream_filters.schema import QUERY_MEMBERS
from stream_filters.sql import paginate, paginate_async
from tests.schemas import ALL_TYPES
from tests.scoped import SECRET, check_scoped_walk, requests, scopes, tenant_rows, with_tenant
from tests.sql.harness import URLS, Store, get_store
from tests.sql.test_sql_async import ASYNC_DRIVERS

SCHEMAS = {s.name: s for s in (with_tenant(ALL_TYPES), with_tenant(QUERY_MEMBERS))}
EXAMPLES = 25


def _sync_pager(store: Store) -> Any:
    def pager(query: Query) -> Page[Any]:
        with store.connection.begin():
            return paginate(query, store.connection, store.mapping, secret=SECRET)

    return pager


@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
def test_scoped_walks_agree_with_memory(dialect: str, schema_name: str) -> None:
    schema = SCHEMAS[schema_name]
    store = get_store(dialect, schema)
    pager = _sync_pager(store)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=tenant_rows(schema, max_size=14), scope=scopes(schema), body=requests(schema))
    def check(rows: list[dict[str, Any]], scope: dict[str, Any], body: dict[str, Any]) -> None:
        check_scoped_walk(schema, store.load(rows), scope, body, pager)

    check()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"], indirect=True)
def test_scoped_walks_async(dialect: str) -> None:
    """The same checks through `paginate_async`, driven on a loop of its own so
    that the synchronous checker can call it."""
    schema = SCHEMAS["all_types_scoped"]
    store = get_store(dialect, schema)
    sync_driver, async_driver = ASYNC_DRIVERS[dialect]
    loop = asyncio.new_event_loop()
    engine = create_async_engine(URLS[dialect].replace(sync_driver, async_driver))
    conn = loop.run_until_complete(engine.connect())

    async def page(query: Query) -> Page[Any]:
        async with conn.begin():  # a transaction per page: it sees the rows each example loads
            return await paginate_async(query, conn, store.mapping, secret=SECRET)

    def pager(query: Query) -> Page[Any]:
        return loop.run_until_complete(page(query))

    @settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=tenant_rows(schema, max_size=12), scope=scopes(schema), body=requests(schema))
    def check(rows: list[dict[str, Any]], scope: dict[str, Any], body: dict[str, Any]) -> None:
        check_scoped_walk(schema, store.load(rows), scope, body, pager)

    try:
        check()
    finally:
        loop.run_until_complete(conn.close())
        loop.run_until_complete(engine.dispose())
        loop.close()
