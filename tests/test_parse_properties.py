"""Property: whatever JSON a client sends, `parse` returns a Query or raises FilterError.

Nothing else escapes (no TypeError, RecursionError, UnicodeEncodeError ...), every
error body is JSON that encodes as UTF-8, and every Query survives the trip
through its canonical JSON: `parse(to_json(ast)) == ast` and
`parse(query.to_request()) == query`, also under tight limits.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from stream_filters import (
    QUERY_CALLS,
    QUERY_MEMBERS,
    Code,
    Field,
    FieldType,
    FilterError,
    Limits,
    Query,
    Schema,
    to_json,
)
from stream_filters.operators import OPERATORS

TIGHT = dataclasses.replace(
    QUERY_MEMBERS,
    name="tight_members",
    limits=Limits(
        max_depth=2,
        max_conditions=6,
        max_in_values=3,
        max_string_length=12,
        max_sort_keys=1,
        max_cursor_length=8,
        max_request_bytes=400,
    ),
)
SCHEMAS = (QUERY_CALLS, QUERY_MEMBERS, TIGHT)
CODES = {str(code) for code in Code}

FIELD_KEYS = sorted(
    {*QUERY_CALLS.by_name, *QUERY_MEMBERS.by_name}
    | {"custom.color", "custom.a.b", "custom.", "custom..x", "custom.a b", "id.x", "nope", "Type", "created"}
)
KEYS = st.one_of(
    st.sampled_from(FIELD_KEYS),
    st.sampled_from([*OPERATORS, "$and", "$or", "$not", "$nor", "$eq ", "$", "$IN"]),
    st.sampled_from(["filter_conditions", "sort", "limit", "next", "prev", "field", "direction", "Sort"]),
    st.text(max_size=6),
)
TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            "a",
            "red",
            "John Smith",
            "2021-01-15T09:30:20.45Z",
            "2021-01-15 09:30:20.123456789+02:00",
            "2021-02-30T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "created_at",
            "cid",
            "user_id",
            "\ud800",
            "a\udfffb",
            "!!",
        ]
    ),
    st.text(max_size=20),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.integers(),
    st.sampled_from([2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(KEYS, children, max_size=3),
    ),
    max_leaves=10,
)
TIMESTAMPS = st.one_of(
    st.builds(
        lambda moment, sep, offset: moment.isoformat(sep=sep) + offset,
        st.datetimes(),
        st.sampled_from("Tt "),
        st.sampled_from(["Z", "z", "+00:00", "-07:00", "+14:00"]),
    ),
    st.sampled_from(["2021-01-15T09:30:20.123456789Z", "2021-01-15T09:30:20", "2016-12-31T23:59:60Z"]),
)
SHORT_TEXT = st.one_of(st.sampled_from(["a", "red", "John Smith", "x_1"]), st.text(min_size=1, max_size=6))
NUMBERS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(allow_nan=False, allow_infinity=False)
)
OPERAND_BY_TYPE = {
    FieldType.STRING: SHORT_TEXT,
    FieldType.STRING_ARRAY: SHORT_TEXT,
    FieldType.INTEGER: NUMBERS,
    FieldType.NUMBER: NUMBERS,
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATETIME: TIMESTAMPS,
    FieldType.CUSTOM: st.one_of(st.booleans(), NUMBERS, SHORT_TEXT),
}
CUSTOM_PATHS = st.lists(st.sampled_from(["a", "b", "color", "x-1", "_"]), min_size=1, max_size=3).map(".".join)


def operator_value(field: Field, op: str) -> st.SearchStrategy[Any]:
    operand = OPERAND_BY_TYPE[field.type]
    if op == "$in":
        return st.lists(operand, max_size=3)
    if op == "$exists":
        return st.booleans()
    if op in ("$autocomplete", "$q"):
        return SHORT_TEXT
    return operand


def field_condition(field: Field) -> st.SearchStrategy[tuple[str, Any]]:
    """A (name, condition) entry for `field` that is valid more often than not."""
    name = CUSTOM_PATHS.map(lambda p: f"{field.name}.{p}") if field.type is FieldType.CUSTOM else st.just(field.name)
    one = st.one_of([st.tuples(st.just(op), operator_value(field, op)) for op in sorted(field.operators)])
    condition = st.one_of(OPERAND_BY_TYPE[field.type], st.lists(one, min_size=1, max_size=3).map(dict))
    return st.tuples(name, condition)


def plausible_filter(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    entry = st.one_of([field_condition(f) for f in schema.fields])
    leaf = st.lists(entry, max_size=3).map(dict)
    logical = st.sampled_from(["$and", "$or"])
    return st.recursive(
        leaf,
        lambda children: st.tuples(leaf, logical, st.lists(children, min_size=1, max_size=3)).map(
            lambda t: {**t[0], t[1]: t[2]}
        ),
        max_leaves=5,
    )


def plausible_sort(schema: Schema) -> st.SearchStrategy[list[dict[str, Any]]]:
    key = st.fixed_dictionaries(
        {"field": st.sampled_from(schema.sortable_fields), "direction": st.sampled_from([1, -1])}
    )
    return st.lists(key, max_size=3, unique_by=lambda k: k["field"])


def plausible_request(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "filter_conditions": plausible_filter(schema),
            "sort": plausible_sort(schema),
            "limit": st.integers(min_value=1, max_value=schema.max_limit),
            "next": st.sampled_from(["abc", ""]),
        },
    )


SORT_ITEMS = st.one_of(
    st.fixed_dictionaries(
        {"field": st.sampled_from(FIELD_KEYS)},
        optional={"direction": st.sampled_from([1, -1, 0, 2, True, 1.0, "1", None])},
    ),
    JSON_VALUES,
)
SORTS = st.one_of(st.lists(SORT_ITEMS, max_size=7), JSON_VALUES)
REQUESTS = st.dictionaries(
    st.one_of(st.sampled_from(["filter_conditions", "sort", "limit", "next", "prev"]), KEYS),
    st.one_of(JSON_VALUES, st.integers(min_value=0, max_value=120)),
    max_size=5,
)


def check(schema: Schema, request: Any) -> None:
    """The property itself: a Query that round-trips, or a well-formed FilterError."""
    try:
        query = schema.parse(request)
    except FilterError as error:
        event("FilterError")
        body = error.to_dict()
        json.dumps(body, ensure_ascii=False).encode("utf-8")
        assert error.problems
        assert {p["code"] for p in body["problems"]} <= CODES
        assert all(isinstance(p["path"], list) for p in body["problems"])
        return
    event("Query")
    assert isinstance(query, Query)
    canonical = to_json(query.filter)
    assert schema.parse_filter(json.loads(json.dumps(canonical))) == query.filter
    assert schema.parse(query.to_request()) == query
    text = json.dumps(query.to_request())
    if len(text) <= schema.limits.max_request_bytes:  # normalising can lengthen a request
        assert schema.parse(text) == query
    assert len(query.fingerprint) == 24


def schema_and(value: st.SearchStrategy[Any], plausible: Any) -> st.SearchStrategy[tuple[Schema, Any]]:
    """A schema with either any JSON or a value shaped for that schema."""
    return st.one_of([st.tuples(st.just(s), st.one_of(value, plausible(s))) for s in SCHEMAS])


@settings(max_examples=2000)
@given(schema_and(JSON_VALUES, plausible_filter))
def test_any_json_as_filter_conditions(case: tuple[Schema, Any]) -> None:
    schema, value = case
    check(schema, {"filter_conditions": value})


@settings(max_examples=2000)
@given(schema_and(SORTS, plausible_sort))
def test_any_json_as_sort(case: tuple[Schema, Any]) -> None:
    schema, value = case
    check(schema, {"sort": value})


@settings(max_examples=2000)
@given(schema_and(st.one_of(REQUESTS, JSON_VALUES), plausible_request))
def test_any_json_as_whole_request(case: tuple[Schema, Any]) -> None:
    schema, request = case
    check(schema, request)


@settings(max_examples=2000)
@given(schema_and(st.one_of(REQUESTS, JSON_VALUES), plausible_request), st.booleans())
def test_any_json_text_as_whole_request(case: tuple[Schema, Any], ascii_only: bool) -> None:
    schema, request = case
    check(schema, json.dumps(request, ensure_ascii=ascii_only))


@settings(max_examples=300)
@given(st.sampled_from(SCHEMAS), st.text(max_size=40) | st.binary(max_size=40))
def test_any_text_or_bytes_as_request(schema: Schema, text: str | bytes) -> None:
    check(schema, text)
