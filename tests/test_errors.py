"""SPEC §6: one exception, every problem with a stable code, message and path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Code, FilterError, Problem
from stream_filters.errors import describe, format_path, json_type, suggest
from stream_filters.parser import MAX_PROBLEMS


def error(request: Any, schema: Any = QUERY_CALLS) -> FilterError:
    with pytest.raises(FilterError) as caught:
        schema.parse(request)
    return caught.value


def test_codes_are_stable_strings() -> None:
    assert {str(c) for c in Code} == {
        "invalid_json",
        "invalid_type",
        "unknown_key",
        "unknown_field",
        "invalid_path",
        "unknown_operator",
        "operator_not_allowed",
        "expected_operator",
        "mixed_operators",
        "empty_condition",
        "null_operand",
        "invalid_operand",
        "invalid_datetime",
        "empty_logical",
        "not_sortable",
        "duplicate_sort_field",
        "invalid_direction",
        "invalid_limit",
        "conflicting_cursors",
        "invalid_cursor",
        "syntax_error",
        "too_deep",
        "too_many_conditions",
        "too_many_values",
        "string_too_long",
        "too_many_sort_keys",
        "cursor_too_long",
        "request_too_large",
        "unsupported",
    }


PATHS: list[tuple[str, Any, tuple[Any, ...]]] = [
    (
        "operator in $and",
        {"filter_conditions": {"$and": [{"type": "a"}, {"created_at": {"$gt": "yesterday"}}]}},
        ("filter_conditions", "$and", 1, "created_at", "$gt"),
    ),
    (
        "$in item in $or in $and",
        {"filter_conditions": {"$and": [{"$or": [{"id": "a"}, {"id": {"$in": ["a", 2]}}]}]}},
        ("filter_conditions", "$and", 0, "$or", 1, "id", "$in", 1),
    ),
    ("shorthand", {"filter_conditions": {"ongoing": "yes"}}, ("filter_conditions", "ongoing")),
    ("sort direction", {"sort": [{"field": "id"}, {"field": "type", "direction": 0}]}, ("sort", 1, "direction")),
    ("limit", {"limit": 0}, ("limit",)),
    ("unknown request key", {"filters": {}}, ("filters",)),
    ("cursor", {"next": 1}, ("next",)),
    ("request not an object", [1], ()),
    ("JSON text", "{", ()),
]


@pytest.mark.parametrize(("request_body", "path"), [p[1:] for p in PATHS], ids=[p[0] for p in PATHS])
def test_path_from_the_request_root(request_body: Any, path: tuple[Any, ...]) -> None:
    err = error(request_body)
    assert [p.path for p in err.problems] == [path]
    assert err.to_dict()["problems"][0]["path"] == list(path)


def test_independent_problems_are_reported_together() -> None:
    err = error(
        {
            "filter_conditions": {
                "tpye": "a",
                "id": 5,
                "$or": [{"created_at": {"$gt": "x"}}, {"members": {"$in": "a"}}],
                "ended_at": {},
            },
            "sort": [{"field": "team"}],
            "limit": 500,
            "next": "a",
            "prev": "b",
            "extra": 1,
        }
    )
    assert [(str(p.code), p.path) for p in err.problems] == [
        ("unknown_key", ("extra",)),
        ("unknown_field", ("filter_conditions", "tpye")),
        ("invalid_operand", ("filter_conditions", "id")),
        ("invalid_datetime", ("filter_conditions", "$or", 0, "created_at", "$gt")),
        ("invalid_operand", ("filter_conditions", "$or", 1, "members", "$in")),
        ("empty_condition", ("filter_conditions", "ended_at")),
        ("not_sortable", ("sort", 0, "field")),
        ("invalid_limit", ("limit",)),
        ("conflicting_cursors", ("prev",)),
    ]


def test_body_is_json_for_http_400() -> None:
    err = error({"filter_conditions": {"tpye": "a"}, "limit": 0})
    body = json.loads(json.dumps(err.to_dict()))
    assert body["code"] == "unknown_field"
    assert body["message"].startswith("filter_conditions.tpye: unknown field")
    assert [p["code"] for p in body["problems"]] == ["unknown_field", "invalid_limit"]
    assert body["problems"][0]["path"] == ["filter_conditions", "tpye"]
    assert body["problems"][0]["context"]["allowed"][:2] == ["id", "cid"]
    assert body["problems"][1]["context"] == {"max": 100}
    assert json.loads(err.to_json_text()) == body


def test_problem_without_context_has_no_context_key() -> None:
    assert Problem(Code.INVALID_LIMIT, "m", ("limit",)).to_dict() == {
        "code": "invalid_limit",
        "message": "m",
        "path": ["limit"],
    }


def test_error_body_is_utf8_even_for_lone_surrogates() -> None:
    err = error({"filter_conditions": {"\ud800x": 1}})
    encoded = err.to_json_text().encode("utf-8")
    assert "\ufffdx" in encoded.decode("utf-8")
    assert err.to_dict()["problems"][0]["path"] == ["filter_conditions", "\ufffdx"]


def test_is_a_value_error_with_a_readable_str() -> None:
    err = error({"limit": 0})
    assert isinstance(err, ValueError)
    assert str(err) == "limit: limit must be an integer from 1 to 100, got 0"
    assert err.codes == ["invalid_limit"]


def test_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        FilterError([])


def test_under_prefixes_the_path() -> None:
    problem = Problem(Code.INVALID_OPERAND, "m", ("id",)).under("filter_conditions", "$or", 0)
    assert problem.path == ("filter_conditions", "$or", 0, "id")


def test_problems_are_capped() -> None:
    err = error({"filter_conditions": {"id": {"$in": list(range(500))}}})
    assert len(err.problems) == MAX_PROBLEMS
    assert err.problems[-1].path == ("filter_conditions", "id", "$in", MAX_PROBLEMS - 1)


def test_unknown_request_keys_are_capped() -> None:
    err = error({f"k{i}": 1 for i in range(10_000)})
    assert len(err.problems) == MAX_PROBLEMS
    assert set(err.codes) == {"unknown_key"}


SUGGESTIONS: list[tuple[str, list[str], str | None]] = [
    ("tpye", ["type", "team"], "type"),
    ("CREATED_AT", ["created_at", "updated_at"], "created_at"),
    ("$gtee", ["$gt", "$gte"], "$gte"),
    ("zzzz", ["type", "team"], None),
    ("x" * 65, ["x" * 64], None),
]


@pytest.mark.parametrize(("name", "choices", "expected"), SUGGESTIONS)
def test_suggest(name: str, choices: list[str], expected: str | None) -> None:
    assert suggest(name, choices) == expected


DID_YOU_MEAN: list[tuple[str, Any, Any, str]] = [
    ("field", QUERY_CALLS, {"filter_conditions": {"cretaed_at": {"$exists": True}}}, "Did you mean 'created_at'?"),
    ("custom on calls", QUERY_MEMBERS, {"filter_conditions": {"usre_id": "a"}}, "Did you mean 'user_id'?"),
    ("operator", QUERY_CALLS, {"filter_conditions": {"id": {"$inn": ["a"]}}}, "Did you mean '$in'?"),
    ("logical", QUERY_CALLS, {"filter_conditions": {"$orr": []}}, "Did you mean '$or'?"),
    ("request key", QUERY_CALLS, {"filter_condition": {}}, "Did you mean 'filter_conditions'?"),
    ("sort field", QUERY_CALLS, {"sort": [{"field": "startsat"}]}, "Did you mean 'starts_at'?"),
]


@pytest.mark.parametrize(
    ("schema", "request_body", "hint"), [d[1:] for d in DID_YOU_MEAN], ids=[d[0] for d in DID_YOU_MEAN]
)
def test_did_you_mean(schema: Any, request_body: Any, hint: str) -> None:
    assert error(request_body, schema).problems[0].message.endswith(hint)


DESCRIBE: list[tuple[object, str, str]] = [
    (None, "null", "null"),
    (True, "true", "boolean"),
    (1, "1", "number"),
    (1.5, "1.5", "number"),
    ("a", '"a"', "string"),
    ("x" * 100, json.dumps("x" * 37 + "..."), "string"),
    ([1, 2], "an array of 2 item(s)", "array"),
    ({"a": 1}, "an object with 1 key(s)", "object"),
    (10**100, repr(10**100)[:37] + "...", "number"),
]


@pytest.mark.parametrize(("value", "described", "type_name"), DESCRIBE)
def test_describe_and_json_type(value: object, described: str, type_name: str) -> None:
    assert describe(value) == described
    assert json_type(value) == type_name


def test_describe_never_recurses() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    assert describe(deep) == "an array of 1 item(s)"


def test_format_path() -> None:
    assert (
        format_path(("filter_conditions", "$and", 1, "created_at", "$gt")) == "filter_conditions.$and[1].created_at.$gt"
    )
    assert format_path(()) == ""
