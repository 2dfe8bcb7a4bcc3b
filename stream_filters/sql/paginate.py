"""`paginate` / `paginate_async`: one page of a query from a SQL database.

The page logic is `pagination.plan`; this module only supplies its `fetch`
primitive: the keyset ranges of `keyset.parts`, each one query with the sort's
ORDER BY and a LIMIT, run in order until `count` rows are found.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from ..cursors import SortValue
from ..field_types import FieldType
from ..operators import fold, words
from ..pagination import Fetch, Page, plan, run, run_async
from ..query import Query
from . import keyset
from .compiler import compile_filter
from .dialects import Dialect, for_sqlalchemy
from .mapping import Scalar, SqlMapping
from .types import from_decimal, to_utc

if TYPE_CHECKING:  # importing sqlalchemy.ext.asyncio needs greenlet
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Item = dict[str, Any]
_SORT_LABEL = "_sf_sort_{}"


class Statements:
    """The statements of one query: its WHERE clause compiled once, then one
    SELECT per keyset range for each fetch."""

    def __init__(self, query: Query, mapping: SqlMapping, dialect: Dialect) -> None:
        self.query = query
        self.dialect = dialect
        self.where = compile_filter(query.filter, mapping, dialect)
        self.columns = [_sort_column(query, mapping, dialect, i) for i in range(len(query.sort))]
        labels = [c.raw.label(_SORT_LABEL.format(i)) for i, c in enumerate(self.columns)]
        self.base = sa.select(*mapping.columns, *labels).select_from(mapping.table).where(self.where)
        self.width = len(mapping.columns)
        self.keys = list(self.base.selected_columns.keys())[: self.width]
        self.types = [query.schema.by_name[k.field].type for k in query.sort]

    def selects(self, fetch: Fetch) -> list[Select[Any]]:
        order = keyset.order_by(self.columns, fetch.forward, self.dialect)
        return [
            self.base.where(part).order_by(*order)
            for part in keyset.parts(self.columns, fetch.after, fetch.forward, self.dialect)
        ]

    def item(self, row: Row[Any]) -> Item:
        return dict(zip(self.keys, row[: self.width], strict=True))

    def sort_values(self, row: Row[Any]) -> tuple[SortValue, ...]:
        return tuple(_sort_value(kind, v) for kind, v in zip(self.types, row[self.width :], strict=True))

    def first_page(self) -> Select[Any]:
        return self.selects(Fetch(None, True, self.query.limit + 1))[0].limit(self.query.limit + 1)


def _sort_column(query: Query, mapping: SqlMapping, dialect: Dialect, index: int) -> keyset.SortColumn:
    key = query.sort[index]
    target = mapping.target(key.field)
    if not isinstance(target, Scalar):
        raise ValueError(f"sort field {key.field!r} must map to a column or expression")
    kind = query.schema.by_name[key.field].type
    expr = dialect.string(target.expr) if kind is FieldType.STRING else target.expr
    return keyset.SortColumn(expr, target.expr, key.direction == 1, target.nullable)


def _sort_value(kind: FieldType, value: Any) -> SortValue:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, Decimal):
        return from_decimal(value)
    if kind is FieldType.BOOLEAN:
        return bool(value)
    if kind is FieldType.DATETIME and isinstance(value, str):
        return to_utc(datetime.fromisoformat(value))
    return value  # type: ignore[no-any-return]


# -- sync ----------------------------------------------------------------------------


def paginate(
    query: Query, connection: Connection | Session, mapping: SqlMapping, *, secret: bytes | str | None = None
) -> Page[Item]:
    """One page of `query`: items are dicts of the mapping's columns."""
    dialect = for_sqlalchemy(_bind(connection).dialect)
    statements = Statements(query, mapping, dialect)
    if dialect.name == "sqlite":
        register_sqlite_functions(_dbapi(connection))
    sort_values: dict[int, tuple[SortValue, ...]] = {}

    def fetch(request: Fetch) -> list[Item]:
        rows: list[Row[Any]] = []
        for select in statements.selects(request):
            rows.extend(connection.execute(select.limit(request.count - len(rows))).all())
            if len(rows) >= request.count:
                break
        return _items(statements, rows, sort_values)

    return run(plan(query, lambda item: sort_values[id(item)], secret), fetch)


def _items(statements: Statements, rows: Sequence[Row[Any]], sort_values: dict[int, Any]) -> list[Item]:
    items = []
    for row in rows:
        item = statements.item(row)
        sort_values[id(item)] = statements.sort_values(row)
        items.append(item)
    return items


def _bind(connection: Any) -> Any:
    """What knows the dialect: a connection itself, or a session's bind."""
    return connection.get_bind() if hasattr(connection, "get_bind") else connection


def _dbapi(connection: Connection | Session) -> Any:
    conn = connection.connection() if isinstance(connection, Session) else connection
    return conn.connection.dbapi_connection


# -- async ---------------------------------------------------------------------------


async def paginate_async(
    query: Query,
    connection: AsyncConnection | AsyncSession,
    mapping: SqlMapping,
    *,
    secret: bytes | str | None = None,
) -> Page[Item]:
    """`paginate` for `AsyncConnection` and `AsyncSession`."""
    dialect = for_sqlalchemy(_bind(connection).dialect)
    statements = Statements(query, mapping, dialect)
    sort_values: dict[int, tuple[SortValue, ...]] = {}

    async def fetch(request: Fetch) -> list[Item]:
        rows: list[Row[Any]] = []
        for select in statements.selects(request):
            result = await connection.execute(select.limit(request.count - len(rows)))
            rows.extend(result.all())
            if len(rows) >= request.count:
                break
        return _items(statements, rows, sort_values)

    return await run_async(plan(query, lambda item: sort_values[id(item)], secret), fetch)


# -- SQLite functions ------------------------------------------------------------


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """`$autocomplete` and `$q` on SQLite run Python's own lower-casing and word
    splitting (SQLite's `lower()` is ASCII-only)."""
    dbapi_connection.create_function("sf_autocomplete", 2, _sqlite_autocomplete, deterministic=True)
    dbapi_connection.create_function("sf_has_words", 2, _sqlite_has_words, deterministic=True)


def install_sqlite_functions(engine: sa.Engine) -> None:
    """Register the functions on every new connection of `engine`."""
    sa.event.listen(engine, "connect", lambda dbapi_connection, _record: register_sqlite_functions(dbapi_connection))


def _sqlite_autocomplete(value: Any, prefix: str) -> int | None:
    if not isinstance(value, str):
        return None
    return int(fold(value).startswith(prefix))


@lru_cache(maxsize=256)
def _wanted(words_json: str) -> frozenset[str]:
    return frozenset(json.loads(words_json))


def _sqlite_has_words(value: Any, words_json: str) -> int | None:
    if not isinstance(value, str):
        return None
    return int(_wanted(words_json) <= set(words(value)))
