"""The filter AST: normalised, frozen, hashable, type-aware, with a canonical JSON form."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from stream_filters import (
    MATCH_ALL,
    QUERY_CALLS,
    QUERY_MEMBERS,
    And,
    Condition,
    FieldType,
    Instant,
    Limits,
    Node,
    Op,
    Or,
    to_json,
)
from stream_filters.ast import conditions, conjoin, disjoin, walk


def c(name: str, value: Any = 1, op: str = "$eq", field_type: FieldType = FieldType.CUSTOM) -> Condition:
    field, *path = name.split(".")
    return Condition(field, tuple(path), Op(op), value, field_type)


A, B, C, D = c("custom.a"), c("custom.b"), c("custom.c"), c("custom.d")


def members(filter_conditions: Any) -> Node:
    return QUERY_MEMBERS.parse({"filter_conditions": filter_conditions}).filter


NORMALISED: list[tuple[str, Any, Node]] = [
    ("implicit AND made explicit", {"custom.a": 1, "custom.b": 1}, And((A, B))),
    (
        "nested $and flattened",
        {"$and": [{"custom.a": 1}, {"$and": [{"custom.b": 1}, {"$and": [{"custom.c": 1}]}]}]},
        And((A, B, C)),
    ),
    (
        "$and beside fields flattened in order",
        {"custom.a": 1, "$and": [{"custom.b": 1}], "custom.c": 1},
        And((A, B, C)),
    ),
    ("single-child $and collapsed", {"$and": [{"custom.a": 1}]}, A),
    ("single-child $or collapsed", {"$or": [{"custom.a": 1}]}, A),
    ("nested $or flattened", {"$or": [{"custom.a": 1}, {"$or": [{"custom.b": 1}, {"custom.c": 1}]}]}, Or((A, B, C))),
    (
        "$or inside $and kept",
        {"$and": [{"custom.a": 1}, {"$or": [{"custom.b": 1}, {"custom.c": 1}]}]},
        And((A, Or((B, C)))),
    ),
    ("$and inside $or kept", {"$or": [{"custom.a": 1, "custom.b": 1}, {"custom.c": 1}]}, Or((And((A, B)), C))),
    ("{} in $and vanishes", {"$and": [{}, {"custom.a": 1}]}, A),
    ("{} in $or matches all", {"$or": [{}, {"custom.a": 1}]}, Or((MATCH_ALL, A))),
    ("empty filter", {}, MATCH_ALL),
    ("$and of {} is {}", {"$and": [{}, {}]}, MATCH_ALL),
]


@pytest.mark.parametrize(("request_filter", "expected"), [n[1:] for n in NORMALISED], ids=[n[0] for n in NORMALISED])
def test_normalisation(request_filter: Any, expected: Node) -> None:
    assert members(request_filter) == expected


def test_conjoin_and_disjoin() -> None:
    assert conjoin([]) == MATCH_ALL
    assert conjoin([A]) is A
    assert conjoin([And((A, B)), C]) == And((A, B, C))
    assert disjoin([Or((A, B)), Or((C, D))]) == Or((A, B, C, D))
    assert disjoin([And((A, B)), C]) == Or((And((A, B)), C))


EQUALITY: list[tuple[str, Condition, Condition, bool]] = [
    ("true vs 1", c("custom.x", True), c("custom.x", 1), False),
    ("false vs 0", c("custom.x", False), c("custom.x", 0), False),
    ("1 vs 1.0", c("custom.x", 1), c("custom.x", 1.0), False),
    ("same int", c("custom.x", 1), c("custom.x", 1), True),
    ("[true] vs [1]", c("custom.x", (True,), "$in"), c("custom.x", (1,), "$in"), False),
    ("same tuple", c("custom.x", ("a", 1), "$in"), c("custom.x", ("a", 1), "$in"), True),
    ("other op", c("custom.x", 1, "$gt"), c("custom.x", 1, "$gte"), False),
    ("other path", c("custom.x", 1), c("custom.y", 1), False),
    ("other type", c("x", "a", field_type=FieldType.STRING), c("x", "a", field_type=FieldType.STRING_ARRAY), False),
    (
        "instant",
        c("d", Instant(5), field_type=FieldType.DATETIME),
        c("d", Instant(5), field_type=FieldType.DATETIME),
        True,
    ),
]


@pytest.mark.parametrize(("left", "right", "equal"), [e[1:] for e in EQUALITY], ids=[e[0] for e in EQUALITY])
def test_type_aware_equality_and_hash(left: Condition, right: Condition, equal: bool) -> None:
    assert (left == right) is equal
    assert (hash(left) == hash(right)) is equal
    assert len({left, right}) == (1 if equal else 2)


def test_true_and_1_are_distinct_cache_keys() -> None:
    cache = {members({"custom.x": True}): "bool", members({"custom.x": 1}): "int"}
    assert cache[members({"custom.x": 1})] == "int"
    assert cache[members({"custom.x": True})] == "bool"


def test_nodes_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        A.value = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        And((A,)).children = ()  # type: ignore[misc]


def test_compounds_hash_by_value() -> None:
    assert hash(And((A, Or((B, C))))) == hash(members({"custom.a": 1, "$or": [{"custom.b": 1}, {"custom.c": 1}]}))


def test_condition_name() -> None:
    assert c("custom.a.b").name == "custom.a.b"
    assert c("id", field_type=FieldType.STRING).name == "id"


CANONICAL: list[tuple[str, Any, Any, dict[str, Any]]] = [
    ("shorthand made explicit", QUERY_CALLS, {"type": "x"}, {"type": {"$eq": "x"}}),
    (
        "datetime in UTC",
        QUERY_CALLS,
        {"created_at": {"$gt": "2021-01-15 11:30:20.50+02:00"}},
        {"created_at": {"$gt": "2021-01-15T09:30:20.5Z"}},
    ),
    ("$in values", QUERY_CALLS, {"members": {"$in": ["a", "b"]}}, {"members": {"$in": ["a", "b"]}}),
    ("operators merged", QUERY_CALLS, {"id": {"$gt": "a", "$lt": "b"}}, {"id": {"$gt": "a", "$lt": "b"}}),
    (
        "$and of fields becomes one object",
        QUERY_CALLS,
        {"$and": [{"id": "a"}, {"type": "b"}]},
        {"id": {"$eq": "a"}, "type": {"$eq": "b"}},
    ),
    (
        "$or beside fields",
        QUERY_CALLS,
        {"id": "a", "$or": [{"type": "b"}, {"team": "c"}]},
        {"id": {"$eq": "a"}, "$or": [{"type": {"$eq": "b"}}, {"team": {"$eq": "c"}}]},
    ),
    (
        "repeated operator goes to $and",
        QUERY_CALLS,
        {"$and": [{"id": {"$gt": "a"}}, {"id": {"$gt": "b"}}]},
        {"id": {"$gt": "a"}, "$and": [{"id": {"$gt": "b"}}]},
    ),
    (
        "second $or goes to $and",
        QUERY_CALLS,
        {"$and": [{"$or": [{"id": "a"}, {"id": "b"}]}, {"$or": [{"type": "a"}, {"type": "b"}]}]},
        {
            "$or": [{"id": {"$eq": "a"}}, {"id": {"$eq": "b"}}],
            "$and": [{"$or": [{"type": {"$eq": "a"}}, {"type": {"$eq": "b"}}]}],
        },
    ),
    ("empty", QUERY_CALLS, {}, {}),
    ("custom path", QUERY_MEMBERS, {"custom.a.b": {"$in": [1, "x", True]}}, {"custom.a.b": {"$in": [1, "x", True]}}),
]


@pytest.mark.parametrize(
    ("schema", "request_filter", "canonical"), [x[1:] for x in CANONICAL], ids=[x[0] for x in CANONICAL]
)
def test_to_json_is_canonical(schema: Any, request_filter: Any, canonical: dict[str, Any]) -> None:
    node = schema.parse({"filter_conditions": request_filter}).filter
    assert to_json(node) == canonical
    assert json.dumps(to_json(node)) == json.dumps(canonical)
    assert schema.parse_filter(to_json(node)) == node


ROUND_TRIPS: list[Any] = [
    {"id": "a", "type": "b", "$and": [{"id": "c"}], "$or": [{"team": "x"}, {"team": "y"}]},
    {"$and": [{"$or": [{"id": "a"}, {"id": "b"}]}, {"team": "x"}, {"$or": [{"type": "a"}, {"type": "b"}]}]},
    {"$or": [{"$and": [{"id": "a"}, {"$or": [{"type": "a"}, {"team": "b"}]}]}, {}]},
    {"id": {"$gt": "a"}, "$and": [{"type": "b"}, {"id": {"$lt": "z"}}]},
    {"$and": [{"id": {"$gt": "a"}}, {"type": "b"}, {"id": {"$gt": "a"}}, {"$or": [{"team": "a"}, {"team": "b"}]}]},
    {
        "$and": [
            {"$or": [{"id": "a"}, {"id": "b"}]},
            {"$or": [{"id": "c"}, {"id": "d"}]},
            {"id": "e"},
            {"$or": [{"id": "f"}, {"id": "g"}]},
            {"id": "e"},
        ]
    },
]


@pytest.mark.parametrize("request_filter", ROUND_TRIPS)
def test_parse_of_to_json_is_identity(request_filter: Any) -> None:
    node = QUERY_CALLS.parse_filter(request_filter)
    assert QUERY_CALLS.parse_filter(json.loads(json.dumps(to_json(node)))) == node


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return max([(k in ("$and", "$or")) + depth(v) for k, v in value.items()], default=0)
    if isinstance(value, list):
        return max([depth(v) for v in value], default=0)
    return 0


@pytest.mark.parametrize("request_filter", ROUND_TRIPS)
def test_to_json_nests_no_deeper_than_its_input(request_filter: Any) -> None:
    node = QUERY_CALLS.parse_filter(request_filter)
    assert depth(to_json(node)) <= depth(request_filter)
    tight = dataclasses.replace(QUERY_CALLS, limits=Limits(max_depth=depth(request_filter)))
    assert tight.parse_filter(to_json(node)) == node


def test_walk_and_conditions_visit_parents_first_without_recursion() -> None:
    tree = And((A, Or((B, And((C, D))))))
    assert list(walk(tree)) == [tree, A, Or((B, And((C, D)))), B, And((C, D)), C, D]
    assert list(conditions(tree)) == [A, B, C, D]
    deep: Node = A
    for _ in range(50_000):
        deep = Or((deep, B)) if isinstance(deep, And) else And((deep, C))
    assert sum(1 for _ in walk(deep)) == 100_001  # one compound and one condition per level, plus the leaf
