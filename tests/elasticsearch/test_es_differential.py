"""Elasticsearch (through the test evaluator) pages exactly as the in-memory backend, for random rows and requests.

Each example indexes rows with `index_mapping`/`document`, then walks every
page with `next` (and back with `prev`) through `paginate` — the compiled
bodies go through the official DSL round-trip and the evaluator — and
compares with `stream_filters.memory.paginate`: same rows, order and cursors.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Page, Query, Schema, SortKey
from stream_filters.elasticsearch import document, index_mapping, paginate, paginate_async
from stream_filters.strategies import CUSTOM_KEYS, filters, json_scalars, requests, row_lists, sorts
from tests.elasticsearch.dsl import assert_accepted
from tests.elasticsearch.evaluator import AsyncFakeElasticsearch, FakeElasticsearch
from tests.elasticsearch.harness import SECRET, walk
from tests.schemas import ALL_TYPES

memory = pytest.importorskip("stream_filters.memory", reason="the in-memory backend is not in this checkout yet")

INDEX = "rows"


def indexed(schema: Schema, rows: list[dict[str, Any]]) -> FakeElasticsearch:
    client = FakeElasticsearch()
    client.create_index(INDEX, index_mapping(schema))
    for number, row in enumerate(rows):
        client.index(INDEX, str(number), document(schema, row))
    return client


def differential(schema: Schema, rows: list[dict[str, Any]], request: dict[str, Any]) -> int:
    client = indexed(schema, rows)

    def es(query: Query) -> Page[Any]:
        return paginate(query, client, INDEX, secret=SECRET)

    def in_memory(query: Query) -> Page[Any]:
        return memory.paginate(query, rows, secret=SECRET)

    pages = walk(schema, request, es, in_memory)
    for body in client.bodies:
        assert_accepted(body)
    return pages


@settings(max_examples=200)
@given(data=st.data())
def test_all_types(data: st.DataObject) -> None:
    request = data.draw(requests(ALL_TYPES, max_limit=4), label="request")
    differential(ALL_TYPES, data.draw(row_lists(ALL_TYPES, min_size=6, max_size=25), label="rows"), request)


@settings(max_examples=100)
@given(data=st.data())
def test_query_calls(data: st.DataObject) -> None:
    request = data.draw(requests(QUERY_CALLS, max_limit=4), label="request")
    differential(QUERY_CALLS, data.draw(row_lists(QUERY_CALLS, min_size=6, max_size=25), label="rows"), request)


@settings(max_examples=100)
@given(data=st.data())
def test_query_members(data: st.DataObject) -> None:
    request = data.draw(requests(QUERY_MEMBERS, max_limit=4), label="request")
    differential(QUERY_MEMBERS, data.draw(row_lists(QUERY_MEMBERS, min_size=6, max_size=25), label="rows"), request)


def focused(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Requests with one or two conditions: each operator's edge cases decide the page, not an OR around it."""
    return st.fixed_dictionaries(
        {"filter_conditions": filters(schema, max_depth=1, max_conditions=2)},
        optional={"sort": sorts(schema), "limit": st.integers(1, 4)},
    )


@settings(max_examples=200)
@given(data=st.data())
def test_all_types_focused(data: st.DataObject) -> None:
    request = data.draw(focused(ALL_TYPES), label="request")
    differential(ALL_TYPES, data.draw(row_lists(ALL_TYPES, min_size=10, max_size=25), label="rows"), request)


# Custom data from the shared strategies is sparse (most rows have none); here
# every row has several paths of mixed types, so that type brackets, paths
# that are prefixes of others and objects/arrays under a path decide pages.
CUSTOM_ONLY = Schema(
    name="custom_only",
    fields=(ALL_TYPES.by_name["id"], ALL_TYPES.by_name["custom"]),
    tie_breaker="id",
    default_sort=(SortKey("id", 1),),
)
dense_custom = st.dictionaries(
    st.sampled_from(CUSTOM_KEYS),
    st.one_of(
        json_scalars,
        json_scalars,
        st.dictionaries(st.sampled_from(CUSTOM_KEYS), json_scalars, max_size=3),
        st.lists(json_scalars, max_size=2),
        st.none(),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150)
@given(data=st.data())
def test_dense_custom_data(data: st.DataObject) -> None:
    request = data.draw(
        st.fixed_dictionaries(
            {"filter_conditions": filters(CUSTOM_ONLY, max_depth=1, max_conditions=2)},
            optional={"sort": sorts(ALL_TYPES), "limit": st.integers(1, 4)},
        ),
        label="request",
    )
    rows = data.draw(row_lists(ALL_TYPES, min_size=8, max_size=20), label="rows")
    for row in rows:
        row["custom"] = data.draw(dense_custom, label="custom")
    differential(ALL_TYPES, rows, request)


@settings(max_examples=30)
@given(data=st.data())
def test_async_pages_equal_sync_pages(data: st.DataObject) -> None:
    rows = data.draw(row_lists(ALL_TYPES, max_size=15), label="rows")
    query = ALL_TYPES.parse(data.draw(requests(ALL_TYPES, max_limit=4), label="request"))
    client = indexed(ALL_TYPES, rows)
    sync_page = paginate(query, client, INDEX)
    async_page = asyncio.run(paginate_async(query, AsyncFakeElasticsearch(client), INDEX))
    assert async_page == sync_page
