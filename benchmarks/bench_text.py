"""Text syntax parse time next to JSON parse time, per corpus filter.

For each filter of the shared corpus, three ways to the same validated AST:

- `text`: `parse_text(schema, to_text(ast))` (lark LALR + validation);
- `json`: `parse_filter(schema, json.loads(body))` from the JSON text;
- `dict`: `parse_filter(schema, obj)` from an already decoded object.

Run: python -m pytest benchmarks/bench_text.py -o python_files='bench_*.py' --benchmark-group-by=param:name
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from benchmarks.corpus import CORPUS, CorpusRequest
from stream_filters.parser import parse_filter
from stream_filters.schema import BUILTIN_SCHEMAS
from stream_filters.text import parse_text, to_text

FILTERS = [case for case in CORPUS if case.request.get("filter_conditions")]


def _parsers(case: CorpusRequest) -> dict[str, tuple[Any, Any]]:
    schema = BUILTIN_SCHEMAS[case.endpoint]
    obj = case.request["filter_conditions"]
    node = parse_filter(schema, obj)
    text = to_text(node)
    body = json.dumps(obj)
    assert parse_text(schema, text) == node
    return {
        "text": (parse_text, (schema, text)),
        "json": (lambda s, b: parse_filter(s, json.loads(b)), (schema, body)),
        "dict": (parse_filter, (schema, obj)),
    }


@pytest.mark.parametrize("syntax", ["text", "json", "dict"])
@pytest.mark.parametrize("name", [case.name for case in FILTERS])
def test_parse(benchmark: Any, name: str, syntax: str) -> None:
    case = next(c for c in FILTERS if c.name == name)
    function, args = _parsers(case)[syntax]
    benchmark.group = name
    benchmark(function, *args)
