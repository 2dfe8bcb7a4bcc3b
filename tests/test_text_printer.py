"""The canonical text of filters, and short quotes of filters for messages."""

from __future__ import annotations

from typing import Any

import pytest
from schemas import ALL_TYPES

from stream_filters import MATCH_ALL, And, Or
from stream_filters.parser import parse_filter
from stream_filters.text import describe_condition, parse_text, to_text

# (filter_conditions, canonical text)
CANONICAL: list[tuple[dict[str, Any], str]] = [
    ({}, ""),
    ({"name": "jo"}, 'name = "jo"'),
    ({"count": {"$gt": 1, "$lte": 9}}, "count > 1 and count <= 9"),
    ({"count": {"$gte": 1, "$lt": 9}}, "count >= 1 and count < 9"),
    ({"count": {"$in": [3, 1, 2]}}, "count in [3, 1, 2]"),
    ({"count": {"$in": []}}, "count in []"),
    ({"name": {"$exists": True}}, "name exists"),
    ({"name": {"$exists": False}}, "name missing"),
    ({"name": {"$autocomplete": "Jo"}}, 'name startswith "Jo"'),
    ({"name": {"$q": "hello world"}}, 'name matches "hello world"'),
    ({"active": True}, "active = true"),
    ({"score": 1.0}, "score = 1.0"),
    ({"score": 1e16}, "score = 1e+16"),
    ({"score": -2.5e-7}, "score = -2.5e-07"),
    ({"count": -(2**63)}, "count = -9223372036854775808"),
    ({"custom.a.b-c": {"$in": [1, "1", True]}}, 'custom.a.b-c in [1, "1", true]'),
    ({"created_at": "2024-01-01T02:00:00+02:00"}, "created_at = 2024-01-01T00:00:00Z"),
    ({"created_at": "2024-01-01T00:00:00.120000000Z"}, "created_at = 2024-01-01T00:00:00.12Z"),
    ({"created_at": "0001-01-01T00:00:00.000000001Z"}, "created_at = 0001-01-01T00:00:00.000000001Z"),
    ({"id": "2024-01-01T00:00:00Z"}, 'id = "2024-01-01T00:00:00Z"'),
    ({"name": 'say "hi" \\ /'}, r'name = "say \"hi\" \\ /"'),
    ({"name": "line\nbreak\ttab\x00\x1f"}, r'name = "line\nbreak\ttab\u0000\u001f"'),
    ({"name": "école 中文 😀 \u2028"}, 'name = "école 中文 😀 \u2028"'),
    ({"$or": [{"id": "a"}, {"id": "b", "count": 1}]}, 'id = "a" or id = "b" and count = 1'),
    ({"id": "a", "$or": [{"id": "b"}, {"id": "c"}]}, 'id = "a" and (id = "b" or id = "c")'),
    ({"$or": [{}, {"id": "a"}]}, '() or id = "a"'),
    ({"$or": [{"$or": [{"id": "a"}, {"id": "b"}]}, {"id": "c"}]}, 'id = "a" or id = "b" or id = "c"'),
    (
        {"$or": [{"id": "a", "$or": [{"id": "b"}, {"count": 2, "$or": [{"id": "c"}, {"id": "d"}]}]}, {"id": "e"}]},
        'id = "a" and (id = "b" or count = 2 and (id = "c" or id = "d")) or id = "e"',
    ),
]


@pytest.mark.parametrize(("filter_conditions", "text"), CANONICAL, ids=[c[1] or "(empty)" for c in CANONICAL])
def test_canonical_text(filter_conditions: dict[str, Any], text: str) -> None:
    node = parse_filter(ALL_TYPES, filter_conditions)
    assert to_text(node) == text
    assert parse_text(ALL_TYPES, text) == node


def test_lone_surrogates_are_escaped() -> None:
    # Stores refuse them, but an AST built by hand may hold one; its text must
    # still be encodable as UTF-8.
    from stream_filters.ast import Condition
    from stream_filters.field_types import FieldType
    from stream_filters.operators import Op

    text = to_text(Condition("name", (), Op.EQ, "a\ud800b", FieldType.STRING))
    assert text == 'name = "a\\ud800b"'
    text.encode("utf-8")


def test_match_all_alone_and_inside() -> None:
    assert to_text(MATCH_ALL) == ""
    cond = parse_filter(ALL_TYPES, {"id": "a"})
    assert to_text(Or((MATCH_ALL, cond))) == '() or id = "a"'
    assert to_text(And((cond, Or((cond, cond))))) == 'id = "a" and (id = "a" or id = "a")'


DESCRIBED: list[tuple[Any, str]] = [
    ({"created_at": {"$gt": 5}}, "created_at > 5"),
    ({"id": None}, "id = null"),
    ({"id": {"$regex": "a"}}, 'id $regex "a"'),
    ({"id": {"$ne": "a"}}, 'id != "a"'),
    ({"id": {"$exists": True}, "name": {"$exists": 0}}, "id exists and name $exists 0"),
    ({"id": {"$in": [1, 2, 3, 4, 5, 6]}}, "id in [1, 2, 3, 4, …]"),
    ({"custom": {"color": "red"}}, "custom = {…}"),
    ({"$or": [{"id": "a"}, {"id": ["x", ["y"]]}]}, '((id = "a") or (id = ["x", ["y"]]))'),
    ({"name": "x" * 100}, 'name = "' + "x" * 39 + "…" + '"'),
    ({}, "()"),
]


@pytest.mark.parametrize(("raw", "quoted"), DESCRIBED, ids=[c[1] for c in DESCRIBED])
def test_describe_condition_quotes_raw_json(raw: Any, quoted: str) -> None:
    assert describe_condition(raw) == quoted


def test_describe_condition_quotes_nodes_and_cuts_long_text() -> None:
    node = parse_filter(ALL_TYPES, {"$or": [{"id": str(i)} for i in range(30)]})
    quoted = describe_condition(node, max_length=40)
    assert len(quoted) == 40
    assert quoted.startswith('id = "0" or id = "1"')
    assert quoted.endswith("…")
    assert describe_condition(MATCH_ALL) == "()"


def test_describe_condition_is_safe_on_hostile_input() -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    nested: Any = {"id": 1}
    for _ in range(100_000):
        nested = {"$and": [nested]}
    assert describe_condition({"id": {"$in": deep}}) == "id in [[[[…]]]]"
    assert describe_condition(nested).count("…") == 1
    assert len(describe_condition({f"k{i}": i for i in range(10**5)})) <= 80
