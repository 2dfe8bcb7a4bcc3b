"""Bounded load test of `stream-filters serve` (loopback only; not part of the test run).

    python benchmarks/load_server.py [--clients 16] [--requests 3000] [--calls 2000] [--db sqlite postgresql]

For each database it loads the same deterministic data set (calls with members
and custom data), starts the server as a subprocess on a free 127.0.0.1 port,
and runs N concurrent asyncio + httpx clients for a fixed total of requests:
each client walks a query's pages with `next` (a mix of QueryCalls and
QueryCallMembers requests). Every page is checked against the in-memory
backend over the same rows: its items, whether it has `next` and `prev`, and
on QueryCalls each call's members. Prints requests/s, p50/p99 latency, errors and
wrong pages as a Markdown table. It stops by itself: the request count is
fixed, each request has a timeout, and the whole run has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import sqlalchemy as sa

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Schema, memory
from stream_filters.server import Storage
from stream_filters.server.storage import connect

API_KEY = "load-key"
API_SECRET = "load-secret-" + "0123456789abcdef" * 4
PG_URL = os.environ.get("STREAM_FILTERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "sf_server_load"
DEADLINE_SECONDS = 600
USERS = [f"user-{i:03d}" for i in range(200)]
BIG_CALLS = ["default:big-0", "livestream:big-1", "audio_room:big-2"]


# -- data --------------------------------------------------------------------------


def dataset(calls: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Deterministic calls and members, as the in-memory backend and `Storage.seed` take them."""
    rnd = random.Random(2026)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    call_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    for i in range(calls):
        call_type = ("default", "livestream", "audio_room")[i % 3]
        call_id = f"big-{i}" if i < len(BIG_CALLS) else f"call-{i:05d}"
        created = base + timedelta(minutes=rnd.randint(0, 500_000), microseconds=rnd.randint(0, 999_999))
        call_rows.append(
            {
                "id": call_id,
                "cid": f"{call_type}:{call_id}",
                "type": call_type,
                "team": rnd.choice(["red", "blue", "green", None]),
                "created_by_user_id": rnd.choice(USERS),
                "created_at": created,
                "updated_at": created + timedelta(seconds=rnd.randint(0, 3600)),
                "starts_at": rnd.choice([None, created + timedelta(hours=rnd.randint(1, 48))]),
                "ended_at": rnd.choice([None, None, created + timedelta(hours=2)]),
                "backstage": rnd.random() < 0.2,
                "ongoing": rnd.random() < 0.3,
                "custom": {"topic": rnd.choice(["news", "sport", "music"]), "size": rnd.randint(1, 500)},
            }
        )
        size = 300 if i < len(BIG_CALLS) else rnd.randint(0, 8)
        for user in rnd.sample(USERS, min(size, len(USERS))):
            joined = created + timedelta(seconds=rnd.randint(0, 600))
            member_rows.append(
                {
                    "call_cid": f"{call_type}:{call_id}",
                    "user_id": user,
                    "role": rnd.choice(["host", "guest", "viewer", None]),
                    "custom": rnd.choice([{}, {"level": rnd.randint(0, 9), "tag": rnd.choice("abc")}]),
                    "created_at": joined,
                    "updated_at": joined + timedelta(seconds=rnd.randint(0, 60)),
                }
            )
    return call_rows, member_rows


def memory_rows(
    call_rows: list[dict[str, Any]], member_rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    by_call: dict[str, list[dict[str, Any]]] = {}
    for m in member_rows:
        by_call.setdefault(m["call_cid"], []).append(m)
    calls = [{**c, "members": [m["user_id"] for m in by_call.get(c["cid"], [])]} for c in call_rows]
    return calls, by_call


# -- the mix of requests -----------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    endpoint: str
    body: dict[str, Any]
    call: str | None = None


TEMPLATES = [
    Template("query_calls", {"limit": 25}),
    Template("query_calls", {"filter_conditions": {"type": "livestream", "ongoing": True}, "limit": 10}),
    Template("query_calls", {"filter_conditions": {"members": {"$in": ["user-001", "user-002"]}}, "limit": 20}),
    Template(
        "query_calls",
        {
            "filter_conditions": {"$or": [{"team": "red"}, {"team": {"$exists": False}}]},
            "sort": [{"field": "starts_at", "direction": 1}],
            "limit": 50,
        },
    ),
    Template(
        "query_calls",
        {
            "filter_conditions": {"created_at": {"$gte": "2026-03-01T00:00:00Z"}},
            "sort": [{"field": "id", "direction": -1}],
        },
    ),
    Template("query_members", {"limit": 25}, BIG_CALLS[0]),
    Template("query_members", {"filter_conditions": {"role": "host"}, "limit": 10}, BIG_CALLS[1]),
    Template(
        "query_members",
        {
            "filter_conditions": {"custom.level": {"$gte": 5}},
            "sort": [{"field": "user_id", "direction": -1}],
            "limit": 15,
        },
        BIG_CALLS[2],
    ),
]
MAX_PAGES = 4  # a client walks at most this many pages of one query


@dataclass(frozen=True)
class Expected:
    keys: list[str]
    has_next: bool
    has_prev: bool
    # QueryCalls: each call's members in the response, its first MEMBERS_PER_CALL
    # in QueryCallMembers' default order (the server's default).
    members: list[list[str]] = field(default_factory=list)


MEMBERS_PER_CALL = 25


def first_members(rows: list[dict[str, Any]]) -> list[str]:
    return [m["user_id"] for m in memory.paginate(QUERY_MEMBERS.parse({"limit": MEMBERS_PER_CALL}), rows).items]


def expected_walk(
    template: Template, calls: list[dict[str, Any]], members: dict[str, list[dict[str, Any]]]
) -> list[Expected]:
    schema: Schema = QUERY_CALLS if template.endpoint == "query_calls" else QUERY_MEMBERS
    rows = calls if template.call is None else members[template.call]
    key = "cid" if template.call is None else "user_id"
    pages: list[Expected] = []
    cursor: dict[str, str] = {}
    while len(pages) < MAX_PAGES:
        page = memory.paginate(schema.parse({**template.body, **cursor}), rows)
        previews = [first_members(members.get(r["cid"], [])) for r in page.items] if template.call is None else []
        pages.append(Expected([r[key] for r in page.items], page.next is not None, page.prev is not None, previews))
        if page.next is None:
            break
        cursor = {"next": page.next}
    return pages


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(url: str, *, seed: bool = False) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "STREAM_API_KEY": API_KEY, "STREAM_API_SECRET": API_SECRET}
    command = [sys.executable, "-m", "stream_filters.cli", "serve", "--db", url, "--port", str(port)]
    command += [] if seed else ["--no-seed"]
    process = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prepare(db: str, call_rows: list[dict[str, Any]], member_rows: list[dict[str, Any]], workdir: Path) -> str:
    if db == "sqlite":
        url = f"sqlite:///{workdir / 'load.db'}"
    else:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
        engine.dispose()
        url = f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"
    storage = Storage(connect(url), None)
    storage.create()
    storage.seed(call_rows, member_rows)
    storage.dispose()
    return url


def servers(
    dbs: list[str], call_rows: list[dict[str, Any]], member_rows: list[dict[str, Any]]
) -> Iterator[tuple[str, str, int]]:
    """Each database loaded with the rows, a server over it: (database, base URL, server pid)."""
    with tempfile.TemporaryDirectory() as tmp:
        for db in dbs:
            url = prepare(db, call_rows, member_rows, Path(tmp))
            with server(url) as (base_url, pid):
                yield db, base_url, pid


# -- the clients ---------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wrong_pages: int = 0
    sent: int = 0


PATHS = {"query_calls": "/api/v2/video/calls", "query_members": "/api/v2/video/call/members"}


async def client_loop(
    http: httpx.AsyncClient, walks: list[tuple[Template, list[Expected]]], tally: Tally, total: int, seed: int
) -> None:
    rnd = random.Random(seed)
    while tally.sent < total:
        template, expected = rnd.choice(walks)
        body = dict(template.body)
        if template.call is not None:
            call_type, call_id = template.call.split(":")
            body.update(type=call_type, id=call_id)
        for page in expected:
            if tally.sent >= total:
                return
            tally.sent += 1
            started = time.perf_counter()
            try:
                response = await http.post(PATHS[template.endpoint], json=body)
            except httpx.HTTPError:
                tally.errors += 1
                break
            tally.latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                tally.errors += 1
                break
            data = response.json()
            previews: list[list[str]] = []
            if template.call is None:
                keys = [c["call"]["cid"] for c in data["calls"]]
                previews = [[m["user_id"] for m in c["members"]] for c in data["calls"]]
            else:
                keys = [m["user_id"] for m in data["members"]]
            got = Expected(keys, data.get("next") is not None, data.get("prev") is not None, previews)
            if got != page:
                tally.wrong_pages += 1
                break
            if not data.get("next"):
                break
            body["next"] = data["next"]


async def load(
    base_url: str, walks: list[tuple[Template, list[Expected]]], clients: int, total: int
) -> tuple[Tally, float]:
    tally = Tally()
    auth = {"Authorization": jwt.encode({}, API_SECRET, algorithm="HS256"), "stream-auth-type": "jwt"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, params={"api_key": API_KEY}, headers=auth, timeout=30, limits=limits
    ) as http:
        await http.post(PATHS["query_calls"], json={"limit": 1})  # warm up
        started = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(client_loop(http, walks, tally, total, i) for i in range(clients))), DEADLINE_SECONDS
        )
        elapsed = time.perf_counter() - started
    return tally, elapsed


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args()

    call_rows, member_rows = dataset(args.calls)
    calls, members = memory_rows(call_rows, member_rows)
    walks = [(t, expected_walk(t, calls, members)) for t in TEMPLATES]
    print(f"data: {len(call_rows)} calls, {len(member_rows)} members; {args.clients} clients, {args.requests} requests")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| database | requests | clients | requests/s | p50 ms | p99 ms | server CPU ms/req | errors | wrong pages |")
    print("|---|---|---|---|---|---|---|---|---|")
    failed = False
    for db, base_url, pid in servers(args.db, call_rows, member_rows):
        cpu_before = cpu_seconds(pid)
        tally, elapsed = asyncio.run(load(base_url, walks, args.clients, args.requests))
        server_cpu = (cpu_seconds(pid) - cpu_before) / max(1, len(tally.latencies)) * 1000
        p50, p99 = percentile(tally.latencies, 50) * 1000, percentile(tally.latencies, 99) * 1000
        rate = len(tally.latencies) / elapsed
        print(
            f"| {db} | {tally.sent} | {args.clients} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {server_cpu:.1f} "
            f"| {tally.errors} | {tally.wrong_pages} |"
        )
        failed = failed or tally.errors > 0 or tally.wrong_pages > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
