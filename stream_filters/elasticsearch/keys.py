"""Order-preserving keyword keys: the one comparison Elasticsearch does exactly.

Every filter and sort this backend emits compares `keyword` terms, and
Lucene orders keyword terms by their UTF-8 bytes, which is Unicode code point
order. So each value is written as a string whose byte order is the value's
order under SPEC §3:

- strings are themselves;
- numbers (int or float, any magnitude) are an exact decimal key: `1` and
  `1.0` have the same key, `2**53 + 1` sorts after `2**53` (a `double` field
  would round both to one value, and a `long` field cannot hold `0.5`);
- datetimes are fixed-width integer microseconds since the epoch;
- booleans are `false` < `true`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..timestamps import epoch_micros

# Microseconds are shifted to be positive for every instant from year -1200 to
# 9999, then written with a fixed width so that byte order is numeric order.
_MICROS_SHIFT = 10**17
_MICROS_WIDTH = 18
_EXPONENT_BIAS = 5000  # decimal exponents -4999..4999 are written as 0001..9999
_COMPLEMENT = str.maketrans("0123456789", "9876543210")

Scalar = str | int | float | bool


def number_key(value: int | float) -> str:
    """The key of a finite number: byte order is numeric order, equal numbers equal keys.

    `value = ±0.d1d2…dn × 10**e` with `d1 != 0` and `dn != 0` (exact: a float's
    decimal expansion is finite). Negative numbers start with "0", zero is "1",
    positive numbers start with "2", then the biased exponent, then the digits;
    negatives complement both so that larger magnitudes sort first, and end in
    "~" so that a shorter digit string sorts after its extensions.
    """
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers")
    exact = Decimal(value)
    if not exact.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if exact.is_zero():
        return "1"
    sign, digit_tuple, exponent = exact.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    stripped = len(digit_tuple) - len(digits)
    point = len(digits) + exponent + stripped
    if not -_EXPONENT_BIAS < point < _EXPONENT_BIAS:
        raise ValueError("number too large or too small to index (more than 4999 decimal digits)")
    biased = point + _EXPONENT_BIAS
    if sign == 0:
        return f"2{biased:04d}{digits}"
    return f"0{9999 - biased:04d}{digits.translate(_COMPLEMENT)}~"


def micros(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: datetime values must be timezone-aware")
    return epoch_micros(value)


def datetime_key(value: datetime) -> str:
    return f"{micros(value) + _MICROS_SHIFT:0{_MICROS_WIDTH}d}"


def boolean_key(value: bool) -> str:
    return "true" if value else "false"


TAGS = {str: "s", bool: "b", int: "n", float: "n"}


def scalar_tag(value: Scalar) -> str:
    """The type bracket of a custom value: `s` strings, `n` numbers, `b` booleans."""
    return TAGS[type(value)]


def scalar_key(value: Scalar) -> str:
    """The key of a JSON scalar within its type bracket."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return boolean_key(value)
    return number_key(value)


def custom_prefix(path: str, tag: str) -> str:
    """`path:tag:` starts every key of that path and type; `path:tag;` is just past them.

    Path segments are `[A-Za-z0-9_-]+` joined by dots, so ':' never occurs in
    a path and a prefix never starts another path's keys.
    """
    return f"{path}:{tag}:"


def custom_end(path: str, tag: str) -> str:
    return f"{path}:{tag};"


def custom_key(path: str, value: Scalar) -> str:
    return custom_prefix(path, scalar_tag(value)) + scalar_key(value)
