"""`stream-filters validate`: exit 0 with the normalised request, 1 with the error body, 2 for usage errors."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from stream_filters import QUERY_CALLS
from stream_filters.cli import main
from stream_filters.cli.common import pointer


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_request_prints_normalised_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, '{"filter_conditions": {"type": "default"}, "limit": 10}')
    assert code == 0
    assert json.loads(out) == {
        "filter_conditions": {"type": {"$eq": "default"}},
        "sort": [{"field": "created_at", "direction": -1}, {"field": "cid", "direction": -1}],
        "limit": 10,
    }


def test_endpoint_selects_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--endpoint", "query_members", '{"filter_conditions": {"custom.color": "red"}}')
    assert code == 0
    assert json.loads(out)["sort"][-1] == {"field": "user_id", "direction": 1}


def test_output_is_valid_input(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, '{"filter_conditions": {"$and": [{"id": "a"}, {"created_at": {"$gt": "2021-01-15t09:30:20+02:00"}}]}}'
    )
    assert QUERY_CALLS.parse(out).to_request() == json.loads(out)


def test_invalid_request_prints_the_error_body(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, '{"filter_conditions": {"tpye": "a"}, "limit": 0}')
    assert code == 1
    body = json.loads(out)
    assert body["code"] == "unknown_field"
    assert [(p["code"], p["path"]) for p in body["problems"]] == [
        ("unknown_field", ["filter_conditions", "tpye"]),
        ("invalid_limit", ["limit"]),
    ]
    assert err == ""


def test_invalid_json_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "{nope")
    assert code == 1
    assert json.loads(out)["code"] == "invalid_json"


def test_text_format_points_at_the_bad_part(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--format",
        "text",
        '{"filter_conditions": {"created_at": {"$gte": "2021-01-01T00:00:00Z", "$gt": "yesterday"}}}',
    )
    assert code == 1
    assert out.splitlines()[:3] == [
        "error[invalid_datetime] at filter_conditions.created_at.$gt",
        '  {…, "$gt": "yesterday"}',
        "      ^^^^^^^^^^^^^^^^^^",
    ]
    assert "RFC 3339" in out
    assert "\033[" not in out


def test_text_format_is_coloured_on_a_tty(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, _ = run(capsys, "--format", "text", '{"limit": 0}')
    assert code == 1
    assert "\033[31m" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = run(capsys, "--format", "text", '{"limit": 0}')
    assert "\033[" not in plain


def test_text_format_without_a_pointer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "text", "[1]")
    assert code == 1
    assert out.splitlines() == ["error[invalid_type] at (request)", "  the request must be a JSON object, got array"]


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"filter_conditions": {"ongoing": true}}'))
    code, out, _ = run(capsys, "-")
    assert code == 0
    assert json.loads(out)["filter_conditions"] == {"ongoing": {"$eq": True}}


def test_stdin_is_the_default(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"limit": 0}'))
    code, _, _ = run(capsys)
    assert code == 1


def test_schema_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    schema = tmp_path / "rooms.json"
    schema.write_text(
        json.dumps({"name": "rooms", "fields": {"id": {"type": "string", "sortable": True}}, "tie_breaker": "id"})
    )
    code, out, _ = run(capsys, "--schema", str(schema), '{"filter_conditions": {"id": "r1"}}')
    assert code == 0
    assert json.loads(out)["sort"] == [{"field": "id", "direction": 1}]
    code, out, _ = run(capsys, "--schema", str(schema), '{"filter_conditions": {"size": 1}}')
    assert code == 1
    assert json.loads(out)["code"] == "unknown_field"


BAD_SCHEMAS: list[tuple[str, str | None]] = [
    ("missing file", None),
    ("not JSON", "{"),
    ("not a schema", '{"name": "x"}'),
    ("bad field", '{"name": "x", "fields": {"a": 5}, "tie_breaker": "a"}'),
    ("deep JSON", "[" * 100_000),
]


@pytest.mark.parametrize("content", [b[1] for b in BAD_SCHEMAS], ids=[b[0] for b in BAD_SCHEMAS])
def test_bad_schema_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None
) -> None:
    schema = tmp_path / "schema.json"
    if content is not None:
        schema.write_text(content)
    code, out, err = run(capsys, "--schema", str(schema), "{}")
    assert code == 2
    assert out == ""
    assert err.startswith("stream-filters: error: cannot load schema")


def test_unknown_endpoint_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--endpoint", "query_channels", "{}")
    assert code == 2
    assert out == ""
    assert "unknown endpoint 'query_channels'" in err


@pytest.mark.parametrize("argv", [["--format", "xml", "{}"], ["--bogus"], ["{}", "{}"]])
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate", *argv])
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


POINTERS: list[tuple[Any, tuple[Any, ...], tuple[str, str] | None]] = [
    ({"a": 1}, ("a",), ('{"a": 1}', " ^^^^^^")),
    ({"a": 1, "b": 2, "c": 3}, ("b",), ('{…, "b": 2, …}', "    ^^^^^^")),
    ({"a": [1, 2]}, ("a", 0), ("[1, …]", " ^")),
    ({"a": "x" * 100}, ("a",), ('{"a": "' + "x" * 58 + "…}", " " + "^" * 65)),
    ({"a": 1}, ("b",), None),
    ({"a": [1]}, ("a", 5), None),
    ({"a": 1}, (), None),
    (None, ("a",), None),
]


@pytest.mark.parametrize(("body", "path", "expected"), POINTERS)
def test_pointer(body: Any, path: tuple[Any, ...], expected: tuple[str, str] | None) -> None:
    assert pointer(body, path) == expected
