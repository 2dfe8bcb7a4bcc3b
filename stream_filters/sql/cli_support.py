"""What `stream-filters compile --to sql`, `query --db` and `load` call.

Every fault of the environment (a URL that cannot be opened, a server that
cannot be reached, bad credentials, a missing table or driver) becomes the
CLI's `EnvironmentFault`: one line, exit 3, no traceback, and no SQLite file
left behind by a command that failed (SPEC §6.3).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect as SqlAlchemyDialect

from ..cli.common import EnvironmentFault, UsageError, json_value
from ..field_types import FieldType
from ..pagination import Page, plan
from ..query import Query
from ..schema import Schema
from ..sqlcore.numbers import from_decimal
from .dialects import DIALECTS
from .indexes import sort_indexes
from .keyset import LIMIT_PARAM
from .mapping import Related, SqlMapping, Target, map_table, schema_table
from .paginate import Statements, paginate
from .types import to_utc

_SQLALCHEMY_DIALECTS: dict[str, SqlAlchemyDialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "mysql": mysql.dialect(),
}
_BATCH = 500


def compile_for_cli(query: Query, args: argparse.Namespace) -> str | dict[str, Any]:
    """The SELECTs for the page `query` asks for, against a table made by
    `schema_table` (one per keyset range when a cursor is given): SQL text with
    the values written in as literals, or with `--bound` the statements as
    sent, placeholders and parameters."""
    name = getattr(args, "dialect", "sqlite")
    table = schema_table(query.schema, sa.MetaData(), getattr(args, "table", None))
    mapping = map_table(query.schema, table)
    statements = Statements(query.schema, query.where, query.sort, mapping, DIALECTS[name])
    fetch = next(plan(query, lambda row: (), getattr(args, "secret", None)))
    ranges = statements.default.selects(fetch)
    selects = [select.params({**params, LIMIT_PARAM: fetch.count}) for select, params in ranges]
    dialect = _SQLALCHEMY_DIALECTS[name]
    if getattr(args, "bound", False):
        out = []
        for select in selects:
            # The statement as the driver gets it: IN lists expanded into one placeholder each.
            sent = select.compile(dialect=dialect).construct_expanded_state()
            params = {k: json_value(_json(v)) for k, v in sent.parameters.items()}
            out.append({"sql": sent.statement, "params": params})
        return {"dialect": name, "statements": out}
    return "\n\n".join(literal_sql(select, dialect) + ";" for select in selects)


def literal_sql(select: sa.Select[Any], dialect: SqlAlchemyDialect) -> str:
    """`select` with every bound value rendered as a literal, for display."""
    compiled = select.compile(dialect=dialect, compile_kwargs={"literal_binds": True, "render_postcompile": True})
    return str(compiled)


@contextmanager
def database(url: str, *, create: bool = False) -> Iterator[sa.Engine]:
    """An engine for `url`, its faults turned into `EnvironmentFault`.

    Without `create`, a SQLite file must exist already (SQLite would create an
    empty one); with it, a file this call created is removed again if the
    block fails."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise UsageError(f"--db {url!r} is not a database URL (such as sqlite:///calls.db)") from None
    shown = parsed.render_as_string(hide_password=True)
    path = _sqlite_file(parsed)
    if path is not None and not create and not path.exists():
        raise EnvironmentFault(
            f"no SQLite database file {path}; create and fill one with: "
            f"stream-filters load --db {url} --table TABLE --demo"
        )
    created = path is not None and not path.exists()
    try:
        engine = sa.create_engine(parsed)
    except ModuleNotFoundError as exc:
        raise EnvironmentFault(f"the database driver {exc.name} is not installed (pip install '.[sql]')") from None
    except sa.exc.NoSuchModuleError:
        raise UsageError(f"--db {shown}: unsupported database {parsed.drivername!r}") from None
    failed = True
    try:
        yield engine
        failed = False
    except sa.exc.DBAPIError as exc:
        raise EnvironmentFault(f"{shown}: {_first_line(exc.orig)}") from None
    except sa.exc.NoSuchTableError as exc:
        raise EnvironmentFault(f"{shown}: no table {exc} (create and fill one with `stream-filters load`)") from None
    finally:
        engine.dispose()
        if created and failed and path is not None:
            for leftover in (path, *(path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm"))):
                with suppress(OSError):
                    leftover.unlink()


def check_database(url: str) -> None:
    """Open `url` once, so that `serve` reports a database it cannot use in one
    line before it starts (a SQLite file is created, as the server would)."""
    with database(url, create=True) as engine, engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def _sqlite_file(url: sa.URL) -> Path | None:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip() if error is not None else ""
    return text.splitlines()[0] if text else type(error).__name__


def query_database(query: Query, args: argparse.Namespace) -> Page[dict[str, Any]]:
    """Run `query` against table `args.table` of database `args.db`.

    Columns are found by reflection under the schema's field names; for
    `query_calls`, `members` may be a JSON column (as `load` makes it) or live
    in a `call_members(call_cid, user_id)` table (as the server keeps it)."""
    with database(args.db) as engine, engine.connect() as connection:
        mapping, related = reflect_mapping(query, connection, args.table)
        page = paginate(query, connection, mapping, secret=getattr(args, "secret", None))
        items = [{k: _json(v) for k, v in item.items()} for item in page.items]
        for name, members in related.items():
            _attach_members(connection, members, name, items)
    return Page(items, page.next, page.prev)


def reflect_mapping(query: Query, connection: sa.Connection, table_name: str) -> tuple[SqlMapping, dict[str, sa.Table]]:
    """The mapping of the reflected table, and the fields that live in a
    `call_members` table (by field name)."""
    metadata = sa.MetaData()
    table = sa.Table(table_name, metadata, autoload_with=connection)
    overrides: dict[str, Target] = {}
    related: dict[str, sa.Table] = {}
    schema = query.schema
    inspector = sa.inspect(connection)
    for f in schema.fields:
        if f.type is FieldType.STRING_ARRAY and f.name not in table.c and "call_members" in inspector.get_table_names():
            members = sa.Table("call_members", metadata, autoload_with=connection)
            if "cid" in table.c and {"call_cid", "user_id"} <= set(members.c.keys()):
                overrides[f.name] = Related(members.c.call_cid == table.c.cid, members.c.user_id)
                related[f.name] = members
    try:
        return map_table(schema, table, overrides, strict=False), related
    except ValueError as exc:
        raise EnvironmentFault(f"table {table_name!r} does not hold {schema.name} rows: {exc}") from None


def _attach_members(connection: sa.Connection, members: sa.Table, name: str, items: list[dict[str, Any]]) -> None:
    """Give each call its `members` from the `call_members` table, so that a
    page from such a database shows what a page from a file shows."""
    found: dict[Any, list[str]] = {item["cid"]: [] for item in items}
    if found:
        select = sa.select(members.c.call_cid, members.c.user_id).where(members.c.call_cid.in_(list(found)))
        for cid, user_id in connection.execute(select.order_by(members.c.call_cid, members.c.user_id)):
            found[cid].append(user_id)
    for item in items:
        item[name] = found[item["cid"]] or None


def load_table(schema: Schema, args: argparse.Namespace, rows: Iterable[Mapping[str, Any]]) -> int:
    """Create table `args.table` for `schema` (with the indexes its sorts need)
    in database `args.db` and insert `rows`; the number of rows stored."""
    names = [f.name for f in schema.fields]
    count = 0
    with database(args.db, create=True) as engine, engine.begin() as connection:
        table = schema_table(schema, sa.MetaData(), args.table)
        if sa.inspect(connection).has_table(args.table):
            if not args.replace:
                raise EnvironmentFault(
                    f"table {args.table!r} exists already in {engine.url.render_as_string(hide_password=True)}; "
                    "give --replace to drop it and load it again"
                )
            table.drop(connection)
        table.create(connection)
        for index in sort_indexes(map_table(schema, table), engine.dialect.name):
            index.create(connection)
        iterator = iter(rows)
        while batch := [{n: row.get(n) for n in names} for row in islice(iterator, _BATCH)]:
            connection.execute(table.insert(), batch)
            count += len(batch)
    return count


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_utc(value)  # reflected columns read naive UTC
    if isinstance(value, Decimal):
        return from_decimal(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
