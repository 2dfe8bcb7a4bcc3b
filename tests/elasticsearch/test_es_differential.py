"""Elasticsearch (through the test evaluator) pages exactly as the in-memory backend, for random rows and requests.

Each example indexes rows with `index_mapping`/`document`, then walks every
page with `next` (and back with `prev`) through `paginate` — the compiled
bodies go through the official DSL round-trip and the evaluator — and
compares with `stream_filters.memory.paginate`: same rows, order and cursors.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_filters import (
    QUERY_CALLS,
    QUERY_MEMBERS,
    Field,
    FieldType,
    Instant,
    Op,
    Page,
    Query,
    Schema,
    SortKey,
    memory,
    strategies,
)
from stream_filters.ast import conditions
from stream_filters.elasticsearch import document, index_mapping, paginate, paginate_async
from stream_filters.field_types import INT64_MAX, INT64_MIN
from stream_filters.strategies import CUSTOM_KEYS, filters, json_scalars, requests, row_lists, sorts
from tests.elasticsearch.dsl import assert_accepted
from tests.elasticsearch.evaluator import AsyncFakeElasticsearch, FakeElasticsearch
from tests.elasticsearch.harness import SECRET, walk
from tests.schemas import ALL_TYPES

INDEX = "rows"


def indexed(schema: Schema, rows: list[dict[str, Any]]) -> FakeElasticsearch:
    client = FakeElasticsearch()
    client.create_index(INDEX, index_mapping(schema))
    for number, row in enumerate(rows):
        client.index(INDEX, str(number), document(schema, row))
    return client


def differential(schema: Schema, rows: list[dict[str, Any]], request: dict[str, Any]) -> int:
    client = indexed(schema, rows)

    def es(query: Query) -> Page[Any]:
        return paginate(query, client, INDEX, secret=SECRET)

    def in_memory(query: Query) -> Page[Any]:
        return memory.paginate(query, rows, secret=SECRET)

    pages = walk(schema, request, es, in_memory)
    for body in client.bodies:
        assert_accepted(body)
    return pages


@settings(max_examples=100)
@given(data=st.data())
def test_all_types(data: st.DataObject) -> None:
    request = data.draw(requests(ALL_TYPES, max_limit=4), label="request")
    differential(ALL_TYPES, data.draw(row_lists(ALL_TYPES, min_size=6, max_size=25), label="rows"), request)


@settings(max_examples=60)
@given(data=st.data())
def test_query_calls(data: st.DataObject) -> None:
    request = data.draw(requests(QUERY_CALLS, max_limit=4), label="request")
    differential(QUERY_CALLS, data.draw(row_lists(QUERY_CALLS, min_size=6, max_size=25), label="rows"), request)


@settings(max_examples=60)
@given(data=st.data())
def test_query_members(data: st.DataObject) -> None:
    request = data.draw(requests(QUERY_MEMBERS, max_limit=4), label="request")
    differential(QUERY_MEMBERS, data.draw(row_lists(QUERY_MEMBERS, min_size=6, max_size=25), label="rows"), request)


def focused(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Requests with one or two conditions: each operator's edge cases decide the page, not an OR around it."""
    return st.fixed_dictionaries(
        {"filter_conditions": filters(schema, max_depth=1, max_conditions=2)},
        optional={"sort": sorts(schema), "limit": st.integers(1, 4)},
    )


@settings(max_examples=100)
@given(data=st.data())
def test_all_types_focused(data: st.DataObject) -> None:
    request = data.draw(focused(ALL_TYPES), label="request")
    differential(ALL_TYPES, data.draw(row_lists(ALL_TYPES, min_size=10, max_size=25), label="rows"), request)


# Custom data from the shared strategies is sparse (most rows have none); here
# every row has several paths of mixed types, so that type brackets, paths
# that are prefixes of others and objects/arrays under a path decide pages.
CUSTOM_ONLY = Schema(
    name="custom_only",
    fields=(ALL_TYPES.by_name["id"], ALL_TYPES.by_name["custom"]),
    tie_breaker="id",
    default_sort=(SortKey("id", 1),),
)
dense_custom = st.dictionaries(
    st.sampled_from(CUSTOM_KEYS),
    st.one_of(
        json_scalars,
        json_scalars,
        st.dictionaries(st.sampled_from(CUSTOM_KEYS), json_scalars, max_size=3),
        st.lists(json_scalars, max_size=2),
        st.none(),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=100)
@given(data=st.data())
def test_dense_custom_data(data: st.DataObject) -> None:
    request = data.draw(
        st.fixed_dictionaries(
            {"filter_conditions": filters(CUSTOM_ONLY, max_depth=1, max_conditions=2)},
            optional={"sort": sorts(ALL_TYPES), "limit": st.integers(1, 4)},
        ),
        label="request",
    )
    rows = data.draw(row_lists(ALL_TYPES, min_size=8, max_size=20), label="rows")
    for row in rows:
        row["custom"] = data.draw(dense_custom, label="custom")
    differential(ALL_TYPES, rows, request)


def _one_field(name: str) -> Schema:
    fields = (ALL_TYPES.by_name["id"], *([ALL_TYPES.by_name[name]] if name != "id" else []))
    return Schema(name=f"only_{name}", fields=fields, tie_breaker="id", default_sort=(SortKey("id", 1),))


# One field and one operator at a time, the field present in most rows (the
# shared strategies leave most optional fields out and seldom pick some
# operators): every (type, operator) pair gets examples of its own, with the
# pools' case pairs, prefixes and words colliding.
VALUES: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.STRING: strategies.strings,
    FieldType.INTEGER: strategies.integers,
    FieldType.NUMBER: strategies.numbers,
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATETIME: strategies.datetimes,
    FieldType.STRING_ARRAY: st.lists(strategies.strings, max_size=3),
    FieldType.CUSTOM: dense_custom,
}
PAIRS = [(f.name, op) for f in ALL_TYPES.fields if f.name != "id" for op in sorted(f.operators)]


def _one_operator(name: str, op: Op) -> Schema:
    field = ALL_TYPES.by_name[name]
    fields = (ALL_TYPES.by_name["id"], Field(name, field.type, frozenset({op}), field.sortable))
    return Schema(name=f"only_{name}", fields=fields, tie_breaker="id", default_sort=(SortKey("id", 1),))


def _near(value: Any) -> list[Any]:
    """Stored values at and around an operand: case variants, extensions, neighbours."""
    if isinstance(value, str):
        return [value, value.upper(), value.lower(), value.title(), value + " tail", "x " + value, value[:-1]]
    if isinstance(value, bool):
        return [value, not value]
    if isinstance(value, int | float):
        return [value, float(value), value + 1, value - 1, int(value)]
    if isinstance(value, Instant):
        moment = value.floor_datetime()
        return [moment, moment + timedelta(microseconds=1), value.ceil_datetime()]
    return []


def _fits(kind: FieldType, value: Any) -> bool:
    if kind in (FieldType.STRING_ARRAY, FieldType.CUSTOM):
        return False
    if kind is FieldType.INTEGER:
        return type(value) is int and INT64_MIN <= value <= INT64_MAX
    expected = {
        FieldType.STRING: (str,),
        FieldType.NUMBER: (int, float),
        FieldType.BOOLEAN: (bool,),
        FieldType.DATETIME: (datetime,),
    }
    return type(value) in expected[kind]


def _put(row: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    if not path:
        return
    holder = row
    for segment in path[:-1]:
        if not isinstance(holder.get(segment), dict):
            holder[segment] = {}
        holder = holder[segment]
    holder[path[-1]] = value


@pytest.mark.parametrize(("name", "op"), PAIRS, ids=[f"{n}{o}" for n, o in PAIRS])
@settings(max_examples=12)
@given(data=st.data())
def test_one_operator_at_a_time(name: str, op: Op, data: st.DataObject) -> None:
    field = ALL_TYPES.by_name[name]
    request = data.draw(
        st.fixed_dictionaries(
            {"filter_conditions": filters(_one_operator(name, op), max_depth=1, max_conditions=2).filter(bool)},
            optional={"sort": sorts(ALL_TYPES), "limit": st.integers(1, 4)},
        ),
        label="request",
    )
    targets = [
        (c.path, near)
        for c in conditions(ALL_TYPES.parse(request).filter)
        for operand in (c.value if isinstance(c.value, tuple) else (c.value,))
        if (near := _near(operand))
    ]
    rows = data.draw(row_lists(ALL_TYPES, min_size=8, max_size=16), label="rows")
    for row in rows:
        row[name] = data.draw(st.one_of(VALUES[field.type], st.none()), label=name)
        if targets and data.draw(st.booleans(), label="near an operand"):
            path, near = data.draw(st.sampled_from(targets), label="operand")
            value = data.draw(st.sampled_from(near), label="value")
            if field.type is FieldType.CUSTOM:
                row[name] = row[name] if isinstance(row[name], dict) else {}
                _put(row[name], path, value)
            elif field.type is FieldType.STRING_ARRAY and isinstance(value, str):
                row[name] = [*(row[name] or []), value]
            elif _fits(field.type, value):
                row[name] = value
    differential(ALL_TYPES, rows, request)


@settings(max_examples=30)
@given(data=st.data())
def test_async_pages_equal_sync_pages(data: st.DataObject) -> None:
    rows = data.draw(row_lists(ALL_TYPES, max_size=15), label="rows")
    query = ALL_TYPES.parse(data.draw(requests(ALL_TYPES, max_limit=4), label="request"))
    client = indexed(ALL_TYPES, rows)
    sync_page = paginate(query, client, INDEX)
    async_page = asyncio.run(paginate_async(query, AsyncFakeElasticsearch(client), INDEX))
    assert async_page == sync_page
