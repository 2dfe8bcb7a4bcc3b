"""The CLI's environment faults and basics: one line on stderr, exit 3, no
traceback, no file left behind (SPEC §6.3); BrokenPipe, stdin, --version,
`python -m stream_filters`, help for every option; the README's lines."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from stream_filters import __version__
from stream_filters.cli import build_parser, main
from tests.sql.harness import URLS, make_engine

ROOT = Path(__file__).resolve().parents[1]


def fault(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI expecting an environment fault; its one-line message."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 3, (out, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("stream-filters: error: "), err
    assert "Traceback" not in err
    return err


def test_a_missing_sqlite_file_is_not_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "calls.db"
    err = fault(capsys, "query", "--db", f"sqlite:///{path}", "--table", "calls", '{"limit": 5}')
    assert "stream-filters load" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["not a database", "a directory"])
def test_an_unopenable_sqlite_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str) -> None:
    path = tmp_path / "calls.db"
    if kind == "a directory":
        path.mkdir()
    else:
        path.write_text("hello\n")
    fault(capsys, "query", "--db", f"sqlite:///{path}", "--table", "calls", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["calls.db"]
    assert path.is_dir() or path.read_text() == "hello\n"


def test_a_missing_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "calls.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("create table other (x int)")
    engine.dispose()
    err = fault(capsys, "query", "--db", f"sqlite:///{path}", "--table", "calls", "{}")
    assert "no table calls" in err and "stream-filters load" in err


def test_load_into_a_missing_directory_leaves_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fault(capsys, "load", "--db", f"sqlite:///{tmp_path / 'no' / 'x.db'}", "--table", "calls", "--demo")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://postgres@127.0.0.1:1/nowhere", "mysql+pymysql://root:secret@127.0.0.1:1/nowhere"]
)
def test_an_unreachable_server(capsys: pytest.CaptureFixture[str], url: str) -> None:
    err = fault(capsys, "query", "--db", url, "--table", "calls", "{}")
    assert "127.0.0.1" in err
    assert "secret" not in err  # the password is never shown


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_bad_credentials(capsys: pytest.CaptureFixture[str], dialect: str) -> None:
    make_engine(dialect)  # the server is up (skips with the reason locally, fails in CI)
    url = sa.make_url(URLS[dialect]).set(username="sf_no_such_user", password="wrong-password")
    err = fault(capsys, "query", "--db", url.render_as_string(hide_password=False), "--table", "calls", "{}")
    assert "sf_no_such_user" in err
    assert "wrong-password" not in err


def test_a_missing_driver(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    err = fault(capsys, "query", "--db", "postgresql+psycopg://postgres@127.0.0.1/x", "--table", "calls", "{}")
    assert "psycopg" in err and "[sql]" in err


def test_a_missing_extra(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jwt", None)
    err = fault(capsys, "token", "--api-secret", "s")
    assert "[server] extra" in err


@pytest.mark.parametrize("url", ["nonsense", "foo://x"])
def test_a_bad_url_is_a_usage_error(capsys: pytest.CaptureFixture[str], url: str) -> None:
    assert main(["query", "--db", url, "--table", "calls", "{}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


# -- basics ---------------------------------------------------------------------------------------


def python_m(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stream_filters", *argv], capture_output=True, text=True, timeout=60, cwd=ROOT, **kwargs
    )  # type: ignore[call-overload]


def test_python_m_and_version() -> None:
    done = python_m("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"stream-filters {__version__}"


def test_a_closed_stdout_ends_quietly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "stream_filters", "query", "--demo", '{"limit": 100}'],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first write
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert err == ""


def test_text_filter_with_the_request_on_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO('{"limit": 3}'))
    assert main(["validate", "--text", 'type = "default"', "-"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["limit"] == 3 and body["filter_conditions"] == {"type": {"$eq": "default"}}


def test_text_filter_without_a_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--text", 'type = "default"']) == 0
    assert json.loads(capsys.readouterr().out)["limit"] == 25


def test_every_option_has_help_and_exit_codes_are_documented() -> None:
    parser = build_parser()
    assert "3 environment fault" in (parser.epilog or "")
    [sub] = [a for a in parser._actions if a.dest == "command"]
    for name, subparser in sub.choices.items():  # type: ignore[union-attr]
        assert "3 environment fault" in (subparser.epilog or ""), name
        for action in subparser._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
            if action.default not in (None, False, "==SUPPRESS==") and action.option_strings:
                if action.dest in ("api_key", "api_secret", "secret"):
                    continue  # from the environment: never printed
                assert "default" in action.help, f"{name} {action.option_strings} does not show its default"


# -- the README, pasted ---------------------------------------------------------------------------


def readme_lines(prefix: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines() if line.startswith(prefix)]


def test_readme_load_then_query_db_gives_a_page(tmp_path: Path) -> None:
    [load] = readme_lines("stream-filters load ")
    [query] = readme_lines("stream-filters query --db ")
    for line in (load, query):
        argv = shlex.split(line)
        assert argv[0] == "stream-filters"
        done = subprocess.run(
            [sys.executable, "-m", "stream_filters", *argv[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert len(page["items"]) == 5 and page["next"] and page["prev"] is None


@pytest.mark.parametrize("where", ["postgresql+psycopg://postgres@127.0.0.1:1/nowhere", "sqlite:///{tmp}/no/x.db"])
def test_serve_with_a_database_it_cannot_use(capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str) -> None:
    url = where.format(tmp=tmp_path)
    fault(capsys, "serve", "--api-key", "k", "--api-secret", "s", "--db", url, "--port", "1")
    assert list(tmp_path.iterdir()) == []


def test_serve_on_an_address_in_use(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        err = fault(
            capsys, "serve", "--api-key", "k", "--api-secret", "s", "--port", port, "--db", f"sqlite:///{tmp_path}/x.db"
        )
    assert f"127.0.0.1:{port}" in err
    assert list(tmp_path.iterdir()) == []


def test_serve_with_no_database_threads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(
        [
            "serve",
            "--api-key",
            "k",
            "--api-secret",
            "s",
            "--database-threads",
            "0",
            "--db",
            f"sqlite:///{tmp_path}/x.db",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "--database-threads must be at least 1" in err
    assert list(tmp_path.iterdir()) == []
