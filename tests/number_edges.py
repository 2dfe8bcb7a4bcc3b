"""Numbers at the edges that custom data and operands concentrate on (issue 13),
shared by the SQL and Django tests: ±2^53, ±2^60, ±2^63, 2^64, 10^20, 10^300
as integers and as floats, each with its neighbours one unit or one float
step apart, 0.1, 1e16, 1e19, 1e23, 1e300, 1.7976931348623157e308, 5e-324 and
-0.0."""

from __future__ import annotations

import json
import math
import random
from typing import Any

INT_EDGES = [2**53, 2**60, 2**63 - 1, 2**63, 2**64, 10**20, 10**300]
INTS = sorted({s * (e + d) for e in INT_EDGES for d in (-1, 0, 1) for s in (1, -1)} | {0, 1})
FLOAT_EDGES = [0.1, 1e16, 1e19, 1e23, 1e300, 1.7976931348623157e308, 5e-324, *map(float, INT_EDGES)]
FLOATS = sorted(
    {
        s * v
        for e in FLOAT_EDGES
        for v in (math.nextafter(e, 0), e, math.nextafter(e, math.inf))
        for s in (1.0, -1.0)
        if math.isfinite(v)
    }
)
# -0.0 on its own: a set keeps only one of 0.0 and -0.0.
VALUES: list[int | float] = [*INTS, *FLOATS, -0.0]
# Integer operands are limited to 64 bits (SPEC §3.2).
OPERANDS: list[int | float] = [*(i for i in INTS if -(2**63) <= i < 2**63), *FLOATS]


def conditions(seed: int, ops: tuple[str, ...] = ("$eq", "$gt", "$gte", "$lt", "$lte", "$ne")) -> list[dict[str, Any]]:
    """Every operand with every comparison, then random `$in`/`$nin` lists
    and `$contains` of `custom.list`."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = [{"custom.n": {op: operand}} for operand in OPERANDS for op in ops]
    for _ in range(60):
        values = rng.sample(OPERANDS, 3)
        out.append({"custom.n": {rng.choice(["$in", "$nin"]): values}})
        out.append({"custom.list": {"$contains": values[0]}})
    return out


def edge_rows(seed: int) -> list[dict[str, Any]]:
    """One row per edge value at `custom.n`, two more values in `custom.list`."""
    rng = random.Random(seed)
    return [
        {"id": f"r{i:03d}", "custom": {"n": value, "list": rng.sample(VALUES, 2)}} for i, value in enumerate(VALUES)
    ]


def json_number_text(value: Any) -> str:
    """`value` as JSON text that tells apart what a reader may see: an int from
    a float (`1` / `1.0`), every float exactly (shortest repr), -0.0 from 0.0."""
    return json.dumps(value, sort_keys=True)


def without_negative_zero(value: Any) -> Any:
    """What PostgreSQL keeps of `value`: NUMERIC has no -0.0, jsonb reads it back as 0.0."""
    if isinstance(value, float) and value == 0:
        return 0.0
    if isinstance(value, dict):
        return {k: without_negative_zero(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_negative_zero(v) for v in value]
    return value
