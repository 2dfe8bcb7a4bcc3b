"""Cursors are made once per distinct input (`cursors._token`): a reused one is
the one made afresh, and inputs that are equal in Python but not in JSON
(`True == 1 == 1.0`, `-0.0 == 0.0`) never share one; nor do fingerprints."""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import cursors
from stream_filters.query import Direction
from tests.schemas import ALL_TYPES

SECRET = "reuse-secret"


def _fresh_token(direction: str, fingerprint: str, values: tuple[Any, ...], secret: str) -> str:
    cursors._token.cache_clear()
    return cursors._token(direction, fingerprint, values, repr(values), secret.encode())


@pytest.mark.parametrize(
    ("field", "values"),
    [("active", [True, False]), ("count", [1, True, 0, False]), ("score", [1, 1.0, True]), ("score", [0.0, -0.0, 0])],
)
def test_equal_values_of_other_types_get_their_own_cursor(field: str, values: list[Any]) -> None:
    query = ALL_TYPES.parse({"sort": [{"field": field, "direction": 1}]})
    tokens = [cursors.encode(query, Direction.NEXT, (v, "id"), SECRET) for v in values]
    assert len(set(tokens)) == len(values)
    for value, token in zip(values, tokens, strict=True):  # each is the one made afresh
        assert token == _fresh_token("next", query.fingerprint, (value, "id"), SECRET)
        assert token == cursors.encode(query, Direction.NEXT, (value, "id"), SECRET)
    for i in reversed(range(len(values))):  # whichever came first
        assert cursors.encode(query, Direction.NEXT, (values[i], "id"), SECRET) == tokens[i]


def test_a_reused_cursor_decodes_to_its_values() -> None:
    query = ALL_TYPES.parse({"sort": [{"field": "count", "direction": 1}]})
    for value in (1, 1, 2**60, -0):
        token = cursors.encode(query, Direction.NEXT, (value, "x"), SECRET)
        boundary = cursors.decode(
            ALL_TYPES.parse({"sort": [{"field": "count", "direction": 1}], "next": token}), SECRET
        )
        assert boundary is not None and boundary.values == (value, "x") and type(boundary.values[0]) is int


def test_another_secret_another_cursor() -> None:
    query = ALL_TYPES.parse({})
    assert cursors.encode(query, Direction.NEXT, (None, "a"), "one") != cursors.encode(
        query, Direction.NEXT, (None, "a"), "two"
    )


@pytest.mark.parametrize("values", [[1, True, 1.0], [0, False, 0.0, -0.0], ["1", 1]])
def test_filters_equal_in_python_have_their_own_fingerprint(values: list[Any]) -> None:
    for _ in range(2):  # the second time from the cache
        prints = [ALL_TYPES.parse({"filter_conditions": {"custom.x": v}}).fingerprint for v in values]
        assert len(set(prints)) == len(values)
