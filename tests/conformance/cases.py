"""Cross-backend conformance cases: every backend returns exactly these ids.

Data only. Each `Case` has:

- `name`: a unique id for the test report;
- `schema`: the `Schema` (`schema_name` is its name: a key of `tests.schemas.SCHEMAS`);
- `rows`: rows written out by hand (dicts; a missing key or None is null,
  datetimes are aware UTC datetimes, `custom` is a dict of JSON values);
- `request`: the request body (no cursor);
- `expected_ids`: the tie-breaker values of the first page, in order.

A backend's runner: load `case.rows`, run `case.query()`, compare
`case.ids(items)` with `case.expected_ids`. The expectations were worked out by
hand from SPEC §2-3 and §5, not copied from any backend's output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stream_filters import QUERY_CALLS, QUERY_MEMBERS, Query, Schema
from tests.schemas import ALL_TYPES

Row = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    schema: Schema
    rows: tuple[Row, ...]
    request: dict[str, Any]
    expected_ids: tuple[Any, ...]

    @property
    def schema_name(self) -> str:
        return self.schema.name

    def query(self) -> Query:
        return self.schema.parse(self.request)

    def ids(self, items: Iterable[Mapping[str, Any]]) -> tuple[Any, ...]:
        return tuple(item[self.schema.tie_breaker] for item in items)


def t(text: str) -> datetime:
    """An aware UTC datetime from ISO text (microseconds at most)."""
    return datetime.fromisoformat(text).astimezone(UTC)


# -- all_types --------------------------------------------------------------------

BIG = 2**53  # 9007199254740992

ALL_ROWS: tuple[Row, ...] = (
    {
        "id": "a01",
        "name": "John Smith",
        "count": 1,
        "score": 1.5,
        "active": True,
        "created_at": t("2024-01-01T00:00:00Z"),
        "tags": ["red", "blue"],
        "custom": {"color": "red", "n": 1, "v": True, "big": BIG, "obj": {"k": "v"}, "arr": [1, 2], "s": "b"},
    },
    {
        "id": "a02",
        "name": "Mojo",
        "count": 2,
        "score": 1,
        "active": False,
        "created_at": t("2024-01-01T00:00:00.000001Z"),
        "tags": ["green"],
        "custom": {"color": "Red", "n": 1.0, "v": 1, "big": BIG + 1, "s": "2024-01-01T00:00:00Z"},
    },
    {
        "id": "a03",
        "name": "johnny",
        "score": 2.5,
        "active": None,
        "created_at": None,
        "tags": [],
        "custom": {"color": "blue", "n": "1", "v": "true", "big": float(BIG), "s": "B"},
    },
    {
        "id": "a04",
        "name": "ÉCOLE",
        "count": 10,
        "score": -1,
        "active": True,
        "created_at": t("2023-12-31T23:59:59.999999Z"),
        "tags": None,
        "custom": None,
    },
    {
        "id": "a05",
        "name": "école normale",
        "count": 3,
        "score": 0,
        "active": False,
        "created_at": t("2024-02-29T12:30:45.123456Z"),
        "tags": ["blue"],
        "custom": {"n": 0, "v": False, "color": None, "obj": {"k": 1}},
    },
    {
        "id": "a06",
        "name": "100% off_sale",
        "count": -5,
        "score": 0.5,
        "active": True,
        "created_at": t("2024-02-29T12:30:45.123457Z"),
        "tags": ["a%b"],
        "custom": {"n": -1, "color": "a%b", "s": "%"},
    },
    {
        "id": "a07",
        "name": "straße",
        "count": 7,
        "score": 3,
        "created_at": t("2024-06-01T08:00:00Z"),
        "tags": ["red"],
        "custom": {"color": "STRASSE", "n": BIG + 1},
    },
    {
        "id": "a08",
        "name": "İstanbul",
        "count": BIG + 1,
        "score": BIG,
        "active": False,
        "created_at": t("1969-12-31T23:59:59.999999Z"),
        "tags": ["İ"],
        "custom": {"color": "İ", "arr": []},
    },
    {
        "id": "a09",
        "count": 0,
        "active": True,
        "created_at": t("2024-01-01T00:00:00Z"),
        "custom": {"color": "red", "obj": {}},
    },
    {
        "id": "a10",
        "name": "a\\b_c",
        "count": 1,
        "score": 1.0,
        "active": True,
        "created_at": t("2024-06-01T08:00:00Z"),
        "tags": ["\\"],
        "custom": {"color": "a_b", "s": "\\"},
    },
    {
        "id": "a11",
        "name": "😀 smile",
        "count": 100,
        "score": 100.25,
        "active": False,
        "created_at": t("2024-06-01T08:00:00.500000Z"),
        "tags": ["😀"],
        "custom": {"color": "😀", "n": 1.5},
    },
    {
        "id": "a12",
        "name": "Zoë",
        "count": 2,
        "score": -0.5,
        "active": None,
        "created_at": t("2025-01-01T00:00:00Z"),
        "tags": ["z"],
        "custom": {"color": "red", "n": True},
    },
    {"id": "a13", "name": 'it\'s "quoted"', "count": 4},
)

ALL_IDS = tuple(row["id"] for row in ALL_ROWS)


def _by_id(filter_conditions: dict[str, Any]) -> dict[str, Any]:
    return {"filter_conditions": filter_conditions, "sort": [{"field": "id", "direction": 1}], "limit": 50}


def _ids(text: str) -> tuple[str, ...]:
    return tuple(f"a{n}" for n in text.split()) if text else ()


# (name, filter, expected ids in id order: "01 02" means a01, a02)
_ALL_FILTERS: tuple[tuple[str, dict[str, Any], str], ...] = (
    # missing and null are the same thing
    ("exists_true", {"name": {"$exists": True}}, "01 02 03 04 05 06 07 08 10 11 12 13"),
    ("exists_false_missing_key", {"name": {"$exists": False}}, "09"),
    ("exists_false_none_or_missing", {"active": {"$exists": False}}, "03 07 12 13"),
    ("range_never_matches_null", {"count": {"$lt": 2}}, "01 06 09 10"),
    ("eq_false_is_not_null", {"active": False}, "02 05 08 11"),
    ("in_empty_matches_nothing", {"name": {"$in": []}}, ""),
    ("in_integers", {"count": {"$in": [1, 2]}}, "01 02 10 12"),
    ("number_1_equals_1_0", {"score": {"$eq": 1}}, "02 10"),
    ("number_beyond_2_53", {"score": {"$gte": BIG}}, "08"),
    ("integer_exact_beyond_2_53", {"count": {"$gt": BIG}}, "08"),
    ("number_negative", {"score": {"$lt": 0}}, "04 12"),
    ("boolean_range_false_below_true", {"active": {"$gt": False}}, "01 04 06 09 10"),
    ("boolean_gte_true", {"active": {"$gte": True}}, "01 04 06 09 10"),
    ("boolean_lt_true", {"active": {"$lt": True}}, "02 05 08 11"),
    ("boolean_lte_false", {"active": {"$lte": False}}, "02 05 08 11"),
    ("boolean_in", {"active": {"$in": [True]}}, "01 04 06 09 10"),
    ("integer_exists_false", {"count": {"$exists": False}}, "03"),
    ("number_exists_false", {"score": {"$exists": False}}, "09 13"),
    ("number_gt_int_operand_float_values", {"score": {"$gt": 1}}, "01 03 07 08 11"),
    ("number_in_int_matches_float", {"score": {"$in": [1, 0.5, 3.0]}}, "02 06 07 10"),
    ("number_lte", {"score": {"$lte": -0.5}}, "04 12"),
    ("field_with_two_operators", {"count": {"$gt": 0, "$lte": 3}}, "01 02 05 10 12"),
    ("match_all", {}, "01 02 03 04 05 06 07 08 09 10 11 12 13"),
    ("shorthand_eq", {"name": "Mojo"}, "02"),
    # strings compare by code point, case-sensitively
    ("string_gt_code_point", {"name": {"$gt": "Z"}}, "03 04 05 07 08 10 11 12 13"),
    ("string_lt_code_point", {"name": {"$lt": "a"}}, "01 02 06 12"),
    ("string_eq_is_case_sensitive", {"name": "john smith"}, ""),
    ("string_in", {"name": {"$in": ["ÉCOLE", "Zoë"]}}, "04 12"),
    ("string_lte", {"name": {"$lte": "Mojo"}}, "01 02 06"),
    # $autocomplete: case-insensitive literal prefix of the whole value
    ("autocomplete_prefix", {"name": {"$autocomplete": "jo"}}, "01 03"),
    ("autocomplete_case_insensitive_accent", {"name": {"$autocomplete": "ÉC"}}, "04 05"),
    ("autocomplete_percent_literal", {"name": {"$autocomplete": "100%"}}, "06"),
    ("autocomplete_percent_not_wildcard", {"name": {"$autocomplete": "%"}}, ""),
    ("autocomplete_backslash_underscore_literal", {"name": {"$autocomplete": "a\\b_"}}, "10"),
    ("autocomplete_underscore_not_wildcard", {"name": {"$autocomplete": "a_"}}, ""),
    ("autocomplete_no_full_case_folding", {"name": {"$autocomplete": "STRASS"}}, ""),
    ("autocomplete_sharp_s_prefix", {"name": {"$autocomplete": "STRA"}}, "07"),
    ("autocomplete_dotted_capital_i", {"name": {"$autocomplete": "İs"}}, "08"),
    ("autocomplete_dotted_capital_i_lowers_with_dot", {"name": {"$autocomplete": "is"}}, ""),
    ("autocomplete_non_bmp", {"name": {"$autocomplete": "😀"}}, "11"),
    ("autocomplete_quotes", {"name": {"$autocomplete": "IT'S \""}}, "13"),
    # $q: every word of the query is a word of the value
    ("q_whole_words_only", {"name": {"$q": "john"}}, "01"),
    ("q_any_order_any_case", {"name": {"$q": "SMITH john"}}, "01"),
    ("q_accented_case", {"name": {"$q": "école"}}, "04 05"),
    ("q_punctuation_splits_words", {"name": {"$q": "off, sale!"}}, "06"),
    ("q_no_accent_folding", {"name": {"$q": "ecole"}}, ""),
    ("q_underscore_and_backslash_split", {"name": {"$q": "b"}}, "10"),
    ("q_emoji_is_not_a_word", {"name": {"$q": "smile"}}, "11"),
    ("q_no_full_case_folding", {"name": {"$q": "STRASSE"}}, ""),
    # datetimes: instants, exact to the nanosecond against microsecond values
    ("datetime_gt", {"created_at": {"$gt": "2024-01-01T00:00:00Z"}}, "02 05 06 07 10 11 12"),
    ("datetime_eq_with_offset", {"created_at": "2024-01-01T01:00:00+01:00"}, "01 09"),
    ("datetime_gte_sub_microsecond", {"created_at": {"$gte": "2024-02-29T12:30:45.1234561Z"}}, "06 07 10 11 12"),
    ("datetime_lte_sub_microsecond", {"created_at": {"$lte": "2024-02-29T12:30:45.1234569Z"}}, "01 02 04 05 08 09"),
    ("datetime_eq_between_microseconds", {"created_at": {"$eq": "2024-02-29T12:30:45.1234565Z"}}, ""),
    ("datetime_eq_nine_digits_whole", {"created_at": {"$eq": "2024-02-29T12:30:45.123456000Z"}}, "05"),
    (
        "datetime_in_skips_sub_microsecond",
        {"created_at": {"$in": ["2023-12-31T23:59:59.999999Z", "2024-01-01T00:00:00.0000005Z"]}},
        "04",
    ),
    ("datetime_before_epoch", {"created_at": {"$lt": "1970-01-01T00:00:00Z"}}, "08"),
    ("datetime_lowercase_t_offset", {"created_at": {"$lt": "2024-01-01t05:30:00.000001+05:30"}}, "01 04 08 09"),
    ("datetime_space_lowercase_z", {"created_at": {"$gte": "2024-06-01 08:00:00.5z"}}, "11 12"),
    # string_array
    ("array_in_any_element", {"tags": {"$in": ["blue", "green"]}}, "01 02 05"),
    ("array_eq_element", {"tags": "red"}, "01 07"),
    ("array_exists_non_empty", {"tags": {"$exists": True}}, "01 02 05 06 07 08 10 11 12"),
    ("array_not_exists_empty_or_null", {"tags": {"$exists": False}}, "03 04 09 13"),
    ("array_in_empty", {"tags": {"$in": []}}, ""),
    # custom.*: type-bracketed
    ("custom_number_1_equals_1_0_not_true_not_string", {"custom.n": 1}, "01 02"),
    ("custom_true_never_equals_1", {"custom.v": True}, "01"),
    ("custom_string_1_is_not_number_1", {"custom.n": "1"}, "03"),
    ("custom_integer_exact_beyond_2_53", {"custom.big": {"$gt": BIG}}, "02"),
    ("custom_2_53_equals_float", {"custom.big": BIG}, "01 03"),
    ("custom_number_range_skips_bools_and_strings", {"custom.n": {"$gte": 0}}, "01 02 05 07 11"),
    ("custom_boolean_range", {"custom.v": {"$lt": True}}, "05"),
    ("custom_number_lte", {"custom.n": {"$lte": 1}}, "01 02 05 06"),
    ("custom_string_range_skips_null", {"custom.color": {"$gt": "a"}}, "01 03 06 08 09 10 11 12"),
    ("custom_in_mixed_types", {"custom.color": {"$in": ["red", 1, True]}}, "01 09 12"),
    ("custom_in_true_not_1", {"custom.n": {"$in": ["1", True, 1.5]}}, "03 11 12"),
    ("custom_object_exists", {"custom.obj": {"$exists": True}}, "01 05 09"),
    ("custom_empty_array_exists", {"custom.arr": {"$exists": True}}, "01 08"),
    ("custom_array_never_equals_element", {"custom.arr": 1}, ""),
    ("custom_array_never_in", {"custom.arr": {"$in": [1, 2]}}, ""),
    ("custom_nested_path", {"custom.obj.k": "v"}, "01"),
    ("custom_nested_path_missing", {"custom.obj.k": {"$exists": False}}, "02 03 04 06 07 08 09 10 11 12 13"),
    ("custom_exists_false_null_or_missing", {"custom.color": {"$exists": False}}, "04 05 13"),
    ("custom_date_like_string_is_string", {"custom.s": "2024-01-01T00:00:00Z"}, "02"),
    ("custom_string_range_code_point", {"custom.s": {"$gt": "2023"}}, "01 02 03 10"),
    ("custom_autocomplete", {"custom.color": {"$autocomplete": "RE"}}, "01 02 09 12"),
    ("custom_autocomplete_strings_only", {"custom.n": {"$autocomplete": "1"}}, "03"),
    ("custom_autocomplete_underscore_literal", {"custom.color": {"$autocomplete": "a_"}}, "10"),
    ("custom_q", {"custom.color": {"$q": "strasse"}}, "07"),
    # logic
    ("or", {"$or": [{"count": 1}, {"name": "Mojo"}]}, "01 02 10"),
    (
        "and_of_or",
        {"$and": [{"active": True}, {"$or": [{"count": {"$gte": 10}}, {"tags": {"$exists": False}}]}]},
        "04 09",
    ),
)

_ALL_SORTS: tuple[tuple[str, dict[str, Any], str], ...] = (
    (
        "sort_ascending_nulls_first",
        {"sort": [{"field": "count", "direction": 1}], "limit": 50},
        "03 06 09 01 10 02 12 05 13 07 04 11 08",
    ),
    (
        "sort_descending_nulls_last",
        {"sort": [{"field": "count", "direction": -1}], "limit": 50},
        "08 11 04 07 13 05 12 02 10 01 09 06 03",
    ),
    ("default_sort_and_limit", {}, "12 11 10 07 06 05 02 09 01 04"),
    (
        "sort_default_full",
        {"limit": 50},
        "12 11 10 07 06 05 02 09 01 04 08 13 03",
    ),
    (
        "sort_mixed_directions",
        {"sort": [{"field": "active", "direction": -1}, {"field": "name", "direction": 1}], "limit": 50},
        "09 06 01 10 04 02 05 08 11 12 13 03 07",
    ),
    (
        "sort_numbers_int_and_float",
        {"sort": [{"field": "score", "direction": 1}], "limit": 50},
        "09 13 04 12 05 06 02 10 01 03 07 11 08",
    ),
    (
        "sort_filtered_and_limited",
        {"filter_conditions": {"active": {"$exists": True}}, "sort": [{"field": "name", "direction": -1}], "limit": 4},
        "11 08 05 04",
    ),
)

# -- query_calls -------------------------------------------------------------------

CALL_ROWS: tuple[Row, ...] = (
    {
        "cid": "default:1",
        "id": "1",
        "type": "default",
        "team": "blue",
        "created_by_user_id": "alice",
        "created_at": t("2024-01-01T10:00:00Z"),
        "updated_at": t("2024-01-01T10:00:00Z"),
        "ended_at": None,
        "starts_at": t("2024-01-02T00:00:00Z"),
        "backstage": False,
        "members": ["alice", "bob"],
        "ongoing": True,
    },
    {
        "cid": "default:2",
        "id": "2",
        "type": "default",
        "team": "red",
        "created_by_user_id": "bob",
        "created_at": t("2024-01-01T10:00:00Z"),
        "ended_at": t("2024-01-01T11:00:00Z"),
        "backstage": True,
        "members": ["carol"],
        "ongoing": False,
    },
    {
        "cid": "livestream:3",
        "id": "3",
        "type": "livestream",
        "created_by_user_id": "alice",
        "created_at": t("2024-03-01T09:00:00Z"),
        "ended_at": t("2024-03-01T12:30:00Z"),
        "starts_at": None,
        "backstage": False,
        "members": [],
        "ongoing": False,
    },
    {
        "cid": "audio_room:4",
        "id": "4",
        "type": "audio_room",
        "team": None,
        "created_by_user_id": "dave",
        "created_at": t("2024-01-01T01:00:00Z"),
        "backstage": None,
        "members": None,
        "ongoing": None,
    },
    {
        "cid": "livestream:5",
        "id": "5",
        "type": "livestream",
        "team": "blue",
        "created_by_user_id": "carol",
        "created_at": t("2024-03-01T09:00:00Z"),
        "ended_at": None,
        "starts_at": t("2024-03-05T00:00:00Z"),
        "backstage": True,
        "members": ["alice"],
        "ongoing": True,
    },
)

_CALLS: tuple[tuple[str, dict[str, Any], tuple[str, ...]], ...] = (
    ("calls_default_sort", {}, ("livestream:5", "livestream:3", "default:2", "default:1", "audio_room:4")),
    ("calls_default_limit_2", {"limit": 2}, ("livestream:5", "livestream:3")),
    ("calls_members_in", {"filter_conditions": {"members": {"$in": ["alice"]}}}, ("livestream:5", "default:1")),
    (
        "calls_ended_at_not_exists",
        {"filter_conditions": {"ended_at": {"$exists": False}}},
        ("livestream:5", "default:1", "audio_room:4"),
    ),
    ("calls_backstage", {"filter_conditions": {"backstage": True}}, ("livestream:5", "default:2")),
    ("calls_ongoing_false_skips_null", {"filter_conditions": {"ongoing": False}}, ("livestream:3", "default:2")),
    ("calls_created_before_offset", {"filter_conditions": {"created_at": {"$lt": "2024-01-01T08:00:00+07:00"}}}, ()),
    (
        "calls_created_at_or_before_offset",
        {"filter_conditions": {"created_at": {"$lte": "2024-01-01T08:00:00+07:00"}}},
        ("audio_room:4",),
    ),
    (
        "calls_starts_at_ascending_nulls_first",
        {"sort": [{"field": "starts_at", "direction": 1}]},
        ("audio_room:4", "default:2", "livestream:3", "default:1", "livestream:5"),
    ),
    (
        "calls_type_range",
        {"filter_conditions": {"type": {"$gte": "default", "$lt": "m"}}},
        ("livestream:5", "livestream:3", "default:2", "default:1"),
    ),
    (
        "calls_team_in_skips_null",
        {"filter_conditions": {"team": {"$in": ["blue", "red"]}}, "sort": [{"field": "cid", "direction": 1}]},
        ("default:1", "default:2", "livestream:5"),
    ),
)

# -- query_members -----------------------------------------------------------------

MEMBER_ROWS: tuple[Row, ...] = (
    {
        "user_id": "alice",
        "role": "admin",
        "custom": {"color": "red", "score": 10, "vip": True, "profile": {"level": "gold"}},
        "created_at": t("2024-01-01T00:00:00Z"),
        "updated_at": t("2024-05-01T00:00:00Z"),
    },
    {
        "user_id": "bob",
        "role": "member",
        "custom": {"color": "blue", "score": 99.5, "profile": {"level": 3}},
        "created_at": t("2024-01-02T00:00:00Z"),
        "updated_at": None,
    },
    {
        "user_id": "carol",
        "role": "moderator",
        "custom": {"score": "10", "vip": 1, "profile": {"level": True}},
        "created_at": t("2024-01-01T00:00:00Z"),
        "updated_at": t("2024-05-01T00:00:00Z"),
    },
    {"user_id": "dave", "role": "member", "custom": None, "created_at": None},
    {
        "user_id": "erin",
        "role": "member",
        "custom": {"color": "red", "tags": ["x"], "banned": False},
        "created_at": t("2024-01-03T00:00:00Z"),
    },
)

_MEMBERS: tuple[tuple[str, dict[str, Any], tuple[str, ...]], ...] = (
    ("members_default_sort_nulls_first", {}, ("dave", "alice", "carol", "bob", "erin")),
    ("members_custom_eq", {"filter_conditions": {"custom.color": "red"}}, ("alice", "erin")),
    ("members_custom_range", {"filter_conditions": {"custom.score": {"$gte": 10, "$lt": 99.5}}}, ("alice",)),
    (
        "members_custom_in_mixed",
        {"filter_conditions": {"custom.profile.level": {"$in": ["gold", 3, True]}}},
        ("alice", "carol", "bob"),
    ),
    ("members_custom_true_not_1", {"filter_conditions": {"custom.vip": True}}, ("alice",)),
    (
        "members_custom_false_exists",
        {"filter_conditions": {"custom.banned": {"$exists": False}}},
        ("dave", "alice", "carol", "bob"),
    ),
    ("members_custom_array_exists", {"filter_conditions": {"custom.tags": {"$exists": True}}}, ("erin",)),
    (
        "members_updated_desc_nulls_last",
        {"sort": [{"field": "updated_at", "direction": -1}, {"field": "user_id", "direction": 1}]},
        ("alice", "carol", "bob", "dave", "erin"),
    ),
    (
        "members_role_or_custom",
        {"filter_conditions": {"$or": [{"role": {"$in": ["admin", "moderator"]}}, {"custom.color": "blue"}]}},
        ("alice", "carol", "bob"),
    ),
)

CASES: tuple[Case, ...] = (
    *(Case(name, ALL_TYPES, ALL_ROWS, _by_id(f), _ids(ids)) for name, f, ids in _ALL_FILTERS),
    *(Case(name, ALL_TYPES, ALL_ROWS, request, _ids(ids)) for name, request, ids in _ALL_SORTS),
    *(Case(name, QUERY_CALLS, CALL_ROWS, request, ids) for name, request, ids in _CALLS),
    *(Case(name, QUERY_MEMBERS, MEMBER_ROWS, request, ids) for name, request, ids in _MEMBERS),
)
