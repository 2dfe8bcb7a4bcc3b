"""What `stream-filters compile --to elasticsearch` prints."""

from __future__ import annotations

import argparse
from typing import Any

from ..query import Query
from .compiler import compile_search


def compile_for_cli(query: Query, args: argparse.Namespace) -> dict[str, Any]:
    """The search body of the page the request asks for."""
    return compile_search(query)
