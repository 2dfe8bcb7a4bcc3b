"""Sort keys (SPEC §5): a field and a direction, and the tie-breaker that ends every sort."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .frozen import new, slot_setters


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    direction: int  # 1 ascending, -1 descending

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "direction": self.direction}


_set_field, _set_direction = slot_setters(SortKey, "field", "direction")


def make_sort_key(field: str, direction: int) -> SortKey:
    """`SortKey(field, direction)` at half the cost (`frozen.py`), for the parser."""
    key = new(SortKey)
    _set_field(key, field)
    _set_direction(key, direction)
    return key


def is_direction(value: object) -> bool:
    """1 (ascending) or -1 (descending); not True, not 1.0."""
    return type(value) is int and value in (1, -1)


def with_tie_breaker(keys: Sequence[SortKey], tie_breaker: str) -> tuple[SortKey, ...]:
    """`keys` ending in the tie-breaker, which makes the order total: appended
    in the direction of the last key (ascending when there is none) unless
    `keys` already name it."""
    for key in keys:
        if key.field == tie_breaker:
            return tuple(keys)
    return (*keys, make_sort_key(tie_breaker, keys[-1].direction if keys else 1))
