"""The official client's DSL must accept every body we produce, unchanged."""

from __future__ import annotations

from typing import Any

from elasticsearch.dsl import Q, Search


def assert_accepted(body: dict[str, Any]) -> None:
    """`Search.from_dict` round-trips the body and `Q` round-trips its query."""
    assert Search.from_dict(body).to_dict() == body
    assert Q(body["query"]).to_dict() == body["query"]
