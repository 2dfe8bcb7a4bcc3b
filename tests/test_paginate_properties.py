"""Keyset pages over random rows and requests (SPEC §5).

(1) walking `next` visits every matching row once, in reference order;
(2) `prev` from any page returns exactly the page before it;
(3) a cursor used with another filter or sort, edited or truncated is `invalid_cursor`;
(4) rows inserted or deleted between requests never make a row that existed
    throughout be skipped or repeated.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stream_filters import FilterError, Page, Query, Schema
from stream_filters.memory import paginate
from stream_filters.strategies import filters, row_lists, sorts
from tests.conformance.reference import matches, reference_sorted
from tests.schemas import SCHEMAS

NAMES = sorted(SCHEMAS)
SECRETS = st.sampled_from((None, "s3cret", b"\x00key"))
Row = Mapping[str, Any]


def _bodies(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Requests without limit; filters small so that they match a fair share of rows."""
    small = filters(schema, max_depth=2, max_conditions=3)
    return st.fixed_dictionaries(
        {}, optional={"filter_conditions": st.one_of(st.just({}), small), "sort": sorts(schema)}
    )


def _page(schema: Schema, body: dict[str, Any], rows: list[Row], secret: Any, *, stream: bool = False) -> Page[Row]:
    source: Iterable[Row] = iter(list(rows)) if stream else rows
    return paginate(schema.parse(body), source, secret=secret)


def _expected(query: Query, rows: list[Row]) -> list[Any]:
    tie = query.schema.tie_breaker
    return [r[tie] for r in reference_sorted(query.sort, [r for r in rows if matches(query.filter, r)])]


def _walk(schema: Schema, body: dict[str, Any], rows: list[Row], secret: Any, limits: list[int]) -> list[Page[Row]]:
    pages = [_page(schema, {**body, "limit": limits[0]}, rows, secret)]
    while pages[-1].next is not None:
        assert len(pages) <= len(rows), "the walk does not end"
        limit = limits[len(pages) % len(limits)]
        pages.append(_page(schema, {**body, "limit": limit, "next": pages[-1].next}, rows, secret, stream=True))
    return pages


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=50)
@given(data=st.data())
def test_next_visits_every_matching_row_once_in_order(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    rows = data.draw(row_lists(schema, max_size=20), label="rows")
    body = data.draw(_bodies(schema), label="body")
    limits = data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=4), label="limits")
    pages = _walk(schema, body, rows, data.draw(SECRETS), limits)
    tie = schema.tie_breaker
    seen = [row[tie] for page in pages for row in page.items]
    assert seen == _expected(schema.parse(body), rows)
    assert pages[0].prev is None
    assert all(page.prev is not None for page in pages[1:])
    assert all(len(page.items) == limits[i % len(limits)] for i, page in enumerate(pages[:-1]))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=50)
@given(data=st.data())
def test_prev_returns_exactly_the_previous_page(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    rows = data.draw(row_lists(schema, min_size=2, max_size=20), label="rows")
    body = data.draw(_bodies(schema), label="body")
    limit = data.draw(st.integers(1, 5), label="limit")
    secret = data.draw(SECRETS)
    pages = _walk(schema, body, rows, secret, [limit])
    tie = schema.tie_breaker
    for before, page in itertools.pairwise(pages):
        assert page.prev is not None
        back = _page(schema, {**body, "limit": limit, "prev": page.prev}, rows, secret, stream=True)
        assert [r[tie] for r in back.items] == [r[tie] for r in before.items]
        assert back.next is not None
        assert (back.prev is None) == (before is pages[0])


def _cursor_of(schema: Schema, body: dict[str, Any], rows: list[Row], secret: Any) -> tuple[str, str]:
    """A `next` or `prev` cursor from the walk, and which it is."""
    pages = _walk(schema, body, rows, secret, [1])
    assume(len(pages) >= 2)
    if pages[1].next is not None:
        return "next", pages[1].next
    assert pages[1].prev is not None
    return "prev", pages[1].prev


def _rejected(schema: Schema, body: dict[str, Any], rows: list[Row], secret: Any) -> bool:
    try:
        paginate(schema.parse(body), rows, secret=secret)
    except FilterError as exc:
        assert exc.codes == ["invalid_cursor"]
        return True
    return False


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40)
@given(data=st.data())
def test_foreign_edited_or_truncated_cursors_are_invalid(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    rows = data.draw(row_lists(schema, min_size=3, max_size=8), label="rows")
    body = data.draw(_bodies(schema), label="body")
    secret = data.draw(SECRETS, label="secret")
    kind, cursor = _cursor_of(schema, body, rows, secret)
    assert not _rejected(schema, {**body, kind: cursor}, rows, secret)

    other = data.draw(_bodies(schema), label="other body")
    if schema.parse(other).fingerprint != schema.parse(body).fingerprint:
        assert _rejected(schema, {**other, kind: cursor}, rows, secret)

    at = data.draw(st.integers(0, len(cursor) - 1), label="position")
    alphabet = string.ascii_letters + string.digits + "-_.=+/é"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != cursor[at]]), label="replacement")
    edited = cursor[:at] + replacement + cursor[at + 1 :]
    assert _rejected(schema, {**body, kind: edited}, rows, secret)

    cut = data.draw(st.integers(1, len(cursor) - 1), label="cut")
    assert _rejected(schema, {**body, kind: cursor[:cut]}, rows, secret)
    assert _rejected(schema, {**body, kind: cursor + "A"}, rows, secret)

    wrong_secret = "other" if secret is None else None
    assert _rejected(schema, {**body, kind: cursor}, rows, wrong_secret)
    flipped = "prev" if kind == "next" else "next"
    assert _rejected(schema, {**body, flipped: cursor}, rows, secret)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=50)
@given(data=st.data())
def test_inserts_and_deletes_between_pages_never_skip_or_repeat_stable_rows(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    tie = schema.tie_breaker
    rows = data.draw(row_lists(schema, max_size=24), label="rows")
    stable_flags = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)), label="stable")
    stable = [r for r, keep in zip(rows, stable_flags, strict=True) if keep]
    volatile = [r for r, keep in zip(rows, stable_flags, strict=True) if not keep]
    body = data.draw(_bodies(schema), label="body")
    limit = data.draw(st.integers(1, 4), label="limit")
    secret = data.draw(SECRETS)

    present = {id(r) for r in volatile if data.draw(st.booleans())}
    seen: list[Any] = []
    cursor: str | None = None
    for _ in range(len(rows) + 2):
        current = stable + [r for r in volatile if id(r) in present]
        request = {**body, "limit": limit, **({"next": cursor} if cursor else {})}
        page = _page(schema, request, current, secret, stream=True)
        seen.extend(r[tie] for r in page.items)
        cursor = page.next
        if cursor is None:
            break
        toggles = data.draw(st.lists(st.sampled_from(volatile), max_size=3) if volatile else st.just([]))
        present ^= {id(r) for r in toggles}
    assert cursor is None, "the walk does not end"

    wanted = _expected(schema.parse(body), stable)
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert [v for v in seen if v in set(wanted)] == wanted
