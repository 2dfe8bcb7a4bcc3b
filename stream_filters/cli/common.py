"""What the subcommands share: choosing a schema, reading a request, printing errors."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import FilterError, format_path
from ..errors import Path as RequestPath
from ..query import Query
from ..schema import BUILTIN_SCHEMAS, Schema
from ..timestamps import Instant

RED, BOLD, DIM, RESET = "\033[31m", "\033[1m", "\033[2m", "\033[0m"

# Exit codes (SPEC §6.3), stated once: the README and `--help` print EXIT_CODES.
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_ENVIRONMENT = 0, 1, 2, 3
EXIT_CODES = (
    "exit codes: 0 success; 1 the request was rejected (its error body is printed); "
    "2 usage error (bad option, unreadable input or schema file); "
    "3 environment fault (database unreachable or unopenable, bad credentials, missing table, "
    "missing optional extra), reported in one line on standard error"
)
DEFAULT_ENDPOINT = "query_calls"
SECRET_ENV = "STREAM_FILTERS_SECRET"


def add_schema_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint",
        default=DEFAULT_ENDPOINT,
        help=f"built-in schema: {', '.join(BUILTIN_SCHEMAS)} (default: {DEFAULT_ENDPOINT})",
    )
    parser.add_argument(
        "--schema",
        type=Path,
        metavar="FILE",
        help="a JSON schema description file (see Schema.from_dict), not --endpoint",
    )


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    add_schema_arguments(parser)
    parser.add_argument(
        "request",
        nargs="?",
        metavar="REQUEST",
        help="the request body as JSON, or - for standard input (default: standard input; with --text, {})",
    )
    parser.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="how to print a rejected request: the JSON error body, or text pointing at the bad part (default: json)",
    )
    parser.add_argument(
        "--text", metavar="FILTER", help="the filter in text syntax; REQUEST then gives only sort, limit and cursor"
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
    text: str = sys.stdin.read() if args.request in (None, "-") else args.request
    args.request_text = text  # kept so that a text report can quote the bad part
    return text


def parse_query(args: argparse.Namespace) -> Query:
    """The validated query the arguments describe (may raise FilterError)."""
    schema = load_schema(args)
    text_filter = getattr(args, "text", None)
    if text_filter is not None:
        from ..ast import to_json
        from ..text import parse_text

        # With --text, REQUEST (an argument, or - for standard input) is optional.
        rest = schema.parse({}) if args.request is None else schema.parse(read_request_text(args))
        body = rest.to_request()
        body["filter_conditions"] = to_json(parse_text(schema, text_filter))
        return schema.parse(body)
    return schema.parse(read_request_text(args))


class UsageError(Exception):
    """Bad command-line usage: exit 2."""


class EnvironmentFault(Exception):
    """The environment cannot do what was asked (database, driver, extra): exit 3."""


def json_value(value: Any) -> Any:
    """A row value as JSON, whichever source it came from: datetimes in the one
    RFC 3339 form (SPEC §3.1), naive ones taken as UTC."""
    if isinstance(value, datetime):
        return Instant.from_datetime(value if value.tzinfo else value.replace(tzinfo=UTC)).to_rfc3339()
    if isinstance(value, Mapping):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def report(error: FilterError, fmt: str, request_text: str | None = None) -> int:
    if fmt == "json":
        print_json(error.to_dict())
        return EXIT_REJECTED
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    body = _load(request_text)
    for problem in error.problems:
        where = format_path(problem.path) or "(request)"
        if color:
            print(f"{RED}{BOLD}error{RESET}[{problem.code}] at {BOLD}{where}{RESET}")
        else:
            print(f"error[{problem.code}] at {where}")
        excerpt = pointer(body, problem.path)
        if excerpt:
            line, carets = excerpt
            print(f"  {line}")
            print(f"  {RED}{carets}{RESET}" if color else f"  {carets}")
        print(f"  {problem.message}")
    return EXIT_REJECTED


def pointer(body: Any, path: RequestPath) -> tuple[str, str] | None:
    """The entry at `path` within its parent, and carets under it:
    `{…, "$gt": "yesterday"}` over `      ^^^^^^^^^^^^^^^^^`."""
    if not path:
        return None
    parent, last = _at(body, path[:-1]), path[-1]
    if not _holds(parent, last):
        return None
    if isinstance(parent, dict):
        keys = list(parent)
        index, count, brackets = keys.index(last), len(keys), "{}"
        piece = f"{_short(last)}: {_short(parent[last])}"
    else:
        assert isinstance(last, int)
        index, count, brackets = last, len(parent), "[]"
        piece = _short(parent[last])
    before = "…, " if index > 0 else ""
    after = ", …" if index < count - 1 else ""
    return f"{brackets[0]}{before}{piece}{after}{brackets[1]}", " " * (1 + len(before)) + "^" * len(piece)


def _load(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _at(body: Any, path: RequestPath) -> Any:
    for part in path:
        if not _holds(body, part):
            return None
        body = body[part]
    return body


def _holds(container: Any, part: str | int) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _short(value: Any, width: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = "…"
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be printed
    return text if len(text) <= width else text[: width - 1] + "…"


def guarded(run: Any) -> Any:
    """Wrap a subcommand: FilterError -> exit 1 with the body, UsageError -> exit 2,
    EnvironmentFault -> exit 3, each of the last two as one line on standard error."""

    def wrapper(args: argparse.Namespace) -> int:
        try:
            code: int = run(args)
            return code
        except FilterError as exc:
            return report(exc, getattr(args, "format", "json"), getattr(args, "request_text", None))
        except UsageError as exc:
            return fail(str(exc), EXIT_USAGE)
        except EnvironmentFault as exc:
            return fail(str(exc), EXIT_ENVIRONMENT)

    return wrapper


def fail(message: str, code: int) -> int:
    """One line on standard error (a message never spans lines, whatever a driver said)."""
    line = " ".join(message.split())
    print(f"stream-filters: error: {line}", file=sys.stderr)
    return code
