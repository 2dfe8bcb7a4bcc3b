"""Field types and the operands each accepts (SPEC §3).

Adding a field type: one `FieldType` member, one checker in `_CHECKERS`, and
what each backend does with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from .errors import Code, describe, json_type
from .timestamps import Instant, TimestampError

Scalar = str | int | float | bool
Value = Scalar | Instant

# Integer operands beyond 64 bits are refused: integer columns (SQL BIGINT,
# Elasticsearch long) hold none, and no SQL dialect binds one exactly. Stored
# custom data may hold larger integers; float operands reach them (docs/sql.md).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    STRING_ARRAY = "string_array"
    CUSTOM = "custom"


STRING_TYPES = frozenset({FieldType.STRING, FieldType.CUSTOM})
SORTABLE_TYPES = frozenset(
    {FieldType.STRING, FieldType.INTEGER, FieldType.NUMBER, FieldType.BOOLEAN, FieldType.DATETIME}
)


class OperandError(ValueError):
    """An operand that does not fit its field; carries the problem code."""

    def __init__(self, code: Code, message: str, **context: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.context = context


def _wrong(expected: str, value: object) -> OperandError:
    return OperandError(Code.INVALID_OPERAND, f"expected {expected}, got {json_type(value)} {describe(value)}")


def check_text(value: str) -> str:
    """`value`, unless it holds a lone surrogate (JSON `"\\ud800"`): UTF-8 cannot
    encode one, so no store, cursor or fingerprint could carry it."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise OperandError(Code.INVALID_OPERAND, "not valid Unicode: the string holds a lone surrogate") from None
    return value


def _string(value: object) -> Value:
    if not isinstance(value, str):
        raise _wrong("a string", value)
    return value if value.isascii() else check_text(value)


def _number(value: object) -> Value:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong("a number", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _wrong("a finite number", value)
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise OperandError(Code.INVALID_OPERAND, "integer out of range: operands must fit in 64 bits")
    return value


def _boolean(value: object) -> Value:
    if not isinstance(value, bool):
        raise _wrong("true or false (never 0 or 1)", value)
    return value


def _datetime(value: object) -> Value:
    if not isinstance(value, str):
        raise _wrong("an RFC 3339 timestamp string", value)
    try:
        return Instant.parse(value)
    except TimestampError as exc:
        raise OperandError(Code.INVALID_DATETIME, f"{describe(value)}: {exc}") from None


def _json_scalar(value: object) -> Value:
    if isinstance(value, list | tuple | dict):
        raise OperandError(
            Code.INVALID_OPERAND,
            f"expected a JSON scalar (string, number or boolean), got {json_type(value)}; "
            "arrays and objects in custom data are matched only by $exists",
        )
    if isinstance(value, str):
        return value if value.isascii() else check_text(value)
    if isinstance(value, bool):
        return value
    return _number(value)


CHECKERS: dict[FieldType, Callable[[object], Value]] = {
    FieldType.STRING: _string,
    FieldType.INTEGER: _number,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATETIME: _datetime,
    FieldType.STRING_ARRAY: _string,  # operands are elements
    FieldType.CUSTOM: _json_scalar,
}


def check_operand(field_type: FieldType, value: object) -> Value:
    """The AST value for a scalar operand of `field_type`, or OperandError."""
    return CHECKERS[field_type](value)
