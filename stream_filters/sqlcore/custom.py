"""Custom data in a JSON column: the path of `custom.<path>`, and the JSON type
an operand compares with (SPEC §3: a value matches only an operand of its
type; `true` is never 1)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any


class Kind(Enum):
    """The type bracket of a comparison: what the stored value must be."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"


def json_kind(value: Any) -> Kind:
    """The JSON type a stored value must have to compare with operand `value`."""
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, str):
        return Kind.STRING
    return Kind.NUMBER


def json_path(path: Sequence[str]) -> str:
    """`$."a"."b"`: validated segments ([A-Za-z0-9_-]+) need no escaping;
    quoting makes every segment an object key, never an array index."""
    return "$" + "".join(f'."{segment}"' for segment in path)
