"""Where a schema's fields live in an index, the index mapping, and the documents.

Each schema field keeps its value, as the row has it, in a source field of its
natural type (`keyword`, `long`, `double`, `boolean`, `date`, a disabled
`object` for custom data) so the document reads like the row. Filters and
sorts never use those: they use `keyword` key fields that `document()`
computes in Python (see `keys`), so that Elasticsearch only ever compares
bytes, and compares them exactly as the in-memory backend compares values:

| schema type  | key field (filters, sort)            | extra keyword fields          |
|--------------|--------------------------------------|-------------------------------|
| string       | the source field itself              | `<aux>.<f>.folded`, `<aux>.<f>.words` |
| string_array | the source field itself              |                               |
| integer, number, boolean, datetime | `<aux>.<f>.key`  |                               |
| custom       | `<aux>.<f>.values`: `path:type:key`  | `<aux>.<f>.paths`, `.folded`, `.words`, `.elements` |

`elements` holds `path:type:key` of each scalar element of an array in custom
data, for `$contains` (where a field allows it). `folded` holds
`operators.fold(value)` for `$autocomplete`, `words` holds
`operators.words(value)` for `$q`: computed by Python, so no Elasticsearch
normaliser or analyser (Java's Unicode tables, Lucene's lower-casing) can
disagree with the other backends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from ..field_types import INT64_MAX, INT64_MIN, FieldType
from ..operators import Op, fold, words
from ..schema import SEGMENT, Schema
from . import keys

Document = dict[str, Any]
Row = dict[str, Any]

_SOURCE_TYPES: dict[FieldType, dict[str, Any]] = {
    FieldType.STRING: {"type": "keyword"},
    FieldType.STRING_ARRAY: {"type": "keyword"},
    FieldType.INTEGER: {"type": "long"},
    FieldType.NUMBER: {"type": "double"},
    FieldType.BOOLEAN: {"type": "boolean"},
    FieldType.DATETIME: {"type": "date", "format": "strict_date_optional_time"},
    FieldType.CUSTOM: {"type": "object", "enabled": False},
}
_KEYWORD: dict[str, Any] = {"type": "keyword"}
# Lucene cannot index a term longer than this many UTF-8 bytes.
MAX_TERM_BYTES = 32766


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """The index fields of one schema field; None where the field needs none."""

    source: str  # the value as the row has it (what `_source` shows)
    key: str  # keyword keys: term, terms, range, exists and sort
    folded: str | None = None  # keyword: fold(value), for $autocomplete
    words: str | None = None  # keyword array: words(value), for $q
    paths: str | None = None  # custom only: dotted paths that hold a non-null value
    elements: str | None = None  # custom only: `path:type:key` of array elements, for $contains


@dataclass(frozen=True)
class Layout:
    """The index fields of every field of a schema.

    `Layout.default(schema)` is what `index_mapping` and `document` use unless
    told otherwise; pass `names` to rename source fields and `aux` to move the
    computed fields, or build `fields` yourself to match an existing index.
    """

    schema: Schema
    fields: Mapping[str, FieldMapping]

    def __post_init__(self) -> None:
        missing = [f.name for f in self.schema.fields if f.name not in self.fields]
        if missing:
            raise ValueError(f"layout for {self.schema.name!r} lacks field(s): {', '.join(missing)}")

    @classmethod
    def default(cls, schema: Schema, *, aux: str = "sf", names: Mapping[str, str] | None = None) -> Layout:
        return _default_layout(schema, aux, tuple(sorted((names or {}).items())))

    def __getitem__(self, name: str) -> FieldMapping:
        return self.fields[name]


@cache
def _default_layout(schema: Schema, aux: str, names: tuple[tuple[str, str], ...]) -> Layout:
    renamed = dict(names)
    if any(aux == renamed.get(f.name, f.name) for f in schema.fields):
        raise ValueError(f"aux object {aux!r} clashes with a field of {schema.name!r}; choose another aux name")
    fields: dict[str, FieldMapping] = {}
    for f in schema.fields:
        source, base = renamed.get(f.name, f.name), f"{aux}.{f.name}"
        folded = f"{base}.folded" if Op.AUTOCOMPLETE in f.operators else None
        word_field = f"{base}.words" if Op.Q in f.operators else None
        if f.type is FieldType.CUSTOM:
            elements = f"{base}.elements" if Op.CONTAINS in f.operators else None
            fields[f.name] = FieldMapping(source, f"{base}.values", folded, word_field, f"{base}.paths", elements)
        elif f.type in (FieldType.STRING, FieldType.STRING_ARRAY):
            fields[f.name] = FieldMapping(source, source, folded, word_field)
        else:
            fields[f.name] = FieldMapping(source, f"{base}.key")
    return Layout(schema, fields)


def layout_for(schema: Schema, layout: Layout | None) -> Layout:
    if layout is None:
        return Layout.default(schema)
    if layout.schema is not schema and layout.schema != schema:
        raise ValueError(f"layout is for schema {layout.schema.name!r}, not {schema.name!r}")
    return layout


# -- the index mapping -------------------------------------------------------


def index_mapping(schema: Schema, layout: Layout | None = None) -> dict[str, Any]:
    """The `mappings` for an index that `document()` rows go into.

    `dynamic: strict`: a document with a field the mapping does not name is
    refused rather than mapped by guess (dynamic mapping would let the first
    value seen fix a custom path's type and coerce the rest).
    """
    layout = layout_for(schema, layout)
    properties: dict[str, Any] = {}
    for f in schema.fields:
        fm = layout[f.name]
        _put(properties, fm.source, dict(_SOURCE_TYPES[f.type]))
        for extra in (fm.key, fm.folded, fm.words, fm.paths, fm.elements):
            if extra is not None and extra != fm.source:
                _put(properties, extra, dict(_KEYWORD))
    return {"dynamic": "strict", "properties": properties}


def _put(properties: dict[str, Any], dotted: str, spec: dict[str, Any]) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = properties.setdefault(part, {"properties": {}})
        if "properties" not in node:
            raise ValueError(f"index field {dotted!r} nests under {part!r}, which holds a value")
        properties = node["properties"]
    if leaf in properties:
        raise ValueError(f"two schema fields map to index field {dotted!r}")
    properties[leaf] = spec


# -- documents ---------------------------------------------------------------


def document(schema: Schema, row: Mapping[str, Any], layout: Layout | None = None) -> Document:
    """The document to index for `row` (a Mapping as the in-memory backend takes).

    Raises ValueError, naming the field, for every value the index cannot
    hold as the row has it: a value of the wrong type, integers outside 64
    bits in `integer` fields (`long`), numbers beyond a double in `number`
    fields (`double`), non-finite numbers, strings longer than Lucene's term
    limit, lone surrogates, naive datetimes, custom data that is not a JSON
    object (string keys; strings, finite numbers, booleans, null, arrays and
    objects).
    """
    layout = layout_for(schema, layout)
    doc: Document = {}
    for f in schema.fields:
        value = row.get(f.name)
        if value is None:
            continue
        fm = layout[f.name]
        try:
            _DOCUMENTERS[f.type](doc, fm, value)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"field {f.name!r}: {exc}") from None
    return doc


def _set(doc: Document, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value


def _term(text: str) -> str:
    # Encoding also refuses lone surrogates, which no UTF-8 request can carry.
    if len(text.encode()) > MAX_TERM_BYTES:
        raise ValueError(f"a string of more than {MAX_TERM_BYTES} UTF-8 bytes cannot be indexed as a keyword")
    return text


def _document_string(doc: Document, fm: FieldMapping, value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    _set(doc, fm.source, _term(value))
    if fm.folded is not None:
        _set(doc, fm.folded, _term(fold(value)))
    if fm.words is not None:
        _set(doc, fm.words, [_term(word) for word in dict.fromkeys(words(value))])


def _document_array(doc: Document, fm: FieldMapping, value: Any) -> None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    _set(doc, fm.source, [_term(v) for v in value])


def _document_integer(doc: Document, fm: FieldMapping, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("integer outside 64 bits: an Elasticsearch long cannot hold it")
    _set(doc, fm.source, value)
    _set(doc, fm.key, keys.number_key(value))


def _document_number(doc: Document, fm: FieldMapping, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if not _is_double(value):
        raise ValueError("not finite, or beyond the largest double: an Elasticsearch double cannot hold it")
    _set(doc, fm.source, value)
    _set(doc, fm.key, keys.number_key(value))


def _is_double(value: int | float) -> bool:
    """Whether `value` rounds to a finite double, as the index parses a `double` field."""
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond the largest double
        return False


def _document_boolean(doc: Document, fm: FieldMapping, value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    _set(doc, fm.source, value)
    _set(doc, fm.key, keys.boolean_key(value))


def _document_datetime(doc: Document, fm: FieldMapping, value: Any) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    _set(doc, fm.source, _iso(value))
    _set(doc, fm.key, keys.datetime_key(value))


def _iso(value: datetime) -> str:
    try:
        return value.astimezone(UTC).isoformat()
    except OverflowError:  # in UTC it falls in year 0 or 10000: keep its own offset
        return value.isoformat()


def _document_custom(doc: Document, fm: FieldMapping, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"custom data must be an object, got {type(value).__name__}")
    _refuse_non_json(value)
    assert fm.paths is not None
    _set(doc, fm.source, value)
    entries: list[str] = []
    paths: list[str] = []
    folded: list[str] = []
    matched: list[str] = []
    elements: list[str] = []
    stack: list[tuple[str, Mapping[str, Any]]] = [("", value)]
    while stack:
        prefix, obj = stack.pop()
        for name, item in obj.items():
            # Keys that are not path segments cannot be addressed by a filter.
            if item is None or not isinstance(name, str) or not SEGMENT.fullmatch(name):
                continue
            path = prefix + name
            paths.append(_term(path))
            if isinstance(item, Mapping):
                stack.append((path + ".", item))
            elif isinstance(item, str | bool | int | float):
                entries.append(_term(keys.custom_key(path, item)))
                if isinstance(item, str):
                    folded.append(_term(f"{path}:{fold(item)}"))
                    matched.extend(_term(f"{path}:{word}") for word in dict.fromkeys(words(item)))
            elif isinstance(item, list) and fm.elements is not None:
                scalars = (e for e in item if isinstance(e, str | bool | int | float))
                elements.extend(_term(keys.custom_key(path, e)) for e in scalars)
    _set(doc, fm.paths, paths)
    _set(doc, fm.key, entries)
    if fm.folded is not None:
        _set(doc, fm.folded, folded)
    if fm.words is not None:
        _set(doc, fm.words, matched)
    if fm.elements is not None:
        _set(doc, fm.elements, list(dict.fromkeys(elements)))


def _refuse_non_json(custom: Mapping[str, Any]) -> None:
    """Raise unless `custom` is JSON: `_source` keeps it, and must give back the row as it was.

    A non-string key would come back as a string, a NaN or infinity is not JSON
    (the index refuses the document), and any other object cannot be sent.
    Strings are only encoded: in a disabled object they have no length limit.
    """
    stack: list[tuple[str, Any]] = [("custom", custom)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"{where}: object keys must be strings, got {key!r}")
                key.encode()
                stack.append((f"{where}.{key}", child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
        elif isinstance(item, str):
            item.encode()
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"{where}: {item!r} is not a JSON number")
        elif item is not None and not isinstance(item, bool | int | float):
            raise TypeError(f"{where}: a {type(item).__name__} is not JSON")


_DOCUMENTERS = {
    FieldType.STRING: _document_string,
    FieldType.STRING_ARRAY: _document_array,
    FieldType.INTEGER: _document_integer,
    FieldType.NUMBER: _document_number,
    FieldType.BOOLEAN: _document_boolean,
    FieldType.DATETIME: _document_datetime,
    FieldType.CUSTOM: _document_custom,
}


# -- back to rows ------------------------------------------------------------


def row_from_source(schema: Schema, source: Mapping[str, Any], layout: Layout | None = None) -> Row:
    """The row a document was made from: source fields only, datetimes parsed back."""
    layout = layout_for(schema, layout)
    row: Row = {}
    for f in schema.fields:
        value: Any = source
        for part in layout[f.name].source.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            continue
        row[f.name] = datetime.fromisoformat(value) if f.type is FieldType.DATETIME else value
    return row
