"""`stream-filters format`: convert a filter between JSON and the text syntax.

INPUT is `filter_conditions` as JSON (it starts with `{`) or as text;
without `--to` each is converted to the other. Either way the filter is
validated against the endpoint first, so the output is canonical.
"""

from __future__ import annotations

import argparse

from ..ast import Node, to_json
from ..parser import load_json, parse_filter
from ..text import parse_text, to_text
from .common import add_schema_arguments, guarded, load_schema, print_json, read_request_text

ROOT = ("filter_conditions",)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "format", help="convert a filter between JSON and text syntax (validated, printed canonically)"
    )
    add_schema_arguments(parser)
    parser.add_argument("--to", choices=("text", "json"), help="output syntax (default: the other one than INPUT's)")
    parser.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="how to print a rejected filter: the JSON error body, or text pointing at the bad part (default: json)",
    )
    parser.add_argument(
        "request",
        nargs="?",
        default="-",
        metavar="INPUT",
        help="the filter as JSON or text, or - for standard input (default: standard input)",
    )
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    schema = load_schema(args)
    source = read_request_text(args)
    is_json = source.lstrip().startswith("{")
    node: Node = parse_filter(schema, load_json(source, schema, ROOT), ROOT) if is_json else parse_text(schema, source)
    target = args.to or ("text" if is_json else "json")
    if target == "text":
        print(to_text(node))
    else:
        print_json(to_json(node))
    return 0
