"""The benchmark corpus is usable: every request parses with its endpoint's schema."""

from __future__ import annotations

import pytest

from benchmarks.corpus import CORPUS, CorpusRequest
from stream_filters import BUILTIN_SCHEMAS, Query


def test_corpus_is_big_enough_and_covers_both_endpoints() -> None:
    assert len(CORPUS) >= 14
    assert {c.endpoint for c in CORPUS} == set(BUILTIN_SCHEMAS)


def test_corpus_names_are_unique() -> None:
    names = [c.name for c in CORPUS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_corpus_request_parses(case: CorpusRequest) -> None:
    query = BUILTIN_SCHEMAS[case.endpoint].parse(case.request)
    assert isinstance(query, Query)
    assert BUILTIN_SCHEMAS[case.endpoint].parse(query.to_request()).filter == query.filter
