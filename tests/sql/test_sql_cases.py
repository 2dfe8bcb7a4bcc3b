"""Case tables on every dialect: page 1 holds exactly the expected ids, in order.

Runs the shared conformance table (tests/conformance/cases.py) and the SQL
backend's own SPEC cases (tests/sql/cases.py), which add database traps:
no-pad collations, NUL, escapes, integers beyond 2^53 in columns."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sql import cases as own
from tests.sql.harness import get_store

try:
    from tests.conformance import cases as shared

    SHARED: list[Any] = list(shared.CASES)
except ImportError:  # the shared table is written by the memory backend's author
    SHARED = []

ALL_CASES = [*SHARED, *own.CASES]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_case(dialect: str, case: Any) -> None:
    store = get_store(dialect, case.schema)
    store.load(list(case.rows))
    page = store.page(case.request)
    assert [item[case.schema.tie_breaker] for item in page.items] == list(case.expected_ids)
