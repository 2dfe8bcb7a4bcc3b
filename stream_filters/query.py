"""`Query`: a validated request, the one input every backend takes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .ast import MATCH_ALL, Node, conjoin, to_json
from .frozen import check_fields, new
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
    """A validated request. `filter` is the client's, `scope` the application's
    (SPEC §8); backends run `where`, their conjunction. `extra` holds the values
    of the extra body keys the schema or the parse call admitted."""

    schema: Schema
    filter: Node
    sort: tuple[SortKey, ...]  # the tie-breaker is always the last key
    limit: int
    cursor: CursorToken | None = None
    scope: Node = MATCH_ALL
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @cached_property
    def where(self) -> Node:
        """What every backend runs: the scope AND the client's filter, so no
        filter can widen the scope."""
        return conjoin((self.scope, self.filter))

    @cached_property
    def fingerprint(self) -> str:
        """Identifies endpoint + scope + filter + sort; cursors carry it so they
        cannot be replayed against another query, nor under another scope.
        `limit` is not part of it: it may change."""
        canonical = json.dumps(
            [
                self.schema.name,
                to_json(self.scope),
                to_json(self.filter),
                [[k.field, k.direction] for k in self.sort],
            ],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]

    def to_request(self) -> dict[str, Any]:
        """The normalised request body: canonical filter, full sort, limit, cursor
        and the extra keys; never the scope, which is not the client's."""
        body: dict[str, Any] = {
            **self.extra,
            "filter_conditions": to_json(self.filter),
            "sort": [k.to_json() for k in self.sort],
            "limit": self.limit,
        }
        if self.cursor is not None:
            body[str(self.cursor.direction)] = self.cursor.token
        return body


def make_query(
    schema: Schema,
    filter: Node,
    sort: tuple[SortKey, ...],
    limit: int,
    cursor: CursorToken | None,
    scope: Node,
    extra: Mapping[str, Any],
) -> Query:
    """`Query(...)` for the parts the parser has validated, at a third of the cost
    of the frozen `__init__` (`frozen.py`): one is built per request. Each field
    is stored in the instance dict, one store each (faster than `update`)."""
    query = new(Query)
    fields = query.__dict__
    fields["schema"] = schema
    fields["filter"] = filter
    fields["sort"] = sort
    fields["limit"] = limit
    fields["cursor"] = cursor
    fields["scope"] = scope
    fields["extra"] = extra
    return query


check_fields(Query, ("schema", "filter", "sort", "limit", "cursor", "scope", "extra"))  # the stores above
