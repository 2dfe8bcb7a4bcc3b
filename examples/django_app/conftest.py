"""pytest-django for the example project (pytest.ini: its settings module).

One database per run (`STREAM_APP_TEST_DATABASE`, test_settings.py). A server
that is down skips the tests locally with the reason and fails them in CI
(STREAM_FILTERS_REQUIRE_DBS=1), as the library's tests do."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connections

from tests.conftest import require_server


@pytest.fixture(scope="session", autouse=True)
def _server_is_up(django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        connection = connections["default"]
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            require_server(f"{connection.vendor} for the example project", str(exc).splitlines()[0])
        finally:
            connection.close()


def pytest_report_header() -> str:
    settings = connections["default"].settings_dict
    return f"example project database: {connections['default'].vendor} ({settings['NAME'] or 'in memory'})"
