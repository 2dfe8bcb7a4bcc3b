"""`stream-filters serve`: credentials from flags or environment; a real process answers."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from server_helpers import API_KEY, API_SECRET, free_port, headers

from stream_filters.cli import build_parser, main
from tests.conftest import require_server


def test_serve_is_a_subcommand_with_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAM_API_KEY", "env-key")
    monkeypatch.setenv("STREAM_API_SECRET", "env-secret")
    args = build_parser().parse_args(["serve"])
    assert (args.db, args.host, args.port) == ("sqlite:///stream-filters.db", "127.0.0.1", 8000)
    assert (args.api_key, args.api_secret, args.no_seed) == ("env-key", "env-secret", False)
    flags = build_parser().parse_args(["serve", "--api-key", "k", "--api-secret", "s", "--port", "9", "--no-seed"])
    assert (flags.api_key, flags.api_secret, flags.port, flags.no_seed) == ("k", "s", 9, True)


@pytest.mark.parametrize("missing", ["STREAM_API_KEY", "STREAM_API_SECRET"])
def test_serve_without_credentials_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    monkeypatch.setenv("STREAM_API_KEY", "k")
    monkeypatch.setenv("STREAM_API_SECRET", "s")
    monkeypatch.delenv(missing)
    assert main(["serve"]) == 2
    assert "--api-key and --api-secret" in capsys.readouterr().err


def test_serve_process_answers_and_logs_each_query(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "STREAM_API_KEY": API_KEY, "STREAM_API_SECRET": API_SECRET}
    command = [sys.executable, "-m", "stream_filters.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--db", f"sqlite:///{tmp_path / 'cli.db'}", "--no-seed"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v2/video/calls"
        response = _first_answer(url, process)
        assert response.status_code == 401
        answer = httpx.post(url, params={"api_key": API_KEY}, headers=headers(), json={"filter_conditions": {"x": 1}})
        assert answer.status_code == 400
        assert answer.json()["problems"][0]["code"] == "unknown_field"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert '"endpoint":"query_calls","status":400' in output
    assert '"codes":["unknown_field"]' in output


def _first_answer(url: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.post(url, json={})
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _curl_session() -> list[str]:
    """The second shell block under "Talking to it with curl" in docs/server.md."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "server.md").read_text(encoding="utf-8")
    section = text.split("## Talking to it with curl", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    return [blocks[0], blocks[1]]


def test_docs_curl_session_works_as_pasted(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        require_server("curl", "not installed (apt-get install curl; .ci/run does)")
    serve, session = _curl_session()
    assert "stream-filters serve --port 8000" in serve
    port = free_port()
    # The server as the first block starts it (seeded demo data in ./stream-filters.db),
    # on a free port; the session exactly as written but for that port.
    env_line = serve.splitlines()[0]
    start = f"{env_line}\nexec {shlex.quote(sys.executable)} -m stream_filters serve --port {port}"
    process = subprocess.Popen(["bash", "-c", start], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _first_answer(f"http://127.0.0.1:{port}/api/v2/video/calls", process)  # type: ignore[arg-type]
        script = session.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        script = script.replace("$(stream-filters ", f"$({shlex.quote(sys.executable)} -m stream_filters ")
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert done.returncode == 0, done.stderr
    decoder = json.JSONDecoder()
    answers, rest = [], done.stdout.strip()
    while rest:
        answer, end = decoder.raw_decode(rest)
        answers.append(answer)
        rest = rest[end:].strip()
    calls, members, error = answers
    assert len(calls["calls"]) == 2 and calls["next"] and calls["prev"] is None
    assert all(c["call"]["type"] == "livestream" for c in calls["calls"])
    assert members["members"]
    assert error["StatusCode"] == 400 and error["problems"][0]["code"] == "unknown_field"
