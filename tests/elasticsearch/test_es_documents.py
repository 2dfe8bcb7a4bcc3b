"""`document()` refuses every value the index cannot hold, and what it accepts the index keeps as the row had it.

Rows here hold anything a caller might pass: integers and numbers of any
size, non-finite floats, lone surrogates, strings over Lucene's term limit,
naive datetimes, values of the wrong type, custom data with non-string keys
and non-JSON values. Each row either makes `document()` raise ValueError
naming a field, or is indexed, on each engine, and read back by `paginate`
unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_filters import FieldType
from stream_filters.elasticsearch import document, paginate
from tests.elasticsearch.harness import normalised
from tests.schemas import ALL_TYPES

_strings = st.one_of(
    st.text(max_size=6),
    st.text(st.characters(categories=["Cs", "Lu", "Ll"]), max_size=3),
    st.sampled_from(["", "x" * 32766, "é" * 16384]),
)
_integers = st.one_of(st.integers(-(2**64), 2**64), st.sampled_from([2**63 - 1, -(2**63), 2**63, 10**400]))
_numbers = st.one_of(
    st.floats(),
    _integers,
    st.sampled_from([2**1023, 2**1024, -(2**1024) + 2**970, 1.7976931348623157e308]),
)
_datetimes = st.datetimes(timezones=st.one_of(st.just(UTC), st.none()))
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _strings, _datetimes)
_keys = st.one_of(st.sampled_from(["a", "b", "a b", "x" * 33000]), st.integers(0, 2), st.just("\udc00"))
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
    max_leaves=8,
)
VALUES: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.STRING: _strings,
    FieldType.INTEGER: _integers,
    FieldType.NUMBER: _numbers,
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATETIME: _datetimes,
    FieldType.STRING_ARRAY: st.lists(_strings, max_size=3),
    FieldType.CUSTOM: st.dictionaries(_keys, _json, max_size=4),
}
FIELDS = [f for f in ALL_TYPES.fields if f.name != "id"]


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in FIELDS:
        if draw(st.booleans()):
            wrong = draw(st.sampled_from(list(VALUES)))
            kind = wrong if draw(st.integers(0, 9)) == 0 else field.type
            row[field.name] = draw(VALUES[kind])
    return row


def _accepted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    for number, row in enumerate(rows):
        row = {"id": f"r{number:02d}", **row}
        try:
            document(ALL_TYPES, row)
        except ValueError as error:
            assert any(f"field {f.name!r}" in str(error) for f in ALL_TYPES.fields), error
            continue
        kept.append(row)
    return kept


@settings(max_examples=60)
@given(rows=st.lists(_rows(), min_size=1, max_size=8))
def test_what_document_accepts_the_index_keeps(engine: Any, rows: list[dict[str, Any]]) -> None:
    kept = _accepted(rows)
    with engine.indexed(ALL_TYPES, kept) as (client, index):
        page = paginate(ALL_TYPES.parse({"sort": [{"field": "id", "direction": 1}], "limit": 50}), client, index)
    assert [normalised(r) for r in page.items] == [normalised(r) for r in kept]


def test_the_refusals_are_reached() -> None:
    """The strategy above does reach the refusals (and acceptances) it is meant to check."""
    refused = [
        {"score": 10**400},
        {"count": 2**64},
        {"name": "\udc00"},
        {"custom": {0: 1}},
        {"custom": {"a": [float("nan")]}},
        {"created_at": datetime(2024, 1, 1)},
        {"tags": ["x" * 40000]},
    ]
    assert _accepted(refused) == []
