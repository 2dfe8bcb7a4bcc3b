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
from functools import cache

from .frozen import new, slot_setters

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = EPOCH.toordinal()
_NAIVE_EPOCH = EPOCH.replace(tzinfo=None)
_MICROSECOND = timedelta(microseconds=1)
_from_iso = datetime.fromisoformat
_NS_PER_S = 1_000_000_000
_NS_PER_US = 1_000
# Nanoseconds per unit of the last digit of a fraction of n digits, by n.
_FRACTION_SCALE = tuple(10 ** (9 - n) if n else 0 for n in range(10))
_MIN_NS = (datetime(1, 1, 1, tzinfo=UTC) - EPOCH) // _MICROSECOND * _NS_PER_US
# The last whole microsecond, so that ceil_datetime() of any accepted instant exists.
_MAX_NS = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - EPOCH) // _MICROSECOND * _NS_PER_US


class TimestampError(ValueError):
    """Why a string is not an RFC 3339 timestamp; the message is for users."""


@dataclass(frozen=True, slots=True, order=True)
class Instant:
    """A point in time: integer nanoseconds since 1970-01-01T00:00:00Z."""

    epoch_ns: int

    @staticmethod
    def parse(text: str) -> Instant:
        instant = new(Instant)  # built at half the cost of `Instant(...)` (frozen.py): operands are many
        _set_epoch_ns(instant, parse_rfc3339_ns(text))
        return instant

    @classmethod
    def from_datetime(cls, value: datetime) -> Instant:
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware datetime")
        return cls(epoch_micros(value) * _NS_PER_US)

    @property
    def is_whole_microsecond(self) -> bool:
        return self.epoch_ns % _NS_PER_US == 0

    def floor_datetime(self) -> datetime:
        """The latest microsecond-precision datetime not after this instant."""
        return from_epoch_micros(self.epoch_ns // _NS_PER_US)

    def ceil_datetime(self) -> datetime:
        """The earliest microsecond-precision datetime not before this instant."""
        return from_epoch_micros(-(-self.epoch_ns // _NS_PER_US))

    def to_rfc3339(self) -> str:
        """Canonical form: UTC, `Z`, fraction digits only as many as needed."""
        seconds, nanos = divmod(self.epoch_ns, _NS_PER_S)
        base = (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
        if len(base) < 19:  # strftime drops leading zeros of years before 1000
            base = base.zfill(19)
        fraction = f"{nanos:09d}".rstrip("0")
        return f"{base}.{fraction}Z" if fraction else f"{base}Z"

    def __str__(self) -> str:
        return self.to_rfc3339()


(_set_epoch_ns,) = slot_setters(Instant, "epoch_ns")


def epoch_micros(value: datetime) -> int:
    """Whole microseconds since the epoch of an aware datetime."""
    return (value - EPOCH) // _MICROSECOND


def from_epoch_micros(micros: int) -> datetime:
    """The UTC datetime `micros` microseconds after the epoch (OverflowError
    outside years 1-9999)."""
    return EPOCH + micros * _MICROSECOND


def parse_rfc3339_ns(text: str) -> int:
    """Nanoseconds since the epoch for an RFC 3339 timestamp, or TimestampError."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise TimestampError(
            "expected an RFC 3339 timestamp such as 2021-01-15T09:30:20.45Z "
            "(date, 'T' or space, time, optional 1-9 fraction digits, 'Z' or an offset like +02:00)"
        )
    # The pattern fixed the shape, so the first 19 characters are the local date
    # and time, and `datetime.fromisoformat` (C) reads them with the range of
    # every part checked (no second 60, no February 30). Going through its
    # timezone-aware arithmetic costs more than the rest of the reading, so the
    # offset and the fraction are read here from the pattern's groups. Whatever
    # is out of range is read again in full, below, to say what is wrong.
    fraction, offset = match.group(7, 8)
    try:
        local = _from_iso(text[:19])
    except ValueError:
        return _parse_in_full(match)
    since_epoch = local - _NAIVE_EPOCH  # whole seconds: the fraction is not in those 19 characters
    nanos = (since_epoch.days * 86_400 + since_epoch.seconds - _offset_seconds(offset)) * _NS_PER_S
    if fraction:
        nanos += int(fraction) * _FRACTION_SCALE[len(fraction)]
    return _in_range(nanos)


@cache  # reading one costs 0.6 µs; there are 2,882 valid ones (a bad one raises, so is not kept)
def _offset_seconds(offset: str) -> int:
    """The seconds an offset (`Z`, `z` or `±hh:mm`, as the pattern matched) adds to UTC."""
    if offset in ("Z", "z"):
        return 0
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if hours > 23 or minutes > 59:
        raise TimestampError("offset out of range: hours 00-23, minutes 00-59")
    seconds = hours * 3600 + minutes * 60
    return -seconds if offset[0] == "-" else seconds


def _in_range(nanos: int) -> int:
    if not _MIN_NS <= nanos <= _MAX_NS:
        raise TimestampError("timestamp out of range: it must fall within years 0001-9999 in UTC")
    return nanos


def _parse_in_full(match: re.Match[str]) -> int:
    year, month, day, hours, minutes, seconds, fraction, offset = match.groups()
    hour, minute, second = int(hours), int(minutes), int(seconds)
    if second == 60:
        raise TimestampError("leap seconds (second 60) are not supported; use second 59 or the next minute")
    if hour > 23 or minute > 59 or second > 59:
        raise TimestampError("time out of range: hours are 00-23, minutes and seconds 00-59")
    try:
        day_number = date(int(year), int(month), int(day)).toordinal()
    except ValueError as exc:
        raise TimestampError(f"no such date: {exc}") from None
    whole_seconds = (day_number - _EPOCH_ORDINAL) * 86_400 + hour * 3600 + minute * 60 + second
    nanos = (whole_seconds - _offset_seconds(offset)) * _NS_PER_S
    if fraction:
        nanos += int(fraction) * _FRACTION_SCALE[len(fraction)]
    return _in_range(nanos)


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
