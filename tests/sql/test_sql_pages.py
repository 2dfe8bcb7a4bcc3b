"""Keyset pages on every dialect: whole `next` walks visit every row once in
SPEC order, `prev` returns exactly the page before, with NULLs in leading
sort columns, mixed directions and repeated values."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stream_filters import FilterError
from tests.schemas import ALL_TYPES
from tests.sql.harness import get_store, reference_order, walk

_T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(23):
        rows.append(
            {
                "id": f"id{i:02d}" if i % 5 else f"ID{i:02d}",
                "name": [None, "a", "B", "a ", "é"][i % 5],
                "count": [None, 1, 2][i % 3],
                "score": [None, 0.5, -1.1976256334016142, 2**53, 0.1][i % 5],
                "active": [None, True, False][(i // 2) % 3],
                "created_at": None if i % 4 == 0 else _T0 + timedelta(microseconds=(i % 7)),
            }
        )
    return rows


SORTS: list[list[tuple[str, int]]] = [
    [],
    [("created_at", 1)],
    [("created_at", -1)],
    [("name", 1), ("count", -1)],
    [("name", -1), ("count", 1)],
    [("count", -1), ("created_at", 1), ("id", 1)],
    [("active", 1), ("score", -1), ("id", -1)],
    [("score", 1), ("name", 1), ("created_at", -1)],
    [("id", -1)],
]


def _full(sort: list[tuple[str, int]]) -> list[tuple[str, int]]:
    keys = sort or [("created_at", -1)]
    if not any(name == "id" for name, _ in keys):
        keys = [*keys, ("id", keys[-1][1])]
    return keys


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: "_".join(f"{n}{d:+d}" for n, d in s) or "default")
@pytest.mark.parametrize("limit", [1, 4, 50])
def test_next_walk_then_prev_walk(dialect: str, sort: list[tuple[str, int]], limit: int) -> None:
    store = get_store(dialect, ALL_TYPES)
    stored = store.load(_rows())
    body: dict[str, Any] = {"sort": [{"field": n, "direction": d} for n, d in sort], "limit": limit}
    pages = walk(store, body)
    ids = [item["id"] for page in pages for item in page.items]
    assert ids == reference_order(ALL_TYPES, stored, _full(sort))
    assert pages[0].prev is None
    assert pages[-1].next is None
    assert all(page.prev for page in pages[1:])
    for before, page in itertools.pairwise(pages):
        assert page.prev is not None
        back = store.page({**body, "prev": page.prev})
        assert [i["id"] for i in back.items] == [i["id"] for i in before.items]
        assert (back.prev is None) == (before is pages[0])
        assert back.next is not None


def test_limit_may_change_between_pages(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    stored = store.load(_rows())
    sort = [("created_at", 1), ("id", 1)]
    body: dict[str, Any] = {"sort": [{"field": n, "direction": d} for n, d in sort], "limit": 2}
    first = store.page(body)
    second = store.page({**body, "limit": 5, "next": first.next})
    expected = reference_order(ALL_TYPES, stored, sort)
    assert [i["id"] for i in first.items + second.items] == expected[:7]


def test_rows_inserted_and_deleted_between_pages_are_not_skipped_or_repeated(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    rows = _rows()
    store.load(rows)
    body: dict[str, Any] = {"sort": [{"field": "created_at", "direction": -1}], "limit": 5}
    first = store.page(body)
    seen = [i["id"] for i in first.items]
    kept = [r for r in rows if r["id"] not in seen[1:3]] + [{"id": "new", "created_at": _T0}]
    stored = store.load(kept)
    rest = walk(store, {**body, "next": first.next})
    after = [i["id"] for p in rest for i in p.items]
    expected = reference_order(ALL_TYPES, stored, [("created_at", -1), ("id", -1)])
    boundary = expected.index(seen[-1])
    assert after == expected[boundary + 1 :]


def test_cursor_from_another_sort_is_rejected(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    first = store.page({"sort": [{"field": "created_at", "direction": 1}], "limit": 2})
    with pytest.raises(FilterError) as err:
        store.page({"sort": [{"field": "created_at", "direction": -1}], "limit": 2, "next": first.next})
    assert err.value.codes == ["invalid_cursor"]


def test_signed_cursor_needs_the_same_secret(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    first = store.page({"limit": 2}, secret="s1")
    assert store.page({"limit": 2, "next": first.next}, secret="s1").items
    with pytest.raises(FilterError):
        store.page({"limit": 2, "next": first.next}, secret="s2")
