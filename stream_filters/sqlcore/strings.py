"""Strings compared by code point (SPEC §3) in SQL databases.

The collations that compare code points, and PostgreSQL's one rewrite: its
text cannot hold NUL, so an operand with one is compared by its prefix.
"""

from __future__ import annotations

from typing import assert_never

from ..operators import Op, Side, comparison

PG_COLLATION = "C"
MARIADB_COLLATION = "utf8mb4_nopad_bin"
MYSQL_COLLATION = "utf8mb4_0900_bin"
# Column collations that already compare by code point: no COLLATE needed on them.
PG_CODE_POINT_COLLATIONS = frozenset({PG_COLLATION, "POSIX", "ucs_basic", "pg_c_utf8"})
MARIADB_CODE_POINT_COLLATIONS = frozenset({MARIADB_COLLATION})
MYSQL_CODE_POINT_COLLATIONS = frozenset({MYSQL_COLLATION})


def without_nul(op: Op, value: str) -> tuple[Op, str] | None:
    """The comparison to run where no stored string contains NUL; None: nothing
    matches. A value is above "p\\0..." exactly when it is above its prefix "p"."""
    if "\x00" not in value:
        return op, value
    prefix = value[: value.index("\x00")]
    side, _ = comparison(op)
    match side:
        case Side.EQUAL:
            return None
        case Side.ABOVE:
            return Op.GT, prefix
        case Side.BELOW:
            return Op.LTE, prefix
        case _:
            assert_never(side)
