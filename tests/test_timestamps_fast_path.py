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
        "1969-12-31T23:59:59.999999999Z",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00-00:01",
        "0000-12-31T23:59:59-01:00",
        "2024-02-29T12:00:00+24:00",
        "2023-02-29T00:00:00Z",
        "9999-12-31T23:59:59.999999001Z",
        "2024-02-01t00:00:00-00:00",
    ],
)
def test_edges_agree(text: str) -> None:
    assert _outcome(parse_rfc3339_ns, text) == _outcome(_in_full, text)


@pytest.mark.parametrize(
    ("text", "epoch_ns"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T01:00:00+01:00", 0),
        ("1969-12-31T23:59:59.999999999Z", -1),
        ("1970-01-01 00:00:00.000000001z", 1),
        ("1969-12-31T16:00:00.5-08:00", 500_000_000),
        ("2024-02-01T00:00:00.123456789+02:00", 1_706_738_400_123_456_789),
    ],
)
def test_known_instants(text: str, epoch_ns: int) -> None:
    assert parse_rfc3339_ns(text) == epoch_ns
