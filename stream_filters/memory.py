"""In-memory backend: the reference semantics (SPEC §2-3) and keyset pages (SPEC §5).

Every other backend is tested against this one, so it states each rule once,
plainly: one template per (value kind, operator) in `_TEMPLATES`.

Rows are `Mapping`s keyed by field name. A missing key and `None` are both
null. `datetime` fields hold aware datetimes (microsecond precision),
`string_array` fields lists of str, `custom` fields dicts of JSON values.

Filters compile once per AST into a Python function: each condition becomes an
expression, operands become the code object's constants (never spliced into
the source text), and equal ASTs share one compiled function. The source
holds only placeholders, so it is the same for every filter of one shape
(`starts_at > now` with a new `now` on each request) and Python compiles it
once per shape. A new filter is not even written out: one walk makes its
constants and its shape key (`_walk`), the source is assembled from the key
only when the key is new, and the constants are swapped into the key's
code, which costs less than parsing the request. On the shared benchmark corpus it runs
as fast as hand-written Python (docs/memory.md).

Pages: `paginate(query, rows)` makes one pass over `rows` (a list or a one-shot
stream) holding at most `limit + 1` matching rows beyond the cursor plus the
one nearest row behind it, which is everything the page plan asks for.
"""

from __future__ import annotations

import builtins
import heapq
import itertools
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from types import CodeType, FunctionType
from typing import Any

from . import pagination
from .ast import SEGMENT, And, Condition, Node, Nor, Or, lowered
from .cursors import Secrets, SortValue, sort_values
from .field_types import FieldType
from .operators import Op, fold, words
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


# Marks a placeholder: a lone surrogate, which no operand, field name or path
# segment can hold (the parser refuses them), so nothing a client sends can
# imitate one.
_MARK = "\ud800"


class _Source:
    """The generated function: its constants and fresh variable names.

    A constant appears in the source as a placeholder string literal of our
    own making, numbered in the order the constants were made; `_build` swaps
    the values into the compiled code object, so no operand is ever part of
    the source text, yet each is read as fast as a literal (LOAD_CONST). The
    source is therefore the same for every filter of one shape (the same
    fields, operators and kinds of operand, other operands), and is compiled
    once per shape."""

    __slots__ = ("constants", "names")

    def __init__(self) -> None:
        self.constants: list[Any] = []
        self.names = 0

    def const(self, value: Any) -> str:
        self.constants.append(value)
        return f"'\\ud800{len(self.constants) - 1}'"

    def name(self, name: str) -> str:
        """A field name or path segment: a literal when it is one the parser
        admits (`ast.SEGMENT`), so the source says which fields it reads."""
        return _literal(name) or self.const(name)

    def var(self) -> str:
        self.names += 1
        return f"_v{self.names - 1}"


@lru_cache(maxsize=4096)
def _literal(name: str) -> str | None:
    return repr(name) if SEGMENT.fullmatch(name) else None


@dataclass(frozen=True)
class _Ref:
    """How a template refers to the value: `first` where it is read first (always
    evaluated), `again` for later reads in the same expression."""

    first: str
    again: str


Template = Callable[[_Source, _Ref, Condition], str]


# Keyed by str: `timestamps.at_microseconds` answers with the operator as a str.
_RANGE_OPS: dict[str, str] = {Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}


# Plain fields (string, integer, number, boolean): the value is of the field's
# type or null, so null is the only case to rule out before comparing.


def _eq(src: _Source, ref: _Ref, c: Condition) -> str:
    if c.type is FieldType.BOOLEAN:
        return f"{ref.first} is {_keyword(c.value)}"
    return f"{ref.first} == {src.const(c.value)}"


def _range_text(src: _Source, ref: _Ref, op: str, value: object) -> str:
    return f"{ref.first} is not None and {ref.again} {_RANGE_OPS[op]} {src.const(value)}"


def _keyword(value: object) -> str:
    """`True` or `False`: identity with a boolean is written with the keyword
    (`is` with a constant of any other kind is a SyntaxWarning)."""
    return "True" if value is True else "False"


def _range(src: _Source, ref: _Ref, c: Condition) -> str:
    return _range_text(src, ref, c.op, c.value)


def _in(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, tuple)
    return _in_text(src, ref, c.value)


def _in_text(src: _Source, ref: _Ref, values: Sequence[object]) -> str:
    if not values:
        return "False"
    return f"{ref.first} in {src.const(frozenset(values))}"


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
    # Written with the template's text helpers, not a new Condition: this runs
    # for every new filter, and building a node costs as much as the text.
    return f"{ref.first} == {src.const(moment)}" if op == Op.EQ else _range_text(src, ref, op, moment)


def _datetime_in(src: _Source, ref: _Ref, c: Condition) -> str:
    assert isinstance(c.value, tuple)
    moments = tuple(v.floor_datetime() for v in c.value if isinstance(v, Instant) and v.is_whole_microsecond)
    return _in_text(src, ref, moments)


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
    bracket = _bracket(c.value)
    if bracket == "bool":
        return f"{ref.first} is {_keyword(c.value)}"
    operand = src.const(c.value)
    if bracket == "str":
        return f"{ref.first} == {operand}"
    return f"{ref.first} == {operand} and type({ref.again}) is not bool"


def _custom_range(src: _Source, ref: _Ref, c: Condition) -> str:
    guard = _type_guard(src, _bracket(c.value), ref.first)
    return f"{guard} and {ref.again} {_RANGE_OPS[c.op]} {src.const(c.value)}"


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


def _load(src: _Source, field: str, path: tuple[str, ...]) -> str:
    """An expression for the condition's value: the field, then each path segment.

    A custom field holds an object or null (SPEC §3), so its first segment is
    read with `(value or {}).get(...)`, as fast as a hand-written lookup; below
    that any JSON value may stand where an object is expected, so each
    further level checks that it has an object."""
    expr = f"_row.get({src.name(field)})"
    for depth, segment in enumerate(path):
        if depth == 0:
            expr = f"({expr} or {src.const(_EMPTY)}).get({src.name(segment)})"
            continue
        holder = src.var()
        expr = f"({holder}.get({src.name(segment)}) if isinstance({holder} := {expr}, dict) else None)"
    return expr


_EMPTY: Mapping[str, Any] = {}

# -- the shape walk -------------------------------------------------------------------
#
# A filter not seen before is walked once: each condition's template runs (it
# makes the operands, the constants) and its text, with placeholders for the
# constants, is the condition's part of the shape key. The key says
# everything the source depends on, so the source is assembled from the key,
# and only when the key is new; a known shape costs the walk, one hash of the
# key and the swap of the constants into its code.

# Key tags: a run of conditions on one value, `$and`, `$or`, `$nor`, a part
# compiled on its own (deeper than _CHUNK_DEPTH).
_GROUP, _AND, _OR, _NOR, _CHUNK = "group", "and", "or", "nor", "chunk"

ShapeKey = tuple[Any, ...]


def _walk(src: _Source, node: Node, depth: int) -> ShapeKey:
    """The shape key of `node`; its constants are added to `src` in key order."""
    return _WALKS[type(node)](src, node, depth)


def _walk_condition(src: _Source, node: Any, depth: int) -> ShapeKey:
    template = _TEMPLATES.get((node.type, node.op))
    if template is None:  # sugar (`operators.is_sugar`): no template of its own
        return _walk(src, lowered(node), depth)
    return (_GROUP, node.field, node.path, template(src, _REF, node))


def _walk_or(src: _Source, node: Any, depth: int) -> ShapeKey:
    if depth >= _CHUNK_DEPTH:
        return _chunk(src, node)
    return (_OR, *[_walk(src, child, depth + 1) for child in node.children])


def _walk_nor(src: _Source, node: Any, depth: int) -> ShapeKey:
    if depth >= _CHUNK_DEPTH:
        return _chunk(src, node)
    return (_NOR, *[_walk(src, child, depth + 1) for child in node.children])


def _chunk(src: _Source, node: Node) -> ShapeKey:
    """A part compiled into a function of its own, called from this one."""
    return (_CHUNK, src.const(compile_filter(node)))


def _walk_and(src: _Source, node: Any, depth: int) -> ShapeKey:
    """`$and`: consecutive conditions on one value make one group (it is read once)."""
    if depth >= _CHUNK_DEPTH:
        return _chunk(src, node)
    children: tuple[Node, ...] = node.children
    if not children:
        return _EVERYTHING
    parts: list[Any] = [_AND]
    group: list[Any] = []  # the group being gathered: tag, field, path, texts...
    for child in children:
        template = _TEMPLATES.get((child.type, child.op)) if isinstance(child, Condition) else None
        if template is None:  # a compound or sugar: its own part
            if group:
                parts.append(tuple(group))
                group = []
            parts.append(_walk(src, child, depth + 1))
            continue
        assert isinstance(child, Condition)
        if group and (group[1] != child.field or group[2] != child.path):
            parts.append(tuple(group))
            group = []
        if not group:
            group = [_GROUP, child.field, child.path]
        group.append(template(src, _REF, child))
    if group:
        parts.append(tuple(group))
    return tuple(parts)


_EVERYTHING: ShapeKey = (_AND,)  # the `{}` filter

# The one dispatch on node kinds: `Node` is closed (ast.py), and a new kind
# fails here with a KeyError rather than being read as another.
_WALKS: dict[type, Callable[[_Source, Any, int], ShapeKey]] = {
    Condition: _walk_condition,
    And: _walk_and,
    Or: _walk_or,
    Nor: _walk_nor,
}


def _assemble(src: _Source, key: ShapeKey) -> str:
    """The expression of a shape key; the constants it adds itself (helpers of
    `_load`) are numbered after the operands, which the walk numbered."""
    tag = key[0]
    if tag == _GROUP:
        return _condition_group(src, key[1], key[2], key[3:])
    if tag == _CHUNK:
        return f"{key[1]}(_row)"
    parts = [_assemble(src, child) for child in key[1:]]
    if tag == _OR:
        return "(" + " or ".join(parts) + ")" if parts else "False"
    if tag == _NOR:  # every template is a bool, never None: `not` is two-valued
        return "(not (" + " or ".join(parts) + "))" if parts else "True"
    return "(" + " and ".join(parts) + ")" if parts else "True"


def _condition_group(src: _Source, field: str, path: tuple[str, ...], texts: tuple[str, ...]) -> str:
    """Conditions on one value (`{"$gt": a, "$lt": b}`), which is read once."""
    value = src.var()
    parts = []
    read = False
    for text in texts:
        if read or _FIRST_READ not in text:  # read already, or a constant answer ($in [])
            first = value
        elif len(texts) > 1 or _LATER_READ in text:
            first, read = f"({value} := {_load(src, field, path)})", True
        else:
            first = _load(src, field, path)  # read once: no variable needed
        parts.append(text.replace(_FIRST_READ, first).replace(_LATER_READ, value))
    return " and ".join(f"({p})" for p in parts)


# Markers for the templates' value references, replaced once the group is known.
_FIRST_READ, _LATER_READ = "\x01first\x01", "\x01again\x01"
_REF = _Ref(_FIRST_READ, _LATER_READ)


@lru_cache(maxsize=4096)
def compile_filter(node: Node) -> Predicate:
    """A function `row -> bool` for a filter AST; equal ASTs share one function."""
    src = _Source()
    key = _walk(src, node, 0)
    values = src.constants
    shape = _shape(key, len(values))
    if shape.function is not None:
        return shape.function  # no constants at all: every filter of this shape is this function
    values.extend(shape.tail)
    compiled = shape.compiled
    function: Predicate = FunctionType(compiled.code.replace(co_consts=compiled.pick(values)), _GLOBALS, "compiled")
    function.__doc__ = _doc(compiled, values)
    return function


@dataclass(frozen=True)
class _KeyedShape:
    """The compiled code of one shape key, and the constants its source added
    to the operands (helpers, which are the same for every filter of the shape)."""

    compiled: _Shape
    fixed: tuple[Any, ...]
    # What follows the operands in `_Shape.pick`'s input: `fixed`, then the
    # code's own constants.
    tail: tuple[Any, ...]
    function: Predicate | None  # the shape's one function when it has no constants at all


@lru_cache(maxsize=1024)
def _shape(key: ShapeKey, operands: int) -> _KeyedShape:
    """The source of a shape key, compiled once; every filter of the shape reuses it.
    `operands` is the number of constants the walk made (the key determines it)."""
    src = _Source()
    src.constants.extend(itertools.repeat(None, operands))
    compiled = _compiled(_source(_assemble(src, key)))
    if len(src.constants) != len(compiled.pieces) // 2:  # the key fixes the count: checked once per key
        raise AssertionError(f"{len(src.constants)} constants made, {len(compiled.pieces) // 2} placeholders")
    fixed = tuple(src.constants[operands:])
    function = compiled.function if not src.constants else None
    return _KeyedShape(compiled, fixed, fixed + compiled.kept, function)


def _source(expression: str) -> str:
    return f"def compiled(_row):\n    return {expression}\n"


def _build(src: _Source, expression: str) -> Any:
    """`def compiled(_row): return expression` with the constants swapped into
    the code object of its shape; `__doc__` is the source with the constants
    written out.

    Each read is `_row.get(name)`, never a cached `_get = _row.get`: a method
    call by name skips creating a bound method, which cost 60% on simple filters."""
    return _instantiate(_compiled(_source(expression)), src.constants)


def _instantiate(shape: _Shape, values: list[Any]) -> Any:
    """A function of a compiled shape with `values` as its constants."""
    if shape.function is not None and not values:
        return shape.function  # no constants: every filter of this shape is this function
    if len(values) != len(shape.pieces) // 2:
        raise AssertionError(f"{len(values)} constants made, {len(shape.pieces) // 2} placeholders in the source")
    function = FunctionType(shape.code.replace(co_consts=shape.pick([*values, *shape.kept])), _GLOBALS, "compiled")
    function.__doc__ = _doc(shape, values)
    return function


def _doc(shape: _Shape, values: Sequence[Any]) -> str:
    """The docstring of a function of `shape` with constants `values`."""
    if shape.doc is None:
        shape.doc = _doc_format(shape, values)
        shape.doc_shows_values = "!r}" in shape.doc
        if not shape.doc_shows_values:
            shape.doc = shape.doc.format()
    return shape.doc.format(*values) if shape.doc_shows_values else shape.doc


@dataclass
class _Shape:
    """The compiled code of one generated source, with where its placeholders are."""

    code: CodeType
    slots: tuple[tuple[int, int], ...]  # (index in co_consts, constant number)
    pieces: list[str]  # the source split at placeholders: text, number, text, ...
    doc: str | None = None  # the docstring, or its str.format() if it shows values; made on first use
    doc_shows_values: bool = False
    function: Any = None  # the one function of a shape without constants
    kept: tuple[Any, ...] = ()  # the code's constants that are not placeholders
    # The new co_consts from [*values, *kept], in C: no Python loop per constant.
    pick: Callable[[list[Any]], tuple[Any, ...]] = tuple


def _picker(order: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """`values -> tuple(values[i] for i in order)`; itemgetter answers a bare item for one index."""
    if len(order) == 1:
        (only,) = order
        return lambda values: (values[only],)
    return itemgetter(*order) if order else lambda values: ()


@lru_cache(maxsize=1024)
def _compiled(source: str) -> _Shape:
    """Compile a generated source once; every filter of the same shape reuses it.

    Constants are swapped into the function's own `co_consts` only, so the
    source must define no nested code (lambdas, comprehensions), and each
    placeholder must be a constant of its own (not folded into another)."""
    with warnings.catch_warnings():
        # A placeholder for a function constant is a string literal being
        # called, which the compiler flags; it is a function by run time.
        warnings.simplefilter("ignore", SyntaxWarning)
        module = compile(source, "<stream_filters.memory>", "exec")
    (code,) = (c for c in module.co_consts if isinstance(c, CodeType))
    pieces = _PLACEHOLDER.split(source)
    if sorted(map(int, pieces[1::2])) != list(range(len(pieces) // 2)):
        raise AssertionError("each placeholder must occur once in the source")
    slots: list[tuple[int, int]] = []
    for index, const in enumerate(code.co_consts):
        if isinstance(const, CodeType):
            raise AssertionError("generated filters must not nest code: its constants would not be swapped")
        if type(const) is str and const.startswith(_MARK):
            slots.append((index, int(const[len(_MARK) :])))
        elif _holds_placeholder(const):
            raise AssertionError(f"a placeholder was folded into the constant {const!r}")
    # A placeholder may be missing from the code: the compiler drops dead
    # branches (`True or ...`), and their constants with them.
    shape = _Shape(code, tuple(slots), pieces)
    placed = dict(slots)
    operands = len(pieces) // 2
    kept = [const for index, const in enumerate(code.co_consts) if index not in placed]
    order, next_kept = [], operands
    for index in range(len(code.co_consts)):
        if index in placed:
            order.append(placed[index])
        else:
            order.append(next_kept)
            next_kept += 1
    shape.kept, shape.pick = tuple(kept), _picker(order)
    if not slots:
        shape.function = FunctionType(code, _GLOBALS, "compiled")
        shape.function.__doc__ = source
    return shape


_PLACEHOLDER = re.compile(r"'\\ud800([0-9]+)'")


def _holds_placeholder(const: object) -> bool:
    if isinstance(const, tuple | frozenset):
        return any(_holds_placeholder(item) for item in const)
    return type(const) is str and const.startswith(_MARK)


def _doc_format(shape: _Shape, values: Sequence[Any]) -> str:
    """The docstring of a shape's functions, as a `str.format` of their constants.

    It is filled in for every new filter, so each constant is written as `repr`
    does in C: values of the types operands have; helpers (functions, types)
    by name; anything else (sets: their `repr` is slow and long) as `_c<i>`,
    which is `__code__.co_consts[i]`."""
    out: list[str] = []
    hidden = False
    index_of = {number: index for index, number in shape.slots}
    for i, piece in enumerate(shape.pieces):
        if i % 2 == 0:
            out.append(piece.replace("{", "{{").replace("}", "}}"))
            continue
        value = values[int(piece)]
        if type(value) in _SHOWN:
            out.append(f"{{{piece}!r}}")
        elif isinstance(value, FunctionType | type):
            out.append(value.__name__)
        elif value is _EMPTY:
            out.append("{{}}")
        elif value is _NUMBER_TYPES:
            out.append("(int, float)")
        else:
            index = index_of.get(int(piece))  # None: in a branch the compiler dropped
            out.append("_dropped" if index is None else f"_c{index}")
            hidden = True
    if hidden:
        out.append("# _c<i> is __code__.co_consts[i]\n")
    return "".join(out)


_SHOWN = frozenset({str, int, float, bool, datetime})


_GLOBALS: dict[str, Any] = {"__builtins__": builtins}


def filter_rows(node: Node, rows: Iterable[Row]) -> Iterator[Row]:
    """The rows matching `node`, lazily, in their original order."""
    return filter(compile_filter(node), rows)


# -- ordering ---------------------------------------------------------------------


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
        read = f"({value} := _row.get({src.name(key.field)}))"
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
