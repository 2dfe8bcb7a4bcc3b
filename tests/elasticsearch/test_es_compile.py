"""What each filter, sort and boundary compiles to: one line per case, every body accepted by the DSL."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from stream_filters import FilterError, Schema
from stream_filters.elasticsearch import FieldMapping, Layout, compile_search
from stream_filters.elasticsearch.cli_support import compile_for_cli
from stream_filters.pagination import Fetch
from tests.elasticsearch.dsl import assert_accepted
from tests.schemas import ALL_TYPES

T0 = "101704067200000000"  # the key of 2024-01-01T00:00:00Z: microseconds + 10**17
ONE, TWO = "250011", "250012"  # number keys of 1 and 2

# filter_conditions -> the `query` of the body.
FILTERS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {"match_all": {}}),
    ({"id": "a"}, {"bool": {"filter": [{"term": {"id": "a"}}]}}),
    ({"id": {"$in": ["a", "b", "a"]}}, {"bool": {"filter": [{"terms": {"id": ["a", "b"]}}]}}),
    ({"id": {"$in": []}}, {"bool": {"filter": [{"match_none": {}}]}}),
    (
        {"id": {"$gt": "a", "$lte": "m"}},
        {"bool": {"filter": [{"range": {"id": {"gt": "a"}}}, {"range": {"id": {"lte": "m"}}}]}},
    ),
    ({"id": {"$exists": True}}, {"bool": {"filter": [{"exists": {"field": "id"}}]}}),
    ({"id": {"$exists": False}}, {"bool": {"must_not": [{"exists": {"field": "id"}}]}}),
    ({"name": {"$autocomplete": "JO%"}}, {"bool": {"filter": [{"prefix": {"sf.name.folded": {"value": "jo%"}}}]}}),
    ({"name": {"$autocomplete": "İ"}}, {"bool": {"filter": [{"prefix": {"sf.name.folded": {"value": "i̇"}}}]}}),
    (
        {"name": {"$q": "Hello, WORLD hello"}},
        {"bool": {"filter": [{"term": {"sf.name.words": "hello"}}, {"term": {"sf.name.words": "world"}}]}},
    ),
    ({"count": 1}, {"bool": {"filter": [{"term": {"sf.count.key": ONE}}]}}),
    ({"count": {"$in": [1, 1.0, 2]}}, {"bool": {"filter": [{"terms": {"sf.count.key": [ONE, TWO]}}]}}),
    ({"score": {"$gte": 1.5}}, {"bool": {"filter": [{"range": {"sf.score.key": {"gte": "2500115"}}}]}}),
    ({"active": True}, {"bool": {"filter": [{"term": {"sf.active.key": "true"}}]}}),
    ({"active": {"$lt": True}}, {"bool": {"filter": [{"range": {"sf.active.key": {"lt": "true"}}}]}}),
    ({"created_at": "2024-01-01T02:00:00+02:00"}, {"bool": {"filter": [{"term": {"sf.created_at.key": T0}}]}}),
    # sub-microsecond operands: equality cannot hold, ranges round to the exact microsecond bound
    ({"created_at": "2024-01-01T00:00:00.0000001Z"}, {"bool": {"filter": [{"match_none": {}}]}}),
    (
        {"created_at": {"$gt": "2023-12-31T23:59:59.9999999Z"}},
        {"bool": {"filter": [{"range": {"sf.created_at.key": {"gte": T0}}}]}},
    ),
    (
        {"created_at": {"$lt": "2024-01-01T00:00:00.0000009Z"}},
        {"bool": {"filter": [{"range": {"sf.created_at.key": {"lte": T0}}}]}},
    ),
    (
        {"created_at": {"$in": ["2024-01-01T00:00:00.0000001Z", "2024-01-01T00:00:00Z"]}},
        {"bool": {"filter": [{"terms": {"sf.created_at.key": [T0]}}]}},
    ),
    ({"tags": "x"}, {"bool": {"filter": [{"term": {"tags": "x"}}]}}),
    ({"tags": {"$exists": False}}, {"bool": {"must_not": [{"exists": {"field": "tags"}}]}}),
    ({"custom.color": "red"}, {"bool": {"filter": [{"term": {"sf.custom.values": "color:s:red"}}]}}),
    (
        {"custom.a.b": {"$in": ["1", 1, True]}},
        {"bool": {"filter": [{"terms": {"sf.custom.values": ["a.b:s:1", f"a.b:n:{ONE}", "a.b:b:true"]}}]}},
    ),
    (
        {"custom.n": {"$gt": 1}},
        {"bool": {"filter": [{"range": {"sf.custom.values": {"gt": f"n:n:{ONE}", "lt": "n:n;"}}}]}},
    ),
    (
        {"custom.n": {"$lte": "b"}},
        {"bool": {"filter": [{"range": {"sf.custom.values": {"lte": "n:s:b", "gte": "n:s:"}}}]}},
    ),
    ({"custom.n": {"$exists": True}}, {"bool": {"filter": [{"term": {"sf.custom.paths": "n"}}]}}),
    ({"custom.n": {"$exists": False}}, {"bool": {"must_not": [{"term": {"sf.custom.paths": "n"}}]}}),
    (
        {"custom.n": {"$autocomplete": "Jo"}},
        {"bool": {"filter": [{"prefix": {"sf.custom.folded": {"value": "n:jo"}}}]}},
    ),
    ({"custom.n": {"$q": "x"}}, {"bool": {"filter": [{"term": {"sf.custom.words": "n:x"}}]}}),
    (
        {"$or": [{"id": "a"}, {"id": {"$exists": False}}]},
        {
            "bool": {
                "filter": [
                    {
                        "bool": {
                            "should": [{"term": {"id": "a"}}, {"bool": {"must_not": [{"exists": {"field": "id"}}]}}],
                            "minimum_should_match": 1,
                        }
                    }
                ]
            }
        },
    ),
    (
        {"$and": [{"id": "a"}, {"$or": [{"tags": "x"}, {"name": {"$q": "p q"}}]}], "count": {"$exists": False}},
        {
            "bool": {
                "filter": [
                    {"term": {"id": "a"}},
                    {
                        "bool": {
                            "should": [
                                {"term": {"tags": "x"}},
                                {
                                    "bool": {
                                        "filter": [{"term": {"sf.name.words": "p"}}, {"term": {"sf.name.words": "q"}}]
                                    }
                                },
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                ],
                "must_not": [{"exists": {"field": "sf.count.key"}}],
            }
        },
    ),
]


@pytest.mark.parametrize(
    ("filter_conditions", "query"), FILTERS, ids=[json.dumps(f, ensure_ascii=False) for f, _ in FILTERS]
)
def test_filter_compiles_to(filter_conditions: dict[str, Any], query: dict[str, Any]) -> None:
    body = compile_search(ALL_TYPES.parse({"filter_conditions": filter_conditions}))
    assert body["query"] == query
    assert_accepted(body)


SORTS: list[tuple[list[dict[str, Any]], bool, list[dict[str, Any]]]] = [
    (
        [],
        True,
        [{"sf.created_at.key": {"order": "desc", "missing": "_last"}}, {"id": {"order": "desc", "missing": "_last"}}],
    ),
    (
        [],
        False,
        [{"sf.created_at.key": {"order": "asc", "missing": "_first"}}, {"id": {"order": "asc", "missing": "_first"}}],
    ),
    (
        [{"field": "name", "direction": 1}, {"field": "score", "direction": -1}],
        True,
        [
            {"name": {"order": "asc", "missing": "_first"}},
            {"sf.score.key": {"order": "desc", "missing": "_last"}},
            {"id": {"order": "desc", "missing": "_last"}},
        ],
    ),
    (
        [{"field": "id", "direction": 1}, {"field": "active", "direction": -1}],
        False,
        [{"id": {"order": "desc", "missing": "_last"}}, {"sf.active.key": {"order": "asc", "missing": "_first"}}],
    ),
]


@pytest.mark.parametrize(("sort", "forward", "expected"), SORTS)
def test_sort_puts_nulls_lowest_and_reverses_backwards(sort: list[Any], forward: bool, expected: list[Any]) -> None:
    body = compile_search(ALL_TYPES.parse({"sort": sort}), Fetch(None, forward, 7))
    assert body["sort"] == expected
    assert body["size"] == 7
    assert "search_after" not in body
    assert_accepted(body)


def test_first_page_asks_for_limit_plus_one() -> None:
    body = compile_search(ALL_TYPES.parse({"limit": 5}))
    assert body["size"] == 6
    assert body["track_total_hits"] is False


def test_search_after_carries_keys_and_nulls() -> None:
    query = ALL_TYPES.parse(
        {
            "sort": [
                {"field": "created_at", "direction": 1},
                {"field": "count", "direction": 1},
                {"field": "active", "direction": 1},
                {"field": "name", "direction": 1},
            ]
        }
    )
    after = (datetime(2024, 1, 1, tzinfo=UTC), None, True, "x", "id-1")
    body = compile_search(query, Fetch(after, True, 3))
    assert body["search_after"] == [T0, None, "true", "x", "id-1"]
    assert_accepted(body)


def test_cursor_becomes_search_after_through_the_page_plan() -> None:
    from stream_filters import cursors
    from stream_filters.query import Direction

    query = ALL_TYPES.parse({"sort": [{"field": "count", "direction": -1}]})
    token = cursors.encode(query, Direction.PREV, (2, "k"), None)
    body = compile_search(ALL_TYPES.parse({"sort": [{"field": "count", "direction": -1}], "prev": token}))
    assert body["search_after"] == [TWO, "k"]
    assert body["sort"] == [
        {"sf.count.key": {"order": "asc", "missing": "_first"}},
        {"id": {"order": "asc", "missing": "_first"}},
    ]


def test_operator_without_a_layout_field_is_refused_not_ignored() -> None:
    bare = Layout(ALL_TYPES, {**Layout.default(ALL_TYPES).fields, "name": FieldMapping("title", "title.raw")})
    body = compile_search(ALL_TYPES.parse({"filter_conditions": {"name": "x"}}), layout=bare)
    assert body["query"] == {"bool": {"filter": [{"term": {"title.raw": "x"}}]}}
    with pytest.raises(FilterError) as caught:
        compile_search(ALL_TYPES.parse({"filter_conditions": {"name": {"$q": "x"}}}), layout=bare)
    assert caught.value.problems[0].code == "unsupported"


def test_layout_must_name_every_field() -> None:
    with pytest.raises(ValueError, match="lacks"):
        Layout(ALL_TYPES, {})
    with pytest.raises(ValueError, match="clashes"):
        Layout.default(
            Schema.from_dict({"name": "s", "fields": {"sf": {"type": "string", "sortable": True}}, "tie_breaker": "sf"})
        )


def test_compile_for_cli_prints_the_first_page_body() -> None:
    query = ALL_TYPES.parse({"filter_conditions": {"id": "a"}, "limit": 3})
    assert compile_for_cli(query, argparse.Namespace()) == compile_search(query)


def test_cli_compile_to_elasticsearch() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stream_filters.cli",
            "compile",
            "--to",
            "elasticsearch",
            '{"filter_conditions": {"type": "default"}, "limit": 2}',
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    body = json.loads(done.stdout)
    assert body["query"] == {"bool": {"filter": [{"term": {"type": "default"}}]}}
    assert body["size"] == 3
    assert_accepted(body)
