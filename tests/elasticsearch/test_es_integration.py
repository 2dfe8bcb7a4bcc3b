"""The differential walk against a real Elasticsearch or OpenSearch cluster.

Runs only when ES_URL is set (e.g. ES_URL=http://localhost:9200): it creates an
index per example with `index_mapping`, indexes generated rows with
`document()`, refreshes, and pages with `paginate` through the official client,
comparing every page with the in-memory backend. CI has no cluster, so there
it is skipped: the documented exception; the same walk runs in CI on the test
evaluator (test_es_differential.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Page, Query, Schema
from stream_filters.elasticsearch import document, index_mapping, paginate
from stream_filters.memory import paginate as memory_paginate
from stream_filters.strategies import requests, row_lists
from tests.elasticsearch.harness import SECRET, walk
from tests.schemas import ALL_TYPES

ES_URL = os.environ.get("ES_URL")
if not ES_URL:
    pytest.skip(
        "ES_URL is not set: no Elasticsearch cluster (the documented exception: CI has none; "
        "the same differential walk runs there on the test evaluator)",
        allow_module_level=True,
    )

from elasticsearch import Elasticsearch, helpers  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Elasticsearch]:
    es = Elasticsearch(ES_URL, request_timeout=30)
    yield es
    es.close()


def differential(client: Elasticsearch, schema: Schema, rows: list[dict[str, Any]], request: dict[str, Any]) -> None:
    index = f"stream-filters-test-{uuid.uuid4().hex}"
    client.indices.create(index=index, mappings=index_mapping(schema), settings={"number_of_shards": 2})
    try:
        actions = [{"_index": index, "_id": str(n), "_source": document(schema, row)} for n, row in enumerate(rows)]
        helpers.bulk(client, actions, refresh="wait_for")

        def es(query: Query) -> Page[Any]:
            return paginate(query, client, index, secret=SECRET)

        def in_memory(query: Query) -> Page[Any]:
            return memory_paginate(query, rows, secret=SECRET)

        walk(schema, request, es, in_memory)
    finally:
        client.indices.delete(index=index)


@pytest.mark.parametrize("schema", [ALL_TYPES, QUERY_CALLS, QUERY_MEMBERS], ids=lambda s: s.name)
def test_cluster_pages_equal_memory_pages(client: Elasticsearch, schema: Schema) -> None:
    @settings(
        max_examples=int(os.environ.get("ES_EXAMPLES", "60")),
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        request = data.draw(requests(schema, max_limit=4), label="request")
        differential(client, schema, data.draw(row_lists(schema, min_size=6, max_size=25), label="rows"), request)

    check()
