"""A deliberately naive reading of SPEC §2-3 and §5, for property tests.

It walks the AST and compares values one by one, with none of the memory
backend's machinery (no code generation, no `at_microseconds`, no sort keys),
so the two can check each other. Slow; for small inputs only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from stream_filters import And, Condition, FieldType, Instant, Node, Op, Or, SortKey
from stream_filters.ast import Nor
from stream_filters.operators import words


def matches(node: Node, row: Mapping[str, Any]) -> bool:
    if isinstance(node, And):
        return all(matches(child, row) for child in node.children)
    if isinstance(node, Or):
        return any(matches(child, row) for child in node.children)
    if isinstance(node, Nor):
        return not any(matches(child, row) for child in node.children)
    return _condition(node, _value(node, row))


def _value(c: Condition, row: Mapping[str, Any]) -> Any:
    value = row.get(c.field)
    for segment in c.path:
        value = value.get(segment) if isinstance(value, dict) else None
    return value


def _condition(c: Condition, value: Any) -> bool:
    if c.op in _NEGATIONS:  # SPEC §2: present, and not ...
        positive = Condition(c.field, c.path, _NEGATIONS[c.op], c.value, c.type)
        return _condition(_exists(c), value) and not _condition(positive, value)
    if c.op is Op.EXISTS:
        present = value is not None and not (c.type is FieldType.STRING_ARRAY and len(value) == 0)
        return present is c.value
    if value is None:
        return False
    if c.op is Op.CONTAINS:  # an array with an element equal to the operand
        return isinstance(value, list) and any(_compare(Op.EQ, element, c.value) for element in value)
    if c.type is FieldType.STRING_ARRAY:
        if c.op is Op.IN:
            return any(_compare(Op.EQ, element, operand) for element in value for operand in c.value)  # type: ignore[union-attr]
        return any(_compare(c.op, element, c.value) for element in value)
    if c.op is Op.AUTOCOMPLETE:
        return isinstance(value, str) and value.lower().startswith(str(c.value).lower())
    if c.op is Op.Q:
        return isinstance(value, str) and set(words(str(c.value))) <= set(words(value))
    if c.op is Op.IN:
        return any(_compare(Op.EQ, value, operand) for operand in c.value)  # type: ignore[union-attr]
    return _compare(c.op, value, c.value)


_NEGATIONS = {Op.NE: Op.EQ, Op.NIN: Op.IN}


def _exists(c: Condition) -> Condition:
    return Condition(c.field, c.path, Op.EXISTS, True, c.type)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


def _compare(op: Op, value: Any, operand: Any) -> bool:
    if isinstance(operand, Instant):
        left, right = Instant.from_datetime(value).epoch_ns, operand.epoch_ns
    elif _kind(value) != _kind(operand) or _kind(value) == "other":
        return False
    else:
        left, right = value, operand
    if op is Op.EQ:
        return bool(left == right)
    if op is Op.GT:
        return bool(left > right)
    if op is Op.GTE:
        return bool(left >= right)
    if op is Op.LT:
        return bool(left < right)
    if op is Op.LTE:
        return bool(left <= right)
    raise AssertionError(f"{op} is not a comparison")


def reference_sorted(sort: Sequence[SortKey], rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """`sorted()` with a comparison written from SPEC §5: null below every value."""

    def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
        for key in sort:
            x, y = a.get(key.field), b.get(key.field)
            if x is None and y is None:
                continue
            if x is None:
                return -key.direction
            if y is None:
                return key.direction
            if x < y:
                return -key.direction
            if x > y:
                return key.direction
        return 0

    return sorted(rows, key=functools.cmp_to_key(compare))
