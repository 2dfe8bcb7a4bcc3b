"""The request JSON Schema agrees with the parser: never stricter, and as strict
as JSON Schema can say (the rest is listed in docs/json-schema.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from stream_filters import Code, Field, FieldType, FilterError, Limits, Op, Problem, Schema, SortKey
from stream_filters.field_types import INT64_MAX, INT64_MIN
from stream_filters.json_schema import _LITERALS, _OPERANDS, named_schemas, request_name, request_schema
from stream_filters.operators import OPERATORS, Logical
from stream_filters.operators import Operand as Shape
from stream_filters.schema import ALL_LOGICAL, supported_operators
from stream_filters.strategies import invalid_requests, requests
from tests.schemas import SCHEMAS

# A user's own schema with small limits, so generated requests reach them.
SMALL = Schema(
    name="small rooms",
    fields=(
        Field("id", FieldType.STRING, sortable=True),
        Field("size", FieldType.INTEGER, frozenset({Op.GT, Op.LT, Op.IN, Op.NE, Op.NIN}), sortable=True),
        Field("title", FieldType.STRING, frozenset({Op.Q, Op.AUTOCOMPLETE})),
        Field("tags", FieldType.STRING_ARRAY, frozenset({Op.IN, Op.CONTAINS})),
        Field("meta", FieldType.CUSTOM, frozenset({Op.EQ, Op.EXISTS, Op.Q, Op.CONTAINS})),
        Field("extra", FieldType.CUSTOM, frozenset({Op.GT})),
        Field("unused", FieldType.NUMBER, frozenset()),
        Field("tenant", FieldType.STRING, hidden=True),
    ),
    tie_breaker="id",
    default_sort=(SortKey("size", -1),),
    default_limit=5,
    max_limit=10,
    limits=Limits(max_depth=2, max_conditions=6, max_in_values=3, max_string_length=8, max_sort_keys=1),
    logical=ALL_LOGICAL,
)
ALL = {**SCHEMAS, SMALL.name: SMALL}
NAMES = sorted(ALL)
VALIDATORS = {name: Draft202012Validator(request_schema(schema)) for name, schema in ALL.items()}


@pytest.mark.parametrize("name", NAMES)
def test_the_document_is_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(request_schema(ALL[name]))


def test_every_field_type_and_operand_shape_is_described() -> None:
    """Adding a field type or an operator without describing it fails here."""
    assert set(_LITERALS) == set(FieldType)
    assert set(_OPERANDS) == set(Shape)
    assert set(OPERATORS) == set(Op)
    assert set(request_schema(SMALL)["$defs"]["SmallRoomsFilter"]["properties"]) >= {str(k) for k in Logical}
    for kind in FieldType:
        ops = supported_operators(kind)
        name = "custom" if kind is FieldType.CUSTOM else "f"
        schema = Schema("every", (Field("id", FieldType.STRING, sortable=True), Field(name, kind, ops)), "id", ())
        document = request_schema(schema)
        Draft202012Validator.check_schema(document)
        condition = document["$defs"][f"Every{name.capitalize()}Condition"]
        objects = [c for c in condition.get("anyOf", [condition]) if c.get("type") == "object"]
        assert set(objects[0]["properties"]) == {str(op) for op in ops}


# -- never stricter than the parser ---------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_generated_valid_requests_are_valid(name: str, data: st.DataObject) -> None:
    request = data.draw(requests(ALL[name]))
    ALL[name].parse(request)
    errors = [e.message for e in VALIDATORS[name].iter_errors(request)]
    assert not errors, (request, errors)


def _nested(depth: int, leaf: dict[str, Any], schema: Schema) -> dict[str, Any]:
    keys = [str(key) for key in Logical if key in schema.logical]
    node = leaf
    for i in range(depth):
        node = {keys[i % len(keys)]: [node]}
    return node


@pytest.mark.parametrize("name", NAMES)
def test_nesting_to_the_depth_limit_exactly(name: str) -> None:
    schema = ALL[name]
    depth = schema.limits.max_depth
    fine = {"filter_conditions": _nested(depth, {"id": {"$exists": True}} if "id" in schema.by_name else {}, schema)}
    schema.parse(fine)
    assert VALIDATORS[name].is_valid(fine)
    deep = {"filter_conditions": _nested(depth + 1, {}, schema)}
    with pytest.raises(FilterError) as error:
        schema.parse(deep)
    assert error.value.codes == ["too_deep"]
    assert not VALIDATORS[name].is_valid(deep)


@pytest.mark.parametrize(
    "request_body",
    [
        {"filter_conditions": None, "sort": None, "limit": None, "next": None, "prev": None},
        {"next": "", "prev": "x"},
        {"sort": []},
        {"sort": [{"field": "size", "direction": 1}, {"field": "id"}]},  # the tie-breaker is not counted
        {"filter_conditions": {"meta.a.b-c": 1, "meta.x_1": {"$q": "€ b"}, "extra.n": {"$gt": 1e300}}},
        {"filter_conditions": {"size": {"$gt": 1.5, "$lt": INT64_MAX, "$in": [INT64_MIN, 0.0]}}},
        {"filter_conditions": {"title": {"$q": "x-y", "$autocomplete": "%"}, "tags": {"$in": []}}},
        {"filter_conditions": {"$or": [{}], "$and": [{"id": "12345678"}], "$nor": [{"size": {"$ne": 2}}]}},
        {"filter_conditions": {"tags": {"$contains": "a"}, "meta.t": {"$contains": 1.5}, "size": {"$nin": []}}},
    ],
)
def test_edge_cases_the_parser_accepts(request_body: dict[str, Any]) -> None:
    SMALL.parse(request_body)
    assert VALIDATORS[SMALL.name].is_valid(request_body)


@pytest.mark.parametrize(
    "timestamp",
    [
        "2021-01-15T09:30:20.45Z",
        "2021-01-15t09:30:20z",
        "2021-01-15 09:30:20+02:00",
        "2021-01-15T09:30:20.123456789-23:59",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
    ],
)
def test_rfc3339_forms_the_parser_accepts(timestamp: str) -> None:
    schema = SCHEMAS["query_calls"]
    request = {"filter_conditions": {"created_at": {"$gte": timestamp}}}
    schema.parse(request)
    assert VALIDATORS["query_calls"].is_valid(request)


# -- as strict as JSON Schema can be ---------------------------------------------------


def _at(request: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        request = request[part]
    return request


def _left_to_parser(problem: Problem, request: dict[str, Any], schema: Schema) -> bool:
    """Whether `problem` is one the JSON Schema leaves to the parser (docs/json-schema.md)."""
    value = _at(request, problem.path)
    if problem.code is Code.INVALID_DATETIME:  # impossible dates, years outside 0001-9999 in UTC
        return isinstance(value, str) and re.search(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is not None
    if problem.code is Code.INVALID_OPERAND:
        if isinstance(value, int) and not isinstance(value, bool):
            return not INT64_MIN <= value <= INT64_MAX
        return isinstance(value, str)  # a lone surrogate, a $q without a word
    if problem.code in (Code.INVALID_LIMIT, Code.INVALID_DIRECTION):
        return isinstance(value, float) and value.is_integer()  # 25.0: JSON Schema's numbers have no int/float
    return problem.code in (Code.DUPLICATE_SORT_FIELD, Code.TOO_MANY_CONDITIONS, Code.INVALID_CURSOR)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_invalid_requests_are_invalid_unless_left_to_the_parser(name: str, data: st.DataObject) -> None:
    schema = ALL[name]
    request = data.draw(invalid_requests(schema))
    if not isinstance(request, dict):  # JSON text and non-object bodies: the JSON value is what is validated
        assert not VALIDATORS[name].is_valid(request)
        return
    with pytest.raises(FilterError) as error:
        schema.parse(request)
    if VALIDATORS[name].is_valid(request):
        unexplained = [p for p in error.value.problems if not _left_to_parser(p, request, schema)]
        assert not unexplained, (request, unexplained)


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"filter_conditions": {"meta": 1}}, "invalid_path"),
        ({"filter_conditions": {"meta..a": 1}}, "invalid_path"),
        ({"filter_conditions": {"id.x": 1}}, "unknown_field"),
        ({"filter_conditions": {"unused": 1}}, "operator_not_allowed"),
        ({"filter_conditions": {"size": 1}}, "operator_not_allowed"),
        ({"filter_conditions": {"extra.a": {"$gt": [1]}}}, "invalid_operand"),
        ({"filter_conditions": {"title": {"$q": "-- !"}}}, "invalid_operand"),
        ({"filter_conditions": {"title": {"$autocomplete": "123456789"}}}, "string_too_long"),
        ({"filter_conditions": {"size": {"$in": [1, 2, 3, 4]}}}, "too_many_values"),
        ({"filter_conditions": {"$or": [{}] * 7}}, "too_many_conditions"),
        ({"filter_conditions": {"id": {"$exists": True, "color": 1}}}, "mixed_operators"),
        ({"filter_conditions": {"id": {"$eq": None}}}, "null_operand"),
        ({"sort": [{"field": "size"}, {"field": "id"}, {"field": "id"}]}, "too_many_sort_keys"),
        ({"sort": [{"field": "title"}]}, "not_sortable"),
        ({"sort": [{"field": "nope"}]}, "unknown_field"),
        ({"next": "a", "prev": "b"}, "conflicting_cursors"),
        ({"next": "a" * 2049}, "cursor_too_long"),
        ({"limit": 11}, "invalid_limit"),
        ({"type": "x"}, "unknown_key"),
        ({"filter_conditions": {"tenant": "t1"}}, "unknown_field"),
        ({"filter_conditions": {"tags": {"$contains": 1}}}, "invalid_operand"),
        ({"filter_conditions": {"$nor": []}}, "empty_logical"),
    ],
)
def test_rejected_as_the_parser_rejects(request_body: dict[str, Any], code: str) -> None:
    with pytest.raises(FilterError) as error:
        SMALL.parse(request_body)
    assert error.value.codes[0] == code
    assert not VALIDATORS[SMALL.name].is_valid(request_body)


@pytest.mark.parametrize(
    "timestamp",
    ["2024-01-01T24:00:00Z", "2016-12-31T23:59:60Z", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00+24:00"],
)
def test_impossible_times_are_refused_by_the_pattern(timestamp: str) -> None:
    request = {"filter_conditions": {"created_at": timestamp}}
    with pytest.raises(FilterError):
        SCHEMAS["query_calls"].parse(request)
    assert not VALIDATORS["query_calls"].is_valid(request)


def test_the_pattern_matches_the_parser_form() -> None:
    """What the parser's RFC 3339 regex leaves to range checks, the pattern checks too."""
    from stream_filters.json_schema import RFC3339_PATTERN
    from stream_filters.timestamps import _RFC3339

    for text in ("2024-02-30T00:00:00Z", "2024-01-01T00:00:00.1Z", "2024-01-01 00:00:00-00:00"):
        assert _RFC3339.fullmatch(text) and re.search(RFC3339_PATTERN, text)
    for text in ("2024-01-01T00:00:00", "2024-01-01T00:00Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100"):
        assert not _RFC3339.fullmatch(text) and not re.search(RFC3339_PATTERN, text)


# -- extra keys, names, OpenAPI form ----------------------------------------------------------


def test_extra_keys_are_allowed_only_when_given() -> None:
    body = {"type": "default", "id": "call-1", "limit": 2}
    assert not VALIDATORS[SMALL.name].is_valid(body)
    assert Draft202012Validator(SMALL.json_schema(extra_keys=("type", "id"))).is_valid(body)
    assert SMALL.parse(body, extra_keys=("type", "id")).extra == {"type": "default", "id": "call-1"}
    in_schema = Schema.from_dict({**SMALL.to_dict(), "extra_keys": ["type"]})
    assert Draft202012Validator(in_schema.json_schema(extra_keys=["id"])).is_valid(body)
    with pytest.raises(ValueError):
        SMALL.json_schema(extra_keys=["limit"])


def test_hidden_fields_are_never_named() -> None:
    assert "tenant" not in repr(SMALL.json_schema()).lower()


def test_named_schemas_reference_one_another_under_components() -> None:
    named = named_schemas(SMALL)
    assert next(iter(named)) == request_name(SMALL) == "SmallRoomsRequest"
    refs = set(re.findall(r"'\$ref': '([^']+)'", repr(named)))
    assert refs == {f"#/components/schemas/{name}" for name in named if name != "SmallRoomsRequest"}
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in named)
    assert "SmallRoomsUnusedCondition" not in named  # a field without operators cannot be filtered
