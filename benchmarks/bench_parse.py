"""Parse+validate per corpus request: stream_filters vs a pydantic v2 model vs a JSON Schema.

Run: `python -m pytest benchmarks/bench_parse.py --benchmark-only -q` (each corpus
request is one group, so the three implementations sit side by side), and
`python -m pytest benchmarks/bench_parse.py --benchmark-disable -q` to check that
the peers accept the corpus and reject what we reject. `python -m benchmarks.bench_parse`
prints the table of docs/performance-parse.md: the contenders alternate, batch by batch,
so that on a shared machine all see the same load.

Both peers are built from the same endpoint schema as ours, as a careful user
would write them: per-field operand types, operators per field, `$eq`
shorthand told apart from operator objects by a discriminator, RFC 3339
datetimes, `custom.<path>` keys, non-empty `$and`/`$or`, null operands and
empty conditions refused, sort fields and directions, limit bounds, next/prev
exclusive, unknown keys refused, and the default size limits.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, ForwardRef, Literal, Self

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as JSONSchemaError
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Strict,
    StrictBool,
    StringConstraints,
    Tag,
    TypeAdapter,
    create_model,
    model_validator,
)
from pydantic import Field as PydanticField
from pydantic import ValidationError as PydanticError

from benchmarks.corpus import CORPUS, CorpusRequest
from stream_filters import BUILTIN_SCHEMAS, Field, FieldType, FilterError, Limits, Op, Schema

LIMITS = Limits()
CUSTOM_KEY = re.compile(r"custom(\.[A-Za-z0-9_-]+)+")

# -- pydantic v2 -----------------------------------------------------------------


def _rfc3339_string(value: object) -> object:
    if not isinstance(value, str):  # pydantic would take epoch numbers
        raise ValueError("expected an RFC 3339 timestamp string")
    return value


Text = Annotated[str, Strict(), StringConstraints(max_length=LIMITS.max_string_length)]
NonEmptyText = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=LIMITS.max_string_length)]
Int64 = Annotated[int, Strict(), PydanticField(ge=-(2**63), le=2**63 - 1)]
Float = Annotated[float, Strict(), PydanticField(allow_inf_nan=False)]
Number = Int64 | Float
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_string)]
PYDANTIC_LITERAL: dict[FieldType, Any] = {
    FieldType.STRING: Text,
    FieldType.STRING_ARRAY: Text,
    FieldType.INTEGER: Number,
    FieldType.NUMBER: Number,
    FieldType.BOOLEAN: StrictBool,
    FieldType.DATETIME: Timestamp,
    FieldType.CUSTOM: Text | StrictBool | Number,
}


class _NoNulls(BaseModel):
    """Refuses explicit nulls (they are not "absent" inside a filter) and empty objects."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        if any(getattr(self, name) is None for name in self.model_fields_set):
            raise ValueError('null is not a value to compare with: use {"$exists": false}')
        return self


class _Operators(_NoNulls):
    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError('empty condition: use {"$exists": false}')
        return self


def _operand_type(op: Op, literal: Any) -> Any:
    if op is Op.IN:
        return Annotated[list[literal], PydanticField(max_length=LIMITS.max_in_values)]
    if op is Op.EXISTS:
        return StrictBool
    if op in (Op.AUTOCOMPLETE, Op.Q):
        return NonEmptyText
    return literal


def _is_operator_object(value: Any) -> str:
    return "operators" if isinstance(value, dict | BaseModel) else "literal"


def pydantic_condition(field: Field) -> Any:
    literal = PYDANTIC_LITERAL[field.type]
    operators = create_model(
        f"{field.name}_operators",
        __base__=_Operators,
        **{
            f"op_{op.value[1:]}": (_operand_type(op, literal) | None, PydanticField(None, alias=op.value))
            for op in sorted(field.operators)
        },
    )
    if Op.EQ not in field.operators:
        return operators
    return Annotated[
        Annotated[operators, Tag("operators")] | Annotated[literal, Tag("literal")],
        Discriminator(_is_operator_object),
    ]


def pydantic_request_model(schema: Schema) -> type[BaseModel]:
    filter_name = f"{schema.name}_filter"
    self_ref = Annotated[list[ForwardRef(filter_name)], PydanticField(min_length=1)]
    plain = [f for f in schema.fields if f.type is not FieldType.CUSTOM]
    custom = [f for f in schema.fields if f.type is FieldType.CUSTOM]
    custom_adapter = TypeAdapter(pydantic_condition(custom[0])) if custom else None

    class FilterBase(_NoNulls):
        model_config = ConfigDict(extra="allow" if custom else "forbid", populate_by_name=False)

        @model_validator(mode="after")
        def _custom_paths(self) -> Self:
            for key, value in (self.__pydantic_extra__ or {}).items():
                if custom_adapter is None or not CUSTOM_KEY.fullmatch(key):
                    raise ValueError(f"unknown field {key!r}")
                custom_adapter.validate_python(value)
            return self

    filter_model = create_model(
        filter_name,
        __base__=FilterBase,
        **{f"f_{f.name}": (pydantic_condition(f) | None, PydanticField(None, alias=f.name)) for f in plain},
        and_=(self_ref | None, PydanticField(None, alias="$and")),
        or_=(self_ref | None, PydanticField(None, alias="$or")),
    )
    filter_model.model_rebuild(_types_namespace={filter_name: filter_model})

    sort_key = create_model(
        f"{schema.name}_sort_key",
        __config__=ConfigDict(extra="forbid", strict=True),
        field=(Literal[tuple(schema.sortable_fields)], ...),
        direction=(Literal[1, -1], 1),
    )

    class RequestBase(BaseModel):
        model_config = ConfigDict(extra="forbid")

        @model_validator(mode="after")
        def _one_cursor(self) -> Self:
            if getattr(self, "next", None) and getattr(self, "prev", None):
                raise ValueError("give either next or prev, not both")
            return self

    cursor = Annotated[str, Strict(), StringConstraints(max_length=LIMITS.max_cursor_length)] | None
    model: type[BaseModel] = create_model(
        f"{schema.name}_request",
        __base__=RequestBase,
        filter_conditions=(filter_model | None, None),
        sort=(Annotated[list[sort_key], PydanticField(max_length=LIMITS.max_sort_keys)] | None, None),
        limit=(Annotated[int, Strict(), PydanticField(ge=1, le=schema.max_limit)] | None, None),
        next=(cursor, None),
        prev=(cursor, None),
    )
    return model


# -- JSON Schema (Draft 2020-12) ------------------------------------------------------

RFC3339_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
NUMBER_SCHEMA = {"type": "number", "minimum": -(2**63), "maximum": 2**63 - 1}
STRING_SCHEMA = {"type": "string", "maxLength": LIMITS.max_string_length}
JSON_LITERAL: dict[FieldType, dict[str, Any]] = {
    FieldType.STRING: STRING_SCHEMA,
    FieldType.STRING_ARRAY: STRING_SCHEMA,
    FieldType.INTEGER: NUMBER_SCHEMA,
    FieldType.NUMBER: NUMBER_SCHEMA,
    FieldType.BOOLEAN: {"type": "boolean"},
    # The "date-time" format refuses the space separator RFC 3339 allows, so a pattern it is
    # (which lets impossible dates such as Feb 30 through).
    FieldType.DATETIME: {"type": "string", "pattern": RFC3339_PATTERN},
    FieldType.CUSTOM: {"anyOf": [STRING_SCHEMA, {"type": "boolean"}, NUMBER_SCHEMA]},
}


def json_operand(op: Op, literal: dict[str, Any]) -> dict[str, Any]:
    if op is Op.IN:
        return {"type": "array", "items": literal, "maxItems": LIMITS.max_in_values}
    if op is Op.EXISTS:
        return {"type": "boolean"}
    if op in (Op.AUTOCOMPLETE, Op.Q):
        return {"type": "string", "minLength": 1, "maxLength": LIMITS.max_string_length}
    return literal


def json_condition(field: Field) -> dict[str, Any]:
    literal = JSON_LITERAL[field.type]
    operators = {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {op.value: json_operand(op, literal) for op in sorted(field.operators)},
    }
    return {"anyOf": [literal, operators]} if Op.EQ in field.operators else operators


def json_request_schema(schema: Schema) -> dict[str, Any]:
    filters = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/filter"}}
    custom = [f for f in schema.fields if f.type is FieldType.CUSTOM]
    filter_schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{f.name: json_condition(f) for f in schema.fields if f.type is not FieldType.CUSTOM},
            "$and": filters,
            "$or": filters,
        },
    }
    if custom:
        filter_schema["patternProperties"] = {CUSTOM_KEY.pattern.join("^$"): json_condition(custom[0])}
    cursor = {"type": "string", "maxLength": LIMITS.max_cursor_length}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"filter": filter_schema},
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "filter_conditions": {"$ref": "#/$defs/filter"},
            "sort": {
                "type": "array",
                "maxItems": LIMITS.max_sort_keys,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["field"],
                    "properties": {"field": {"enum": schema.sortable_fields}, "direction": {"enum": [1, -1]}},
                },
            },
            "limit": {"type": "integer", "minimum": 1, "maximum": schema.max_limit},
            "next": cursor,
            "prev": cursor,
        },
        "not": {"required": ["next", "prev"]},
    }


# -- the three contenders, built once --------------------------------------------------

PYDANTIC = {name: pydantic_request_model(schema) for name, schema in BUILTIN_SCHEMAS.items()}
JSONSCHEMA = {
    name: Draft202012Validator(json_request_schema(schema), format_checker=Draft202012Validator.FORMAT_CHECKER)
    for name, schema in BUILTIN_SCHEMAS.items()
}
IMPLEMENTATIONS: dict[str, Callable[[str, dict[str, Any]], object]] = {
    "stream_filters": lambda endpoint, request: BUILTIN_SCHEMAS[endpoint].parse(request),
    "pydantic": lambda endpoint, request: PYDANTIC[endpoint].model_validate(request),
    "jsonschema": lambda endpoint, request: JSONSCHEMA[endpoint].validate(request),
}
REJECTED_BY_ALL = (FilterError, PydanticError, JSONSchemaError)


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_parse(benchmark: Any, case: CorpusRequest, implementation: str) -> None:
    benchmark.group = case.name
    run = partial(IMPLEMENTATIONS[implementation], case.endpoint, case.request)
    run()  # every contender accepts every corpus request
    benchmark(run)


# What every contender must refuse, so that the peers are doing comparable work.
INVALID: list[tuple[str, str, dict[str, Any]]] = [
    ("unknown field", "query_calls", {"filter_conditions": {"tpye": "a"}}),
    ("unknown operator", "query_calls", {"filter_conditions": {"id": {"$ne": "a"}}}),
    ("operator not allowed", "query_calls", {"filter_conditions": {"members": "a"}}),
    ("boolean as 1", "query_calls", {"filter_conditions": {"ongoing": 1}}),
    ("string as number", "query_calls", {"filter_conditions": {"id": 5}}),
    ("bad datetime", "query_calls", {"filter_conditions": {"created_at": {"$gt": "yesterday"}}}),
    ("datetime without offset", "query_calls", {"filter_conditions": {"created_at": {"$gt": "2021-01-15T09:30:20"}}}),
    ("datetime as number", "query_calls", {"filter_conditions": {"created_at": {"$gt": 1610000000}}}),
    ("null operand", "query_calls", {"filter_conditions": {"ended_at": {"$eq": None}}}),
    ("empty condition", "query_calls", {"filter_conditions": {"ended_at": {}}}),
    ("empty $or", "query_calls", {"filter_conditions": {"$or": []}}),
    ("unsortable", "query_calls", {"sort": [{"field": "team"}]}),
    ("bad direction", "query_calls", {"sort": [{"field": "id", "direction": 0}]}),
    ("limit too big", "query_calls", {"limit": 101}),
    ("limit as true", "query_calls", {"limit": True}),
    ("next and prev", "query_calls", {"next": "a", "prev": "b"}),
    ("unknown request key", "query_calls", {"filters": {}}),
    ("custom array operand", "query_members", {"filter_conditions": {"custom.x": [1]}}),
    ("custom bad path", "query_members", {"filter_conditions": {"custom..x": 1}}),
    ("custom itself", "query_members", {"filter_conditions": {"custom": 1}}),
    ("$in too long", "query_members", {"filter_conditions": {"user_id": {"$in": ["a"] * 1001}}}),
]


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize(("endpoint", "request_body"), [i[1:] for i in INVALID], ids=[i[0] for i in INVALID])
def test_peers_reject_what_we_reject(endpoint: str, request_body: dict[str, Any], implementation: str) -> None:
    with pytest.raises(REJECTED_BY_ALL):
        IMPLEMENTATIONS[implementation](endpoint, request_body)


# -- the table for the docs ------------------------------------------------------------


def best_us(case: CorpusRequest, repeat: int = 200, calls: int = 25) -> dict[str, float]:
    """Best µs per call of each contender over `repeat` batches, taken in turn."""
    best = dict.fromkeys(IMPLEMENTATIONS, float("inf"))
    for _ in range(repeat):
        for who, implementation in IMPLEMENTATIONS.items():
            n = calls // 5 if who == "jsonschema" else calls
            start = time.perf_counter()
            for _ in range(n):
                implementation(case.endpoint, case.request)
            best[who] = min(best[who], (time.perf_counter() - start) / n)
    return {who: seconds * 1e6 for who, seconds in best.items()}


def main() -> None:
    print("| request | endpoint | stream_filters µs | pydantic µs | jsonschema µs | vs pydantic | vs jsonschema |")
    print("|---|---|---:|---:|---:|---:|---:|")
    ratios: dict[str, list[float]] = {"pydantic": [], "jsonschema": []}
    for case in CORPUS:
        t = best_us(case)
        for peer, found in ratios.items():
            found.append(t[peer] / t["stream_filters"])
        print(
            f"| {case.name} | {case.endpoint} | {t['stream_filters']:.1f} | {t['pydantic']:.1f} | "
            f"{t['jsonschema']:.1f} | {ratios['pydantic'][-1]:.2f}× | {ratios['jsonschema'][-1]:.2f}× |"
        )
    means = {peer: math.exp(sum(map(math.log, found)) / len(found)) for peer, found in ratios.items()}
    print(f"| **geometric mean** | | | | | **{means['pydantic']:.2f}×** | **{means['jsonschema']:.2f}×** |")


if __name__ == "__main__":
    sys.exit(main())
