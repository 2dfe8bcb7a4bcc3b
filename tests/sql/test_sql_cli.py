"""`stream-filters compile --to sql` and `stream_filters.sql.cli_support.query_database`."""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from stream_filters import QUERY_CALLS
from stream_filters.cli import main
from stream_filters.sql import schema_table
from stream_filters.sql.cli_support import query_database


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_compile_prints_sql_and_bound_parameters(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    request = {"filter_conditions": {"type": "x'; DROP TABLE calls; --"}, "limit": 3}
    code = main(["compile", "--to", "sql", "--dialect", dialect, json.dumps(request)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dialect"] == dialect
    [statement] = out["statements"]
    assert "DROP TABLE" not in statement["sql"]
    assert "x'; DROP TABLE calls; --" in statement["params"].values()
    assert 4 in statement["params"].values()  # limit + 1
    assert "ORDER BY" in statement["sql"]
    # `schema_table`'s string columns collate by code point: no COLLATE needed.
    assert "COLLATE" not in statement["sql"]


def test_compile_rejects_a_bad_request(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compile", "--to", "sql", json.dumps({"filter_conditions": {"nope": 1}})])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["code"] == "unknown_field"


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
    assert page.items[0]["created_at"] == "2024-01-03T00:00:00Z"
    assert page.next is not None
    json.dumps(page.to_dict())
    os.remove(tmp_path / "calls.db")
