"""Keyword keys order exactly as the values they encode (what makes keyword ranges exact)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_filters.elasticsearch import keys

numbers = st.one_of(
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 0, 1, -1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 0.1, 2.0**53, 5e-324, -5e-324, 1.7976931348623157e308, -1e-9]),
)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


@settings(max_examples=400)
@given(numbers, numbers)
def test_number_keys_compare_as_the_numbers(a: int | float, b: int | float) -> None:
    ka, kb = _utf8(keys.number_key(a)), _utf8(keys.number_key(b))
    assert (ka < kb) == (Fraction(a) < Fraction(b))
    assert (ka == kb) == (Fraction(a) == Fraction(b))


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        (2**53, 2**53 + 1),
        (2.0**53, 2**53 + 1),
        (-(2**53) - 1, -(2.0**53)),
        (0.5, 0.55),
        (-0.55, -0.5),
        (-1, -0.0),
        (0, 5e-324),
        (9, 10),
        (-10, -9),
        (0.1, 0.30000000000000004),
    ],
)
def test_number_key_table(smaller: float, larger: float) -> None:
    assert keys.number_key(smaller) < keys.number_key(larger)


@pytest.mark.parametrize(("a", "b"), [(1, 1.0), (0, -0.0), (2**53, 2.0**53), (-3, -3.0)])
def test_equal_numbers_have_equal_keys(a: float, b: float) -> None:
    assert keys.number_key(a) == keys.number_key(b)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True])
def test_number_key_refuses_non_numbers(bad: float) -> None:
    with pytest.raises((ValueError, TypeError)):
        keys.number_key(bad)


instants = st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=st.just(UTC))


@given(instants, instants)
def test_datetime_keys_compare_as_instants(a: datetime, b: datetime) -> None:
    assert (keys.datetime_key(a) < keys.datetime_key(b)) == (a < b)
    assert len(keys.datetime_key(a)) == len(keys.datetime_key(b))


def test_datetime_key_is_the_instant_not_the_offset() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert keys.datetime_key(datetime(2024, 1, 1, 2, tzinfo=plus_two)) == keys.datetime_key(
        datetime(2024, 1, 1, tzinfo=UTC)
    )
    with pytest.raises(ValueError, match="naive"):
        keys.datetime_key(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("value", "key"),
    [("red", "a.b:s:red"), (True, "a.b:b:true"), (False, "a.b:b:false"), (1, "a.b:n:250011"), (1.0, "a.b:n:250011")],
)
def test_custom_keys_carry_path_and_type(value: keys.Scalar, key: str) -> None:
    assert keys.custom_key("a.b", value) == key
    tag = keys.scalar_tag(value)
    assert keys.custom_prefix("a.b", tag) <= key < keys.custom_end("a.b", tag)


def test_one_path_range_never_reaches_another_path() -> None:
    for other in ("a", "a.bc", "a.b.c", "a-b"):
        for tag in "snb":
            key = keys.custom_key(other, {"s": "x", "n": 1, "b": True}[tag])
            assert not keys.custom_prefix("a.b", tag) <= key < keys.custom_end("a.b", tag)
