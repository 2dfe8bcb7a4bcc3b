"""Numbers in `custom.*` and in numeric columns compare exactly on Django's
three databases, as on the SQL backend (SPEC §3.2; docs/sql.md "Exact
numbers"): the same cases, the same differential walk concentrated on the
edges (±2^53, ±2^63, 2^64, 10^20, 1e300, the largest double, an int and a
float of one value, neighbours one float step apart), and the same refusals
(`unsupported` with a path, only on MariaDB beyond DECIMAL(65,0)).

The reference is memory over the rows as Django reads them back (jsonb keeps
a float written with an exponent as the integer it denotes).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from stream_filters import FilterError, memory
from stream_filters.django.compiler import compile_filter as django_compile_filter
from stream_filters.django.vendors import VENDORS
from stream_filters.sql.compiler import compile_filter as sql_compile_filter
from stream_filters.sql.dialects import DIALECTS
from tests.backends import _django_mapping, _sql_mapping
from tests.django_orm.harness import Store, get_store
from tests.schemas import ALL_TYPES
from tests.sql.test_sql_numbers import _FLOATS, _INTS, _MAY_REFUSE, _OPERANDS, _VALUES, CASES, _conditions


def _ids(store: Store, condition: dict[str, Any]) -> list[str] | None:
    """The ids Django returns, every page walked; None when it refuses as `unsupported`."""
    body: dict[str, Any] = {"filter_conditions": condition, "sort": [{"field": "id", "direction": 1}], "limit": 50}
    found: list[str] = []
    try:
        page = store.page(body)
        found.extend(item["id"] for item in page.items)
        while page.next:
            page = store.page({**body, "next": page.next})
            found.extend(item["id"] for item in page.items)
    except FilterError as exc:
        assert exc.codes == ["unsupported"], exc.to_dict()
        assert exc.problems[0].path[:1] == ("filter_conditions",)
        return None
    return found


def _expected(rows: list[dict[str, Any]], condition: dict[str, Any]) -> list[str]:
    query = ALL_TYPES.parse({"filter_conditions": condition})
    return sorted(row["id"] for row in memory.filter_rows(query.where, rows))


@pytest.mark.parametrize(("stored", "condition", "refused_on"), CASES, ids=lambda v: repr(v)[:40])
def test_exact_numbers(alias: str, stored: int | float, condition: dict[str, Any], refused_on: frozenset[str]) -> None:
    store = get_store(alias, ALL_TYPES)
    rows = [{"id": "u", "custom": {"n": stored}}]
    held = store.load(rows)
    got = _ids(store, {"custom.n": condition})
    if alias in refused_on:
        assert got is None, "expected unsupported"
    else:
        assert got == _expected(held, {"custom.n": condition})
        if isinstance(stored, int) or alias != "postgresql":
            assert got == _expected(rows, {"custom.n": condition})


def test_edges_differential(alias: str) -> None:
    store = get_store(alias, ALL_TYPES)
    rng = random.Random(13)
    rows = [
        {"id": f"r{i:03d}", "custom": {"n": value, "list": rng.sample(_VALUES, 2)}} for i, value in enumerate(_VALUES)
    ]
    held = store.load(rows)
    conditions = _conditions(13)
    wrong, refused = [], 0
    for condition in conditions:
        got = _ids(store, condition)
        values = next(iter(next(iter(condition.values())).values()))
        if got is None:
            refused += 1
            largest = max(abs(v) for v in (values if isinstance(values, list) else [values]))
            assert _MAY_REFUSE[alias] and largest >= _MAY_REFUSE[alias], condition
        elif got != _expected(held, condition):
            wrong.append((condition, got, _expected(held, condition)))
    assert not wrong, wrong[:5]
    assert refused < len(conditions) // 2, refused  # refusals stay the exception


def test_columns_at_their_edges(alias: str) -> None:
    """`integer` (BigIntegerField) and `number` (FloatField: doubles on every
    database) columns at the edges of their types, every operand as in memory."""
    int64 = [i for i in _INTS if -(2**63) <= i < 2**63]
    store = get_store(alias, ALL_TYPES)
    rows = [{"id": f"c{i:03d}", "count": int64[i % len(int64)], "score": v} for i, v in enumerate(_FLOATS)]
    held = store.load(rows)
    wrong = []
    for operand in _OPERANDS:
        for field in ("count", "score"):
            for op in ("$eq", "$gt", "$gte", "$lt", "$lte"):
                condition = {field: {op: operand}}
                got = _ids(store, condition)
                if got != _expected(held, condition):
                    wrong.append((condition, got))
    assert not wrong, wrong[:5]


def _refusal(compile_one: Callable[[], object]) -> dict[str, Any] | None:
    try:
        compile_one()
    except FilterError as exc:
        return exc.to_dict()
    return None


@pytest.mark.parametrize(
    "condition",
    [{"$eq": 1e300}, {"$gt": -1e66}, {"$in": [1, 1e300]}, {"$contains": 1.7976931348623157e308}, {"$lte": 1e65}],
    ids=repr,
)
def test_the_sql_backends_refuse_the_same_conditions(condition: dict[str, Any]) -> None:
    """One decision (`sqlcore.numbers`): a condition is refused on a database by
    both SQL backends with the same error, or by neither. No database is
    needed: the refusal happens when the filter is compiled."""
    node = ALL_TYPES.parse({"filter_conditions": {"custom.n": condition}}).where
    for database in ("sqlite", "postgresql", "mysql"):
        sql = _refusal(lambda: sql_compile_filter(node, _sql_mapping(ALL_TYPES), DIALECTS[database]))  # noqa: B023
        django = _refusal(lambda: django_compile_filter(node, _django_mapping(ALL_TYPES), VENDORS[database]))  # noqa: B023
        assert django == sql, database
        if database == "mysql" and condition != {"$lte": 1e65}:
            assert sql is not None and sql["code"] == "unsupported", sql
            assert sql["problems"][0]["path"] == ["filter_conditions", "custom.n", next(iter(condition))]
        else:
            assert sql is None, (database, sql)
