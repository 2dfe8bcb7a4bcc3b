"""In-memory backend: the reference semantics (SPEC §2-3) and keyset pages (SPEC §5).

Every other backend is tested against this one, so it states each rule once,
plainly: one template per (value kind, operator) in `_TEMPLATES`.

Rows are `Mapping`s keyed by field name. A missing key and `None` are both
null. `datetime` fields hold aware datetimes (microsecond precision),
`string_array` fields lists of str, `custom` fields dicts of JSON values.

Filters compile once per AST into a Python function: each condition becomes an
expression, operands become the code object's constants (never spliced into
the source text), and equal ASTs share one compiled function. On the shared
benchmark corpus it runs as fast as hand-written Python (docs/memory.md).

Pages: `paginate(query, rows)` makes one pass over `rows` (a list or a one-shot
stream) holding at most `limit + 1` matching rows beyond the cursor plus the
one nearest row behind it, which is everything the page plan asks for.
"""

from __future__ import annotations

import builtins
import heapq
import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from types import CodeType, FunctionType
from typing import Any

from . import pagination
from .ast import Condition, Node, Nor, Or, lowered
from .cursors import Secrets, SortValue
from .field_types import FieldType
from .operators import Op, fold, is_sugar, words
from .pagination import Fetch, Page
from .query import Query
from .schema import SortKey
from .timestamps import Instant, at_microseconds

__all__ = ["compile_filter", "filter_rows", "order_key", "paginate", "sort_rows", "sort_values"]

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]
SortKeyFn = Callable[[Row], tuple[Any, ...]]

# Nesting deeper than this is compiled into separate functions, so that no
# filter the parser accepts can exceed the Python compiler's nesting limits.
_CHUNK_DEPTH = 12
_NUMBER_TYPES = frozenset({int, float})

# -- compiling filters -------------------------------------------------------------


@dataclass
class _Source:
    """The generated function: its constants and fresh variable names.

    A constant appears in the source as a placeholder string literal of our
    own making; `_build` swaps the values into the compiled code object, so
    no operand is ever part of the source text, yet each is read as fast as
    a literal (LOAD_CONST)."""

    constants: dict[str, Any] = field(default_factory=dict)
    names: Iterator[int] = field(default_factory=itertools.count)

    def const(self, value: Any) -> str:
        placeholder = f"\x00const{len(self.constants)}\x00"
        self.constants[placeholder] = value
        return repr(placeholder)

    def var(self) -> str:
        return f"_v{next(self.names)}"


@dataclass(frozen=True)
class _Ref:
    """How a template refers to the value: `first` where it is read first (always
    evaluated), `again` for later reads in the same expression."""

    first: str
    again: str


Template = Callable[[_Source, _Ref, Condition], str]


def _range_op(op: Op) -> str:
    return {Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}[op]


# Plain fields (string, integer, number, boolean): the value is of the field's
# type or null, so null is the only case to rule out before comparing.


def _eq(src: _Source, ref: _Ref, c: Condition) -> str:
    if c.type is FieldType.BOOLEAN:
        return f"{ref.first} is {_keyword(c.value)}"
    return f"{ref.first} == {src.const(c.value)}"


def _keyword(value: object) -> str:
    """`True` or `False`: identity with a boolean is written with the keyword
    (`is` with a constant of any other kind is a SyntaxWarning)."""
    return "True" if value is True else "False"


def _range(src: _Source, ref: _Ref, c: Condition) -> str:
    return f"{ref.first} is not None and {ref.again} {_range_op(c.op)} {src.const(c.value)}"


def _in(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, tuple)
    if not c.value:
        return "False"
    return f"{ref.first} in {src.const(frozenset(c.value))}"


def _exists(src: _Source, ref: _Ref, c: Condition) -> str:
    return f"{ref.first} is {'not ' if c.value else ''}None"


def _autocomplete(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, str)
    guard = "type({}) is str" if c.type is FieldType.CUSTOM else "{} is not None"
    return f"{guard.format(ref.first)} and {src.const(fold)}({ref.again}).startswith({src.const(fold(c.value))})"


def _q(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, str)
    guard = "type({}) is str" if c.type is FieldType.CUSTOM else "{} is not None"
    wanted = src.const(frozenset(words(c.value)))
    return f"{guard.format(ref.first)} and {wanted}.issubset({src.const(words)}({ref.again}))"


# Datetimes: operands are exact instants, values whole microseconds.


def _datetime_compare(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, Instant)
    equivalent = at_microseconds(c.op, c.value)
    if equivalent is None:
        return "False"
    op, moment = equivalent
    return _eq(src, ref, _with(c, op, moment)) if op == Op.EQ else _range(src, ref, _with(c, op, moment))


def _datetime_in(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, tuple)
    moments = tuple(v.floor_datetime() for v in c.value if isinstance(v, Instant) and v.is_whole_microsecond)
    return _in(src, ref, _with(c, Op.IN, moments))


def _with(c: Condition, op: str, value: Any) -> Condition:
    return Condition(c.field, c.path, Op(op), value, c.type)


# string_array: comparisons and $in are about the elements; $exists about a
# present, non-empty array.


def _array_in(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, tuple)
    if not c.value:
        return "False"
    return f"not {src.const(frozenset(c.value))}.isdisjoint({ref.first} or ())"


def _array_eq(src: _Source, ref: _Ref, c: Condition) -> str:
    return f"{src.const(c.value)} in ({ref.first} or ())"


def _array_exists(src: _Source, ref: _Ref, c: Condition) -> str:
    return f"{'not not' if c.value else 'not'} {ref.first}"


# custom.*: type-bracketed as in MongoDB. A value matches only operands of its
# own bracket: strings, booleans, or numbers (int and float, never bool).


def _bracket(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    return "str" if isinstance(value, str) else "number"


def _type_guard(src: _Source, bracket: str, ref: str) -> str:
    if bracket == "number":
        return f"type({ref}) in {src.const(_NUMBER_TYPES)}"
    return f"type({ref}) is {bracket}"


def _custom_eq(src: _Source, ref: _Ref, c: Condition) -> str:
    operand = src.const(c.value)
    bracket = _bracket(c.value)
    if bracket == "bool":
        return f"{ref.first} is {_keyword(c.value)}"
    if bracket == "str":
        return f"{ref.first} == {operand}"
    return f"{ref.first} == {operand} and type({ref.again}) is not bool"


def _custom_range(src: _Source, ref: _Ref, c: Condition) -> str:
    guard = _type_guard(src, _bracket(c.value), ref.first)
    return f"{guard} and {ref.again} {_range_op(c.op)} {src.const(c.value)}"


def _custom_in(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, tuple)
    if not c.value:
        return "False"
    buckets: dict[str, list[object]] = {}
    for value in c.value:
        buckets.setdefault(_bracket(value), []).append(value)
    parts: list[str] = []
    for i, (bracket, values) in enumerate(buckets.items()):
        guard = _type_guard(src, bracket, ref.first if i == 0 else ref.again)
        parts.append(f"{guard} and {ref.again} in {src.const(frozenset(values))}")
    return " or ".join(f"({p})" for p in parts)


def _custom_contains(src: _Source, ref: _Ref, c: Condition) -> str:
    """An array with an element equal to the operand, type-bracketed as `_custom_eq`."""
    bracket = _bracket(c.value)
    has = _HAS_ELEMENT[bracket]
    return f"type({ref.first}) is list and {src.const(has)}({ref.again}, {src.const(c.value)})"


def _has_string(values: list[Any], operand: object) -> bool:
    return operand in values  # only a string equals a string


def _has_boolean(values: list[Any], operand: object) -> bool:
    return any(v is operand for v in values)


def _has_number(values: list[Any], operand: object) -> bool:
    return any(v == operand and type(v) in _NUMBER_TYPES for v in values)


_HAS_ELEMENT = {"str": _has_string, "bool": _has_boolean, "number": _has_number}


_PLAIN: dict[Op, Template] = {
    Op.EQ: _eq,
    Op.GT: _range,
    Op.GTE: _range,
    Op.LT: _range,
    Op.LTE: _range,
    Op.IN: _in,
    Op.EXISTS: _exists,
    Op.AUTOCOMPLETE: _autocomplete,
    Op.Q: _q,
}

# The one dispatch table: (field type, operator) -> template.
_TEMPLATES: dict[tuple[FieldType, Op], Template] = {
    **{(t, op): tpl for t in (FieldType.STRING, FieldType.INTEGER, FieldType.NUMBER) for op, tpl in _PLAIN.items()},
    **{(FieldType.BOOLEAN, op): tpl for op, tpl in _PLAIN.items()},
    **{(FieldType.DATETIME, op): _datetime_compare for op in (Op.EQ, Op.GT, Op.GTE, Op.LT, Op.LTE)},
    (FieldType.DATETIME, Op.IN): _datetime_in,
    (FieldType.DATETIME, Op.EXISTS): _exists,
    (FieldType.STRING_ARRAY, Op.IN): _array_in,
    (FieldType.STRING_ARRAY, Op.EQ): _array_eq,
    (FieldType.STRING_ARRAY, Op.EXISTS): _array_exists,
    (FieldType.CUSTOM, Op.EQ): _custom_eq,
    **{(FieldType.CUSTOM, op): _custom_range for op in (Op.GT, Op.GTE, Op.LT, Op.LTE)},
    (FieldType.CUSTOM, Op.IN): _custom_in,
    (FieldType.CUSTOM, Op.EXISTS): _exists,
    (FieldType.CUSTOM, Op.AUTOCOMPLETE): _autocomplete,
    (FieldType.CUSTOM, Op.Q): _q,
    (FieldType.CUSTOM, Op.CONTAINS): _custom_contains,
}


def _load(src: _Source, c: Condition) -> str:
    """An expression for the condition's value: the field, then each path segment.

    A custom field holds an object or null (SPEC §3), so its first segment is
    read with `(value or {}).get(...)`, as fast as a hand-written lookup; below
    that any JSON value may stand where an object is expected, so each
    further level checks that it has an object."""
    expr = f"_row.get({src.const(c.field)})"
    for depth, segment in enumerate(c.path):
        if depth == 0:
            expr = f"({expr} or {src.const(_EMPTY)}).get({src.const(segment)})"
            continue
        holder = src.var()
        expr = f"({holder}.get({src.const(segment)}) if isinstance({holder} := {expr}, dict) else None)"
    return expr


_EMPTY: Mapping[str, Any] = {}


def _condition_group(src: _Source, group: Sequence[Condition]) -> str:
    """Conditions on one value (`{"$gt": a, "$lt": b}`), which is read once."""
    value = src.var()
    parts = []
    for i, c in enumerate(group):
        text = _TEMPLATES[c.type, c.op](src, _Ref(_FIRST_READ, _LATER_READ), c)
        if i > 0:
            first = value
        elif len(group) > 1 or _LATER_READ in text:
            first = f"({value} := {_load(src, c)})"
        else:
            first = _load(src, c)  # read once: no variable needed
        parts.append(text.replace(_FIRST_READ, first).replace(_LATER_READ, value))
    return " and ".join(f"({p})" for p in parts)


# Markers for the templates' value references, replaced once the group is known.
_FIRST_READ, _LATER_READ = "\x01first\x01", "\x01again\x01"


def _emit(src: _Source, node: Node, depth: int) -> str:
    if isinstance(node, Condition):
        if is_sugar(node.op, node.type):
            return _emit(src, lowered(node), depth)
        return _condition_group(src, (node,))
    if depth >= _CHUNK_DEPTH:
        return f"{src.const(compile_filter(node))}(_row)"
    if isinstance(node, Or):
        either = [_emit(src, child, depth + 1) for child in node.children]
        return "(" + " or ".join(either) + ")" if either else "False"
    if isinstance(node, Nor):  # every template is a bool, never None: `not` is two-valued
        either = [_emit(src, child, depth + 1) for child in node.children]
        return "(not (" + " or ".join(either) + "))" if either else "True"
    parts: list[str] = []
    for key, run in itertools.groupby(node.children, _value_key):
        if key is None:
            parts.extend(_emit(src, child, depth + 1) for child in run)
        else:
            parts.append(_condition_group(src, [c for c in run if isinstance(c, Condition)]))
    return "(" + " and ".join(parts) + ")" if parts else "True"


def _value_key(node: Node) -> tuple[str, tuple[str, ...]] | None:
    if isinstance(node, Condition) and not is_sugar(node.op, node.type):
        return node.field, node.path
    return None


@lru_cache(maxsize=4096)
def compile_filter(node: Node) -> Predicate:
    """A function `row -> bool` for a filter AST; equal ASTs share one function."""
    src = _Source()
    predicate: Predicate = _build(src, _emit(src, node, 0))
    return predicate


def _build(src: _Source, expression: str) -> Any:
    """`lambda _row: expression` with the constants swapped into its code
    object; the source (with placeholders) is kept as the function's __doc__.

    Each read is `_row.get(name)`, never a cached `_get = _row.get`: a method
    call by name skips creating a bound method, which cost 60% on simple filters."""
    source = f"def compiled(_row):\n    return {expression}\n"
    with warnings.catch_warnings():
        # A placeholder for a function constant is a string literal being
        # called, which the compiler flags; it is a function by run time.
        warnings.simplefilter("ignore", SyntaxWarning)
        module = compile(source, "<stream_filters.memory>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, CodeType))
    constants = src.constants
    code = code.replace(co_consts=tuple(constants.get(c, c) if type(c) is str else c for c in code.co_consts))
    function = FunctionType(code, _GLOBALS, "compiled")
    function.__doc__ = source
    return function


_GLOBALS: dict[str, Any] = {"__builtins__": builtins}


def filter_rows(node: Node, rows: Iterable[Row]) -> Iterator[Row]:
    """The rows matching `node`, lazily, in their original order."""
    return filter(compile_filter(node), rows)


# -- ordering ---------------------------------------------------------------------


def sort_values(query: Query, row: Row) -> tuple[SortValue, ...]:
    """The row's values for the query's sort keys: what a cursor carries."""
    return tuple(row.get(key.field) for key in query.sort)


class _Descending:
    """Reverses the order of a non-null value, for sorts that mix directions."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and bool(self.value == other.value)

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.value < self.value)

    def __gt__(self, other: _Descending) -> bool:
        return bool(other.value > self.value)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class _Order:
    """A key whose ascending order is the sort order, or (when `reverse`) its
    exact reverse: then all keys are descending and need no wrapping."""

    key: SortKeyFn
    reverse: bool


@lru_cache(maxsize=256)
def _order(sort: tuple[SortKey, ...]) -> _Order:
    reverse = bool(sort) and all(k.direction == -1 for k in sort)
    src = _Source()
    parts = []
    for key in sort:
        value = src.var()
        read = f"({value} := _row.get({src.const(key.field)}))"
        if reverse or key.direction == 1:
            # Null lowest: (False, None) sorts before (True, anything).
            parts.append(f"{read} is not None, {value}")
        else:
            parts.append(f"{read} is None, {src.const(_Descending)}({value})")
    return _Order(_build(src, f"({', '.join(parts)},)"), reverse)


def order_key(sort: Sequence[SortKey]) -> tuple[SortKeyFn, bool]:
    """`(key, reverse)` such that `sorted(rows, key=key, reverse=reverse)` is the
    sort order, nulls lowest (first ascending, last descending)."""
    order = _order(tuple(sort))
    return order.key, order.reverse


def sort_rows(query: Query, rows: Iterable[Row]) -> list[Row]:
    """The rows in the query's order (not filtered)."""
    key, reverse = order_key(query.sort)
    return sorted(rows, key=key, reverse=reverse)


# -- pages --------------------------------------------------------------------------


def paginate(query: Query, rows: Iterable[Row], *, secret: Secrets = None) -> Page[Row]:
    """One page of the rows matching `query`, with `next`/`prev` cursors.

    `rows` may be a list or a one-shot iterable; it is read once, and of a
    stream only a bounded number of rows (the `limit + 1` nearest beyond the
    cursor, the nearest behind it) is held. Time: one predicate call per row,
    one sort key per matching row, O(log limit) per row that enters the page.
    Give `secret` in production so cursors cannot be forged (several to rotate
    one: cursors are signed with the first and accepted with any).
    """
    fields = [key.field for key in query.sort]
    store = _OnePass(rows, compile_filter(query.where), _order(query.sort), fields)
    return pagination.run(pagination.plan(query, lambda row: sort_values(query, row), secret), store.fetch)


class _OnePass:
    """Answers the plan's fetches from one pass over the rows.

    The first fetch reads every row, keeping the `count` nearest beyond the
    boundary and the nearest row at or behind it. The plan's later fetches are
    one-row probes from the page's first or last item towards the boundary, so
    their answers are among the rows kept.
    """

    def __init__(self, rows: Iterable[Row], predicate: Predicate, order: _Order, fields: list[str]) -> None:
        self.rows: Iterable[Row] | None = rows
        self.predicate = predicate
        self.order = order
        self.fields = fields
        self.kept: list[tuple[tuple[Any, ...], Row]] = []

    def boundary(self, after: tuple[SortValue, ...]) -> tuple[Any, ...]:
        return self.order.key(dict(zip(self.fields, after, strict=True)))

    def fetch(self, request: Fetch) -> Sequence[Row]:
        ascending = request.forward != self.order.reverse
        if self.rows is None:
            return self._from_kept(request, ascending)
        rows, self.rows = self.rows, None
        key = self.order.key
        matching = filter(self.predicate, rows)
        if request.after is None:
            pick = heapq.nsmallest if ascending else heapq.nlargest
            found = [(key(row), row) for row in pick(request.count, matching, key=key)]
        else:
            found = self._scan(matching, self.boundary(request.after), ascending, request.count)
        self.kept.extend(found)
        return [row for _, row in found]

    def _scan(
        self, matching: Iterable[Row], bound: tuple[Any, ...], ascending: bool, count: int
    ) -> list[tuple[tuple[Any, ...], Row]]:
        key = self.order.key
        behind: list[tuple[tuple[Any, ...], Row]] = []

        def note(k: tuple[Any, ...], row: Row) -> bool:
            """Keep the nearest row at or behind the boundary; never selects it."""
            if not behind or ((k > behind[0][0]) if ascending else (k < behind[0][0])):
                behind[:] = [(k, row)]
            return False

        # Generator expressions, not a generator function: the test per row is
        # one comparison, and only rows behind the boundary cost a call.
        if ascending:
            pairs = ((k, row) for row in matching if (k := key(row)) > bound or note(k, row))
        else:
            pairs = ((k, row) for row in matching if (k := key(row)) < bound or note(k, row))
        pick = heapq.nsmallest if ascending else heapq.nlargest
        found = pick(count, pairs, key=_FIRST)
        self.kept.extend(behind)
        return found

    def _from_kept(self, request: Fetch, ascending: bool) -> list[Row]:
        candidates = self.kept
        if request.after is not None:
            bound = self.boundary(request.after)
            candidates = [p for p in candidates if ((p[0] > bound) if ascending else (p[0] < bound))]
        candidates = sorted(candidates, key=_FIRST, reverse=not ascending)
        return [row for _, row in candidates[: request.count]]


_FIRST = itemgetter(0)
