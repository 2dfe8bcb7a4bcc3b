"""The differential walk on a server, through each client of the family that server speaks.

The server is `ES_URL` when set (a real Elasticsearch or OpenSearch cluster,
e.g. ES_URL=http://localhost:9200), else the osmem-server emulator the
session started (conftest `emulator`), so this runs in CI. The client family
comes from the server's `GET /` (`client_for`): elasticsearch-py for
Elasticsearch, opensearch-py for OpenSearch and the emulator; each runs sync
(`paginate`) and async (`paginate_async`). On the emulator elasticsearch-py
walks too, through `Recorder`. Per example: an index (2 shards)
made with `index_mapping`, `document()` rows bulk-indexed with
`refresh="wait_for"`, a walk with `next` and `prev` compared page by page with
the in-memory backend, the index deleted.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Page, Query, Schema
from stream_filters.elasticsearch import (
    Engine,
    async_client_for,
    client_for,
    detect_engine,
    document,
    index_mapping,
    paginate,
    paginate_async,
)
from stream_filters.memory import paginate as memory_paginate
from stream_filters.strategies import requests, row_lists
from tests.elasticsearch.emulator import AdjustedClient, AsyncAdjustedClient
from tests.elasticsearch.harness import SECRET, walk
from tests.elasticsearch.recorder import Recorder
from tests.schemas import ALL_TYPES

ES_URL = os.environ.get("ES_URL")
pytestmark = [] if ES_URL else [pytest.mark.emulator]
Pager = Callable[[Query, str], Page[Any]]


@pytest.fixture(scope="module")
def url(request: pytest.FixtureRequest) -> str:
    """ES_URL, or the emulator's URL."""
    return ES_URL or str(request.getfixturevalue("emulator").url)


@pytest.fixture(scope="module")
def admin(url: str) -> Iterator[Any]:
    client = client_for(url)
    yield client
    client.close()


# On the emulator, elasticsearch-py also walks, through the recorder that
# stands in for what an Elasticsearch server does differently at the HTTP
# layer (recorder.py); with ES_URL, the client family is the server's.
PAGERS = ["sync", "async"] + ([] if ES_URL else ["elasticsearch-py-sync", "elasticsearch-py-async"])


@pytest.fixture(params=PAGERS)
def pager(request: pytest.FixtureRequest, url: str) -> Iterator[Pager]:
    """`paginate` or `paginate_async` through a client made by `client_for` / `async_client_for`."""
    recorder = Recorder(url, as_elasticsearch=True) if request.param.startswith("elasticsearch-py") else None
    target, engine = (recorder.url, Engine.ELASTICSEARCH) if recorder else (url, None)
    if not request.param.endswith("async"):
        client = client_for(target, engine=engine)
        searcher = client if ES_URL else AdjustedClient(client)
        yield lambda query, index: paginate(query, searcher, index, secret=SECRET)
        client.close()
    else:
        loop = asyncio.new_event_loop()
        async_client = async_client_for(target, engine=engine)
        async_searcher = async_client if ES_URL else AsyncAdjustedClient(async_client)
        yield lambda query, index: loop.run_until_complete(paginate_async(query, async_searcher, index, secret=SECRET))
        loop.run_until_complete(async_client.close())
        loop.close()
    if recorder:
        recorder.close()


CLIENT_PACKAGE = {Engine.ELASTICSEARCH: "elasticsearch", Engine.OPENSEARCH: "opensearchpy"}


def test_the_client_family_follows_the_server(url: str, admin: Any) -> None:
    engine = detect_engine(url)
    assert engine is Engine(admin.info()["version"].get("distribution", "elasticsearch"))
    assert type(admin).__module__.split(".")[0] == CLIENT_PACKAGE[engine]
    if not ES_URL:
        assert engine is Engine.OPENSEARCH


def differential(admin: Any, pager: Pager, schema: Schema, rows: list[dict[str, Any]], request: dict[str, Any]) -> None:
    index = f"stream-filters-test-{uuid.uuid4().hex}"
    body = {"mappings": index_mapping(schema), "settings": {"number_of_shards": 2}}
    admin.indices.create(index=index, body=body)
    try:
        operations: list[dict[str, Any]] = []
        for number, row in enumerate(rows):
            operations += [{"index": {"_index": index, "_id": str(number)}}, document(schema, row)]
        if operations:
            assert not admin.bulk(body=operations, refresh="wait_for")["errors"]

        def in_memory(query: Query) -> Page[Any]:
            return memory_paginate(query, rows, secret=SECRET)

        walk(schema, request, lambda query: pager(query, index), in_memory)
    finally:
        admin.indices.delete(index=index)


@pytest.mark.parametrize("schema", [ALL_TYPES, QUERY_CALLS, QUERY_MEMBERS], ids=lambda s: s.name)
def test_server_pages_equal_memory_pages(admin: Any, pager: Pager, schema: Schema) -> None:
    @settings(
        max_examples=int(os.environ.get("ES_EXAMPLES", "20")),
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        request = data.draw(requests(schema, max_limit=4), label="request")
        rows = data.draw(row_lists(schema, min_size=6, max_size=25), label="rows")
        differential(admin, pager, schema, rows, request)

    check()
