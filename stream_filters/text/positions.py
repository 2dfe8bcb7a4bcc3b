"""Character offsets -> line, column and a caret excerpt, for messages."""

from __future__ import annotations

_WINDOW = 72  # characters of the offending line shown around the caret


def locate(text: str, start: int, end: int) -> dict[str, int]:
    """`line` and `column` (1-based, in characters) and the 0-based span."""
    line_start = text.rfind("\n", 0, start) + 1
    return {
        "line": text.count("\n", 0, start) + 1,
        "column": start - line_start + 1,
        "offset": start,
        "end": max(start, end),
    }


def at(message: str, where: dict[str, int]) -> str:
    """`message` followed by the position `locate` found."""
    return f"{message} (line {where['line']}, column {where['column']})"


def pointed(message: str, text: str, start: int, end: int) -> tuple[str, dict[str, int]]:
    """`message` with its position and the caret excerpt under `start:end`,
    as a syntax error shows it; and the position as context."""
    where = locate(text, start, end)
    return f"{at(message, where)}\n{excerpt(text, start, end)}", where


def excerpt(text: str, start: int, end: int) -> str:
    """The line holding `start`, clipped around it, with carets under `start:end`."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end < 0:
        line_end = len(text)
    line = text[line_start:line_end].rstrip("\r").replace("\t", " ")
    column = start - line_start
    first = max(0, min(column - _WINDOW // 2, len(line) - _WINDOW))
    last = min(len(line), first + _WINDOW)
    shown = ("…" if first else "") + line[first:last] + ("…" if last < len(line) else "")
    caret = column - first + (1 if first else 0)
    width = max(1, min(end, line_start + last) - start)
    return f"  {shown}\n  {' ' * caret}{'^' * width}"
