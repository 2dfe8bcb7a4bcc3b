"""The JSON Schema (draft 2020-12) of an endpoint's request body (SPEC §1-5, §7).

Built from the schema's fields and the operator and field-type declarations,
so clients in other languages, API gateways and OpenAPI documents see the same
language the parser checks. The rule is one-sided on purpose: the JSON Schema
never rejects a request the parser accepts; it rejects every request the
parser rejects for a reason JSON Schema can state (unknown keys, fields and
operators, operand types and shapes, nulls, empty objects and arrays, the
sizes of SPEC §7 that bound one array or string, the nesting depth), and
leaves the rest to the parser (`docs/json-schema.md` lists it).

Every named part is a definition, referenced through `ref`, so the same
builder serves a standalone document (`#/$defs/...`), an OpenAPI document
(`#/components/schemas/...`) and pydantic (its own references).

Adding a field type: one entry in `_LITERALS`. Adding an operand shape: one
entry in `_OPERANDS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .field_types import FieldType
from .limits import Limits
from .operators import OPERATORS, Logical, Op
from .operators import Operand as Shape
from .request_keys import check_extra_keys

if TYPE_CHECKING:  # `Schema.json_schema` calls this module
    from .schema import Field, Schema

JsonSchema = dict[str, Any]
Ref = Callable[[str], str]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# The parser's RFC 3339 form (timestamps.py), with the ranges of each part
# that a pattern can state; calendar checks (Feb 30) stay with the parser.
# No lookaheads or Unicode classes: gateways run patterns on RE2 and ECMA-262.
RFC3339_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
# A `$q` word is a run of letters and digits; every such character is outside
# this class of whitespace and ASCII punctuation, so the pattern never refuses
# a query the parser accepts (it lets "€" through, which the parser refuses).
SOME_WORD_PATTERN = r"[^\s!-/:-@\[-`{-~]"
SEGMENT_PATTERN = r"[A-Za-z0-9_-]+"


def request_schema(schema: Schema, *, extra_keys: Sequence[str] = ()) -> JsonSchema:
    """A standalone JSON Schema document for `schema`'s request body, its parts in `$defs`.

    `extra_keys` are body keys the application accepts besides the schema's
    own `extra_keys`, as given to `schema.parse`."""
    named = named_schemas(schema, extra_keys=extra_keys, ref_template="#/$defs/{name}")
    root = named.pop(request_name(schema))
    return {"$schema": DIALECT, **root, "$defs": named}


def named_schemas(
    schema: Schema, *, extra_keys: Sequence[str] = (), ref_template: str = "#/components/schemas/{name}"
) -> dict[str, JsonSchema]:
    """Every named part of the request body's JSON Schema, by name, the request
    itself (`request_name(schema)`) first; references follow `ref_template`.
    The default places them under an OpenAPI document's `components/schemas`."""
    return build(schema, extra_keys=extra_keys, ref=lambda name: ref_template.format(name=name))


def request_name(schema: Schema) -> str:
    return _prefix(schema) + "Request"


def build(schema: Schema, *, extra_keys: Sequence[str], ref: Ref) -> dict[str, JsonSchema]:
    """The named parts, referencing each other through `ref(name)`."""
    return _Builder(schema, ref).build(extra_keys)


class _Builder:
    def __init__(self, schema: Schema, ref: Ref) -> None:
        self.schema = schema
        self.limits = schema.limits
        self.prefix = _prefix(schema)
        self.ref = ref
        # Hidden fields are for scopes only (SPEC §8): the document never names them.
        self.fields = [f for f in schema.visible.values() if f.operators]
        self.logical = [key for key in Logical if key in schema.logical]  # $nor is opt-in
        self.condition_names = _unique_names(self.prefix, [f.name for f in self.fields], "Condition")

    def build(self, extra_keys: Sequence[str]) -> dict[str, JsonSchema]:
        named = {request_name(self.schema): self.request(extra_keys)}
        named[self.prefix + "SortKey"] = self.sort_key()
        for level in range(self.limits.max_depth + 1):
            named[self.filter_name(level)] = self.filter(level)
        for field in self.fields:
            named[self.condition_names[field.name]] = self.condition(field)
        return named

    def link(self, name: str) -> JsonSchema:
        return {"$ref": self.ref(name)}

    # -- the request and its sort ---------------------------------------------

    def request(self, extra_keys: Sequence[str]) -> JsonSchema:
        schema, limits = self.schema, self.limits
        cursor = {"type": "string", "maxLength": limits.max_cursor_length}
        keys = limits.max_sort_keys
        sort_key = self.link(self.prefix + "SortKey")
        tie_breaker = {"type": "object", "required": ["field"], "properties": {"field": {"const": schema.tie_breaker}}}
        properties: JsonSchema = {
            "filter_conditions": _nullable(self.link(self.filter_name(0))),
            "sort": _nullable(
                {
                    "type": "array",
                    "items": sort_key,
                    # The tie-breaker does not count against max_sort_keys (SPEC §5).
                    "anyOf": [{"maxItems": keys}, {"maxItems": keys + 1, "contains": tie_breaker}],
                    "description": f"at most {keys} keys besides the tie-breaker {schema.tie_breaker!r}; "
                    "absent, null or [] means the endpoint's default sort",
                }
            ),
            "limit": _nullable(
                {"type": "integer", "minimum": 1, "maximum": schema.max_limit, "default": schema.default_limit}
            ),
            "next": _nullable({**cursor, "description": "the cursor of the page after the one that returned it"}),
            "prev": _nullable({**cursor, "description": "the cursor of the page before the one that returned it"}),
            # The application's extra body keys (SPEC §8): any JSON, which the parser passes on.
            **{key: {} for key in (*schema.extra_keys, *check_extra_keys(extra_keys))},
        }
        given = {"type": "string", "minLength": 1}  # an empty cursor means absent
        return {
            "title": f"{schema.name} request",
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
            "not": {"required": ["next", "prev"], "properties": {"next": given, "prev": given}},
        }

    def sort_key(self) -> JsonSchema:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["field"],
            "properties": {
                "field": {"enum": self.schema.sortable_fields},
                "direction": {"enum": [1, -1], "default": 1, "description": "1 ascending, -1 descending"},
            },
        }

    # -- filters, one definition per nesting level ----------------------------------

    def filter_name(self, level: int) -> str:
        return f"{self.prefix}Filter" if level == 0 else f"{self.prefix}FilterDepth{level}"

    def filter(self, level: int) -> JsonSchema:
        """A filter object `level` `$and`/`$or`/`$nor` levels deep: the last
        level allowed holds no more of them, which states `max_depth` exactly."""
        limits = self.limits
        properties = {f.name: self.link(self.condition_names[f.name]) for f in self.fields if not _is_custom(f)}
        if level < limits.max_depth:
            filters = {
                "type": "array",
                "minItems": 1,
                "maxItems": limits.max_conditions,
                "items": self.link(self.filter_name(level + 1)),
            }
            properties.update({str(key): filters for key in self.logical})
        out: JsonSchema = {
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
            # Each field key is at least one condition; the logical keys are not.
            "maxProperties": limits.max_conditions + len(self.logical),
        }
        customs = [f for f in self.fields if _is_custom(f)]
        if customs:
            # Field names need no escaping (and `\-` is an error in ECMA-262's unicode mode).
            out["patternProperties"] = {
                rf"^{f.name}(\.{SEGMENT_PATTERN})+$": self.link(self.condition_names[f.name]) for f in customs
            }
        if level == 0:
            out["description"] = (
                f"{self.schema.name} filter_conditions: entries are ANDed; "
                f"{'/'.join(self.logical)} nest at most {limits.max_depth} levels"
            )
        return out

    def condition(self, field: Field) -> JsonSchema:
        literal = _LITERALS[field.type](self.limits)
        operators = {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {str(op): self.operand(op, literal) for op in sorted(field.operators)},
        }
        described = f"{field.type} field {field.name}: {', '.join(sorted(field.operators))}"
        if Op.EQ not in field.operators:
            return {**operators, "description": described}
        # A literal is the $eq shorthand (SPEC §2).
        return {"description": described, "anyOf": [literal, operators]}

    def operand(self, op: Op, literal: JsonSchema) -> JsonSchema:
        return _OPERANDS[OPERATORS[op].operand](literal, self.limits)


# -- declarations: one entry per field type and per operand shape --------------------


def _string(limits: Limits) -> JsonSchema:
    return {"type": "string", "maxLength": limits.max_string_length}


def _number(limits: Limits) -> JsonSchema:
    # No bounds: JSON Schema cannot tell 1e300 (accepted) from 10**300 (beyond
    # 64 bits, refused), and integer fields take floats too (docs/core.md).
    return {"type": "number"}


def _boolean(limits: Limits) -> JsonSchema:
    return {"type": "boolean"}


def _datetime(limits: Limits) -> JsonSchema:
    # `format` is an annotation in 2020-12; the pattern is what validates,
    # and it also admits the space separator the parser accepts.
    return {"type": "string", "format": "date-time", "pattern": RFC3339_PATTERN}


def _json_scalar(limits: Limits) -> JsonSchema:
    return {"type": ["string", "number", "boolean"], "maxLength": limits.max_string_length}


_LITERALS: dict[FieldType, Callable[[Limits], JsonSchema]] = {
    FieldType.STRING: _string,
    FieldType.INTEGER: _number,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATETIME: _datetime,
    FieldType.STRING_ARRAY: _string,  # operands are elements
    FieldType.CUSTOM: _json_scalar,
}

_OPERANDS: dict[Shape, Callable[[JsonSchema, Limits], JsonSchema]] = {
    Shape.SCALAR: lambda literal, limits: literal,
    Shape.LIST: lambda literal, limits: {"type": "array", "items": literal, "maxItems": limits.max_in_values},
    Shape.BOOLEAN: lambda literal, limits: {"type": "boolean"},
    Shape.PREFIX: lambda literal, limits: {"type": "string", "minLength": 1, "maxLength": limits.max_string_length},
    Shape.WORDS: lambda literal, limits: {
        "type": "string",
        "minLength": 1,
        "maxLength": limits.max_string_length,
        "pattern": SOME_WORD_PATTERN,
    },
}


# -- names ---------------------------------------------------------------------------


def _is_custom(field: Field) -> bool:
    return field.type is FieldType.CUSTOM


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _prefix(schema: Schema) -> str:
    # Definition names stay within what OpenAPI allows in components (^[A-Za-z0-9._-]+$).
    return _camel(schema.name) or "Endpoint"


def _unique_names(prefix: str, fields: list[str], suffix: str) -> dict[str, str]:
    """`created_at` -> `QueryCallsCreatedAtCondition`; fields whose names camel-case
    alike (`a_b`, `a-b`) are numbered in order."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in fields:
        base = candidate = f"{prefix}{_camel(name)}{suffix}"
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{base}{n}"
        taken.add(candidate)
        out[name] = candidate
    return out


def _nullable(schema: JsonSchema) -> JsonSchema:
    """Top-level nulls mean absent (docs/core.md)."""
    return {"anyOf": [schema, {"type": "null"}]}
