"""Request body -> `Query`: strict validation into the normalised AST (SPEC §1-7).

Problems are collected, not raised one by one, so a client sees everything
wrong at once; a limit breach stops the walk at once instead, since going on
would cost work proportional to a hostile input. Descent is bounded by
`Limits.max_depth` before any nested value is visited, so no input can recurse
deeper than that.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Final, NoReturn, assert_never

from .ast import (
    MATCH_ALL,
    SEGMENT,
    And,
    Condition,
    Node,
    Nor,
    Operand,
    Or,
    conditions,
    conjoin,
    disjoin,
    make_condition,
    nor,
)
from .errors import Code, FilterError, Path, PathPart, Problem, describe, did_you_mean, json_type
from .field_types import CHECKERS, FieldType, OperandError, Value, check_text
from .limits import (
    LimitExceeded,
    cursor_too_long,
    request_too_large,
    string_too_long,
    too_deep,
    too_many_conditions,
    too_many_sort_keys,
    too_many_values,
)
from .operators import OPERATORS, Logical, Op, OperatorSpec, words
from .operators import Operand as Shape
from .query import CursorToken, Direction, Query, make_query
from .request_keys import REQUEST_KEYS, check_extra_keys
from .sort import SortKey, is_direction, make_sort_key, with_tie_breaker

if TYPE_CHECKING:  # `Schema.parse` calls this module, which reads schemas
    from .schema import Field, Schema

_REQUEST_KEY_SET = frozenset(REQUEST_KEYS)
_TEXT = (str, bytes)  # not `str | bytes`, which builds a union object on every call
LOGICAL = tuple(map(str, Logical))
MAX_PROBLEMS = 100
_NULL_HINT = 'null is not a value to compare with: use {"$exists": false} to match a missing or null value'


def parse_request(
    schema: Schema,
    request: Mapping[str, Any] | str | bytes,
    *,
    scope: Mapping[str, Any] | Node | None = None,
    extra_keys: Iterable[str] = (),
) -> Query:
    scope_node = MATCH_ALL if scope is None else parse_scope(schema, scope)
    extras = (*schema.extra_keys, *check_extra_keys(extra_keys)) if extra_keys else schema.extra_keys
    body = load_json(request, schema, ()) if isinstance(request, _TEXT) else request
    if not _is_mapping(body):
        raise FilterError.single(Code.INVALID_TYPE, f"the request must be a JSON object, got {json_type(body)}")
    allowed = _REQUEST_KEY_SET.union(extras) if extras else _REQUEST_KEY_SET
    if body.keys() <= allowed:
        try:
            return make_query(
                schema,
                parse_filter(schema, body.get("filter_conditions")),
                parse_sort(schema, body.get("sort")),
                parse_limit(schema, body.get("limit")),
                parse_cursor(schema, body.get("next"), body.get("prev")),
                scope_node,
                {key: body[key] for key in extras if key in body} if extras else {},
            )
        except LimitExceeded:
            raise
        except FilterError:
            pass  # parse every part again, below, to report all their problems at once
    problems = _unknown_keys(body, extras)
    node = _collect(problems, parse_filter, schema, body.get("filter_conditions"), ("filter_conditions",))
    sort = _collect(problems, parse_sort, schema, body.get("sort"), ("sort",))
    limit = _collect(problems, parse_limit, schema, body.get("limit"), ("limit",))
    cursor = _collect(problems, parse_cursor, schema, body.get("next"), body.get("prev"))
    if problems:
        raise FilterError(problems)
    extra = {key: body[key] for key in extras if key in body}
    return Query(schema, node, sort, limit, cursor, scope_node, extra)


def _unknown_keys(body: Mapping[Any, Any], extras: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    allowed = (*REQUEST_KEYS, *extras)
    for key in body:
        if key not in allowed:
            problems.append(
                Problem(
                    Code.UNKNOWN_KEY,
                    f"unknown request key {describe(key)}; allowed: {', '.join(allowed)}."
                    + did_you_mean(str(key), allowed),
                    (str(key),),
                )
            )
            _stop_at_max(problems)
    return problems


def _stop_at_max(problems: list[Problem]) -> None:
    """Report at most MAX_PROBLEMS: past that, more detail only costs time
    (a 1 MiB body can hold 200,000 bad `$in` values) and no client reads it."""
    if len(problems) >= MAX_PROBLEMS:
        raise LimitExceeded(problems)


def _collect(problems: list[Problem], part: Any, *args: Any) -> Any:
    try:
        return part(*args)
    except LimitExceeded:
        raise
    except FilterError as exc:
        problems.extend(exc.problems)
        return None


def load_json(text: str | bytes, schema: Schema, path: Path) -> Any:
    """Parse JSON text from a client; every failure is a FilterError."""
    size = len(text)
    if size > schema.limits.max_request_bytes:
        unit = "characters" if isinstance(text, str) else "bytes"
        raise request_too_large("request", size, unit, schema.limits.max_request_bytes).at(path)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FilterError.single(
            Code.INVALID_JSON, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", path
        ) from None
    except RecursionError:
        raise too_deep(None, schema.limits.max_depth).at(path) from None
    except (ValueError, UnicodeDecodeError) as exc:  # over-long integers, bad encodings, NaN
        raise FilterError.single(Code.INVALID_JSON, f"not valid JSON: {exc}", path) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_NOT_MAPPINGS = frozenset({str, int, float, bool, list, type(None)})


def _is_mapping(value: object) -> bool:
    """`isinstance(value, Mapping)`, without the ABC check for JSON's own types."""
    kind = type(value)
    return kind is dict or (kind not in _NOT_MAPPINGS and isinstance(value, Mapping))


# -- filter ------------------------------------------------------------------


def parse_filter(schema: Schema, filter_conditions: Any, path: Path = ("filter_conditions",)) -> Node:
    """Validate `filter_conditions` into a normalised AST node."""
    if filter_conditions is None:
        return MATCH_ALL
    return _walk(_FilterWalker(schema, schema.visible), filter_conditions, path)


def _walk(walker: _FilterWalker, filter_conditions: Any, path: Path) -> Node:
    if filter_conditions is None:
        return MATCH_ALL
    node = walker.filter(filter_conditions, path, 0)
    if walker.problems:
        raise FilterError(walker.problems)
    assert node is not None
    return node


def parse_scope(schema: Schema, scope: Mapping[str, Any] | Node) -> Node:
    """An application's scope (SPEC §8) as a node, or ValueError.

    A scope may name hidden fields. It is walked with a budget of its own, the
    schema's `Limits` (so it takes nothing from the client's, and an
    application cannot build unbounded work by accident either). A node given
    directly (parsed once, reused) is checked against the schema's fields."""
    if isinstance(scope, Condition | And | Or | Nor):
        _check_scope_node(schema, scope)
        return scope
    if not isinstance(scope, Mapping):
        raise ValueError(f"a scope is a filter object or an AST node, got {json_type(scope)}")
    try:
        return _walk(_FilterWalker(schema, schema.by_name), scope, ("scope",))
    except FilterError as exc:
        problems = "; ".join(f"{'.'.join(map(str, p.path))}: {p.message}" for p in exc.problems)
        raise ValueError(f"invalid scope for {schema.name}: {problems}") from None


def _check_scope_node(schema: Schema, scope: Node) -> None:
    for condition in conditions(scope):
        field = schema.by_name.get(condition.field)
        if field is None or field.type is not condition.type or condition.op not in field.operators:
            raise ValueError(f"invalid scope for {schema.name}: {condition.name} {condition.op} is not in the schema")


@cache
def allowed_logical(allowed: frozenset[Logical]) -> tuple[str, ...]:
    """The filter-level operators a schema allows, in LOGICAL's order (made once per set)."""
    return tuple(k for k in LOGICAL if k in allowed)


# `rest` of `custom.rest`: segments joined by dots, checked in one match.
_DOTTED_SEGMENTS = re.compile(rf"{SEGMENT.pattern}(?:\.{SEGMENT.pattern})*", re.ASCII)

# Enum members used on the hot path, looked up once: on CPython 3.11 an enum
# class attribute (`Op.EQ`) costs about 0.1 µs, five times a plain one, and the
# walk would pay that several times per operator.
_EQ = Op.EQ
_AND, _OR = Logical.AND, Logical.OR
_CUSTOM = FieldType.CUSTOM
_SCALAR: Final = Shape.SCALAR
_LIST: Final = Shape.LIST
_BOOLEAN: Final = Shape.BOOLEAN
_PREFIX: Final = Shape.PREFIX
_WORDS: Final = Shape.WORDS


class _FilterWalker:
    """Validates one filter. `fields` are those it may name: a client's filter
    sees the schema's visible fields, an application's scope all of them.

    Paths are built when a problem is reported: a method that reads the value
    at `(*path, key)` takes `path` and `key`, since most values have nothing
    wrong with them and a tuple per operator is a tenth of its cost."""

    __slots__ = ("allowed_logical", "count", "fields", "limits", "problems", "schema")

    def __init__(self, schema: Schema, fields: Mapping[str, Field]) -> None:
        self.schema = schema
        self.fields = fields
        self.limits = schema.limits
        self.problems: list[Problem] = []
        self.count = 0
        self.allowed_logical = allowed_logical(schema.logical)

    def problem(self, code: Code, message: str, path: Path, **context: Any) -> None:
        self.problems.append(Problem(code, message, path, context))
        _stop_at_max(self.problems)

    def filter(self, obj: Any, path: Path, depth: int) -> Node | None:
        if type(obj) is not dict and not _is_mapping(obj):
            self.problem(Code.INVALID_TYPE, f"a filter must be an object, got {json_type(obj)}", path)
            return None
        parts: list[Node | None] = []
        for key, value in obj.items():
            if not isinstance(key, str):
                self.tick(path)
                self.problem(Code.INVALID_TYPE, f"filter keys must be strings, got {describe(key)}", path)
            elif not key.startswith("$"):
                self.field_conditions(key, value, path, parts)
            elif key in self.allowed_logical:
                parts.append(self.logical(key, value, (*path, key), depth + 1))
            elif key in LOGICAL:
                self.tick((*path, key))
                self.problem(
                    Code.OPERATOR_NOT_ALLOWED,
                    f"{key} is not allowed on this endpoint; allowed: {', '.join(self.allowed_logical)}",
                    (*path, key),
                    allowed=list(self.allowed_logical),
                )
            else:
                self.tick((*path, key))
                self.problem(
                    Code.UNKNOWN_OPERATOR,
                    f"{describe(key)} cannot stand at filter level; use "
                    f"{', '.join(self.allowed_logical)} or a field name." + did_you_mean(key, self.allowed_logical),
                    (*path, key),
                )
        if len(parts) == 1:
            return parts[0]
        nodes = [p for p in parts if p is not None]
        return conjoin(nodes) if len(nodes) == len(parts) else None

    def logical(self, key: str, value: Any, path: Path, depth: int) -> Node | None:
        if depth > self.limits.max_depth:
            raise too_deep(self.allowed_logical, self.limits.max_depth).at(path)
        if not isinstance(value, list):
            self.problem(Code.INVALID_TYPE, f"{key} takes an array of filters, got {json_type(value)}", path)
            return None
        if not value:
            self.problem(Code.EMPTY_LOGICAL, f"{key} needs at least one filter", path)
            return None
        if len(value) > self.limits.max_conditions:
            raise too_many_conditions(self.limits.max_conditions, key, len(value)).at(path)
        children = [self.filter(child, (*path, i), depth) for i, child in enumerate(value)]
        nodes = [c for c in children if c is not None]
        if len(nodes) != len(children):
            return None
        if key == _AND:
            return conjoin(nodes)
        return disjoin(nodes) if key == _OR else nor(nodes)

    def tick(self, path: Path) -> None:
        """Count one condition (or one rejected entry) against the limit, so that
        even a filter of a million bad keys stops after `max_conditions`."""
        self.count += 1
        if self.count > self.limits.max_conditions:
            self.over_conditions(path)

    def over_conditions(self, path: Path) -> NoReturn:
        raise too_many_conditions(self.limits.max_conditions).at(path)

    def resolve(self, name: str, path: Path) -> tuple[Field, tuple[str, ...]] | None:
        head, _, rest = name.partition(".")
        field = self.fields.get(head)
        if field is None:
            self.problem(
                Code.UNKNOWN_FIELD,
                f"unknown field {describe(name)}; allowed: {', '.join(self.fields)}." + did_you_mean(head, self.fields),
                path,
                allowed=list(self.fields),
            )
            return None
        if field.type is not _CUSTOM:
            if rest:
                self.problem(
                    Code.UNKNOWN_FIELD,
                    f"field {describe(head)} is {field.type} and has no sub-fields; "
                    "only custom fields take dotted paths",
                    path,
                )
                return None
            return field, ()
        segments = tuple(rest.split(".")) if rest else ()
        if not segments:
            self.problem(
                Code.INVALID_PATH,
                f"address a key inside {head}, e.g. {head}.color; {head} itself cannot be filtered",
                path,
            )
            return None
        if not _DOTTED_SEGMENTS.fullmatch(rest):
            self.problem(
                Code.INVALID_PATH,
                f"{describe(name)}: each path segment must be 1+ characters of A-Z, a-z, 0-9, '_' or '-'",
                path,
            )
            return None
        return field, segments

    def field_conditions(self, name: str, condition: Any, path: Path, parts: list[Node | None]) -> None:
        """Append the nodes of `name: condition`, found in the filter at `path`, to `parts`."""
        field = self.fields.get(name)  # field names have no dots: a hit is a plain field or custom itself
        if field is not None and field.type is not _CUSTOM:
            segments: tuple[str, ...] = ()
        else:
            resolved = self.resolve(name, (*path, name))
            if resolved is None:
                self.tick((*path, name))
                parts.append(None)
                return
            field, segments = resolved
        if type(condition) is not dict and not _is_mapping(condition):
            parts.append(self.operator(field, segments, _EQ, condition, path, name))
            return
        where = (*path, name)
        if type(condition) is dict and condition and condition.keys() <= field.operators:
            # The usual operator object: every key an operator the field allows.
            for op_name, operand in condition.items():
                parts.append(self.condition(field, segments, OPERATORS[op_name], operand, where, op_name))
            return
        if not condition:
            self.problem(Code.EMPTY_CONDITION, f"empty condition on {name}. {_NULL_HINT}", where)
            parts.append(None)
            return
        keys = [k for k in condition if isinstance(k, str) and k.startswith("$")]
        if not keys:
            self.problem(
                Code.EXPECTED_OPERATOR,
                f"a condition object needs $operators; to reach inside an object use a dotted path such as "
                f"custom.color. Allowed operators for {name}: {_ops(field)}",
                where,
            )
            parts.append(None)
            return
        if len(keys) != len(condition):
            self.problem(
                Code.MIXED_OPERATORS,
                "a condition object cannot mix $operators with other keys; use dotted paths for nested keys",
                where,
            )
            parts.append(None)
            return
        for op_name, operand in condition.items():
            parts.append(self.operator(field, segments, op_name, operand, where, op_name))

    def operator(
        self, field: Field, segments: tuple[str, ...], op_name: str, operand: Any, path: Path, key: str
    ) -> Node | None:
        """The condition `op_name operand`, written at `(*path, key)`: `key` is the
        operator, or the field's name for the `$eq` shorthand."""
        spec = OPERATORS.get(op_name)
        if spec is not None and spec.op in field.operators:
            return self.condition(field, segments, spec, operand, path, key)
        where = (*path, key)
        self.tick(where)
        if spec is None:
            self.problem(
                Code.UNKNOWN_OPERATOR,
                f"unknown operator {describe(op_name)}; allowed for {field.name}: {_ops(field)}."
                + did_you_mean(op_name, sorted(field.operators)),
                where,
            )
        else:
            self.problem(
                Code.OPERATOR_NOT_ALLOWED,
                f"{spec.op} is not allowed on {field.name}; allowed: {_ops(field)}",
                where,
                allowed=sorted(field.operators),
            )
        return None

    def condition(
        self, field: Field, segments: tuple[str, ...], spec: OperatorSpec, operand: Any, path: Path, key: str
    ) -> Node | None:
        """The node for an operator `field` allows, or None with its problem recorded."""
        self.count += 1  # `tick`, inlined: this runs once per condition of every request
        if self.count > self.limits.max_conditions:
            self.over_conditions((*path, key))
        if operand is None:
            self.problem(Code.NULL_OPERAND, _NULL_HINT, (*path, key))
            return None
        value = self.operand(field, spec, operand, path, key)
        if value is None:
            return None
        return make_condition(field.name, segments, spec.op, value, field.type)

    def operand(self, field: Field, spec: OperatorSpec, operand: Any, path: Path, key: str) -> Operand | None:
        shape = spec.operand
        if shape is _SCALAR:
            return self.scalar(field, operand, path, key)
        if shape is _LIST:
            return self.list_operand(field, spec.op, operand, path, key)
        if shape is _BOOLEAN:
            if not isinstance(operand, bool):
                return self._bad(Code.INVALID_OPERAND, f"expected true or false, got {json_type(operand)}", path, key)
            return operand
        if shape is _PREFIX or shape is _WORDS:
            return self.text_operand(shape, operand, path, key)
        assert_never(shape)

    def list_operand(self, field: Field, op: str, operand: Any, path: Path, key: str) -> Operand | None:
        if not isinstance(operand, list):
            return self._bad(Code.INVALID_OPERAND, f"{op} takes an array, got {json_type(operand)}", path, key)
        if len(operand) > self.limits.max_in_values:
            raise too_many_values(op, len(operand), self.limits.max_in_values).at((*path, key))
        if field.type in _STRINGS_AS_IS and _valid_strings(operand, self.limits.max_string_length):
            return tuple(operand)
        try:
            return tuple([self.checked(field, item) for item in operand])
        except OperandError:
            pass  # find every bad item, each at its own path (paths cost time, so only now)
        where = (*path, key)
        for i, item in enumerate(operand):
            self.scalar(field, item, where, i)
        return None

    def text_operand(self, shape: Shape, operand: Any, path: Path, key: str) -> Operand | None:
        if not isinstance(operand, str):
            return self._bad(Code.INVALID_OPERAND, f"expected {shape.value}, got {json_type(operand)}", path, key)
        if len(operand) > self.limits.max_string_length:
            breach = string_too_long(len(operand), self.limits.max_string_length)
            self.problem(breach.code, breach.message, (*path, key), limit=breach.limit)
            return None
        if not operand or (shape is _WORDS and not words(operand)):
            return self._bad(Code.INVALID_OPERAND, f"expected {shape.value}", path, key)
        try:
            return check_text(operand)
        except OperandError as exc:
            return self._bad(exc.code, exc.message, path, key)

    def scalar(self, field: Field, value: Any, path: Path, key: PathPart) -> Operand | None:
        try:
            return self.checked(field, value)
        except OperandError as exc:
            self.problem(exc.code, exc.message, (*path, key), **exc.context)
            return None

    def checked(self, field: Field, value: Any) -> Value:
        """`value` as an operand of `field`, or OperandError."""
        if value is None:
            raise OperandError(Code.NULL_OPERAND, _NULL_HINT)
        if isinstance(value, str) and len(value) > self.limits.max_string_length:
            breach = string_too_long(len(value), self.limits.max_string_length)
            raise OperandError(breach.code, breach.message, limit=breach.limit)
        try:
            return CHECKERS[field.type](value)
        except OperandError as exc:
            raise OperandError(exc.code, f"{field.name}: {exc.message}") from None

    def _bad(self, code: Code, message: str, path: Path, key: PathPart) -> Operand | None:
        """Record a problem at `(*path, key)`; the missing operand it leaves is None."""
        self.problem(code, message, (*path, key))
        return None


# Field types whose checker (`field_types.CHECKERS`) takes every valid string
# operand as it is, so a list of such strings needs no call per item.
_STRINGS_AS_IS = frozenset({FieldType.STRING, FieldType.STRING_ARRAY, FieldType.CUSTOM})


def _valid_strings(values: list[Any], max_length: int) -> bool:
    """Whether every value is a string of at most `max_length` characters that
    UTF-8 can encode (the usual `$in`): one plain loop and one `str.isascii`
    over the joined list, about a third of the cost of `set(map(type, ...))`
    and `max(map(len, ...))` for 3 values, and half for 50."""
    for value in values:
        if type(value) is not str or len(value) > max_length:
            return False
    joined = "".join(values)
    if joined.isascii():
        return True
    try:
        check_text(joined)
    except OperandError:
        return False
    return True


def _ops(field: Field) -> str:
    return ", ".join(sorted(field.operators))


# -- sort, limit, cursors ----------------------------------------------------------


def parse_sort(schema: Schema, sort: Any, path: Path = ("sort",)) -> tuple[SortKey, ...]:
    """Sort keys with the tie-breaker appended; the schema's default when absent."""
    if sort is None or sort == []:
        return schema.full_default_sort
    return with_tie_breaker(_sort_keys(schema, sort, path), schema.tie_breaker)


def _sort_keys(schema: Schema, sort: Any, path: Path) -> list[SortKey]:
    if not isinstance(sort, list):
        raise FilterError.single(
            Code.INVALID_TYPE,
            f'sort must be an array of {{"field": ..., "direction": 1 or -1}}, got {json_type(sort)}',
            path,
        )
    limit = schema.limits.max_sort_keys
    # Up to `limit` keys are within the limit whatever they are; one more only if it is the tie-breaker.
    if len(sort) > limit and (len(sort) > limit + 1 or _keys_besides_tie_breaker(schema, sort) > limit):
        raise too_many_sort_keys(len(sort), limit).at(path)
    problems: list[Problem] = []
    keys: list[SortKey] = []
    seen: set[str] = set()
    for i, item in enumerate(sort):
        key = _sort_key(schema, item, path, i, problems)
        if key is None:
            continue
        if key.field in seen:
            problems.append(
                Problem(Code.DUPLICATE_SORT_FIELD, f"{key.field} appears twice in sort", (*path, i, "field"))
            )
        seen.add(key.field)
        keys.append(key)
    if problems:
        raise FilterError(problems)
    return keys


def _keys_besides_tie_breaker(schema: Schema, sort: list[Any]) -> int:
    """The keys that count against `max_sort_keys`: the tie-breaker does not,
    since `Query.to_request()` adds it. Called on at most limit + 1 items."""
    return sum(not (_is_mapping(item) and item.get("field") == schema.tie_breaker) for item in sort)


def _sort_key(schema: Schema, item: Any, at: Path, index: int, problems: list[Problem]) -> SortKey | None:
    """The sort key of `item`, the `index`-th of the sort at `at`; None with its problems recorded."""
    if type(item) is dict and item.keys() <= _SORT_ITEM_KEYS:
        name, direction = item.get("field"), item.get("direction", 1)
        field = schema.by_name.get(name) if type(name) is str else None
        if field is not None and field.sortable and is_direction(direction):
            return make_sort_key(field.name, direction)  # the usual case; otherwise say what is wrong, below
    path = (*at, index)
    if not _is_mapping(item):
        problems.append(Problem(Code.INVALID_TYPE, f"a sort key must be an object, got {json_type(item)}", path))
        return None
    before = len(problems)
    for key in item:
        if key not in ("field", "direction"):
            problems.append(
                Problem(
                    Code.UNKNOWN_KEY,
                    f"unknown sort key {describe(key)}; allowed: field, direction",
                    (*path, str(key)),
                )
            )
    name = item.get("field")
    sortable = schema.sortable_fields
    if not isinstance(name, str):
        problems.append(
            Problem(Code.INVALID_TYPE, f"sort field must be a string, got {json_type(name)}", (*path, "field"))
        )
    elif name not in schema.visible:
        problems.append(
            Problem(
                Code.UNKNOWN_FIELD,
                f"unknown sort field {describe(name)}; sortable: {', '.join(sortable)}." + did_you_mean(name, sortable),
                (*path, "field"),
                {"allowed": sortable},
            )
        )
    elif not schema.visible[name].sortable:
        problems.append(
            Problem(
                Code.NOT_SORTABLE,
                f"{name} cannot be sorted on; sortable: {', '.join(sortable)}",
                (*path, "field"),
                {"allowed": sortable},
            )
        )
    direction = item.get("direction", 1)
    if not is_direction(direction):
        problems.append(
            Problem(
                Code.INVALID_DIRECTION,
                f"direction must be 1 (ascending) or -1 (descending), got {describe(direction)}",
                (*path, "direction"),
            )
        )
    if len(problems) > before:
        return None
    return SortKey(name, direction)


_SORT_ITEM_KEYS = frozenset({"field", "direction"})


def parse_limit(schema: Schema, limit: Any, path: Path = ("limit",)) -> int:
    if limit is None:
        return schema.default_limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= schema.max_limit:
        raise FilterError.single(
            Code.INVALID_LIMIT,
            f"limit must be an integer from 1 to {schema.max_limit}, got {describe(limit)}",
            path,
            max=schema.max_limit,
        )
    return limit


def parse_cursor(schema: Schema, next_: Any, prev: Any) -> CursorToken | None:
    if next_ is None and prev is None:
        return None
    given = [(d, v) for d, v in ((Direction.NEXT, next_), (Direction.PREV, prev)) if v not in (None, "")]
    if len(given) > 1:
        raise FilterError.single(Code.CONFLICTING_CURSORS, "give either next or prev, not both", ("prev",))
    if not given:
        return None
    direction, token = given[0]
    path: Path = (str(direction),)
    if not isinstance(token, str):
        raise FilterError.single(Code.INVALID_CURSOR, f"a cursor is a string, got {json_type(token)}", path)
    if len(token) > schema.limits.max_cursor_length:
        raise cursor_too_long(len(token), schema.limits.max_cursor_length).at(path)
    return CursorToken(direction, token)
