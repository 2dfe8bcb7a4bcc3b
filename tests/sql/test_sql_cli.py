"""`stream-filters compile --to sql`, `query --db` and `load`: the SQL printed
runs as printed, and returns the rows `query` returns, on every dialect."""

from __future__ import annotations

import argparse
import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from stream_filters import BUILTIN_SCHEMAS, QUERY_CALLS, QUERY_MEMBERS, Schema, demo
from stream_filters.cli import main
from stream_filters.sql import install_sqlite_functions, map_table, paginate, schema_table
from stream_filters.sql.cli_support import query_database
from tests.sql.harness import make_engine


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_compile_bound_prints_placeholders_and_parameters(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    request = {"filter_conditions": {"type": "x'; DROP TABLE calls; --", "id": {"$in": ["a", "b"]}}, "limit": 3}
    code = main(["compile", "--to", "sql", "--bound", "--dialect", dialect, json.dumps(request)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dialect"] == dialect
    [statement] = out["statements"]
    assert "DROP TABLE" not in statement["sql"]
    assert "POSTCOMPILE" not in statement["sql"]  # IN lists expanded, as sent
    assert "x'; DROP TABLE calls; --" in statement["params"].values()
    assert {"a", "b"} <= set(statement["params"].values())
    assert 4 in statement["params"].values()  # limit + 1
    assert "ORDER BY" in statement["sql"]
    # `schema_table`'s string columns collate by code point: no COLLATE needed.
    assert "COLLATE" not in statement["sql"]


def test_compile_bound_writes_datetimes_as_everything_else_does(capsys: pytest.CaptureFixture[str]) -> None:
    request = {"filter_conditions": {"created_at": {"$gt": "2024-01-01T00:00:00.5+02:00"}}}
    assert main(["compile", "--to", "sql", "--bound", json.dumps(request)]) == 0
    [statement] = json.loads(capsys.readouterr().out)["statements"]
    assert "2023-12-31T22:00:00.5Z" in statement["params"].values()  # SPEC §3.1


def test_compile_prints_sql_with_literals(capsys: pytest.CaptureFixture[str]) -> None:
    request = {"filter_conditions": {"type": {"$in": ["default", "it's"]}}, "limit": 3}
    assert main(["compile", "--to", "sql", "--table", "calls", json.dumps(request)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "IN ('default', 'it''s')" in out
    assert "FROM calls" in out and "LIMIT 4" in out
    assert "?" not in out and "POSTCOMPILE" not in out
    assert out.rstrip().endswith(";")


def test_compile_mysql_casts_as_it_sends_without_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    request = {"filter_conditions": {"custom.score": {"$gt": 1.5}}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            main(["compile", "--to", "sql", "--endpoint", "query_members", "--dialect", "mysql", json.dumps(request)])
            == 0
        )
    out, err = capsys.readouterr()
    assert err == ""
    assert "AS DOUBLE)" in out


def test_compile_rejects_a_bad_request(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compile", "--to", "sql", json.dumps({"filter_conditions": {"nope": 1}})])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["code"] == "unknown_field"


# -- the printed SQL, run as printed --------------------------------------------------------------

PRINTED_SQL_REQUESTS: list[tuple[Schema, dict[str, Any]]] = [
    (QUERY_CALLS, {"filter_conditions": {"type": {"$in": ["default", "livestream"]}}, "limit": 7}),
    (
        QUERY_CALLS,
        {
            "filter_conditions": {
                "created_at": {"$gte": "2025-01-01T00:00:00.1234567Z"},
                "$or": [{"ended_at": {"$exists": False}}, {"members": {"$in": ["user-0001", "user-0164"]}}],
            },
            "sort": [{"field": "starts_at", "direction": 1}],
            "limit": 9,
        },
    ),
    (
        QUERY_MEMBERS,
        {"filter_conditions": {"custom.score": {"$gt": 50.5}, "role": {"$gt": "h"}}, "sort": [], "limit": 8},
    ),
    (QUERY_MEMBERS, {"filter_conditions": {"custom.color": {"$in": ["red", "green", 3, True]}}, "limit": 5}),
]


def _load_demo(engine: sa.Engine, schema: Schema) -> sa.Table:
    table = schema_table(schema, sa.MetaData(), f"sfcli_{schema.name}_{os.getpid()}")
    names = [f.name for f in schema.fields]
    with engine.begin() as conn:
        table.drop(conn, checkfirst=True)
        table.create(conn)
        conn.execute(table.insert(), [{n: row.get(n) for n in names} for row in demo.rows(schema.name)[:600]])
    return table


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_printed_sql_runs_and_returns_the_rows_query_returns(
    dialect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(dialect) if dialect != "sqlite" else sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    if dialect == "sqlite":
        # Printed SQLite SQL may call the library's functions (numbers in custom.*,
        # $autocomplete, $q): an application registers them once per engine.
        install_sqlite_functions(engine)
    for schema in (QUERY_CALLS, QUERY_MEMBERS):
        table = _load_demo(engine, schema)
        try:
            for request_schema, request in PRINTED_SQL_REQUESTS:
                if request_schema is not schema:
                    continue
                argv = ["compile", "--to", "sql", "--dialect", dialect, "--endpoint", schema.name]
                assert main([*argv, "--table", table.name, json.dumps(request)]) == 0
                printed = capsys.readouterr().out
                [statement] = printed.strip().removesuffix(";").split(";\n\n")
                with engine.connect() as conn:
                    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                    cursor.execute(statement)  # as printed: no parameters
                    got = [row[0 if schema is QUERY_MEMBERS else 1] for row in cursor.fetchall()]
                    cursor.close()
                    page = paginate(schema.parse(request), conn, map_table(schema, table))
                expected = [item[schema.tie_breaker] for item in page.items]
                assert expected, request  # the requests are chosen to match rows
                assert got[: len(expected)] == expected
                assert (len(got) > len(expected)) == (page.next is not None)  # LIMIT is limit + 1
        finally:
            with engine.begin() as conn:
                table.drop(conn)
    if dialect == "sqlite":
        engine.dispose()


# -- query --db and load ---------------------------------------------------------------------------


def test_query_database_reads_a_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = schema_table(QUERY_CALLS, metadata, "calls")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {"cid": f"default:{i}", "id": str(i), "type": "default" if i % 2 else "audio_room",
                 "created_at": datetime(2024, 1, 1 + i, tzinfo=UTC), "members": ["alice"] if i < 3 else []}
                for i in range(6)
            ],
        )  # fmt: skip
    engine.dispose()
    query = QUERY_CALLS.parse({"filter_conditions": {"members": {"$in": ["alice"]}}, "limit": 2})
    page = query_database(query, argparse.Namespace(db=url, table="calls", secret=None))
    assert [item["cid"] for item in page.items] == ["default:2", "default:1"]
    assert page.items[0]["created_at"] == datetime(2024, 1, 3, tzinfo=UTC)
    assert page.items[0]["members"] == ["alice"]
    assert page.next is not None
    os.remove(tmp_path / "calls.db")


def test_query_database_gives_related_members(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The server keeps members in `call_members`; `query --db` shows them in each call."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    calls = sa.Table(
        "calls", metadata, sa.Column("cid", sa.String, primary_key=True), sa.Column("created_at", sa.DateTime)
    )
    members = sa.Table(
        "call_members",
        metadata,
        sa.Column("call_cid", sa.String, primary_key=True),
        sa.Column("user_id", sa.String, primary_key=True),
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            calls.insert(),
            [{"cid": "a", "created_at": datetime(2024, 1, 1, 9, 30, 20, 450000)}, {"cid": "b", "created_at": None}],
        )
        conn.execute(members.insert(), [{"call_cid": "a", "user_id": u} for u in ("zoe", "bob")])
    engine.dispose()
    assert main(["query", "--db", url, "--table", "calls", '{"filter_conditions": {"members": {"$in": ["bob"]}}}']) == 0
    [item] = json.loads(capsys.readouterr().out)["items"]
    assert item["members"] == ["bob", "zoe"]
    assert item["created_at"] == "2024-01-01T09:30:20.45Z"  # SPEC §3.1, as --demo and --data write it


@pytest.mark.parametrize("endpoint", sorted(BUILTIN_SCHEMAS))
def test_load_then_query_pages_like_the_demo(endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["load", "--db", url, "--table", "t", "--endpoint", endpoint, "--demo"]) == 0
    assert "loaded" in capsys.readouterr().err
    request = json.dumps({"limit": 4})
    assert main(["query", "--db", url, "--table", "t", "--endpoint", endpoint, request]) == 0
    from_db = json.loads(capsys.readouterr().out)
    assert main(["query", "--demo", "--endpoint", endpoint, request]) == 0
    from_demo = json.loads(capsys.readouterr().out)
    assert from_db["next"] == from_demo["next"] and from_db["prev"] is None
    names = [f.name for f in BUILTIN_SCHEMAS[endpoint].fields]
    assert [{n: i.get(n) for n in names} for i in from_db["items"]] == [
        {n: i.get(n) for n in names} for i in from_demo["items"]
    ]


def test_load_refuses_an_existing_table_unless_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "calls.jsonl"
    rows.write_text('{"cid": "a", "created_at": "2024-01-01T00:00:00Z", "members": ["x"]}\n{"cid": "b"}\n')
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["load", "--db", url, "--table", "calls", "--data", str(rows)]) == 0
    assert main(["load", "--db", url, "--table", "calls", "--data", str(rows)]) == 3
    assert "--replace" in capsys.readouterr().err
    assert main(["load", "--db", url, "--table", "calls", "--data", str(rows), "--replace"]) == 0
    assert main(["query", "--db", url, "--table", "calls", '{"filter_conditions": {"members": {"$in": ["x"]}}}']) == 0
    assert [i["cid"] for i in json.loads(capsys.readouterr().out)["items"]] == ["a"]


def test_load_with_a_bad_data_file_leaves_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "calls.jsonl"
    rows.write_text('{"cid": "a"}\nnot json\n')
    assert main(["load", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--table", "calls", "--data", str(rows)]) == 2
    assert ":2:" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


CUSTOM_NUMBERS = {"f60": 2.0**60, "big": 1e300, "max": 1.7976931348623157e308, "i20": 10**20, "tiny": 1e-300}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_load_writes_floats_that_read_back_as_floats(
    dialect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`load` writes custom data with `dumps_json` (SPEC §3.6): on PostgreSQL too,
    `2.0**60` is the float 2^60, found by `$eq 2**60` and read back as a float."""
    engine = make_engine(dialect)  # skips, or fails in CI, without the server
    url = engine.url.render_as_string(hide_password=False) if dialect != "sqlite" else f"sqlite:///{tmp_path / 'n.db'}"
    table = f"sf_load_numbers_{os.getpid()}"
    rows = tmp_path / "members.jsonl"
    rows.write_text(json.dumps({"user_id": "u", "custom": CUSTOM_NUMBERS}) + "\n" + json.dumps({"user_id": "v"}) + "\n")
    load = ["load", "--db", url, "--table", table, "--endpoint", "query_members", "--data", str(rows), "--replace"]
    assert main(load) == 0, capsys.readouterr().err
    capsys.readouterr()
    try:
        request = json.dumps({"filter_conditions": {"custom.f60": 2**60, "custom.big": {"$gt": 2**63 - 1}}})
        assert main(["query", "--db", url, "--table", table, "--endpoint", "query_members", request]) == 0
        [item] = json.loads(capsys.readouterr().out)["items"]
        assert item["custom"] == CUSTOM_NUMBERS
        assert {k: type(v) for k, v in item["custom"].items()} == {k: type(v) for k, v in CUSTOM_NUMBERS.items()}
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
