"""SPEC §4: endpoint schemas, built in and user-defined, in Python and as plain data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stream_filters import BUILTIN_SCHEMAS, QUERY_CALLS, QUERY_MEMBERS, Field, FieldType, Limits, Op, Schema, SortKey

SAME = {"$in", "$eq", "$gt", "$gte", "$lt", "$lte", "$exists"}

# SPEC §4, row by row: name -> (type, operators, sortable)
CALLS_TABLE: dict[str, tuple[str, set[str], bool]] = {
    "id": ("string", SAME, True),
    "cid": ("string", SAME, True),
    "team": ("string", SAME, False),
    "type": ("string", SAME, True),
    "created_by_user_id": ("string", SAME, False),
    "created_at": ("datetime", SAME, True),
    "updated_at": ("datetime", SAME, True),
    "ended_at": ("datetime", SAME, True),
    "starts_at": ("datetime", SAME, True),
    "backstage": ("boolean", {"$eq"}, False),
    "members": ("string_array", {"$in"}, False),
    "ongoing": ("boolean", {"$eq"}, False),
}
MEMBERS_TABLE: dict[str, tuple[str, set[str], bool]] = {
    "user_id": ("string", SAME, True),
    "role": ("string", SAME, False),
    "custom": ("custom", SAME, False),
    "created_at": ("datetime", SAME, True),
    "updated_at": ("datetime", SAME, True),
}


@pytest.mark.parametrize(
    ("schema", "table", "tie_breaker", "default_sort"),
    [
        (QUERY_CALLS, CALLS_TABLE, "cid", [SortKey("created_at", -1)]),
        (QUERY_MEMBERS, MEMBERS_TABLE, "user_id", [SortKey("created_at", 1)]),
    ],
    ids=["query_calls", "query_members"],
)
def test_builtin_schema_matches_spec(
    schema: Schema, table: dict[str, tuple[str, set[str], bool]], tie_breaker: str, default_sort: list[SortKey]
) -> None:
    actual = {f.name: (str(f.type), {str(op) for op in f.operators}, f.sortable) for f in schema.fields}
    assert actual == table
    assert schema.tie_breaker == tie_breaker
    assert list(schema.default_sort) == default_sort
    assert (schema.default_limit, schema.max_limit) == (25, 100)
    assert schema.limits == Limits()
    assert BUILTIN_SCHEMAS[schema.name] is schema


@pytest.mark.parametrize("schema", [QUERY_CALLS, QUERY_MEMBERS], ids=["query_calls", "query_members"])
def test_dict_round_trip(schema: Schema) -> None:
    data = schema.to_dict()
    assert Schema.from_dict(data) == schema
    assert Schema.from_json(json.dumps(data)) == schema
    assert json.loads(json.dumps(data)) == data


def test_from_dict_defaults_and_limits() -> None:
    schema = Schema.from_dict(
        {
            "name": "rooms",
            "fields": {
                "id": {"type": "string", "sortable": True},
                "size": {"type": "integer", "operators": ["$gt", "$lt"], "sortable": True},
                "title": {"type": "string", "operators": ["$q", "$autocomplete"]},
            },
            "tie_breaker": "id",
            "limits": {"max_depth": 3},
        }
    )
    assert schema.by_name["id"].operators == frozenset(Op(o) for o in SAME)
    assert schema.by_name["size"].operators == {Op.GT, Op.LT}
    assert schema.by_name["title"].sortable is False
    assert schema.default_sort == ()
    assert (schema.default_limit, schema.max_limit, schema.limits.max_depth) == (25, 100, 3)
    assert Schema.from_dict(schema.to_dict()) == schema
    query = schema.parse({"filter_conditions": {"title": {"$q": "big room"}, "size": {"$gt": 4}}})
    assert [(k.field, k.direction) for k in query.sort] == [("id", 1)]


def test_python_schema_parses_requests() -> None:
    schema = Schema(
        name="tickets",
        fields=(
            Field("key", FieldType.STRING, sortable=True),
            Field("price", FieldType.NUMBER, frozenset({Op.GT, Op.LTE}), sortable=True),
            Field("open", FieldType.BOOLEAN, frozenset({Op.EQ})),
        ),
        tie_breaker="key",
        default_sort=(SortKey("price", -1),),
        default_limit=10,
        max_limit=50,
    )
    query = schema.parse({"filter_conditions": {"price": {"$gt": 9.5}, "open": True}, "limit": 50})
    assert [(k.field, k.direction) for k in query.sort] == [("price", -1), ("key", -1)]
    assert query.limit == 50
    assert schema.sortable_fields == ["key", "price"]


def fields_schema(fields: dict[str, Any], **rest: Any) -> dict[str, Any]:
    return {"name": "x", "fields": fields, "tie_breaker": "a", **rest}


A = {"a": {"type": "string", "sortable": True}}
BAD_DICTS: list[tuple[str, Any, str]] = [
    ("not an object", [1], "must be an object"),
    ("missing name", {"fields": A, "tie_breaker": "a"}, "missing schema key"),
    ("missing fields", {"name": "x", "tie_breaker": "a"}, "missing schema key"),
    ("unknown key", {**fields_schema(A), "sortable": True}, "unknown schema key"),
    ("fields a list", fields_schema([A]), "'fields' must be an object"),
    ("field description a string", fields_schema({"a": "string"}), "field 'a'"),
    ("field type missing", fields_schema({"a": {"sortable": True}}), "field 'a'"),
    ("field type unknown", fields_schema({"a": {"type": "text", "sortable": True}}), "field 'a'"),
    ("field unknown key", fields_schema({"a": {"type": "string", "index": True}}), "unknown key"),
    (
        "operator unknown",
        fields_schema({"a": {"type": "string", "sortable": True, "operators": ["$regex"]}}),
        "field 'a'",
    ),
    ("operators a string", fields_schema({"a": {"type": "string", "sortable": True, "operators": "$eq"}}), "array"),
    ("sortable a string", fields_schema({"a": {"type": "string", "sortable": "yes"}}), "true or false"),
    ("bad field name", fields_schema({**A, "a.b": {"type": "string"}}), "must match"),
    ("$q on a number", fields_schema({**A, "n": {"type": "number", "operators": ["$q"]}}), "not defined on number"),
    (
        "$gt on a string_array",
        fields_schema({**A, "t": {"type": "string_array", "operators": ["$gt"]}}),
        "not defined on string_array",
    ),
    (
        "sortable string_array",
        fields_schema({**A, "t": {"type": "string_array", "sortable": True}}),
        "cannot be sortable",
    ),
    ("sortable custom", fields_schema({**A, "c": {"type": "custom", "sortable": True}}), "cannot be sortable"),
    ("tie-breaker unknown", fields_schema(A, tie_breaker="b"), "tie-breaker"),
    ("tie-breaker unsortable", fields_schema({"a": {"type": "string"}}), "tie-breaker"),
    ("default sort unknown field", fields_schema(A, default_sort=[{"field": "b"}]), "default sort"),
    ("default sort bad direction", fields_schema(A, default_sort=[{"field": "a", "direction": 0}]), "default sort"),
    ("default sort direction true", fields_schema(A, default_sort=[{"field": "a", "direction": True}]), "default sort"),
    ("default sort not objects", fields_schema(A, default_sort=["a"]), "default sort key"),
    ("default sort not a list", fields_schema(A, default_sort={"field": "a"}), "default_sort"),
    ("default_limit above max", fields_schema(A, default_limit=200), "default_limit"),
    ("default_limit 0", fields_schema(A, default_limit=0), "default_limit"),
    ("default_limit a string", fields_schema(A, default_limit="25"), "default_limit"),
    ("max_limit true", fields_schema(A, max_limit=True), "max_limit"),
    ("limits unknown", fields_schema(A, limits={"max_dpeth": 3}), "unknown limit"),
    ("limits bad value", fields_schema(A, limits={"max_depth": 0}), "max_depth"),
    ("limits not an object", fields_schema(A, limits=5), "limits"),
    ("name not a string", {**fields_schema(A), "name": 5}, "name"),
]


@pytest.mark.parametrize(("data", "match"), [b[1:] for b in BAD_DICTS], ids=[b[0] for b in BAD_DICTS])
def test_bad_schema_dict(data: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Schema.from_dict(data)


@pytest.mark.parametrize("text", ["{", "[]", '"x"', "[" * 100_000])
def test_bad_schema_json(text: str) -> None:
    with pytest.raises(ValueError):
        Schema.from_json(text)


def test_duplicate_field_names_in_python() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Schema("x", (Field("a", FieldType.STRING, sortable=True), Field("a", FieldType.INTEGER)), "a", ())


def test_field_accepts_plain_strings() -> None:
    field = Field("a", "integer", frozenset({"$gt"}))  # type: ignore[arg-type]
    assert field.type is FieldType.INTEGER
    assert field.operators == {Op.GT}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (FieldType.STRING_ARRAY, {"$in", "$eq", "$exists"}),
        (FieldType.INTEGER, {"$in", "$eq", "$gt", "$gte", "$lt", "$lte", "$exists"}),
        (FieldType.STRING, {"$in", "$eq", "$gt", "$gte", "$lt", "$lte", "$exists"}),
    ],
)
def test_default_operators_are_the_comparisons_the_type_supports(kind: FieldType, expected: set[str]) -> None:
    assert {str(op) for op in Field("f", kind).operators} == expected
    assert {
        str(op) for op in Schema.from_dict(fields_schema({**A, "f": {"type": str(kind)}})).by_name["f"].operators
    } == expected
