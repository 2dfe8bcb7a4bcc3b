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


@dataclass(frozen=True, slots=True)
class Breach:
    """A limit breach in words: its code, its message and the limit's value.

    Built by the one function per code below, so the JSON parser and the text
    reader word each breach alike; the parser reports it at a path (`at`), the
    text reader at a position in the text."""

    code: Code
    message: str
    limit: int

    def at(self, path: Path) -> LimitExceeded:
        """The error that stops the parse, at `path`; `context.limit` is the limit."""
        return LimitExceeded([Problem(self.code, self.message, path, {"limit": self.limit})])


# -- one builder per code: each message is worded here, once ------------------------


def request_too_large(what: str, size: int, unit: str, limit: int) -> Breach:
    """`what` (the request, the filter text) of `size` `unit` (bytes, characters) over `max_request_bytes`."""
    return Breach(Code.REQUEST_TOO_LARGE, f"{what} of {size} {unit} exceeds the limit of {limit}", limit)


def too_deep(nesting: tuple[str, ...] | str | None, limit: int) -> Breach:
    """Nesting over `max_depth`: `nesting` is what nests, the filter-level
    operators (written `$and/$or`) or `"parentheses"`; None is JSON text nested
    past what the JSON reader takes (far past any filter within the limit)."""
    if nesting is None:
        return Breach(Code.TOO_DEEP, "JSON nested too deeply", limit)
    what = nesting if isinstance(nesting, str) else "/".join(nesting)
    return Breach(Code.TOO_DEEP, f"{what} nested deeper than the limit of {limit}", limit)


def too_many_conditions(limit: int, logical: str | None = None, filters: int = 0) -> Breach:
    """Over `max_conditions`: counted over the whole filter, or (`logical`) one
    `$and`/`$or`/`$nor` of `filters` filters, refused before any is read."""
    if logical is None:
        return Breach(Code.TOO_MANY_CONDITIONS, f"more than {limit} conditions", limit)
    message = f"{logical} with {filters} filters exceeds the limit of {limit} conditions"
    return Breach(Code.TOO_MANY_CONDITIONS, message, limit)


def too_many_values(what: str, values: int | None, limit: int) -> Breach:
    """`what` (`$in`, a list) with `values` values over `max_in_values`; None
    when reading stopped at the first value over the limit."""
    count = f"{limit + 1} or more" if values is None else str(values)
    return Breach(Code.TOO_MANY_VALUES, f"{what} with {count} values exceeds the limit of {limit}", limit)


def string_too_long(length: int, limit: int) -> Breach:
    """A string operand of `length` characters over `max_string_length`: reported
    with the request's other problems, not alone."""
    return Breach(Code.STRING_TOO_LONG, f"string of {length} characters exceeds the limit of {limit}", limit)


def too_many_sort_keys(keys: int, limit: int) -> Breach:
    """A sort of `keys` keys over `max_sort_keys`."""
    return Breach(Code.TOO_MANY_SORT_KEYS, f"{keys} sort keys exceed the limit of {limit}", limit)


def cursor_too_long(length: int, limit: int) -> Breach:
    """A cursor of `length` characters over `max_cursor_length`."""
    return Breach(Code.CURSOR_TOO_LONG, f"cursor of {length} characters exceeds the limit of {limit}", limit)
