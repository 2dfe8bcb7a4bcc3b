"""`stream-filters query`: run a request and print the page as JSON {items, next, prev}.

Rows come from the built-in demo data (`--demo`), a JSON Lines file of your
own (`--data rows.jsonl`, read once as a stream) or a database table
(`--db URL --table T`, needs the `[sql]` extra).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..field_types import FieldType
from ..pagination import Page
from ..query import Query
from ..schema import Schema
from .common import (
    SECRET_ENV,
    EnvironmentFault,
    UsageError,
    add_request_arguments,
    guarded,
    json_value,
    parse_query,
    print_json,
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "query",
        help="run a request over demo data, a JSON Lines file or a database table",
        description="Run REQUEST and print the page as JSON: items, next, prev.",
    )
    add_request_arguments(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="the built-in demo data set for --endpoint")
    source.add_argument("--data", type=Path, metavar="FILE.jsonl", help="rows as JSON Lines, one object per line")
    source.add_argument(
        "--db", metavar="URL", help="a SQLAlchemy database URL, such as sqlite:///calls.db (needs the [sql] extra)"
    )
    parser.add_argument(
        "--table", help="with --db: the table to query (create one with `stream-filters load`)", metavar="TABLE"
    )
    parser.add_argument(
        "--secret",
        default=os.environ.get(SECRET_ENV),
        help=f"sign cursors with HMAC-SHA256 (default: ${SECRET_ENV}); give the same secret with each page",
    )
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    if args.db is not None and not args.table:
        raise UsageError("--db needs --table")
    if args.table and args.db is None:
        raise UsageError("--table goes with --db")
    query = parse_query(args)
    page = _page(query, args)
    print_json(page.to_dict(_json_row))
    return 0


def _page(query: Query, args: argparse.Namespace) -> Page[Any]:
    from ..memory import paginate

    if args.demo:
        from .. import demo

        try:
            rows = demo.rows(query.schema.name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return paginate(query, rows, secret=args.secret)
    if args.data is not None:
        return paginate(query, read_jsonl(args.data, query.schema), secret=args.secret)
    try:
        support = importlib.import_module("stream_filters.sql.cli_support")
    except ModuleNotFoundError as exc:
        raise EnvironmentFault(f"--db needs the [sql] extra (pip install '.[sql]'): {exc.name} is missing") from None
    page: Page[Any] = support.query_database(query, args)
    return page


def read_jsonl(path: Path, schema: Schema) -> Iterator[dict[str, Any]]:
    """Rows from a JSON Lines file, lazily; datetime fields parsed from RFC 3339 text."""
    datetimes = [f.name for f in schema.fields if f.type is FieldType.DATETIME]
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise UsageError(f"{path}:{number}: not a JSON object: {exc}") from None
            if not isinstance(row, dict):
                raise UsageError(f"{path}:{number}: expected a JSON object per line")
            for name in datetimes:
                if row.get(name) is not None:
                    row[name] = _datetime(row[name], f"{path}:{number}: {name}")
            yield row


def _datetime(value: Any, where: str) -> datetime:
    from dateutil.parser import isoparse

    if not isinstance(value, str):
        raise UsageError(f"{where}: expected an RFC 3339 timestamp string, got {json.dumps(value)}")
    try:
        parsed = isoparse(value)
    except (ValueError, OverflowError) as exc:
        raise UsageError(f"{where}: {value!r} is not an RFC 3339 timestamp ({exc})") from None
    # A timestamp without an offset is taken as UTC, as databases export them.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: json_value(value) for key, value in row.items()}
