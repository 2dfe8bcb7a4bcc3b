"""A page's SELECTs run on the driver's own cursor (`paginate(driver_cursor=True)`).

SQLAlchemy's per-execution work — the cache key, the execution context,
parameter and result processing through `Result` and `Row` objects — costs a
page of 25 rows several times what the database spends on it (measured on
SQLite: about 330 of a query's 460 µs). A page's SELECTs are the same few
objects on every request (`Statements` caches them), so each is compiled
once per dialect here; a page then costs the SQL string, the parameters in
the driver's order, and the columns' own bind and result processors, which
keep values exactly what SQLAlchemy would have passed and returned. The
cursors are made once per DBAPI connection and reused (`_Cursors`).

Only statements compiled to one fixed string qualify: one with parameters
rendered at execution (an expanding `IN`, a literal-execute parameter) runs
through SQLAlchemy as before (`compile_once` answers None).
"""

from __future__ import annotations

import contextlib
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import SelectBase

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Rows:
    """A query's rows as the driver returned them, read like a `Result`
    (`all()`: plain lists, each value converted by its column's processor)."""

    raw: Sequence[Sequence[Any]]
    readers: tuple[tuple[int, Processor], ...]  # (column position, result processor)

    def all(self) -> list[Sequence[Any]]:
        return [self.convert(row) for row in self.raw]

    def convert(self, row: Sequence[Any]) -> list[Any]:
        """One row of `raw`, converted (only the columns that need it)."""
        converted = list(row)
        for i, process in self.readers:
            converted[i] = process(converted[i])
        return converted


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """One SELECT compiled for one dialect, run on the DBAPI cursor."""

    sql: str
    params: Parameters
    types: tuple[sa.types.TypeEngine[Any], ...]  # of the selected columns, in order
    dialect: sa.Dialect
    json_columns: frozenset[int]  # positions of JSON columns read as their text, decoded here (`_Cursors`)
    # Result processors per tuple of the cursor's column type codes (on
    # PostgreSQL a numeric column's processor depends on it); a page's
    # statement sees one or two.
    readers: dict[tuple[Any, ...], tuple[tuple[int, Processor], ...]] = field(default_factory=dict)

    def execute(self, connection: Connection, params: dict[str, Any], *, raw: bool = False) -> Rows:
        """The rows of this SELECT. `raw=True` (a `RowCache` reads them): the
        values as the driver reads them before parsing them (`_RAW_TEXT`:
        psycopg's text), converted only where `Rows.convert` is called."""
        args = self.params.bind(params)
        cursors = _cursors(connection, self.dialect)
        cursor = cursors.cursor(raw)
        try:
            cursor.execute(self.sql, args)
            rows = cursor.fetchall()
            codes = cursors.type_codes(cursor)
        except self.dialect.loaded_dbapi.Error as exc:
            wrapped = _wrapped(connection, self.sql, args, exc, cursor)
            cursors.discard(raw)
            raise wrapped from exc
        return Rows(rows, cursors.readers(self, codes, raw))

    def _readers(self, codes: tuple[Any, ...]) -> tuple[tuple[int, Processor], ...]:
        found = self.readers.get(codes)
        if found is None:
            processors = (self._reader(kind, code) for kind, code in zip(self.types, codes, strict=True))
            found = tuple((i, p) for i, p in enumerate(processors) if p is not None)
            self.readers[codes] = found
        return found

    def _reader(self, kind: sa.types.TypeEngine[Any], code: Any) -> Processor | None:
        impl = kind.dialect_impl(self.dialect)
        if self.json_columns and isinstance(impl, sa.JSON):
            return _json_reader(self.dialect)
        return impl.result_processor(self.dialect, code)


def compile_once(select: SelectBase, dialect: sa.Dialect) -> DriverStatement | None:
    """`select` (one SELECT, or several combined by UNION and the like) compiled
    for the driver, or None if its SQL is rendered per execution."""
    compiled = select.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)  # a SELECT compiles with the SQL compiler
    if compiled.post_compile_params or compiled.literal_execute_params:
        return None
    types = tuple(column.type for column in select.selected_columns)
    json_columns = frozenset(
        i for i, kind in enumerate(types) if _is_psycopg(dialect) and isinstance(kind.dialect_impl(dialect), sa.JSON)
    )
    return DriverStatement(compiled.string, Parameters.of(compiled, dialect), types, dialect, json_columns)


@dataclass(frozen=True, slots=True)
class Parameters:
    """A compiled statement's parameters as the driver takes them, made from
    the values given at execution. The values the statement holds itself (a
    filter's, in a cached statement) are converted by their types' bind
    processors once, here, not on every execution as `construct_params`
    would: for a members query with a parameter per call that was a twentieth
    of the query's CPU time."""

    fixed: dict[str, Any]  # by the driver's name: values held by the statement, converted
    given: dict[str, tuple[str, Processor | None]]  # a bind's key (or name) -> its driver name, processor
    names: frozenset[str]  # every driver name
    ordered: Callable[[dict[str, Any]], tuple[Any, ...]] | None  # the driver's order; None: by name
    required: frozenset[str]  # the driver names of the parameters that must be given
    direct: bool  # the required ones are by their driver names and none is converted: taken as they come

    @classmethod
    def of(cls, compiled: SQLCompiler, dialect: sa.Dialect) -> Parameters:
        escaped = compiled.escaped_bind_names
        given: dict[str, tuple[str, Processor | None]] = {}
        required = {}
        for bind, name in compiled.bind_names.items():
            target = (escaped.get(name, name), bind.type.dialect_impl(dialect).bind_processor(dialect))
            given[bind.key] = given[name] = target
            if bind.required:
                required[bind.key] = target[0]
        fixed = dict(compiled.construct_params(dict.fromkeys(required)))  # what SQLAlchemy itself would pass
        for name in required.values():
            del fixed[name]
        processors = dict(given.values())  # by driver name (a bind is there by its key and its name)
        for name, process in processors.items():
            if process is not None and name in fixed:
                fixed[name] = process(fixed[name])
        names = frozenset(processors)
        ordered = _in_order(tuple(compiled.positiontup or ())) if compiled.positional else None
        direct = all(key == name and processors[name] is None for key, name in required.items())
        return cls(fixed, given, names, ordered, frozenset(required.values()), direct)

    def bind(self, params: dict[str, Any]) -> Any:
        """The driver's parameters (a tuple or a dict, as the dialect is positional) for `params`."""
        if self.direct and params.keys() == self.required:
            values = {**self.fixed, **params} if self.fixed else params
            return values if self.ordered is None else self.ordered(values)
        values = self.fixed.copy()
        for key, value in params.items():
            target = self.given.get(key)
            if target is not None:
                name, process = target
                values[name] = value if process is None else process(value)
        if len(values) != len(self.names):
            missing = sorted(self.names - values.keys())
            raise sa.exc.InvalidRequestError(f"A value is required for bind parameter {missing[0]!r}")
        return values if self.ordered is None else self.ordered(values)


def _in_order(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if len(names) > 1:
        return operator.itemgetter(*names)  # a tuple for two names or more
    return lambda values: tuple(values[name] for name in names)


# -- the cursors ---------------------------------------------------------------------

# psycopg parses each value as it fetches a row: a timestamp costs it more than
# the rest of the row. A `RowCache` keys rows by their values as the driver
# returned them and converts only rows it has not seen, so for it (`raw=True`)
# these types come as their text (psycopg's own text loader) and are parsed
# by psycopg's loader for the type when `Rows.convert` is called: the values
# are those psycopg would have returned. JSON columns always come as text on
# the driver's cursor, where psycopg would decode them itself (SQLAlchemy
# registers the engine's deserializer with it), and are decoded by the same
# deserializer: on a `RowCache`'s rows, only for new rows. The loaders are
# registered on our cursors only, never on the connection SQLAlchemy also uses.
_RAW_TEXT = (
    *("bool", "int2", "int4", "int8", "float4", "float8", "numeric"),
    *("date", "time", "timetz", "timestamp", "timestamptz", "interval", "uuid"),
)
_JSON = ("json", "jsonb")
_AS_TEXT = {"raw": (*_RAW_TEXT, *_JSON), "plain": _JSON}  # psycopg's types read as text, by cursor kind
_READERS = 256  # (statement, type codes) pairs a connection keeps readers for


def _is_psycopg(dialect: sa.Dialect) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


class _Cursors:
    """The cursors that driver statements run on, one DBAPI connection's:
    made once and reused (on psycopg a cursor per SELECT, with its loaders,
    cost a fifth of a page's query), and the readers of each statement and
    column type codes seen on them."""

    def __init__(self, dbapi_connection: Any, dialect: sa.Dialect) -> None:
        self.dbapi_connection = dbapi_connection
        self.psycopg = _is_psycopg(dialect)
        self._cursors: dict[str, Any] = {}
        self._readers: dict[tuple[Any, ...], tuple[DriverStatement, tuple[tuple[int, Processor], ...]]] = {}

    def _kind(self, raw: bool) -> str:
        return "raw" if raw and self.psycopg else "plain"

    def cursor(self, raw: bool) -> Any:
        kind = self._kind(raw)
        cursor = self._cursors.get(kind)
        if cursor is None:
            cursor = self._cursors[kind] = self.dbapi_connection.cursor()
            if self.psycopg:
                _load_as_text(cursor, _AS_TEXT[kind])
        return cursor

    def discard(self, raw: bool) -> None:
        """Forget a cursor an execution failed on (the next one gets a new cursor)."""
        cursor = self._cursors.pop(self._kind(raw), None)
        if cursor is not None:
            with contextlib.suppress(Exception):
                cursor.close()

    def type_codes(self, cursor: Any) -> tuple[Any, ...]:
        if self.psycopg:  # what `description` holds, without building its Column objects
            result = cursor.pgresult
            return tuple([result.ftype(i) for i in range(result.nfields)])
        return tuple(column[1] for column in cursor.description)

    def readers(
        self, statement: DriverStatement, codes: tuple[Any, ...], raw: bool
    ) -> tuple[tuple[int, Processor], ...]:
        if not self.psycopg:  # every value as the driver parsed it: the statement's own readers
            return statement._readers(codes)
        kind = self._kind(raw)
        # A loader renders timestamps in the session's time zone as of its making.
        zone = self.dbapi_connection.pgconn.parameter_status(b"TimeZone") if kind == "raw" else None
        key = (id(statement), kind, codes, zone)
        found = self._readers.get(key)
        if found is not None and found[0] is statement:  # holding the statement: its id is not reused
            return found[1]
        readers = self._parsing(statement, statement._readers(codes), codes, _AS_TEXT[kind])
        if len(self._readers) >= _READERS:
            self._readers.clear()
        self._readers[key] = (statement, readers)
        return readers

    def _parsing(
        self,
        statement: DriverStatement,
        readers: tuple[tuple[int, Processor], ...],
        codes: tuple[Any, ...],
        as_text: tuple[str, ...],
    ) -> tuple[tuple[int, Processor], ...]:
        """`readers` for the values the cursor leaves as text (the types
        `as_text`): psycopg's loader for the column's type first, but for
        JSON columns, whose reader decodes the text itself."""
        from psycopg import postgres
        from psycopg.pq import Format

        text_oids = {postgres.types[name].oid for name in as_text}
        processors: dict[int, Processor | None] = dict(readers)
        for i, oid in enumerate(codes):
            if oid not in text_oids or i in statement.json_columns:
                continue
            loader = self.dbapi_connection.adapters.get_loader(oid, Format.TEXT)
            if loader is not None:
                processors[i] = _parsed(loader(oid, self.dbapi_connection).load, processors.get(i))
        return tuple((i, p) for i, p in sorted(processors.items()) if p is not None)


def _cursors(connection: Connection, dialect: sa.Dialect) -> _Cursors:
    """The connection's `_Cursors`, kept in its pool record's `info` (which
    SQLAlchemy clears when it connects the record again)."""
    pooled = connection.connection
    dbapi_connection = pooled.dbapi_connection
    found = pooled.info.get(_Cursors)
    if found is None or found.dbapi_connection is not dbapi_connection:
        found = pooled.info[_Cursors] = _Cursors(dbapi_connection, dialect)
    return found


def _load_as_text(cursor: Any, types: tuple[str, ...]) -> None:
    from psycopg.types.string import TextLoader

    for name in types:
        cursor.adapters.register_loader(name, TextLoader)


def _parsed(load: Callable[[bytes], Any], then: Processor | None) -> Processor:
    if then is None:
        return lambda text: None if text is None else load(text.encode())
    return lambda text: then(None if text is None else load(text.encode()))


def _json_reader(dialect: sa.Dialect) -> Processor:
    # The engine's `json_deserializer`, as SQLAlchemy's own JSON processors read it.
    loads: Callable[[str], Any] = getattr(dialect, "_json_deserializer", None) or json.loads

    def read(value: str | None) -> Any:
        return None if value is None else loads(value)

    return read


def _wrapped(connection: Connection, sql: str, args: Any, exc: Exception, cursor: Any) -> sa.exc.DBAPIError:
    """The driver's error as SQLAlchemy would raise it: a `DBAPIError`, whose
    `connection_invalidated` says the database dropped the connection (which is
    then invalidated, so that the pool connects again)."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)  # type: ignore[arg-type]  # a DBAPI Error
    if lost:
        connection.invalidate(exc)
    wrapped = sa.exc.DBAPIError.instance(
        sql, args, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
    )
    assert isinstance(wrapped, sa.exc.DBAPIError)  # the driver's errors derive from its Error
    return wrapped
