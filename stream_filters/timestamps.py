"""RFC 3339 timestamps, kept exact to the nanosecond (SPEC §3).

Operands may carry 9 fraction digits while stored values have microseconds, so
an operand is an `Instant` (integer nanoseconds since the Unix epoch, UTC) and
backends that store microseconds ask `at_microseconds` for the equivalent
condition on their precision.

Decisions (recorded in the README):
- a leap second (`23:59:60`) is rejected: none of our stores can hold one;
- the instant in UTC must fall within years 0001-9999;
- only RFC 3339's own form is accepted: no week or ordinal dates, no basic
  format, no missing offset, no `24:00`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_NS_PER_S = 1_000_000_000
_NS_PER_US = 1_000
_MIN_NS = (datetime(1, 1, 1) - _EPOCH) // timedelta(microseconds=1) * _NS_PER_US
# The last whole microsecond, so that ceil_datetime() of any accepted instant exists.
_MAX_NS = (datetime(9999, 12, 31, 23, 59, 59, 999999) - _EPOCH) // timedelta(microseconds=1) * _NS_PER_US


class TimestampError(ValueError):
    """Why a string is not an RFC 3339 timestamp; the message is for users."""


@dataclass(frozen=True, slots=True, order=True)
class Instant:
    """A point in time: integer nanoseconds since 1970-01-01T00:00:00Z."""

    epoch_ns: int

    @classmethod
    def parse(cls, text: str) -> Instant:
        return cls(parse_rfc3339_ns(text))

    @classmethod
    def from_datetime(cls, value: datetime) -> Instant:
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware datetime")
        micros = (value - _EPOCH_UTC) // timedelta(microseconds=1)
        return cls(micros * _NS_PER_US)

    @property
    def is_whole_microsecond(self) -> bool:
        return self.epoch_ns % _NS_PER_US == 0

    def floor_datetime(self) -> datetime:
        """The latest microsecond-precision datetime not after this instant."""
        return _EPOCH_UTC + timedelta(microseconds=self.epoch_ns // _NS_PER_US)

    def ceil_datetime(self) -> datetime:
        """The earliest microsecond-precision datetime not before this instant."""
        return _EPOCH_UTC + timedelta(microseconds=-(-self.epoch_ns // _NS_PER_US))

    def to_rfc3339(self) -> str:
        """Canonical form: UTC, `Z`, fraction digits only as many as needed."""
        seconds, nanos = divmod(self.epoch_ns, _NS_PER_S)
        base = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
        if len(base) < 19:  # strftime drops leading zeros of years before 1000
            base = base.zfill(19)
        fraction = f"{nanos:09d}".rstrip("0")
        return f"{base}.{fraction}Z" if fraction else f"{base}Z"

    def __str__(self) -> str:
        return self.to_rfc3339()


def parse_rfc3339_ns(text: str) -> int:
    """Nanoseconds since the epoch for an RFC 3339 timestamp, or TimestampError."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise TimestampError(
            "expected an RFC 3339 timestamp such as 2021-01-15T09:30:20.45Z "
            "(date, 'T' or space, time, optional 1-9 fraction digits, 'Z' or an offset like +02:00)"
        )
    year, month, day, hour, minute, second = map(int, match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    if second == 60:
        raise TimestampError("leap seconds (second 60) are not supported; use second 59 or the next minute")
    if hour > 23 or minute > 59 or second > 59:
        raise TimestampError("time out of range: hours are 00-23, minutes and seconds 00-59")
    try:
        day_number = date(year, month, day).toordinal()
    except ValueError as exc:
        raise TimestampError(f"no such date: {exc}") from None
    offset_seconds = 0
    if offset not in ("Z", "z"):
        off_hours, off_minutes = int(offset[1:3]), int(offset[4:6])
        if off_hours > 23 or off_minutes > 59:
            raise TimestampError("offset out of range: hours 00-23, minutes 00-59")
        offset_seconds = (off_hours * 3600 + off_minutes * 60) * (1 if offset[0] == "+" else -1)
    days = day_number - _EPOCH_ORDINAL
    whole_seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds
    nanos = whole_seconds * _NS_PER_S + (int(fraction.ljust(9, "0")) if fraction else 0)
    if not _MIN_NS <= nanos <= _MAX_NS:
        raise TimestampError("timestamp out of range: it must fall within years 0001-9999 in UTC")
    return nanos


def at_microseconds(op: str, instant: Instant) -> tuple[str, datetime] | None:
    """The same comparison against values stored with microsecond precision.

    `op` is one of `$eq $gt $gte $lt $lte`; any other is a ValueError, never
    read as one of them. Returns the operator and datetime to use instead, or
    None when no microsecond value can match (equality with an instant between
    two microseconds).
    """
    if op not in _COMPARISONS:
        raise ValueError(f"{op} is not a comparison")
    if instant.is_whole_microsecond:
        return op, instant.floor_datetime()
    if op == "$eq":
        return None
    if op in ("$gt", "$gte"):
        return "$gte", instant.ceil_datetime()
    return "$lte", instant.floor_datetime()


_COMPARISONS = frozenset({"$eq", "$gt", "$gte", "$lt", "$lte"})
