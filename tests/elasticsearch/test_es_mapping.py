"""`document()` writes the keys the compiler queries; `row_from_source` gives the row back; bad values are refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from stream_filters.elasticsearch import Layout, document, index_mapping, row_from_source
from tests.elasticsearch.evaluator import Index
from tests.schemas import ALL_TYPES

ROW: dict[str, Any] = {
    "id": "r1",
    "name": "Hello, İstanbul hello",
    "count": 2**53 + 1,
    "score": 0.5,
    "active": False,
    "created_at": datetime(2024, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))),
    "tags": ["x", "y"],
    "custom": {"color": "Red", "n": 1, "ok": True, "deep": {"a": 1.5}, "list": [1, 2], "gone": None, "bad key": 1},
}


def test_document_layout() -> None:
    doc = document(ALL_TYPES, ROW)
    assert doc["sf"] == {
        "name": {"folded": "hello, i̇stanbul hello", "words": ["hello", "i̇stanbul"]},
        "count": {"key": "250169007199254740993"},
        "score": {"key": "250005"},
        "active": {"key": "false"},
        "created_at": {"key": "101704067200000000"},
        "custom": {
            "values": ["color:s:Red", "n:n:250011", "ok:b:true", "deep.a:n:2500115"],
            "paths": ["color", "n", "ok", "deep", "list", "deep.a"],
            "folded": ["color:red"],
            "words": ["color:red"],
            "elements": ["list:n:250011", "list:n:250012"],  # for $contains
        },
    }
    assert doc["created_at"] == "2024-01-01T00:00:00+00:00"
    assert doc["custom"] == ROW["custom"]
    Index(index_mapping(ALL_TYPES)).add("r1", doc)


def test_row_from_source_gives_the_row_back() -> None:
    row = row_from_source(ALL_TYPES, document(ALL_TYPES, ROW))
    assert row == ROW
    assert row["created_at"].utcoffset() == timedelta(0)


def test_nulls_and_missing_fields_are_left_out() -> None:
    assert document(ALL_TYPES, {"id": "x", "name": None, "tags": []}) == {"id": "x", "tags": []}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": 1}, "expected a string"),
        ({"id": "x", "count": 2**63}, "64 bits"),
        ({"id": "x", "count": True}, "expected an integer"),
        ({"id": "x", "score": float("nan")}, "finite"),
        ({"id": "x", "created_at": datetime(2024, 1, 1)}, "naive"),
        ({"id": "x", "custom": ["a"]}, "object"),
        ({"id": "x" * 40000}, "32766"),
        ({"id": "x", "custom": {"a": "é" * 20000}}, "32766"),
        ({"id": "x", "name": "\ud800"}, "surrogate"),
        ({"id": "x", "score": 10**400}, "field 'score': not finite, or beyond the largest double"),
        ({"id": "x", "score": -(2**1024)}, "field 'score': not finite, or beyond the largest double"),
        ({"id": "x", "score": float("-inf")}, "field 'score': not finite"),
        ({"id": "x", "tags": ["a", 1]}, "field 'tags': expected a list of strings"),
        ({"id": "x", "custom": {"a": {1: "b"}}}, r"field 'custom': custom\.a: object keys must be strings"),
        ({"id": "x", "custom": {"a": [1, float("nan")]}}, r"field 'custom': custom\.a\[1\]: nan is not a JSON number"),
        ({"id": "x", "custom": {"a": datetime(2024, 1, 1)}}, r"field 'custom': custom\.a: a datetime is not JSON"),
        ({"id": "x", "custom": {"a": {"b": {"c"}}}}, r"custom\.a\.b: a set is not JSON"),
        ({"id": "x", "custom": {"bad key": "\udc00"}}, "surrogate"),
        ({"id": "x", "custom": {"k" * 40000: 1}}, "field 'custom': a string of more than 32766"),
    ],
)
def test_values_an_index_cannot_hold_are_refused(row: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        document(ALL_TYPES, row)


@pytest.mark.parametrize(
    "row",
    [
        {"id": "x", "score": 2**1023},
        {"id": "x", "score": -1.7976931348623157e308},
        {"id": "x", "custom": {"big": 10**400, "deep": [{"a": None}, "é" * 20000]}},
    ],
)
def test_values_at_the_limits_are_kept(row: dict[str, Any]) -> None:
    """The largest doubles fit a `double`; a disabled object holds any JSON (only its keys are terms)."""
    doc = document(ALL_TYPES, row)
    Index(index_mapping(ALL_TYPES)).add("x", doc)
    assert row_from_source(ALL_TYPES, doc) == row


def test_renamed_fields_and_aux_object() -> None:
    layout = Layout.default(ALL_TYPES, aux="_k", names={"name": "title"})
    doc = document(ALL_TYPES, {"id": "x", "name": "A b", "count": 1}, layout)
    assert doc == {
        "id": "x",
        "title": "A b",
        "count": 1,
        "_k": {"name": {"folded": "a b", "words": ["a", "b"]}, "count": {"key": "250011"}},
    }
    mapping = index_mapping(ALL_TYPES, layout)
    assert mapping["properties"]["title"] == {"type": "keyword"}
    assert set(mapping["properties"]["_k"]["properties"]) == {
        "name",
        "count",
        "score",
        "active",
        "created_at",
        "custom",
    }
    assert row_from_source(ALL_TYPES, doc, layout) == {"id": "x", "name": "A b", "count": 1}
    Index(mapping).add("x", doc)


def test_a_document_outside_the_mapping_is_refused_by_strict_mapping() -> None:
    from tests.elasticsearch.evaluator import Rejected

    with pytest.raises(Rejected, match="not mapped"):
        Index(index_mapping(ALL_TYPES)).add("x", {**document(ALL_TYPES, {"id": "x"}), "extra": 1})


def test_layout_is_cached_per_schema() -> None:
    assert Layout.default(ALL_TYPES) is Layout.default(ALL_TYPES)
