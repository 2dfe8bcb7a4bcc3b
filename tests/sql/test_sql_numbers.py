"""Numbers in `custom.*` compare exactly on every dialect (SPEC §3: 1 equals
1.0, integers compare exactly), at any magnitude, or the condition is refused
as `unsupported` where a dialect cannot (docs/sql.md, "Exact numbers").

The reference is the memory backend over the rows as the database reads them
back: jsonb keeps a float written with an exponent as the integer it denotes
(`1.152921504606847e+18` becomes 1152921504606847000), and that is the value
PostgreSQL holds and returns. `test_only_jsonb_rewrites_numbers` pins that
this is the one rewrite.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from stream_filters import FilterError, memory
from tests.schemas import ALL_TYPES
from tests.sql.harness import get_store, walk

F60 = float(2**60)  # 1.152921504606847e18, whose exact value is 2^60

# (stored custom.n, condition, dialects that refuse it): both directions of
# the cases the differential fuzz of issue 13 found.
CASES: list[tuple[int | float, dict[str, Any], frozenset[str]]] = [
    # PostgreSQL bound F60 as 1152921504606847000. (jsonb also stores the float
    # F60 so, as an integer: compared, like memory, as it reads back.)
    (2**60, {"$eq": F60}, frozenset()),
    (2**60, {"$gte": F60}, frozenset()),
    (2**60, {"$lt": F60}, frozenset()),
    (F60, {"$eq": 2**60}, frozenset()),
    (F60, {"$gte": 2**60}, frozenset()),
    (F60, {"$lt": 2**60}, frozenset()),
    (F60, {"$gt": 2**60 - 1}, frozenset()),
    (F60, {"$lt": 2**60 + 1}, frozenset()),
    (2**60 + 1, {"$gt": F60}, frozenset()),
    (-(2**63), {"$eq": -float(2**63)}, frozenset()),
    (-float(2**63), {"$eq": -(2**63)}, frozenset()),
    (-float(2**63), {"$gt": -(2**63)}, frozenset()),
    (2**63, {"$eq": float(2**63)}, frozenset()),
    (2**63, {"$gt": 2**63 - 1}, frozenset()),
    (float(2**63), {"$gt": 2**63 - 1}, frozenset()),
    # MariaDB made `$gt 1e19` a constant (1e19 is beyond 64 bits) though it
    # reads JSON integers as DECIMAL(65,0).
    (10**20, {"$gt": 1e19}, frozenset()),
    (10**20, {"$lt": 1e19}, frozenset()),
    (10**20, {"$eq": 1e20}, frozenset()),
    (10**20 + 1, {"$gt": 1e20}, frozenset()),
    (10**20 + 1, {"$in": [1e20, 1]}, frozenset()),
    (1e20, {"$gt": 2**63 - 1}, frozenset()),
    (1e19, {"$lt": 2**63 - 1}, frozenset()),
    # SQLite read integers beyond 64 bits as REAL: 2^64 + 1 became 2^64.
    (2**64 + 1, {"$eq": float(2**64)}, frozenset()),
    (2**64 + 1, {"$gt": float(2**64)}, frozenset()),
    (2**64 + 1, {"$in": [float(2**64)]}, frozenset()),
    (-(2**63) - 1, {"$lt": -(2**63)}, frozenset()),
    (-(2**63) - 1, {"$eq": -float(2**63)}, frozenset()),
    (float(2**64), {"$gt": 2**63 - 1}, frozenset()),
    # Floats far beyond DECIMAL(65,0): MariaDB refuses them.
    (10**300, {"$gt": 1e300}, frozenset({"mysql"})),
    (1e300, {"$eq": 1e300}, frozenset({"mysql"})),
    (1.7976931348623157e308, {"$gt": 2**63 - 1}, frozenset()),
]


def _ids(dialect: str, rows: list[dict[str, Any]], condition: dict[str, Any]) -> list[str] | None:
    """The ids SQL returns for `custom.n condition`, None when it refuses as `unsupported`."""
    store = get_store(dialect, ALL_TYPES)
    body = {"filter_conditions": condition, "sort": [{"field": "id", "direction": 1}], "limit": 50}
    try:
        return [item["id"] for page in walk(store, body) for item in page.items]
    except FilterError as exc:
        assert exc.codes == ["unsupported"], exc.to_dict()
        assert exc.problems[0].path[:1] == ("filter_conditions",)
        return None


def _load(dialect: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Load `rows`; the rows as the database reads them back."""
    store = get_store(dialect, ALL_TYPES)
    store.load(rows)
    with store.connection.begin():
        held = dict(store.connection.execute(sa.select(store.table.c.id, store.table.c.custom)).all())
    return [{**row, "custom": held[row["id"]]} for row in rows]


def _jsonb(value: Any) -> Any:
    """What jsonb keeps of a float Python writes with an exponent: the integer it denotes."""
    if isinstance(value, float) and "e+" in repr(value):
        return int(Decimal(repr(value)))
    if isinstance(value, list):
        return [_jsonb(v) for v in value]
    return value


def _expected(rows: list[dict[str, Any]], condition: dict[str, Any]) -> list[str]:
    query = ALL_TYPES.parse({"filter_conditions": condition})
    return sorted(row["id"] for row in memory.filter_rows(query.where, rows))


@pytest.mark.parametrize(("stored", "condition", "refused_on"), CASES, ids=lambda v: repr(v)[:40])
def test_exact_numbers(
    dialect: str, stored: int | float, condition: dict[str, Any], refused_on: frozenset[str]
) -> None:
    rows = [{"id": "u", "custom": {"n": stored}}]
    held = _load(dialect, rows)
    got = _ids(dialect, rows, {"custom.n": condition})
    if dialect in refused_on:
        assert got is None, "expected unsupported"
    else:
        assert got == _expected(held, {"custom.n": condition})
        if isinstance(stored, int) or dialect != "postgresql":
            assert got == _expected(rows, {"custom.n": condition})


# -- a differential walk concentrated on the edges ----------------------------------

_INT_EDGES = [2**53, 2**60, 2**63 - 1, 2**63, 2**64, 10**20, 10**300]
_INTS = sorted({s * (e + d) for e in _INT_EDGES for d in (-1, 0, 1) for s in (1, -1)} | {0, 1})
_FLOAT_EDGES = [0.1, 1e16, 1e19, 1e23, 1e300, 1.7976931348623157e308, 5e-324, *map(float, _INT_EDGES)]
_FLOATS = sorted(
    {
        s * v
        for e in _FLOAT_EDGES
        for v in (math.nextafter(e, 0), e, math.nextafter(e, math.inf))
        for s in (1.0, -1.0)
        if math.isfinite(v)
    }
)
_VALUES: list[int | float] = [*_INTS, *_FLOATS]
_OPERANDS: list[int | float] = [*(i for i in _INTS if -(2**63) <= i < 2**63), *_FLOATS]

# Where a dialect may refuse: MariaDB beyond DECIMAL(65,0); the others never.
_MAY_REFUSE = {"sqlite": 0.0, "postgresql": 0.0, "mysql": 1e65}


def _conditions(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for operand in _OPERANDS:
        for op in ("$eq", "$gt", "$gte", "$lt", "$lte", "$ne"):
            out.append({"custom.n": {op: operand}})
    for _ in range(60):
        values = rng.sample(_OPERANDS, 3)
        out.append({"custom.n": {rng.choice(["$in", "$nin"]): values}})
        out.append({"custom.list": {"$contains": values[0]}})
    return out


def test_edges_differential(dialect: str) -> None:
    rng = random.Random(13)
    rows = [
        {"id": f"r{i:03d}", "custom": {"n": value, "list": rng.sample(_VALUES, 2)}} for i, value in enumerate(_VALUES)
    ]
    held = _load(dialect, rows)
    wrong, refused = [], 0
    for condition in _conditions(13):
        got = _ids(dialect, rows, condition)
        operands = next(iter(condition.values()))
        values = next(iter(operands.values()))
        if got is None:
            refused += 1
            largest = max(abs(v) for v in (values if isinstance(values, list) else [values]))
            assert _MAY_REFUSE[dialect] and largest >= _MAY_REFUSE[dialect], condition
        elif got != _expected(held, condition):
            wrong.append((condition, got, _expected(held, condition)))
    assert not wrong, wrong[:5]
    assert refused < len(_conditions(13)) // 2, refused  # refusals stay the exception


def test_columns_at_their_edges(dialect: str) -> None:
    """`integer` (BIGINT) and `number` columns hold values at the edges of their
    types; every float and integer operand compares as in memory."""
    int64 = [i for i in _INTS if -(2**63) <= i < 2**63]
    numbers = [*int64, *(f for f in _FLOATS if abs(f) < 2**63)] if dialect != "mysql" else _FLOATS
    rows = [{"id": f"c{i:03d}", "count": int64[i % len(int64)], "score": v} for i, v in enumerate(numbers)]
    stored = get_store(dialect, ALL_TYPES).load(rows)  # MariaDB keeps `number` as DOUBLE (docs/sql.md)
    wrong = []
    for operand in _OPERANDS:
        for field in ("count", "score"):
            for op in ("$eq", "$gt", "$gte", "$lt", "$lte"):
                condition = {field: {op: operand}}
                got = _ids(dialect, stored, condition)
                if got != _expected(stored, condition):
                    wrong.append((condition, got))
    assert not wrong, wrong[:5]


def test_only_jsonb_rewrites_numbers(dialect: str) -> None:
    rows = [{"id": f"r{i:03d}", "custom": {"n": v, "list": [v]}} for i, v in enumerate(_VALUES)]
    held = _load(dialect, rows)
    for row, back in zip(rows, held, strict=True):
        want = {k: _jsonb(v) for k, v in row["custom"].items()} if dialect == "postgresql" else row["custom"]
        assert back["custom"] == want and [type(v) for v in back["custom"].values()] == [
            type(v) for v in want.values()
        ], (row, back)
