"""Elasticsearch backend: search bodies, the index mapping and documents, keyset pages.

from stream_filters.elasticsearch import document, index_mapping, paginate

client.indices.create(index="calls", mappings=index_mapping(QUERY_CALLS))
client.index(index="calls", document=document(QUERY_CALLS, row))
page = paginate(QUERY_CALLS.parse(request), client, "calls")
"""

from __future__ import annotations

from .compiler import compile_filter, compile_search, compile_sort
from .mapping import FieldMapping, Layout, document, index_mapping, row_from_source
from .paginate import paginate, paginate_async

__all__ = [
    "FieldMapping",
    "Layout",
    "compile_filter",
    "compile_search",
    "compile_sort",
    "document",
    "index_mapping",
    "paginate",
    "paginate_async",
    "row_from_source",
]
