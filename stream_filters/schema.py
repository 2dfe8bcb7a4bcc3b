"""Endpoint schemas (SPEC §4): which fields a request may use, and how.

A schema is defined in Python (`Schema(...)`) or from a plain dict/JSON
description (`Schema.from_dict`), so servers can keep schemas in config.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .field_types import SORTABLE_TYPES, STRING_TYPES, FieldType
from .limits import Limits
from .operators import OPERATORS, Op

if TYPE_CHECKING:
    from .query import Query

SEGMENT = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)

COMPARE_OPS = frozenset({Op.IN, Op.EQ, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.EXISTS})


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    operators: frozenset[Op] = COMPARE_OPS
    sortable: bool = False

    def __post_init__(self) -> None:
        if not SEGMENT.fullmatch(self.name):
            raise ValueError(f"field name {self.name!r} must match [A-Za-z0-9_-]+")
        object.__setattr__(self, "type", FieldType(self.type))
        object.__setattr__(self, "operators", frozenset(Op(op) for op in self.operators))
        for op in self.operators:
            if OPERATORS[op].strings_only and self.type not in STRING_TYPES:
                raise ValueError(f"{op} applies to string values only; field {self.name!r} is {self.type}")
        if self.sortable and self.type not in SORTABLE_TYPES:
            raise ValueError(f"field {self.name!r} of type {self.type} cannot be sortable")


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    direction: int  # 1 ascending, -1 descending

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "direction": self.direction}


@dataclass(frozen=True)
class Schema:
    """An endpoint: its fields, default sort, tie-breaker, page sizes and limits."""

    name: str
    fields: tuple[Field, ...]
    tie_breaker: str
    default_sort: tuple[SortKey, ...]
    default_limit: int = 25
    max_limit: int = 100
    limits: Limits = field(default_factory=Limits)
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_name = {f.name: f for f in self.fields}
        if len(by_name) != len(self.fields):
            raise ValueError(f"schema {self.name!r}: duplicate field names")
        object.__setattr__(self, "by_name", by_name)
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "default_sort", tuple(self.default_sort))
        tie = by_name.get(self.tie_breaker)
        if tie is None or not tie.sortable:
            raise ValueError(f"schema {self.name!r}: tie-breaker {self.tie_breaker!r} must be a sortable field")
        for key in self.default_sort:
            if key.field not in by_name or not by_name[key.field].sortable or key.direction not in (1, -1):
                raise ValueError(f"schema {self.name!r}: default sort key {key} is not a sortable field and direction")
        if not 1 <= self.default_limit <= self.max_limit:
            raise ValueError(f"schema {self.name!r}: need 1 <= default_limit <= max_limit")

    @property
    def sortable_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.sortable]

    def parse(self, request: Mapping[str, Any] | str | bytes) -> Query:
        """Validate a request body (dict or JSON text) into a `Query`, or raise FilterError."""
        from .parser import parse_request

        return parse_request(self, request)

    def parse_filter(self, filter_conditions: Any) -> Any:
        """Validate `filter_conditions` alone into a filter AST node."""
        from .parser import parse_filter

        return parse_filter(self, filter_conditions)

    # -- plain-data form -------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fields": {
                f.name: {"type": str(f.type), "operators": sorted(map(str, f.operators)), "sortable": f.sortable}
                for f in self.fields
            },
            "tie_breaker": self.tie_breaker,
            "default_sort": [k.to_json() for k in self.default_sort],
            "default_limit": self.default_limit,
            "max_limit": self.max_limit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """A schema from its plain-data form; raises ValueError naming what is wrong.

        `{"name": ..., "fields": {"id": {"type": "string", "operators": [...],
        "sortable": true}, ...}, "tie_breaker": ..., "default_sort": [...],
        "default_limit": 25, "max_limit": 100, "limits": {...}}`
        """
        allowed = {"name", "fields", "tie_breaker", "default_sort", "default_limit", "max_limit", "limits"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown schema key(s): {', '.join(sorted(unknown))}")
        fields_data = data["fields"]
        if not isinstance(fields_data, Mapping):
            raise ValueError("schema 'fields' must be an object of field name to description")
        fields = tuple(_field_from_dict(name, spec) for name, spec in fields_data.items())
        return cls(
            name=data["name"],
            fields=fields,
            tie_breaker=data["tie_breaker"],
            default_sort=tuple(SortKey(k["field"], k.get("direction", 1)) for k in data.get("default_sort", ())),
            default_limit=data.get("default_limit", 25),
            max_limit=data.get("max_limit", 100),
            limits=Limits.from_dict(data.get("limits", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> Schema:
        return cls.from_dict(json.loads(text))


def _field_from_dict(name: str, spec: Mapping[str, Any]) -> Field:
    unknown = set(spec) - {"type", "operators", "sortable"}
    if unknown:
        raise ValueError(f"field {name!r}: unknown key(s) {', '.join(sorted(unknown))}")
    try:
        return Field(
            name,
            FieldType(spec["type"]),
            frozenset(Op(op) for op in spec.get("operators", COMPARE_OPS)),
            bool(spec.get("sortable", False)),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"field {name!r}: {exc}") from None


def _fields(kind: FieldType, names: Iterable[str], ops: Iterable[Op], sortable: bool) -> list[Field]:
    return [Field(n, kind, frozenset(ops), sortable) for n in names]


QUERY_CALLS = Schema(
    name="query_calls",
    fields=(
        *_fields(FieldType.STRING, ["id", "cid"], COMPARE_OPS, True),
        *_fields(FieldType.STRING, ["team"], COMPARE_OPS, False),
        *_fields(FieldType.STRING, ["type"], COMPARE_OPS, True),
        *_fields(FieldType.STRING, ["created_by_user_id"], COMPARE_OPS, False),
        *_fields(FieldType.DATETIME, ["created_at", "updated_at", "ended_at", "starts_at"], COMPARE_OPS, True),
        *_fields(FieldType.BOOLEAN, ["backstage"], [Op.EQ], False),
        *_fields(FieldType.STRING_ARRAY, ["members"], [Op.IN], False),
        *_fields(FieldType.BOOLEAN, ["ongoing"], [Op.EQ], False),
    ),
    tie_breaker="cid",
    default_sort=(SortKey("created_at", -1),),
)

QUERY_MEMBERS = Schema(
    name="query_members",
    fields=(
        *_fields(FieldType.STRING, ["user_id"], COMPARE_OPS, True),
        *_fields(FieldType.STRING, ["role"], COMPARE_OPS, False),
        *_fields(FieldType.CUSTOM, ["custom"], COMPARE_OPS, False),
        *_fields(FieldType.DATETIME, ["created_at", "updated_at"], COMPARE_OPS, True),
    ),
    tie_breaker="user_id",
    default_sort=(SortKey("created_at", 1),),
)

BUILTIN_SCHEMAS: dict[str, Schema] = {s.name: s for s in (QUERY_CALLS, QUERY_MEMBERS)}
