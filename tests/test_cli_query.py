"""`stream-filters query` over the demo data, JSON Lines files and a database; and the demo data itself."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, demo
from stream_filters.cli import main
from stream_filters.memory import paginate
from stream_filters.strategies import is_row_of


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else err)


# -- the demo data ------------------------------------------------------------------------


def test_demo_data_is_deterministic_and_fits_the_schemas() -> None:
    calls, members = demo.calls(), demo.members()
    assert len(calls) == demo.CALL_COUNT == 3000
    assert len(members) == demo.USER_COUNT == 2000
    assert all(is_row_of(QUERY_CALLS, row) for row in calls)
    assert all(is_row_of(QUERY_MEMBERS, row) for row in members)
    assert len({c["cid"] for c in calls}) == len(calls)
    assert len({m["user_id"] for m in members}) == len(members)
    demo._generate.cache_clear()
    assert demo.calls() == calls
    assert demo.calls()[0]["cid"] == "livestream:call-00000"  # pins the seed and the generator


def test_demo_members_belong_to_the_call_that_lists_them() -> None:
    by_cid = {c["cid"]: c for c in demo.calls()}
    for member in demo.members():
        assert member["user_id"] in by_cid[member["call_cid"]]["members"]
    listed = sum(len(c["members"] or ()) for c in by_cid.values())
    assert listed == len(demo.members())


def test_demo_data_has_nulls_and_repeated_sort_values() -> None:
    calls = demo.calls()
    assert any(c["ended_at"] is None for c in calls)
    assert any(c["backstage"] is None for c in calls)
    assert any(c["members"] is None for c in calls)
    created = [c["created_at"] for c in calls]
    assert len(set(created)) < len(created)
    assert any(m["custom"] is None for m in demo.members())


def test_demo_rows_refuses_unknown_endpoints() -> None:
    with pytest.raises(ValueError, match="query_calls and query_members"):
        demo.rows("query_channels")


# -- --demo --------------------------------------------------------------------------------


def test_query_demo_prints_a_page_with_rfc3339_datetimes(capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run(capsys, "query", "--demo", '{"filter_conditions": {"type": "livestream"}, "limit": 3}')
    assert code == 0
    assert set(body) == {"items", "next", "prev"}
    assert [item["type"] for item in body["items"]] == ["livestream"] * 3
    assert body["next"] is not None
    assert body["prev"] is None
    stamp = body["items"][0]["created_at"]
    assert stamp.endswith("Z")
    assert datetime.fromisoformat(stamp) >= datetime.fromisoformat(body["items"][1]["created_at"])


def test_query_demo_pages_follow_their_cursors(capsys: pytest.CaptureFixture[str]) -> None:
    request = {"filter_conditions": {"members": {"$in": ["alice", "bob", "carol"]}}, "limit": 1}
    _, first = run(capsys, "query", "--demo", json.dumps(request))
    _, second = run(capsys, "query", "--demo", json.dumps({**request, "next": first["next"]}))
    _, back = run(capsys, "query", "--demo", json.dumps({**request, "prev": second["prev"]}))
    assert second["items"] != first["items"]
    assert back["items"] == first["items"]
    names = {"alice", "bob", "carol"}
    assert all(names & set(item["members"]) for item in first["items"] + second["items"])


def test_query_demo_members_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    request = {"filter_conditions": {"custom.color": "red", "role": "admin"}, "limit": 100}
    code, body = run(capsys, "query", "--endpoint", "query_members", "--demo", json.dumps(request))
    assert code == 0
    expected = [
        m["user_id"] for m in demo.members() if (m["custom"] or {}).get("color") == "red" and m["role"] == "admin"
    ]
    assert sorted(item["user_id"] for item in body["items"]) == sorted(expected)
    assert expected


def test_query_rejects_bad_requests_with_the_error_body(capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run(capsys, "query", "--demo", '{"filter_conditions": {"colour": "red"}}')
    assert code == 1
    assert body["code"] == "unknown_field"


def test_signed_cursors_need_the_same_secret(capsys: pytest.CaptureFixture[str]) -> None:
    _, first = run(capsys, "query", "--demo", "--secret", "k1", '{"limit": 2}')
    code, ok = run(capsys, "query", "--demo", "--secret", "k1", json.dumps({"limit": 2, "next": first["next"]}))
    assert code == 0
    assert len(ok["items"]) == 2
    code, body = run(capsys, "query", "--demo", "--secret", "k2", json.dumps({"limit": 2, "next": first["next"]}))
    assert (code, body["code"]) == (1, "invalid_cursor")


def test_secret_defaults_to_the_environment(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.setenv("STREAM_FILTERS_SECRET", "from-env")
    _, first = run(capsys, "query", "--demo", '{"limit": 2}')
    code, body = run(capsys, "query", "--demo", "--secret", "other", json.dumps({"limit": 2, "next": first["next"]}))
    assert (code, body["code"]) == (1, "invalid_cursor")
    code, _ = run(capsys, "query", "--demo", "--secret", "from-env", json.dumps({"limit": 2, "next": first["next"]}))
    assert code == 0


def test_query_reads_the_request_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO('{"limit": 1}'))
    code, body = run(capsys, "query", "--demo")
    assert code == 0
    assert len(body["items"]) == 1


# -- --data --------------------------------------------------------------------------------


def _jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_query_data_parses_datetimes_and_filters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path,
        '{"cid": "a", "created_at": "2024-01-01T10:00:00+02:00", "members": ["x"]}',
        "",
        '{"cid": "b", "created_at": "2024-01-01T09:00:00.5Z", "members": []}',
        '{"cid": "c", "created_at": "2024-01-01T07:59:59", "ended_at": null}',
        '{"cid": "d"}',
    )
    request = {"filter_conditions": {"created_at": {"$gte": "2024-01-01T08:00:00Z"}}}
    code, body = run(capsys, "query", "--data", str(path), json.dumps(request))
    assert code == 0
    assert [item["cid"] for item in body["items"]] == ["b", "a"]
    assert [item["created_at"] for item in body["items"]] == ["2024-01-01T09:00:00.5Z", "2024-01-01T08:00:00Z"]


def test_query_data_naive_timestamps_are_utc(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _jsonl(tmp_path, '{"cid": "c", "created_at": "2024-01-01T07:59:59"}')
    _, body = run(capsys, "query", "--data", str(path), '{"filter_conditions": {"created_at": "2024-01-01T07:59:59Z"}}')
    assert [item["cid"] for item in body["items"]] == ["c"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "rows.jsonl:1: not a JSON object"),
        ("[1, 2]", "rows.jsonl:1: expected a JSON object per line"),
        ('{"cid": "a", "created_at": 5}', "rows.jsonl:1: created_at: expected an RFC 3339 timestamp string"),
        ('{"cid": "a", "created_at": "yesterday"}', "rows.jsonl:1: created_at: 'yesterday' is not an RFC 3339"),
    ],
)
def test_query_data_reports_bad_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, message: str
) -> None:
    path = _jsonl(tmp_path, line)
    code, err = run(capsys, "query", "--data", str(path), "{}")
    assert code == 2
    assert message in err


def test_query_data_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(capsys, "query", "--data", str(tmp_path / "nope.jsonl"), "{}")
    assert code == 2
    assert "cannot read" in err


def test_query_data_is_read_as_a_stream(tmp_path: Path) -> None:
    from stream_filters.cli.query_command import read_jsonl

    path = _jsonl(
        tmp_path, *(json.dumps({"cid": f"c{i:03d}", "created_at": "2024-01-01T00:00:00Z"}) for i in range(50))
    )
    rows = read_jsonl(path, QUERY_CALLS)
    assert not isinstance(rows, list)
    page = paginate(QUERY_CALLS.parse({"limit": 3}), rows)
    assert [r["cid"] for r in page.items] == ["c049", "c048", "c047"]
    assert page.items[0]["created_at"] == datetime(2024, 1, 1, tzinfo=UTC)


# -- --db and usage ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--db", "sqlite://"], "--db needs --table"),
        (["--demo", "--table", "t"], "--table goes with --db"),
    ],
)
def test_query_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, err = run(capsys, "query", *argv, "{}")
    assert code == 2
    assert message in err


def test_query_needs_exactly_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["query", "{}"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["query", "--demo", "--data", "x.jsonl", "{}"])


def test_query_db_without_the_sql_extra(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "stream_filters.sql.cli_support", None)
    code, err = run(capsys, "query", "--db", "sqlite://", "--table", "calls", "{}")
    assert code == 3  # an environment fault, not a usage error
    assert "[sql] extra" in err


def test_query_db_reads_a_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'members.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "create table members (user_id text primary key, role text, custom json, "
            "created_at timestamp, updated_at timestamp)"
        )
        connection.exec_driver_sql(
            "insert into members values "
            "('alice', 'admin', '{\"color\": \"red\"}', '2024-01-01 00:00:00.000000', null), "
            "('bob', 'member', '{\"color\": \"blue\"}', '2024-01-02 00:00:00.000000', null)"
        )
    engine.dispose()
    request = '{"filter_conditions": {"custom.color": "red"}}'
    code, body = run(capsys, "query", "--endpoint", "query_members", "--db", url, "--table", "members", request)
    assert code == 0
    assert [item["user_id"] for item in body["items"]] == ["alice"]
