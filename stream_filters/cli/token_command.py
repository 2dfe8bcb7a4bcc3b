"""`stream-filters token`: the server-side JWT the reference server expects.

Stream's server-side authentication is a JWT signed with the api secret
(HS256), sent in the `Authorization` header with `stream-auth-type: jwt` and
the api key as a query parameter (docs/server.md has a curl session).
"""

from __future__ import annotations

import argparse
import os
import time

from .common import EnvironmentFault, UsageError, guarded


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "token",
        help="print a server-side JWT for `stream-filters serve`, signed with the api secret",
        description="Print a server-side JWT (HS256, signed with the api secret) for the Authorization header.",
    )
    parser.add_argument(
        "--api-secret",
        default=os.environ.get("STREAM_API_SECRET"),
        help="the secret the server was started with (default: $STREAM_API_SECRET)",
    )
    parser.add_argument(
        "--expires-in",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="lifetime of the token; 0 for a token without expiry (default: 3600)",
    )
    parser.set_defaults(func=guarded(run))


def run(args: argparse.Namespace) -> int:
    if not args.api_secret:
        raise UsageError("give --api-secret (or set STREAM_API_SECRET)")
    if args.expires_in < 0:
        raise UsageError("--expires-in must be 0 or more seconds")
    try:
        import jwt
    except ModuleNotFoundError as exc:
        raise EnvironmentFault(
            f"token needs the [server] extra (pip install '.[server]'): {exc.name} is missing"
        ) from None
    now = int(time.time())
    claims: dict[str, int] = {"iat": now}
    if args.expires_in:
        claims["exp"] = now + args.expires_in
    print(jwt.encode(claims, args.api_secret, algorithm="HS256"))
    return 0
