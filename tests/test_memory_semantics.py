"""The in-memory backend beyond the shared table: rows from a stream, and what only it has."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Condition, FieldType, Limits, Op
from stream_filters.ast import conditions
from stream_filters.memory import compile_filter, filter_rows, order_key, paginate, sort_rows
from tests.conformance.cases import ALL_ROWS, CASES, Case
from tests.schemas import ALL_TYPES

# The table itself runs on every backend in tests/conformance/test_conformance.py.


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance_case_from_a_stream(case: Case) -> None:
    page = paginate(case.query(), iter(case.rows))
    assert case.ids(page.items) == case.expected_ids


def test_case_names_are_unique_and_cover_every_schema() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.schema_name for c in CASES} == {"all_types", "query_calls", "query_members"}


def test_every_operator_of_every_field_type_has_a_case() -> None:
    covered = {(c.type, c.op) for case in CASES for c in conditions(case.query().filter)}
    wanted = {(f.type, op) for f in ALL_TYPES.fields for op in f.operators}
    assert wanted - covered == set()


# -- behaviour beyond the shared table ----------------------------------------------------


def test_equal_asts_share_one_compiled_predicate() -> None:
    a = ALL_TYPES.parse_filter({"custom.n": {"$eq": 1}, "name": {"$q": "x"}})
    b = ALL_TYPES.parse_filter({"custom.n": {"$eq": 1}, "name": {"$q": "x"}})
    assert a is not b
    assert compile_filter(a) is compile_filter(b)


def test_true_and_1_compile_to_different_predicates() -> None:
    one = Condition("custom", ("n",), Op.EQ, 1, FieldType.CUSTOM)
    true = Condition("custom", ("n",), Op.EQ, True, FieldType.CUSTOM)
    assert compile_filter(one)({"custom": {"n": 1}}) is True
    assert compile_filter(true)({"custom": {"n": 1}}) is False


def test_operands_are_bound_not_spliced_into_source() -> None:
    hostile = "x') or True or ('"
    node = ALL_TYPES.parse_filter({"name": hostile, "custom.color": {"$autocomplete": hostile}})
    predicate = compile_filter(node)
    assert hostile not in (predicate.__doc__ or "")
    assert predicate({"name": hostile, "custom": {"color": hostile + "!"}}) is True
    assert predicate({"name": "x", "custom": {"color": hostile}}) is False


@pytest.mark.parametrize("depth", [10, 150])
def test_deep_filters_compile_and_evaluate(depth: int) -> None:
    schema = replace(ALL_TYPES, limits=Limits(max_depth=depth, max_conditions=1000))
    f: dict[str, Any] = {"count": 1}
    for i in range(depth):
        f = {"$or": [f, {"name": f"n{i}"}]} if i % 2 else {"$and": [f, {"count": {"$exists": True}}]}
    predicate = compile_filter(schema.parse_filter(f))
    assert predicate({"count": 1}) is True
    assert predicate({"count": 2}) is False
    assert predicate({"count": 2, "name": "n1"}) is True


def test_filter_rows_keeps_input_order() -> None:
    node = ALL_TYPES.parse_filter({"count": {"$gt": 1}})
    assert [r["id"] for r in filter_rows(node, ALL_ROWS)] == ["a02", "a04", "a05", "a07", "a08", "a11", "a12", "a13"]


def test_datetimes_in_other_zones_compare_as_instants() -> None:
    node = ALL_TYPES.parse_filter({"created_at": {"$eq": "2024-01-01T00:00:00Z"}})
    plus_two = datetime(2024, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert compile_filter(node)({"created_at": plus_two}) is True


def test_custom_values_that_are_not_objects_have_no_paths() -> None:
    node = QUERY_MEMBERS.parse_filter({"custom.a.b": {"$exists": False}})
    predicate = compile_filter(node)
    customs = [None, {}, {"a": None}, {"a": [1]}, {"a": "x"}, {"a": 1}, {"a": {"b": None}}, {"a": {"b": 0}}]
    assert [predicate({"custom": value}) for value in customs] == [True] * 7 + [False]


def test_sort_rows_puts_nulls_lowest_in_both_directions() -> None:
    rows = [
        {"cid": "b", "created_at": None},
        {"cid": "a", "created_at": datetime(2024, 1, 1, tzinfo=UTC)},
        {"cid": "c"},
    ]
    down = QUERY_CALLS.parse({"sort": [{"field": "created_at", "direction": -1}]})
    up = QUERY_CALLS.parse({"sort": [{"field": "created_at", "direction": 1}]})
    assert [r["cid"] for r in sort_rows(down, rows)] == ["a", "c", "b"]
    assert [r["cid"] for r in sort_rows(up, rows)] == ["b", "c", "a"]
    key, reverse = order_key(up.sort)
    assert reverse is False
    assert key(rows[0]) < key(rows[1])


def test_first_page_has_no_prev_and_last_page_no_next() -> None:
    query = ALL_TYPES.parse({"limit": 5, "sort": [{"field": "id", "direction": 1}]})
    first = paginate(query, ALL_ROWS)
    assert first.prev is None
    assert first.next is not None
    second = paginate(ALL_TYPES.parse({**query.to_request(), "next": first.next}), ALL_ROWS)
    third = paginate(ALL_TYPES.parse({**query.to_request(), "next": second.next}), ALL_ROWS)
    assert [r["id"] for r in third.items] == ["a11", "a12", "a13"]
    assert third.next is None
    assert third.prev is not None
    back = paginate(ALL_TYPES.parse({**query.to_request(), "prev": third.prev}), iter(ALL_ROWS))
    assert [r["id"] for r in back.items] == [r["id"] for r in second.items]


def test_empty_result_has_no_cursors() -> None:
    page = paginate(ALL_TYPES.parse({"filter_conditions": {"name": {"$in": []}}}), ALL_ROWS)
    assert (page.items, page.next, page.prev) == ([], None, None)
