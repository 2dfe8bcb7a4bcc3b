"""Golden search bodies for the benchmark corpus: a change to any body is a visible diff.

Regenerate after an intended change, then review the diff:

    python -m tests.elasticsearch.test_es_golden
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.corpus import CORPUS, CorpusRequest
from stream_filters import BUILTIN_SCHEMAS
from stream_filters.elasticsearch import compile_search, index_mapping
from tests.elasticsearch.dsl import assert_accepted

GOLDEN = Path(__file__).parent / "golden"


def _body(case: CorpusRequest) -> dict[str, Any]:
    return compile_search(BUILTIN_SCHEMAS[case.endpoint].parse(case.request))


def _mapping_file(endpoint: str) -> Path:
    return GOLDEN / f"mapping_{endpoint}.json"


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_corpus_body_matches_golden(case: CorpusRequest) -> None:
    body = _body(case)
    assert_accepted(body)
    stored = (GOLDEN / f"{case.name}.json").read_text(encoding="utf-8")
    assert _dump(body) == stored, f"regenerate with: python -m tests.elasticsearch.test_es_golden ({case.name})"


@pytest.mark.parametrize("endpoint", sorted(BUILTIN_SCHEMAS))
def test_index_mapping_matches_golden(endpoint: str) -> None:
    stored = _mapping_file(endpoint).read_text(encoding="utf-8")
    assert _dump(index_mapping(BUILTIN_SCHEMAS[endpoint])) == stored


def test_every_golden_file_belongs_to_a_corpus_request() -> None:
    expected = {f"{c.name}.json" for c in CORPUS} | {_mapping_file(e).name for e in BUILTIN_SCHEMAS}
    assert {p.name for p in GOLDEN.glob("*.json")} == expected


def regenerate() -> None:
    for old in GOLDEN.glob("*.json"):
        old.unlink()
    for case in CORPUS:
        (GOLDEN / f"{case.name}.json").write_text(_dump(_body(case)), encoding="utf-8")
    for endpoint, schema in BUILTIN_SCHEMAS.items():
        _mapping_file(endpoint).write_text(_dump(index_mapping(schema)), encoding="utf-8")


if __name__ == "__main__":
    regenerate()
