"""The public strategies generate what they promise, for every schema."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_filters import Field, FieldType, FilterError, Limits, Op, Schema, SortKey, to_json
from stream_filters.ast import conditions
from stream_filters.parser import LOGICAL
from stream_filters.strategies import (
    filters,
    invalid_requests,
    is_row_of,
    requests,
    row_lists,
    rows,
    sorts,
)
from tests.schemas import SCHEMAS

# A user's own schema: few fields, tiny limits, a boolean and an integer tie-breaker.
TINY = Schema(
    name="tiny",
    fields=(
        Field("n", FieldType.INTEGER, frozenset({Op.EQ, Op.IN}), sortable=True),
        Field("flag", FieldType.BOOLEAN, frozenset({Op.EQ}), sortable=True),
        Field("meta", FieldType.CUSTOM, frozenset({Op.EXISTS})),
    ),
    tie_breaker="n",
    default_sort=(SortKey("flag", 1),),
    default_limit=2,
    max_limit=3,
    limits=Limits(max_depth=1, max_conditions=2, max_in_values=1, max_string_length=3, max_sort_keys=1),
)
ALL = {**SCHEMAS, TINY.name: TINY}
NAMES = sorted(ALL)


def _depth(obj: Any) -> int:
    if not isinstance(obj, dict):
        return 0
    return max((1 + max(map(_depth, v), default=0) for k, v in obj.items() if k in LOGICAL), default=0)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60)
@given(data=st.data())
def test_generated_requests_parse_and_round_trip(name: str, data: st.DataObject) -> None:
    schema = ALL[name]
    request = data.draw(requests(schema))
    query = schema.parse(request)
    assert query.limit <= schema.max_limit
    if schema is not TINY:  # a normalised body may need more depth or sort keys than TINY allows
        assert schema.parse(query.to_request()) == query


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60)
@given(data=st.data())
def test_filters_respect_the_bounds_given(name: str, data: st.DataObject) -> None:
    schema = ALL[name]
    body = data.draw(filters(schema, max_depth=2, max_conditions=4))
    node = schema.parse_filter(body)
    assert _depth(body) <= min(2, schema.limits.max_depth)
    assert len(list(conditions(node))) <= min(4, schema.limits.max_conditions)
    if schema is not TINY:
        assert schema.parse_filter(to_json(node)) == node


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=80)
@given(data=st.data())
def test_invalid_requests_are_rejected(name: str, data: st.DataObject) -> None:
    schema = ALL[name]
    with pytest.raises(FilterError):
        schema.parse(data.draw(invalid_requests(schema)))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=50)
@given(data=st.data())
def test_sorts_parse_with_the_tie_breaker_included(name: str, data: st.DataObject) -> None:
    schema = ALL[name]
    sort = data.draw(sorts(schema))
    query = schema.parse({"sort": sort})
    assert schema.tie_breaker in [k.field for k in query.sort]
    if sort:
        assert [k.to_json() for k in query.sort[: len(sort)]] == sort


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60)
@given(data=st.data())
def test_row_lists_fit_the_schema_with_unique_tie_breakers(name: str, data: st.DataObject) -> None:
    schema = ALL[name]
    drawn = data.draw(row_lists(schema, max_size=10))
    assert all(is_row_of(schema, row) for row in drawn)
    ties = [row[schema.tie_breaker] for row in drawn]
    assert None not in ties
    assert len({(type(t) is bool, t) for t in ties}) == len(ties)


def test_is_row_of_rejects_rows_of_the_wrong_types() -> None:
    schema = SCHEMAS["all_types"]
    bad = [
        {"id": 1},
        {"id": "x", "count": 1.5},
        {"id": "x", "count": True},
        {"id": "x", "created_at": datetime(2024, 1, 1)},
        {"id": "x", "tags": "a"},
        {"id": "x", "custom": [1]},
    ]
    assert [is_row_of(schema, row) for row in bad] == [False] * len(bad)
    assert is_row_of(schema, {"id": "x", "created_at": datetime(2024, 1, 1, tzinfo=UTC), "score": 1})


def test_boolean_tie_breakers_allow_at_most_two_rows() -> None:
    schema = Schema("b", (Field("b", FieldType.BOOLEAN, sortable=True),), "b", ())
    with pytest.raises(ValueError, match="at most 2"):
        row_lists(schema, min_size=3)


@settings(max_examples=100)
@given(rows(SCHEMAS["all_types"]))
def test_rows_use_every_kind_of_value(row: dict[str, Any]) -> None:
    schema = SCHEMAS["all_types"]
    assert is_row_of(schema, row)
    assert row["id"] is not None


def _coverage(strategy: st.SearchStrategy[Any], checks: dict[str, Any], tries: int) -> set[str]:
    """The labels of `checks` whose predicate held for at least one of `tries` examples."""
    seen: set[str] = set()

    @settings(max_examples=tries, database=None, derandomize=True)
    @given(strategy)
    def probe(value: Any) -> None:
        seen.update(label for label, predicate in checks.items() if predicate(value))

    probe()
    return seen


ALL_TYPES = SCHEMAS["all_types"]

ROW_CHECKS: dict[str, Any] = {
    "null": lambda r: "name" in r and r["name"] is None,
    "missing key": lambda r: "count" not in r,
    "case pair": lambda r: r.get("name") in ("É", "é", "ß", "SS", "İ", "i"),
    "non-BMP": lambda r: any(ord(c) > 0xFFFF for c in r.get("name") or ""),
    "combining mark": lambda r: "\u0301" in (r.get("name") or ""),
    "LIKE metacharacters": lambda r: any(c in (r.get("name") or "") for c in "%_\\"),
    "quotes": lambda r: any(c in (r.get("name") or "") for c in "'\""),
    "beyond 2**53": lambda r: isinstance(r.get("count"), int) and abs(r["count"]) > 2**53,
    "float": lambda r: type(r.get("score")) is float,
    "int number": lambda r: type(r.get("score")) is int,
    "nested custom": lambda r: any(isinstance(v, dict | list) for v in (r.get("custom") or {}).values()),
    "custom bool": lambda r: any(type(v) is bool for v in (r.get("custom") or {}).values()),
    "custom null": lambda r: any(v is None for v in (r.get("custom") or {}).values()),
    "microseconds": lambda r: r.get("created_at") is not None and r["created_at"].microsecond != 0,
    "empty array": lambda r: r.get("tags") == [],
}


def test_rows_cover_awkward_values() -> None:
    assert _coverage(rows(ALL_TYPES), ROW_CHECKS, 600) == set(ROW_CHECKS)


def _entries(f: Any) -> list[tuple[str, Any]]:
    """Every (field name, condition) in a filter, at any depth."""
    out: list[tuple[str, Any]] = []
    for key, value in f.items():
        if key in LOGICAL:
            for child in value:
                out.extend(_entries(child))
        else:
            out.append((key, value))
    return out


def _operands(f: Any) -> list[tuple[str, Any]]:
    return [(op, v) for _, c in _entries(f) if isinstance(c, dict) for op, v in c.items()]


FILTER_CHECKS: dict[str, Any] = {
    "$in []": lambda f: ("$in", []) in _operands(f),
    "shorthand": lambda f: any(not isinstance(c, dict) for _, c in _entries(f)),
    "nested": lambda f: _depth(f) >= 2,
    "empty": lambda f: f == {},
    "$exists": lambda f: any(op == "$exists" for op, _ in _operands(f)),
    "$q": lambda f: any(op == "$q" for op, _ in _operands(f)),
    "$autocomplete": lambda f: any(op == "$autocomplete" for op, _ in _operands(f)),
    "custom path": lambda f: any(k.startswith("custom.") for k, _ in _entries(f)),
    "nanoseconds": lambda f: any(isinstance(v, str) and re.search(r"\.\d{7,9}([Zz]|[+-])", v) for _, v in _operands(f)),
    "no fraction": lambda f: any(
        isinstance(v, str) and re.fullmatch(r"\S{10}.\d\d:\d\d:\d\d(Z|z)", v) for _, v in _operands(f)
    ),
    "offset": lambda f: any(
        isinstance(v, str) and re.search(r"T\S*[+-](05:30|14:00|23:59)$", v) for _, v in _operands(f)
    ),
    "mixed $in": lambda f: any(op == "$in" and len({type(x) for x in v}) > 1 for op, v in _operands(f)),
}


def test_filters_cover_the_language() -> None:
    assert _coverage(filters(ALL_TYPES), FILTER_CHECKS, 600) == set(FILTER_CHECKS)
