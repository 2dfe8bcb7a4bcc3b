"""Fixtures for the SQL backend tests (engines and tables live in harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sql.harness import DIALECT_NAMES, drop_stores, make_engine


@pytest.fixture(params=DIALECT_NAMES)
def dialect(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    make_engine(name)
    return name


@pytest.fixture(scope="session", autouse=True)
def _drop_tables() -> Iterator[None]:
    yield
    drop_stores()
