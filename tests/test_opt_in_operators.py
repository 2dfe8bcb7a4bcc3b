"""The opt-in operators (SPEC §2): allowed only where a schema says so, the same
node from JSON and from text, and `to_json`/`to_text` re-parse to that node
within the same depth limit. What they match is in the conformance table."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from stream_filters import (
    QUERY_CALLS,
    QUERY_MEMBERS,
    Field,
    FieldType,
    FilterError,
    Limits,
    Nor,
    Op,
    parse_text,
    to_json,
    to_text,
)
from tests.schemas import ALL_TYPES

# (text, JSON): each pair is one filter.
SAME: list[tuple[str, dict[str, Any]]] = [
    ('not (count = 1 or name = "a")', {"$nor": [{"count": 1}, {"name": "a"}]}),
    ("not (())", {"$nor": [{}]}),
    ("active = true and not (count > 1 and score < 2)", {"active": True, "$nor": [{"count": {"$gt": 1, "$lt": 3}}]}),
    ("not (not (count = 1))", {"$nor": [{"$nor": [{"count": 1}]}]}),
    ('name != "a"', {"name": {"$ne": "a"}}),
    ('custom.n != 1 and custom.n not in [true, "1"]', {"custom.n": {"$ne": 1, "$nin": [True, "1"]}}),
    ("count NOT  IN []", {"count": {"$nin": []}}),
    ('tags contains "a"', {"tags": {"$contains": "a"}}),
    (
        "custom.list contains 1.5 and not (custom.list contains true)",
        {"custom.list": {"$contains": 1.5}, "$nor": [{"custom.list": {"$contains": True}}]},
    ),
    ("created_at != 2024-01-01T00:00:00.0000001Z", {"created_at": {"$ne": "2024-01-01T00:00:00.0000001Z"}}),
]


@pytest.mark.parametrize(("text", "json_filter"), SAME, ids=[t for t, _ in SAME])
def test_text_and_json_round_trip(text: str, json_filter: dict[str, Any]) -> None:
    node = parse_text(ALL_TYPES, text)
    assert parse_text(ALL_TYPES, to_text(node)) == node
    assert ALL_TYPES.parse_filter(to_json(node)) == node


@pytest.mark.parametrize("op", ["$ne", "$nin"])
def test_negations_stay_as_written_in_the_ast(op: str) -> None:
    """Lowered only by the backends (`ast.lowered`), so paths, messages, `to_json`
    and the depth limit speak of what the client wrote."""
    operand: Any = [1] if op == "$nin" else 1
    node = ALL_TYPES.parse_filter({"count": {op: operand}})
    assert to_json(node) == {"count": {op: operand}}
    with pytest.raises(FilterError) as caught:
        ALL_TYPES.parse_filter({"count": {op: "x"}})
    assert caught.value.problems[0].path == ("filter_conditions", "count", op)


def test_nin_names_itself_in_its_messages() -> None:
    with pytest.raises(FilterError) as caught:
        ALL_TYPES.parse_filter({"count": {"$nin": 1}})
    assert caught.value.problems[0].message.startswith("$nin takes an array")


@pytest.mark.parametrize("op", ["$ne", "$nin", "$contains"])
def test_built_in_schemas_refuse_opt_in_operators(op: str) -> None:
    with pytest.raises(FilterError) as caught:
        QUERY_CALLS.parse_filter({"members": {op: ["a"] if op == "$nin" else "a"}})
    assert caught.value.codes == ["operator_not_allowed"]
    with pytest.raises(FilterError) as caught:
        QUERY_MEMBERS.parse_filter({"custom.list": {op: ["a"] if op == "$nin" else "a"}})
    assert caught.value.codes == ["operator_not_allowed"]


def test_contains_takes_a_scalar_and_only_arrays_and_custom_define_it() -> None:
    with pytest.raises(FilterError) as caught:
        ALL_TYPES.parse_filter({"custom.list": {"$contains": [1]}})
    assert caught.value.codes == ["invalid_operand"]
    with pytest.raises(ValueError, match="not defined on string fields"):
        Field("name", FieldType.STRING, frozenset({Op.CONTAINS}))


def test_or_inside_nor_is_spread() -> None:
    spread = ALL_TYPES.parse_filter({"$nor": [{"$or": [{"count": 1}, {"count": 2}]}]})
    assert spread == ALL_TYPES.parse_filter({"$nor": [{"count": 1}, {"count": 2}]})
    assert isinstance(spread, Nor) and len(spread.children) == 2


def test_nor_counts_towards_depth_like_or() -> None:
    schema = replace(ALL_TYPES, limits=Limits(max_depth=2))
    schema.parse_filter({"$nor": [{"$or": [{"count": 1}]}]})
    with pytest.raises(FilterError) as caught:
        schema.parse_filter({"$nor": [{"$and": [{"$nor": [{"count": 1}]}]}]})
    assert caught.value.codes == ["too_deep"]
    node = schema.parse_filter({"$nor": [{"count": 1, "$nor": [{"score": 1}]}]})
    assert schema.parse_filter(to_json(node)) == node
    assert parse_text(schema, to_text(node)) == node


@pytest.mark.parametrize("schema", [QUERY_CALLS, QUERY_MEMBERS], ids=lambda s: s.name)
def test_built_in_schemas_refuse_nor(schema: Any) -> None:
    with pytest.raises(FilterError) as caught:
        schema.parse_filter({"$nor": [{}]})
    assert caught.value.codes == ["operator_not_allowed"]
    assert caught.value.problems[0].path == ("filter_conditions", "$nor")
    with pytest.raises(FilterError) as caught:
        parse_text(schema, "not (())")
    assert caught.value.codes == ["operator_not_allowed"]


def test_schema_from_dict_allows_nor() -> None:
    data = {**QUERY_CALLS.to_dict(), "logical": ["$and", "$or", "$nor"]}
    assert QUERY_CALLS.to_dict()["logical"] == ["$and", "$or"]
    schema = type(QUERY_CALLS).from_dict(data)
    assert isinstance(schema.parse_filter({"$nor": [{"type": "default"}]}), Nor)
    with pytest.raises(ValueError, match="always allowed"):
        type(QUERY_CALLS).from_dict({**data, "logical": ["$nor"]})
