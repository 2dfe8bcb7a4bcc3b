"""The emulator's deviations from Lucene, each shown on the emulator itself, and what the harness sends instead.

If osmem-server ever answers a deviation as Lucene does, the first test fails:
then the rewrite in emulator.py is no longer needed and should go.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stream_filters import QUERY_MEMBERS
from stream_filters.elasticsearch import compile_search
from tests.elasticsearch.emulator import DEVIATIONS, Emulator, adjusted
from tests.elasticsearch.harness import EvaluatorEngine

ROWS = [{"user_id": ""}, {"user_id": "a"}, {"user_id": "b"}]
# operator -> the rows Lucene's TermRangeQuery matches ("" is the smallest term)
LUCENE = {"$lt": [], "$lte": [""], "$gt": ["a", "b"], "$gte": ["", "a", "b"]}


def _body(op: str) -> dict[str, Any]:
    return compile_search(QUERY_MEMBERS.parse({"filter_conditions": {"user_id": {op: ""}}, "limit": 10}))


def _matched(client: Any, index: str, body: dict[str, Any]) -> list[str]:
    hits = client.search(index=index, body=body)["hits"]["hits"]
    return sorted(hit["_source"]["user_id"] for hit in hits)


def test_the_deviations_are_documented() -> None:
    assert set(DEVIATIONS) == {"empty upper bound", "term length"}


@pytest.mark.parametrize("op", ["$lt", "$lte"])
def test_emulator_treats_an_empty_upper_bound_as_open(emulator: Emulator, op: str) -> None:
    index = emulator.create(QUERY_MEMBERS, ROWS)
    try:
        assert _matched(emulator.client, index, _body(op)) == ["", "a", "b"]
        assert _matched(emulator.client, index, adjusted(_body(op))) == LUCENE[op]
    finally:
        emulator.delete(index)


@pytest.mark.parametrize("op", sorted(LUCENE))
def test_adjusted_bodies_mean_what_the_originals_mean_under_lucene(emulator: Emulator, op: str) -> None:
    """On the evaluator (Lucene's rules) the rewrite changes no answer; on the emulator it gives Lucene's."""
    with EvaluatorEngine().indexed(QUERY_MEMBERS, ROWS) as (evaluator, name):
        assert _matched(evaluator, name, _body(op)) == LUCENE[op]
        assert _matched(evaluator, name, adjusted(_body(op))) == LUCENE[op]
    with emulator.indexed(QUERY_MEMBERS, ROWS) as (_, index):
        assert _matched(emulator.client, index, adjusted(_body(op))) == LUCENE[op]


def test_adjusted_leaves_other_bodies_alone() -> None:
    body = compile_search(
        QUERY_MEMBERS.parse(
            {"filter_conditions": {"$or": [{"user_id": {"$gt": "", "$lt": "m"}}, {"custom.n": {"$lte": 3}}]}}
        )
    )
    assert adjusted(body) == body


def test_adjusted_rewrites_inside_bool() -> None:
    body = compile_search(QUERY_MEMBERS.parse({"filter_conditions": {"user_id": {"$gt": "a", "$lte": ""}}}))
    original = copy.deepcopy(body)
    expected = {"bool": {"filter": [{"range": {"user_id": {"gt": "a"}}}, {"term": {"user_id": ""}}]}}
    assert adjusted(body)["query"] == expected
    assert body == original, "adjusted must not change what the library built"


def test_adjusted_keeps_the_other_bound_of_one_range() -> None:
    body = {"query": {"range": {"f": {"gt": "a", "lte": ""}}}}
    expected = {"bool": {"filter": [{"term": {"f": ""}}, {"range": {"f": {"gt": "a"}}}]}}
    assert adjusted(body)["query"] == expected
