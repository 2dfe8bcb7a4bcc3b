"""Scoped walks on Elasticsearch (through the test evaluator), sync and async,
against the in-memory backend (SPEC §8; the checks are in tests/scoped.py).
The hidden field is indexed like any other: only clients cannot name it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from stream_filters import Page, Query
from stream_filters.elasticsearch import document, index_mapping, paginate, paginate_async
from stream_filters.schema import QUERY_MEMBERS
from tests.elasticsearch.dsl import assert_accepted
from tests.elasticsearch.evaluator import AsyncFakeElasticsearch, FakeElasticsearch
from tests.schemas import ALL_TYPES
from tests.scoped import SECRET, check_scoped_walk, requests, scopes, tenant_rows, with_tenant

SCHEMAS = {s.name: s for s in (with_tenant(ALL_TYPES), with_tenant(QUERY_MEMBERS))}
INDEX = "rows"


def test_the_hidden_field_is_indexed() -> None:
    schema = SCHEMAS["all_types_scoped"]
    assert "tenant_id" in index_mapping(schema)["properties"]
    assert document(schema, {"id": "a", "tenant_id": "t1"})["tenant_id"] == "t1"


@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
@pytest.mark.parametrize("asynchronous", [False, True])
def test_scoped_walks_agree_with_memory(schema_name: str, asynchronous: bool) -> None:
    schema = SCHEMAS[schema_name]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=tenant_rows(schema, max_size=14), scope=scopes(schema), body=requests(schema))
    def check(rows: list[dict[str, Any]], scope: dict[str, Any], body: dict[str, Any]) -> None:
        client = FakeElasticsearch()
        client.create_index(INDEX, index_mapping(schema))
        for number, row in enumerate(rows):
            client.index(INDEX, str(number), document(schema, row))

        def pager(query: Query) -> Page[Any]:
            if asynchronous:
                return asyncio.run(paginate_async(query, AsyncFakeElasticsearch(client), INDEX, secret=SECRET))
            return paginate(query, client, INDEX, secret=SECRET)

        check_scoped_walk(schema, rows, scope, body, pager)
        for body_sent in client.bodies:
            assert_accepted(body_sent)

    check()
