"""The shared conformance table on each engine (evaluator, osmem): page 1 holds exactly the expected ids.

Also walks each case's whole result with `next` against the in-memory backend.
"""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import Page, Query
from stream_filters.elasticsearch import paginate
from stream_filters.memory import paginate as memory_paginate
from tests.conformance.cases import CASES, Case
from tests.elasticsearch.dsl import assert_accepted
from tests.elasticsearch.harness import SECRET, walk


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(engine: Any, case: Case) -> None:
    with engine.indexed(case.schema, case.rows) as (client, index):
        page = paginate(case.query(), client, index)
    assert case.ids(page.items) == case.expected_ids
    for body in client.bodies:
        assert_accepted(body)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_walk_matches_memory(engine: Any, case: Case) -> None:
    rows = list(case.rows)

    def in_memory(query: Query) -> Page[Any]:
        return memory_paginate(query, rows, secret=SECRET)

    with engine.indexed(case.schema, case.rows) as (client, index):

        def es(query: Query) -> Page[Any]:
            return paginate(query, client, index, secret=SECRET)

        walk(case.schema, {**case.request, "limit": 2}, es, in_memory)
