"""Calls and their members in a SQL database (`tables.py`), queried through `stream_filters.sql`.

The engine is synchronous and the app runs each operation in a worker thread:
one code path for every database the SQL backend supports (SQLite has no
asynchronous driver in our extras). SQLite runs in WAL mode with a busy
timeout so readers never wait for the writer.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError

from ..cursors import Secrets
from ..json_numbers import dumps_json
from ..pagination import Page
from ..query import Query
from ..sql import SqlMapping, paginate
from ..sql.row_cache import RowCache
from .bodies import CallInput, MemberInput, MembersUpdate
from .first_members import calls_mapping, members_of_row
from .shapes import CallRecord, MemberRecord
from .tables import MEMBER_ORDER_BY, MEMBERS_OF_CALL, call_members, calls, create_indexes, json_value, metadata

_T = TypeVar("_T")


# Rows kept as records (`RowCache`). A call's record holds its first members
# (up to members_per_call): about 2 KiB with the row for the demo's calls, at
# most 5 KiB of custom data for the call and each member more, twice (the row
# as the driver returned it is the key). A page holds up to 25 calls.
CALL_ROWS = 1024
MEMBER_ROWS = 16384


@dataclass(frozen=True, slots=True)
class Created:
    call: CallRecord
    members: list[MemberRecord]
    created: bool


# Connections per engine (not SQLite's): the app runs as many database threads.
POOL_SIZE = 10
POOL_OVERFLOW = 20
# Database threads on SQLite. Its driver releases the GIL around every column
# it reads (Python 3.11's sqlite3), so concurrent readers hand the GIL to and
# fro hundreds of times a page: under wrk with 16 connections, 30 threads
# cost 9.4 ms of CPU per default page, 2 threads 3.7 ms at two and a half
# times the rate (docs/server.md, "CPU per page"). Reads in WAL mode never
# wait for a lock, and writers take turns (`_writing`), so two keep both
# cores busy.
SQLITE_THREADS = 2


def connect(url: str, **options: Any) -> Engine:
    """An engine for `url`; SQLite files get WAL and a busy timeout."""
    # JSON written with floats positional, so that jsonb keeps them as floats (SPEC §3.6).
    json_options: dict[str, Any] = {"json_serializer": dumps_json, "json_deserializer": json_value}
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **json_options)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = sa.create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, **json_options, **options)
    if engine.dialect.name in ("mysql", "mariadb"):
        sa.event.listen(engine, "connect", _mariadb_session)
    _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def _mariadb_session(dbapi_connection: Any, _record: Any) -> None:
    """MariaDB cuts what JSON_ARRAYAGG returns at `group_concat_max_len`
    (1 MiB by default), with only a warning, which would leave a call's
    members (`first_members`) as broken JSON: allowed here up to the largest
    packet the session may send, which bounds any row anyway."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION group_concat_max_len = @@max_allowed_packet")
    cursor.close()


# A pooled connection idle longer than this is pinged before use. Pinging on
# every checkout (`pool_pre_ping`) cost a round trip per request; a connection
# in steady use is not pinged, and one the database dropped meanwhile (a
# restart) fails its statement, invalidating the pool: reads run again on a new
# connection (`Storage._read`), writes too (`_conflict`).
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    def checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool then connects again (at most three times)
            raise DisconnectionError("pooled connection is dead") from exc

    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def now() -> datetime:
    return datetime.now(UTC)


# Timestamps come back aware and in UTC from UtcDateTime, and are non-null where
# the columns are.
def call_record(row: Mapping[Any, Any]) -> CallRecord:
    # The columns are CallRecord's fields: passed by keyword at once, which
    # costs two thirds of reading them one by one. A page's rows carry the
    # call's first members too (`calls_mapping`).
    if "members" in row:
        row = {**row, "members": members_of_row(row["cid"], row["members"])}
    record = CallRecord(**row)
    return record if record.custom is not None else replace(record, custom={})


def member_record(row: Mapping[Any, Any]) -> MemberRecord:
    return MemberRecord(
        call_cid=row["call_cid"],
        user_id=row["user_id"],
        role=row["role"],
        custom=row["custom"] or {},
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class Storage:
    """Every database operation the server makes; each call is one transaction."""

    def __init__(self, engine: Engine, secret: Secrets, members_per_call: int = 25) -> None:
        self.engine = engine
        self.secret = secret
        self.members_per_call = members_per_call
        # Records by stored row, shared by every page that reads the row (docs/server.md, "CPU per page").
        self.call_rows = RowCache(call_record, CALL_ROWS)
        self.member_rows = RowCache(member_record, MEMBER_ROWS)
        # SQLite has one writer at a time; taking turns here keeps writers from
        # failing on each other's locks instead of waiting.
        sqlite = engine.dialect.name == "sqlite"
        self.threads = SQLITE_THREADS if sqlite else POOL_SIZE + POOL_OVERFLOW
        self._writing: contextlib.AbstractContextManager[Any] = threading.Lock() if sqlite else contextlib.nullcontext()
        self._reads = _read_engine(engine)
        self.calls_mapping = calls_mapping(engine.dialect.name, members_per_call)

    # -- set-up ----------------------------------------------------------------

    def create(self) -> None:
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            create_indexes(conn)

    def seed(self, call_rows: Iterable[Mapping[str, Any]], member_rows: Iterable[Mapping[str, Any]]) -> bool:
        """Load data into empty tables; False (and nothing written) if any call exists."""
        with self.engine.begin() as conn:
            if conn.execute(sa.select(calls.c.cid).limit(1)).first() is not None:
                return False
            call_list = [_call_values(r) for r in call_rows]
            member_list = [_member_values(r) for r in member_rows]
            if call_list:
                conn.execute(calls.insert(), call_list)
            if member_list:
                conn.execute(call_members.insert(), member_list)
        return True

    def dispose(self) -> None:
        self.engine.dispose()
        self._reads.dispose()

    # -- reads -----------------------------------------------------------------

    def query_calls(self, query: Query) -> tuple[Page[CallRecord], dict[str, Sequence[MemberRecord]]]:
        """A page of calls, and the first `members_per_call` members of each
        (read with the calls, in one statement: `first_members`)."""

        def work(conn: Connection) -> Page[CallRecord]:
            return read_calls(conn, query, self.secret, self.call_rows, self.calls_mapping)

        page = self._read(work)
        return page, {c.cid: c.members for c in page.items}

    def query_members(self, cid: str, query: Query) -> Page[MemberRecord] | None:
        """A page of the call's members (`query` is scoped to it with `of_call`),
        or None if there is no such call."""

        def work(conn: Connection) -> Page[MemberRecord] | None:
            page = read_members(conn, query, self.secret, self.member_rows)
            if not page.items and self._call(conn, cid) is None:
                return None
            return page

        return self._read(work)

    def _read(self, work: Callable[[Connection], _T]) -> _T:
        """`work` on a pooled connection, once more on a new one if the
        connection turns out to be dead (the database restarted): connections
        are pinged only after an idle spell (`connect`), and a read can simply
        be repeated."""
        try:
            with self._reads.connect() as conn:
                return work(conn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self._reads.connect() as conn:
            return work(conn)

    def dump(self) -> tuple[list[CallRecord], list[MemberRecord]]:
        """Every row, for checks and tests."""
        with self.engine.connect() as conn:
            call_list = [call_record(r) for r in conn.execute(sa.select(calls)).mappings()]
            member_list = [member_record(r) for r in conn.execute(sa.select(call_members)).mappings()]
        return call_list, member_list

    # -- writes ----------------------------------------------------------------

    def get_or_create(self, call_type: str, call_id: str, data: CallInput) -> Created:
        """The call, created from `data` if it does not exist (`data` is then ignored)."""
        cid = f"{call_type}:{call_id}"

        def work(conn: Connection) -> Created:
            existing = self._call(conn, cid)
            record = existing or self._insert_call(conn, call_type, call_id, data)
            return Created(record, self._members(conn, cid, data.members_limit), existing is None)

        return self._transaction(work)

    def update_members(self, cid: str, update: MembersUpdate) -> list[MemberRecord] | None:
        """Apply an UpdateCallMembers request; the members written, or None without such a call.

        The call's row is locked first (`SELECT ... FOR UPDATE`), so updates of
        one call's members take turns: they cannot deadlock on each other's
        member rows or both insert the same new member, and the result is that
        of running them one after another.
        """

        def work(conn: Connection) -> list[MemberRecord] | None:
            if conn.execute(_LOCK_CALL, {"cid": cid}).first() is None:
                return None
            return self._apply(conn, cid, update)

        return self._transaction(work)

    def _transaction(self, work: Callable[[Connection], _T]) -> _T:
        """`work` in one transaction, run again (a bounded number of times, after
        a short random pause) when the database reports a conflict with a
        concurrent transaction: a deadlock, a serialization failure, or a row
        inserted meanwhile (unique key)."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self._writing, self.engine.begin() as conn:
                    return work(conn)
            except DBAPIError as exc:
                if attempt + 1 == WRITE_ATTEMPTS or not _conflict(exc):
                    raise
            time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")

    # -- helpers ---------------------------------------------------------------

    def _call(self, conn: Connection, cid: str) -> CallRecord | None:
        row = conn.execute(sa.select(calls).where(calls.c.cid == cid)).mappings().first()
        return None if row is None else call_record(row)

    def _insert_call(self, conn: Connection, call_type: str, call_id: str, data: CallInput) -> CallRecord:
        if data.created_by_id is None:
            raise MissingCreator
        stamp = now()
        record = CallRecord(
            cid=f"{call_type}:{call_id}",
            id=call_id,
            type=call_type,
            team=data.team,
            created_by_user_id=data.created_by_id,
            created_at=stamp,
            updated_at=stamp,
            starts_at=data.starts_at,
            custom=data.custom,
        )
        conn.execute(calls.insert(), [_call_values(_record_dict(record))])
        rows = [_new_member(record.cid, m, stamp) for m in data.members]
        if rows:
            conn.execute(call_members.insert(), rows)
        return record

    def _apply(self, conn: Connection, cid: str, update: MembersUpdate) -> list[MemberRecord]:
        if update.remove:
            conn.execute(
                call_members.delete().where(call_members.c.call_cid == cid, call_members.c.user_id.in_(update.remove))
            )
        if not update.update:
            return []
        wanted = [m.user_id for m in update.update]
        of_call = call_members.c.call_cid == cid
        where = (of_call, call_members.c.user_id.in_(wanted))
        existing = {r["user_id"]: r for r in conn.execute(sa.select(call_members).where(*where)).mappings()}
        stamp = now()
        fresh = [_new_member(cid, m, stamp) for m in update.update if m.user_id not in existing]
        if fresh:
            conn.execute(call_members.insert(), fresh)
        for m in sorted(update.update, key=lambda m: m.user_id):  # one lock order for every writer
            if m.user_id in existing:
                one = call_members.update().where(of_call, call_members.c.user_id == m.user_id)
                conn.execute(one.values(_changes(m, stamp)))
        rows = conn.execute(sa.select(call_members).where(*where)).mappings()
        by_id = {r["user_id"]: member_record(r) for r in rows}
        return [by_id[u] for u in wanted if u in by_id]

    def _members(self, conn: Connection, cid: str, limit: int) -> list[MemberRecord]:
        """The call's first `limit` members, in MEMBER_ORDER."""
        of_call = call_members.c.call_cid == cid
        select = sa.select(call_members).where(of_call).order_by(*MEMBER_ORDER_BY).limit(limit)
        return [member_record(r) for r in conn.execute(select).mappings()]


def _read_engine(engine: Engine) -> Engine:
    """The engine reads run on. On PostgreSQL: its own pool of connections
    outside any transaction, which spares a page the BEGIN and ROLLBACK round
    trips and changes nothing, since under READ COMMITTED each statement of a
    page has its own snapshot anyway. Made so from the start, a connection
    needs nothing set when it is checked out and nothing reset when it is
    returned (switching one pool's connections to and fro cost a tenth of a
    page's CPU). The session's TimeZone is UTC, so that the driver returns
    timestamps in UTC and nothing converts them again (types.to_utc). SQLite
    and MariaDB read on the one engine (a MariaDB transaction keeps one
    snapshot for a page's two statements). Connections in use are bounded by
    the database threads (`Storage.threads`), each of which holds one at a
    time; each pool keeps up to POOL_SIZE open."""
    if engine.dialect.name != "postgresql":
        return engine
    reads = connect(
        engine.url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT", pool_reset_on_return=None
    )
    sa.event.listen(reads, "connect", _utc_session)
    return reads


def _utc_session(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    dbapi_connection.commit()


WRITE_ATTEMPTS = 4
# SQLSTATEs (PostgreSQL) and error numbers (MariaDB/MySQL) of a transaction
# that lost a conflict with another and may simply be run again.
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_RETRY_MYSQL_ERRORS = frozenset({1205, 1213})  # lock wait timeout, deadlock


def _conflict(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # a concurrent insert of the same key: the next attempt sees it
    if exc.connection_invalidated:
        return True  # a connection the database had dropped (see PING_AFTER_IDLE_SECONDS)
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES or getattr(orig, "pgcode", None) in _RETRY_SQLSTATES:
        return True
    args: tuple[Any, ...] = getattr(orig, "args", ())
    return bool(args) and args[0] in _RETRY_MYSQL_ERRORS


_LOCK_CALL = sa.select(calls.c.cid).where(calls.c.cid == sa.bindparam("cid")).with_for_update()


class MissingCreator(Exception):
    """A new call needs `created_by_id` (or `created_by.id`) with server-side auth."""


def _record_dict(record: CallRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in CallRecord.__slots__}


def _call_values(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "cid": row.get("cid") or f"{row['type']}:{row['id']}",
        "id": row["id"],
        "type": row["type"],
        "team": row.get("team"),
        "created_by_user_id": row["created_by_user_id"],
        "created_at": row["created_at"],
        "updated_at": row.get("updated_at") or row["created_at"],
        "starts_at": row.get("starts_at"),
        "ended_at": row.get("ended_at"),
        "backstage": row.get("backstage"),
        "ongoing": row.get("ongoing"),
        "custom": dict(row.get("custom") or {}),
    }


def _member_values(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "call_cid": row["call_cid"],
        "user_id": row["user_id"],
        "role": row.get("role"),
        "custom": dict(row.get("custom") or {}),
        "created_at": row["created_at"],
        "updated_at": row.get("updated_at"),
    }


def _new_member(cid: str, member: MemberInput, stamp: datetime) -> dict[str, Any]:
    return {
        "call_cid": cid,
        "user_id": member.user_id,
        "role": member.role,
        "custom": member.custom or {},
        "created_at": stamp,
        "updated_at": stamp,
    }


def _changes(member: MemberInput, stamp: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"updated_at": stamp}
    if member.role is not None:
        values["role"] = member.role
    if member.custom is not None:
        values["custom"] = member.custom
    return values


# Pages are read on the driver's cursor (`paginate(driver_cursor=True)`): the
# same rows for a fraction of SQLAlchemy's per-execution CPU (docs/server.md,
# "CPU per page", third round).
def read_calls(
    conn: Connection, query: Query, secret: Secrets, records: RowCache[CallRecord], mapping: SqlMapping
) -> Page[CallRecord]:
    return paginate(query, conn, mapping, secret=secret, driver_cursor=True, items=records)


def read_members(
    conn: Connection, query: Query, secret: Secrets, records: RowCache[MemberRecord]
) -> Page[MemberRecord]:
    return paginate(query, conn, MEMBERS_OF_CALL, secret=secret, driver_cursor=True, items=records)
