"""The filter AST: three kinds of frozen, hashable node.

- `Condition`: one operator applied to one field (or a path inside a custom field);
- `And` / `Or`: compounds. `And(())` matches everything: it is the `{}` filter.

Nodes are normalised by construction through `conjoin`/`disjoin`: nested
`$and` flattened, single-child compounds collapsed. Equality is type-aware, so
`custom.x = true` and `custom.x = 1` are different nodes (Python alone would
call `True == 1`), which matters because compiled predicates are cached by node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .field_types import FieldType, Value
from .operators import Op
from .timestamps import Instant

Operand = Value | tuple[Value, ...]


def _typed(value: Operand) -> object:
    if isinstance(value, tuple):
        return tuple(_typed(v) for v in value)
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


Node = Condition | And | Or

MATCH_ALL = And(())


def conjoin(children: Iterable[Node]) -> Node:
    """AND of `children`, flattened; one child stands alone."""
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, And) else (child,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def disjoin(children: Iterable[Node]) -> Node:
    """OR of `children`, flattened; one child stands alone."""
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, Or) else (child,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


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
    of conditions is one object when that keeps its order, otherwise `$and`.
    """
    if isinstance(node, Condition):
        return {node.name: {str(node.op): json_value(node.value)}}
    if isinstance(node, Or):
        return {"$or": [to_json(child) for child in node.children]}
    merged = _merge_conditions(node.children)
    if merged is not None:
        return merged
    return {"$and": [to_json(child) for child in node.children]}


def _merge_conditions(children: tuple[Node, ...]) -> dict[str, Any] | None:
    """One object for an AND of conditions, if parsing it yields the same order."""
    out: dict[str, dict[str, Any]] = {}
    last = None
    for child in children:
        if not isinstance(child, Condition):
            return None
        ops = out.get(child.name)
        if ops is not None and (last != child.name or str(child.op) in ops):
            return None
        out.setdefault(child.name, {})[str(child.op)] = json_value(child.value)
        last = child.name
    return out
