"""Errors as data: every bad input becomes a list of `Problem`s in one `FilterError`.

Codes are stable strings (documented in the README); messages are for humans and
may change. A path runs from the request root, so a client can point at the part
of its body that is wrong.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

PathPart = str | int
Path = tuple[PathPart, ...]

# A client can send a lone surrogate (JSON "\ud800", or undecodable bytes in
# argv); it cannot be encoded as UTF-8, so error bodies show U+FFFD instead.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_safe(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


class Code(StrEnum):
    """The stable problem codes. Each one names a single rule of the contract."""

    INVALID_JSON = "invalid_json"
    INVALID_TYPE = "invalid_type"
    UNKNOWN_KEY = "unknown_key"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_PATH = "invalid_path"
    UNKNOWN_OPERATOR = "unknown_operator"
    OPERATOR_NOT_ALLOWED = "operator_not_allowed"
    EXPECTED_OPERATOR = "expected_operator"
    MIXED_OPERATORS = "mixed_operators"
    EMPTY_CONDITION = "empty_condition"
    NULL_OPERAND = "null_operand"
    INVALID_OPERAND = "invalid_operand"
    INVALID_DATETIME = "invalid_datetime"
    EMPTY_LOGICAL = "empty_logical"
    NOT_SORTABLE = "not_sortable"
    DUPLICATE_SORT_FIELD = "duplicate_sort_field"
    INVALID_DIRECTION = "invalid_direction"
    INVALID_LIMIT = "invalid_limit"
    CONFLICTING_CURSORS = "conflicting_cursors"
    INVALID_CURSOR = "invalid_cursor"
    SYNTAX_ERROR = "syntax_error"
    TOO_DEEP = "too_deep"
    TOO_MANY_CONDITIONS = "too_many_conditions"
    TOO_MANY_VALUES = "too_many_values"
    STRING_TOO_LONG = "string_too_long"
    TOO_MANY_SORT_KEYS = "too_many_sort_keys"
    CURSOR_TOO_LONG = "cursor_too_long"
    REQUEST_TOO_LARGE = "request_too_large"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request."""

    code: Code
    message: str
    path: Path = ()
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": str(self.code),
            "message": _utf8_safe(self.message),
            "path": [_utf8_safe(p) if isinstance(p, str) else p for p in self.path],
        }
        if self.context:
            body["context"] = self.context
        return body

    def under(self, *prefix: PathPart) -> Problem:
        """The same problem seen from a parent: its path prefixed."""
        return Problem(self.code, self.message, (*prefix, *self.path), self.context)


class FilterError(ValueError):
    """The one exception raised for bad input; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("FilterError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._summary())

    @classmethod
    def single(cls, code: Code, message: str, path: Path = (), **context: Any) -> FilterError:
        return cls([Problem(code, message, path, context)])

    @property
    def codes(self) -> list[str]:
        return [str(p.code) for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        """A JSON body an API server can return with HTTP 400."""
        first = self.problems[0]
        return {
            "code": str(first.code),
            "message": _utf8_safe(self._summary()),
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json_text(self) -> str:
        """`to_dict()` as JSON text (`to_json` elsewhere is a JSON value, not text)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def _summary(self) -> str:
        lines = [f"{format_path(p.path)}: {p.message}" if p.path else p.message for p in self.problems]
        return "; ".join(lines)


def format_path(path: Path) -> str:
    """`filter_conditions.$and[1].created_at.$gt`: a path as people write it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """The closest valid name, for "did you mean" hints."""
    if len(name) > 64:  # fuzzy matching is quadratic; no real name is this long
        return None
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {c.lower(): c for c in choices}
    return lowered.get(name.lower())


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    hint = suggest(name, choices)
    return f" Did you mean '{hint}'?" if hint else ""


def describe(value: object) -> str:
    """A short, safe description of client input for messages.

    Never `repr()` client data: a deeply nested list would recurse and a huge
    string would flood the message.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return f"an array of {len(value)} item(s)"
    if isinstance(value, dict):
        return f"an object with {len(value)} key(s)"
    return f"a value of type {type(value).__name__}"


def json_type(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
