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

from ..errors import FilterError, Problem, format_path

MORE_INFO = "docs/server.md#errors"


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
        return cls(400, StreamCode.INPUT, str(error), error.problems)

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
