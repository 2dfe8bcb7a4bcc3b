"""A scoped parse (SPEC §8) against an unscoped one and against the old workaround.

Each request is one group with four methods, side by side in one run:

- `unscoped`: `schema.parse(body)`, no scope: the floor;
- `scope_node`: `schema.parse(body, scope=node)` with the tenant's scope parsed once;
- `scope_dict`: `schema.parse(body, scope={"tenant_id": ...})`, the scope parsed per request;
- `workaround`: what applications did before scopes (issue 12): parse the body with
  the public schema (for the client's errors), then parse `{"$and": [scope, filter]}`
  again with an internal copy of the schema in which `tenant_id` is visible.

Every method also computes the cursor fingerprint, which a page with cursors needs.

    python -m pytest benchmarks/bench_scope.py --benchmark-only -q            # the figures
    python -m pytest benchmarks/bench_scope.py --benchmark-disable -q         # the methods agree
    python -m benchmarks.bench_scope                                          # the ratio table
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from stream_filters import Field, FieldType, Op, Query
from stream_filters.schema import QUERY_MEMBERS

TENANT = Field("tenant_id", FieldType.STRING, frozenset({Op.EQ, Op.IN}), hidden=True)
SCOPED = dataclasses.replace(QUERY_MEMBERS, fields=(*QUERY_MEMBERS.fields, TENANT))
INTERNAL = dataclasses.replace(SCOPED, fields=(*QUERY_MEMBERS.fields, dataclasses.replace(TENANT, hidden=False)))
SCOPE = {"tenant_id": "tenant-0042"}
SCOPE_NODE = SCOPED.parse_scope(SCOPE)

REQUESTS: dict[str, dict[str, Any]] = {
    "page": {"limit": 25},
    "sorted": {"sort": [{"field": "updated_at", "direction": -1}], "limit": 50},
    "filtered": {
        "filter_conditions": {
            "role": {"$in": ["host", "admin"]},
            "created_at": {"$gte": "2024-01-01T00:00:00Z"},
            "$or": [{"custom.vip": True}, {"custom.score": {"$gt": 50}}],
        },
        "sort": [{"field": "created_at", "direction": 1}],
        "limit": 25,
    },
}


def unscoped(body: dict[str, Any]) -> Query:
    return SCOPED.parse(body)


def scope_node(body: dict[str, Any]) -> Query:
    return SCOPED.parse(body, scope=SCOPE_NODE)


def scope_dict(body: dict[str, Any]) -> Query:
    return SCOPED.parse(body, scope=SCOPE)


def workaround(body: dict[str, Any]) -> Query:
    client = SCOPED.parse(body)  # the client's errors, against the public fields
    internal = {**body, "filter_conditions": {"$and": [SCOPE, body.get("filter_conditions", {})]}}
    return dataclasses.replace(INTERNAL.parse(internal), schema=client.schema)


METHODS: dict[str, Callable[[dict[str, Any]], Query]] = {
    "unscoped": unscoped,
    "scope_node": scope_node,
    "scope_dict": scope_dict,
    "workaround": workaround,
}


def _run(method: Callable[[dict[str, Any]], Query], body: dict[str, Any]) -> str:
    return method(body).fingerprint


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("request_name", list(REQUESTS))
def test_scoped_parse(benchmark: Any, request_name: str, method: str) -> None:
    benchmark.group = f"scope: {request_name}"
    body = REQUESTS[request_name]
    query = METHODS[method](body)
    scoped = scope_node(body)
    if method != "unscoped":
        assert query.where == scoped.where  # every scoped method runs the same rows
    benchmark(_run, METHODS[method], body)


def _time(function: Callable[[], object], rounds: int = 5, number: int = 2000) -> float:
    """Best of `rounds` mean times, in µs."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def main() -> None:
    print("| request | unscoped µs | scope_node | scope_dict | workaround (parse twice) |")
    print("|---|---|---|---|---|")
    for name, body in REQUESTS.items():
        times = {m: _time(partial(_run, METHODS[m], body)) for m in METHODS}
        floor = times["unscoped"]
        ratios = " | ".join(f"{times[m]:.1f} µs ({times[m] / floor:.2f}×)" for m in list(METHODS)[1:])
        print(f"| {name} | {floor:.1f} | {ratios} |")


if __name__ == "__main__":
    main()
