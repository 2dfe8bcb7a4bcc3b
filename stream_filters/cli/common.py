"""What the subcommands share: choosing a schema, reading a request, printing errors."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import FilterError, format_path
from ..query import Query
from ..schema import BUILTIN_SCHEMAS, Schema

RED, BOLD, DIM, RESET = "\033[31m", "\033[1m", "\033[2m", "\033[0m"


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", default="query_calls", help="built-in schema: " + ", ".join(BUILTIN_SCHEMAS))
    parser.add_argument("--schema", type=Path, help="a JSON schema description file (see Schema.from_dict)")
    parser.add_argument("request", nargs="?", default="-", help="request body as JSON, or - for standard input")
    parser.add_argument("--format", choices=("json", "text"), default="json", help="how to print errors")
    parser.add_argument(
        "--text", metavar="FILTER", help="the filter in text syntax; REQUEST then gives only sort/limit/cursor"
    )


def load_schema(args: argparse.Namespace) -> Schema:
    if args.schema is not None:
        try:
            return Schema.from_json(args.schema.read_text())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"cannot load schema {args.schema}: {exc}") from None
    schema = BUILTIN_SCHEMAS.get(args.endpoint)
    if schema is None:
        raise UsageError(f"unknown endpoint {args.endpoint!r}; built in: {', '.join(BUILTIN_SCHEMAS)}")
    return schema


def read_request_text(args: argparse.Namespace) -> str:
    text: str = sys.stdin.read() if args.request == "-" else args.request
    return text


def parse_query(args: argparse.Namespace) -> Query:
    """The validated query the arguments describe (may raise FilterError)."""
    schema = load_schema(args)
    text_filter = getattr(args, "text", None)
    if text_filter is not None:
        from ..ast import to_json
        from ..text import parse_text

        rest = schema.parse(read_request_text(args)) if args.request != "-" else schema.parse({})
        body = rest.to_request()
        body["filter_conditions"] = to_json(parse_text(schema, text_filter))
        return schema.parse(body)
    return schema.parse(read_request_text(args))


class UsageError(Exception):
    """Bad command-line usage: exit 2."""


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def report(error: FilterError, fmt: str) -> int:
    if fmt == "json":
        print_json(error.to_dict())
        return 1
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for problem in error.problems:
        where = format_path(problem.path) or "(request)"
        if color:
            print(f"{RED}{BOLD}error{RESET}[{problem.code}] at {BOLD}{where}{RESET}")
        else:
            print(f"error[{problem.code}] at {where}")
        print(f"  {problem.message}")
    return 1


def guarded(run: Any) -> Any:
    """Wrap a subcommand: FilterError -> exit 1 with the body, UsageError -> exit 2."""

    def wrapper(args: argparse.Namespace) -> int:
        try:
            code: int = run(args)
            return code
        except FilterError as exc:
            return report(exc, getattr(args, "format", "json"))
        except UsageError as exc:
            print(f"stream-filters: error: {exc}", file=sys.stderr)
            return 2

    return wrapper
