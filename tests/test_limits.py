"""SPEC §7: every limit has its own code, is configurable, and is enforced without recursion."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, FilterError, Limits, Schema
from stream_filters.schema import ALL_LOGICAL


def codes(request: Any, schema: Schema = QUERY_CALLS) -> list[str]:
    with pytest.raises(FilterError) as caught:
        schema.parse(request)
    return caught.value.codes


def with_limits(**limits: int) -> Schema:
    return dataclasses.replace(QUERY_CALLS, limits=Limits(**limits))


def nested(depth: int, leaf: dict[str, Any] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = leaf if leaf is not None else {"type": "a"}
    for i in range(depth):
        node = {"$or" if i % 2 else "$and": [node, {"id": str(i)}]}
    return node


def nested_text(depth: int) -> str:
    return '{"filter_conditions":' + '{"$and":[' * depth + "{}" + "]}" * depth + "}"


def conditions(n: int) -> dict[str, Any]:
    return {"$and": [{"id": str(i)} for i in range(n)]}


def in_values(n: int) -> dict[str, Any]:
    return {"id": {"$in": [str(i) for i in range(n)]}}


def sort_keys(n: int) -> list[dict[str, Any]]:
    return [
        {"field": f, "direction": 1} for f in ("id", "type", "created_at", "updated_at", "ended_at", "starts_at")[:n]
    ]


# (limit, value at the default, request at the limit, request just over it, code)
AT_AND_OVER: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("max_depth", {"filter_conditions": nested(10)}, {"filter_conditions": nested(11)}, "too_deep"),
    (
        "max_conditions",
        {"filter_conditions": conditions(200)},
        {"filter_conditions": conditions(201)},
        "too_many_conditions",
    ),
    (
        "max_conditions across a filter",
        {"filter_conditions": {"id": {"$gt": "a", "$lt": "z"}, "$or": [conditions(99), conditions(99)]}},
        {"filter_conditions": {"id": {"$gt": "a", "$lt": "z"}, "$or": [conditions(99), conditions(100)]}},
        "too_many_conditions",
    ),
    (
        "max_in_values",
        {"filter_conditions": in_values(1000)},
        {"filter_conditions": in_values(1001)},
        "too_many_values",
    ),
    (
        "max_string_length",
        {"filter_conditions": {"id": "x" * 1024}},
        {"filter_conditions": {"id": "x" * 1025}},
        "string_too_long",
    ),
    (
        "max_string_length in $in",
        {"filter_conditions": {"id": {"$in": ["x" * 1024]}}},
        {"filter_conditions": {"id": {"$in": ["a", "x" * 1025]}}},
        "string_too_long",
    ),
    ("max_sort_keys", {"sort": sort_keys(5)}, {"sort": sort_keys(6)}, "too_many_sort_keys"),
    ("max_cursor_length", {"next": "c" * 2048}, {"next": "c" * 2049}, "cursor_too_long"),
]


@pytest.mark.parametrize(("at", "over", "code"), [c[1:] for c in AT_AND_OVER], ids=[c[0] for c in AT_AND_OVER])
def test_default_limit(at: dict[str, Any], over: dict[str, Any], code: str) -> None:
    QUERY_CALLS.parse(at)
    assert codes(over) == [code]


CONFIGURED: list[tuple[dict[str, int], dict[str, Any], dict[str, Any], str]] = [
    ({"max_depth": 2}, {"filter_conditions": nested(2)}, {"filter_conditions": nested(3)}, "too_deep"),
    (
        {"max_conditions": 3},
        {"filter_conditions": conditions(3)},
        {"filter_conditions": {"id": "a", "type": {"$gt": "a", "$lt": "b"}, "team": "x"}},
        "too_many_conditions",
    ),
    ({"max_in_values": 2}, {"filter_conditions": in_values(2)}, {"filter_conditions": in_values(3)}, "too_many_values"),
    (
        {"max_string_length": 4},
        {"filter_conditions": {"id": {"$gte": "abcd"}}},
        {"filter_conditions": {"id": {"$gte": "abcde"}}},
        "string_too_long",
    ),
    ({"max_sort_keys": 2}, {"sort": sort_keys(2)}, {"sort": sort_keys(3)}, "too_many_sort_keys"),
    ({"max_cursor_length": 8}, {"prev": "c" * 8}, {"prev": "c" * 9}, "cursor_too_long"),
]


@pytest.mark.parametrize(("limits", "at", "over", "code"), CONFIGURED, ids=[next(iter(c[0])) for c in CONFIGURED])
def test_configured_limit(limits: dict[str, int], at: dict[str, Any], over: dict[str, Any], code: str) -> None:
    schema = with_limits(**limits)
    schema.parse(at)
    assert codes(over, schema) == [code]
    QUERY_CALLS.parse(over)  # only the configured schema refuses it


def test_string_limit_applies_to_text_operators_and_custom() -> None:
    schema = dataclasses.replace(QUERY_MEMBERS, limits=Limits(max_string_length=3))
    assert codes({"filter_conditions": {"custom.x": "abcd"}}, schema) == ["string_too_long"]
    assert codes({"filter_conditions": {"custom.x": {"$in": [1, "abcd"]}}}, schema) == ["string_too_long"]


def test_string_limit_counts_characters() -> None:
    assert QUERY_CALLS.parse({"filter_conditions": {"id": "é" * 1024}}).filter is not None


def test_request_bytes_limit() -> None:
    schema = with_limits(max_request_bytes=64)
    small = json.dumps({"filter_conditions": {"id": "a"}})
    big = json.dumps({"filter_conditions": {"id": "a" * 64}})
    schema.parse(small)
    assert codes(big, schema) == ["request_too_large"]
    assert codes(big.encode(), schema) == ["request_too_large"]


def test_request_bytes_default_is_one_mib() -> None:
    assert codes(" " * (1 << 20) + "{}") == ["request_too_large"]
    assert QUERY_CALLS.parse(" " * ((1 << 20) - 2) + "{}").limit == 25


def test_100000_deep_dict_is_too_deep() -> None:
    deep: dict[str, Any] = {}
    for _ in range(100_000):
        deep = {"$and": [deep]}
    assert codes({"filter_conditions": deep}) == ["too_deep"]


def test_100000_deep_json_text_is_too_deep() -> None:
    text = nested_text(100_000)
    assert codes(text, with_limits(max_request_bytes=4 << 20)) == ["too_deep"]


def test_100000_deep_json_arrays_are_too_deep() -> None:
    assert codes('{"filter_conditions": {"id": {"$in": ' + "[" * 100_000 + "]" * 100_000 + "}}}") == ["too_deep"]


def test_100000_deep_operand_is_not_walked() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    assert codes({"filter_conditions": {"custom.x": {"$in": [deep]}}}, QUERY_MEMBERS) == ["invalid_operand"]
    assert codes({"sort": [deep]}) == ["invalid_type"]
    assert codes({"next": deep}) == ["invalid_cursor"]


def test_depth_error_names_the_path_and_limit() -> None:
    with pytest.raises(FilterError) as caught:
        with_limits(max_depth=1).parse({"filter_conditions": {"$or": [{"$and": [{"id": "a"}]}]}})
    (problem,) = caught.value.problems
    assert problem.path == ("filter_conditions", "$or", 0, "$and")
    assert problem.context == {"limit": 1}


def fast(request: Any) -> list[str]:
    start = time.perf_counter()
    found = codes(request)
    assert time.perf_counter() - start < 0.5  # walking the input would take seconds
    return found


def test_huge_in_is_rejected_before_its_values_are_checked() -> None:
    assert fast({"filter_conditions": {"id": {"$in": [None] * 2_000_000}}}) == ["too_many_values"]


def test_huge_and_is_rejected_before_its_filters_are_walked() -> None:
    assert fast({"filter_conditions": {"$and": [{"nope": None}] * 2_000_000}}) == ["too_many_conditions"]


def test_huge_filter_object_stops_after_max_conditions() -> None:
    assert fast({"filter_conditions": {f"f{i}": 1 for i in range(200_000)}})[-1] == "unknown_field"


def test_huge_sort_is_rejected_before_its_keys_are_checked() -> None:
    assert fast({"sort": [{"field": "nope"}] * 2_000_000}) == ["too_many_sort_keys"]


def test_huge_cursor_is_rejected_by_length() -> None:
    assert fast({"next": "c" * 50_000_000}) == ["cursor_too_long"]


def test_huge_bad_in_is_capped_in_problems() -> None:
    found = fast({"filter_conditions": {"$and": [{"id": {"$in": list(range(1000))}}] * 200}})
    assert set(found) == {"invalid_operand"}


BAD_LIMITS: list[dict[str, Any]] = [
    {"max_depth": 0},
    {"max_depth": 201},
    {"max_conditions": -1},
    {"max_in_values": True},
    {"max_string_length": 1.5},
    {"max_sort_keys": "5"},
]


@pytest.mark.parametrize("values", BAD_LIMITS, ids=[next(iter(v)) for v in BAD_LIMITS])
def test_limits_are_validated(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(values))):
        Limits(**values)


def test_limits_from_and_to_dict() -> None:
    limits = Limits.from_dict({"max_depth": 3, "max_cursor_length": 99})
    assert (limits.max_depth, limits.max_cursor_length, limits.max_conditions) == (3, 99, 200)
    assert Limits.from_dict(limits.to_dict()) == limits
    with pytest.raises(ValueError, match="unknown limit"):
        Limits.from_dict({"max_dpeth": 3})


# Each breach's message, as the JSON parser words it (the text reader uses the same
# builders in stream_filters.limits; tests/test_text_errors.py compares the two).
MESSAGES: list[tuple[dict[str, int], Any, str]] = [
    ({"max_depth": 2}, {"filter_conditions": nested(3)}, "$and/$or nested deeper than the limit of 2"),
    (
        {"max_conditions": 2},
        {"filter_conditions": conditions(3)},
        "$and with 3 filters exceeds the limit of 2 conditions",
    ),
    ({"max_conditions": 2}, {"filter_conditions": {"id": "a", "type": "b", "cid": "c"}}, "more than 2 conditions"),
    ({"max_in_values": 2}, {"filter_conditions": in_values(3)}, "$in with 3 values exceeds the limit of 2"),
    ({"max_string_length": 2}, {"filter_conditions": {"id": "abc"}}, "string of 3 characters exceeds the limit of 2"),
    ({"max_sort_keys": 2}, {"sort": sort_keys(3)}, "3 sort keys exceed the limit of 2"),
    ({"max_cursor_length": 2}, {"next": "abc"}, "cursor of 3 characters exceeds the limit of 2"),
    ({"max_request_bytes": 8}, '{"limit": 5}', "request of 12 characters exceeds the limit of 8"),
    ({"max_request_bytes": 8}, b'{"limit": 5}', "request of 12 bytes exceeds the limit of 8"),
    ({}, "[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
]


@pytest.mark.parametrize(("limits", "request_body", "message"), MESSAGES, ids=[m[2][:30] for m in MESSAGES])
def test_breach_messages(limits: dict[str, int], request_body: Any, message: str) -> None:
    schema = with_limits(**limits)
    with pytest.raises(FilterError) as caught:
        schema.parse(request_body)
    [problem] = caught.value.problems
    assert problem.message == message
    assert problem.context["limit"] == next(iter(limits.values()), schema.limits.max_depth)


def test_depth_names_the_operators_the_schema_allows() -> None:
    schema = dataclasses.replace(QUERY_CALLS, limits=Limits(max_depth=1), logical=ALL_LOGICAL)
    with pytest.raises(FilterError) as caught:
        schema.parse({"filter_conditions": nested(2)})
    assert caught.value.problems[0].message == "$and/$or/$nor nested deeper than the limit of 1"
