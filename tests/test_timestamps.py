"""SPEC §3: RFC 3339 timestamps, exact to the nanosecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_filters import QUERY_CALLS, FilterError, Instant
from stream_filters.timestamps import TimestampError, at_microseconds

BASE_NS = 1_610_703_020 * 10**9  # 2021-01-15T09:30:20Z

ACCEPTED: list[tuple[str, int]] = [
    ("2021-01-15T09:30:20Z", BASE_NS),
    ("2021-01-15t09:30:20z", BASE_NS),
    ("2021-01-15 09:30:20Z", BASE_NS),
    ("2021-01-15T09:30:20+00:00", BASE_NS),
    ("2021-01-15T09:30:20-00:00", BASE_NS),
    ("2021-01-15T11:30:20+02:00", BASE_NS),
    ("2021-01-15T04:00:20-05:30", BASE_NS),
    ("2021-01-16T09:29:20+23:59", BASE_NS),
    ("2021-01-15T09:30:20.4Z", BASE_NS + 400_000_000),
    ("2021-01-15T09:30:20.45Z", BASE_NS + 450_000_000),
    ("2021-01-15T09:30:20.123Z", BASE_NS + 123_000_000),
    ("2021-01-15T09:30:20.123456Z", BASE_NS + 123_456_000),
    ("2021-01-15T09:30:20.1234567Z", BASE_NS + 123_456_700),
    ("2021-01-15T09:30:20.12345678Z", BASE_NS + 123_456_780),
    ("2021-01-15T09:30:20.123456789Z", BASE_NS + 123_456_789),
    ("2021-01-15T09:30:20.000000000Z", BASE_NS),
    ("2020-02-29T00:00:00Z", 1_582_934_400 * 10**9),
    ("2000-02-29T00:00:00Z", 951_782_400 * 10**9),
    ("1970-01-01T00:00:00Z", 0),
    ("1969-12-31T23:59:59.999999999Z", -1),
    ("0001-01-01T00:00:00Z", -62_135_596_800 * 10**9),
    ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999_000),
]


@pytest.mark.parametrize(("text", "epoch_ns"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted(text: str, epoch_ns: int) -> None:
    assert Instant.parse(text).epoch_ns == epoch_ns


REJECTED: list[tuple[str, str, str]] = [
    ("leap second (documented: rejected)", "2016-12-31T23:59:60Z", "leap second"),
    ("Feb 30", "2021-02-30T00:00:00Z", "no such date"),
    ("Feb 29 in a non-leap year", "2021-02-29T00:00:00Z", "no such date"),
    ("Feb 29 in 1900", "1900-02-29T00:00:00Z", "no such date"),
    ("month 13", "2021-13-01T00:00:00Z", "no such date"),
    ("day 0", "2021-01-00T00:00:00Z", "no such date"),
    ("year 0", "0000-01-01T00:00:00Z", "no such date"),
    ("hour 24", "2021-01-15T24:00:00Z", "out of range"),
    ("minute 60", "2021-01-15T09:60:00Z", "out of range"),
    ("offset hour 24", "2021-01-15T09:30:20+24:00", "offset out of range"),
    ("offset minute 60", "2021-01-15T09:30:20+01:60", "offset out of range"),
    ("before year 1 in UTC", "0001-01-01T00:30:00+01:00", "years 0001-9999"),
    ("after year 9999 in UTC", "9999-12-31T23:30:00-01:00", "years 0001-9999"),
    ("beyond the last microsecond", "9999-12-31T23:59:59.9999991Z", "years 0001-9999"),
    ("missing offset", "2021-01-15T09:30:20", "RFC 3339"),
    ("missing offset with fraction", "2021-01-15T09:30:20.5", "RFC 3339"),
    ("date only", "2021-01-15", "RFC 3339"),
    ("no seconds", "2021-01-15T09:30Z", "RFC 3339"),
    ("10 fraction digits", "2021-01-15T09:30:20.1234567891Z", "RFC 3339"),
    ("dot without digits", "2021-01-15T09:30:20.Z", "RFC 3339"),
    ("comma fraction", "2021-01-15T09:30:20,5Z", "RFC 3339"),
    ("week date", "2021-W02-5T09:30:20Z", "RFC 3339"),
    ("ordinal date", "2021-015T09:30:20Z", "RFC 3339"),
    ("basic format", "20210115T093020Z", "RFC 3339"),
    ("basic offset", "2021-01-15T09:30:20+0200", "RFC 3339"),
    ("hour-only offset", "2021-01-15T09:30:20+02", "RFC 3339"),
    ("UTC word", "2021-01-15T09:30:20 UTC", "RFC 3339"),
    ("underscore separator", "2021-01-15_09:30:20Z", "RFC 3339"),
    ("two spaces", "2021-01-15  09:30:20Z", "RFC 3339"),
    ("leading space", " 2021-01-15T09:30:20Z", "RFC 3339"),
    ("trailing newline", "2021-01-15T09:30:20Z\n", "RFC 3339"),
    ("five-digit year", "12021-01-15T09:30:20Z", "RFC 3339"),
    ("negative year", "-2021-01-15T09:30:20Z", "RFC 3339"),
    ("one-digit month", "2021-1-15T09:30:20Z", "RFC 3339"),
    ("non-ASCII digits", "２０２１-01-15T09:30:20Z", "RFC 3339"),
    ("empty", "", "RFC 3339"),
]


@pytest.mark.parametrize(("text", "reason"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_rejected(text: str, reason: str) -> None:
    with pytest.raises(TimestampError, match=reason):
        Instant.parse(text)


@pytest.mark.parametrize("text", [r[1] for r in REJECTED[:3]])
def test_rejected_operand_is_invalid_datetime(text: str) -> None:
    with pytest.raises(FilterError) as caught:
        QUERY_CALLS.parse({"filter_conditions": {"created_at": {"$gt": text}}})
    assert caught.value.codes == ["invalid_datetime"]


def test_nine_fraction_digits_compare_exactly() -> None:
    assert Instant.parse("2021-01-15T09:30:20.123457Z") > Instant.parse("2021-01-15T09:30:20.1234561Z")
    assert Instant.parse("2021-01-15T09:30:20.123456Z") < Instant.parse("2021-01-15T09:30:20.1234561Z")
    assert Instant.parse("2021-01-15T09:30:20.1Z") == Instant.parse("2021-01-15T09:30:20.100000000Z")


def test_offsets_compare_as_instants() -> None:
    assert Instant.parse("2021-01-15T11:30:20+02:00") == Instant.parse("2021-01-15T09:30:20Z")
    assert Instant.parse("2021-01-15T09:30:20+00:01") < Instant.parse("2021-01-15T09:30:20Z")


CANONICAL: list[tuple[str, str]] = [
    ("2021-01-15t09:30:20z", "2021-01-15T09:30:20Z"),
    ("2021-01-15 11:30:20.450+02:00", "2021-01-15T09:30:20.45Z"),
    ("2021-01-15T09:30:20.000000000Z", "2021-01-15T09:30:20Z"),
    ("2021-01-15T09:30:20.123456789Z", "2021-01-15T09:30:20.123456789Z"),
    ("1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.999999999Z"),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ("0999-06-01T00:00:00Z", "0999-06-01T00:00:00Z"),
    ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL)
def test_canonical_form(text: str, canonical: str) -> None:
    assert Instant.parse(text).to_rfc3339() == canonical
    assert str(Instant.parse(text)) == canonical


@settings(max_examples=300)
@given(st.integers(min_value=Instant.parse("0001-01-01T00:00:00Z").epoch_ns, max_value=253_402_300_799_999_999_000))
def test_canonical_round_trip(epoch_ns: int) -> None:
    instant = Instant(epoch_ns)
    assert Instant.parse(instant.to_rfc3339()) == instant


@settings(max_examples=200)
@given(st.datetimes(timezones=st.just(UTC)))
def test_from_datetime_agrees_with_parse(moment: datetime) -> None:
    assert Instant.from_datetime(moment) == Instant.parse(moment.isoformat())


def test_from_datetime_rejects_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        Instant.from_datetime(datetime(2021, 1, 15))


def test_floor_and_ceil_datetime() -> None:
    instant = Instant.parse("2021-01-15T09:30:20.1234561Z")
    assert instant.floor_datetime() == datetime(2021, 1, 15, 9, 30, 20, 123456, tzinfo=UTC)
    assert instant.ceil_datetime() == datetime(2021, 1, 15, 9, 30, 20, 123457, tzinfo=UTC)
    assert instant.floor_datetime().tzinfo is not None


FINE = Instant.parse("2021-01-15T09:30:20.1234561Z")
WHOLE = Instant.parse("2021-01-15T09:30:20.123456+01:00")
US_FLOOR = datetime(2021, 1, 15, 9, 30, 20, 123456, tzinfo=UTC)
US_CEIL = US_FLOOR + timedelta(microseconds=1)
AT_MICROSECONDS: list[tuple[str, Instant, tuple[str, datetime] | None]] = [
    ("$eq", FINE, None),
    ("$gt", FINE, ("$gte", US_CEIL)),
    ("$gte", FINE, ("$gte", US_CEIL)),
    ("$lt", FINE, ("$lte", US_FLOOR)),
    ("$lte", FINE, ("$lte", US_FLOOR)),
    ("$eq", WHOLE, ("$eq", datetime(2021, 1, 15, 8, 30, 20, 123456, tzinfo=UTC))),
    ("$gt", WHOLE, ("$gt", datetime(2021, 1, 15, 8, 30, 20, 123456, tzinfo=UTC))),
    ("$lte", WHOLE, ("$lte", datetime(2021, 1, 15, 8, 30, 20, 123456, tzinfo=UTC))),
]


@pytest.mark.parametrize(("op", "instant", "expected"), AT_MICROSECONDS)
def test_at_microseconds(op: str, instant: Instant, expected: tuple[str, datetime] | None) -> None:
    assert at_microseconds(op, instant) == expected


@settings(max_examples=300)
@given(
    st.sampled_from(["$eq", "$gt", "$gte", "$lt", "$lte"]),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=-3000, max_value=3000),
)
def test_at_microseconds_agrees_with_exact_comparison(op: str, operand_ns: int, offset_ns: int) -> None:
    """For every stored microsecond value near the operand, the rewritten condition
    on microseconds decides exactly as the nanosecond comparison does."""
    instant = Instant(operand_ns)
    stored_us = (operand_ns + offset_ns) // 1000
    stored = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=stored_us)
    exact = {
        "$eq": stored_us * 1000 == operand_ns,
        "$gt": stored_us * 1000 > operand_ns,
        "$gte": stored_us * 1000 >= operand_ns,
        "$lt": stored_us * 1000 < operand_ns,
        "$lte": stored_us * 1000 <= operand_ns,
    }[op]
    rewritten = at_microseconds(op, instant)
    if rewritten is None:
        assert exact is False
        return
    new_op, bound = rewritten
    decided = {
        "$eq": stored == bound,
        "$gt": stored > bound,
        "$gte": stored >= bound,
        "$lt": stored < bound,
        "$lte": stored <= bound,
    }[new_op]
    assert decided == exact


def test_other_timezone_datetimes() -> None:
    tz = timezone(timedelta(hours=-7))
    assert Instant.from_datetime(datetime(2021, 1, 15, 2, 30, 20, tzinfo=tz)).epoch_ns == BASE_NS
