"""Pages from an Elasticsearch index: the shared page plan over one `fetch` primitive.

`fetch` is one search: the compiled filter, the sort (reversed to walk
backwards), `size` = the fetch's count and `search_after` = the boundary's
keys. Items are the rows the documents were made from (`row_from_source`), so
cursors are the same as the in-memory backend's for the same rows.

The body goes to `client.search(index=..., body=...)` whole. Both client
families take that call: elasticsearch-py 8/9 sends `body` as is, and
opensearch-py, which turns a `sort`, `size` or `search_after` keyword into a
URL parameter, has nothing to move out of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..cursors import Secrets, SortValue, sort_values
from ..pagination import Fetch, Page, plan, run, run_async
from ..query import Query
from .compiler import Compiled
from .mapping import Layout, Row, layout_for, row_from_source


class SearchClient(Protocol):
    """What `paginate` needs of `elasticsearch.Elasticsearch` or `opensearchpy.OpenSearch`."""

    def search(self, *, index: str, body: dict[str, Any]) -> Any: ...


class AsyncSearchClient(Protocol):
    """What `paginate_async` needs of `elasticsearch.AsyncElasticsearch` or `opensearchpy.AsyncOpenSearch`."""

    async def search(self, *, index: str, body: dict[str, Any]) -> Any: ...


class _Pager:
    def __init__(self, query: Query, layout: Layout | None) -> None:
        self.query = query
        self.layout = layout_for(query.schema, layout)
        self.compiled = Compiled(query, self.layout)

    def sort_values(self, row: Row) -> tuple[SortValue, ...]:
        return sort_values(self.query, row)

    def rows(self, response: Mapping[str, Any]) -> list[Row]:
        hits: Sequence[Mapping[str, Any]] = response["hits"]["hits"]
        return [row_from_source(self.query.schema, hit["_source"], self.layout) for hit in hits]


def paginate(
    query: Query, client: SearchClient, index: str, *, layout: Layout | None = None, secret: Secrets = None
) -> Page[Row]:
    """The page `query` asks for, from `index` (made with `index_mapping` and `document`)."""
    pager = _Pager(query, layout)

    def fetch(request: Fetch) -> list[Row]:
        return pager.rows(client.search(index=index, body=pager.compiled.body(request)))

    return run(plan(query, pager.sort_values, secret), fetch)


async def paginate_async(
    query: Query,
    client: AsyncSearchClient,
    index: str,
    *,
    layout: Layout | None = None,
    secret: Secrets = None,
) -> Page[Row]:
    """`paginate` for `elasticsearch.AsyncElasticsearch` or `opensearchpy.AsyncOpenSearch`."""
    pager = _Pager(query, layout)

    async def fetch(request: Fetch) -> list[Row]:
        return pager.rows(await client.search(index=index, body=pager.compiled.body(request)))

    return await run_async(plan(query, pager.sort_values, secret), fetch)
