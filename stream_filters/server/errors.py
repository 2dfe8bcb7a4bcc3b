"""Errors as Stream's API returns them, with our problem list alongside.

Stream's official SDK decodes an error body into its `APIError` model and
needs every one of `code`, `message`, `StatusCode`, `details`, `duration` and
`more_info`: a body missing one surfaces as a bare `KeyError` in the client
instead of its `StreamApiException`. `exception_fields` (path -> message) is
part of that model too, so SDK users see our per-field messages without
parsing `problems`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from ..errors import FilterError, Path, Problem, format_path

MORE_INFO = "docs/server.md#errors"

# An error body echoes what the client sent (names in paths and messages), so
# its size is bounded whatever the request: at most MAX_PROBLEMS problems (the
# message counts the rest and names their codes), each message cut to MAX_MESSAGE characters and
# each name in a path to MAX_PATH_PART; codes and paths are always kept.
MAX_PROBLEMS = 50
MAX_MESSAGE = 300
MAX_PATH_PART = 64
MAX_PATH_LENGTH = 32


class StreamCode(IntEnum):
    """Stream's numeric error codes (the `code` of its error body)."""

    INTERNAL = -1
    ACCESS_KEY = 2
    INPUT = 4
    AUTHENTICATION = 5
    DOES_NOT_EXIST = 16
    NOT_ALLOWED = 17


@dataclass(frozen=True)
class ApiError(Exception):
    """A response the handler gives up with: HTTP status, Stream code, message, problems."""

    status: int
    code: StreamCode
    message: str
    problems: tuple[Problem, ...] = field(default=())

    @classmethod
    def from_filter_error(cls, error: FilterError) -> ApiError:
        problems = bounded(error.problems)
        message = _cut(str(FilterError(problems)), 4 * MAX_MESSAGE)
        rest = error.problems[MAX_PROBLEMS:]
        if rest:
            codes = ", ".join(sorted({str(p.code) for p in rest}))
            message += f"; and {len(rest)} more problem(s) not listed ({codes})"
        return cls(400, StreamCode.INPUT, message, problems)

    @classmethod
    def bad_input(cls, problems: Sequence[Problem]) -> ApiError:
        return cls.from_filter_error(FilterError(problems))

    def body(self, operation: str, duration: str) -> dict[str, Any]:
        return {
            "code": int(self.code),
            "message": f'{operation} failed with error: "{self.message}"',
            "StatusCode": self.status,
            "duration": duration,
            "more_info": MORE_INFO,
            "details": [],
            "exception_fields": {format_path(p.path) or "request": p.message for p in self.problems},
            "problems": [p.to_dict() for p in self.problems],
        }


def bounded(problems: Sequence[Problem]) -> tuple[Problem, ...]:
    """The problems as an error body shows them: counted, cut to size."""
    return tuple(
        Problem(p.code, _cut(p.message, MAX_MESSAGE), _short_path(p.path), _small_context(p.context))
        for p in problems[:MAX_PROBLEMS]
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_path(path: Path) -> Path:
    parts = path[:MAX_PATH_LENGTH]
    return tuple(_cut(p, MAX_PATH_PART) if isinstance(p, str) else p for p in parts)


def _small_context(context: dict[str, Any]) -> dict[str, Any]:
    """Context is the library's own data (limits, allowed names); drop any that grew large."""
    if not context:
        return context
    return context if len(repr(context)) <= 4 * MAX_MESSAGE else {}
