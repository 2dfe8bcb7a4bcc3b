"""Hostile names and values: rejected by validation, or bound as parameters
and matched literally, on every dialect."""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import FilterError
from tests.schemas import ALL_TYPES
from tests.sql.harness import get_store

NASTY = [
    "'",
    "''; DROP TABLE x; --",
    '"',
    '" OR 1=1 --',
    "%",
    "_",
    "\\",
    "\\'",
    "a%b_c\\d",
    "$.a",
    '$."a"',
    "*/ SELECT 1 /*",
    "Ω\u202e",
    "😀'",
    "?",
    "%(x)s",
    ":name",
    "$1",
]
VALUES_WITH_NUL = ["a\x00b", "\x00"]


def _rows(values: list[str]) -> list[dict[str, Any]]:
    return [{"id": f"n{i:02d}", "name": v, "tags": [v], "custom": {"color": v, "n": i}} for i, v in enumerate(values)]


def _ids(store: Any, filter_conditions: dict[str, Any]) -> list[str]:
    page = store.page({"filter_conditions": filter_conditions, "sort": [{"field": "id", "direction": 1}], "limit": 50})
    return [item["id"] for item in page.items]


@pytest.mark.parametrize("value", NASTY)
def test_values_match_literally(dialect: str, value: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows([*NASTY, "plain"]))
    index = NASTY.index(value)
    me = f"n{index:02d}"
    assert _ids(store, {"name": value}) == [me]
    assert _ids(store, {"custom.color": value}) == [me]
    assert _ids(store, {"tags": {"$in": [value]}}) == [me]
    prefixed = [f"n{i:02d}" for i, v in enumerate(NASTY) if v.lower().startswith(value.lower())]
    assert _ids(store, {"name": {"$autocomplete": value}}) == prefixed
    assert _ids(store, {"custom.color": {"$autocomplete": value}}) == prefixed
    assert _ids(store, {"name": {"$gte": value, "$lte": value}}) == [me]


@pytest.mark.parametrize("value", VALUES_WITH_NUL)
def test_nul_in_operands(dialect: str, value: str) -> None:
    """PostgreSQL text cannot hold NUL, so no stored value has one there: the
    operand is rewritten exactly ("a\\0b" sorts after "a" and before "a\\x01")."""
    store = get_store(dialect, ALL_TYPES)
    stored = ["a", "a\x01", "b", ""] + ([] if dialect == "postgresql" else VALUES_WITH_NUL)
    store.load(_rows(stored))
    names = {f"n{i:02d}": v for i, v in enumerate(stored)}
    for op, test in (
        ("$eq", lambda v: v == value),
        ("$gt", lambda v: v > value),
        ("$gte", lambda v: v >= value),
        ("$lt", lambda v: v < value),
        ("$lte", lambda v: v <= value),
    ):
        expected = sorted(k for k, v in names.items() if test(v))
        assert _ids(store, {"name": {op: value}}) == expected, op
    assert _ids(store, {"name": {"$in": [value, "b"]}}) == sorted(k for k, v in names.items() if v in (value, "b"))


@pytest.mark.parametrize(
    "filter_conditions",
    [
        {"name'; --": "x"},
        {'custom.a"b': 1},
        {"custom.a'b": 1},
        {"custom.a b": 1},
        {"custom.a%": 1},
        {"custom.$x": 1},
        {"custom.a\x00": 1},
        {"custom.ä": 1},
        {"custom.a..b": 1},
        {"custom.": 1},
        {"näme": "x"},
        {"name": {"$where": "1"}},
    ],
)
def test_hostile_names_and_paths_are_rejected_before_sql(dialect: str, filter_conditions: dict[str, Any]) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows(["x"]))
    with pytest.raises(FilterError):
        _ids(store, filter_conditions)


def test_sort_field_injection_is_rejected(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    with pytest.raises(FilterError):
        store.page({"sort": [{"field": "id; DROP TABLE x", "direction": 1}]})
