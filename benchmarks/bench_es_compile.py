"""Elasticsearch compile time per corpus request, side by side with its peers.

For each request of the shared corpus (benchmarks/corpus.py):

- `compile`: `compile_search(query)`: parsed `Query` -> search body (filter,
  sort, size), what `paginate` does once per page;
- `parse+compile`: from the request dict, as an API server runs it;
- `dsl`: the same body built as `elasticsearch.dsl` objects and serialised
  (`Search.from_dict(body).to_dict()`): what the official DSL costs for it;
- `json`: `json.dumps(body)`, the floor every client pays to send it.

Run:
  python -m pytest benchmarks/bench_es_compile.py -o python_files='bench_*.py' --benchmark-group-by=param:case
  python -m benchmarks.bench_es_compile        # the table with ratios (methods interleaved)
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from elasticsearch.dsl import Search

from benchmarks.corpus import CORPUS, CorpusRequest
from stream_filters import BUILTIN_SCHEMAS
from stream_filters.elasticsearch import compile_search


def methods(case: CorpusRequest) -> dict[str, Callable[[], Any]]:
    schema = BUILTIN_SCHEMAS[case.endpoint]
    query = schema.parse(case.request)
    body = compile_search(query)
    return {
        "compile": lambda: compile_search(query),
        "parse+compile": lambda: compile_search(schema.parse(case.request)),
        "dsl": lambda: Search.from_dict(body).to_dict(),
        "json": lambda: json.dumps(body),
    }


@pytest.mark.parametrize("method", ["compile", "parse+compile", "dsl", "json"])
@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_es_compile(benchmark: Any, case: CorpusRequest, method: str) -> None:
    benchmark(methods(case)[method])


def _time(fn: Callable[[], Any], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - start) / loops * 1e6


def table(rounds: int = 15, loops: int = 300) -> str:
    names = ["compile", "parse+compile", "dsl", "json"]
    lines = [
        "| request | compile µs | parse+compile µs | dsl µs | json µs | compile / dsl | compile / json |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ratios_dsl, ratios_json = [], []
    gc.disable()
    try:
        for case in CORPUS:
            fns = methods(case)
            samples: dict[str, list[float]] = {name: [] for name in names}
            for _ in range(rounds):
                for name in names:  # interleaved, so drift hits every method alike
                    samples[name].append(_time(fns[name], loops))
            best = {name: statistics.median(samples[name]) for name in names}
            ratios_dsl.append(best["compile"] / best["dsl"])
            ratios_json.append(best["compile"] / best["json"])
            lines.append(
                f"| {case.name} | {best['compile']:.1f} | {best['parse+compile']:.1f} | {best['dsl']:.1f} "
                f"| {best['json']:.1f} | {ratios_dsl[-1]:.2f} | {ratios_json[-1]:.2f} |"
            )
    finally:
        gc.enable()
    lines.append(f"| **median** | | | | | {statistics.median(ratios_dsl):.2f} | {statistics.median(ratios_json):.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
