"""`$autocomplete` and `$q` agree with Python's lower-casing and word
splitting on Unicode data in every dialect, and σ/ς operands are refused
where the regular expressions cannot be exact."""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import FilterError
from stream_filters.operators import fold, words
from tests.schemas import ALL_TYPES
from tests.sql.harness import get_store

_CASED = [chr(c) for c in range(0x41, 0x1E944) if chr(c).lower() != chr(c) or chr(c).upper() != chr(c)]
_SPECIAL = [
    "İ", "ı", "i\u0307", "K", "k", "K", "ǅ", "Ǆ", "ǆ", "ß", "ẞ", "ﬁ", "Ω", "ω", "Ω", "ꭰ", "Ꭰ", "ა", "Ა",
    "𐐀", "𐐨", "e\u0301", "É", "Σ", "ΑΣ", "ΑΣΑ", "σ", "ς", "Ⅻ", "ⅻ", "①", "Ⓐ", "ⓐ", "½", "٣", "_", "%", "\\",
]  # fmt: skip
VALUES = sorted(
    {*_CASED[::23], *_SPECIAL, *(s + "x" for s in _SPECIAL), *("a " + s + "!b" for s in _SPECIAL), "İstanbul x"}
)


def _rows() -> list[dict[str, Any]]:
    return [{"id": f"v{i:04d}", "name": value} for i, value in enumerate(VALUES)]


def _operands() -> list[str]:
    out: set[str] = set()
    for value in VALUES:
        for text in (value[:1], value[:2], value):
            out.update({text, text.upper(), text.lower(), text.title()})
    return sorted(o for o in out if o.strip() and not any(c in "σς" for c in fold(o)))


def _ids(page: Any) -> list[str]:
    return [item["id"] for item in page.items]


def _query(store: Any, condition: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    body: dict[str, Any] = {"filter_conditions": {"name": condition}, "sort": [{"field": "id", "direction": 1}]}
    page = store.page({**body, "limit": 50})
    ids += _ids(page)
    while page.next:
        page = store.page({**body, "limit": 50, "next": page.next})
        ids += _ids(page)
    return ids


def test_autocomplete_matches_python_lowering(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    rows = _rows()
    store.load(rows)
    wrong = []
    for operand in _operands():
        expected = [r["id"] for r in rows if fold(r["name"]).startswith(fold(operand))]
        got = _query(store, {"$autocomplete": operand})
        if got != expected:
            wrong.append((operand, got, expected))
    assert not wrong, wrong[:5]


def test_q_matches_python_words(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    rows = _rows()
    store.load(rows)
    wrong = []
    for operand in _operands():
        wanted = words(operand)
        if not wanted:
            continue
        expected = [r["id"] for r in rows if set(wanted) <= set(words(r["name"]))]
        got = _query(store, {"$q": operand})
        if got != expected:
            wrong.append((operand, got, expected))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("condition", [{"$autocomplete": "Σ"}, {"$q": "ΑΣ"}, {"$autocomplete": "ας"}])
def test_sigma_is_exact_on_sqlite_and_refused_elsewhere(dialect: str, condition: dict[str, Any]) -> None:
    store = get_store(dialect, ALL_TYPES)
    rows = _rows()
    store.load(rows)
    operand = next(iter(condition.values()))
    if dialect == "sqlite":
        if "$q" in condition:
            expected = [r["id"] for r in rows if set(words(operand)) <= set(words(r["name"]))]
        else:
            expected = [r["id"] for r in rows if fold(r["name"]).startswith(fold(operand))]
        assert expected
        assert _query(store, condition) == expected
    else:
        with pytest.raises(FilterError) as err:
            _query(store, condition)
        assert err.value.codes == ["unsupported"]
