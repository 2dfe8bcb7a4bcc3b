"""The demo data set (`stream_filters.demo`) as rows for an empty database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def demo_rows() -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    return [], []
