"""`paginate` / `paginate_async`: one page of a query from a SQL database.

The page logic is `pagination.plan`; this module only supplies its `fetch`
primitive: the keyset ranges of `keyset.parts`, each one query with the sort's
ORDER BY and a LIMIT, run in order until `count` rows are found.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple, overload

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Result, Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.types import NullType

from ..ast import Node
from ..cursors import Secrets, SortValue
from ..field_types import FieldType
from ..pagination import Fetch, Page, plan, run, run_async
from ..query import Query
from ..schema import Schema, SortKey
from ..sqlcore.numbers import from_decimal
from ..sqlcore.sqlite_functions import needs_sqlite_functions, register_sqlite_functions
from . import keyset
from .compiler import compile_filter
from .dialects import Dialect, for_sqlalchemy
from .driver import DriverStatement, Rows, compile_once
from .mapping import Scalar, SqlMapping
from .row_cache import RowCache
from .types import to_utc

if TYPE_CHECKING:  # importing sqlalchemy.ext.asyncio needs greenlet
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Item = dict[str, Any]
T = TypeVar("T")
Ts = TypeVarTuple("Ts")
_SORT_LABEL = "_sf_sort_{}"
_ShapeKey = tuple[bool, tuple[bool, ...] | None, bool]


class Statements:
    """What one query compiles to, built once and reused (see `statements`):
    the WHERE clause, the sort columns, and per keyset shape (direction and
    which boundary values are NULL) the ORDER BY and one predicate per range.
    `default` selects the mapping's columns; `selection(statement)` pages the
    application's own SELECT with the same pieces."""

    def __init__(self, schema: Schema, node: Node, sort: tuple[SortKey, ...], mapping: SqlMapping, dialect: Dialect):
        self.dialect = dialect
        self.mapping = mapping
        self.where = compile_filter(node, mapping, dialect)
        self.columns = [_sort_column(schema, key, mapping, dialect) for key in sort]
        self.types = [schema.by_name[k.field].type for k in sort]
        self.needs_functions = needs_sqlite_functions(node)
        self._shapes: dict[_ShapeKey, tuple[list[Any], list[Any]]] = {}
        # An application statement's sort columns, read as the driver returns
        # them (`_sort_value` normalises): its column types' result processing
        # would only be paid twice per row.
        self.labels = [
            sa.type_coerce(c.raw, NullType()).label(_SORT_LABEL.format(i)) for i, c in enumerate(self.columns)
        ]
        self.default = Selection.of_mapping(self)

    def shape(self, key: _ShapeKey) -> tuple[list[Any], list[Any]]:
        """ORDER BY and the range predicates, nearest first, for a keyset shape."""
        found = self._shapes.get(key)
        if found is None:
            forward, nulls, inclusive = key
            order = keyset.order_by(self.columns, forward, self.dialect)
            found = self._shapes[key] = (order, keyset.parts(self.columns, nulls, forward, self.dialect, inclusive))
        return found

    def selection(self, statement: Select[Any] | None) -> Selection:
        return self.default if statement is None else Selection.of_statement(self, statement)


class Selection:
    """The SELECTs of one page source: the keyset ranges of `Statements` over
    `base`, with the boundary values and the LIMIT as bound parameters; and
    how a row becomes an item and its sort values."""

    def __init__(
        self, prepared: Statements, base: Select[Any], where: tuple[Any, ...], positions: list[int], read: Reader
    ) -> None:
        self.prepared = prepared
        self.base = base
        self.where = where  # added to `base` with each range's predicate
        self.positions = positions
        self.read = read
        self._selects: dict[_ShapeKey, list[Select[Any]]] = {}
        self._driver: dict[tuple[Select[Any], sa.Dialect], DriverStatement | None] = {}

    @classmethod
    def of_mapping(cls, prepared: Statements) -> Selection:
        """The mapping's columns, items as dicts. A sort key that is one of
        them is read from there; any other is selected after them under a label."""
        mapping = prepared.mapping
        selected = {id(c): i for i, c in enumerate(mapping.columns)}
        extra: list[Any] = []
        for c in prepared.columns:
            if id(c.raw) not in selected:
                selected[id(c.raw)] = len(mapping.columns) + len(extra)
                extra.append(c.raw)
        labels = [expr.label(_SORT_LABEL.format(i)) for i, expr in enumerate(extra)]
        base = sa.select(*mapping.columns, *labels).select_from(mapping.table).where(prepared.where)
        width = len(mapping.columns)
        keys = tuple(base.selected_columns.keys())[:width]

        def read(result: Fetched, items: RowCache[Any] | None) -> list[tuple[Any, Sequence[Any]]]:
            if items is not None and isinstance(result, Rows):
                return items.entries(result, keys, width)
            pairs = [(dict(zip(keys, row[:width], strict=True)), row) for row in result.all()]
            return pairs if items is None else [(items.build(item), row) for item, row in pairs]

        return cls(prepared, base, (), [selected[id(c.raw)] for c in prepared.columns], read)

    @classmethod
    def of_statement(cls, prepared: Statements, statement: Select[Any]) -> Selection:
        """The application's statement, its sort keys selected after its own
        columns: items are what it returns (its one element, or its rows). The
        page's ORDER BY and LIMIT replace the statement's own."""
        if statement._offset_clause is not None:  # no public accessor; an OFFSET would skip rows of every range
            raise ValueError("a statement to paginate must not have an OFFSET: pages are keyset ranges")
        width = len(statement.column_descriptions)
        base = statement.order_by(None).add_columns(*prepared.labels)
        positions = list(range(width, width + len(prepared.labels)))
        return cls(prepared, base, (prepared.where,), positions, _one if width == 1 else _leading(width))

    def selects(self, fetch: Fetch, inclusive: bool = False) -> list[tuple[Select[Any], dict[str, Any]]]:
        """The SELECTs for `fetch`, nearest range first, each with its parameters."""
        nulls = None if fetch.after is None else tuple(v is None for v in fetch.after)
        key = (fetch.forward, nulls, inclusive)
        shape = self._selects.get(key)
        if shape is None:
            order, parts = self.prepared.shape(key)
            limit = sa.bindparam(keyset.LIMIT_PARAM, type_=sa.Integer())
            shape = [self.base.where(*self.where, part).order_by(*order).limit(limit) for part in parts]
            self._selects[key] = shape
        params = keyset.parameters(self.prepared.columns, fetch.after, self.prepared.dialect)
        return [(select, params) for select in shape]

    def for_driver(self, select: Select[Any], dialect: sa.Dialect) -> DriverStatement | None:
        """One of `selects`' statements compiled for the driver's cursor, once
        per engine's dialect (its JSON deserializer is the engine's own)."""
        key = (select, dialect)
        if key not in self._driver:
            self._driver[key] = compile_once(select, dialect)
        return self._driver[key]

    def sort_values(self, row: Sequence[Any]) -> tuple[SortValue, ...]:
        return tuple(_sort_value(kind, row[i]) for kind, i in zip(self.prepared.types, self.positions, strict=True))


Fetched = Result[Any] | Rows  # a SELECT's rows: through SQLAlchemy, or from the driver's cursor
Reader = Callable[[Fetched, "RowCache[Any] | None"], list[tuple[Any, Sequence[Any]]]]


def _one(result: Fetched, _items: RowCache[Any] | None) -> list[tuple[Any, Sequence[Any]]]:
    return [(row[0], row) for row in result.all()]


def _leading(width: int) -> Reader:
    """Rows of the statement's own columns, without the sort labels after them."""

    def read(result: Fetched, _items: RowCache[Any] | None) -> list[tuple[Any, Sequence[Any]]]:
        assert isinstance(result, Result)  # application statements always run through SQLAlchemy
        frozen = result.freeze()
        return list(zip(frozen().columns(*range(width)).all(), frozen().all(), strict=True))

    return read


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


# -- sync ----------------------------------------------------------------------------


@overload
def paginate(
    query: Query,
    connection: Connection | Session,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: None = None,
    driver_cursor: bool = False,
    items: None = None,
) -> Page[Item]: ...
@overload
def paginate(
    query: Query,
    connection: Connection | Session,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: None = None,
    driver_cursor: bool = False,
    items: RowCache[T],
) -> Page[T]: ...
@overload
def paginate(  # type: ignore[overload-overlap]  # one element: the element itself, not a Row
    query: Query,
    connection: Connection | Session,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: Select[T],
    driver_cursor: bool = False,
) -> Page[T]: ...
@overload
def paginate(
    query: Query,
    connection: Connection | Session,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: Select[Any, *Ts],
    driver_cursor: bool = False,
) -> Page[Row[Any, *Ts]]: ...
def paginate(
    query: Query,
    connection: Connection | Session,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: Select[*tuple[Any, ...]] | None = None,
    driver_cursor: bool = False,
    items: RowCache[Any] | None = None,
) -> Page[Any]:
    """One page of `query`. Without `statement`, items are dicts of the
    mapping's columns; with one (the application's own `select()`, its joins,
    WHERE and loader options), items are what it returns: ORM instances for
    one entity, else its rows. The statement's WHERE is not in the cursor:
    what must bind a cursor belongs in the query's scope.

    `driver_cursor=True` runs the page's SELECTs on the DBAPI cursor, each
    compiled once (`driver.py`): the same page, for a fraction of
    SQLAlchemy's per-execution CPU. It applies to the mapping's items on a
    `Connection`; with a `statement` or a `Session` (whose ORM events and
    loaders need SQLAlchemy's execution), or a `schema_translate_map`, it is
    ignored.

    `items` (a `RowCache`, with `driver_cursor=True`) makes the page's items
    `items.build(row_dict)`, each built once per row as the driver returned
    it and shared with later pages that read the same row (`row_cache.py`);
    without the driver's cursor they are built afresh."""
    if items is not None and statement is not None:
        raise ValueError("items (a RowCache) builds the mapping's rows: it cannot page a statement")
    bind = _bind(connection)
    dialect = for_sqlalchemy(bind.dialect)
    prepared = for_query(query, mapping, dialect)
    if dialect.name == "sqlite" and prepared.needs_functions:
        register_sqlite_functions(_dbapi(connection))
    selection = prepared.selection(statement)
    fetcher = Fetcher(selection, items)

    def execute(statement: tuple[Select[Any], dict[str, Any]]) -> Fetched:
        if driver_cursor and isinstance(connection, Connection) and not _renames_schemas(connection):
            compiled = selection.for_driver(statement[0], bind.dialect)
            if compiled is not None:
                return compiled.execute(connection, statement[1], raw=items is not None)
        return connection.execute(*statement)

    def fetch(request: Fetch) -> list[Any]:
        return run(fetcher.steps(request), execute)

    return run(plan(query, fetcher.sort_values, secret), fetch)


class Fetcher:
    """`fetch` for one page, sans-IO: `steps(request)` yields (SELECT,
    parameters) and receives each one's result.

    A page after a cursor is followed by the plan's check for a row before the
    page. The first query therefore reads from the boundary row itself
    (`>=` instead of `>`): when that row still exists, it answers the check
    without another round trip; when it was deleted, the check runs as asked.
    """

    def __init__(self, selection: Selection, items: RowCache[Any] | None = None) -> None:
        self.selection = selection
        self.cache = items
        self.rows_of: dict[int, Sequence[Any]] = {}
        self.known: tuple[tuple[SortValue, ...], bool, list[Any]] | None = None

    def sort_values(self, item: Any) -> tuple[SortValue, ...]:
        return self.selection.sort_values(self.rows_of[id(item)])

    def steps(self, request: Fetch) -> Generator[tuple[Select[Any], dict[str, Any]], Fetched, list[Any]]:
        known, self.known = self.known, None
        if known is not None and request.count == 1 and (request.after, request.forward) == known[:2]:
            return known[2]
        inclusive = request.after is not None and request.count > 1
        rows: list[tuple[Any, Sequence[Any]]] = []
        boundary: tuple[Any, Sequence[Any]] | None = None
        sort_values = self.selection.sort_values
        for i, (select, params) in enumerate(self.selection.selects(request, inclusive)):
            extra = 1 if inclusive and i == 0 else 0
            params[keyset.LIMIT_PARAM] = request.count - len(rows) + extra
            got = self.selection.read((yield select, params), self.cache)
            if extra and got and sort_values(got[0][1]) == request.after:
                boundary, got = got[0], got[1:]
            rows.extend(got[: request.count - len(rows)])
            if len(rows) >= request.count:
                break
        items = self.items(rows)
        if boundary is not None and rows:
            self.known = (sort_values(rows[0][1]), not request.forward, self.items([boundary]))
        return items

    def items(self, rows: Sequence[tuple[Any, Sequence[Any]]]) -> list[Any]:
        """Items for the plan; each one's row is kept, since the plan asks for
        the sort values of at most two of them."""
        for item, row in rows:
            self.rows_of[id(item)] = row
        return [item for item, _ in rows]


def _renames_schemas(connection: Connection) -> bool:
    """A `schema_translate_map` is applied by SQLAlchemy at each execution, so
    such a connection's pages cannot run on a string compiled once."""
    return bool(connection.get_execution_options().get("schema_translate_map"))


def _bind(connection: Any) -> Any:
    """What knows the dialect: a connection itself, or a session's bind."""
    return connection.get_bind() if hasattr(connection, "get_bind") else connection


def _dbapi(connection: Connection | Session) -> Any:
    conn = connection.connection() if isinstance(connection, Session) else connection
    return conn.connection.dbapi_connection


# -- async ---------------------------------------------------------------------------


@overload
async def paginate_async(
    query: Query,
    connection: AsyncConnection | AsyncSession,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: None = None,
) -> Page[Item]: ...
@overload
async def paginate_async(  # type: ignore[overload-overlap]  # as for paginate
    query: Query,
    connection: AsyncConnection | AsyncSession,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: Select[T],
) -> Page[T]: ...
@overload
async def paginate_async(
    query: Query,
    connection: AsyncConnection | AsyncSession,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: Select[Any, *Ts],
) -> Page[Row[Any, *Ts]]: ...
async def paginate_async(
    query: Query,
    connection: AsyncConnection | AsyncSession,
    mapping: SqlMapping,
    *,
    secret: Secrets = None,
    statement: Select[*tuple[Any, ...]] | None = None,
) -> Page[Any]:
    """`paginate` for `AsyncConnection` and `AsyncSession` (asyncpg, aiomysql, aiosqlite)."""
    dialect = for_sqlalchemy(_bind(connection).dialect)
    prepared = for_query(query, mapping, dialect)
    if dialect.name == "sqlite" and prepared.needs_functions:
        await connection.run_sync(lambda sync: register_sqlite_functions(_dbapi(sync)))
    fetcher = Fetcher(prepared.selection(statement))

    async def execute(statement: tuple[Select[Any], dict[str, Any]]) -> Result[Any]:
        result: Result[Any] = await connection.execute(*statement)
        return result

    async def fetch(request: Fetch) -> list[Any]:
        return await run_async(fetcher.steps(request), execute)

    return await run_async(plan(query, fetcher.sort_values, secret), fetch)


# -- SQLite functions ------------------------------------------------------------


def install_sqlite_functions(engine: sa.Engine) -> None:
    """Register the functions on every new connection of `engine`."""
    sa.event.listen(engine, "connect", lambda dbapi_connection, _record: register_sqlite_functions(dbapi_connection))
