"""The demo data set (`stream_filters.demo`) as rows for an empty database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import demo


def demo_rows() -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Calls and members; a call's `members` list is its rows in `call_members`."""
    return list(demo.calls()), list(demo.members())
