"""The shared conformance table on Elasticsearch (evaluator), walked with `next`
and `prev` against the in-memory backend: same pages, same cursors.

(Page 1 of every case against its expected ids runs on every backend in
tests/conformance/test_conformance.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import Page, Query
from stream_filters.elasticsearch import document, index_mapping, paginate
from stream_filters.memory import paginate as memory_paginate
from tests.conformance.cases import CASES, Case
from tests.elasticsearch.evaluator import FakeElasticsearch
from tests.elasticsearch.harness import SECRET, walk

INDEX = "cases"


def _client(case: Case) -> FakeElasticsearch:
    client = FakeElasticsearch()
    client.create_index(INDEX, index_mapping(case.schema))
    for number, row in enumerate(case.rows):
        client.index(INDEX, str(number), document(case.schema, row))
    return client


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_walk_matches_memory(case: Case) -> None:
    client = _client(case)
    rows = list(case.rows)

    def es(query: Query) -> Page[Any]:
        return paginate(query, client, INDEX, secret=SECRET)

    def in_memory(query: Query) -> Page[Any]:
        return memory_paginate(query, rows, secret=SECRET)

    walk(case.schema, {**case.request, "limit": 2}, es, in_memory)
