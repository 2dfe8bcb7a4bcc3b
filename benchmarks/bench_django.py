"""Django keyset pages at depth: 1,000,000 calls, page 1 and page 1,000 (25 a page).

Side by side in one run, on the same model, the same filter (`type` in
`default`, `livestream`: two rows in three) and the same order (`created_at`
descending, `cid` last), all on the one index `sort_indexes` proposes for it,
`(created_at, cid)`:

- `ours_view`: a DRF `StreamQueryAPIView` (stream_filters.django.rest_framework),
  GET with `filter_conditions`/`sort` as JSON and the `next` cursor of the page before;
- `cursor_view`: django-filter (`type__in=`) + DRF `CursorPagination`
  (`ordering = ("-created_at", "-cid")`) with the cursor of the page before;
- `hand_view`: a hand-written DRF `APIView`: filter, order_by and the keyset
  condition `created_at <= x AND (created_at < x OR cid < y)` (the tuple `<`
  spelled so that it seeks in the index), a slice of 26;
- `ours`: `stream_filters.django.paginate` alone (parse included), model instances;
- `hand`: the hand-written queryset alone, model instances.

Each view serialises its 25 rows with the same `ModelSerializer` and renders
JSON; requests are made with DRF's `APIRequestFactory` and `view.as_view()`,
in process. The goal is `ours` ≤ 1.3× `hand` (and `ours_view` ≤ 1.3× `hand_view`).

`nulls` walks a 10,000-row table (30% NULL `starts_at`, each other value
shared by about 14 rows) to the end with `CursorPagination` ordered by
`starts_at` and with ours sorted by `starts_at`, both directions, and counts
the rows each drops or repeats against the full ordered set.

    python -m benchmarks.bench_django sqlite postgresql mysql # the tables (ROUNDS=40 batches of 5)
    python -m pytest benchmarks/bench_django.py -o python_files='bench_*.py' --benchmark-disable -q
        # every method returns the same rows; the walks' counts (STREAM_FILTERS_BENCH_ROWS=60000 is quicker)

The SQLite file (in $STREAM_FILTERS_BENCH_DIR, default /tmp) and the
PostgreSQL and MariaDB tables (STREAM_FILTERS_PG_URL's and
STREAM_FILTERS_MYSQL_URL's databases) are kept between runs.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from stream_filters import QUERY_CALLS, SortKey
from stream_filters.cursors import encode
from stream_filters.query import Direction
from tests.django_orm.harness import configure

configure()

from django.conf import settings  # noqa: E402
from django.db import OperationalError, connections, models  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402
from django_filters import rest_framework as df  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.generics import ListAPIView  # noqa: E402
from rest_framework.pagination import Cursor, CursorPagination  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.settings import api_settings  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from stream_filters.django import DjangoMapping, map_model, paginate, sort_indexes  # noqa: E402
from stream_filters.django.rest_framework import StreamQueryAPIView  # noqa: E402
from tests.conftest import require_server  # noqa: E402

ROWS = int(os.environ.get("STREAM_FILTERS_BENCH_ROWS", "1000000"))
NULL_ROWS = 10_000
LIMIT = 25
PAGES = [1, 1000]
METHODS = ["ours_view", "cursor_view", "hand_view", "ours", "hand"]
BENCH_DIR = os.environ.get("STREAM_FILTERS_BENCH_DIR", "/tmp")
SECRET = "bench secret"
TYPES = ["default", "livestream"]
BODY = {"filter_conditions": {"type": {"$in": TYPES}}, "sort": [{"field": "created_at", "direction": -1}]}
# Key columns order by code point, as docs/django.md recommends: then every method's
# plain ORDER BY is the index's order (SQLite's BINARY is already code point).
KEY_COLLATION = {"postgresql": "C", "mysql": "utf8mb4_nopad_bin"}

settings.STREAM_FILTERS_CURSOR_SECRET = SECRET
settings.ALLOWED_HOSTS = ["testserver"]  # CursorPagination builds absolute links
# JSON only, no authentication (django.contrib.auth is not installed): what is timed is the page.
settings.REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
api_settings.reload()


def _alias(db: str) -> str:
    """SQLite in a file kept between runs; the others are the harness's aliases."""
    if db != "sqlite":
        return db
    alias = "bench_sqlite"
    if alias not in connections.settings:
        path = f"{BENCH_DIR}/sf_bench_django_{ROWS}.sqlite"
        found = {
            "default": connections.settings["default"],
            alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": path},
        }
        connections.settings[alias] = connections.configure_settings(found)[alias]
    return alias


def _model(name: str, table: str, collation: str | None) -> type[models.Model]:
    string = {"max_length": 64, "db_collation": collation}
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "cid": models.CharField(primary_key=True, **string),
        "id": models.CharField(**string),
        "team": models.CharField(null=True, **string),
        "type": models.CharField(**string),
        "created_by_user_id": models.CharField(**string),
        "created_at": models.DateTimeField(),
        "updated_at": models.DateTimeField(),
        "starts_at": models.DateTimeField(null=True),
        "ended_at": models.DateTimeField(null=True),
        "backstage": models.BooleanField(),
        "ongoing": models.BooleanField(),
        "members": models.JSONField(),
        "Meta": type("Meta", (), {"app_label": "sf_bench", "db_table": table}),
    }
    return type(name, (models.Model,), attrs)


_PG_FILL = """
INSERT INTO {t} (cid, id, team, type, created_by_user_id, created_at, updated_at, starts_at, ended_at,
                 backstage, ongoing, members)
SELECT 'default:' || lpad(i::text, 7, '0'), lpad(i::text, 7, '0'), NULL,
       (ARRAY['default', 'livestream', 'audio_room'])[i % 3 + 1], 'user-' || (i % 1000),
       timestamptz '2024-01-01 00:00:00Z' + ((i::bigint * 7919) % {n}) * interval '1 second',
       timestamptz '2024-01-01 00:00:00Z' + i * interval '1 second',
       CASE WHEN i % 10 < 3 THEN NULL
            ELSE timestamptz '2024-01-01 00:00:00Z' + (i % {d}) * interval '1 minute' END,
       NULL, i % 2 = 1, false, '[]'::jsonb
FROM generate_series(0, {n} - 1) AS i
"""
_SQLITE_FILL = """
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n} - 1)
INSERT INTO {t} (cid, id, team, type, created_by_user_id, created_at, updated_at, starts_at, ended_at,
                 backstage, ongoing, members)
SELECT 'default:' || printf('%07d', i), printf('%07d', i), NULL,
       CASE i % 3 WHEN 0 THEN 'default' WHEN 1 THEN 'livestream' ELSE 'audio_room' END, 'user-' || (i % 1000),
       strftime('%Y-%m-%d %H:%M:%S', 1704067200 + (i * 7919) % {n}, 'unixepoch'),
       strftime('%Y-%m-%d %H:%M:%S', 1704067200 + i, 'unixepoch'),
       CASE WHEN i % 10 < 3 THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%S', 1704067200 + (i % {d}) * 60, 'unixepoch') END,
       NULL, i % 2, 0, '[]'
FROM seq
"""
_MARIADB_FILL = """
INSERT INTO {t} (cid, id, team, type, created_by_user_id, created_at, updated_at, starts_at, ended_at,
                 backstage, ongoing, members)
SELECT CONCAT('default:', LPAD(seq, 7, '0')), LPAD(seq, 7, '0'), NULL,
       ELT(seq % 3 + 1, 'default', 'livestream', 'audio_room'), CONCAT('user-', seq % 1000),
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ((seq * 7919) % {n}) SECOND,
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND,
       IF(seq % 10 < 3, NULL, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (seq % {d}) MINUTE),
       NULL, seq % 2, 0, '[]'
FROM seq_0_to_{last}
"""
SORTS = [(SortKey("created_at", -1),), (SortKey("starts_at", 1),)]
# A smaller run (STREAM_FILTERS_BENCH_ROWS) gets a table of its own: the 1M one is kept.
CALLS_TABLE = "sf_bench_django_calls" + ("" if ROWS == 1_000_000 else f"_{ROWS}")


@dataclass
class Db:
    alias: str
    model: type[models.Model]
    mapping: DjangoMapping


def prepare(db: str, table: str, rows: int, distinct: int) -> Db:
    """The table with `sort_indexes`' indexes, filled and analysed once and reused.
    `starts_at`: 30% NULL, the others `distinct` values (each on rows / distinct rows)."""
    alias = _alias(db)
    connection = connections[alias]
    model = _model(f"BenchCall_{db}_{table}", table, KEY_COLLATION.get(connection.vendor))
    mapping = map_model(QUERY_CALLS, model)
    try:
        existing = connection.introspection.table_names()
    except OperationalError as exc:
        require_server(f"{db} for the Django benchmark", str(exc).splitlines()[0])
    manager = model._default_manager.using(alias)
    if table in existing and manager.count() == rows:
        return Db(alias, model, mapping)
    with connection.schema_editor() as editor:
        if table in existing:
            editor.delete_model(model)
        editor.create_model(model)
    fill = {"sqlite": _SQLITE_FILL, "postgresql": _PG_FILL, "mysql": _MARIADB_FILL}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(fill.format(t=connection.ops.quote_name(table), n=rows, d=distinct, last=rows - 1))
    with connection.schema_editor() as editor:
        for index in sort_indexes(mapping, connection.vendor, SORTS):
            editor.add_index(model, index)
    with connection.cursor() as cursor:
        analyze = "ANALYZE TABLE" if connection.vendor == "mysql" else "ANALYZE"
        cursor.execute(f"{analyze} {connection.ops.quote_name(table)}")
    return Db(alias, model, mapping)


# -- the views -------------------------------------------------------------------------


def _serializer(model: type[models.Model]) -> type[serializers.ModelSerializer[Any]]:
    meta = type("Meta", (), {"model": model, "fields": "__all__"})
    return type(f"{model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})


def ours_view(d: Db) -> Callable[..., Any]:
    queryset = d.model._default_manager.using(d.alias).all()
    attrs = {
        "serializer_class": _serializer(d.model),
        "stream_schema": QUERY_CALLS,
        "stream_mapping": d.mapping,
        "stream_items_key": "calls",
        "get_queryset": lambda self: queryset.all(),
    }
    return type("OursView", (StreamQueryAPIView,), attrs).as_view()


class _Cursor(CursorPagination):
    page_size = LIMIT
    ordering = ("-created_at", "-cid")


def cursor_view(d: Db, ordering: tuple[str, ...] = ("-created_at", "-cid")) -> Callable[..., Any]:
    queryset = d.model._default_manager.using(d.alias).all()
    filters = type("Meta", (), {"model": d.model, "fields": {"type": ["exact", "in"]}})
    attrs = {
        "serializer_class": _serializer(d.model),
        "filter_backends": [df.DjangoFilterBackend],
        "filterset_class": type("CallFilter", (df.FilterSet,), {"Meta": filters}),
        "pagination_class": type("Cursor", (_Cursor,), {"ordering": ordering}),
        "get_queryset": lambda self: queryset.all(),
    }
    return type("CursorView", (ListAPIView,), attrs).as_view()


def hand_view(d: Db) -> Callable[..., Any]:
    queryset = d.model._default_manager.using(d.alias).all()
    serializer = _serializer(d.model)

    class HandView(APIView):
        def get(self, request: Request) -> Response:
            after = request.query_params.get("after")
            rows = hand_rows(queryset, request.query_params["type__in"].split(","), after)
            following = None
            if len(rows) > LIMIT:
                last = rows[LIMIT - 1]
                following = f"{last.created_at.isoformat()}|{last.pk}"
            return Response({"calls": serializer(rows[:LIMIT], many=True).data, "next": following})

    return HandView.as_view()


def hand_rows(queryset: QuerySet[Any], types: list[str], after: str | None) -> list[Any]:
    """The hand-written keyset page: (created_at, cid) < (x, y), descending."""
    found = queryset.filter(type__in=types)
    if after is not None:
        text, cid = after.split("|")
        at = datetime.fromisoformat(text)
        found = found.filter(created_at__lte=at).filter(Q(created_at__lt=at) | Q(cid__lt=cid))
    return list(found.order_by("-created_at", "-cid")[: LIMIT + 1])


# -- one request per method and page ------------------------------------------------------


def _boundary(d: Db, page: int) -> tuple[datetime, str] | None:
    """Sort values of the last row of the page before `page` (found once, not timed)."""
    if page == 1:
        return None
    found = d.model._default_manager.using(d.alias).filter(type__in=TYPES).order_by("-created_at", "-cid")
    row = found.values_list("created_at", "cid")[(page - 1) * LIMIT - 1]
    at: datetime = row[0]
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC), str(row[1])


def _our_cursor(boundary: tuple[datetime, str] | None) -> str | None:
    """Our `next` cursor after `boundary`, as the page before would have given it."""
    if boundary is None:
        return None
    return encode(QUERY_CALLS.parse({**BODY, "limit": LIMIT}), Direction.NEXT, boundary, SECRET)


def _drf_cursor(boundary: tuple[datetime, str]) -> str:
    """CursorPagination's own cursor after `boundary`: `created_at` values are
    unique here, so the position alone (offset 0) is the page after it."""
    paginator = _Cursor()
    paginator.base_url = "http://testserver/calls"
    link = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(boundary[0])))
    return parse_qs(urlsplit(link).query)["cursor"][0]


_factory = APIRequestFactory()


def _get(view: Callable[..., Any], params: dict[str, str]) -> dict[str, Any]:
    response = view(_factory.get("/calls", params))
    response.render()
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = json.loads(response.content)
    return answer


def runs(d: Db, page: int) -> dict[str, Callable[[], list[str]]]:
    """Each method's request for `page`, returning the page's cids."""
    boundary = _boundary(d, page)
    token = _our_cursor(boundary)
    body = {**BODY, "limit": LIMIT, **({"next": token} if token else {})}
    ours_params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    cursor_params = {"type__in": ",".join(TYPES)}
    hand_params = dict(cursor_params)
    if boundary is not None:
        cursor_params["cursor"] = _drf_cursor(boundary)
        hand_params["after"] = f"{boundary[0].isoformat()}|{boundary[1]}"
    views = {"ours_view": ours_view(d), "cursor_view": cursor_view(d), "hand_view": hand_view(d)}
    queryset = d.model._default_manager.using(d.alias).all()
    after = hand_params.get("after")
    return {
        "ours_view": lambda: [r["cid"] for r in _get(views["ours_view"], ours_params)["calls"]],
        "cursor_view": lambda: [r["cid"] for r in _get(views["cursor_view"], cursor_params)["results"]],
        "hand_view": lambda: [r["cid"] for r in _get(views["hand_view"], hand_params)["calls"]],
        "ours": lambda: [
            str(c.pk) for c in paginate(QUERY_CALLS.parse(body), queryset, d.mapping, secret=SECRET).items
        ],
        "hand": lambda: [str(c.pk) for c in hand_rows(queryset, TYPES, after)[:LIMIT]],
    }


def _ours(body: dict[str, Any], queryset: QuerySet[Any], mapping: DjangoMapping) -> Any:
    return paginate(QUERY_CALLS.parse(body), queryset, mapping, secret=SECRET)


# -- rows CursorPagination drops or repeats on a nullable key ----------------------------------


@dataclass(frozen=True)
class Walk:
    seen: list[str]
    expected: list[str]
    error: str | None

    @property
    def dropped(self) -> int:
        return len(set(self.expected) - set(self.seen))

    @property
    def repeated(self) -> int:
        return len(self.seen) - len(set(self.seen))


def walk_cursor_pagination(d: Db, descending: bool) -> Walk:
    """Every page of CursorPagination ordered by `starts_at` (then `cid`)."""
    ordering = ("-starts_at", "-cid") if descending else ("starts_at", "cid")
    view = cursor_view(d, ordering)
    expected = [
        str(pk) for pk in d.model._default_manager.using(d.alias).order_by(*ordering).values_list("pk", flat=True)
    ]
    seen: list[str] = []
    cursors: set[str] = set()
    params: dict[str, str] = {}
    for _ in range(2 * len(expected) // LIMIT + 2):
        try:
            answer = _get(view, params)
        except Exception as exc:  # what the view raised ends the walk: the rows after it are lost
            return Walk(seen, expected, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
        seen += [r["cid"] for r in answer["results"]]
        if not answer["next"]:
            return Walk(seen, expected, None)
        cursor = parse_qs(urlsplit(answer["next"]).query)["cursor"][0]
        if cursor in cursors:  # a client following `next` would loop here for ever
            return Walk(seen, expected, "a `next` cursor that repeats (the walk loops)")
        cursors.add(cursor)
        params = {"cursor": cursor}
    return Walk(seen, expected, "no end")


def walk_ours(d: Db, descending: bool) -> Walk:
    """Every page of ours sorted by `starts_at` through the DRF view: NULL lowest (SPEC §5)."""
    view = ours_view(d)
    rows = d.model._default_manager.using(d.alias).values_list("starts_at", "cid")
    expected = [str(c) for _, c in sorted(rows, key=lambda r: (r[0] is not None, r[0] or 0, r[1]), reverse=descending)]
    sort = json.dumps([{"field": "starts_at", "direction": -1 if descending else 1}])
    params = {"sort": sort, "limit": str(LIMIT)}
    seen: list[str] = []
    for _ in range(2 * len(expected) // LIMIT + 2):
        answer = _get(view, params)
        seen += [r["cid"] for r in answer["calls"]]
        if not answer["next"]:
            return Walk(seen, expected, None)
        params = {"sort": sort, "limit": str(LIMIT), "next": answer["next"]}
    return Walk(seen, expected, "no end")


# -- pytest: the methods agree (run with --benchmark-disable for a sanity check) -----------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def db(request: pytest.FixtureRequest) -> Iterator[Db]:
    yield prepare(request.param, CALLS_TABLE, ROWS, 5000)


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def nulls(request: pytest.FixtureRequest) -> Iterator[Db]:
    yield prepare(request.param, "sf_bench_django_nulls", NULL_ROWS, 500)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("method", METHODS)
def test_page(benchmark: Any, db: Db, method: str, page: int) -> None:
    run = runs(db, page)
    benchmark.extra_info.update(db=connections[db.alias].vendor, method=method, page=page)
    cids = benchmark(run[method])
    assert len(cids) == LIMIT
    assert cids == run["hand"]()  # every method pages the same rows


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_nullable_walks(nulls: Db, descending: bool) -> None:
    ours = walk_ours(nulls, descending)
    assert ours.seen == ours.expected and ours.error is None
    theirs = walk_cursor_pagination(nulls, descending)
    print(f"\n{connections[nulls.alias].vendor} {'desc' if descending else 'asc'}: CursorPagination", _counts(theirs))
    assert theirs.seen != theirs.expected  # the failure this benchmark counts is there to count


def _counts(w: Walk) -> str:
    end = f", ended by {w.error}" if w.error else ""
    return f"dropped {w.dropped}, repeated {w.repeated} of {len(w.expected)}{end}"


# -- the tables: every method and page timed in turn, medians ------------------------------------


def interleaved(db: str, rounds: int, calls: int = 5) -> dict[tuple[str, int], tuple[float, float]]:
    """(best, median) ms per (method, page): the methods alternate, batch by batch
    (`calls` requests each), as in bench_parse.py, so that load from other
    processes hits them alike; the best batch is the least disturbed one."""
    d = prepare(db, CALLS_TABLE, ROWS, 5000)
    runs_of = {(m, p): run for p in PAGES for m, run in runs(d, p).items()}
    for key, run in runs_of.items():
        assert len(run()) == LIMIT, key  # warm: connections, compiled statements, imports
    times: dict[tuple[str, int], list[float]] = {key: [] for key in runs_of}
    for _ in range(rounds):
        for key, run in runs_of.items():
            start = time.perf_counter()
            for _ in range(calls):
                run()
            times[key].append((time.perf_counter() - start) / calls)
    return {key: (min(values) * 1000, statistics.median(values) * 1000) for key, values in times.items()}


def table(db: str, found: dict[tuple[str, int], tuple[float, float]]) -> str:
    lines = [
        f"{db}, {ROWS:,} rows, limit {LIMIT}: best ms (median ratio to the hand-written one of its layer; best ratio)",
        "",
        "| page | ours, DRF view | django-filter + CursorPagination | hand-written DRF view"
        " | ours, `paginate` | hand-written queryset |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        cells = []
        for m in METHODS:
            floor = found[("hand" if m in ("ours", "hand") else "hand_view", page)]
            best, median = found[(m, page)]
            cells.append(f"{best:.2f} ({median / floor[1]:.2f}×; {best / floor[0]:.2f}×)")
        lines.append(f"| {page:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def nulls_table(dbs: list[str]) -> str:
    lines = ["| database | order | CursorPagination | ours |", "|---|---|---|---|"]
    for db in dbs:
        d = prepare(db, "sf_bench_django_nulls", NULL_ROWS, 500)
        for descending in (False, True):
            theirs, ours = walk_cursor_pagination(d, descending), walk_ours(d, descending)
            order = "`starts_at` desc" if descending else "`starts_at` asc"
            lines.append(f"| {db} | {order} | {_counts(theirs)} | {_counts(ours)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    names = sys.argv[1:] or ["sqlite", "postgresql"]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.2f}\n")
    for name in names:
        print(table(name, interleaved(name, rounds=int(os.environ.get("ROUNDS", "40")))), end="\n\n")
    print(nulls_table(names))
