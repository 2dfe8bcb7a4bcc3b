"""`stream-filters format` converts both ways; `--text` feeds the other commands."""

from __future__ import annotations

import io
import json

import pytest

from stream_filters.cli import main

TEXT = 'created_at >= 2024-01-01T00:00:00Z and (type in ["default", "livestream"] or ended_at missing)'
JSON = {
    "created_at": {"$gte": "2024-01-01T00:00:00Z"},
    "$or": [{"type": {"$in": ["default", "livestream"]}}, {"ended_at": {"$exists": False}}],
}

# (arguments, output: JSON as an object, text as a string)
CASES: list[tuple[list[str], object]] = [
    ([TEXT], JSON),
    ([json.dumps(JSON)], TEXT),
    (["--to", "json", json.dumps(JSON)], JSON),
    (
        ["--to", "text", "created_at>=2024-01-01T02:00:00+02:00 AND (type IN ['x'] )".replace("'", '"')],
        'created_at >= 2024-01-01T00:00:00Z and type in ["x"]',
    ),
    (['  {"type": "default"}'], 'type = "default"'),
    (["--endpoint", "query_members", 'custom.color = "red"'], {"custom.color": {"$eq": "red"}}),
    ([""], {}),
    (["{}"], ""),
]


@pytest.mark.parametrize(("arguments", "output"), CASES, ids=[" ".join(c[0]) or "(empty)" for c in CASES])
def test_format_converts(arguments: list[str], output: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["format", *arguments]) == 0
    printed = capsys.readouterr().out
    if isinstance(output, str):
        assert printed == output + "\n"
    else:
        assert json.loads(printed) == output


def test_format_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('type = "default"\n'))
    assert main(["format", "-"]) == 0
    assert json.loads(capsys.readouterr().out) == {"type": {"$eq": "default"}}


ERRORS: list[tuple[list[str], str]] = [
    (['type == "x"'], "syntax_error"),
    (["typo = 1"], "unknown_field"),
    (['{"typo": 1}'], "unknown_field"),
    (['{"type": '], "invalid_json"),
    (["(" * 50 + 'type = "x"' + ")" * 50], "too_deep"),
]


@pytest.mark.parametrize(("arguments", "code"), ERRORS, ids=[c[0][0][:30] for c in ERRORS])
def test_format_reports_errors_as_json(arguments: list[str], code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["format", *arguments]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == code


def test_format_prints_text_errors_with_the_caret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["format", "--format", "text", "type = admin"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error[syntax_error] at filter_conditions\n")
    assert out.endswith("\n  type = admin\n         ^^^^^\n")


def test_validate_takes_a_text_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--text", TEXT, json.dumps({"limit": 5})]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["filter_conditions"] == JSON
    assert body["limit"] == 5


def test_unknown_endpoint_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["format", "--endpoint", "nope", TEXT]) == 2
    assert "unknown endpoint" in capsys.readouterr().err
