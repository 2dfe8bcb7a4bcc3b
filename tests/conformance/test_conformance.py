"""The shared conformance table on every backend: one case, one line, every backend.

Page 1 must hold exactly the expected ids; then the whole result, walked with
`next` in pages of 3, must visit the same ids in the same order, and `prev`
from the last page must give back the page before it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.backends import Backend
from tests.conformance.cases import CASES, Case

SECRET = "conformance"
WALK_LIMIT = 3


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case: Case, backend: Backend) -> None:
    page = backend.open(case.schema, case.rows)
    assert case.ids(page(case.request).items) == case.expected_ids

    if len(case.expected_ids) >= case.query().limit:
        return  # a case about `limit` itself
    request: dict[str, Any] = {**case.request, "limit": WALK_LIMIT}
    pages = [page(request, SECRET)]
    while pages[-1].next is not None:
        assert len(pages) <= len(case.expected_ids), "a walk returned more pages than there are rows"
        pages.append(page({**request, "next": pages[-1].next}, SECRET))
    assert tuple(i for p in pages for i in case.ids(p.items)) == case.expected_ids
    if len(pages) > 1:
        assert pages[-1].prev is not None
        back = page({**request, "prev": pages[-1].prev}, SECRET)
        assert case.ids(back.items) == case.ids(pages[-2].items)
