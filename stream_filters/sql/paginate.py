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

from ..ast import Node
from ..cursors import SortValue
from ..field_types import FieldType
from ..operators import fold, words
from ..pagination import Fetch, Page, plan, run, run_async
from ..query import Query
from ..schema import Schema, SortKey
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
    """The statements of one query, built once and reused (see `statements`):
    the WHERE clause, and per keyset shape (direction and which boundary values
    are NULL) one SELECT per range, with the boundary values and the LIMIT as
    bound parameters."""

    def __init__(self, schema: Schema, node: Node, sort: tuple[SortKey, ...], mapping: SqlMapping, dialect: Dialect):
        self.dialect = dialect
        self.where = compile_filter(node, mapping, dialect)
        self.columns = [_sort_column(schema, key, mapping, dialect) for key in sort]
        labels = [c.raw.label(_SORT_LABEL.format(i)) for i, c in enumerate(self.columns)]
        self.base = sa.select(*mapping.columns, *labels).select_from(mapping.table).where(self.where)
        self.width = len(mapping.columns)
        self.keys = list(self.base.selected_columns.keys())[: self.width]
        self.types = [schema.by_name[k.field].type for k in sort]
        self._shapes: dict[tuple[bool, tuple[bool, ...] | None], list[Select[Any]]] = {}

    def selects(self, fetch: Fetch) -> list[tuple[Select[Any], dict[str, Any]]]:
        """The SELECTs for `fetch`, nearest range first, each with its parameters."""
        nulls = None if fetch.after is None else tuple(v is None for v in fetch.after)
        key = (fetch.forward, nulls)
        shape = self._shapes.get(key)
        if shape is None:
            order = keyset.order_by(self.columns, fetch.forward, self.dialect)
            limit = sa.bindparam(keyset.LIMIT_PARAM, type_=sa.Integer())
            shape = [
                self.base.where(part).order_by(*order).limit(limit)
                for part in keyset.parts(self.columns, nulls, fetch.forward, self.dialect)
            ]
            self._shapes[key] = shape
        params = keyset.parameters(self.columns, fetch.after, self.dialect)
        return [(select, params) for select in shape]

    def item(self, row: Row[Any]) -> Item:
        return dict(zip(self.keys, row[: self.width], strict=True))

    def sort_values(self, row: Row[Any]) -> tuple[SortValue, ...]:
        return tuple(_sort_value(kind, v) for kind, v in zip(self.types, row[self.width :], strict=True))


@lru_cache(maxsize=512)
def statements(
    schema: Schema, node: Node, sort: tuple[SortKey, ...], mapping: SqlMapping, dialect: Dialect
) -> Statements:
    """Statements are cached per (schema, filter, sort, mapping, dialect): a
    page request then costs the database round trips and little else."""
    return Statements(schema, node, sort, mapping, dialect)


def for_query(query: Query, mapping: SqlMapping, dialect: Dialect) -> Statements:
    return statements(query.schema, query.filter, query.sort, mapping, dialect)


def _sort_column(schema: Schema, key: SortKey, mapping: SqlMapping, dialect: Dialect) -> keyset.SortColumn:
    target = mapping.target(key.field)
    if not isinstance(target, Scalar):
        raise ValueError(f"sort field {key.field!r} must map to a column or expression")
    kind = schema.by_name[key.field].type
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
    prepared = for_query(query, mapping, dialect)
    if dialect.name == "sqlite":
        register_sqlite_functions(_dbapi(connection))
    rows_of: dict[int, Row[Any]] = {}

    def fetch(request: Fetch) -> list[Item]:
        rows: list[Row[Any]] = []
        for select, params in prepared.selects(request):
            params[keyset.LIMIT_PARAM] = request.count - len(rows)
            rows.extend(connection.execute(select, params).all())
            if len(rows) >= request.count:
                break
        return _items(prepared, rows, rows_of)

    return run(plan(query, lambda item: prepared.sort_values(rows_of[id(item)]), secret), fetch)


def _items(statements: Statements, rows: Sequence[Row[Any]], rows_of: dict[int, Row[Any]]) -> list[Item]:
    """Items for the plan; each one's row is kept, since the plan asks for the
    sort values of at most two of them."""
    items = []
    for row in rows:
        item = statements.item(row)
        rows_of[id(item)] = row
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
    prepared = for_query(query, mapping, dialect)
    rows_of: dict[int, Row[Any]] = {}

    async def fetch(request: Fetch) -> list[Item]:
        rows: list[Row[Any]] = []
        for select, params in prepared.selects(request):
            params[keyset.LIMIT_PARAM] = request.count - len(rows)
            result = await connection.execute(select, params)
            rows.extend(result.all())
            if len(rows) >= request.count:
                break
        return _items(prepared, rows, rows_of)

    return await run_async(plan(query, lambda item: prepared.sort_values(rows_of[id(item)]), secret), fetch)


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
