"""Settings of the example project.

    STREAM_APP_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/app python -m examples.django_app.manage migrate

The database is `STREAM_APP_DATABASE_URL` (`sqlite:///path`, `postgresql://...`,
`mysql://...`; SQLAlchemy-style `+driver` suffixes are ignored), SQLite in
`stream_app.sqlite3` by default. The tests use `test_settings.py`.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

_ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgresql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
}


def database(url: str) -> dict[str, Any]:
    """Django's DATABASES entry for a URL."""
    parts = urlsplit(url)
    vendor = parts.scheme.split("+")[0]
    if vendor not in _ENGINES:
        raise ValueError(f"unsupported database URL scheme {parts.scheme!r}")
    if vendor == "sqlite":
        # sqlite:///relative/path, sqlite:////absolute/path, sqlite:// in memory (SQLAlchemy's forms)
        return {"ENGINE": _ENGINES[vendor], "NAME": parts.path[1:] or ":memory:"}
    found: dict[str, Any] = {
        "ENGINE": _ENGINES[vendor],
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }
    if vendor == "mysql":
        _pymysql_as_mysqldb()
        found["OPTIONS"] = {"charset": "utf8mb4"}
        found["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_bin"}
    return found


def _pymysql_as_mysqldb() -> None:
    """PyMySQL stands in for mysqlclient (which needs a C build); Django checks
    mysqlclient's version, so PyMySQL reports the one Django asks for."""
    import pymysql

    pymysql.version_info = (2, 2, 7, "final", 0)
    pymysql.install_as_MySQLdb()


DATABASES = {"default": database(os.environ.get("STREAM_APP_DATABASE_URL", "sqlite:///stream_app.sqlite3"))}

SECRET_KEY = os.environ.get("STREAM_APP_SECRET_KEY", "change-me: an example project's key")
DEBUG = os.environ.get("STREAM_APP_DEBUG") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
ROOT_URLCONF = "examples.django_app.urls"
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework.authtoken",
    "examples.django_app.apps.VideoConfig",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

REST_FRAMEWORK = {
    # `Authorization: Token <key>` (rest_framework.authtoken): the user, hence the tenant.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # A FilterError raised by the application's own code is the library's 400 too.
    "EXCEPTION_HANDLER": "stream_filters.django.rest_framework.exception_handler",
}

# Cursors are signed with the first secret and accepted with any (rotation);
# without this setting they are signed with keys derived from SECRET_KEY.
STREAM_FILTERS_CURSOR_SECRET = [s for s in os.environ.get("STREAM_APP_CURSOR_SECRETS", "").split(",") if s] or None
