"""The Django ORM backend: the filter AST as a `Q`, keyset pages over the
application's own QuerySet (docs/django.md). Needs the `[django]` extra."""

from .compiler import compile_filter
from .encoders import ExactFloatsEncoder
from .indexes import add_sort_indexes, sort_indexes
from .mapping import DjangoMapping, Json, JsonArray, Related, Scalar, map_model
from .paginate import paginate, paginate_async

__all__ = [
    "DjangoMapping",
    "ExactFloatsEncoder",
    "Json",
    "JsonArray",
    "Related",
    "Scalar",
    "add_sort_indexes",
    "compile_filter",
    "map_model",
    "paginate",
    "paginate_async",
    "sort_indexes",
]
