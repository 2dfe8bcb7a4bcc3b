"""`paginate` through the official client classes: the request they send is exactly our body.

The transport is replaced by the test evaluator, so this runs without a
server; it proves that the keyword arguments `paginate` passes to
`Elasticsearch.search` / `AsyncElasticsearch.search` become the body we
compiled, unchanged, and that the responses are read as the client returns them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch

from stream_filters.elasticsearch import compile_search, document, index_mapping, paginate, paginate_async
from tests.elasticsearch.evaluator import Index
from tests.schemas import ALL_TYPES

ROWS = [{"id": f"r{i}", "count": i % 3, "name": "Jo" if i % 2 else None} for i in range(7)]
REQUEST = {"filter_conditions": {"count": {"$gte": 1}}, "sort": [{"field": "name", "direction": 1}], "limit": 2}


def _index() -> Index:
    index = Index(index_mapping(ALL_TYPES))
    for row in ROWS:
        index.add(row["id"], document(ALL_TYPES, row))
    return index


class Transport:
    def __init__(self) -> None:
        self.index = _index()
        self.sent: list[tuple[str, str, Any, Any]] = []

    def __call__(self, method: str, path: str, *, params: Any = None, body: Any = None, **_: Any) -> Any:
        self.sent.append((method, path, params, body))
        return self.index.search(body)


def test_sync_client_sends_the_compiled_body() -> None:
    client = Elasticsearch("http://localhost:9200")
    transport = Transport()
    client.perform_request = transport  # type: ignore[method-assign]
    query = ALL_TYPES.parse(REQUEST)
    first = paginate(query, client, "rows")
    assert [r["id"] for r in first.items] == ["r2", "r4"]
    assert first.next is not None and first.prev is None
    method, path, params, body = transport.sent[0]
    assert (method, path, params) == ("POST", "/rows/_search", {})
    assert body == compile_search(query)
    second = paginate(ALL_TYPES.parse({**REQUEST, "next": first.next}), client, "rows")
    assert [r["id"] for r in second.items] == ["r1", "r5"]
    assert transport.sent[1][3]["search_after"] == [None, "r4"]


def test_async_client_sends_the_compiled_body() -> None:
    client = AsyncElasticsearch("http://localhost:9200", node_class="httpxasync")
    transport = Transport()

    async def perform_request(method: str, path: str, **kwargs: Any) -> Any:
        return transport(method, path, **kwargs)

    client.perform_request = perform_request  # type: ignore[method-assign]
    query = ALL_TYPES.parse(REQUEST)
    page = asyncio.run(paginate_async(query, client, "rows"))
    assert [r["id"] for r in page.items] == ["r2", "r4"]
    assert transport.sent[0][3] == compile_search(query)
