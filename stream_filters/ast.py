"""The filter AST: four kinds of frozen, hashable node.

- `Condition`: one operator applied to one field (or a path inside a custom field);
- `And` / `Or`: compounds. `And(())` matches everything: it is the `{}` filter.
- `Nor`: rows matching none of its children (`$nor`, the one negation). It is
  two-valued: a row without a field does not match a condition on that field,
  so it matches `Nor` of that condition, on every backend.

Nodes are normalised by construction through `conjoin`/`disjoin`/`nor`: nested
`$and` flattened, single-child compounds collapsed, an `Or` inside a `Nor`
spread into it (`$nor: [{$or: [a, b]}]` is `$nor: [a, b]`). Equality is type-aware, so
`custom.x = true` and `custom.x = 1` are different nodes (Python alone would
call `True == 1`), which matters because compiled predicates are cached by node.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .field_types import FieldType, Value
from .frozen import new, slot_setters
from .operators import OPERATORS, Op
from .timestamps import Instant

Operand = Value | tuple[Value, ...]

# A field name, and each segment of a path inside a custom field.
SEGMENT = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def _typed(value: Operand) -> object:
    if isinstance(value, tuple):
        return (tuple(map(type, value)), value)  # no Python call per item: `$in` lists are long
    return (type(value), value)


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """`field[.path...] op value`; `path` is empty except inside custom fields."""

    field: str
    path: tuple[str, ...]
    op: Op
    value: Operand
    type: FieldType

    @property
    def name(self) -> str:
        """The dotted name as written in a request: `custom.color`."""
        return ".".join((self.field, *self.path))

    def _key(self) -> tuple[object, ...]:
        return (self.field, self.path, self.op, self.type, _typed(self.value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Nor:
    children: tuple[Node, ...]


Node = Condition | And | Or | Nor

MATCH_ALL = And(())

_set_field, _set_path, _set_op, _set_value, _set_type = slot_setters(Condition, "field", "path", "op", "value", "type")
(_set_and,) = slot_setters(And, "children")
(_set_or,) = slot_setters(Or, "children")
(_set_nor,) = slot_setters(Nor, "children")


def make_condition(field: str, path: tuple[str, ...], op: Op, value: Operand, type: FieldType) -> Condition:
    """`Condition(field, path, op, value, type)` at half the cost (`frozen.py`), for the parser."""
    node = new(Condition)
    _set_field(node, field)
    _set_path(node, path)
    _set_op(node, op)
    _set_value(node, value)
    _set_type(node, type)
    return node


def _make_and(children: tuple[Node, ...]) -> And:
    node = new(And)
    _set_and(node, children)
    return node


def _make_or(children: tuple[Node, ...]) -> Or:
    node = new(Or)
    _set_or(node, children)
    return node


def _make_nor(children: tuple[Node, ...]) -> Nor:
    node = new(Nor)
    _set_nor(node, children)
    return node


def conjoin(children: Iterable[Node]) -> Node:
    """AND of `children`, flattened; one child stands alone."""
    flat: list[Node] = []
    for child in children:
        if isinstance(child, And):
            flat.extend(child.children)
        else:
            flat.append(child)
    return flat[0] if len(flat) == 1 else _make_and(tuple(flat))


def disjoin(children: Iterable[Node]) -> Node:
    """OR of `children`, flattened; one child stands alone."""
    flat: list[Node] = []
    for child in children:
        if isinstance(child, Or):
            flat.extend(child.children)
        else:
            flat.append(child)
    return flat[0] if len(flat) == 1 else _make_or(tuple(flat))


def nor(children: Iterable[Node]) -> Nor:
    """NOR of `children`; an `Or` child is spread into it (not (a or b) or c = nor(a, b, c))."""
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, Or) else (child,))
    return _make_nor(tuple(flat))


def lowered(cond: Condition) -> Node:
    """The node a sugar condition (`operators.is_sugar`) stands for, which backends
    compile instead: `$ne v` is `$exists: true` and `$nor: [$eq v]`, `$nin` the
    same with `$in` (SPEC §2: a missing value never matches them), and on a
    `string_array` `$contains x` is `$eq x` (SPEC §3). The AST keeps
    the condition as written, so `to_json`, `to_text`, paths and the depth
    limit see what the client sent."""
    if cond.op is Op.CONTAINS and cond.type is FieldType.STRING_ARRAY:
        return Condition(cond.field, cond.path, Op.EQ, cond.value, cond.type)
    negates = OPERATORS[cond.op].negates
    if negates is None:
        raise TypeError(f"{cond.op} on {cond.type} is not sugar")
    present = Condition(cond.field, cond.path, Op.EXISTS, True, cond.type)
    return And((present, Nor((Condition(cond.field, cond.path, negates, cond.value, cond.type),))))


def walk(node: Node) -> Iterable[Node]:
    """Every node of the tree, parents before children, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, Condition):
            stack.extend(reversed(current.children))


def conditions(node: Node) -> Iterable[Condition]:
    return (n for n in walk(node) if isinstance(n, Condition))


def json_value(value: Operand) -> Any:
    """An operand as it is written in JSON."""
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Instant):
        return value.to_rfc3339()
    return value


def to_json(node: Node) -> dict[str, Any]:
    """The canonical `filter_conditions` for `node`; `parse` of it gives `node` back.

    Conditions become `{name: {op: value}}` (never the `$eq` shorthand). An `And`
    is one object, so the output nests no deeper than the filter it was parsed
    from (and stays within the same depth limit).
    """
    if isinstance(node, Condition):
        return {node.name: {str(node.op): json_value(node.value)}}
    if isinstance(node, Or):
        return {"$or": [to_json(child) for child in node.children]}
    if isinstance(node, Nor):
        return {"$nor": [to_json(child) for child in node.children]}
    return _and_object(node.children)


def _and_object(children: tuple[Node, ...]) -> dict[str, Any]:
    """An AND as one object whose entries, read in order, give `children` in order.

    Conditions are entries (operators of one name merged while they are
    adjacent), the first `Or` is the `$or` entry, the first `Nor` the `$nor`
    entry, and children that cannot be an
    entry go, in order, into one `$and` entry. When that cannot keep the order,
    every child goes into `$and`.
    """
    out: dict[str, Any] = {}
    for child in children:
        last = next(reversed(out), None)
        if isinstance(child, Or) and "$or" not in out:
            out["$or"] = to_json(child)["$or"]
        elif isinstance(child, Nor) and "$nor" not in out:
            out["$nor"] = to_json(child)["$nor"]
        elif last == "$and":
            out["$and"].append(to_json(child))
        elif isinstance(child, Condition) and _is_new_entry(out, last, child):
            out.setdefault(child.name, {})[str(child.op)] = json_value(child.value)
        elif "$and" not in out:
            out["$and"] = [to_json(child)]
        else:
            return {"$and": [to_json(c) for c in children]}
    return out


def _is_new_entry(out: dict[str, Any], last: str | None, child: Condition) -> bool:
    ops = out.get(child.name)
    return ops is None or (last == child.name and str(child.op) not in ops)
