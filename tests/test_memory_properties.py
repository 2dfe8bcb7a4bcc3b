"""The compiled predicates agree with a naive reading of the SPEC on random data."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_filters.memory import compile_filter, sort_rows
from stream_filters.strategies import filters, requests, row_lists
from tests.conformance.cases import CASES, Case
from tests.conformance.reference import matches, reference_sorted
from tests.schemas import SCHEMAS

NAMES = sorted(SCHEMAS)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=120)
@given(data=st.data())
def test_compiled_predicate_agrees_with_the_reference(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    node = schema.parse_filter(data.draw(filters(schema), label="filter"))
    rows = data.draw(row_lists(schema, max_size=12), label="rows")
    predicate = compile_filter(node)
    assert [predicate(row) for row in rows] == [matches(node, row) for row in rows]


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60)
@given(data=st.data())
def test_sort_rows_agrees_with_the_reference(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    query = schema.parse(data.draw(requests(schema), label="request"))
    rows = data.draw(row_lists(schema, max_size=15), label="rows")
    key = schema.tie_breaker
    assert [r[key] for r in sort_rows(query, rows)] == [r[key] for r in reference_sorted(query.sort, rows)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_reference_agrees_with_the_hand_written_cases(case: Case) -> None:
    query = case.query()
    found = reference_sorted(query.sort, [row for row in case.rows if matches(query.filter, row)])
    assert case.ids(found[: query.limit]) == case.expected_ids
