"""Custom numbers written through Django with `ExactFloatsEncoder` (the
harness's JSONField encoder, docs/django.md) read back as the same JSON numbers
on every database (SPEC §3.6), and PostgreSQL answers as memory does over the
rows as sent, at issue 13's edges (tests/number_edges.py).

Comparisons are checked on PostgreSQL only: it is the store whose stored value
the writer decides (jsonb keeps a number's value, not its text). On SQLite and
MariaDB the JSON text is kept as written, and their comparisons beyond 64 bits
are the Django backend's known gap (tests/backends.py `KNOWN_GAPS`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from stream_filters import memory
from tests.django_orm.harness import get_store
from tests.number_edges import VALUES, conditions, edge_rows, json_number_text, without_negative_zero
from tests.schemas import ALL_TYPES


def _texts(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {row["id"]: json_number_text(row["custom"]) for row in rows}


def test_custom_numbers_read_back_as_written(alias: str) -> None:
    store = get_store(alias, ALL_TYPES)
    rows = edge_rows(13)
    held = store.load(rows)
    want = [without_negative_zero(row) for row in rows] if alias == "postgresql" else rows  # NUMERIC has no -0.0
    assert _texts(held) == _texts(want)
    assert {type(row["custom"]["n"]) for row in held} == {int, float}
    assert len(held) == len(VALUES)


def _ids(alias: str, condition: dict[str, Any]) -> list[str]:
    store = get_store(alias, ALL_TYPES)
    body = {"filter_conditions": condition, "sort": [{"field": "id", "direction": 1}], "limit": 50}
    page = store.page(body)
    found = [item["id"] for item in page.items]
    while page.next:
        page = store.page({**body, "next": page.next})
        found += [item["id"] for item in page.items]
    return found


@pytest.mark.parametrize("alias", ["postgresql"])
def test_postgresql_answers_as_memory_over_the_rows_as_sent(alias: str) -> None:
    rows = edge_rows(13)
    get_store(alias, ALL_TYPES).load(rows)
    wrong = []
    for condition in conditions(13):
        expected = sorted(
            r["id"] for r in memory.filter_rows(ALL_TYPES.parse({"filter_conditions": condition}).where, rows)
        )
        got = _ids(alias, condition)
        if got != expected:
            wrong.append((json.dumps(condition), got, expected))
    assert not wrong, wrong[:3]
