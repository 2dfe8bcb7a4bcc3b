"""`Query`: a validated request, the one input every backend takes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .ast import Node, to_json
from .sort import SortKey

if TYPE_CHECKING:  # a Query names its Schema; schemas make queries (`Schema.parse`)
    from .schema import Schema


class Direction(StrEnum):
    NEXT = "next"
    PREV = "prev"


@dataclass(frozen=True, slots=True)
class CursorToken:
    """A cursor as the client sent it; decoded and checked by `cursors.decode`."""

    direction: Direction
    token: str


@dataclass(frozen=True)
class Query:
    schema: Schema
    filter: Node
    sort: tuple[SortKey, ...]  # the tie-breaker is always the last key
    limit: int
    cursor: CursorToken | None = None

    @cached_property
    def fingerprint(self) -> str:
        """Identifies endpoint + filter + sort; cursors carry it so they cannot be
        replayed against another query. `limit` is not part of it: it may change."""
        canonical = json.dumps(
            [self.schema.name, to_json(self.filter), [[k.field, k.direction] for k in self.sort]],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]

    def to_request(self) -> dict[str, Any]:
        """The normalised request body: canonical filter, full sort, limit, cursor."""
        body: dict[str, Any] = {
            "filter_conditions": to_json(self.filter),
            "sort": [k.to_json() for k in self.sort],
            "limit": self.limit,
        }
        if self.cursor is not None:
            body[str(self.cursor.direction)] = self.cursor.token
        return body
