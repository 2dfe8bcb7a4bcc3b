"""The SQL backend: SQLAlchemy Core for SQLite, PostgreSQL and MariaDB/MySQL.

mapping = map_table(QUERY_CALLS, calls, {"members": Related(...)})
page = paginate(QUERY_CALLS.parse(body), connection, mapping, secret=KEY)
engine = create_engine(url, json_serializer=dumps_json)  # floats stay floats in jsonb
"""

from ..json_numbers import dumps_json
from ..sqlcore.sqlite_functions import register_sqlite_functions
from .compiler import compile_filter
from .dialects import DIALECTS, Dialect, for_sqlalchemy
from .indexes import add_sort_indexes, sort_indexes
from .mapping import Json, JsonArray, Related, Scalar, SqlExpression, SqlMapping, map_table, schema_table
from .paginate import install_sqlite_functions, paginate, paginate_async
from .row_cache import RowCache
from .types import ExactNumber, UtcDateTime, code_point_string, json_type

__all__ = [
    "DIALECTS",
    "Dialect",
    "ExactNumber",
    "Json",
    "JsonArray",
    "Related",
    "RowCache",
    "Scalar",
    "SqlExpression",
    "SqlMapping",
    "UtcDateTime",
    "add_sort_indexes",
    "code_point_string",
    "compile_filter",
    "dumps_json",
    "for_sqlalchemy",
    "install_sqlite_functions",
    "json_type",
    "map_table",
    "paginate",
    "paginate_async",
    "register_sqlite_functions",
    "schema_table",
    "sort_indexes",
]
