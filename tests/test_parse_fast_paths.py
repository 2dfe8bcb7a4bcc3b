"""The parser's shortcuts for the usual request give the same answers as its full walk."""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, FilterError, SortKey
from stream_filters.field_types import CHECKERS
from stream_filters.parser import _STRINGS_AS_IS


@pytest.mark.parametrize("kind", sorted(_STRINGS_AS_IS))
@pytest.mark.parametrize("text", ["a", "", "é", "日本", "😀"])
def test_types_taking_strings_as_they_are(kind: Any, text: str) -> None:
    assert CHECKERS[kind](text) is text


def _problems(request: dict[str, Any], schema: Any = QUERY_MEMBERS) -> list[tuple[str, tuple[Any, ...]]]:
    with pytest.raises(FilterError) as caught:
        schema.parse(request)
    return [(p.code, p.path) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("values", "code", "index"),
    [
        (["a", "\ud800"], "invalid_operand", 1),
        (["a", "x" * 1025], "string_too_long", 1),
        (["a", 1], "invalid_operand", 1),
        ([None, "a"], "null_operand", 0),
        (["é", ["a"]], "invalid_operand", 1),
    ],
)
def test_in_lists_with_a_bad_item_report_it_at_its_path(values: list[Any], code: str, index: int) -> None:
    path = ("filter_conditions", "user_id", "$in", index)
    assert _problems({"filter_conditions": {"user_id": {"$in": values}}}) == [(code, path)]


def test_in_lists_of_valid_strings_keep_them_in_order() -> None:
    query = QUERY_MEMBERS.parse({"filter_conditions": {"custom.a": {"$in": ["b", "é", "b", "x" * 1024]}}})
    assert query.filter.value == ("b", "é", "b", "x" * 1024)  # type: ignore[union-attr]


def test_a_request_with_problems_in_several_parts_reports_all() -> None:
    request = {"filter_conditions": {"user_id": 1}, "sort": [{"field": "role"}], "limit": 0, "extra": 1}
    assert sorted(_problems(request)) == [
        ("invalid_limit", ("limit",)),
        ("invalid_operand", ("filter_conditions", "user_id")),
        ("not_sortable", ("sort", 0, "field")),
        ("unknown_key", ("extra",)),
    ]


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"field": "cid", "direction": True}, "invalid_direction"),
        ({"field": "cid", "direction": 1.0}, "invalid_direction"),
        ({"field": "team"}, "not_sortable"),
        ({"field": "nope"}, "unknown_field"),
        ({"field": "cid", "order": 1}, "unknown_key"),
    ],
)
def test_sort_items_the_shortcut_refuses_get_their_problem(item: dict[str, Any], code: str) -> None:
    assert [c for c, _ in _problems({"sort": [item]}, QUERY_CALLS)] == [code]


def test_sort_items_the_shortcut_takes() -> None:
    query = QUERY_CALLS.parse({"sort": [{"field": "starts_at", "direction": -1}, {"field": "type"}]})
    assert query.sort == (SortKey("starts_at", -1), SortKey("type", 1), SortKey("cid", 1))
