"""What the library's JSON writer (`dumps_json`, SPEC §3.6) costs per write of
custom data, side by side with its peers:

- `json.dumps`: SQLAlchemy's default `json_serializer` (floats with an
  exponent become integers in PostgreSQL's jsonb);
- `dumps_json`: `json.dumps` plus a regular-expression search, and the rewrite
  where a float has an exponent;
- `recursive`: the reference server's previous PostgreSQL writer, a Python
  walk formatting each float itself (kept here only as the "before");
- `orjson`: the floor of a C encoder.

Run:
  python -m pytest benchmarks/bench_json_writer.py -o python_files='bench_*.py' --benchmark-group-by=param:payload
  python -m benchmarks.bench_json_writer       # the table with ratios (methods interleaved)
"""

from __future__ import annotations

import gc
import json
import math
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
import pytest

from stream_filters.json_numbers import dumps_json

PAYLOADS: dict[str, Any] = {
    # What a call's custom data usually is: strings, small numbers, a list.
    "plain": {"color": "red", "level": 3, "ratio": 0.25, "tags": ["a", "b", "c"], "owner": {"id": "u-1", "age": 41}},
    # Strings that contain `1e5`-like text: the search finds a candidate, the rewrite changes nothing.
    "e-in-strings": {"note": "1e5 people", "ids": [f"id{i}e1" for i in range(8)], "n": 7},
    # Floats with an exponent, which the rewrite turns into exact digits.
    "big-floats": {"f60": 2.0**60, "big": 1e300, "xs": [1e16 * i for i in range(1, 9)], "name": "x"},
    # The largest custom data the server accepts is about 5 KiB: 200 mixed keys.
    "5KiB": {f"key{i}": (i * 0.5 if i % 3 else f"value {i}") for i in range(200)},
}


def _recursive(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_recursive(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_recursive(v) for v in value) + "]"
    if isinstance(value, float) and math.isfinite(value) and "e+" in repr(value):
        return format(Decimal(repr(value)), "f") + ".0"
    return json.dumps(value)


METHODS: dict[str, Callable[[Any], Any]] = {
    "json.dumps": json.dumps,
    "dumps_json": dumps_json,
    "recursive": _recursive,
    "orjson": orjson.dumps,
}


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_json_writer(benchmark: Any, payload: str, method: str) -> None:
    value = PAYLOADS[payload]
    benchmark(METHODS[method], value)


def _time(fn: Callable[[Any], Any], value: Any, loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn(value)
    return (time.perf_counter() - start) / loops * 1e6


def table(rounds: int = 15, loops: int = 2000) -> str:
    names = list(METHODS)
    lines = [
        "| payload | " + " | ".join(f"{n} µs" for n in names) + " | dumps_json / json.dumps | dumps_json / recursive |",
        "|---|" + "---:|" * (len(names) + 2),
    ]
    gc.disable()
    try:
        for payload, value in PAYLOADS.items():
            samples: dict[str, list[float]] = {name: [] for name in names}
            for _ in range(rounds):
                for name in names:  # interleaved, so drift hits every method alike
                    samples[name].append(_time(METHODS[name], value, loops))
            best = {name: statistics.median(samples[name]) for name in names}
            cells = " | ".join(f"{best[n]:.2f}" for n in names)
            lines.append(
                f"| {payload} | {cells} | {best['dumps_json'] / best['json.dumps']:.2f} "
                f"| {best['dumps_json'] / best['recursive']:.2f} |"
            )
    finally:
        gc.enable()
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
