"""Errors in text: syntax errors point at the mistake; everything else is
reported exactly as the JSON path reports it, plus a position; limits hold."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from schemas import ALL_TYPES

from stream_filters import Code, FilterError, Limits
from stream_filters.limits import LimitExceeded
from stream_filters.parser import parse_filter
from stream_filters.text import parse_text


def _error(text: str, schema: Any = ALL_TYPES) -> FilterError:
    with pytest.raises(FilterError) as caught:
        parse_text(schema, text)
    return caught.value


# (text, line, column, caret width, words the message must contain)
SYNTAX: list[tuple[str, int, int, int, str]] = [
    ('name == "x"', 1, 7, 1, "Equality is a single '='"),
    ('name ! "x"', 1, 6, 1, "not-equal is written !="),
    ('name <> "x"', 1, 7, 1, "not-equal is written !="),
    ('id = "a" && id = "b"', 1, 10, 1, "the words and / or"),
    ('id = "a" || id = "b"', 1, 10, 1, "the words and / or"),
    ("name = 'x'", 1, 8, 1, 'Strings are written in double quotes: "x"'),
    ("name in ['it\"s ok', 'b']", 1, 10, 1, 'Strings are written in double quotes: "it\\"s ok"'),
    ("name = john", 1, 8, 4, 'double quotes: "john"'),
    ("active = True", 1, 10, 4, "Write true in lower case"),
    ("name = NULL", 1, 8, 4, "Write null in lower case"),
    ("created_at is null", 1, 12, 2, "`name missing`"),
    ('not id = "a"', 1, 5, 2, "There is no 'not'"),
    ("name not exists", 1, 6, 3, "There is no 'not'"),
    ("count = ", 1, 9, 1, "A value is missing after the operator"),
    ('count = and id = "a"', 1, 9, 3, "A value is missing before it"),
    ("count", 1, 6, 1, "A condition is a field, an operator and a value"),
    ("count 1", 1, 7, 1, "An operator must come between the field and the value"),
    ('id = "a" id = "b"', 1, 10, 2, "Join conditions with and / or"),
    ("count in [1 2]", 1, 13, 1, "Separate list items with ','"),
    ('(id = "a"', 1, 10, 1, "A '(' is not closed"),
    ('id = "a")', 1, 9, 1, "This ')' has no matching '('"),
    ('id = "a" and', 1, 13, 1, "expected a field name or '('"),
    (r'name = "a\qb"', 1, 10, 1, r"an invalid escape \q"),
    ('name = "a\tb"', 1, 10, 1, "raw control character"),
    ('name = "abc', 1, 8, 1, 'no closing "'),
    ("custom..a = 1", 1, 7, 1, "A field path is segments"),
    ("id = \"a\"\nand name = 'x'", 2, 12, 1, "double quotes"),
    ("\n\n   count >> 1", 3, 11, 1, "expected a value"),
    ("count = 1x", 1, 9, 2, "double quotes"),
    ('id = "a" andy = 1', 1, 10, 4, "Join conditions"),
    ("[1]", 1, 1, 1, "expected a field name, '(' or the end of the filter"),
]


@pytest.mark.parametrize(("text", "line", "column", "width", "words"), SYNTAX, ids=[c[0] for c in SYNTAX])
def test_syntax_errors_say_where_and_what(text: str, line: int, column: int, width: int, words: str) -> None:
    error = _error(text)
    assert error.codes == ["syntax_error"]
    problem = error.problems[0]
    assert (problem.context["line"], problem.context["column"]) == (line, column)
    assert problem.path == ("filter_conditions",)
    first, *rest = problem.message.split("\n")
    assert first.startswith(f"syntax error at line {line}, column {column}: expected ")
    assert words in first
    quoted, carets = rest
    assert quoted == "  " + text.split("\n")[line - 1].replace("\t", " ")
    assert carets == "  " + " " * (column - 1) + "^" * width


EXPECTED: list[tuple[str, list[str]]] = [
    ("count", ["an operator (=, >, >=, <, <=, in, startswith, matches, exists, missing, !=, not in or contains)"]),
    ("count = ", ['a value ("string", number, true, false, timestamp or [list])']),
    ("count in [1,", ['a value ("string", number, true, false, timestamp)']),
    ("count in [1", ["','", "']'"]),
    ('(id = "a"', ["'and'", "'or'", "')'"]),
    ('id = "a" x', ["'and'", "'or'", "the end of the filter"]),
    ("(", ["a field name", "'('", "')'"]),
]


@pytest.mark.parametrize(("text", "expected"), EXPECTED, ids=[c[0] for c in EXPECTED])
def test_expected_tokens_are_named_in_words(text: str, expected: list[str]) -> None:
    assert _error(text).problems[0].context["expected"] == expected


def test_long_lines_are_clipped_around_the_caret() -> None:
    text = "id = " + " or id = ".join(f'"{i}"' for i in range(60)) + " id"
    lines = _error(text).problems[0].message.split("\n")
    assert len(lines[1]) < 90
    assert lines[1].lstrip().startswith("…")
    assert lines[1][lines[2].index("^") : lines[2].index("^") + 2] == "id"


# -- validation: same codes and paths as the JSON form ----------------------------------
# The equivalent JSON is laid out as `to_json` lays a filter out (what
# `stream-filters format --to json` prints): paths in text errors refer to it.

PARITY: list[tuple[str, dict[str, Any]]] = [
    ("typo = 1", {"typo": {"$eq": 1}}),
    ('count = "x"', {"count": {"$eq": "x"}}),
    ("count = 1.5e999", {"count": {"$eq": float("inf")}}),
    ("active = 1", {"active": {"$eq": 1}}),
    ('created_at > "yesterday"', {"created_at": {"$gt": "yesterday"}}),
    ('id startswith "a"', {"id": {"$autocomplete": "a"}}),
    ('name startswith ""', {"name": {"$autocomplete": ""}}),
    ('name matches "!!"', {"name": {"$q": "!!"}}),
    ("name matches 5", {"name": {"$q": 5}}),
    ("custom = 1", {"custom": {"$eq": 1}}),
    ('custom.a = [1, "x"]', {"custom.a": {"$eq": [1, "x"]}}),
    ("count = [1]", {"count": {"$eq": [1]}}),
    ("count in 1", {"count": {"$in": 1}}),
    ("id = null", {"id": {"$eq": None}}),
    ('count in [1, "x", null]', {"count": {"$in": [1, "x", None]}}),
    (r'name = "\ud800"', {"name": {"$eq": "\ud800"}}),
    ("name.first = 1", {"name.first": {"$eq": 1}}),
    (
        'id = "a" and (typo = 1 or count = "x") and active = 2',
        {"id": {"$eq": "a"}, "$or": [{"typo": {"$eq": 1}}, {"count": {"$eq": "x"}}], "active": {"$eq": 2}},
    ),
    ('count = "a" or count = "b"', {"$or": [{"count": {"$eq": "a"}}, {"count": {"$eq": "b"}}]}),
    ("name = " + '"' + "x" * 1025 + '"', {"name": {"$eq": "x" * 1025}}),
]


@pytest.mark.parametrize(("text", "equivalent"), PARITY, ids=[c[0][:40] for c in PARITY])
def test_problems_match_the_json_form(text: str, equivalent: dict[str, Any]) -> None:
    with pytest.raises(FilterError) as from_json:
        parse_filter(ALL_TYPES, equivalent)
    error = _error(text)
    assert error.codes == from_json.value.codes
    assert [p.path for p in error.problems] == [p.path for p in from_json.value.problems]
    for problem in error.problems:
        assert {"line", "column", "offset", "end"} <= problem.context.keys()
        first, _quoted, carets = problem.message.split("\n")
        assert first.endswith(f"(line {problem.context['line']}, column {problem.context['column']})")
        column, width = problem.context["column"], problem.context["end"] - problem.context["offset"]
        assert set(carets.strip()) == {"^"}  # under the part, as for syntax errors
        if len(text) < 60:  # not clipped
            assert carets == "  " + " " * (column - 1) + "^" * max(1, width)


def test_a_problem_points_at_the_text_it_is_about() -> None:
    text = 'id = "a" and\n  (typo = 1 or count in [1, "x"])'
    error = _error(text)
    spots = {
        p.code: (p.context["line"], p.context["column"], text[p.context["offset"] : p.context["end"]])
        for p in error.problems
    }
    assert spots == {Code.UNKNOWN_FIELD: (2, 4, "typo = 1"), Code.INVALID_OPERAND: (2, 29, '"x"')}


def test_null_hint_is_written_in_text_syntax() -> None:
    message = _error("created_at = null").problems[0].message
    assert "`created_at missing`" in message
    assert "$exists" not in message


def test_messages_are_shared_with_the_json_path() -> None:
    with pytest.raises(FilterError) as from_json:
        parse_filter(ALL_TYPES, {"count": {"$eq": "x"}})
    assert _error('count = "x"').problems[0].message.startswith(from_json.value.problems[0].message + " (line 1")


def test_bad_bare_timestamps_name_the_rfc_3339_rule() -> None:
    problem = _error("created_at > 2024-01-01").problems[0]
    assert problem.code is Code.INVALID_DATETIME
    assert "RFC 3339" in problem.message
    assert (problem.context["column"], problem.context["end"]) == (14, 23)
    with pytest.raises(FilterError) as from_json:
        parse_filter(ALL_TYPES, {"created_at": {"$gt": "2024-01-01"}})
    assert problem.path == from_json.value.problems[0].path == ("filter_conditions", "created_at", "$gt")
    assert problem.message.startswith(from_json.value.problems[0].message + " (line 1, column 14)\n")
    assert problem.message.endswith("\n  created_at > 2024-01-01\n" + " " * 15 + "^" * 10)
    [in_list] = _error('id = "a" or count in [1, 2024-13-01]').problems
    assert in_list.path == ("filter_conditions", "$or", 1, "count", "$in", 1)
    assert _error("created_at > 2024-02-30T00:00:00Z").codes == ["invalid_datetime"]
    assert _error("id = 2024-01-01T00:00:00").codes == ["invalid_datetime"]


def test_integers_too_long_for_python_are_an_operand_problem() -> None:
    assert _error("count = " + "9" * 5000).codes == ["invalid_operand"]


# -- limits ------------------------------------------------------------------------------

DEPTH = 100_000


def _nest(depth: int) -> str:
    """`and` and `or` alternating `depth` levels deep."""
    text = 'id = "x"'
    for level in range(depth):
        text = f'id = "{level}" {"and" if level % 2 else "or"} ({text})'
    return text


LIMITS: list[tuple[str, str]] = [
    ("(" * DEPTH + 'id = "a"' + ")" * DEPTH, "too_deep"),
    ("(" * DEPTH, "too_deep"),
    ("(" * DEPTH + ")" * DEPTH, "too_deep"),
    (_nest(11), "too_deep"),
    (" and ".join(['id = "a"'] * 201), "too_many_conditions"),
    (" or ".join(["()"] * 201), "too_many_conditions"),
    ("count in [" + ", ".join(["1"] * 1001) + "]", "too_many_values"),
    ("x" * ((1 << 20) + 1), "request_too_large"),
]


@pytest.mark.parametrize(("text", "code"), LIMITS, ids=[f"{c}-{len(t)}" for t, c in LIMITS])
def test_limits_hold_for_text(text: str, code: str) -> None:
    assert _error(text).codes == [code]


def test_limits_allow_what_they_allow() -> None:
    parse_text(ALL_TYPES, _nest(10))
    parse_text(ALL_TYPES, "(" * 10 + 'id = "a"' + ")" * 10)
    parse_text(ALL_TYPES, " and ".join(['id = "a"'] * 200))
    parse_text(ALL_TYPES, "count in [" + ", ".join(["1"] * 1000) + "]")


def test_limits_come_from_the_schema() -> None:
    tight = replace(ALL_TYPES, limits=Limits(max_depth=2, max_conditions=3, max_in_values=2, max_request_bytes=64))
    assert _error('(((id = "a")))', tight).codes == ["too_deep"]
    assert _error('id = "a" and id = "b" and id = "c" and id = "d"', tight).codes == ["too_many_conditions"]
    assert _error("count in [1, 2, 3]", tight).codes == ["too_many_values"]
    assert _error("count in [1, 2, 3]" + " " * 60, tight).codes == ["request_too_large"]
    assert parse_text(tight, '((id = "a"))') == parse_filter(tight, {"id": "a"})
    # $and/$or depth is counted on the JSON form, without help from parentheses
    deep = 'id = "a" or id = "b" and (id = "c" or id = "d")'
    with pytest.raises(LimitExceeded) as caught:
        parse_text(replace(tight, limits=Limits(max_depth=1)), deep)
    assert caught.value.codes == ["too_deep"]
    assert "$and/$or/$nor nested deeper" in caught.value.problems[0].message  # the operators the schema allows
    two = replace(tight, limits=Limits(max_depth=2))
    assert parse_text(two, deep) == parse_filter(
        two, {"$or": [{"id": "a"}, {"id": "b", "$or": [{"id": "c"}, {"id": "d"}]}]}
    )


def _words(problem: Any) -> str:
    """A text problem's message without the position and excerpt `pointed` adds."""
    message: str = problem.message.split("\n")[0].rsplit(" (line ", 1)[0]
    return message


# One breach, written in text and in JSON, under these limits: stream_filters.limits words it once.
SAME_BREACH: list[tuple[str, str, dict[str, Any], Limits]] = [
    (
        "too_many_conditions",
        'id > "a" and id < "b" and id >= "a" and id <= "c"',
        {"id": {"$gt": "a", "$lt": "b", "$gte": "a", "$lte": "c"}},
        Limits(max_conditions=3),
    ),
    ("too_many_conditions", "() or () or () or ()", {"$or": [{}, {}, {}, {}]}, Limits(max_conditions=3)),
    (
        "too_deep",
        'id = "a" or id = "b" and (id = "c" or id = "d")',
        {"$or": [{"id": "a"}, {"id": "b", "$or": [{"id": "c"}, {"id": "d"}]}]},
        Limits(max_depth=1),
    ),
]


@pytest.mark.parametrize(("code", "text", "json_filter", "limits"), SAME_BREACH, ids=[c[0] for c in SAME_BREACH])
def test_text_and_json_word_a_breach_alike(code: str, text: str, json_filter: dict[str, Any], limits: Limits) -> None:
    schema = replace(ALL_TYPES, limits=limits)
    in_text = _error(text, schema)
    with pytest.raises(LimitExceeded) as in_json:
        parse_filter(schema, json_filter)
    assert in_text.codes == in_json.value.codes == [code]
    assert _words(in_text.problems[0]) == in_json.value.problems[0].message
    assert in_text.problems[0].context["limit"] == in_json.value.problems[0].context["limit"]


def test_breaches_only_text_can_have_are_worded_by_the_same_builders() -> None:
    tight = replace(ALL_TYPES, limits=Limits(max_depth=2, max_in_values=2))
    in_list = _error("count in [1, 2, 3, 4]", tight).problems[0]
    assert _words(in_list) == "a list with 3 or more values exceeds the limit of 2"
    assert _words(_error('(((id = "a")))', tight).problems[0]) == "parentheses nested deeper than the limit of 2"
    small = replace(ALL_TYPES, limits=Limits(max_request_bytes=8))
    assert _error('id = "abc"', small).problems[0].message == "filter text of 10 characters exceeds the limit of 8"


def test_limits_are_per_call_across_threads() -> None:
    # The parser is built once and shared; each call's limits live in a context
    # variable, so concurrent calls with different schemas never see each other's.
    from concurrent.futures import ThreadPoolExecutor

    tight = replace(ALL_TYPES, limits=Limits(max_conditions=2))
    text = 'id = "a" and id = "b" and id = "c"'

    def outcome(schema: Any) -> str:
        try:
            parse_text(schema, text)
        except FilterError as error:
            return error.codes[0]
        return "ok"

    schemas = [tight, ALL_TYPES] * 200
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(outcome, schemas))
    assert outcomes == ["too_many_conditions", "ok"] * 200
