"""`RowCache`: a page's items built once per stored row, for pages read on the driver's cursor.

An API server answers the same rows again and again (the first page of a
listing, the members of popular calls). On the driver's cursor (`driver.py`)
most of a page's CPU after the database's own work goes into turning each row
into an item: the columns' result processors (timestamps parsed, JSON
decoded), a dict per row, and then the application's own record and response
shape. A `RowCache` keeps each item by the row exactly as the driver returned
it, so a row read before costs a hash and a lookup.

The key is every value of the row as the driver returned it, with its type,
never an id or a version: a row changed by any write, by this process or
another, has another key, so nothing stale can be served. The types are part
of the key because equal values of different types convert differently
(SQLite's dynamic typing may hand back `1` in one row and `1.0` in another;
`True == 1`). Values equal to others of their own type but stored otherwise
have what tells them apart in the key too: a float zero's sign (`-0.0 ==
0.0`), a Decimal's digits and exponent (`1.0 == 1.00`). An aware datetime is
keyed by its instant: its zone is the session's rendering, not stored, so a
change of the session's time zone does not rebuild items. Values the driver
decodes itself into unhashable objects (jsonb on psycopg) are keyed by their
`repr`, which tells `1` from `1.0` and keeps key order.

Items are shared between pages: `build` should return an immutable object
(a frozen dataclass, a tuple), since a change to one would show in every
later page that reads its row.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar

from .driver import Rows

T = TypeVar("T")
Entry = tuple[Any, Sequence[Any]]  # (item, its converted row: the page plan reads sort values from it)


class RowCache(Generic[T]):
    """Items `build(row_dict)` by the driver's row, at most `maxsize` of them
    (the oldest out first). One cache serves one mapping (or one statement's
    columns) and one `build`: `paginate(..., driver_cursor=True, items=cache)`."""

    def __init__(self, build: Callable[[dict[str, Any]], T], maxsize: int = 4096) -> None:
        if maxsize < 1:
            raise ValueError("a RowCache holds at least one item")
        self.build = build
        self.maxsize = maxsize
        self._entries: dict[Any, Entry] = {}
        self._keys: tuple[str, ...] | None = None  # the columns it was first used with
        self._ambiguous: dict[tuple[type, ...], tuple[int, ...]] = {}  # by the row's types: `_TELL_APART`
        self._lock = threading.Lock()  # for misses only: a hit is one dict lookup, atomic under the GIL

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, rows: Rows, keys: tuple[str, ...], width: int) -> list[Entry]:
        """(item, converted row) for each row; `keys` name the first `width` columns."""
        if keys is not self._keys and keys != self._keys:  # a first use, or another mapping's columns
            self._check(keys)
        entries = self._entries
        ambiguous = self._ambiguous
        found: list[Entry] = []
        for raw in rows.raw:  # the hot loop of a cached page: kept inline
            types = tuple(map(type, raw))
            positions = ambiguous.get(types)
            if positions is None:
                positions = self._positions(types)
            if positions:
                key: Any = (raw, types, tuple([_TELL_APART[types[i]](raw[i]) for i in positions]))
            else:
                key = (raw, types)
            try:
                entry = entries.get(key)
            except TypeError:  # a value the driver decoded itself (jsonb on psycopg: a dict)
                key = tuple(tuple(v if _hashable(v) else repr(v) for v in part) for part in key)
                entry = entries.get(key)
            if entry is None:
                entry = self._add(key, rows.convert(raw), keys, width)
            found.append(entry)
        return found

    def _positions(self, types: tuple[type, ...]) -> tuple[int, ...]:
        positions = tuple(i for i, kind in enumerate(types) if kind in _TELL_APART)
        if len(self._ambiguous) < _TYPE_ROWS:
            self._ambiguous[types] = positions
        return positions

    def _check(self, keys: tuple[str, ...]) -> None:
        with self._lock:
            if self._keys is None:
                self._keys = keys
            elif self._keys != keys:
                raise ValueError(f"this RowCache holds items of the columns {self._keys}, not {keys}")

    def _add(self, key: Any, row: Sequence[Any], keys: tuple[str, ...], width: int) -> Entry:
        entry = (self.build(dict(zip(keys, row[:width], strict=True))), row)
        with self._lock:
            if len(self._entries) >= self.maxsize:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = entry
        return entry


# Values equal to others of their type but stored otherwise, and what tells
# them apart in the key: -0.0 == 0.0, Decimal("1.0") == Decimal("1.00"). (An
# aware datetime equals the same instant in another zone, and so it is: a
# timestamp's zone is the session's rendering, not stored.)
_TELL_APART: dict[type, Callable[[Any], Any]] = {
    float: lambda value: math.copysign(1.0, value) if value == 0 else None,
    Decimal: Decimal.as_tuple,
}
_TYPE_ROWS = 1024  # distinct rows of column types remembered (a nullable column doubles them)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
