"""`stream-filters serve`: credentials from flags or environment; a real process answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from server_helpers import API_KEY, API_SECRET, free_port, headers

from stream_filters.cli import build_parser, main


def test_serve_is_a_subcommand_with_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAM_API_KEY", "env-key")
    monkeypatch.setenv("STREAM_API_SECRET", "env-secret")
    args = build_parser().parse_args(["serve"])
    assert (args.db, args.host, args.port) == ("sqlite:///stream-filters.db", "127.0.0.1", 8000)
    assert (args.api_key, args.api_secret, args.no_seed) == ("env-key", "env-secret", False)
    flags = build_parser().parse_args(["serve", "--api-key", "k", "--api-secret", "s", "--port", "9", "--no-seed"])
    assert (flags.api_key, flags.api_secret, flags.port, flags.no_seed) == ("k", "s", 9, True)
    assert (args.header_timeout, args.body_timeout, args.keep_alive_timeout, args.max_concurrency) == (10, 30, 5, 100)
    limits = ["--header-timeout", "2.5", "--body-timeout", "4", "--keep-alive-timeout", "1", "--max-concurrency", "7"]
    tight = build_parser().parse_args(["serve", *limits])
    assert (tight.header_timeout, tight.body_timeout, tight.keep_alive_timeout, tight.max_concurrency) == (2.5, 4, 1, 7)


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
