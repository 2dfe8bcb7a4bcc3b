"""stream_filters: Stream's video-API filter, sort and pagination language for any backend.

Pipeline: request (dict or JSON text) -> `Schema.parse` -> `Query` (filter AST,
sort, limit, cursor) -> a backend (memory, SQL, Elasticsearch) -> `Page`.
"""

from .ast import MATCH_ALL, And, Condition, Node, Nor, Or, to_json
from .errors import Code, FilterError, Problem
from .field_types import FieldType
from .limits import Limits
from .operators import Op
from .pagination import Page
from .query import CursorToken, Direction, Query
from .schema import BUILTIN_SCHEMAS, QUERY_CALLS, QUERY_MEMBERS, Field, Schema, SortKey
from .text import parse_text, to_text
from .timestamps import Instant

__version__ = "0.1.0"  # the one place; pyproject.toml reads it

__all__ = [
    "BUILTIN_SCHEMAS",
    "MATCH_ALL",
    "QUERY_CALLS",
    "QUERY_MEMBERS",
    "And",
    "Code",
    "Condition",
    "CursorToken",
    "Direction",
    "Field",
    "FieldType",
    "FilterError",
    "Instant",
    "Limits",
    "Node",
    "Nor",
    "Op",
    "Or",
    "Page",
    "Problem",
    "Query",
    "Schema",
    "SortKey",
    "parse_text",
    "to_json",
    "to_text",
]
