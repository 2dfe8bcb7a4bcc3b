"""`paginate` through each client (elasticsearch-py, opensearch-py; sync and async): the body on the wire is ours.

Each client talks to the emulator through `Recorder`, which keeps the bytes
the client sent. The search request must be `POST /<index>/_search` with no
URL parameters (`sort`, `size`, `search_after` are not moved into the query
string, as opensearch-py does with a `sort` keyword) and a body that is
exactly the body `paginate` handed the client (the first is `compile_search`
of the query); the page is read from the answer the client returns.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from opensearchpy import AsyncOpenSearch, OpenSearch

from stream_filters import Page, Query
from stream_filters.elasticsearch import (
    Engine,
    async_client_for,
    client_for,
    compile_search,
    detect_engine,
    engine_of,
    paginate,
    paginate_async,
)
from tests.elasticsearch.emulator import Emulator
from tests.elasticsearch.recorder import Recorder
from tests.schemas import ALL_TYPES

ROWS = [{"id": f"r{i}", "count": i % 3, "name": "Jo" if i % 2 else None} for i in range(7)]
REQUEST = {"filter_conditions": {"count": {"$gte": 1}}, "sort": [{"field": "name", "direction": 1}], "limit": 2}
Pager = Callable[[Query, str], Page[Any]]


class Spy:
    """The client, keeping each body `paginate` hands it (a copy, before the client sees it)."""

    def __init__(self, client: Any, built: list[dict[str, Any]]) -> None:
        self.client, self.built = client, built

    def search(self, *, index: str, body: dict[str, Any]) -> Any:
        self.built.append(copy.deepcopy(body))
        return self.client.search(index=index, body=body)


class AsyncSpy(Spy):
    async def search(self, *, index: str, body: dict[str, Any]) -> Any:  # type: ignore[override]
        self.built.append(copy.deepcopy(body))
        return await self.client.search(index=index, body=body)


def _sync(client: Any, built: list[dict[str, Any]]) -> Pager:
    return lambda query, index: paginate(query, Spy(client, built), index)


def _async(make: Callable[[], Any], built: list[dict[str, Any]]) -> Pager:
    def page(query: Query, index: str) -> Page[Any]:
        async def run() -> Page[Any]:
            client = make()  # inside the loop: an aiohttp session belongs to one
            try:
                return await paginate_async(query, AsyncSpy(client, built), index)
            finally:
                await client.close()

        return asyncio.run(run())

    return page


CLIENTS: dict[str, Callable[[str, list[dict[str, Any]]], Pager]] = {
    "elasticsearch": lambda url, built: _sync(Elasticsearch(url), built),
    "elasticsearch-async": lambda url, built: _async(lambda: AsyncElasticsearch(url), built),
    "opensearch": lambda url, built: _sync(OpenSearch(hosts=[url]), built),
    "opensearch-async": lambda url, built: _async(lambda: AsyncOpenSearch(hosts=[url]), built),
}


@pytest.fixture(scope="module")
def index(emulator: Emulator) -> Iterator[str]:
    name = emulator.create(ALL_TYPES, ROWS)
    yield name
    emulator.delete(name)


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_the_body_on_the_wire_is_the_compiled_body(emulator: Emulator, index: str, name: str) -> None:
    recorder = Recorder(emulator.url, as_elasticsearch=name.startswith("elasticsearch"))
    built: list[dict[str, Any]] = []
    try:
        pages = CLIENTS[name](recorder.url, built)
        query = ALL_TYPES.parse(REQUEST)
        first = pages(query, index)
        second_query = ALL_TYPES.parse({**REQUEST, "next": first.next})
        second = pages(second_query, index)
    finally:
        recorder.close()
    assert [r["id"] for r in first.items] == ["r2", "r4"]
    assert first.next is not None and first.prev is None
    assert [r["id"] for r in second.items] == ["r1", "r5"]
    searches = recorder.searches()
    assert len(searches) == len(built) >= 2
    assert {(s.method, s.path, s.query) for s in searches} == {("POST", f"/{index}/_search", "")}
    assert [json.loads(s.body) for s in searches] == built
    assert built[0] == compile_search(query)
    assert built[1] == compile_search(second_query)
    assert built[1]["search_after"] == [None, "r4"]
    media = searches[0].headers["content-type"]
    if name.startswith("elasticsearch"):
        assert media.startswith("application/vnd.elasticsearch+json; compatible-with=")
    else:
        assert media == "application/json"


ELASTICSEARCH_INFO = {
    "name": "n1",
    "version": {"number": "9.1.0", "build_flavor": "default"},
    "tagline": "You Know, for Search",
}


def test_the_engine_is_read_from_get_root(emulator: Emulator) -> None:
    assert engine_of(ELASTICSEARCH_INFO) is Engine.ELASTICSEARCH
    assert engine_of(emulator.client.info()) is Engine.OPENSEARCH
    assert detect_engine(emulator.url) is Engine.OPENSEARCH


def test_client_for_picks_the_family(emulator: Emulator) -> None:
    detected, named = client_for(emulator.url), client_for(emulator.url, engine="elasticsearch")
    assert (type(detected), type(named)) == (OpenSearch, Elasticsearch)
    assert type(async_client_for(emulator.url, engine=Engine.OPENSEARCH)) is AsyncOpenSearch
    assert type(async_client_for(emulator.url, engine="elasticsearch")) is AsyncElasticsearch
    with pytest.raises(ValueError, match="'solr' is not a valid Engine"):
        client_for(emulator.url, engine="solr")
    detected.close()
    named.close()
