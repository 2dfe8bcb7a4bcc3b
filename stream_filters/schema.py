"""Endpoint schemas (SPEC §4): which fields a request may use, and how.

A schema is defined in Python (`Schema(...)`) or from a plain dict/JSON
description (`Schema.from_dict`), so servers can keep schemas in config.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .ast import SEGMENT as SEGMENT
from .ast import Node
from .field_types import SORTABLE_TYPES, FieldType
from .json_schema import request_schema
from .limits import Limits
from .operators import Logical, Op, defined_on
from .parser import parse_filter, parse_request, parse_scope
from .query import Query
from .request_keys import check_extra_keys
from .sort import SortKey as SortKey
from .sort import is_direction, with_tie_breaker

COMPARE_OPS = frozenset({Op.IN, Op.EQ, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.EXISTS})
ARRAY_OPS = frozenset({Op.IN, Op.EQ, Op.EXISTS})
# `$nor` is opt-in (SPEC §2): a schema allows it with `logical=ALL_LOGICAL`.
DEFAULT_LOGICAL = frozenset({Logical.AND, Logical.OR})
ALL_LOGICAL = frozenset(Logical)


def supported_operators(kind: FieldType) -> frozenset[Op]:
    """The operators SPEC gives a meaning to on a field type (§2-3), as `OPERATORS` declares."""
    return defined_on(kind)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    operators: frozenset[Op] = COMPARE_OPS
    sortable: bool = False
    hidden: bool = False  # for scopes only (SPEC §8): to a client it does not exist

    def __post_init__(self) -> None:
        if not SEGMENT.fullmatch(self.name):
            raise ValueError(f"field name {self.name!r} must match [A-Za-z0-9_-]+")
        kind = FieldType(self.type)
        supported = supported_operators(kind)
        # The default is "every comparison the type supports", so a plain
        # Field("tags", FieldType.STRING_ARRAY) is valid.
        operators = supported & COMPARE_OPS if self.operators is COMPARE_OPS else frozenset(map(Op, self.operators))
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "operators", operators)
        for op in sorted(operators - supported):
            raise ValueError(
                f"{op} is not defined on {kind} fields (field {self.name!r}); allowed: {', '.join(sorted(supported))}"
            )
        if self.sortable and self.type not in SORTABLE_TYPES:
            raise ValueError(f"field {self.name!r} of type {self.type} cannot be sortable")
        if self.hidden and self.sortable:
            # A client cannot name a hidden field, so it could never sort on it.
            raise ValueError(f"hidden field {self.name!r} cannot be sortable")


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
    extra_keys: tuple[str, ...] = ()
    logical: frozenset[Logical] = DEFAULT_LOGICAL  # the filter-level operators clients may use
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False, hash=False)
    # The sort of a request without one: the default sort ending in the tie-breaker.
    full_default_sort: tuple[SortKey, ...] = field(init=False, repr=False, compare=False, hash=False)
    visible: Mapping[str, Field] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_name = {f.name: f for f in self.fields}
        if len(by_name) != len(self.fields):
            raise ValueError(f"schema {self.name!r}: duplicate field names")
        object.__setattr__(self, "by_name", by_name)
        object.__setattr__(self, "visible", {f.name: f for f in self.fields if not f.hidden})
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "extra_keys", check_extra_keys(self.extra_keys, f"schema {self.name!r}: "))
        object.__setattr__(self, "default_sort", tuple(self.default_sort))
        object.__setattr__(self, "logical", frozenset(map(Logical, self.logical)))
        if not self.logical >= DEFAULT_LOGICAL:
            raise ValueError(f"schema {self.name!r}: $and and $or are always allowed")
        tie = by_name.get(self.tie_breaker)
        if tie is None or not tie.sortable:  # hence never hidden
            raise ValueError(f"schema {self.name!r}: tie-breaker {self.tie_breaker!r} must be a sortable field")
        for key in self.default_sort:
            if key.field not in by_name or not by_name[key.field].sortable or not is_direction(key.direction):
                raise ValueError(f"schema {self.name!r}: default sort key {key} is not a sortable field and direction")
        if type(self.default_limit) is not int or type(self.max_limit) is not int:
            raise ValueError(f"schema {self.name!r}: default_limit and max_limit must be integers")
        if not 1 <= self.default_limit <= self.max_limit:
            raise ValueError(f"schema {self.name!r}: need 1 <= default_limit <= max_limit")
        object.__setattr__(self, "full_default_sort", with_tie_breaker(self.default_sort, self.tie_breaker))
        compared = tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.compare)
        object.__setattr__(self, "_hash", hash(compared))

    def __hash__(self) -> int:
        # Computed once: a schema keys the per-request caches (compiled
        # statements, shapes), and hashing its fields anew cost a request
        # a dozen dataclass hashes each time.
        return self.__dict__["_hash"]  # type: ignore[no-any-return]  # set in __post_init__

    @property
    def sortable_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.sortable]  # never hidden: hidden fields are not sortable

    def parse(
        self,
        request: Mapping[str, Any] | str | bytes,
        *,
        scope: Mapping[str, Any] | Node | None = None,
        extra_keys: Iterable[str] = (),
    ) -> Query:
        """Validate a request body (dict or JSON text) into a `Query`, or raise FilterError.

        `scope` is the application's own filter (SPEC §8), ANDed into every
        backend's query and part of the cursor fingerprint; it may use hidden
        fields, and a bad scope raises ValueError. `extra_keys` names body keys
        the application accepts besides the request's own (as does the schema's
        `extra_keys`); their values come back in `query.extra`."""
        return parse_request(self, request, scope=scope, extra_keys=extra_keys)

    def parse_scope(self, scope: Mapping[str, Any] | Node) -> Node:
        """Validate an application's scope into an AST node (hidden fields allowed),
        or raise ValueError: a bad scope is the application's bug, not the client's.
        Parse a fixed scope once and pass the node to `parse` to save the work."""
        return parse_scope(self, scope)

    def parse_filter(self, filter_conditions: Any) -> Node:
        """Validate `filter_conditions` alone into a filter AST node."""
        return parse_filter(self, filter_conditions)

    def json_schema(self, *, extra_keys: Sequence[str] = ()) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of this endpoint's request body; see
        `stream_filters.json_schema` for the parts and the OpenAPI form."""
        return request_schema(self, extra_keys=extra_keys)

    # -- plain-data form -------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fields": {f.name: _field_to_dict(f) for f in self.fields},
            "tie_breaker": self.tie_breaker,
            "default_sort": [k.to_json() for k in self.default_sort],
            "default_limit": self.default_limit,
            "max_limit": self.max_limit,
            "limits": self.limits.to_dict(),
            "logical": sorted(map(str, self.logical)),
            **({"extra_keys": list(self.extra_keys)} if self.extra_keys else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """A schema from its plain-data form; raises ValueError naming what is wrong.

        `{"name": ..., "fields": {"id": {"type": "string", "operators": [...],
        "sortable": true}, ...}, "tie_breaker": ..., "default_sort": [...],
        "default_limit": 25, "max_limit": 100, "limits": {...}, "extra_keys": [...],
        "logical": ["$and", "$or", "$nor"]}`; a field description may say `"hidden": true`.
        """
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError, AttributeError) as exc:
            # A description from config can be any JSON: report its shape, not a traceback.
            raise ValueError(f"invalid schema description: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Schema:
        if not isinstance(data, Mapping):
            raise ValueError("a schema description must be an object")
        allowed = {
            "name",
            "fields",
            "tie_breaker",
            "default_sort",
            "default_limit",
            "max_limit",
            "limits",
            "extra_keys",
            "logical",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown schema key(s): {', '.join(sorted(unknown))}")
        missing = {"name", "fields", "tie_breaker"} - set(data)
        if missing:
            raise ValueError(f"missing schema key(s): {', '.join(sorted(missing))}")
        fields_data = data["fields"]
        if not isinstance(fields_data, Mapping):
            raise ValueError("schema 'fields' must be an object of field name to description")
        fields = tuple(_field_from_dict(name, spec) for name, spec in fields_data.items())
        return cls(
            name=_typed(data, "name", str, None),
            fields=fields,
            tie_breaker=_typed(data, "tie_breaker", str, None),
            default_sort=tuple(_sort_key_from_dict(k) for k in _typed(data, "default_sort", list, [])),
            default_limit=_typed(data, "default_limit", int, 25),
            max_limit=_typed(data, "max_limit", int, 100),
            limits=Limits.from_dict(_typed(data, "limits", dict, {})),
            extra_keys=tuple(_typed(data, "extra_keys", list, [])),
            logical=frozenset(map(Logical, _typed(data, "logical", list, sorted(DEFAULT_LOGICAL)))),
        )

    @classmethod
    def from_json(cls, text: str) -> Schema:
        try:
            data = json.loads(text)
        except RecursionError:
            raise ValueError("invalid schema description: nested too deeply") from None
        return cls.from_dict(data)


def _typed(data: Mapping[str, Any], key: str, kind: type, default: Any) -> Any:
    value = data.get(key, default)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"schema {key!r} must be of type {kind.__name__}, got {value!r}")
    return value


def _sort_key_from_dict(data: Any) -> SortKey:
    if not isinstance(data, Mapping) or not isinstance(data.get("field"), str) or set(data) - {"field", "direction"}:
        raise ValueError(f'a default sort key is {{"field": name, "direction": 1 or -1}}, got {data!r}')
    return SortKey(data["field"], data.get("direction", 1))


def _field_from_dict(name: str, spec: Any) -> Field:
    if not isinstance(spec, Mapping):
        raise ValueError(f'field {name!r}: a field description is an object such as {{"type": "string"}}')
    unknown = set(spec) - {"type", "operators", "sortable", "hidden"}
    if unknown:
        raise ValueError(f"field {name!r}: unknown key(s) {', '.join(sorted(unknown))}")
    operators = spec.get("operators", COMPARE_OPS)
    if not isinstance(operators, list | frozenset):
        raise ValueError(f"field {name!r}: operators must be an array of operator names")
    sortable, hidden = spec.get("sortable", False), spec.get("hidden", False)
    if not isinstance(sortable, bool) or not isinstance(hidden, bool):
        raise ValueError(f"field {name!r}: sortable and hidden must be true or false")
    try:
        ops = operators if operators is COMPARE_OPS else frozenset(Op(op) for op in operators)
        return Field(name, FieldType(spec["type"]), ops, sortable, hidden)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"field {name!r}: {exc}") from None


def _field_to_dict(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": str(f.type), "operators": sorted(map(str, f.operators)), "sortable": f.sortable}
    if f.hidden:
        out["hidden"] = True
    return out


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
