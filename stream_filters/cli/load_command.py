"""`stream-filters load`: create a database table for an endpoint and fill it.

The table has the SQL backend's recommended column types (`schema_table`) and
the indexes its sorts need (`sort_indexes`), so `stream-filters query --db URL
--table T` pages it with index seeks.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .common import EnvironmentFault, UsageError, add_schema_arguments, guarded, load_schema
from .query_command import read_jsonl


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "load",
        help="create a database table for an endpoint and fill it with the demo data or a JSON Lines file",
        description="Create TABLE in the database at --db with the endpoint's columns and sort indexes, "
        "and insert the rows. Keys of a row that are not fields of the endpoint are not stored.",
    )
    parser.add_argument(
        "--db", required=True, metavar="URL", help="a SQLAlchemy database URL, such as sqlite:///calls.db"
    )
    parser.add_argument("--table", required=True, metavar="TABLE", help="the table to create")
    add_schema_arguments(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="the built-in demo data set for --endpoint")
    source.add_argument("--data", type=Path, metavar="FILE.jsonl", help="rows as JSON Lines, one object per line")
    parser.add_argument("--replace", action="store_true", help="drop TABLE first if it exists (default: refuse)")
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    schema = load_schema(args)
    rows: Iterable[Mapping[str, Any]]
    if args.demo:
        from .. import demo

        try:
            rows = demo.rows(schema.name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    else:
        rows = list(read_jsonl(args.data, schema))  # every line checked before the table is made
    try:
        support = importlib.import_module("stream_filters.sql.cli_support")
    except ModuleNotFoundError as exc:
        raise EnvironmentFault(f"load needs the [sql] extra (pip install '.[sql]'): {exc.name} is missing") from None
    count: int = support.load_table(schema, args, rows)
    print(f"loaded {count} {schema.name} rows into table {args.table}", file=sys.stderr)
    return 0
