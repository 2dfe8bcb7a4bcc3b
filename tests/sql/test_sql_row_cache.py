"""`paginate(driver_cursor=True, items=RowCache(build))`: the pages are those of
building every item afresh, on every dialect; a row read again is the same
item object, a row changed by any write is a new one (values of another type
too: `1` is not `1.0`, on SQLite's dynamic typing and in JSON decoded by the
driver); the cache stays bounded and serves one set of columns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from stream_filters.pagination import Page
from stream_filters.sql import RowCache, map_table, paginate
from stream_filters.sql.driver import Rows, compile_once
from tests.schemas import ALL_TYPES
from tests.sql.harness import Store, get_store
from tests.sql.test_sql_driver_cursor import SECRET, _rows

Item = tuple[tuple[str, Any], ...]  # a row dict frozen into an immutable item


def _frozen(row: Mapping[str, Any]) -> Item:
    return tuple(row.items())


def _page(store: Store, body: dict[str, Any], cache: RowCache[Item] | None) -> Page[Any]:
    with store.connection.begin():
        query = store.schema.parse(body)
        if cache is None:
            return paginate(query, store.connection, store.mapping, secret=SECRET, driver_cursor=True)
        return paginate(query, store.connection, store.mapping, secret=SECRET, driver_cursor=True, items=cache)


def _typed(items: list[Any]) -> list[Any]:
    """Items with each value's type: equal values of other types must not pass as equal."""
    return [[(k, type(v), v) for k, v in item] for item in items]


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 4},
        {"limit": 5, "sort": [{"field": "score", "direction": -1}]},
        {"limit": 3, "sort": [{"field": "created_at", "direction": 1}, {"field": "name", "direction": -1}]},
        {"limit": 2, "filter_conditions": {"custom.f": 2.0}},
    ],
    ids=["default", "score", "created_name", "custom_path"],
)
def test_pages_through_the_cache_equal_pages_built_afresh(dialect: str, body: dict[str, Any]) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    cache: RowCache[Item] = RowCache(_frozen)
    args: dict[str, Any] = {}
    for _ in range(2):  # the second walk is served from the cache
        pages = 0
        while True:
            cached, fresh = _page(store, {**body, **args}, cache), _page(store, {**body, **args}, None)
            assert _typed(cached.items) == _typed([_frozen(item) for item in fresh.items])
            assert (cached.next, cached.prev) == (fresh.next, fresh.prev)
            pages += 1
            if cached.next is None:
                break
            args = {"next": cached.next}
        assert pages >= 2
        args = {}


def test_a_row_read_again_is_the_same_item_and_a_changed_row_a_new_one(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    built: list[Mapping[str, Any]] = []

    def build(row: Mapping[str, Any]) -> Item:
        built.append(row)
        return _frozen(row)

    cache = RowCache(build)
    body = {"limit": 23, "sort": [{"field": "id", "direction": 1}]}
    first = _page(store, body, cache).items
    assert len(built) == 23
    again = _page(store, body, cache).items
    assert len(built) == 23 and all(a is b for a, b in zip(first, again, strict=True))
    # Written behind the cache's back, one column of one row: that row alone is built again.
    with store.connection.begin():
        store.connection.execute(store.table.update().where(store.table.c.id == "id05").values(name="changed"))
    third = _page(store, body, cache).items
    assert len(built) == 24 and dict(built[-1])["name"] == "changed"
    assert [i for i, (a, b) in enumerate(zip(first, third, strict=True)) if a is not b] == [5]


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("custom", [{"f": 1}, {"f": 1.0}, {"f": True}]),  # JSON: decoded by the driver itself on PostgreSQL
        ("score", [1, 1.0]),  # a number column: SQLite keeps what it was given
    ],
)
def test_equal_values_of_other_types_are_other_items(dialect: str, column: str, values: list[Any]) -> None:
    store = get_store(dialect, ALL_TYPES)
    base = {"id": "x", "created_at": datetime(2024, 1, 1, tzinfo=UTC), "custom": {}}
    cache: RowCache[Item] = RowCache(_frozen)
    for value in values:
        store.load([{**base, column: value}])
        (cached,) = _page(store, {"limit": 1}, cache).items
        (fresh,) = _page(store, {"limit": 1}, None).items
        assert _typed([cached]) == _typed([_frozen(fresh)])


def test_the_cache_is_bounded_and_keeps_the_newest(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    store.load([{"id": f"r{i:02d}", "created_at": t0 + timedelta(seconds=i), "custom": {}} for i in range(12)])
    cache: RowCache[Item] = RowCache(_frozen, maxsize=5)
    body = {"limit": 12, "sort": [{"field": "id", "direction": 1}]}
    first = _page(store, body, cache).items
    assert len(cache) == 5
    again = _page(store, body, cache).items
    assert _typed(again) == _typed(first)


def test_one_cache_serves_one_set_of_columns(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    cache: RowCache[Item] = RowCache(_frozen)
    _page(store, {"limit": 2}, cache)
    narrow = map_table(store.schema, store.table, columns=list(store.table.c)[:3])  # fewer columns
    with store.connection.begin(), pytest.raises(ValueError, match="columns"):
        paginate(store.schema.parse({"limit": 2}), store.connection, narrow, driver_cursor=True, items=cache)


def test_items_without_the_drivers_cursor_are_built_afresh(dialect: str) -> None:
    store = get_store(dialect, ALL_TYPES)
    store.load(_rows())
    cache: RowCache[Item] = RowCache(_frozen)
    with store.connection.begin():
        query = store.schema.parse({"limit": 4})
        slow = paginate(query, store.connection, store.mapping, secret=SECRET, items=cache)
        fast = paginate(query, store.connection, store.mapping, secret=SECRET, driver_cursor=True, items=cache)
    assert _typed(slow.items) == _typed(fast.items)
    assert len(cache) == 5  # the driver's rows only: the four and the one that tells a next page exists


def test_a_statement_cannot_take_items() -> None:
    store = get_store("sqlite", ALL_TYPES)
    cache: RowCache[Item] = RowCache(_frozen)
    with pytest.raises(ValueError, match="statement"):
        paginate(
            store.schema.parse({}),
            store.connection,
            store.mapping,
            statement=sa.select(store.table),
            items=cache,  # type: ignore[call-overload]  # refused at run time too
        )


def test_a_cache_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RowCache(_frozen, maxsize=0)


@pytest.mark.parametrize(
    "raws",
    [
        [(1,), (1.0,), (True,)],  # equal values a dynamically typed column may hold side by side
        [({"f": 1},), ({"f": 1.0},), ({"f": True},)],  # JSON a driver decoded itself: unhashable
        [({"a": 1, "b": 2},), ({"b": 2, "a": 1},)],  # the same object, its keys in another order
    ],
)
def test_the_key_tells_equal_values_of_other_types_apart(raws: list[tuple[Any]]) -> None:
    cache: RowCache[Item] = RowCache(_frozen)
    for _ in range(2):
        entries = cache.entries(Rows(raws, ()), ("v",), 1)
        assert [repr(item) for item, _ in entries] == [repr(_frozen({"v": raw[0]})) for raw in raws]
    assert len(cache) == len(raws)


def test_values_reach_the_cache_as_text_on_psycopg() -> None:
    """psycopg would parse timestamps, numbers and booleans and decode JSON as
    it fetches a row; for a cache it hands over their text, so the key is the
    stored text and only new rows are parsed (by psycopg's own loaders)."""
    store = get_store("postgresql", ALL_TYPES)
    store.load(_rows())
    cache: RowCache[Item] = RowCache(_frozen)
    items = _page(store, {"limit": 23, "sort": [{"field": "id", "direction": 1}]}, cache).items
    names = [c.name for c in store.mapping.columns]
    keys = [key[0] for key in cache._entries]
    for name in ("custom", "created_at", "score", "active", "count"):
        at = names.index(name)
        assert {type(raw[at]) for raw in keys} <= {str, type(None)}
        assert any(isinstance(raw[at], str) for raw in keys)
    parsed = {type(dict(item)[n]) for item in items for n in ("custom", "created_at", "score", "active", "count")}
    assert parsed == {dict, datetime, float, bool, int, type(None)}


def test_text_is_parsed_in_the_sessions_time_zone_of_the_moment() -> None:
    """Timestamps parsed from text on a cache's rows carry the session's time
    zone as psycopg would render it, after a `SET TIME ZONE` too."""
    store = get_store("postgresql", ALL_TYPES)
    table = sa.Table("sft_zones", sa.MetaData(), sa.Column("at", sa.DateTime(timezone=True)))
    connection = store.connection
    with connection.begin():
        table.drop(connection, checkfirst=True)
        table.create(connection)
        connection.execute(table.insert(), [{"at": _NOON}])
    statement = compile_once(sa.select(table.c.at), connection.dialect)
    assert statement is not None
    try:
        for zone, offset in (("UTC", 0), ("Asia/Tokyo", 9), ("America/Lima", -5)):
            with connection.begin():
                connection.execute(sa.text(f"SET TIME ZONE '{zone}'"))
                rows = statement.execute(connection, {}, raw=True)
                (value,) = rows.convert(rows.raw[0])
                (through_sqlalchemy,) = connection.execute(sa.select(table.c.at)).one()
            assert isinstance(rows.raw[0][0], str)
            assert value == _NOON and value.utcoffset() == timedelta(hours=offset)
            assert value.tzinfo == through_sqlalchemy.tzinfo
    finally:
        with connection.begin():
            connection.execute(sa.text("SET TIME ZONE 'UTC'"))
            table.drop(connection)


_PLUS_ONE = timezone(timedelta(hours=1))
_NOON = datetime(2024, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raws", "kept"),
    [
        ([(0.0, "a"), (-0.0, "a"), (0.0, "a")], 2),  # -0.0 == 0.0, both floats
        ([(Decimal("1.0"), "a"), (Decimal("1.00"), "a"), (Decimal("1"), "a")], 3),  # equal Decimals
        ([(_NOON.astimezone(_PLUS_ONE), "a"), (_NOON.astimezone(_PLUS_ONE), "a")], 1),  # an instant, one key
        ([(1.5, "a"), (_NOON.replace(tzinfo=None), "a")], 2),  # told apart by nothing more: nothing to tell
    ],
)
def test_values_equal_but_written_otherwise_are_never_served_for_each_other(
    raws: list[tuple[Any, str]], kept: int
) -> None:
    built: list[Mapping[str, Any]] = []

    def build(row: Mapping[str, Any]) -> Item:
        built.append(row)
        return _frozen(row)

    cache = RowCache(build)
    for raw in [*raws, *raws]:
        ((item, _),) = cache.entries(Rows([raw], ()), ("v", "id"), 2)
        assert repr(item) == repr(_frozen({"v": raw[0], "id": "a"}))
    assert len(cache) == kept
    again = len(built)
    cache.entries(Rows([raws[-1]], ()), ("v", "id"), 2)  # the row just served: from the cache
    assert len(built) == again
