"""The SPEC case table on every dialect: page 1 holds exactly the expected ids, in order."""

from __future__ import annotations

import pytest

from tests.sql.cases import CASES, Case
from tests.sql.harness import get_store


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(dialect: str, case: Case) -> None:
    store = get_store(dialect, case.schema)
    store.load(case.rows)
    page = store.page(case.request)
    assert [item[case.schema.tie_breaker] for item in page.items] == case.expected_ids
