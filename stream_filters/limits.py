"""Size limits on requests (SPEC §7): safe defaults, each configurable per schema."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .errors import Code, FilterError, Path, Problem


@dataclass(frozen=True, slots=True)
class Limits:
    """Every bound a request must stay within; each breach has its own error code.

    `max_depth` counts nested `$and`/`$or` levels; `max_conditions` counts
    field conditions (one per operator) over the whole filter.
    """

    max_depth: int = 10
    max_conditions: int = 200
    max_in_values: int = 1000
    max_string_length: int = 1024
    max_sort_keys: int = 5
    max_cursor_length: int = 2048
    max_request_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{f.name} must be a positive integer, got {value!r}")
        if self.max_depth > 200:
            # The parser descends one Python frame per level; keep far below the
            # interpreter's recursion limit whatever the configuration says.
            raise ValueError("Limits.max_depth may be at most 200")

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        return cls(**data)


class LimitExceeded(FilterError):
    """A limit breach: stops the walk at once, since going on would cost work
    proportional to a hostile input."""

    @classmethod
    def breach(cls, code: Code, message: str, path: Path, limit: int) -> LimitExceeded:
        """The error for one limit, carrying the limit's value for clients."""
        return cls([Problem(code, message, path, {"limit": limit})])
