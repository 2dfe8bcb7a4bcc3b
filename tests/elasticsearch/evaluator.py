"""A test-only Elasticsearch: exactly the DSL subset the backend emits, nothing more.

Written from Elasticsearch's reference documentation, not from our compiler:

- Mapping (`dynamic: strict`): a document field the mapping does not name is
  refused. `keyword` values are strings (arrays of them are multi-valued;
  `null` is not indexed), at most 32766 UTF-8 bytes; `long` is a 64-bit
  integer; `double` a finite number; `boolean` true/false; `date` a string
  with an offset; an `object` with `enabled: false` is kept in `_source` only.
- Queries: `bool` (`filter`, `must`, `must_not`, `should`, and
  `minimum_should_match`, whose default is 1 when the bool has only `should`
  clauses, else 0), `term`, `terms`, `range` (`gt gte lt lte`), `prefix`,
  `exists`, `match_all`, `match_none`. On a multi-valued field a term-level
  query matches when one value matches (for `range`, one value satisfies
  every bound). Keyword terms compare by their UTF-8 bytes, unsigned, which is
  Lucene's `BytesRef` order. `exists` holds when the field has an indexed
  value; an empty array or null has none; `""` is a value.
- Sort on keyword fields: `order` asc/desc, `missing` `_first`/`_last` place
  documents without a value at the start or end of the results whatever the
  order. `search_after`: only hits that sort strictly after the given values
  (a `null` stands for a missing value); `size` caps the hits. Each hit
  carries `sort` with its values, `null` for missing.

Anything else raises `Unsupported`, so the backend cannot start emitting DSL
this evaluator does not model without a test failing.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

MAX_TERM_BYTES = 32766
INT64 = (-(2**63), 2**63 - 1)


class Unsupported(Exception):
    """DSL or data outside the subset this evaluator (and the backend) uses."""


class Rejected(Exception):
    """A document Elasticsearch would refuse to index."""


def _field_types(properties: Mapping[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, spec in properties.items():
        if "properties" in spec:
            out[prefix + name] = {"type": "object"}
            out.update(_field_types(spec["properties"], f"{prefix}{name}."))
        else:
            out[prefix + name] = spec
    return out


def _finite_double(number: int | float) -> bool:
    """A JSON number parsed as a double is finite (an integer beyond the largest double is not)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


class Index:
    def __init__(self, mappings: Mapping[str, Any]) -> None:
        if mappings.get("dynamic") != "strict":
            raise Unsupported("only dynamic: strict mappings are modelled")
        self.types = _field_types(mappings["properties"])
        self.docs: list[tuple[str, dict[str, Any], dict[str, list[bytes]]]] = []

    # -- indexing -------------------------------------------------------------

    def add(self, doc_id: str, source: Mapping[str, Any]) -> None:
        text = json.dumps(source, allow_nan=False)
        indexed: dict[str, list[bytes]] = {}
        self._index_object(source, "", indexed)
        self.docs.append((doc_id, json.loads(text), indexed))

    def _index_object(self, obj: Mapping[str, Any], prefix: str, indexed: dict[str, list[bytes]]) -> None:
        for name, value in obj.items():
            path = prefix + name
            spec = self.types.get(path)
            if spec is None:
                raise Rejected(f"strict mapping: field [{path}] is not mapped")
            if value is None:
                continue
            kind = spec["type"]
            if kind == "object":
                if spec.get("enabled", True) is False:
                    if not isinstance(value, dict):
                        raise Rejected(f"object field [{path}] got a non-object value")
                    continue
                if not isinstance(value, dict):
                    raise Rejected(f"object field [{path}] got a concrete value")
                self._index_object(value, path + ".", indexed)
                continue
            values = value if isinstance(value, list) else [value]
            for item in values:
                if item is None:
                    continue
                self._check(kind, path, item)
                if kind == "keyword":
                    indexed.setdefault(path, []).append(item.encode("utf-8"))

    @staticmethod
    def _check(kind: str, path: str, item: Any) -> None:
        if kind == "keyword":
            if not isinstance(item, str):
                raise Unsupported(f"keyword [{path}] given {type(item).__name__}: the backend sends strings only")
            if len(item.encode("utf-8")) > MAX_TERM_BYTES:
                raise Rejected(f"keyword [{path}] term longer than {MAX_TERM_BYTES} bytes")
        elif kind == "long":
            if isinstance(item, bool) or not isinstance(item, int) or not INT64[0] <= item <= INT64[1]:
                raise Rejected(f"long [{path}] cannot hold {item!r}")
        elif kind == "double":
            if isinstance(item, bool) or not isinstance(item, int | float) or not _finite_double(item):
                raise Rejected(f"double [{path}] supports only finite values")
        elif kind == "boolean":
            if not isinstance(item, bool):
                raise Unsupported(f"boolean [{path}] given {item!r}")
        elif kind == "date":
            if not isinstance(item, str) or datetime.fromisoformat(item).tzinfo is None:
                raise Rejected(f"date [{path}] cannot parse {item!r}")
        else:
            raise Unsupported(f"field type {kind}")

    # -- search ---------------------------------------------------------------

    def search(self, body: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"query", "sort", "size", "search_after", "track_total_hits"}
        if unknown:
            raise Unsupported(f"search body keys {sorted(unknown)}")
        query = body.get("query", {"match_all": {}})
        sort = [self._sort_spec(item) for item in body.get("sort", [])]
        if not sort:
            raise Unsupported("unsorted searches")
        size = body.get("size", 10)
        if not isinstance(size, int) or size < 0:
            raise Unsupported(f"size {size!r}")
        hits = [
            (doc_id, source, self._sort_values(indexed, sort))
            for doc_id, source, indexed in self.docs
            if self._matches(query, indexed)
        ]
        after = body.get("search_after")
        if after is not None:
            if len(after) != len(sort) or not all(v is None or isinstance(v, str) for v in after):
                raise Unsupported(f"search_after {after!r}")
            boundary = tuple(None if v is None else v.encode("utf-8") for v in after)
            hits = [hit for hit in hits if _compare(sort, hit[2], boundary) > 0]
        hits.sort(key=functools.cmp_to_key(lambda a, b: _compare(sort, a[2], b[2])))
        return {
            "hits": {
                "hits": [
                    {
                        "_id": doc_id,
                        "_source": copy.deepcopy(source),
                        "sort": [None if v is None else v.decode("utf-8") for v in values],
                    }
                    for doc_id, source, values in hits[:size]
                ]
            }
        }

    def _sort_spec(self, item: Mapping[str, Any]) -> tuple[str, bool, bool]:
        if len(item) != 1:
            raise Unsupported(f"sort entry {item!r}")
        ((name, spec),) = item.items()
        self._keyword(name)
        if set(spec) != {"order", "missing"} or spec["order"] not in ("asc", "desc"):
            raise Unsupported(f"sort spec {spec!r}")
        if spec["missing"] not in ("_first", "_last"):
            raise Unsupported(f"missing {spec['missing']!r}")
        return name, spec["order"] == "asc", spec["missing"] == "_first"

    @staticmethod
    def _sort_values(indexed: dict[str, list[bytes]], sort: list[tuple[str, bool, bool]]) -> tuple[bytes | None, ...]:
        out: list[bytes | None] = []
        for name, ascending, _ in sort:
            values = indexed.get(name, [])
            # Multi-valued fields sort by their min (asc) or max (desc) value.
            out.append((min(values) if ascending else max(values)) if values else None)
        return tuple(out)

    def _keyword(self, name: str) -> None:
        spec = self.types.get(name)
        if spec is None:
            raise Unsupported(f"field [{name}] is not mapped (Elasticsearch would silently match nothing)")
        if spec["type"] != "keyword":
            raise Unsupported(f"queries on {spec['type']} field [{name}]")

    def _matches(self, clause: Mapping[str, Any], indexed: dict[str, list[bytes]]) -> bool:
        if not isinstance(clause, Mapping) or len(clause) != 1:
            raise Unsupported(f"clause {clause!r}")
        ((kind, arg),) = clause.items()
        if kind == "bool":
            return self._bool(arg, indexed)
        if kind == "match_all" and arg == {}:
            return True
        if kind == "match_none" and arg == {}:
            return False
        if kind == "exists":
            if set(arg) != {"field"}:
                raise Unsupported(f"exists {arg!r}")
            self._keyword(arg["field"])
            return bool(indexed.get(arg["field"]))
        if kind not in ("term", "terms", "range", "prefix") or len(arg) != 1:
            raise Unsupported(f"clause {clause!r}")
        ((name, operand),) = arg.items()
        self._keyword(name)
        values = indexed.get(name, [])
        if kind == "term":
            return _bytes(operand) in values
        if kind == "terms":
            if not isinstance(operand, list):
                raise Unsupported(f"terms {operand!r}")
            wanted = {_bytes(v) for v in operand}
            return any(v in wanted for v in values)
        if kind == "prefix":
            if not isinstance(operand, Mapping) or set(operand) != {"value"}:
                raise Unsupported(f"prefix {operand!r}")
            start = _bytes(operand["value"])
            return any(v.startswith(start) for v in values)
        return any(_in_range(v, operand) for v in values)

    def _bool(self, arg: Mapping[str, Any], indexed: dict[str, list[bytes]]) -> bool:
        unknown = set(arg) - {"filter", "must", "must_not", "should", "minimum_should_match"}
        if unknown:
            raise Unsupported(f"bool keys {sorted(unknown)}")
        required = [*arg.get("filter", []), *arg.get("must", [])]
        should = arg.get("should", [])
        minimum = arg.get("minimum_should_match", 0 if required or not should else 1)
        if not isinstance(minimum, int):
            raise Unsupported(f"minimum_should_match {minimum!r}")
        return (
            all(self._matches(c, indexed) for c in required)
            and not any(self._matches(c, indexed) for c in arg.get("must_not", []))
            and sum(self._matches(c, indexed) for c in should) >= minimum
        )


def _bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise Unsupported(f"keyword operand {value!r}: the backend sends strings only")
    return value.encode("utf-8")


_BOUNDS = {
    "gt": lambda v, b: v > b,
    "gte": lambda v, b: v >= b,
    "lt": lambda v, b: v < b,
    "lte": lambda v, b: v <= b,
}


def _in_range(value: bytes, bounds: Mapping[str, Any]) -> bool:
    if not bounds or set(bounds) - set(_BOUNDS):
        raise Unsupported(f"range {bounds!r}")
    return all(_BOUNDS[name](value, _bytes(bound)) for name, bound in bounds.items())


def _compare(sort: list[tuple[str, bool, bool]], a: tuple[bytes | None, ...], b: tuple[bytes | None, ...]) -> int:
    """-1 when values `a` sort before `b`, 0 when tied on every key, 1 after."""
    for (_, ascending, missing_first), x, y in zip(sort, a, b, strict=True):
        if x == y:
            continue
        if x is None or y is None:
            first = x is None
            return -1 if first == missing_first else 1
        before = x < y if ascending else x > y
        return -1 if before else 1
    return 0


class FakeElasticsearch:
    """The slice of `elasticsearch.Elasticsearch` the backend and the tests call."""

    def __init__(self) -> None:
        self.indices_by_name: dict[str, Index] = {}
        self.bodies: list[dict[str, Any]] = []

    def create_index(self, index: str, mappings: Mapping[str, Any]) -> None:
        self.indices_by_name[index] = Index(mappings)

    def index(self, index: str, id: str, document: Mapping[str, Any]) -> None:
        self.indices_by_name[index].add(id, document)

    def search(self, *, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        return self.indices_by_name[index].search(body)


class AsyncFakeElasticsearch:
    """The async twin, for `paginate_async`."""

    def __init__(self, sync: FakeElasticsearch) -> None:
        self.sync = sync

    async def search(self, *, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.sync.search(index=index, body=body)
