"""`paginate` / `paginate_async`: one page of a query from a SQL database.

The page logic is `pagination.plan`; this module only supplies its `fetch`
primitive: the keyset ranges of `keyset.parts`, each one query with the sort's
ORDER BY and a LIMIT, run in order until `count` rows are found.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from ..ast import Condition, Node, conditions
from ..cursors import Secrets, SortValue
from ..field_types import FieldType
from ..operators import Op, fold, words
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
        # A sort key that is one of the returned columns is read from there;
        # any other (an expression) is selected after them under a label.
        selected = {id(c): i for i, c in enumerate(mapping.columns)}
        extra: list[Any] = []
        for c in self.columns:
            if id(c.raw) not in selected:
                selected[id(c.raw)] = len(mapping.columns) + len(extra)
                extra.append(c.raw)
        self.positions = [selected[id(c.raw)] for c in self.columns]
        labels = [expr.label(_SORT_LABEL.format(i)) for i, expr in enumerate(extra)]
        self.base = sa.select(*mapping.columns, *labels).select_from(mapping.table).where(self.where)
        self.width = len(mapping.columns)
        self.keys = list(self.base.selected_columns.keys())[: self.width]
        self.types = [schema.by_name[k.field].type for k in sort]
        self.needs_functions = any(_needs_function(c) for c in conditions(node))
        self._shapes: dict[tuple[bool, tuple[bool, ...] | None, bool], list[Select[Any]]] = {}

    def selects(self, fetch: Fetch, inclusive: bool = False) -> list[tuple[Select[Any], dict[str, Any]]]:
        """The SELECTs for `fetch`, nearest range first, each with its parameters."""
        nulls = None if fetch.after is None else tuple(v is None for v in fetch.after)
        key = (fetch.forward, nulls, inclusive)
        shape = self._shapes.get(key)
        if shape is None:
            order = keyset.order_by(self.columns, fetch.forward, self.dialect)
            limit = sa.bindparam(keyset.LIMIT_PARAM, type_=sa.Integer())
            shape = [
                self.base.where(part).order_by(*order).limit(limit)
                for part in keyset.parts(self.columns, nulls, fetch.forward, self.dialect, inclusive)
            ]
            self._shapes[key] = shape
        params = keyset.parameters(self.columns, fetch.after, self.dialect)
        return [(select, params) for select in shape]

    def item(self, row: Row[Any]) -> Item:
        return dict(zip(self.keys, row[: self.width], strict=True))

    def sort_values(self, row: Row[Any]) -> tuple[SortValue, ...]:
        return tuple(_sort_value(kind, row[i]) for kind, i in zip(self.types, self.positions, strict=True))


@lru_cache(maxsize=512)
def statements(
    schema: Schema, node: Node, sort: tuple[SortKey, ...], mapping: SqlMapping, dialect: Dialect
) -> Statements:
    """Statements are cached per (schema, filter, sort, mapping, dialect): a
    page request then costs the database round trips and little else."""
    return Statements(schema, node, sort, mapping, dialect)


def for_query(query: Query, mapping: SqlMapping, dialect: Dialect) -> Statements:
    return statements(query.schema, query.where, query.sort, mapping, dialect)


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


def _needs_function(cond: Condition) -> bool:
    """Whether SQLite runs one of our functions for `cond`: text matching, or a
    number compared inside custom data."""
    if cond.op in (Op.AUTOCOMPLETE, Op.Q):
        return True
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    return cond.type is FieldType.CUSTOM and any(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


# -- sync ----------------------------------------------------------------------------


def paginate(
    query: Query, connection: Connection | Session, mapping: SqlMapping, *, secret: Secrets = None
) -> Page[Item]:
    """One page of `query`: items are dicts of the mapping's columns."""
    dialect = for_sqlalchemy(_bind(connection).dialect)
    prepared = for_query(query, mapping, dialect)
    if dialect.name == "sqlite" and prepared.needs_functions:
        register_sqlite_functions(_dbapi(connection))
    fetcher = Fetcher(prepared)

    def fetch(request: Fetch) -> list[Item]:
        steps = fetcher.steps(request)
        try:
            select, params = next(steps)
            while True:
                select, params = steps.send(connection.execute(select, params).all())
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    return run(plan(query, fetcher.sort_values, secret), fetch)


class Fetcher:
    """`fetch` for one page, sans-IO: `steps(request)` yields (SELECT,
    parameters) and receives rows.

    A page after a cursor is followed by the plan's check for a row before the
    page. The first query therefore reads from the boundary row itself
    (`>=` instead of `>`): when that row still exists, it answers the check
    without another round trip; when it was deleted, the check runs as asked.
    """

    def __init__(self, prepared: Statements) -> None:
        self.prepared = prepared
        self.rows_of: dict[int, Row[Any]] = {}
        self.known: tuple[tuple[SortValue, ...], bool, list[Item]] | None = None

    def sort_values(self, item: Item) -> tuple[SortValue, ...]:
        return self.prepared.sort_values(self.rows_of[id(item)])

    def steps(self, request: Fetch) -> Generator[tuple[Select[Any], dict[str, Any]], Sequence[Row[Any]], list[Item]]:
        known, self.known = self.known, None
        if known is not None and request.count == 1 and (request.after, request.forward) == known[:2]:
            return known[2]
        inclusive = request.after is not None and request.count > 1
        rows: list[Row[Any]] = []
        boundary: Row[Any] | None = None
        for i, (select, params) in enumerate(self.prepared.selects(request, inclusive)):
            extra = 1 if inclusive and i == 0 else 0
            params[keyset.LIMIT_PARAM] = request.count - len(rows) + extra
            got = list((yield select, params))
            if extra and got and self.prepared.sort_values(got[0]) == request.after:
                boundary, got = got[0], got[1:]
            rows.extend(got[: request.count - len(rows)])
            if len(rows) >= request.count:
                break
        items = self.items(rows)
        if boundary is not None and rows:
            self.known = (self.prepared.sort_values(rows[0]), not request.forward, self.items([boundary]))
        return items

    def items(self, rows: Sequence[Row[Any]]) -> list[Item]:
        """Items for the plan; each one's row is kept, since the plan asks for
        the sort values of at most two of them."""
        items = []
        for row in rows:
            item = self.prepared.item(row)
            self.rows_of[id(item)] = row
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
    secret: Secrets = None,
) -> Page[Item]:
    """`paginate` for `AsyncConnection` and `AsyncSession`."""
    dialect = for_sqlalchemy(_bind(connection).dialect)
    prepared = for_query(query, mapping, dialect)
    fetcher = Fetcher(prepared)

    async def fetch(request: Fetch) -> list[Item]:
        steps = fetcher.steps(request)
        try:
            select, params = next(steps)
            while True:
                result = await connection.execute(select, params)
                select, params = steps.send(result.all())
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    return await run_async(plan(query, fetcher.sort_values, secret), fetch)


# -- SQLite functions ------------------------------------------------------------


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """`$autocomplete` and `$q` on SQLite run Python's own lower-casing and word
    splitting (SQLite's `lower()` is ASCII-only); numbers in JSON are compared by
    Python from their text (`json_extract` reads integers beyond 64 bits as REAL)."""
    dbapi_connection.create_function("sf_autocomplete", 2, _sqlite_autocomplete, deterministic=True)
    dbapi_connection.create_function("sf_has_words", 2, _sqlite_has_words, deterministic=True)
    dbapi_connection.create_function("sf_compare_numbers", 2, _sqlite_compare_numbers, deterministic=True)


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


def _sqlite_compare_numbers(text: Any, operand: int | float) -> int | None:
    """The sign of `number - operand` for a JSON number's text, exactly as Python
    compares an int or float with another (SPEC §3)."""
    if not isinstance(text, str):
        return None
    try:  # the text of a JSON number (the caller's guard): as `json.loads` reads it
        number = float(text) if "." in text or "e" in text or "E" in text else int(text)
    except ValueError:
        return None
    return (number > operand) - (number < operand)
