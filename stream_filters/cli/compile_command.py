"""`stream-filters compile`: print what a backend would send to its store."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from .common import UsageError, add_request_arguments, guarded, parse_query, print_json

# --to TARGET -> the module whose `compile_for_cli(query, args) -> JSON-able` prints it.
TARGETS = {"sql": "stream_filters.sql.cli_support", "elasticsearch": "stream_filters.elasticsearch.cli_support"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("compile", help="print the SQL or Elasticsearch body a request compiles to")
    add_request_arguments(parser)
    parser.add_argument("--to", choices=sorted(TARGETS), required=True)
    parser.add_argument("--dialect", choices=("sqlite", "postgresql", "mysql"), default="sqlite")
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    query = parse_query(args)
    try:
        module = importlib.import_module(TARGETS[args.to])
    except ModuleNotFoundError as exc:
        raise UsageError(f"--to {args.to} needs its extra installed: {exc.name} is missing") from None
    result: Any = module.compile_for_cli(query, args)
    print_json(result)
    return 0
