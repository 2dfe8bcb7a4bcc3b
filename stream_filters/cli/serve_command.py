"""`stream-filters serve`: the reference query server that Stream's SDKs talk to."""

from __future__ import annotations

import argparse
import logging
import os
import socket

from .common import EnvironmentFault, UsageError, guarded

DEFAULT_DB = "sqlite:///stream-filters.db"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "serve", help="serve Stream's video query endpoints (QueryCalls, QueryCallMembers) over a SQL database"
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, metavar="URL", help=f"SQLAlchemy database URL (default {DEFAULT_DB})"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
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
    parser.add_argument(
        "--log-level",
        default="info",
        choices=("debug", "info", "warning", "error"),
        help="how much the server logs (default: info)",
    )
    limits = parser.add_argument_group("connection limits")
    limits.add_argument(
        "--header-timeout", type=float, default=10.0, metavar="S", help="seconds to receive headers (default 10)"
    )
    limits.add_argument(
        "--body-timeout", type=float, default=30.0, metavar="S", help="seconds to receive a body (default 30)"
    )
    limits.add_argument(
        "--keep-alive-timeout", type=int, default=5, metavar="S", help="seconds an idle connection stays (default 5)"
    )
    limits.add_argument(
        "--max-concurrency",
        type=int,
        default=100,
        metavar="N",
        help="connections + requests in flight; beyond it, 503 (default 100)",
    )
    limits.add_argument(
        "--database-threads",
        type=int,
        default=None,
        metavar="N",
        help="threads that run database work (default: 2 on SQLite, 30 otherwise)",
    )
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    if not args.api_key or not args.api_secret:
        raise UsageError("give --api-key and --api-secret (or set STREAM_API_KEY and STREAM_API_SECRET)")
    try:
        import uvicorn

        from ..server import ServerSettings, create_app
        from ..server.http import HttpLimits, config
        from ..sql.cli_support import check_database
    except ModuleNotFoundError as exc:
        raise EnvironmentFault(
            f"serve needs the [server] extra (pip install '.[server]'): {exc.name} is missing"
        ) from None
    if args.database_threads is not None and args.database_threads < 1:
        raise UsageError("--database-threads must be at least 1")
    # What the server could not use is one line and exit 3, before it starts.
    _check_address(args.host, args.port)
    check_database(args.db)
    logging.basicConfig(level=args.log_level.upper(), format="%(message)s")
    settings = ServerSettings(
        api_key=args.api_key,
        api_secret=args.api_secret,
        database_url=args.db,
        seed=not args.no_seed,
        body_timeout=args.body_timeout,
        cursor_secrets=tuple(args.cursor_secret),
        database_threads=args.database_threads,
    )
    limits = HttpLimits(args.header_timeout, args.keep_alive_timeout, args.max_concurrency)
    uvicorn.Server(config(create_app(settings), args.host, args.port, limits, args.log_level)).run()
    return 0


def _check_address(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise EnvironmentFault(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
