"""Column types that keep SPEC semantics in every dialect.

- `UtcDateTime`: stores UTC (naive on SQLite and MariaDB, `timestamptz` on
  PostgreSQL), returns timezone-aware UTC datetimes. SQLAlchemy's plain
  `DateTime` on SQLite drops an offset without converting it.
- `ExactNumber`: `number` fields without losing integers beyond 2^53 where the
  database can: SQLite NUMERIC affinity keeps integers and reals as given;
  PostgreSQL NUMERIC receives floats as their exact binary value. MariaDB has
  no exact type for both 1e300 and 2^53 + 1, so it stores a DOUBLE (documented).
- `code_point_string`: a string column whose collation compares code points.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

from ..sqlcore.numbers import from_decimal
from ..sqlcore.strings import MARIADB_COLLATION, PG_COLLATION


class UtcDateTime(TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return to_utc(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], datetime | None]:
        """One function per value instead of SQLAlchemy's chain (the impl's
        parser, then `process_result_value`): a page reads several timestamps
        per row. SQLite's text is parsed straight into an aware datetime,
        since `datetime.replace` costs several times the parse."""
        if dialect.name == "sqlite":
            return _sqlite_utc
        return utc_datetime


def _sqlite_utc(value: str | None) -> datetime | None:
    """SQLite's stored text: naive UTC as SQLAlchemy writes it, or (written by
    other means) any ISO 8601 text, an offset included."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:  # it carries an offset of its own, or is not the usual text
        return to_utc(datetime.fromisoformat(value))


@overload
def utc_datetime(value: None) -> None: ...
@overload
def utc_datetime(value: datetime | str) -> datetime: ...
def utc_datetime(value: datetime | str | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime: a driver's datetime (aware
    from psycopg, naive UTC from MariaDB), or ISO 8601 text where a driver or
    a JSON document holds it (naive text is UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return to_utc(value)


def to_utc(value: datetime) -> datetime:
    """Naive datetimes from the database hold UTC; aware ones are converted
    (unless already in UTC: psycopg's are when the session's TimeZone is UTC)."""
    tz = value.tzinfo
    if tz is UTC:
        return value
    return value.replace(tzinfo=UTC) if tz is None else value.astimezone(UTC)


class _SqliteNumeric(UserDefinedType[Any]):
    """NUMERIC affinity with values passed through untouched (no Decimal)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "NUMERIC"


class ExactNumber(TypeDecorator[Any]):
    impl = sa.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteNumeric())
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.NUMERIC())
        return dialect.type_descriptor(mysql.DOUBLE(asdecimal=False))  # asdecimal would round to 10 digits

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or isinstance(value, Decimal):
            return value
        if dialect.name == "postgresql":
            return Decimal(value)
        if dialect.name in ("mysql", "mariadb"):
            return float(value)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return from_decimal(value) if isinstance(value, Decimal) else value


def code_point_string(length: int = 255) -> TypeEngine[str]:
    """A VARCHAR compared by code point: collation C on PostgreSQL, a no-pad
    binary collation on MariaDB (utf8mb4_bin would ignore trailing spaces)."""
    return (
        sa.String(length)
        .with_variant(sa.String(length, collation=PG_COLLATION), "postgresql")
        .with_variant(mysql.VARCHAR(length, charset="utf8mb4", collation=MARIADB_COLLATION), "mysql", "mariadb")
    )


def json_type() -> TypeEngine[Any]:
    """JSON everywhere, JSONB on PostgreSQL."""
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
