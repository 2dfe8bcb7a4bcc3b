"""Fixtures for the Django backend tests (settings, models and tables live in harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.django_orm.harness import ALIASES, drop_stores


@pytest.fixture(params=ALIASES)
def alias(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session", autouse=True)
def _drop_tables() -> Iterator[None]:
    yield
    drop_stores()
