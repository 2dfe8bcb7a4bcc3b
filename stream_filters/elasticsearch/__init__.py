"""Elasticsearch/OpenSearch backend: search bodies, the index mapping and documents, keyset pages.

from stream_filters.elasticsearch import client_for, document, index_mapping, paginate

client = client_for(url)             # elasticsearch-py or opensearch-py, from the server's GET /
client.indices.create(index="calls", body={"mappings": index_mapping(QUERY_CALLS)})
client.index(index="calls", id=row["cid"], body=document(QUERY_CALLS, row))
page = paginate(QUERY_CALLS.parse(request), client, "calls")
"""

from __future__ import annotations

from .clients import Engine, async_client_for, client_for, detect_engine, engine_of
from .compiler import compile_filter, compile_search, compile_sort
from .mapping import FieldMapping, Layout, document, index_mapping, row_from_source
from .paginate import paginate, paginate_async

__all__ = [
    "Engine",
    "FieldMapping",
    "Layout",
    "async_client_for",
    "client_for",
    "compile_filter",
    "compile_search",
    "compile_sort",
    "detect_engine",
    "document",
    "engine_of",
    "index_mapping",
    "paginate",
    "paginate_async",
    "row_from_source",
]
