"""`stream-filters serve`: the reference query server that Stream's SDKs talk to."""

from __future__ import annotations

import argparse
import logging
import os

from .common import UsageError, guarded

DEFAULT_DB = "sqlite:///stream-filters.db"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "serve", help="serve Stream's video query endpoints (QueryCalls, QueryCallMembers) over a SQL database"
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, metavar="URL", help=f"SQLAlchemy database URL (default {DEFAULT_DB})"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--api-key", default=os.environ.get("STREAM_API_KEY"), help="default: $STREAM_API_KEY")
    parser.add_argument("--api-secret", default=os.environ.get("STREAM_API_SECRET"), help="default: $STREAM_API_SECRET")
    parser.add_argument(
        "--cursor-secret",
        action="append",
        default=[],
        metavar="SECRET",
        help="sign cursors with the first and accept any (repeat to rotate; default: the api secret)",
    )
    parser.add_argument("--no-seed", action="store_true", help="do not load the demo data into an empty database")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    if not args.api_key or not args.api_secret:
        raise UsageError("give --api-key and --api-secret (or set STREAM_API_KEY and STREAM_API_SECRET)")
    try:
        import uvicorn

        from ..server import ServerSettings, create_app
    except ModuleNotFoundError as exc:
        raise UsageError(f"serve needs the [server] extra: {exc.name} is missing") from None
    logging.basicConfig(level=args.log_level.upper(), format="%(message)s")
    settings = ServerSettings(
        api_key=args.api_key,
        api_secret=args.api_secret,
        database_url=args.db,
        seed=not args.no_seed,
        cursor_secrets=tuple(args.cursor_secret),
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0
