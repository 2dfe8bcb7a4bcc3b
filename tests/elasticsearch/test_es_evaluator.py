"""The test-only evaluator does what Elasticsearch documents, case by case (ids written by hand)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.elasticsearch.evaluator import Index, Rejected, Unsupported

MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "tags": {"type": "keyword"},
        "n": {"type": "long"},
        "blob": {"type": "object", "enabled": False},
        "o": {"properties": {"k": {"type": "keyword"}}},
    },
}
DOCS: dict[str, dict[str, Any]] = {
    "1": {"id": "a", "tags": ["x", "y"], "o": {"k": "Zed"}},
    "2": {"id": "b", "tags": [], "o": {"k": ""}},
    "3": {"id": "c", "tags": "é", "blob": {"anything": [1, "two"]}},
    "4": {"id": "d", "tags": None, "o": {"k": "😀"}},
    "5": {"id": "e", "tags": ["y", "z"], "o": {"k": "\uffff"}},
}
SORT_ID = [{"id": {"order": "asc", "missing": "_first"}}]


@pytest.fixture(scope="module")
def index() -> Index:
    built = Index(MAPPINGS)
    for doc_id, doc in DOCS.items():
        built.add(doc_id, doc)
    return built


def _ids(index: Index, body: dict[str, Any]) -> list[str]:
    return [hit["_id"] for hit in index.search(body)["hits"]["hits"]]


QUERIES = [
    ({"match_all": {}}, ["1", "2", "3", "4", "5"]),
    ({"match_none": {}}, []),
    ({"term": {"tags": "y"}}, ["1", "5"]),
    ({"terms": {"tags": ["x", "é"]}}, ["1", "3"]),
    ({"terms": {"tags": []}}, []),
    ({"exists": {"field": "tags"}}, ["1", "3", "5"]),
    ({"exists": {"field": "o.k"}}, ["1", "2", "4", "5"]),
    ({"range": {"tags": {"gt": "x", "lt": "z"}}}, ["1", "5"]),
    ({"range": {"tags": {"gte": "z"}}}, ["3", "5"]),
    # bytes order: U+FFFF (3 UTF-8 bytes, EF BF BF) sorts before U+1F600 (F0 ...), unlike UTF-16.
    ({"range": {"o.k": {"gt": "\uffff"}}}, ["4"]),
    ({"prefix": {"o.k": {"value": "Z"}}}, ["1"]),
    ({"prefix": {"o.k": {"value": ""}}}, ["1", "2", "4", "5"]),
    ({"bool": {"filter": [{"term": {"tags": "y"}}], "must_not": [{"term": {"id": "a"}}]}}, ["5"]),
    ({"bool": {"should": [{"term": {"id": "a"}}, {"term": {"id": "c"}}]}}, ["1", "3"]),
    ({"bool": {"should": [{"term": {"id": "a"}}], "minimum_should_match": 1, "filter": []}}, ["1"]),
    ({"bool": {"filter": [{"exists": {"field": "o.k"}}], "should": [{"term": {"id": "a"}}]}}, ["1", "2", "4", "5"]),
    ({"bool": {"must_not": [{"exists": {"field": "tags"}}]}}, ["2", "4"]),
    ({"bool": {}}, ["1", "2", "3", "4", "5"]),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[str(i) for i in range(len(QUERIES))])
def test_query_semantics(index: Index, query: dict[str, Any], expected: list[str]) -> None:
    assert _ids(index, {"query": query, "sort": SORT_ID, "size": 10}) == expected


SORTS = [
    ([{"o.k": {"order": "asc", "missing": "_first"}}, *SORT_ID], None, ["3", "2", "1", "5", "4"]),
    ([{"o.k": {"order": "desc", "missing": "_last"}}, *SORT_ID], None, ["4", "5", "1", "2", "3"]),
    ([{"o.k": {"order": "asc", "missing": "_last"}}, *SORT_ID], None, ["2", "1", "5", "4", "3"]),
    ([{"o.k": {"order": "asc", "missing": "_first"}}, *SORT_ID], [None, "c"], ["2", "1", "5", "4"]),
    ([{"o.k": {"order": "asc", "missing": "_first"}}, *SORT_ID], ["", "b"], ["1", "5", "4"]),
    ([{"o.k": {"order": "desc", "missing": "_last"}}, *SORT_ID], ["Zed", "a"], ["2", "3"]),
    ([{"o.k": {"order": "desc", "missing": "_last"}}, *SORT_ID], [None, "c"], []),
    ([{"o.k": {"order": "desc", "missing": "_last"}}, *SORT_ID], [None, "a"], ["3"]),
    # multi-valued sort fields sort by their minimum ascending, maximum descending
    ([{"tags": {"order": "asc", "missing": "_last"}}, *SORT_ID], None, ["1", "5", "3", "2", "4"]),
    ([{"tags": {"order": "desc", "missing": "_last"}}, *SORT_ID], None, ["3", "5", "1", "2", "4"]),
]


@pytest.mark.parametrize(("sort", "after", "expected"), SORTS, ids=[str(i) for i in range(len(SORTS))])
def test_sort_and_search_after(index: Index, sort: list[Any], after: list[Any] | None, expected: list[str]) -> None:
    body: dict[str, Any] = {"query": {"match_all": {}}, "sort": sort, "size": 10}
    if after is not None:
        body["search_after"] = after
    assert _ids(index, body) == expected


def test_size_caps_hits_and_hits_carry_sort_values(index: Index) -> None:
    body = {"query": {"match_all": {}}, "sort": [{"o.k": {"order": "asc", "missing": "_first"}}, *SORT_ID], "size": 2}
    hits = index.search(body)["hits"]["hits"]
    assert [hit["sort"] for hit in hits] == [[None, "c"], ["", "b"]]
    assert hits[0]["_source"] == DOCS["3"]


@pytest.mark.parametrize(
    "doc",
    [
        {"unknown": 1},
        {"n": 2**63},
        {"n": 1.5},
        {"n": True},
        {"blob": "text"},
        {"o": "text"},
        {"id": "x" * 32767},
    ],
)
def test_documents_elasticsearch_would_refuse(doc: dict[str, Any]) -> None:
    with pytest.raises(Rejected):
        Index(MAPPINGS).add("x", doc)


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"match": {"id": "a"}}, "sort": SORT_ID},
        {"query": {"term": {"n": "1"}}, "sort": SORT_ID},
        {"query": {"term": {"nope": "1"}}, "sort": SORT_ID},
        {"query": {"term": {"id": 1}}, "sort": SORT_ID},
        {"query": {"prefix": {"id": {"value": "a", "case_insensitive": True}}}, "sort": SORT_ID},
        {"query": {"match_all": {}}, "sort": [{"id": "asc"}]},
        {"query": {"match_all": {}}},
        {"query": {"match_all": {}}, "sort": SORT_ID, "from": 10},
        {"query": {"match_all": {}}, "sort": SORT_ID, "search_after": [1]},
        {"query": {"bool": {"should": [], "minimum_should_match": "50%"}}, "sort": SORT_ID},
    ],
)
def test_dsl_outside_the_subset_is_refused(index: Index, body: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        index.search(body)
