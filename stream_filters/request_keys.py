"""The keys of a request body (SPEC §1), and the extra keys an application may admit.

Its own module, importing nothing of the package, so that schemas (which
declare extra keys) and the parser (which reads them) share one rule.
"""

from __future__ import annotations

from collections.abc import Iterable

REQUEST_KEYS = ("filter_conditions", "sort", "limit", "next", "prev")


def check_extra_keys(keys: Iterable[str], where: str = "") -> tuple[str, ...]:
    """Extra body keys as a tuple; ValueError if one is not a string or is one of
    the request's own keys, whose meaning cannot be taken over."""
    out = (keys,) if isinstance(keys, str) else tuple(keys)
    for key in out:
        if not isinstance(key, str) or key in REQUEST_KEYS:
            raise ValueError(f"{where}extra key {key!r} must be a string other than {', '.join(REQUEST_KEYS)}")
    return out
