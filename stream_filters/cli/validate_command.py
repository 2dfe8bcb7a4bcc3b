"""`stream-filters validate`: check a request and print it normalised."""

from __future__ import annotations

import argparse

from .common import add_request_arguments, guarded, parse_query, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("validate", help="validate a request; print it normalised, or its errors")
    add_request_arguments(parser)
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    print_json(parse_query(args).to_request())
    return 0
