"""Differential walks: random rows and requests from the public strategies,
loaded into each database through Django and into memory; the whole result
walked with `next`, and from every page back with `prev`, must give the same
rows, order and cursor tokens (tests.elasticsearch.harness.walk, shared).

Where a database refuses an input with `unsupported` (σ/ς in
`$autocomplete`/`$q` on PostgreSQL and MariaDB, as the SQL backend does), the
example is discarded.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings

from stream_filters import FilterError, Page, Query, memory
from stream_filters.strategies import requests, row_lists
from tests.django_orm.harness import get_store
from tests.elasticsearch.harness import SECRET, normalised, walk
from tests.schemas import ALL_TYPES, SCHEMAS

EXAMPLES = 60


@pytest.mark.parametrize("schema_name", ["all_types", "query_members", "query_calls"])
def test_django_agrees_with_memory(alias: str, schema_name: str) -> None:
    schema = SCHEMAS[schema_name]
    store = get_store(alias, schema)  # skip or fail now if the server is down

    @settings(
        max_examples=EXAMPLES if schema is ALL_TYPES else EXAMPLES // 3,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(rows=row_lists(schema, max_size=12), body=requests(schema, max_limit=5))
    def check(rows: list[dict[str, Any]], body: dict[str, Any]) -> None:
        present = [normalised(row) for row in store.load(rows)]

        def django(query: Query) -> Page[Any]:
            return store.paginate(query, SECRET)

        def in_memory(query: Query) -> Page[Any]:
            return memory.paginate(query, present, secret=SECRET)

        try:
            walk(schema, body, django, in_memory)
        except FilterError as exc:
            if exc.codes == ["unsupported"]:
                reject()
            raise

    check()
