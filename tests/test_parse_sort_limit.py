"""SPEC §1 and §5: sort, limit and the cursor fields of a request."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, CursorToken, Direction, FilterError, Limits, Schema, SortKey


def sort_of(schema: Schema, sort: Any) -> list[tuple[str, int]]:
    return [(k.field, k.direction) for k in schema.parse({"sort": sort}).sort]


def problems(schema: Schema, request: Any) -> list[tuple[str, tuple[Any, ...]]]:
    with pytest.raises(FilterError) as caught:
        schema.parse(request)
    return [(str(p.code), p.path) for p in caught.value.problems]


def key(name: str, direction: Any = 1) -> dict[str, Any]:
    return {"field": name, "direction": direction}


SORTS: list[tuple[str, Schema, Any, list[tuple[str, int]]]] = [
    ("calls default", QUERY_CALLS, None, [("created_at", -1), ("cid", -1)]),
    ("calls empty list is default", QUERY_CALLS, [], [("created_at", -1), ("cid", -1)]),
    ("members default", QUERY_MEMBERS, None, [("created_at", 1), ("user_id", 1)]),
    (
        "tie-breaker follows last key, asc",
        QUERY_CALLS,
        [key("type", -1), key("starts_at", 1)],
        [("type", -1), ("starts_at", 1), ("cid", 1)],
    ),
    (
        "tie-breaker follows last key, desc",
        QUERY_MEMBERS,
        [key("updated_at", -1)],
        [("updated_at", -1), ("user_id", -1)],
    ),
    ("tie-breaker given is kept", QUERY_CALLS, [key("cid", -1), key("type", 1)], [("cid", -1), ("type", 1)]),
    ("tie-breaker alone", QUERY_MEMBERS, [key("user_id", -1)], [("user_id", -1)]),
    ("missing direction means 1", QUERY_CALLS, [{"field": "id"}], [("id", 1), ("cid", 1)]),
    (
        "five keys",
        QUERY_CALLS,
        [key(f) for f in ("id", "type", "created_at", "updated_at", "ended_at")],
        [(f, 1) for f in ("id", "type", "created_at", "updated_at", "ended_at", "cid")],
    ),
    (
        "five keys and the tie-breaker",
        QUERY_CALLS,
        [key(f) for f in ("id", "type", "created_at", "updated_at", "ended_at", "cid")],
        [(f, 1) for f in ("id", "type", "created_at", "updated_at", "ended_at", "cid")],
    ),
]


@pytest.mark.parametrize(("schema", "sort", "expected"), [s[1:] for s in SORTS], ids=[s[0] for s in SORTS])
def test_sort(schema: Schema, sort: Any, expected: list[tuple[str, int]]) -> None:
    assert sort_of(schema, sort) == expected


BAD_SORTS: list[tuple[str, Any, list[tuple[str, tuple[Any, ...]]]]] = [
    ("not a list", {"field": "id"}, [("invalid_type", ("sort",))]),
    ("a string", "created_at", [("invalid_type", ("sort",))]),
    ("item not an object", ["id"], [("invalid_type", ("sort", 0))]),
    ("unknown field", [key("nope")], [("unknown_field", ("sort", 0, "field"))]),
    ("unsortable field", [key("team")], [("not_sortable", ("sort", 0, "field"))]),
    ("unsortable array field", [key("members")], [("not_sortable", ("sort", 0, "field"))]),
    ("field not a string", [key(1)], [("invalid_type", ("sort", 0, "field"))]),
    ("field missing", [{"direction": 1}], [("invalid_type", ("sort", 0, "field"))]),
    ("duplicate field", [key("id"), key("id", -1)], [("duplicate_sort_field", ("sort", 1, "field"))]),
    ("direction true", [key("id", True)], [("invalid_direction", ("sort", 0, "direction"))]),
    ("direction 1.0", [key("id", 1.0)], [("invalid_direction", ("sort", 0, "direction"))]),
    ("direction '1'", [key("id", "1")], [("invalid_direction", ("sort", 0, "direction"))]),
    ("direction 'asc'", [key("id", "asc")], [("invalid_direction", ("sort", 0, "direction"))]),
    ("direction 0", [key("id", 0)], [("invalid_direction", ("sort", 0, "direction"))]),
    ("direction 2", [key("id", 2)], [("invalid_direction", ("sort", 0, "direction"))]),
    ("direction null", [key("id", None)], [("invalid_direction", ("sort", 0, "direction"))]),
    ("unknown key in item", [{"field": "id", "order": 1}], [("unknown_key", ("sort", 0, "order"))]),
    (
        "six keys",
        [key(f) for f in ("id", "type", "created_at", "updated_at", "ended_at", "starts_at")],
        [("too_many_sort_keys", ("sort",))],
    ),
    (
        "five keys, tie-breaker and one more",
        [key(f) for f in ("id", "type", "created_at", "updated_at", "ended_at", "starts_at", "cid")],
        [("too_many_sort_keys", ("sort",))],
    ),
    (
        "every bad item reported",
        [key("nope"), key("team"), key("id", 0)],
        [
            ("unknown_field", ("sort", 0, "field")),
            ("not_sortable", ("sort", 1, "field")),
            ("invalid_direction", ("sort", 2, "direction")),
        ],
    ),
    (
        "bad field and bad direction in one item",
        [key("nope", 0)],
        [("unknown_field", ("sort", 0, "field")), ("invalid_direction", ("sort", 0, "direction"))],
    ),
]


@pytest.mark.parametrize(("sort", "expected"), [s[1:] for s in BAD_SORTS], ids=[s[0] for s in BAD_SORTS])
def test_bad_sort(sort: Any, expected: list[tuple[str, tuple[Any, ...]]]) -> None:
    assert problems(QUERY_CALLS, {"sort": sort}) == expected


def test_sort_suggests_and_lists_sortable_fields() -> None:
    with pytest.raises(FilterError) as caught:
        QUERY_CALLS.parse({"sort": [key("created")]})
    text = caught.value.problems[0].message
    assert "Did you mean 'created_at'?" in text
    assert "id, cid, type, created_at, updated_at, ended_at, starts_at" in text


def test_sort_key_limit_is_configurable() -> None:
    schema = dataclasses.replace(QUERY_CALLS, limits=Limits(max_sort_keys=1))
    assert sort_of(schema, [key("type")]) == [("type", 1), ("cid", 1)]
    assert problems(schema, {"sort": [key("type"), key("id")]}) == [("too_many_sort_keys", ("sort",))]


def test_normalised_sort_parses_again_at_the_key_limit() -> None:
    schema = dataclasses.replace(QUERY_CALLS, limits=Limits(max_sort_keys=2))
    query = schema.parse({"sort": [key("type"), key("id", -1)]})
    assert [k.field for k in query.sort] == ["type", "id", "cid"]
    assert schema.parse(query.to_request()) == query


LIMITS: list[tuple[str, Any, int]] = [
    ("absent is default", None, 25),
    ("1", 1, 1),
    ("max", 100, 100),
    ("between", 37, 37),
]


@pytest.mark.parametrize(("limit", "expected"), [x[1:] for x in LIMITS], ids=[x[0] for x in LIMITS])
def test_limit(limit: Any, expected: int) -> None:
    assert QUERY_CALLS.parse({"limit": limit}).limit == expected


@pytest.mark.parametrize("limit", [0, -1, 101, 10**20, 25.0, 1.5, True, False, "25", [25], {"n": 25}])
def test_bad_limit(limit: Any) -> None:
    assert problems(QUERY_CALLS, {"limit": limit}) == [("invalid_limit", ("limit",))]


def test_limit_bounds_come_from_the_schema() -> None:
    schema = dataclasses.replace(QUERY_CALLS, default_limit=10, max_limit=20)
    assert schema.parse({}).limit == 10
    assert schema.parse({"limit": 20}).limit == 20
    assert problems(schema, {"limit": 21}) == [("invalid_limit", ("limit",))]


CURSORS: list[tuple[str, dict[str, Any], CursorToken | None]] = [
    ("none", {}, None),
    ("next", {"next": "abc"}, CursorToken(Direction.NEXT, "abc")),
    ("prev", {"prev": "abc"}, CursorToken(Direction.PREV, "abc")),
    ("null next is absent", {"next": None}, None),
    ("empty next is absent", {"next": ""}, None),
    ("empty next beside prev", {"next": "", "prev": "abc"}, CursorToken(Direction.PREV, "abc")),
    ("null prev beside next", {"next": "abc", "prev": None}, CursorToken(Direction.NEXT, "abc")),
    ("2 KiB cursor", {"next": "x" * 2048}, CursorToken(Direction.NEXT, "x" * 2048)),
]


@pytest.mark.parametrize(("request_body", "expected"), [c[1:] for c in CURSORS], ids=[c[0] for c in CURSORS])
def test_cursor(request_body: dict[str, Any], expected: CursorToken | None) -> None:
    assert QUERY_CALLS.parse(request_body).cursor == expected


BAD_CURSORS: list[tuple[str, dict[str, Any], list[tuple[str, tuple[Any, ...]]]]] = [
    ("next and prev", {"next": "a", "prev": "b"}, [("conflicting_cursors", ("prev",))]),
    ("next not a string", {"next": 5}, [("invalid_cursor", ("next",))]),
    ("prev an object", {"prev": {"a": 1}}, [("invalid_cursor", ("prev",))]),
    ("cursor too long", {"next": "x" * 2049}, [("cursor_too_long", ("next",))]),
]


@pytest.mark.parametrize(("request_body", "expected"), [c[1:] for c in BAD_CURSORS], ids=[c[0] for c in BAD_CURSORS])
def test_bad_cursor(request_body: dict[str, Any], expected: list[tuple[str, tuple[Any, ...]]]) -> None:
    assert problems(QUERY_CALLS, request_body) == expected


def test_to_request_is_the_normalised_body() -> None:
    query = QUERY_MEMBERS.parse({"filter_conditions": {"role": "admin"}, "limit": 5, "prev": "tok"})
    assert query.to_request() == {
        "filter_conditions": {"role": {"$eq": "admin"}},
        "sort": [{"field": "created_at", "direction": 1}, {"field": "user_id", "direction": 1}],
        "limit": 5,
        "prev": "tok",
    }


def test_fingerprint_ignores_limit_and_cursor_but_not_filter_or_sort() -> None:
    base = QUERY_CALLS.parse({"filter_conditions": {"type": "a"}})
    assert (
        QUERY_CALLS.parse({"filter_conditions": {"type": "a"}, "limit": 3, "next": "x"}).fingerprint == base.fingerprint
    )
    assert QUERY_CALLS.parse({"filter_conditions": {"type": "b"}}).fingerprint != base.fingerprint
    assert QUERY_CALLS.parse({"filter_conditions": {"type": "a"}, "sort": [key("id")]}).fingerprint != base.fingerprint
    assert (
        QUERY_MEMBERS.parse({"filter_conditions": {"created_at": {"$exists": True}}}).fingerprint
        != QUERY_CALLS.parse({"filter_conditions": {"created_at": {"$exists": True}}}).fingerprint
    )


def test_sort_key_to_json() -> None:
    assert SortKey("id", -1).to_json() == {"field": "id", "direction": -1}
