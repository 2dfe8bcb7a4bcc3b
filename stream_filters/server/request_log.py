"""One structured log line per request, so operators can see what clients ask.

Each line is a JSON object on the `stream_filters.server` logger at INFO:
`endpoint`, `status`, `duration_ms`, and for queries the normalised request
(`filter` in canonical form, the full `sort` with its tie-breaker, `limit`,
which cursor was given) and `rows` returned; a rejected request carries its
problem `codes` instead. Cursor values are never logged: they are bearer data.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..errors import Problem
from ..query import Query

LOGGER = logging.getLogger("stream_filters.server")


def query_fields(query: Query) -> dict[str, Any]:
    if not LOGGER.isEnabledFor(logging.INFO):
        return {}  # normalising the request is a few percent of a page's CPU: only for a line that is written
    normalised = query.to_request()
    return {
        "filter": normalised["filter_conditions"],
        "sort": normalised["sort"],
        "limit": query.limit,
        "cursor": None if query.cursor is None else str(query.cursor.direction),
    }


def problem_fields(problems: tuple[Problem, ...]) -> dict[str, Any]:
    return {"codes": sorted({str(p.code) for p in problems})} if problems else {}


def emit(endpoint: str, status: int, duration_ms: float, fields: dict[str, Any]) -> None:
    if not LOGGER.isEnabledFor(logging.INFO):
        return
    line = {"endpoint": endpoint, "status": status, "duration_ms": round(duration_ms, 3), **fields}
    LOGGER.info(json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str))
