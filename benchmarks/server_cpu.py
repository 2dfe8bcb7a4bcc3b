"""Server CPU time per default QueryCalls page (loopback only; not part of the test run).

    python benchmarks/server_cpu.py [--requests 300] [--db sqlite postgresql] [--profile out.txt | --instructions]

Starts `stream-filters serve` over the demo data (seeded at start) as a
subprocess, sends N sequential `POST /api/v2/video/calls {}` requests (25 calls
with their members), and prints the server process's CPU time (user + system,
from /proc) divided by N, with the response size. One client, one request at a
time: the figure does not depend on how the machine's cores are shared.
`--profile FILE` instead runs the app in this process under cProfile and
writes the top functions (PROFILE_SORT=cumulative|tottime).

`--instructions` runs the server under valgrind's callgrind instead and
prints the instructions it executes per page (all its threads, user space
only), counted from the first to the last measured request: unlike CPU time,
that figure does not depend on what else the machine is running, so a
before/after ratio holds on a busy machine. About 50 times slower; use
`--requests 200`.

To measure another checkout (the code before a change), run from outside any
worktree with PYTHONPATH set to it: the server starts as `python -m`, which
puts the working directory first on sys.path.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from load_server import API_KEY, API_SECRET, PG_SCHEMA, PG_URL, cpu_seconds, free_port, server

BODY = os.environ.get("BENCH_BODY", "{}").encode()
SORT = os.environ.get("PROFILE_SORT", "tottime")


def fresh_url(db: str, workdir: Path) -> str:
    if db == "sqlite":
        return f"sqlite:///{workdir / 'cpu.db'}"
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"


def auth_headers() -> dict[str, str]:
    import jwt

    return {
        "Authorization": jwt.encode({}, API_SECRET, algorithm="HS256"),
        "stream-auth-type": "jwt",
        "Content-Type": "application/json",
    }


def measure(db: str, requests: int, workdir: Path) -> tuple[float, int]:
    with (
        server(fresh_url(db, workdir), seed=True) as (base_url, pid),
        httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=auth_headers(), timeout=30) as http,
    ):
        size = 0
        for _ in range(20):  # warm up: caches, compiled statements, pool
            size = len(http.post("/api/v2/video/calls", content=BODY).content)
        before = cpu_seconds(pid)
        for _ in range(requests):
            response = http.post("/api/v2/video/calls", content=BODY)
            if response.status_code != 200:
                raise RuntimeError(f"status {response.status_code}: {response.text[:200]}")
        return (cpu_seconds(pid) - before) / requests * 1000, size


@contextmanager
def callgrind_server(url: str, workdir: Path) -> Iterator[tuple[str, int, Path]]:
    """`stream-filters serve` under callgrind with instrumentation off until
    `callgrind_control -i on`: (base URL, pid, the profile file it writes at exit)."""
    port = free_port()
    out = workdir / "callgrind.out"
    env = {**os.environ, "STREAM_API_KEY": API_KEY, "STREAM_API_SECRET": API_SECRET}
    serve = [sys.executable, "-m", "stream_filters.cli", "serve", "--db", url, "--port", str(port)]
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    process = subprocess.Popen([*valgrind, *serve, "--log-level", "warning"], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600  # start-up and seeding, fifty times slower
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start under valgrind") from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", process.pid, out
    finally:
        process.send_signal(signal.SIGINT)  # a clean exit writes the profile
        try:
            process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def instructions(db: str, requests: int, workdir: Path) -> tuple[float, int]:
    """Millions of instructions the server executes per page."""
    with (
        callgrind_server(fresh_url(db, workdir), workdir) as (base_url, pid, out),
        httpx.Client(base_url=base_url, params={"api_key": API_KEY}, headers=auth_headers(), timeout=300) as http,
    ):
        size = 0
        for _ in range(10):  # warm up: caches, compiled statements, pool
            size = len(http.post("/api/v2/video/calls", content=BODY).content)
        subprocess.run(["callgrind_control", "--instr=on", str(pid)], check=True, capture_output=True)
        for _ in range(requests):
            response = http.post("/api/v2/video/calls", content=BODY)
            if response.status_code != 200:
                raise RuntimeError(f"status {response.status_code}: {response.text[:200]}")
        subprocess.run(["callgrind_control", "--instr=off", str(pid)], check=True, capture_output=True)
    found = re.search(r"^totals: (\d+)", out.read_text(errors="replace"), re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no totals in {out}")
    return int(found.group(1)) / requests / 1e6, size


def profile(requests: int, out: Path, workdir: Path) -> None:
    """The ASGI app called in this thread (database work too), under cProfile."""
    import asyncio

    from stream_filters.server import ServerSettings, app, create_app

    async def inline(_request: Any, function: Any, *args: Any) -> Any:
        return function(*args)

    app._run = inline  # cProfile sees one thread only: run the database work in it
    settings = ServerSettings(API_KEY, API_SECRET, f"sqlite:///{workdir / 'profile.db'}")
    asgi = create_app(settings)
    query = f"api_key={API_KEY}".encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v2/video/calls",
        "raw_path": b"/api/v2/video/calls",
        "query_string": query,
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in auth_headers().items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def one(scope: dict[str, Any]) -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": BODY, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            pass

        await asgi(scope, receive, send)

    async def run() -> None:
        async with asgi.router.lifespan_context(asgi):
            state = {"storage": asgi.state.storage}
            for _ in range(20):
                await one({**scope, "state": state})
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                await one({**scope, "state": state})
            profiler.disable()
        with out.open("w") as stream:
            pstats.Stats(profiler, stream=stream).sort_stats(SORT).print_stats(60)

    asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--profile", type=Path, metavar="FILE")
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.profile:
            profile(args.requests, args.profile, Path(tmp))
            return 0
        if args.instructions:
            print("| database | requests | server instructions per page (millions) | page bytes |")
            print("|---|---|---|---|")
            for db in args.db:
                millions, size = instructions(db, args.requests, Path(tmp))
                print(f"| {db} | {args.requests} | {millions:.2f} | {size} |")
            return 0
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print("| database | requests | server CPU ms/page | page bytes |")
        print("|---|---|---|---|")
        for db in args.db:
            cpu_ms, size = measure(db, args.requests, Path(tmp))
            print(f"| {db} | {args.requests} | {cpu_ms:.2f} | {size} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
