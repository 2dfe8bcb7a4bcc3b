"""Schemas the tests share, beyond the two built in.

`ALL_TYPES` uses every field type with every operator that type accepts, so a
backend that passes the shared tests on it handles the whole language:

| field      | type         | operators                              | sortable |
|------------|--------------|----------------------------------------|----------|
| id         | string       | comparisons, $in, $exists              | yes (tie-breaker) |
| name       | string       | comparisons, $in, $exists, $autocomplete, $q | yes |
| count      | integer      | comparisons, $in, $exists              | yes |
| score      | number       | comparisons, $in, $exists              | yes |
| active     | boolean      | comparisons, $in, $exists              | yes |
| created_at | datetime     | comparisons, $in, $exists              | yes (nullable) |
| tags       | string_array | $in, $eq, $exists (the SPEC §3 set)    | no |
| custom     | custom       | everything, $autocomplete and $q too   | no |

and the opt-in `$ne`, `$nin` on every field, `$contains` on `tags` and
`custom`, and `$nor` (SPEC §2 "Opt-in operators").
"""

from __future__ import annotations

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Field, FieldType, Op, Schema, SortKey
from stream_filters.schema import ALL_LOGICAL, COMPARE_OPS

OPT_IN_OPS = frozenset({Op.NE, Op.NIN})
FIELD_OPS = COMPARE_OPS | OPT_IN_OPS
TEXT_OPS = FIELD_OPS | {Op.AUTOCOMPLETE, Op.Q}

ALL_TYPES = Schema(
    name="all_types",
    fields=(
        Field("id", FieldType.STRING, FIELD_OPS, sortable=True),
        Field("name", FieldType.STRING, TEXT_OPS, sortable=True),
        Field("count", FieldType.INTEGER, FIELD_OPS, sortable=True),
        Field("score", FieldType.NUMBER, FIELD_OPS, sortable=True),
        Field("active", FieldType.BOOLEAN, FIELD_OPS, sortable=True),
        Field("created_at", FieldType.DATETIME, FIELD_OPS, sortable=True),
        Field("tags", FieldType.STRING_ARRAY, frozenset({Op.IN, Op.EQ, Op.EXISTS, Op.CONTAINS}) | OPT_IN_OPS),
        Field("custom", FieldType.CUSTOM, TEXT_OPS | {Op.CONTAINS}),
    ),
    tie_breaker="id",
    default_sort=(SortKey("created_at", -1),),
    default_limit=10,
    max_limit=50,
    logical=ALL_LOGICAL,
)

SCHEMAS: dict[str, Schema] = {s.name: s for s in (QUERY_CALLS, QUERY_MEMBERS, ALL_TYPES)}
