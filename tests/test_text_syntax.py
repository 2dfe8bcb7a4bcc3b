"""The text syntax reads as its JSON equivalent: one line per case.

Each case is (text, the `filter_conditions` it means); the test parses both
and compares the ASTs, whose equality is type-aware (1 != 1.0 != true).
"""

from __future__ import annotations

from typing import Any

import pytest
from schemas import ALL_TYPES

from stream_filters import And, Condition, Op, Or
from stream_filters.parser import parse_filter
from stream_filters.text import parse_text

T0 = "2024-01-01T00:00:00Z"

CASES: list[tuple[str, dict[str, Any]]] = [
    # every operator
    ('name = "jo"', {"name": {"$eq": "jo"}}),
    ("count > 1", {"count": {"$gt": 1}}),
    ("count >= 1", {"count": {"$gte": 1}}),
    ("count < 1", {"count": {"$lt": 1}}),
    ("count <= 1", {"count": {"$lte": 1}}),
    ("count in [1, 2, 3]", {"count": {"$in": [1, 2, 3]}}),
    ("count in []", {"count": {"$in": []}}),
    ("name exists", {"name": {"$exists": True}}),
    ("name missing", {"name": {"$exists": False}}),
    ('name startswith "Jo"', {"name": {"$autocomplete": "Jo"}}),
    ('name matches "hello world"', {"name": {"$q": "hello world"}}),
    ('tags in ["a", "b"]', {"tags": {"$in": ["a", "b"]}}),
    ('tags = "a"', {"tags": {"$eq": "a"}}),
    ("active = true", {"active": True}),
    ("active = false", {"active": False}),
    ('custom.color = "red"', {"custom.color": "red"}),
    ("custom.a.b-c_D.9 >= 2", {"custom.a.b-c_D.9": {"$gte": 2}}),
    ('custom.bio matches "rust"', {"custom.bio": {"$q": "rust"}}),
    # precedence: and binds tighter than or; parentheses group; chains flatten
    ('id = "a" or id = "b" and id = "c"', {"$or": [{"id": "a"}, {"$and": [{"id": "b"}, {"id": "c"}]}]}),
    ('id = "a" and id = "b" or id = "c"', {"$or": [{"$and": [{"id": "a"}, {"id": "b"}]}, {"id": "c"}]}),
    ('(id = "a" or id = "b") and id = "c"', {"$and": [{"$or": [{"id": "a"}, {"id": "b"}]}, {"id": "c"}]}),
    ('id = "a" and (id = "b" or id = "c")', {"$and": [{"id": "a"}, {"$or": [{"id": "b"}, {"id": "c"}]}]}),
    ('id = "a" or (id = "b" or id = "c")', {"$or": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}),
    ('(id = "a" and id = "b") and id = "c"', {"$and": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}),
    ('((id = "a"))', {"id": "a"}),
    ('id = "a" and id = "b" and id = "c"', {"$and": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}),
    ('id = "a" or id = "b" or id = "c"', {"$or": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}),
    ("count > 1 and count < 5", {"count": {"$gt": 1, "$lt": 5}}),
    # keywords: any case; reserved only where they can appear
    ('id = "a" AND id = "b" Or id = "c"', {"$or": [{"$and": [{"id": "a"}, {"id": "b"}]}, {"id": "c"}]}),
    ("name EXISTS", {"name": {"$exists": True}}),
    ('name StartsWith "x"', {"name": {"$autocomplete": "x"}}),
    ("count IN [1]", {"count": {"$in": [1]}}),
    ("custom.in in [1]", {"custom.in": {"$in": [1]}}),
    ("custom.and = 1 and custom.or = 2", {"custom.and": 1, "custom.or": 2}),
    ("custom.exists missing", {"custom.exists": {"$exists": False}}),
    ("custom.true = true", {"custom.true": True}),
    ("custom.andy = 1", {"custom.andy": 1}),
    # the empty filter
    ("", {}),
    ("   \n\t ", {}),
    ("()", {}),
    ('() or id = "a"', {"$or": [{}, {"id": "a"}]}),
    ('() and id = "a"', {"id": "a"}),
    # whitespace is free between tokens
    ('count>=1 and name="x"', {"count": {"$gte": 1}, "name": "x"}),
    ('(id="a"or id="b")', {"$or": [{"id": "a"}, {"id": "b"}]}),
    ('\n  id = "a"\r\n\tand\n  count in [\n 1,\n 2\n]\n', {"id": "a", "count": {"$in": [1, 2]}}),
    # numbers are JSON numbers, typed as JSON reads them
    ("score = 1", {"score": 1}),
    ("score = 1.0", {"score": 1.0}),
    ("score = -0.5", {"score": -0.5}),
    ("score = 1e3", {"score": 1e3}),
    ("score = 2.5E-2", {"score": 0.025}),
    ("score = -0", {"score": 0}),
    ("count = -9223372036854775808", {"count": -(2**63)}),
    ("custom.n = 9007199254740993", {"custom.n": 2**53 + 1}),
    ("custom.n in [1, 1.0, true]", {"custom.n": {"$in": [1, 1.0, True]}}),
    # timestamps bare or quoted; any RFC 3339 form; compared as instants
    (f"created_at = {T0}", {"created_at": T0}),
    ("created_at = 2024-01-01T02:00:00+02:00", {"created_at": T0}),
    ("created_at = 2023-12-31T19:30:00-04:30", {"created_at": T0}),
    ("created_at = 2024-01-01t00:00:00z", {"created_at": T0}),
    ("created_at > 2024-01-01T00:00:00.123456789Z", {"created_at": {"$gt": "2024-01-01T00:00:00.123456789Z"}}),
    ('created_at = "2024-01-01 00:00:00Z"', {"created_at": T0}),
    (f"created_at in [{T0}, 2025-06-30T12:00:00.5Z]", {"created_at": {"$in": [T0, "2025-06-30T12:00:00.5Z"]}}),
    (f"id = {T0}", {"id": T0}),
    (f"custom.when < {T0}", {"custom.when": {"$lt": T0}}),
    # strings are JSON strings
    ('name = ""', {"name": ""}),
    (r'name = "say \"hi\""', {"name": 'say "hi"'}),
    (r'name = "a\\b"', {"name": "a\\b"}),
    (r'name = "\/\b\f\n\r\t"', {"name": "/\b\f\n\r\t"}),
    (r'name = "\u00e9\u00C9"', {"name": "éÉ"}),
    (r'name = "\ud83d\ude00"', {"name": "😀"}),
    ('name = "école 中文 😀 مرحبا"', {"name": "école 中文 😀 مرحبا"}),
    ('name = "e\u0301"', {"name": "e\u0301"}),
    ('name = "\u2028\u00a0\x7f"', {"name": "\u2028\u00a0\x7f"}),
    ('name = "100% a_b"', {"name": "100% a_b"}),
    ('name = "it\'s"', {"name": "it's"}),
    ('name = "and" or name = "or"', {"$or": [{"name": "and"}, {"name": "or"}]}),
    ('name = "(" and name = ")"', {"$and": [{"name": "("}, {"name": ")"}]}),
]


@pytest.mark.parametrize(("text", "equivalent"), CASES, ids=[c[0] or "(empty)" for c in CASES])
def test_text_means_its_json_equivalent(text: str, equivalent: dict[str, Any]) -> None:
    assert parse_text(ALL_TYPES, text) == parse_filter(ALL_TYPES, equivalent)


def _eq(name: str, value: str) -> Condition:
    return parse_filter(ALL_TYPES, {name: value})  # type: ignore[return-value]


PRECEDENCE: list[tuple[str, object]] = [
    ('id = "a" or id = "b" and id = "c"', Or((_eq("id", "a"), And((_eq("id", "b"), _eq("id", "c")))))),
    ('(id = "a" or id = "b") and id = "c"', And((Or((_eq("id", "a"), _eq("id", "b"))), _eq("id", "c")))),
    (
        'id = "a" and id = "b" or id = "c" and id = "d"',
        Or((And((_eq("id", "a"), _eq("id", "b"))), And((_eq("id", "c"), _eq("id", "d"))))),
    ),
    ('id = "a" or (id = "b" or id = "c")', Or((_eq("id", "a"), _eq("id", "b"), _eq("id", "c")))),
]


@pytest.mark.parametrize(("text", "tree"), PRECEDENCE, ids=[c[0] for c in PRECEDENCE])
def test_precedence_builds_the_expected_tree(text: str, tree: object) -> None:
    assert parse_text(ALL_TYPES, text) == tree


def test_bare_and_quoted_timestamps_differ_only_in_spelling() -> None:
    node = parse_text(ALL_TYPES, "created_at >= 2024-01-01T00:00:00.5+01:00")
    assert isinstance(node, Condition)
    assert node.op is Op.GTE
    assert str(node.value) == "2023-12-31T23:00:00.5Z"
