"""Filter AST -> canonical text, and short text quotes of (possibly bad) filters.

Canonical form: one space around operators and `and`/`or`, keywords in lower
case, parentheses only where `and` binding tighter than `or` needs them,
strings as JSON strings (lone surrogates escaped), numbers as JSON numbers,
datetimes as bare RFC 3339 in UTC with as many fraction digits as needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..ast import And, Condition, Node, Nor, Operand, Or
from ..operators import Op
from ..timestamps import Instant

WORDS: dict[Op, str] = {
    Op.EQ: "=",
    Op.GT: ">",
    Op.GTE: ">=",
    Op.LT: "<",
    Op.LTE: "<=",
    Op.IN: "in",
    Op.AUTOCOMPLETE: "startswith",
    Op.Q: "matches",
    Op.NE: "!=",
    Op.NIN: "not in",
    Op.CONTAINS: "contains",
}
_WORDS_BY_KEY = {str(op): word for op, word in WORDS.items()}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def to_text(node: Node) -> str:
    """The canonical text of `node`; `parse_text` of it gives `node` back.

    The filter that matches everything (`{}`) is the empty string; inside an
    `or` it is written `()`.
    """
    if isinstance(node, And) and not node.children:
        return ""
    return _expression(node)


def _expression(node: Node) -> str:
    if isinstance(node, Condition):
        return condition_text(node)
    if isinstance(node, Nor):  # `not (a or b)`: the children of one `or`
        return "not (" + " or ".join(_operand(child, Or(node.children)) for child in node.children) + ")"
    if not node.children:
        return "()"
    joiner = " and " if isinstance(node, And) else " or "
    return joiner.join(_operand(child, node) for child in node.children)


def _operand(child: Node, parent: And | Or) -> str:
    text = _expression(child)
    if isinstance(child, Condition | Nor) or not child.children:
        return text
    if isinstance(child, Or) or type(child) is type(parent):
        return f"({text})"
    return text


def condition_text(condition: Condition) -> str:
    if condition.op is Op.EXISTS:
        return f"{condition.name} {'exists' if condition.value is True else 'missing'}"
    return f"{condition.name} {WORDS[condition.op]} {literal(condition.value)}"


def literal(value: Operand) -> str:
    """An operand as a text literal."""
    if isinstance(value, tuple):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, Instant):
        return value.to_rfc3339()
    if isinstance(value, str):
        return string_literal(value)
    return json.dumps(value)


def string_literal(value: str) -> str:
    """A JSON string literal; readable Unicode, lone surrogates as `\\uXXXX`."""
    quoted = json.dumps(value, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


# -- quoting filters in messages -------------------------------------------------------------

_SHOWN_ITEMS = 4


def describe_condition(filter_part: Node | Mapping[str, Any], max_length: int = 80) -> str:
    """A short text rendering of part of a filter, for error messages.

    Takes an AST node, or raw JSON `filter_conditions` (valid or not, e.g. the
    object a problem's path points at): `{"created_at": {"$gt": 5}}` reads
    `created_at > 5`. Unknown operators are shown as written, long lists and
    deep nesting are elided, and the result is cut to `max_length` characters,
    so it is safe on hostile input.
    """
    if isinstance(filter_part, Condition | And | Or | Nor):
        text = to_text(filter_part) or "()"
    else:
        text = _raw_filter(filter_part, 3) or "()"
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


def _raw_filter(obj: Any, depth: int) -> str:
    if not isinstance(obj, Mapping):
        return _raw_value(obj, depth)
    if depth <= 0:
        return "…"
    parts = [_raw_entry(key, value, depth) for key, value in list(obj.items())[:_SHOWN_ITEMS]]
    if len(obj) > _SHOWN_ITEMS:
        parts.append("…")
    return " and ".join(parts)


def _raw_entry(key: Any, value: Any, depth: int) -> str:
    if key in ("$and", "$or", "$nor") and isinstance(value, list):
        joiner = " and " if key == "$and" else " or "
        shown = [f"({_raw_filter(item, depth - 1)})" for item in value[:_SHOWN_ITEMS]]
        inner = "(" + joiner.join(shown + (["…"] if len(value) > _SHOWN_ITEMS else [])) + ")"
        return f"not {inner}" if key == "$nor" else inner
    name = str(key)
    if isinstance(value, Mapping) and value and all(isinstance(k, str) and k.startswith("$") for k in value):
        return " and ".join(
            _raw_operator(name, op, operand, depth) for op, operand in list(value.items())[:_SHOWN_ITEMS]
        )
    return f"{name} = {_raw_value(value, depth)}"


def _raw_operator(name: str, op: str, operand: Any, depth: int) -> str:
    if op == "$exists" and isinstance(operand, bool):
        return f"{name} {'exists' if operand else 'missing'}"
    word = _WORDS_BY_KEY.get(op, op)
    return f"{name} {word} {_raw_value(operand, depth)}"


def _raw_value(value: Any, depth: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return string_literal(value if len(value) <= 40 else value[:39] + "…")
    if isinstance(value, bool | int | float):
        return json.dumps(value) if not isinstance(value, int) or abs(value) < 10**40 else "…"
    if isinstance(value, list):
        if depth <= 0:
            return "[…]"
        items = [_raw_value(item, depth - 1) for item in value[:_SHOWN_ITEMS]]
        return "[" + ", ".join(items + (["…"] if len(value) > _SHOWN_ITEMS else [])) + "]"
    if isinstance(value, Mapping):
        return "{…}"
    return "…"
