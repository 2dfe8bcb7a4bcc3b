"""Round trips over generated filters, and fuzzing: any text is a filter or a FilterError."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from schemas import ALL_TYPES, SCHEMAS

from stream_filters import FilterError, Schema, to_json
from stream_filters.ast import And, Condition, Node, Nor, Or
from stream_filters.parser import parse_filter
from stream_filters.strategies import filters
from stream_filters.text import parse_text, to_text
from stream_filters.text.reader import read

_SCHEMAS = list(SCHEMAS.values())


@st.composite
def valid_filters(draw: st.DrawFn) -> tuple[Schema, Node]:
    schema = draw(st.sampled_from(_SCHEMAS))
    return schema, parse_filter(schema, draw(filters(schema)))


# Generating a filter costs far more than both round trips, so one property
# checks both on each of its 2,000 examples.
@settings(max_examples=2000)
@given(valid_filters())
def test_text_and_json_round_trips(case: tuple[Schema, Node]) -> None:
    schema, node = case
    text = to_text(node)
    assert parse_text(schema, text) == node
    assert parse_filter(schema, to_json(node)) == node
    assert parse_filter(schema, json.loads(json.dumps(to_json(node)))) == node
    # Text errors name paths in this JSON: it must be exactly the to_json layout.
    written, _ = read(schema, text)
    assert json.dumps(written) == json.dumps(to_json(node))


def _parse_or_reject(schema: Schema, text: str) -> None:
    """Either a filter that survives its own round trip, or a FilterError."""
    try:
        node = parse_text(schema, text)
    except FilterError as error:
        assert error.problems
        assert all(problem.message for problem in error.problems)
        return
    assert isinstance(node, Condition | And | Or | Nor)
    assert parse_text(schema, to_text(node)) == node


@settings(max_examples=1000)
@given(st.text(st.characters(exclude_categories=())))
def test_any_text_is_a_filter_or_a_filter_error(text: str) -> None:
    _parse_or_reject(ALL_TYPES, text)


TOKENS = (
    *("name", "count", "score", "active", "created_at", "tags", "custom.a", "custom", "id", "typo"),
    *("=", ">", ">=", "<", "<=", "in", "exists", "missing", "startswith", "matches", "AND", "and", "or", "Or"),
    *("(", ")", "()", "[", "]", ",", ".", "..", "==", "!=", "&&", "||", "!", "not", "is", "\n", "\t"),
    *('"x"', '"hello world"', '""', '"', "'x'", '"\\"', '"\\u12"', '"\\ud800"', '"\\n"', "\\"),
    *("1", "-1.5e3", "1e999", "0.1", "01", "-", "9" * 30, "true", "false", "null", "True"),
    *("2024-01-01T00:00:00Z", "2024-01-01", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00+02:00"),
)


@settings(max_examples=1000)
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.sampled_from(["", " "]))
def test_token_soup_is_a_filter_or_a_filter_error(tokens: list[str], separator: str) -> None:
    _parse_or_reject(ALL_TYPES, separator.join(tokens))


@settings(max_examples=200)
@given(valid_filters(), st.data())
def test_damaged_filters_are_a_filter_or_a_filter_error(case: tuple[Schema, Node], data: st.DataObject) -> None:
    schema, node = case
    text = to_text(node)
    at = data.draw(st.integers(0, len(text)), label="at")
    cut = data.draw(st.integers(0, 5), label="cut")
    insert = data.draw(st.sampled_from(("", *TOKENS)), label="insert")
    _parse_or_reject(schema, text[:at] + insert + text[at + cut :])
