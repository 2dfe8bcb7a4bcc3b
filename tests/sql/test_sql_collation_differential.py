"""The differential test again, on string columns in the database's own
collation (PostgreSQL created with ICU en-US, MariaDB utf8mb4_unicode_ci):
there `=` and `$in` run without COLLATE (PostgreSQL) or as the column's
comparison AND the binary one (MariaDB), ranges and ORDER BY with it, and
every walk must still equal the in-memory backend's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from stream_filters import FieldType
from stream_filters.sql import code_point_string, map_table, schema_table
from stream_filters.strategies import requests, row_lists
from tests.schemas import ALL_TYPES
from tests.sql.harness import Store, make_engine
from tests.sql.test_sql_collation_explain import icu_engine
from tests.sql.test_sql_differential import _check

EXAMPLES = 100


@pytest.fixture(scope="module", params=["postgresql", "mysql"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    dialect: str = request.param
    engine = icu_engine() if dialect == "postgresql" else make_engine(dialect)
    metadata = sa.MetaData()
    recommended = schema_table(ALL_TYPES, sa.MetaData(), "unused")
    columns = []
    for f in ALL_TYPES.fields:
        kind: Any = recommended.c[f.name].type
        if f.type is FieldType.STRING:
            # MariaDB's unicode_ci would call "a" and "A " one primary key: the
            # tie-breaker keeps a code-point collation there (as recommended).
            tie_on_mariadb = dialect == "mysql" and f.name == ALL_TYPES.tie_breaker
            kind = code_point_string(255) if tie_on_mariadb else sa.String(255)
        columns.append(sa.Column(f.name, kind, primary_key=f.name == ALL_TYPES.tie_breaker))
    options = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}
    table = sa.Table(f"sft_collation_diff_{os.getpid()}", metadata, *columns, **options)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    connection = engine.connect()
    yield Store(dialect, ALL_TYPES, engine, table, map_table(ALL_TYPES, table), connection)
    connection.close()
    metadata.drop_all(engine)
    if dialect == "postgresql":
        engine.dispose()


def test_sql_agrees_with_memory_under_the_database_collation(store: Store) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=row_lists(ALL_TYPES, max_size=12), body=requests(ALL_TYPES, max_limit=5))
    def check(rows: list[dict[str, Any]], body: dict[str, Any]) -> None:
        _check(store, ALL_TYPES, rows, body)

    check()
