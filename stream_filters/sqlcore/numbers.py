"""Numeric operands rewritten so a database compares exactly as Python does (SPEC §3).

A database holds a numeric expression in some `Domain` (an integer column, a
double, an exact decimal, a JSON number read one way or another); the
operand of `x op value` is rewritten for it, or the comparison is decided
without the database (every present value, or none), or — where no rewrite
is exact — refused (`Inexact`, turned into `unsupported` with the
condition's path by `refusal`).
"""

from __future__ import annotations

import math
from decimal import Decimal
from enum import Enum
from typing import Any, assert_never

from ..ast import Condition
from ..errors import Code, FilterError
from ..field_types import INT64_MAX, INT64_MIN
from ..operators import Op, Side, comparison


class Domain(Enum):
    """How a database compares a numeric expression with a bound Python number."""

    EXACT = "exact"  # compares integers and reals exactly as Python does (SQLite)
    DECIMAL = "decimal"  # exact when floats are bound as their exact Decimal value
    INT = "int"  # an integer column: float operands are rewritten to integers
    JSON_INTEGER = "json_integer"  # INT for JSON integers read as DECIMAL(65,0) (MariaDB)
    CALL = "call"  # JSON number text compared by Python (`sf_compare_numbers`, SQLite)
    FLOAT = "float"  # a double column: integer operands are rewritten to doubles


DECIMAL65_DIGITS = 65  # MariaDB reads a JSON integer as DECIMAL(65,0)
DECIMAL65_MAX = 10**DECIMAL65_DIGITS - 1
# Domains whose operands are bound as exact numerics (an int bound as INTEGER
# would overflow at 2^63).
DECIMALS = frozenset({Domain.DECIMAL, Domain.JSON_INTEGER})

# What a numeric rewrite can give: comparisons to run, or "every present value"
# (True) or "none" (False).
Terms = list[tuple[Op, Any]] | bool


class Inexact(ValueError):
    """A numeric operand this database cannot compare exactly (SPEC §3): the
    compiler refuses the condition as `unsupported` rather than answer differently."""


def refusal(cond: Condition, database: str, exc: Inexact) -> FilterError:
    """The `unsupported` error for a condition `database` cannot compare exactly."""
    return FilterError.single(
        Code.UNSUPPORTED,
        f"{cond.name} {cond.op} {cond.value!r} cannot be compared exactly on {database}: {exc}",
        ("filter_conditions", cond.name, str(cond.op)),
    )


def numeric_terms(op: Op, value: int | float, domain: Domain) -> Terms:
    """`x op value` for numbers `x` a database holds in `domain`, with the
    operand rewritten so the database compares exactly as Python does."""
    match domain:
        case Domain.EXACT | Domain.CALL:
            return [(op, value)]
        case Domain.DECIMAL:
            return [(op, exact_decimal(value))]
        case Domain.INT:
            return _integer_terms(op, value)
        case Domain.JSON_INTEGER:
            if abs(value) > DECIMAL65_MAX:
                raise Inexact("MariaDB reads JSON integers as DECIMAL(65,0), which holds none beyond 10^65")
            return _integer_terms(op, value, (-DECIMAL65_MAX, DECIMAL65_MAX))
        case Domain.FLOAT:
            return _float_terms(op, value)
        case _:
            assert_never(domain)


def _integer_terms(op: Op, value: int | float, bounds: tuple[int, int] = (INT64_MIN, INT64_MAX)) -> Terms:
    side, inclusive = comparison(op)
    if isinstance(value, float):
        if side is Side.EQUAL and not value.is_integer():
            return False
        # Integers above 2.5 are those at or above 3, integers at or below 2.5 those at or below 2.
        up = (side is Side.ABOVE) == inclusive
        value = math.ceil(value) if up else math.floor(value)
    if value > bounds[1]:
        return side is Side.BELOW
    if value < bounds[0]:
        return side is Side.ABOVE
    return [(op, int(value))]


def _float_terms(op: Op, value: int | float) -> Terms:
    side, _ = comparison(op)
    if isinstance(value, float):
        return [(op, value)]
    near = float(value)
    if int(near) == value:
        return [(op, near)]
    below, above = (math.nextafter(near, -math.inf), near) if near > value else (near, math.nextafter(near, math.inf))
    match side:
        case Side.EQUAL:
            return False
        case Side.ABOVE:
            return [(Op.GTE, above)]
        case Side.BELOW:
            return [(Op.LTE, below)]
        case _:
            assert_never(side)


def exact_decimal(value: int | float) -> int | Decimal:
    """A float as its exact binary value (PostgreSQL would round its text)."""
    return value if isinstance(value, int) else Decimal(value)


def from_decimal(value: Decimal) -> int | float:
    """An exact decimal back as the Python number it was stored from."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
