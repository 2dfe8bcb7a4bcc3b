"""The differential walk shared by the suites on every engine (evaluator, emulator, a real cluster).

For one schema, rows and request: page through the whole result with `next`
on both backends, and from every page step back with `prev`; the pages must
hold the same rows in the same order with the same cursors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from stream_filters import Page, Query, Schema
from stream_filters.elasticsearch import document, index_mapping
from tests.elasticsearch.evaluator import FakeElasticsearch

SECRET = b"differential"
Pager = Callable[[Query], Page[Any]]


def normalised(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as compared: missing and null are one thing."""
    return {k: v for k, v in row.items() if v is not None}


def _same(schema: Schema, mine: Page[Any], theirs: Page[Any], where: str) -> None:
    tie = schema.tie_breaker
    assert [r[tie] for r in mine.items] == [r[tie] for r in theirs.items], where
    assert [normalised(r) for r in mine.items] == [normalised(r) for r in theirs.items], where
    assert (mine.next, mine.prev) == (theirs.next, theirs.prev), where


def walk(schema: Schema, request: Mapping[str, Any], es: Pager, memory: Pager, max_pages: int = 200) -> int:
    """Walk every page of `request` on both backends; returns the number of pages."""
    query = schema.parse(dict(request))
    previous: Page[Any] | None = None
    pages = 0
    while True:
        es_page, memory_page = es(query), memory(query)
        pages += 1
        _same(schema, es_page, memory_page, f"page {pages}")
        if previous is not None and es_page.prev is not None:
            back = schema.parse({**request, "prev": es_page.prev})
            es_back, memory_back = es(back), memory(back)
            _same(schema, es_back, memory_back, f"prev of page {pages}")
            assert [r[schema.tie_breaker] for r in es_back.items] == [r[schema.tie_breaker] for r in previous.items]
        if es_page.next is None or pages >= max_pages:
            return pages
        previous = es_page
        query = schema.parse({**request, "next": es_page.next})


class EvaluatorEngine:
    """The evaluator as an engine of the suites (conftest `engine`), with `Emulator.indexed`'s shape."""

    name = "evaluator"

    @contextmanager
    def indexed(self, schema: Schema, rows: Sequence[Mapping[str, Any]]) -> Iterator[tuple[FakeElasticsearch, str]]:
        client = FakeElasticsearch()
        client.create_index("rows", index_mapping(schema))
        for number, row in enumerate(rows):
            client.index("rows", str(number), document(schema, row))
        yield client, "rows"
