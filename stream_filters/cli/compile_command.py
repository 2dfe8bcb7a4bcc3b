"""`stream-filters compile`: print what a backend would send to its store."""

from __future__ import annotations

import argparse
import importlib
import os
from typing import Any

from .common import SECRET_ENV, EnvironmentFault, add_request_arguments, guarded, parse_query, print_json

# --to TARGET -> the module whose `compile_for_cli(query, args) -> JSON-able` prints it.
TARGETS = {"sql": "stream_filters.sql.cli_support", "elasticsearch": "stream_filters.elasticsearch.cli_support"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("compile", help="print the SQL or Elasticsearch body a request compiles to")
    add_request_arguments(parser)
    parser.add_argument("--to", choices=sorted(TARGETS), required=True, help="the backend to compile for")
    parser.add_argument(
        "--dialect",
        choices=("sqlite", "postgresql", "mysql"),
        default="sqlite",
        help="SQL dialect, with --to sql (default: sqlite; mysql covers MariaDB)",
    )
    parser.add_argument(
        "--table",
        metavar="TABLE",
        help="with --to sql: the table name to write (default: the endpoint's name); its columns are schema_table's",
    )
    parser.add_argument(
        "--bound",
        action="store_true",
        help="with --to sql: print JSON, each statement with its placeholders and bound parameters, as it is sent "
        "(default: SQL text with the values written in, to paste into a database shell)",
    )
    parser.add_argument(
        "--secret",
        default=os.environ.get(SECRET_ENV),
        help=f"the secret the request's cursor was signed with (default: ${SECRET_ENV})",
    )
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    query = parse_query(args)
    try:
        module = importlib.import_module(TARGETS[args.to])
    except ModuleNotFoundError as exc:
        extra = "sql" if args.to == "sql" else "es"
        raise EnvironmentFault(
            f"--to {args.to} needs the [{extra}] extra (pip install '.[{extra}]'): {exc.name} is missing"
        ) from None
    result: Any = module.compile_for_cli(query, args)
    if isinstance(result, str):
        print(result)
    else:
        print_json(result)
    return 0
