"""The `stream-filters` command: one module per subcommand.

Each subcommand module exposes `add_parser(subparsers)` (which sets
`func=run`) and `run(args) -> int`. Exit codes are `common.EXIT_CODES`
(SPEC §6.3): 0 success, 1 the request was rejected (a FilterError, printed as
its JSON body), 2 usage errors, 3 environment faults.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from .. import __version__
from .common import EXIT_CODES, EXIT_OK

SUBCOMMANDS = ("validate", "query", "compile", "format", "load", "token", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stream-filters",
        description="Validate, compile and run Stream-style query requests.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__name__}.{name}_command")
        module.add_parser(sub)
    for subparser in sub.choices.values():
        subparser.epilog = subparser.epilog or EXIT_CODES
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say to it, and
        # nothing to report. Point stdout at /dev/null so the interpreter's
        # own flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return code


if __name__ == "__main__":
    sys.exit(main())
