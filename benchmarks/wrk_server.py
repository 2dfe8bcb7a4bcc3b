"""Load test of `stream-filters serve` with wrk (loopback only; not part of the test run).

    python benchmarks/wrk_server.py [--connections 16] [--duration 20] [--db sqlite postgresql]

Needs `wrk` (Debian: `apt-get install -y wrk`). For each database it loads
the data set of benchmarks/load_server.py (2,000 calls, 8,551 members), starts
the server as a subprocess on a free 127.0.0.1 port, and runs wrk with
N connections on two threads for a fixed duration, every request the default
QueryCalls page (`{}`: 25 calls with their members) or `--body`. The Lua
script (benchmarks/wrk/post_json.lua) sets the body and a static JWT. Prints
requests/s, p50/p99 latency, errors (connect, read, write, timeout, non-2xx),
the server's CPU time per request and its peak memory (VmHWM) as a Markdown
table. wrk and the server share the machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jwt
from load_server import API_KEY, API_SECRET, cpu_seconds, dataset, servers

SCRIPT = Path(__file__).resolve().parent / "wrk" / "post_json.lua"


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def run_wrk(url: str, connections: int, duration: int, body: str) -> dict[str, int]:
    env = {**os.environ, "WRK_BODY": body, "WRK_TOKEN": jwt.encode({}, API_SECRET, algorithm="HS256")}
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(SCRIPT), url]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRK_RESULT "))
    result: dict[str, int] = json.loads(line.removeprefix("WRK_RESULT "))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--body", default="{}")
    parser.add_argument("--path", default="/api/v2/video/calls")
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install -y wrk)")

    call_rows, member_rows = dataset(args.calls)
    print(
        f"data: {len(call_rows)} calls, {len(member_rows)} members; {args.connections} connections, {args.duration} s"
    )
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; body {args.body}")
    print("| database | requests | requests/s | p50 ms | p99 ms | errors | server CPU ms/req | peak memory MB |")
    print("|---|---|---|---|---|---|---|---|")
    failed = False
    for db, base_url, pid in servers(args.db, call_rows, member_rows):
        cpu_before = cpu_seconds(pid)
        result = run_wrk(f"{base_url}{args.path}?api_key={API_KEY}", args.connections, args.duration, args.body)
        cpu_ms = (cpu_seconds(pid) - cpu_before) / max(1, result["requests"]) * 1000
        errors = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
        rate = result["requests"] / (result["duration_us"] / 1e6)
        print(
            f"| {db} | {result['requests']} | {rate:.0f} | {result['p50_us'] / 1000:.1f} "
            f"| {result['p99_us'] / 1000:.1f} | {errors} | {cpu_ms:.2f} | {peak_memory_mb(pid):.0f} |"
        )
        failed = failed or errors > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
