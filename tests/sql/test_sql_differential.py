"""Differential property test: random rows and requests from the public
strategies, loaded into each database and into memory; whole `next` walks must
give identical page contents, order, and `next`/`prev` presence.

Refusals are part of the contract: where a dialect refuses an input with the
`unsupported` error (σ/ς in `$autocomplete`/`$q` on PostgreSQL and MariaDB),
the example is discarded, and the refusal itself is tested in
test_sql_textmatch.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings

from stream_filters import FilterError, Schema, memory
from stream_filters.strategies import requests, row_lists
from tests.schemas import ALL_TYPES, SCHEMAS
from tests.sql.harness import get_store, walk

EXAMPLES = 500


def _memory_walk(schema: Schema, rows: list[dict[str, Any]], body: dict[str, Any]) -> list[Any]:
    pages = [memory.paginate(schema.parse(body), rows)]
    while pages[-1].next and len(pages) < 200:
        pages.append(memory.paginate(schema.parse({**body, "next": pages[-1].next}), rows))
    return pages


def _shape(pages: list[Any], tie: str) -> list[tuple[list[Any], bool, bool]]:
    return [([item[tie] for item in p.items], p.next is not None, p.prev is not None) for p in pages]


def _check(dialect: str, schema: Schema, rows: list[dict[str, Any]], body: dict[str, Any]) -> None:
    store = get_store(dialect, schema)
    stored = store.load(rows)
    present = [{k: v for k, v in row.items() if v is not None} for row in stored]
    try:
        sql_pages = walk(store, body)
    except FilterError as exc:
        if exc.codes == ["unsupported"]:
            reject()
        raise
    expected = _shape(_memory_walk(schema, present, body), schema.tie_breaker)
    assert _shape(sql_pages, schema.tie_breaker) == expected


@pytest.mark.parametrize("schema_name", ["all_types", "query_members", "query_calls"])
def test_sql_agrees_with_memory(dialect: str, schema_name: str) -> None:
    schema = SCHEMAS[schema_name]
    examples = EXAMPLES if schema is ALL_TYPES else EXAMPLES // 5

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=row_lists(schema, max_size=12), body=requests(schema, max_limit=5))
    def check(rows: list[dict[str, Any]], body: dict[str, Any]) -> None:
        _check(dialect, schema, rows, body)

    check()
