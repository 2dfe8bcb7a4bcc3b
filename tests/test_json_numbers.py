"""The library's JSON writer (SPEC §3.6): every float reads back as itself, and
one written by Python with an exponent becomes its exact value with a fraction
(what PostgreSQL's jsonb then holds); nothing else in the text changes."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from hypothesis import given
from hypothesis import strategies as st

from stream_filters.django import ExactFloatsEncoder
from stream_filters.json_numbers import dumps_json, positional_float, positional_floats
from stream_filters.sql import dumps_json as sql_dumps_json

FINITE = st.floats(allow_nan=False, allow_infinity=False)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | FINITE | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0**60, "1152921504606846976.0"),
        (-(2.0**63), "-9223372036854775808.0"),
        (1e16, "10000000000000000.0"),
        (1e20, "100000000000000000000.0"),
        (9007199254740993.0, "9007199254740992.0"),  # 2^53 + 1 is no float: Python reads 2^53
        (1.5, "1.5"),
        (1e-05, "1e-05"),  # jsonb keeps it as 0.00001, which reads back as the same float
        (-0.0, "-0.0"),
        (10**20, "100000000000000000000"),
        (2**53 + 1, "9007199254740993"),
    ],
)
def test_edge_values(value: float, text: str) -> None:
    assert dumps_json(value) == text
    assert json.loads(text) == value and type(json.loads(text)) is type(value)


@given(FINITE)
def test_every_float_is_positional_and_reads_back_as_itself(value: float) -> None:
    text = dumps_json(value)
    back = json.loads(text)
    assert isinstance(back, float) and back == value and math.copysign(1, back) == math.copysign(1, value)
    assert "e+" not in text and ("." in text or "e-" in text)
    if abs(value) >= 1e16:  # where Python writes an exponent: the float's exact value
        assert Decimal(text) == Decimal(value)


def test_largest_float_is_its_309_digits() -> None:
    largest = 1.7976931348623157e308
    text = positional_float(largest)
    assert len(text) == 309 + 2 and Decimal(text) == Decimal(largest) and float(text) == largest


@given(JSON)
def test_the_text_reads_back_as_the_value(value: Any) -> None:
    text = dumps_json(value)
    assert json.dumps(json.loads(text)) == json.dumps(value)  # ints stay ints, floats floats, exactly
    assert sql_dumps_json(value) == text


def test_strings_and_keys_are_left_alone() -> None:
    value = {"1e+300": ["1.5e+20", 'q"1e+5"', "\\", 2.0**60], "k": '\\"1e+7'}
    text = dumps_json(value)
    assert json.loads(text) == value
    assert text.count("e+") == 4  # the four in strings, none in numbers


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        ("[1e5, 1E5, 1.5e3, 2e+20, -0e5]", "[100000.0, 100000.0, 1500.0, 200000000000000000000.0, -0.0]"),
        ("[1e-5, 1.5e-300, 12, 1.0]", "[1e-5, 1.5e-300, 12, 1.0]"),  # negative exponents need nothing
        ("[1e400]", "[1e400]"),  # no float: left for the database to refuse
        ('{"a1e5": "x\\"1e5\\\\", "b": 1e5}', '{"a1e5": "x\\"1e5\\\\", "b": 100000.0}'),
    ],
)
def test_other_encoders_output(text: str, rewritten: str) -> None:
    assert positional_floats(text) == rewritten


def test_orjson_output() -> None:
    value = {"a": [1e300, 2.0**60, 1e-300, 1]}
    text = positional_floats(orjson.dumps(value).decode())
    assert "e+" not in text and "e3" not in text and json.loads(text) == value


class _Combined(ExactFloatsEncoder, DjangoJSONEncoder):
    pass


@given(JSON)
def test_django_encoder_writes_what_dumps_json_writes(value: Any) -> None:
    assert json.dumps(value, cls=ExactFloatsEncoder) == dumps_json(value)


def test_django_encoder_keeps_its_options_and_combines() -> None:
    value = {"b": [2.0**60, Decimal("1.5")], "a": 1e300}
    text = json.dumps(value, cls=_Combined, indent=2, sort_keys=True, separators=(",", ":"))
    assert text.startswith('{\n  "a":' + str(int(1e300)) + ".0,\n")
    assert json.loads(text) == {"a": 1e300, "b": [2.0**60, "1.5"]}
    assert "1152921504606846976.0" in text
    with pytest.raises(TypeError):
        json.dumps({1j}, cls=ExactFloatsEncoder)
