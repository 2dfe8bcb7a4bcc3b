"""Pages from an Elasticsearch index: the shared page plan over one `fetch` primitive.

`fetch` is one search: the compiled filter, the sort (reversed to walk
backwards), `size` = the fetch's count and `search_after` = the boundary's
keys. Items are the rows the documents were made from (`row_from_source`), so
cursors are the same as the in-memory backend's for the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..cursors import Secrets, SortValue
from ..pagination import Fetch, Page, plan, run, run_async
from ..query import Query
from .compiler import Compiled
from .mapping import Layout, Row, layout_for, row_from_source


class SearchClient(Protocol):
    """What `paginate` needs of `elasticsearch.Elasticsearch`."""

    def search(self, *, index: str, **body: Any) -> Any: ...


class AsyncSearchClient(Protocol):
    """What `paginate_async` needs of `elasticsearch.AsyncElasticsearch`."""

    async def search(self, *, index: str, **body: Any) -> Any: ...


class _Pager:
    def __init__(self, query: Query, layout: Layout | None) -> None:
        self.query = query
        self.layout = layout_for(query.schema, layout)
        self.compiled = Compiled(query, self.layout)
        self.fields = [key.field for key in query.sort]

    def sort_values(self, row: Row) -> tuple[SortValue, ...]:
        return tuple(row.get(name) for name in self.fields)

    def rows(self, response: Mapping[str, Any]) -> list[Row]:
        hits: Sequence[Mapping[str, Any]] = response["hits"]["hits"]
        return [row_from_source(self.query.schema, hit["_source"], self.layout) for hit in hits]


def paginate(
    query: Query, client: SearchClient, index: str, *, mapping: Layout | None = None, secret: Secrets = None
) -> Page[Row]:
    """The page `query` asks for, from `index` (made with `index_mapping` and `document`)."""
    pager = _Pager(query, mapping)

    def fetch(request: Fetch) -> list[Row]:
        return pager.rows(client.search(index=index, **pager.compiled.body(request)))

    return run(plan(query, pager.sort_values, secret), fetch)


async def paginate_async(
    query: Query,
    client: AsyncSearchClient,
    index: str,
    *,
    mapping: Layout | None = None,
    secret: Secrets = None,
) -> Page[Row]:
    """`paginate` for `elasticsearch.AsyncElasticsearch`."""
    pager = _Pager(query, mapping)

    async def fetch(request: Fetch) -> list[Row]:
        return pager.rows(await client.search(index=index, **pager.compiled.body(request)))

    return await run_async(plan(query, pager.sort_values, secret), fetch)
