"""Numbers in `custom.*` compare exactly on every dialect (SPEC §3: 1 equals
1.0, integers compare exactly), at any magnitude, or the condition is refused
as `unsupported` where a dialect cannot (docs/sql.md, "Exact numbers").

Rows are written through the library's writer (`dumps_json`, the harness's
`json_serializer`), so every store reads each custom number back as the JSON
number written (SPEC §3.6) and the reference is the memory backend over the
rows as sent. `test_other_writers_on_postgresql` pins what happens to rows
written by plain `json.dumps`: jsonb keeps a float written with an exponent as
the integer it denotes, and compares and returns that integer.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from stream_filters import FilterError, memory
from tests.number_edges import (
    FLOATS,
    INTS,
    OPERANDS,
    VALUES,
    conditions,
    edge_rows,
    json_number_text,
    without_negative_zero,
)
from tests.schemas import ALL_TYPES
from tests.sql.harness import URLS, get_store, walk

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
    """Load `rows` through the library's writer; the rows as the database reads them back."""
    store = get_store(dialect, ALL_TYPES)
    store.load(rows)
    return _read_back(dialect, rows)


def _read_back(dialect: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    store = get_store(dialect, ALL_TYPES)
    with store.connection.begin():
        held = dict(store.connection.execute(sa.select(store.table.c.id, store.table.c.custom)).all())
    return [{**row, "custom": held[row["id"]]} for row in rows]


def _as_written(dialect: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a store reads back of rows written by `dumps_json`: the same JSON
    numbers, except -0.0, which PostgreSQL's NUMERIC keeps as 0.0 (docs/sql.md)."""
    return [without_negative_zero(row) for row in rows] if dialect == "postgresql" else rows


def _assert_read_back_as_written(dialect: str, rows: list[dict[str, Any]], held: list[dict[str, Any]]) -> None:
    want = _as_written(dialect, rows)
    wrong = [
        (json_number_text(w["custom"]), json_number_text(h["custom"]))
        for w, h in zip(want, held, strict=True)
        if json_number_text(w["custom"]) != json_number_text(h["custom"])
    ]
    assert not wrong, wrong[:3]


def _jsonb(value: Any) -> Any:
    """What jsonb keeps of a float `json.dumps` writes with an exponent: the integer it denotes."""
    if isinstance(value, float) and "e+" in repr(value):
        return int(Decimal(repr(value)))
    if isinstance(value, list):
        return [_jsonb(v) for v in value]
    return without_negative_zero(value)


def _expected(rows: list[dict[str, Any]], condition: dict[str, Any]) -> list[str]:
    query = ALL_TYPES.parse({"filter_conditions": condition})
    return sorted(row["id"] for row in memory.filter_rows(query.where, rows))


@pytest.mark.parametrize(("stored", "condition", "refused_on"), CASES, ids=lambda v: repr(v)[:40])
def test_exact_numbers(
    dialect: str, stored: int | float, condition: dict[str, Any], refused_on: frozenset[str]
) -> None:
    rows = [{"id": "u", "custom": {"n": stored}}]
    _assert_read_back_as_written(dialect, rows, _load(dialect, rows))
    got = _ids(dialect, rows, {"custom.n": condition})
    if dialect in refused_on:
        assert got is None, "expected unsupported"
    else:
        assert got == _expected(rows, {"custom.n": condition})


# -- a differential walk concentrated on the edges (tests/number_edges.py) ------------

# Where a dialect may refuse: MariaDB beyond DECIMAL(65,0); the others never.
_MAY_REFUSE = {"sqlite": 0.0, "postgresql": 0.0, "mysql": 1e65}


def _differences(dialect: str, rows: list[dict[str, Any]], reference: list[dict[str, Any]]) -> tuple[list[Any], int]:
    """Conditions whose answer on `dialect` is not memory's over `reference`,
    and how many were refused (each only where `_MAY_REFUSE` allows)."""
    wrong, refused = [], 0
    for condition in conditions(13):
        got = _ids(dialect, rows, condition)
        operands = next(iter(condition.values()))
        values = next(iter(operands.values()))
        if got is None:
            refused += 1
            largest = max(abs(v) for v in (values if isinstance(values, list) else [values]))
            assert _MAY_REFUSE[dialect] and largest >= _MAY_REFUSE[dialect], condition
        elif got != _expected(reference, condition):
            wrong.append((condition, got, _expected(reference, condition)))
    assert refused < len(conditions(13)) // 2, refused  # refusals stay the exception
    return wrong, refused


def test_edges_differential(dialect: str) -> None:
    """Rows written by the library's writer: every store answers as memory does
    over the rows as sent, and reads each number back as written."""
    rows = edge_rows(13)
    _assert_read_back_as_written(dialect, rows, _load(dialect, rows))
    wrong, _ = _differences(dialect, rows, rows)
    assert not wrong, wrong[:5]


def test_columns_at_their_edges(dialect: str) -> None:
    """`integer` (BIGINT) and `number` columns hold values at the edges of their
    types; every float and integer operand compares as in memory."""
    int64 = [i for i in INTS if -(2**63) <= i < 2**63]
    numbers = [*int64, *(f for f in FLOATS if abs(f) < 2**63)] if dialect != "mysql" else FLOATS
    rows = [{"id": f"c{i:03d}", "count": int64[i % len(int64)], "score": v} for i, v in enumerate(numbers)]
    stored = get_store(dialect, ALL_TYPES).load(rows)  # MariaDB keeps `number` as DOUBLE (docs/sql.md)
    wrong = []
    for operand in OPERANDS:
        for field in ("count", "score"):
            for op in ("$eq", "$gt", "$gte", "$lt", "$lte"):
                condition = {field: {op: operand}}
                got = _ids(dialect, stored, condition)
                if got != _expected(stored, condition):
                    wrong.append((condition, got))
    assert not wrong, wrong[:5]


def test_custom_numbers_read_back_as_written(dialect: str) -> None:
    """Each value alone and in a list: the same JSON number back, int or float,
    exactly (SPEC §3.6)."""
    rows = [{"id": f"r{i:03d}", "custom": {"n": v, "list": [v]}} for i, v in enumerate(VALUES)]
    held = _load(dialect, rows)
    _assert_read_back_as_written(dialect, rows, held)
    assert {type(row["custom"]["n"]) for row in held} == {int, float}


def test_other_writers_on_postgresql() -> None:
    """Rows written by plain `json.dumps` (SQLAlchemy's default serializer):
    jsonb keeps a float written with an exponent as the integer it denotes
    (`1.152921504606847e+18` as 1152921504606847000), reads it back as that
    integer and compares it as that integer, exactly (docs/sql.md)."""
    store = get_store("postgresql", ALL_TYPES)  # skips, or fails in CI, without the server
    rows = edge_rows(13)
    plain = sa.create_engine(URLS["postgresql"])  # json_serializer left as json.dumps
    try:
        with plain.begin() as conn:
            conn.execute(store.table.delete())
            conn.execute(store.table.insert(), [{"id": row["id"], "custom": row["custom"]} for row in rows])
    finally:
        plain.dispose()
    held = _read_back("postgresql", rows)
    want = [{**row, "custom": {k: _jsonb(v) for k, v in row["custom"].items()}} for row in rows]
    assert [json_number_text(r["custom"]) for r in held] == [json_number_text(r["custom"]) for r in want]
    assert any(json_number_text(w) != json_number_text(r) for w, r in zip(want, rows, strict=True))
    wrong, _ = _differences("postgresql", rows, held)  # memory over what is stored agrees
    assert not wrong, wrong[:5]
    # ... memory over the rows as sent does not: the float 2^60 no longer equals 2^60.
    unlike_sent = {json.dumps(c): (got, want) for c, got, want in _differences("postgresql", rows, rows)[0]}
    (f60,) = [r["id"] for r in rows if r["custom"]["n"] == F60 and isinstance(r["custom"]["n"], float)]
    got, expected = unlike_sent[json.dumps({"custom.n": {"$eq": 2**60}})]
    assert f60 in expected and f60 not in got
