"""RFC 3339 parsing takes `datetime.fromisoformat` where it can: the same answer,
and the same error, as the full reading of every field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stream_filters.strategies import timestamps
from stream_filters.timestamps import _RFC3339, TimestampError, _parse_in_full, parse_rfc3339_ns


def _outcome(read: object, text: str) -> object:
    try:
        return read(text)  # type: ignore[operator]
    except TimestampError as exc:
        return str(exc)


def _in_full(text: str) -> int:
    match = _RFC3339.fullmatch(text)
    assert match is not None
    return _parse_in_full(match)


@given(st.one_of(timestamps, st.from_regex(_RFC3339, fullmatch=True)))
def test_the_shortcut_agrees_with_the_full_reading(text: str) -> None:
    assert _outcome(parse_rfc3339_ns, text) == _outcome(_in_full, text)


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-01T00:00:00+00:60",
        "2024-02-01T00:00:00-23:99",
        "2024-02-01T23:59:60Z",
        "2024-02-30T00:00:00Z",
        "0001-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59.9999999-00:01",
        "2024-02-01t00:00:00.123456789z",
        "2024-02-01 00:00:00.000000001+23:59",
    ],
)
def test_edges_agree(text: str) -> None:
    assert _outcome(parse_rfc3339_ns, text) == _outcome(_in_full, text)
