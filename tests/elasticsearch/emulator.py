"""osmem-server: an engine written elsewhere, in CI, for the suites the evaluator runs.

`osmem-server` (PyPI) is an in-memory emulator of the OpenSearch 3.8 REST API
and query DSL: a Go binary inside the wheel, built on the bleve library, not
Lucene. It is started once per test session on 127.0.0.1 on a free port
(`Emulator.start`); `Emulator.indexed(schema, rows)` creates an index with
`index_mapping`, bulk-indexes `document()` rows, and yields a client to page it
with, and deletes the index afterwards.

Where the emulator deviates from Lucene, `adjusted` rewrites what is sent to
it (never what the library returns) into a body that means the same under
Lucene's rules and that the emulator answers as Lucene does. Each rewrite is
listed in `DEVIATIONS` with the upstream behaviour it stands for.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch
from osmem_server import OsmemServer

from stream_filters import Schema
from stream_filters.elasticsearch import document, index_mapping

# What the emulator answers differently from Lucene/Elasticsearch, checked
# against the upstream documentation, and what the harness sends instead.
DEVIATIONS = {
    "empty upper bound": (
        'osmem treats a keyword `range` upper bound of "" as absent: `lt ""` and `lte ""` match every value'
        ' (its `gt ""` and `gte ""` are right). In Lucene a `TermRangeQuery` bound is a term compared by its'
        ' bytes and "" is the smallest term, so `lt ""` matches nothing and `lte ""` only "". The harness'
        ' sends `match_none` for `lt ""` and a `term` on "" for `lte ""`.'
    ),
    "term length": (
        "osmem indexes keyword terms of any length; Lucene refuses a term over 32,766 UTF-8 bytes"
        ' ("immense term", IndexWriter.MAX_TERM_LENGTH). Not a rewrite: document() refuses those values'
        " before they are sent, which the evaluator checks (test_es_mapping.py)."
    ),
}


def adjusted(body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with each deviation rewritten (a deep copy; `body` itself is untouched)."""
    out = copy.deepcopy(dict(body))
    if "query" in out:
        out["query"] = _query(out["query"])
    return out


def _query(node: Any) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        return node
    ((kind, spec),) = node.items()
    if kind == "bool":
        return {"bool": {k: [_query(q) for q in v] if isinstance(v, list) else v for k, v in spec.items()}}
    if kind == "range":
        ((field, bounds),) = spec.items()
        if bounds.get("lt") == "":
            return {"match_none": {}}
        if bounds.get("lte") == "":
            rest = {op: value for op, value in bounds.items() if op != "lte"}
            term = {"term": {field: ""}}
            return {"bool": {"filter": [term, {"range": {field: rest}}]}} if rest else term
    return node


class AdjustedClient:
    """A client whose `search` sends `adjusted(body)`: what `paginate` gets when the engine is the emulator.

    `bodies` are the bodies `paginate` built, as it built them.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.bodies: list[dict[str, Any]] = []

    def search(self, *, index: str, body: dict[str, Any]) -> Any:
        self.bodies.append(body)
        return self.client.search(index=index, body=adjusted(body))


class AsyncAdjustedClient:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def search(self, *, index: str, body: dict[str, Any]) -> Any:
        return await self.client.search(index=index, body=adjusted(body))


@dataclass
class Emulator:
    server: OsmemServer
    client: OpenSearch
    name = "osmem"

    @classmethod
    def start(cls) -> Emulator:
        server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
        return cls(server, OpenSearch(hosts=[server.url], timeout=30))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def version(self) -> str:
        return self.server.version

    def stop(self) -> None:
        self.client.close()
        self.server.close()

    def create(self, schema: Schema, rows: Sequence[Mapping[str, Any]], shards: int = 1) -> str:
        """A new index holding `document()` of each row (id = its position), refreshed."""
        name = f"stream-filters-{next(_numbers)}"
        body = {"mappings": index_mapping(schema), "settings": {"number_of_shards": shards}}
        self.client.indices.create(index=name, body=body)
        operations: list[dict[str, Any]] = []
        for number, row in enumerate(rows):
            operations += [{"index": {"_index": name, "_id": str(number)}}, document(schema, row)]
        if operations:
            answer = self.client.bulk(body=operations)
            assert not answer["errors"], answer
        # A separate refresh: `refresh=true` on the bulk request costs osmem about 20 ms more.
        self.client.indices.refresh(index=name)
        return name

    def delete(self, index: str) -> None:
        self.client.indices.delete(index=index)

    @contextmanager
    def indexed(self, schema: Schema, rows: Sequence[Mapping[str, Any]]) -> Iterator[tuple[AdjustedClient, str]]:
        """`create`, then (a client for `paginate`, the index name); the index is deleted afterwards."""
        index = self.create(schema, rows)
        try:
            yield AdjustedClient(self.client), index
        finally:
            self.delete(index)


_numbers = itertools.count(1)
