"""`invalid_cursor` says which check failed, and nothing secret (SPEC §5.2)."""

from __future__ import annotations

from typing import Any

import pytest

from stream_filters import QUERY_CALLS, FilterError, demo
from stream_filters.memory import paginate

ROWS = demo.calls()[:50]
SECRET = "the-right-secret-0123456789"


def message(body: dict[str, Any], secret: str | None) -> str:
    with pytest.raises(FilterError) as info:
        paginate(QUERY_CALLS.parse(body), ROWS, secret=secret)
    [problem] = info.value.problems
    assert problem.code == "invalid_cursor" and problem.path == ("next",)
    assert SECRET not in problem.message and "wrong-secret" not in problem.message
    return problem.message


def first_next(secret: str | None) -> str:
    token = paginate(QUERY_CALLS.parse({"limit": 2}), ROWS, secret=secret).next
    assert token is not None
    return token


def test_another_secret() -> None:
    assert "signature does not match this secret" in message({"limit": 2, "next": first_next(SECRET)}, "wrong-secret")


def test_signed_but_checked_without_a_secret() -> None:
    assert "signed with a secret, and none was given" in message({"limit": 2, "next": first_next(SECRET)}, None)


def test_unsigned_but_checked_with_a_secret() -> None:
    assert "made without a secret" in message({"limit": 2, "next": first_next(None)}, SECRET)


def test_another_filter_sort_or_scope() -> None:
    body = {"limit": 2, "next": first_next(SECRET), "filter_conditions": {"type": "default"}}
    text = message(body, SECRET)
    assert "made for another filter, sort or scope" in text
    assert "signature" not in text


@pytest.mark.parametrize("damage", [lambda t: "x" + t[1:], lambda t: t.split(".")[0], lambda t: "abc.def"])
def test_unreadable(damage: Any) -> None:
    text = message({"limit": 2, "next": damage(first_next(SECRET))}, SECRET)
    assert "cannot be read" in text
    assert "another filter" not in text


def test_the_right_secret_still_pages() -> None:
    page = paginate(QUERY_CALLS.parse({"limit": 2, "next": first_next(SECRET)}), ROWS, secret=SECRET)
    assert len(page.items) == 2 and page.prev
