"""Shared test configuration.

Database servers: a test that needs PostgreSQL or MariaDB asks for it with
`require_server(...)`. Locally an unreachable server skips the test with the
reason; with STREAM_FILTERS_REQUIRE_DBS=1 (set by .ci/run) it fails instead,
so CI can never pass by skipping.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

REQUIRE_DBS = os.environ.get("STREAM_FILTERS_REQUIRE_DBS") == "1"

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile("default")


def require_server(name: str, reason: str) -> None:
    """Skip (locally) or fail (CI) because a database server is unreachable."""
    message = f"{name} is not reachable, so this test cannot run here: {reason}"
    if REQUIRE_DBS:
        pytest.fail(message + " (STREAM_FILTERS_REQUIRE_DBS=1: servers are required)")
    pytest.skip(message)
