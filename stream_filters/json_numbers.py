"""JSON text whose floats every store reads back as the same floats (SPEC §3.6).

PostgreSQL's jsonb keeps the decimal value a number denotes, not its text, and
drops the exponent: Python writes the float 2.0**60 as `1.152921504606847e+18`
(the shortest text that reads back as it), and jsonb keeps the integer
1152921504606847000, which is neither a float nor the float's value. So every
float written with a non-negative exponent is rewritten as its exact value in
positional notation with a fraction (`1152921504606846976.0`): jsonb then holds
the float's value, and its text reads back as the same float. Floats with a
negative exponent (`1e-05`) need nothing: jsonb keeps them as a decimal with a
point (`0.00001`), which reads back as the same float, and writing their exact
value would take up to 1,076 characters (767 significant digits just below
2.2250738585072014e-308).

The rewrite works on JSON text, token by token, so it serves any encoder:
`dumps_json` (SQLAlchemy's `json_serializer`), the Django encoder
(`stream_filters.django.ExactFloatsEncoder`) and the reference server.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# A JSON string (skipped: its text is not a number) or a number with a
# non-negative exponent. Strings first, so `"1e+5"` inside one stays as it is.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE]\+?[0-9]+')
# What any such number contains: a quick test that spares most texts the scan.
_EXPONENT = re.compile(r"[0-9][eE]\+?[0-9]")


def positional_float(value: float) -> str:
    """A finite float as JSON text that jsonb keeps as a number with a point,
    which reads back as the same float: from 1e16 up, where Python writes an
    exponent, its exact value (`1e+300` as its 301 integer digits + `.0`);
    below, Python's own text."""
    text = repr(value)
    if "e+" not in text:
        return text  # positional already (or `1e-05`, which jsonb keeps as 0.00001)
    # From 1e16 up Python writes an exponent; every such float is an integer.
    return f"{int(value)}.0"


def _rewrite(match: re.Match[str]) -> str:
    token = match.group()
    if token.startswith('"'):
        return token
    value = float(token)
    return positional_float(value) if math.isfinite(value) else token


def positional_floats(text: str) -> str:
    """`text` (JSON) with every number written with a non-negative exponent
    rewritten by `positional_float`; strings and other numbers unchanged."""
    if _EXPONENT.search(text) is None:
        return text  # the common case: no such number can be there
    return _TOKEN.sub(_rewrite, text)


def dumps_json(value: Any) -> str:
    """`json.dumps(value)` with floats written so that every store reads them
    back as the same floats: pass it as SQLAlchemy's
    `create_engine(url, json_serializer=dumps_json)` (docs/sql.md).

    Options and errors are `json.dumps`'s own (`TypeError` for what is not
    JSON; `NaN` and `Infinity` are written as it writes them, and PostgreSQL
    and MariaDB refuse them as JSON).
    """
    text = json.dumps(value)
    # json.dumps writes every float with a positive exponent as `…e+NN`: one
    # substring test (C speed) spares the common text the regular expressions.
    return _TOKEN.sub(_rewrite, text) if "e+" in text else text
