"""SPEC §2-4: filters. Each operator on each field type, valid and invalid; one case per line."""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import (
    MATCH_ALL,
    QUERY_CALLS,
    QUERY_MEMBERS,
    And,
    Condition,
    Field,
    FieldType,
    FilterError,
    Instant,
    Node,
    Op,
    Or,
    Schema,
    SortKey,
)
from stream_filters.schema import COMPARE_OPS

ALL_OPS = frozenset(Op)
TEXT_OPS = COMPARE_OPS | {Op.AUTOCOMPLETE, Op.Q}

# One field of every type, each allowing every operator it can take.
ALL_TYPES = Schema(
    name="all_types",
    fields=(
        Field("s", FieldType.STRING, TEXT_OPS, sortable=True),
        Field("i", FieldType.INTEGER, COMPARE_OPS),
        Field("n", FieldType.NUMBER, COMPARE_OPS),
        Field("b", FieldType.BOOLEAN, COMPARE_OPS),
        Field("d", FieldType.DATETIME, COMPARE_OPS),
        Field("tags", FieldType.STRING_ARRAY, frozenset({Op.IN, Op.EQ, Op.EXISTS})),
        Field("custom", FieldType.CUSTOM, TEXT_OPS),
        Field("eq_only", FieldType.STRING, frozenset({Op.EQ})),
    ),
    tie_breaker="s",
    default_sort=(SortKey("s", 1),),
)
TYPES = {f.name: f.type for f in ALL_TYPES.fields}
F = "filter_conditions"


def cond(name: str, op: str, value: Any) -> Condition:
    field, *path = name.split(".")
    return Condition(field, tuple(path), Op(op), value, TYPES[field])


def parse(filter_conditions: Any, schema: Schema = ALL_TYPES) -> Node:
    return schema.parse({"filter_conditions": filter_conditions}).filter


def problems(filter_conditions: Any, schema: Schema = ALL_TYPES) -> list[tuple[str, tuple[Any, ...]]]:
    with pytest.raises(FilterError) as caught:
        schema.parse({"filter_conditions": filter_conditions})
    return [(str(p.code), p.path) for p in caught.value.problems]


def message(filter_conditions: Any, schema: Schema = ALL_TYPES) -> str:
    with pytest.raises(FilterError) as caught:
        schema.parse({"filter_conditions": filter_conditions})
    return caught.value.problems[0].message


T = "2021-01-15T09:30:20.45Z"
VALID: list[tuple[str, Any, Node]] = [
    # string
    ("string $eq", {"s": {"$eq": "a"}}, cond("s", "$eq", "a")),
    ("string $gt", {"s": {"$gt": "a"}}, cond("s", "$gt", "a")),
    ("string $gte", {"s": {"$gte": "a"}}, cond("s", "$gte", "a")),
    ("string $lt", {"s": {"$lt": "a"}}, cond("s", "$lt", "a")),
    ("string $lte", {"s": {"$lte": ""}}, cond("s", "$lte", "")),
    ("string $in", {"s": {"$in": ["a", "b"]}}, cond("s", "$in", ("a", "b"))),
    ("string $in []", {"s": {"$in": []}}, cond("s", "$in", ())),
    ("string $exists true", {"s": {"$exists": True}}, cond("s", "$exists", True)),
    ("string $exists false", {"s": {"$exists": False}}, cond("s", "$exists", False)),
    ("string $autocomplete", {"s": {"$autocomplete": "jo"}}, cond("s", "$autocomplete", "jo")),
    ("string $autocomplete %_\\", {"s": {"$autocomplete": "%_\\"}}, cond("s", "$autocomplete", "%_\\")),
    ("string $q", {"s": {"$q": "hello World"}}, cond("s", "$q", "hello World")),
    ("string $q unicode word", {"s": {"$q": "Zoë"}}, cond("s", "$q", "Zoë")),
    ("string non-BMP", {"s": "🎉"}, cond("s", "$eq", "🎉")),
    # integer / number: ints and floats, never booleans
    ("integer $eq", {"i": {"$eq": 1}}, cond("i", "$eq", 1)),
    ("integer $gt float", {"i": {"$gt": 1.5}}, cond("i", "$gt", 1.5)),
    ("integer $gte", {"i": {"$gte": -3}}, cond("i", "$gte", -3)),
    ("integer $lt", {"i": {"$lt": 0}}, cond("i", "$lt", 0)),
    ("integer $lte", {"i": {"$lte": 7}}, cond("i", "$lte", 7)),
    ("integer $in", {"i": {"$in": [1, 2.5]}}, cond("i", "$in", (1, 2.5))),
    ("integer $exists", {"i": {"$exists": True}}, cond("i", "$exists", True)),
    ("integer int64 max", {"i": 2**63 - 1}, cond("i", "$eq", 2**63 - 1)),
    ("integer int64 min", {"i": -(2**63)}, cond("i", "$eq", -(2**63))),
    ("number $eq", {"n": {"$eq": 0.25}}, cond("n", "$eq", 0.25)),
    ("number $lt int", {"n": {"$lt": 3}}, cond("n", "$lt", 3)),
    # boolean
    ("boolean $eq true", {"b": {"$eq": True}}, cond("b", "$eq", True)),
    ("boolean $eq false", {"b": False}, cond("b", "$eq", False)),
    ("boolean $in", {"b": {"$in": [True, False]}}, cond("b", "$in", (True, False))),
    ("boolean $gt", {"b": {"$gt": False}}, cond("b", "$gt", False)),
    ("boolean $exists", {"b": {"$exists": False}}, cond("b", "$exists", False)),
    # datetime: operands become Instants
    ("datetime $eq", {"d": {"$eq": T}}, cond("d", "$eq", Instant.parse(T))),
    ("datetime $gt", {"d": {"$gt": T}}, cond("d", "$gt", Instant.parse(T))),
    ("datetime $gte", {"d": {"$gte": T}}, cond("d", "$gte", Instant.parse(T))),
    ("datetime $lt", {"d": {"$lt": T}}, cond("d", "$lt", Instant.parse(T))),
    ("datetime $lte", {"d": {"$lte": T}}, cond("d", "$lte", Instant.parse(T))),
    ("datetime $in", {"d": {"$in": [T]}}, cond("d", "$in", (Instant.parse(T),))),
    ("datetime $exists", {"d": {"$exists": True}}, cond("d", "$exists", True)),
    # string_array: operands are elements
    ("string_array $in", {"tags": {"$in": ["a", "b"]}}, cond("tags", "$in", ("a", "b"))),
    ("string_array $eq", {"tags": "a"}, cond("tags", "$eq", "a")),
    ("string_array $exists", {"tags": {"$exists": True}}, cond("tags", "$exists", True)),
    # custom: JSON scalars of any type, dotted paths
    ("custom string", {"custom.color": "red"}, cond("custom.color", "$eq", "red")),
    ("custom integer", {"custom.n": {"$eq": 1}}, cond("custom.n", "$eq", 1)),
    ("custom float", {"custom.n": {"$gt": 1.5}}, cond("custom.n", "$gt", 1.5)),
    ("custom boolean", {"custom.flag": True}, cond("custom.flag", "$eq", True)),
    ("custom 2^53+1 exact", {"custom.n": 2**53 + 1}, cond("custom.n", "$eq", 2**53 + 1)),
    ("custom $in mixed", {"custom.x": {"$in": ["a", 1, True]}}, cond("custom.x", "$in", ("a", 1, True))),
    ("custom range", {"custom.x": {"$lte": "m"}}, cond("custom.x", "$lte", "m")),
    ("custom $exists", {"custom.tags": {"$exists": False}}, cond("custom.tags", "$exists", False)),
    ("custom date-like string", {"custom.at": T}, cond("custom.at", "$eq", T)),
    ("custom $autocomplete", {"custom.name": {"$autocomplete": "jo"}}, cond("custom.name", "$autocomplete", "jo")),
    ("custom $q", {"custom.bio": {"$q": "go"}}, cond("custom.bio", "$q", "go")),
    ("custom deep path", {"custom.A-b_9.c.0": 1}, cond("custom.A-b_9.c.0", "$eq", 1)),
    # shapes
    ("empty filter", {}, MATCH_ALL),
    ("null filter is absent", None, MATCH_ALL),
    ("shorthand is $eq", {"s": "a"}, cond("s", "$eq", "a")),
    (
        "several operators on a field are ANDed in order",
        {"i": {"$gt": 1, "$lt": 5, "$exists": True}},
        And((cond("i", "$gt", 1), cond("i", "$lt", 5), cond("i", "$exists", True))),
    ),
    ("entries are ANDed", {"s": "a", "i": 1}, And((cond("s", "$eq", "a"), cond("i", "$eq", 1)))),
    ("$or", {"$or": [{"s": "a"}, {"i": 1}]}, Or((cond("s", "$eq", "a"), cond("i", "$eq", 1)))),
    ("$and", {"$and": [{"s": "a"}, {"i": 1}]}, And((cond("s", "$eq", "a"), cond("i", "$eq", 1)))),
    ("$or of one collapses", {"$or": [{"s": "a"}]}, cond("s", "$eq", "a")),
    (
        "$or beside a field",
        {"s": "a", "$or": [{"i": 1}, {"i": 2}]},
        And((cond("s", "$eq", "a"), Or((cond("i", "$eq", 1), cond("i", "$eq", 2))))),
    ),
]


@pytest.mark.parametrize(("request_filter", "expected"), [c[1:] for c in VALID], ids=[c[0] for c in VALID])
def test_valid_filter(request_filter: Any, expected: Node) -> None:
    assert parse(request_filter) == expected


P = (F,)
INVALID: list[tuple[str, Any, list[tuple[str, tuple[Any, ...]]]]] = [
    # operands of the wrong type
    ("string given number", {"s": {"$eq": 1}}, [("invalid_operand", (F, "s", "$eq"))]),
    ("string given boolean", {"s": True}, [("invalid_operand", (F, "s"))]),
    ("string given array", {"s": ["a"]}, [("invalid_operand", (F, "s"))]),
    ("string given object", {"s": {"$eq": {"a": 1}}}, [("invalid_operand", (F, "s", "$eq"))]),
    ("string range given number", {"s": {"$gt": 1}}, [("invalid_operand", (F, "s", "$gt"))]),
    ("integer given string", {"i": {"$eq": "1"}}, [("invalid_operand", (F, "i", "$eq"))]),
    ("integer given true", {"i": {"$eq": True}}, [("invalid_operand", (F, "i", "$eq"))]),
    ("integer beyond 64 bits", {"i": 2**63}, [("invalid_operand", (F, "i"))]),
    ("integer below 64 bits", {"i": -(2**63) - 1}, [("invalid_operand", (F, "i"))]),
    ("number infinite", {"n": float("inf")}, [("invalid_operand", (F, "n"))]),
    ("number NaN", {"n": float("nan")}, [("invalid_operand", (F, "n"))]),
    ("number given false", {"n": {"$lt": False}}, [("invalid_operand", (F, "n", "$lt"))]),
    ("boolean given 1", {"b": 1}, [("invalid_operand", (F, "b"))]),
    ("boolean given 0", {"b": {"$eq": 0}}, [("invalid_operand", (F, "b", "$eq"))]),
    ("boolean given 'true'", {"b": "true"}, [("invalid_operand", (F, "b"))]),
    ("boolean $in given 1", {"b": {"$in": [True, 1]}}, [("invalid_operand", (F, "b", "$in", 1))]),
    ("datetime given date only", {"d": "2021-01-15"}, [("invalid_datetime", (F, "d"))]),
    ("datetime without offset", {"d": {"$gt": "2021-01-15T09:30:20"}}, [("invalid_datetime", (F, "d", "$gt"))]),
    ("datetime given epoch number", {"d": 1610000000}, [("invalid_operand", (F, "d"))]),
    ("datetime $in bad item", {"d": {"$in": [T, "x"]}}, [("invalid_datetime", (F, "d", "$in", 1))]),
    ("string_array given number", {"tags": {"$in": [1]}}, [("invalid_operand", (F, "tags", "$in", 0))]),
    ("custom array operand", {"custom.x": [1]}, [("invalid_operand", (F, "custom.x"))]),
    ("custom object operand", {"custom.x": {"$eq": {"a": 1}}}, [("invalid_operand", (F, "custom.x", "$eq"))]),
    ("custom array in $in", {"custom.x": {"$in": [[1]]}}, [("invalid_operand", (F, "custom.x", "$in", 0))]),
    ("custom integer beyond 64 bits", {"custom.x": 2**64}, [("invalid_operand", (F, "custom.x"))]),
    ("lone surrogate operand", {"s": "a\ud800"}, [("invalid_operand", (F, "s"))]),
    ("lone surrogate custom operand", {"custom.x": "\udfff"}, [("invalid_operand", (F, "custom.x"))]),
    ("lone surrogate $q", {"s": {"$q": "a\ud800"}}, [("invalid_operand", (F, "s", "$q"))]),
    # operator-specific operands
    ("$in not an array", {"s": {"$in": "a"}}, [("invalid_operand", (F, "s", "$in"))]),
    ("$in item null", {"s": {"$in": ["a", None]}}, [("null_operand", (F, "s", "$in", 1))]),
    (
        "$in every bad item",
        {"i": {"$in": ["a", 1, "b"]}},
        [("invalid_operand", (F, "i", "$in", 0)), ("invalid_operand", (F, "i", "$in", 2))],
    ),
    ("$exists given 'true'", {"s": {"$exists": "true"}}, [("invalid_operand", (F, "s", "$exists"))]),
    ("$exists given 1", {"s": {"$exists": 1}}, [("invalid_operand", (F, "s", "$exists"))]),
    ("$autocomplete empty", {"s": {"$autocomplete": ""}}, [("invalid_operand", (F, "s", "$autocomplete"))]),
    ("$autocomplete number", {"s": {"$autocomplete": 5}}, [("invalid_operand", (F, "s", "$autocomplete"))]),
    ("$q without a word", {"s": {"$q": "!! --"}}, [("invalid_operand", (F, "s", "$q"))]),
    ("$q underscore is no word", {"s": {"$q": "_"}}, [("invalid_operand", (F, "s", "$q"))]),
    ("$q empty", {"s": {"$q": ""}}, [("invalid_operand", (F, "s", "$q"))]),
    # null and empty conditions
    ("null shorthand", {"s": None}, [("null_operand", (F, "s"))]),
    ("null operand", {"s": {"$eq": None}}, [("null_operand", (F, "s", "$eq"))]),
    ("null $exists", {"s": {"$exists": None}}, [("null_operand", (F, "s", "$exists"))]),
    ("null $in", {"s": {"$in": None}}, [("null_operand", (F, "s", "$in"))]),
    ("empty operator object", {"d": {}}, [("empty_condition", (F, "d"))]),
    # object conditions
    ("object without $", {"s": {"a": 1}}, [("expected_operator", (F, "s"))]),
    ("mixed $ and plain keys", {"s": {"$eq": "a", "b": 1}}, [("mixed_operators", (F, "s"))]),
    ("custom itself", {"custom": {"color": "red"}}, [("invalid_path", (F, "custom"))]),
    ("custom itself, scalar", {"custom": 1}, [("invalid_path", (F, "custom"))]),
    # operators
    ("unknown operator", {"s": {"$eqq": "a"}}, [("unknown_operator", (F, "s", "$eqq"))]),
    ("$regex is not an operator", {"s": {"$regex": "a"}}, [("unknown_operator", (F, "s", "$regex"))]),
    ("$ne is opt-in", {"s": {"$ne": "a"}}, [("operator_not_allowed", (F, "s", "$ne"))]),
    ("operator not allowed", {"eq_only": {"$gt": "a"}}, [("operator_not_allowed", (F, "eq_only", "$gt"))]),
    ("$q not allowed on boolean", {"b": {"$q": "a"}}, [("operator_not_allowed", (F, "b", "$q"))]),
    ("operator at filter level", {"$eq": 1}, [("unknown_operator", (F, "$eq"))]),
    ("$nor where the schema does not allow it", {"$nor": [{"s": "a"}]}, [("operator_not_allowed", (F, "$nor"))]),
    ("$not at filter level", {"$not": {"s": "a"}}, [("unknown_operator", (F, "$not"))]),
    # fields and paths
    ("unknown field", {"x": 1}, [("unknown_field", (F, "x"))]),
    ("field names are case-sensitive", {"S": "a"}, [("unknown_field", (F, "S"))]),
    ("sub-field of a plain field", {"s.x": "a"}, [("unknown_field", (F, "s.x"))]),
    ("custom. empty path", {"custom.": 1}, [("invalid_path", (F, "custom."))]),
    ("custom empty segment", {"custom.a..b": 1}, [("invalid_path", (F, "custom.a..b"))]),
    ("custom trailing dot", {"custom.a.": 1}, [("invalid_path", (F, "custom.a."))]),
    ("custom segment with space", {"custom.a b": 1}, [("invalid_path", (F, "custom.a b"))]),
    ("custom segment with $", {"custom.$a": 1}, [("invalid_path", (F, "custom.$a"))]),
    ("custom segment non-ASCII", {"custom.é": 1}, [("invalid_path", (F, "custom.é"))]),
    ("non-string key", {1: "a"}, [("invalid_type", (F,))]),
    # logical
    ("$and not an array", {"$and": {"s": "a"}}, [("invalid_type", (F, "$and"))]),
    ("$or empty", {"$or": []}, [("empty_logical", (F, "$or"))]),
    ("$and empty", {"$and": []}, [("empty_logical", (F, "$and"))]),
    ("$or item not an object", {"$or": [{"s": "a"}, 1]}, [("invalid_type", (F, "$or", 1))]),
    ("filter not an object", ["s"], [("invalid_type", (F,))]),
    ("filter a string", "s = a", [("invalid_type", (F,))]),
]


@pytest.mark.parametrize(("request_filter", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_filter(request_filter: Any, expected: list[tuple[str, tuple[Any, ...]]]) -> None:
    assert problems(request_filter) == expected


BUILTIN: list[tuple[str, Schema, Any, list[tuple[str, tuple[Any, ...]]]]] = [
    ("calls: members takes only $in", QUERY_CALLS, {"members": "a"}, [("operator_not_allowed", (F, "members"))]),
    (
        "calls: ongoing takes only $eq",
        QUERY_CALLS,
        {"ongoing": {"$in": [True]}},
        [("operator_not_allowed", (F, "ongoing", "$in"))],
    ),
    ("calls: backstage not 1", QUERY_CALLS, {"backstage": 1}, [("invalid_operand", (F, "backstage"))]),
    ("calls: no custom", QUERY_CALLS, {"custom.x": 1}, [("unknown_field", (F, "custom.x"))]),
    (
        "calls: no $autocomplete",
        QUERY_CALLS,
        {"id": {"$autocomplete": "a"}},
        [("operator_not_allowed", (F, "id", "$autocomplete"))],
    ),
    ("members: no members field", QUERY_MEMBERS, {"members": {"$in": ["a"]}}, [("unknown_field", (F, "members"))]),
    (
        "members: no $q on custom",
        QUERY_MEMBERS,
        {"custom.bio": {"$q": "a"}},
        [("operator_not_allowed", (F, "custom.bio", "$q"))],
    ),
]


@pytest.mark.parametrize(
    ("schema", "request_filter", "expected"), [c[1:] for c in BUILTIN], ids=[c[0] for c in BUILTIN]
)
def test_builtin_schema_rules(schema: Schema, request_filter: Any, expected: list[tuple[str, tuple[Any, ...]]]) -> None:
    assert problems(request_filter, schema) == expected


HINTS: list[tuple[str, Any, Schema, str]] = [
    ("null operand points to $exists", {"s": None}, ALL_TYPES, '{"$exists": false}'),
    ("empty condition points to $exists", {"d": {}}, ALL_TYPES, '{"$exists": false}'),
    ("object without $ points to dotted paths", {"s": {"color": "red"}}, ALL_TYPES, "custom.color"),
    ("mixed keys point to dotted paths", {"s": {"$eq": "a", "b": 1}}, ALL_TYPES, "dotted paths"),
    ("custom itself points to custom.color", {"custom": {"color": "red"}}, QUERY_MEMBERS, "custom.color"),
    ("unknown field suggests", {"tpye": "x"}, QUERY_CALLS, "Did you mean 'type'?"),
    ("unknown field lists allowed", {"tpye": "x"}, QUERY_CALLS, "created_by_user_id"),
    ("wrong case suggests", {"USER_ID": "x"}, QUERY_MEMBERS, "Did you mean 'user_id'?"),
    ("unknown operator suggests", {"id": {"$gtee": "a"}}, QUERY_CALLS, "Did you mean '$gte'?"),
    ("unknown operator lists allowed", {"id": {"$regex": "a"}}, QUERY_CALLS, "$exists, $gt, $gte, $in, $lt, $lte"),
    ("not-allowed operator lists allowed", {"members": {"$eq": "a"}}, QUERY_CALLS, "allowed: $in"),
    ("filter-level operator suggests $and", {"$adn": []}, QUERY_CALLS, "Did you mean '$and'?"),
    ("booleans are never 0/1", {"ongoing": 1}, QUERY_CALLS, "never 0 or 1"),
    ("type mismatch names the field", {"id": 5}, QUERY_CALLS, "id: expected a string, got number 5"),
    ("custom operand explains $exists", {"custom.x": [1]}, QUERY_MEMBERS, "matched only by $exists"),
]


@pytest.mark.parametrize(("request_filter", "schema", "text"), [c[1:] for c in HINTS], ids=[c[0] for c in HINTS])
def test_message_hints(request_filter: Any, schema: Schema, text: str) -> None:
    assert text in message(request_filter, schema)


def test_shorthand_and_explicit_eq_are_the_same_node() -> None:
    assert parse({"s": "a"}) == parse({"s": {"$eq": "a"}})


def test_custom_true_and_custom_1_differ() -> None:
    assert parse({"custom.x": True}) != parse({"custom.x": 1})


def test_custom_1_and_1_0_are_different_nodes() -> None:
    assert parse({"custom.x": 1}) != parse({"custom.x": 1.0})
