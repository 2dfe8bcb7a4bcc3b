"""Compile time per corpus request: ours vs the same expression built by hand
in SQLAlchemy vs `sqlalchemy-filters` (where it can express the request).

For each request of the shared corpus (benchmarks/corpus.py), on the SQLite
dialect, with `members` in a related `call_members` table:

- `ours`: `compile_filter(query.filter, mapping, dialect)`: AST -> SQLAlchemy
  expression (the request is parsed beforehand, as for every backend);
- `hand`: a function writing that same expression with SQLAlchemy Core;
- `sqlalchemy-filters`: `apply_filters(session.query(Model), spec)` with the
  request translated to its filter spec beforehand. It cannot express JSON
  type bracketing, `custom.*` paths or the members EXISTS: those are "n/a".
  Its answers are also wrong where it can run: it has no collation control,
  so strings compare by the database's collation, and `in` on a joined
  members table repeats rows.

`--sql` adds the SQL text compile (`str(select.compile(dialect))`) to every method.

Run:
  python -m pytest benchmarks/bench_sql_compile.py -o python_files='bench_*.py' --benchmark-group-by=param:case
  python -m benchmarks.bench_sql_compile        # the table with ratios (methods interleaved)
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy_filters import apply_filters

from benchmarks.corpus import CORPUS, CorpusRequest
from stream_filters import BUILTIN_SCHEMAS
from stream_filters.sql import Related, compile_filter, map_table, schema_table
from stream_filters.sql.dialects import DIALECTS

DIALECT = DIALECTS["sqlite"]
metadata = sa.MetaData()
calls = schema_table(BUILTIN_SCHEMAS["query_calls"], metadata, "calls")
members = schema_table(BUILTIN_SCHEMAS["query_members"], metadata, "members")
call_members = sa.Table(
    "call_members",
    metadata,
    sa.Column("call_cid", sa.String(255), primary_key=True),
    sa.Column("user_id", sa.String(255), primary_key=True),
)
MAPPINGS = {
    "query_calls": map_table(
        BUILTIN_SCHEMAS["query_calls"],
        calls,
        {"members": Related(call_members.c.call_cid == calls.c.cid, call_members.c.user_id)},
    ),
    "query_members": map_table(BUILTIN_SCHEMAS["query_members"], members),
}


class Base(DeclarativeBase):
    pass


class Call(Base):
    __table__ = calls


class Member(Base):
    __table__ = members


C, M, CM = calls.c, members.c, call_members.c
NUMBER, TEXT, BOOLEAN = ("integer", "real"), ("text",), ("true", "false")


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def _has_member(users: list[str]) -> Any:
    return sa.select(sa.literal(1)).where(CM.call_cid == C.cid, CM.user_id.in_(users)).exists()


def _json(path: str, kinds: tuple[str, ...], test: Callable[[Any], Any]) -> Any:
    return sa.and_(sa.func.json_type(M.custom, path).in_(kinds), test(sa.func.json_extract(M.custom, path)))


def _yes(value: bool) -> Any:
    return sa.literal(value, sa.Boolean())


_BIG_IN = [f"user-{i:03d}" for i in range(50)]

HAND: dict[str, Callable[[], Any]] = {
    "calls_eq_shorthand": lambda: C.type == "default",
    "calls_eq_explicit": lambda: C.id == "call-1",
    "calls_in_string": lambda: C.type.in_(["default", "livestream", "audio_room"]),
    "calls_datetime_range": lambda: sa.and_(
        C.created_at >= _t("2024-01-01T00:00:00Z"), C.created_at <= _t("2024-01-31T22:00:00.123456Z")
    ),
    "calls_members_in": lambda: _has_member(["alice", "bob"]),
    "calls_boolean_eq": lambda: C.ongoing == _yes(True),
    "calls_or_of_two": lambda: sa.or_(C.backstage == _yes(True), C.created_by_user_id == "alice"),
    "calls_nested_depth3": lambda: sa.and_(
        C.type == "livestream",
        sa.or_(C.ongoing == _yes(True), sa.and_(C.ended_at >= _t("2024-03-01T12:00:00Z"), _has_member(["alice"]))),
    ),
    "calls_exists_true_false": lambda: sa.and_(C.ended_at.is_(None), C.starts_at.is_not(None)),
    "calls_multi_operator_field": lambda: sa.and_(
        C.id > "a", C.id <= "m", C.id.is_not(None), C.id.in_(["b", "c", "d"])
    ),
    "calls_sort_two_keys": lambda: C.team == "blue",
    "calls_big_in_50": lambda: C.created_by_user_id.in_(_BIG_IN),
    "calls_everything": lambda: sa.and_(
        C.type.in_(["default", "livestream"]),
        C.created_at >= _t("2024-01-01T00:00:00Z"),
        sa.or_(C.backstage == _yes(False), _has_member(["alice", "bob", "carol"])),
        C.ended_at.is_(None),
    ),
    "members_empty": lambda: sa.true(),
    "members_in": lambda: M.user_id.in_(["alice", "bob", "carol"]),
    "members_custom_eq": lambda: _json('$."color"', TEXT, lambda v: v == "red"),
    "members_custom_range": lambda: sa.and_(
        _json('$."score"', NUMBER, lambda v: v >= 10), _json('$."score"', NUMBER, lambda v: v < 99.5)
    ),
    "members_custom_in_mixed": lambda: sa.or_(
        _json('$."profile"."level"', TEXT, lambda v: v.in_(["gold"])),
        _json('$."profile"."level"', NUMBER, lambda v: v.in_([3])),
        _json('$."profile"."level"', BOOLEAN, lambda v: v.in_([1])),
    ),
    "members_custom_exists": lambda: sa.and_(
        sa.func.json_type(M.custom, '$."tags"') != "null",
        sa.not_(sa.func.coalesce(sa.func.json_type(M.custom, '$."banned"') != "null", sa.false())),
    ),
    "members_nested_sorted": lambda: sa.or_(
        M.role.in_(["admin", "moderator"]),
        sa.and_(_json('$."vip"', BOOLEAN, lambda v: v == 1), M.created_at < _t("2023-07-01T06:59:59.5Z")),
    ),
}

# sqlalchemy-filters specs, for the requests it can express at all.
FILTERS_SPEC: dict[str, Any] = {
    "calls_eq_shorthand": [{"field": "type", "op": "==", "value": "default"}],
    "calls_eq_explicit": [{"field": "id", "op": "==", "value": "call-1"}],
    "calls_in_string": [{"field": "type", "op": "in", "value": ["default", "livestream", "audio_room"]}],
    "calls_datetime_range": [
        {"field": "created_at", "op": ">=", "value": _t("2024-01-01T00:00:00Z")},
        {"field": "created_at", "op": "<=", "value": _t("2024-01-31T22:00:00.123456Z")},
    ],
    "calls_boolean_eq": [{"field": "ongoing", "op": "==", "value": True}],
    "calls_or_of_two": {
        "or": [
            {"field": "backstage", "op": "==", "value": True},
            {"field": "created_by_user_id", "op": "==", "value": "alice"},
        ]
    },
    "calls_exists_true_false": [{"field": "ended_at", "op": "is_null"}, {"field": "starts_at", "op": "is_not_null"}],
    "calls_multi_operator_field": [
        {"field": "id", "op": ">", "value": "a"},
        {"field": "id", "op": "<=", "value": "m"},
        {"field": "id", "op": "is_not_null"},
        {"field": "id", "op": "in", "value": ["b", "c", "d"]},
    ],
    "calls_sort_two_keys": [{"field": "team", "op": "==", "value": "blue"}],
    "calls_big_in_50": [{"field": "created_by_user_id", "op": "in", "value": _BIG_IN}],
    "members_empty": [],
    "members_in": [{"field": "user_id", "op": "in", "value": ["alice", "bob", "carol"]}],
}  # fmt: skip

SESSION = Session()


def _methods(case: CorpusRequest, sql: bool) -> dict[str, Callable[[], Any]]:
    schema = BUILTIN_SCHEMAS[case.endpoint]
    mapping = MAPPINGS[case.endpoint]
    node = schema.parse(case.request).filter
    table = calls if case.endpoint == "query_calls" else members
    model: Any = Call if case.endpoint == "query_calls" else Member
    dialect = sqlite.dialect()  # type: ignore[no-untyped-call]

    def text(where: Any) -> str:
        return str(sa.select(table).where(where).compile(dialect=dialect))

    out: dict[str, Callable[[], Any]] = {
        "ours": (lambda: text(compile_filter(node, mapping, DIALECT)))
        if sql
        else (lambda: compile_filter(node, mapping, DIALECT)),
        "hand": (lambda: text(HAND[case.name]())) if sql else HAND[case.name],
    }
    spec = FILTERS_SPEC.get(case.name)
    if spec is not None:
        query = SESSION.query(model)
        if sql:
            out["sqlalchemy-filters"] = lambda: str(apply_filters(query, spec).statement.compile(dialect=dialect))
        else:
            out["sqlalchemy-filters"] = lambda: apply_filters(query, spec)
    return out


def _same_sql(case: CorpusRequest) -> None:
    """The hand-built expression is the one we compile (so the timing compares like with like)."""
    methods = _methods(case, sql=True)
    assert methods["ours"]() == methods["hand"](), case.name


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
@pytest.mark.parametrize("method", ["ours", "hand", "sqlalchemy-filters"])
def test_compile(benchmark: Any, case: CorpusRequest, method: str) -> None:
    _same_sql(case)
    run = _methods(case, sql=False).get(method)
    if run is None:
        pytest.skip(f"{method} cannot express {case.name}")
    benchmark(run)


def measure(sql: bool, rounds: int = 200, batch: int = 20) -> dict[tuple[str, str], float]:
    """Median µs per call for each (case, method): batches of calls, every
    method and case in turn within each round, so load hits them alike."""
    runs = {(case.name, m): f for case in CORPUS for m, f in _methods(case, sql).items()}
    times: dict[tuple[str, str], list[float]] = {key: [] for key in runs}
    gc.disable()  # as timeit does: a collection inside one batch is noise
    try:
        for _ in range(rounds):
            gc.collect()
            for key, run in runs.items():
                start = time.perf_counter()
                for _ in range(batch):
                    run()
                times[key].append((time.perf_counter() - start) / batch)
    finally:
        gc.enable()
    return {key: statistics.median(v) * 1e6 for key, v in times.items()}


def table(sql: bool) -> str:
    medians = measure(sql, rounds=40 if sql else 200)
    what = "expression + SQL text" if sql else "expression"
    lines = [
        f"Compile time ({what}), median µs (ratio to hand-built):",
        "",
        "| request | ours | hand-built | sqlalchemy-filters |",
        "|---|---:|---:|---:|",
    ]
    ratios = []
    for case in CORPUS:
        hand = medians[(case.name, "hand")]
        ours = medians[(case.name, "ours")]
        ratios.append(ours / hand)
        peer = medians.get((case.name, "sqlalchemy-filters"))
        peer_cell = "n/a" if peer is None else f"{peer:.1f} ({peer / hand:.1f}×)"
        lines.append(f"| {case.name} | {ours:.1f} ({ours / hand:.2f}×) | {hand:.1f} | {peer_cell} |")
    lines.append(f"\nours / hand-built: median {statistics.median(ratios):.2f}×, max {max(ratios):.2f}×")
    return "\n".join(lines)


if __name__ == "__main__":
    for case in CORPUS:
        _same_sql(case)
    print(table(sql="--sql" in sys.argv))
