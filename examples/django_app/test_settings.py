"""The example project's settings for its tests: one database per run,
`STREAM_APP_TEST_DATABASE=sqlite|postgresql|mysql` (SQLite by default), the
server ones at STREAM_FILTERS_PG_URL / STREAM_FILTERS_MYSQL_URL like the
library's tests. pytest-django creates `test_<name>` there and drops it after."""

from __future__ import annotations

import os

from .settings import *  # noqa: F403
from .settings import database

_URLS = {
    "sqlite": "sqlite://",
    "postgresql": os.environ.get("STREAM_FILTERS_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    "mysql": os.environ.get("STREAM_FILTERS_MYSQL_URL", "mysql://root:@127.0.0.1:3306/test?charset=utf8mb4"),
}
TEST_DATABASE = os.environ.get("STREAM_APP_TEST_DATABASE", "sqlite")
if TEST_DATABASE not in _URLS:
    raise ValueError(f"STREAM_APP_TEST_DATABASE must be one of {', '.join(_URLS)}, not {TEST_DATABASE!r}")
DATABASES = {"default": database(_URLS[TEST_DATABASE])}
SECRET_KEY = "example tests"
STREAM_FILTERS_CURSOR_SECRET = ["example-tests-cursors"]
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}  # noqa: F405
