"""The text syntax for filters (docs/text-syntax.md).

    created_at >= 2024-01-01T00:00:00Z and (type in ["default", "livestream"] or ended_at missing)

- `parse_text(schema, text)`: text -> the same validated AST as the JSON form,
  with the same problem codes and messages; syntax errors are `syntax_error`
  problems with line, column, the expected tokens and a caret excerpt.
- `to_text(node)`: the canonical text of an AST (`parse_text` gives it back).
- `describe_condition(part)`: a short text quote of an AST node or of raw JSON
  filter_conditions, for messages.

The grammar is `grammar/filter.lark` (shipped in the wheel as
`stream_filters/grammar/filter.lark`).
"""

from .printer import describe_condition, to_text
from .reader import parse_text

__all__ = ["describe_condition", "parse_text", "to_text"]
