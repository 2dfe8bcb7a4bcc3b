"""A page's SELECTs run on the driver's own cursor (`paginate(driver_cursor=True)`).

SQLAlchemy's per-execution work — the cache key, the execution context,
parameter and result processing through `Result` and `Row` objects — costs a
page of 25 rows several times what the database spends on it (measured on
SQLite: about 330 of a query's 460 µs). A page's SELECTs are the same few
objects on every request (`Statements` caches them), so each is compiled
once per dialect here; a page then costs the SQL string, the parameters in
the driver's order, the cursor, and the columns' own bind and result
processors, which keep values exactly what SQLAlchemy would have passed and
returned.

Only statements compiled to one fixed string qualify: one with parameters
rendered at execution (an expanding `IN`, a literal-execute parameter) runs
through SQLAlchemy as before (`compile_once` answers None).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler

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
    compiled: SQLCompiler
    positions: tuple[str, ...] | None  # parameter names in the driver's order; None: by name
    binds: tuple[tuple[str, Processor], ...]  # the parameters that the column types convert
    types: tuple[sa.types.TypeEngine[Any], ...]  # of the selected columns, in order
    dialect: sa.Dialect
    json_as_text: bool  # JSON columns read as their text and decoded here (`_json_as_text`)
    # Result processors per tuple of the cursor's column type codes (on
    # PostgreSQL a numeric column's processor depends on it); a page's
    # statement sees one or two.
    readers: dict[tuple[Any, ...], tuple[tuple[int, Processor], ...]] = field(default_factory=dict)

    def execute(self, connection: Connection, params: dict[str, Any]) -> Rows:
        values = self.compiled.construct_params(params)
        for name, process in self.binds:
            values[name] = process(values[name])
        args: Any = values if self.positions is None else tuple(values[name] for name in self.positions)
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None  # a checked-out connection has one
        cursor = dbapi_connection.cursor()
        if self.json_as_text:
            _text_loaders(cursor)
        try:
            cursor.execute(self.sql, args)
            raw = cursor.fetchall()
            readers = self._readers(tuple(column[1] for column in cursor.description))
        except self.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, self.sql, args, exc, cursor) from exc
        finally:
            cursor.close()
        return Rows(raw, readers)

    def _readers(self, codes: tuple[Any, ...]) -> tuple[tuple[int, Processor], ...]:
        found = self.readers.get(codes)
        if found is None:
            processors = (self._reader(kind, code) for kind, code in zip(self.types, codes, strict=True))
            found = tuple((i, p) for i, p in enumerate(processors) if p is not None)
            self.readers[codes] = found
        return found

    def _reader(self, kind: sa.types.TypeEngine[Any], code: Any) -> Processor | None:
        impl = kind.dialect_impl(self.dialect)
        if self.json_as_text and isinstance(impl, sa.JSON):
            return _json_reader(self.dialect)
        return impl.result_processor(self.dialect, code)


def compile_once(select: Select[Any], dialect: sa.Dialect) -> DriverStatement | None:
    """`select` compiled for the driver, or None if its SQL is rendered per execution."""
    compiled = select.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)  # a SELECT compiles with the SQL compiler
    if compiled.post_compile_params or compiled.literal_execute_params:
        return None
    escaped = compiled.escaped_bind_names
    binds = []
    for bind, name in compiled.bind_names.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((escaped.get(name, name), process))
    positions = tuple(compiled.positiontup or ()) if compiled.positional else None
    types = tuple(column.type for column in select.selected_columns)
    json_as_text = _json_as_text(dialect) and any(isinstance(t.dialect_impl(dialect), sa.JSON) for t in types)
    return DriverStatement(compiled.string, compiled, positions, tuple(binds), types, dialect, json_as_text)


# psycopg decodes JSON columns itself (SQLAlchemy registers the engine's
# deserializer with it), so its rows hold dicts and lists: a `RowCache` could
# only key them by their repr, and every row would be decoded whether or not
# its item is cached. On the driver's cursor the JSON comes as text instead (a
# loader on that cursor only) and is decoded here with the same deserializer,
# once per new row when a `RowCache` reads the page.
def _json_as_text(dialect: sa.Dialect) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _text_loaders(cursor: Any) -> None:
    from psycopg.types.string import TextLoader

    cursor.adapters.register_loader("json", TextLoader)
    cursor.adapters.register_loader("jsonb", TextLoader)


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
