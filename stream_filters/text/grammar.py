"""Where the grammar lives.

`grammar/filter.lark` at the repository root is the source of truth. The wheel
carries it as `stream_filters/grammar/filter.lark` (pyproject force-includes
it); an editable checkout has no copy inside the package, so the repository
file is read instead.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

GRAMMAR_NAME = "filter.lark"
_REPOSITORY_GRAMMAR = Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_NAME


def grammar_source() -> str:
    """The grammar text, from the installed package or else the repository."""
    packaged = resources.files("stream_filters").joinpath("grammar", GRAMMAR_NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return _REPOSITORY_GRAMMAR.read_text(encoding="utf-8")
