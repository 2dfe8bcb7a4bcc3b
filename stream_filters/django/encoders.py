"""A JSON encoder for `JSONField(encoder=ExactFloatsEncoder)` whose floats read
back as the same floats on every database (SPEC §3.6).

PostgreSQL stores a JSONField as jsonb, which keeps a number's decimal value
and drops its exponent: `2.0**60`, written by Python as `1.152921504606847e+18`,
would be kept and read back as the integer 1152921504606847000. The `json`
module formats floats itself (`default` is never asked about them), so the
encoder rewrites its own output: each chunk `iterencode` yields holds whole
tokens, and the floats with an exponent among them are written as their exact
value with a fraction (`stream_filters.json_numbers`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..json_numbers import positional_floats


class ExactFloatsEncoder(json.JSONEncoder):
    """`json.JSONEncoder` with floats in positional notation (`1e+300` as its
    exact digits + `.0`). Combine it with another encoder by listing it first:
    `class Encoder(ExactFloatsEncoder, DjangoJSONEncoder)`."""

    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:
        # `encode` (what json.dumps and Django call) joins these chunks.
        for chunk in super().iterencode(o, _one_shot):
            yield positional_floats(chunk)
