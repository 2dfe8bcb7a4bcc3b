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
        "custom": {
            "color": "red",
            "n": 1,
            "v": True,
            "big": BIG,
            "obj": {"k": "v"},
            "arr": [1, 2],
            "s": "b",
            "list": [1, "a", True],
        },
    },
    {
        "id": "a02",
        "name": "Mojo",
        "count": 2,
        "score": 1,
        "active": False,
        "created_at": t("2024-01-01T00:00:00.000001Z"),
        "tags": ["green"],
        "custom": {"color": "Red", "n": 1.0, "v": 1, "big": BIG + 1, "s": "2024-01-01T00:00:00Z", "list": [1.0, "A"]},
    },
    {
        "id": "a03",
        "name": "johnny",
        "score": 2.5,
        "active": None,
        "created_at": None,
        "tags": [],
        "custom": {"color": "blue", "n": "1", "v": "true", "big": float(BIG), "s": "B", "list": ["1", False, None]},
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
        "custom": {"n": 0, "v": False, "color": None, "obj": {"k": 1}, "list": [BIG + 1, [1], {"k": 1}]},
    },
    {
        "id": "a06",
        "name": "100% off_sale",
        "count": -5,
        "score": 0.5,
        "active": True,
        "created_at": t("2024-02-29T12:30:45.123457Z"),
        "tags": ["a%b"],
        "custom": {"n": -1, "color": "a%b", "s": "%", "list": "1"},
    },
    {
        "id": "a07",
        "name": "straße",
        "count": 7,
        "score": 3,
        "created_at": t("2024-06-01T08:00:00Z"),
        "tags": ["red"],
        "custom": {"color": "STRASSE", "n": BIG + 1, "list": []},
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
        "custom": {"color": "😀", "n": 1.5, "list": [0.5, "é", "😀"]},
    },
    {
        "id": "a12",
        "name": "Zoë",
        "count": 2,
        "score": -0.5,
        "active": None,
        "created_at": t("2025-01-01T00:00:00Z"),
        "tags": ["z"],
        "custom": {"color": "red", "n": True, "list": [True, BIG]},
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
    # $ne, $nin: the value is present and not equal (SPEC §2 opt-in operators)
    ("ne_integer_missing_never_matches", {"count": {"$ne": 1}}, "02 04 05 06 07 08 09 11 12 13"),
    ("ne_integer_fraction_operand", {"count": {"$ne": 1.5}}, "01 02 04 05 06 07 08 09 10 11 12 13"),
    ("ne_integer_2_53", {"count": {"$ne": BIG}}, "01 02 04 05 06 07 08 09 10 11 12 13"),
    ("ne_number_1_equals_1_0", {"score": {"$ne": 1}}, "01 03 04 05 06 07 08 11 12"),
    ("ne_number_beyond_2_53", {"score": {"$ne": BIG + 1}}, "01 02 03 04 05 06 07 08 10 11 12"),
    ("ne_string", {"name": {"$ne": "Mojo"}}, "01 03 04 05 06 07 08 10 11 12 13"),
    ("ne_boolean_skips_null", {"active": {"$ne": True}}, "02 05 08 11"),
    (
        "ne_datetime_between_microseconds",
        {"created_at": {"$ne": "2024-02-29T12:30:45.1234565Z"}},
        "01 02 04 05 06 07 08 09 10 11 12",
    ),
    ("ne_datetime_offset", {"created_at": {"$ne": "2024-01-01T01:00:00+01:00"}}, "02 04 05 06 07 08 10 11 12"),
    ("ne_array_element", {"tags": {"$ne": "red"}}, "02 05 06 08 10 11 12"),
    ("ne_custom_other_type_is_not_equal", {"custom.n": {"$ne": 1}}, "03 05 06 07 11 12"),
    ("ne_custom_true_not_1", {"custom.v": {"$ne": True}}, "02 03 05"),
    ("ne_custom_array_and_empty_array_present", {"custom.arr": {"$ne": 1}}, "01 08"),
    ("nin_empty_matches_every_present", {"count": {"$nin": []}}, "01 02 04 05 06 07 08 09 10 11 12 13"),
    ("nin_integer", {"count": {"$nin": [1, 2]}}, "04 05 06 07 08 09 11 13"),
    ("nin_number", {"score": {"$nin": [1, 0.5, -1]}}, "01 03 05 07 08 11 12"),
    ("nin_string", {"name": {"$nin": ["Mojo", "Zoë"]}}, "01 03 04 05 06 07 08 10 11 13"),
    ("nin_boolean", {"active": {"$nin": [False]}}, "01 04 06 09 10"),
    (
        "nin_datetime",
        {"created_at": {"$nin": ["2024-01-01T00:00:00Z", "2024-06-01T08:00:00Z"]}},
        "02 04 05 06 08 11 12",
    ),
    ("nin_array_no_element_in", {"tags": {"$nin": ["red", "blue"]}}, "02 06 08 10 11 12"),
    ("nin_custom_mixed_types", {"custom.n": {"$nin": [1, "1", True]}}, "05 06 07 11"),
    ("nin_and_nor_of_in_differ_on_missing", {"$nor": [{"count": {"$in": [1, 2]}}]}, "03 04 05 06 07 08 09 11 13"),
    # $contains: an array with an element equal to the operand, type-bracketed
    ("contains_number_1_equals_1_0", {"custom.list": {"$contains": 1}}, "01 02"),
    ("contains_true_not_1", {"custom.list": {"$contains": True}}, "01 12"),
    ("contains_false", {"custom.list": {"$contains": False}}, "03"),
    ("contains_string_1_not_number_nor_scalar", {"custom.list": {"$contains": "1"}}, "03"),
    ("contains_string_case_sensitive", {"custom.list": {"$contains": "A"}}, "02"),
    ("contains_integer_beyond_2_53", {"custom.list": {"$contains": BIG + 1}}, "05"),
    ("contains_2_53", {"custom.list": {"$contains": BIG}}, "12"),
    ("contains_float", {"custom.list": {"$contains": 0.5}}, "11"),
    ("contains_non_bmp", {"custom.list": {"$contains": "😀"}}, "11"),
    ("contains_other_array", {"custom.arr": {"$contains": 2}}, "01"),
    ("contains_missing_path", {"custom.nothing": {"$contains": 1}}, ""),
    ("nor_contains", {"$nor": [{"custom.list": {"$contains": 1}}]}, "03 04 05 06 07 08 09 10 11 12 13"),
    ("contains_string_array_element", {"tags": {"$contains": "red"}}, "01 07"),
    ("contains_string_array_dotted_i", {"tags": {"$contains": "İ"}}, "08"),
    # $nor: two-valued; a row without the field matches $nor of a condition on it
    ("nor_missing_field_matches", {"$nor": [{"count": {"$gte": 2}}]}, "01 03 06 09 10"),
    ("nor_null_boolean_matches", {"$nor": [{"active": True}]}, "02 03 05 07 08 11 12 13"),
    ("nor_of_two", {"$nor": [{"count": 1}, {"name": {"$autocomplete": "jo"}}]}, "02 04 05 06 07 08 09 11 12 13"),
    ("nor_custom_missing_path", {"$nor": [{"custom.color": "red"}]}, "02 03 04 05 06 07 08 10 11 13"),
    ("nor_custom_other_type", {"$nor": [{"custom.n": {"$gte": 1}}]}, "03 04 05 06 08 09 10 12 13"),
    ("nor_exists_false", {"$nor": [{"tags": {"$exists": False}}]}, "01 02 05 06 07 08 10 11 12"),
    ("nor_array_in", {"$nor": [{"tags": {"$in": ["red", "blue"]}}]}, "02 03 04 06 08 09 10 11 12 13"),
    (
        "nor_datetime_null",
        {"$nor": [{"created_at": {"$lt": "2024-01-01T00:00:00Z"}}]},
        "01 02 03 05 06 07 09 10 11 12 13",
    ),
    ("nor_of_nor", {"$nor": [{"$nor": [{"count": {"$gte": 2}}]}]}, "02 04 05 07 08 11 12 13"),
    ("nor_of_and", {"$nor": [{"active": True, "count": 1}]}, "02 03 04 05 06 07 08 09 11 12 13"),
    ("nor_with_field", {"active": False, "$nor": [{"score": {"$lt": 1}}]}, "02 08 11"),
    ("nor_of_or_spreads", {"$nor": [{"$or": [{"count": 1}, {"count": 2}]}]}, "03 04 05 06 07 08 09 11 13"),
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

# -- edge rows: database traps, on every backend ------------------------------------
#
# No-pad collations ("a" and "a "), NUL, LIKE/regex metacharacters, 2^53 + 1 in
# columns and in JSON, 1e300, sub-microsecond operands, combining characters.
# Written for the SQL backend first; they hold on every backend.


def t_at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type]


EDGE_ROWS: tuple[Row, ...] = (
    {
        "id": "r01",
        "name": "John Smith",
        "count": 1,
        "score": 1.5,
        "active": True,
        "created_at": t_at(2024, 1, 1),
        "tags": ["red", "blue"],
        "custom": {"color": "red", "n": 1, "flag": True, "nested": {"a": "x"}},
    },
    {
        "id": "r02",
        "name": "Mojo",
        "count": 2**53 + 1,
        "score": 2.0**53,
        "active": False,
        "created_at": t_at(2024, 2, 29, 12, 30, 45, 123456),
        "tags": [],
        "custom": {"color": "Red", "n": 1.0, "flag": 1},
    },
    {
        "id": "r03",
        "name": None,
        "count": None,
        "score": None,
        "active": None,
        "created_at": None,
        "tags": None,
        "custom": None,
    },
    {
        "id": "r04",
        "name": "İstanbul",
        "count": 2**53,
        "score": -2.5,
        "active": True,
        "created_at": t_at(2024, 2, 29, 12, 30, 45, 123457),
        "tags": ["Red"],
        "custom": {"n": "1", "flag": False},
    },
    {
        "id": "r05",
        "name": "100% a_b\\c",
        "count": -1,
        "score": 0.1,
        "active": False,
        "created_at": t_at(1969, 12, 31, 23, 59, 59, 999999),
        "tags": ["a%b"],
        "custom": {"n": 2**53 + 1, "color": ""},
    },
    {
        "id": "r06",
        "name": "straße Σίσυφος",
        "count": 0,
        "score": 1e300,
        "active": True,
        "created_at": t_at(2038, 1, 19, 3, 14, 8),
        "tags": ["x"],
        "custom": {"n": 2**53, "color": "é", "arr": [1]},
    },
    {
        "id": "r07",
        "name": "a ",
        "count": 7,
        "score": 7,
        "active": None,
        "created_at": t_at(2024, 1, 1),
        "tags": ["red"],
        "custom": {"n": None, "color": "a "},
    },
    {
        "id": "r08",
        "name": "a",
        "count": 10,
        "score": 10.0,
        "active": False,
        "created_at": t_at(2000, 1, 1, 5, 30),
        "tags": None,
        "custom": {"color": "😀", "n": 0.30000000000000004},
    },
    {
        "id": "r09",
        "name": "😀 smile",
        "count": 3,
        "score": 3,
        "active": True,
        "created_at": None,
        "tags": ["😀"],
        "custom": {"color": "z", "n": -1e-9, "x-y": "ok"},
    },
    {
        "id": "r10",
        "name": "e\u0301cole École",
        "count": 42,
        "score": 42,
        "active": True,
        "created_at": t_at(2024, 1, 1, 0, 0, 0, 1),
        "tags": ["b"],
        "custom": {"color": "\uffff", "n": True},
    },
)


def _edge(name: str, filter_conditions: dict[str, Any], expected: list[str], **request: Any) -> Case:
    body = {"filter_conditions": filter_conditions, "sort": [{"field": "id", "direction": 1}], "limit": 50}
    body.update(request)
    return Case(f"edge_{name}", ALL_TYPES, EDGE_ROWS, body, tuple(expected))


_ALL = [r["id"] for r in EDGE_ROWS]

_EDGE_CASES: list[Case] = [
    _edge("match_all", {}, _ALL),
    _edge("string_eq_exact_case", {"name": "a"}, ["r08"]),
    _edge("string_eq_no_pad", {"name": "a "}, ["r07"]),
    _edge("string_gt_code_point", {"name": {"$gt": "Z"}}, ["r04", "r06", "r07", "r08", "r09", "r10"]),
    _edge("string_lt_code_point", {"name": {"$lt": "a"}}, ["r01", "r02", "r05"]),
    _edge("string_gte_non_bmp", {"name": {"$gte": "😀"}}, ["r09"]),
    _edge("string_in", {"name": {"$in": ["a", "Mojo", "x"]}}, ["r02", "r08"]),
    _edge("string_in_empty", {"name": {"$in": []}}, []),
    _edge("exists_true", {"name": {"$exists": True}}, [i for i in _ALL if i != "r03"]),
    _edge("exists_false", {"name": {"$exists": False}}, ["r03"]),
    _edge("autocomplete_case_insensitive", {"name": {"$autocomplete": "jo"}}, ["r01"]),
    _edge("autocomplete_whole_value_prefix", {"name": {"$autocomplete": "mo"}}, ["r02"]),
    _edge("autocomplete_percent_literal", {"name": {"$autocomplete": "100%"}}, ["r05"]),
    _edge("autocomplete_underscore_literal", {"name": {"$autocomplete": "_"}}, []),
    _edge("autocomplete_backslash_literal", {"name": {"$autocomplete": "100% A_B\\"}}, ["r05"]),
    _edge("autocomplete_dotted_i", {"name": {"$autocomplete": "i"}}, ["r04"]),
    _edge("autocomplete_dotted_i_full", {"name": {"$autocomplete": "İST"}}, ["r04"]),
    _edge("autocomplete_eszett", {"name": {"$autocomplete": "STRASSE"}}, []),
    _edge("autocomplete_eszett_lower", {"name": {"$autocomplete": "STRAßE"}}, ["r06"]),
    _edge("autocomplete_combining", {"name": {"$autocomplete": "E\u0301"}}, ["r10"]),
    _edge("q_word", {"name": {"$q": "smith"}}, ["r01"]),
    _edge("q_all_words_any_order", {"name": {"$q": "SMITH, john"}}, ["r01"]),
    _edge("q_not_prefix", {"name": {"$q": "smi"}}, []),
    _edge("q_emoji_is_not_a_word", {"name": {"$q": "smile"}}, ["r09"]),
    _edge("q_combining_splits_words", {"name": {"$q": "cole"}}, ["r10"]),
    _edge("q_accented_word", {"name": {"$q": "école"}}, ["r10"]),
    _edge("q_dotted_i_word", {"name": {"$q": "İstanbul"}}, ["r04"]),
    _edge("integer_beyond_2_53", {"count": {"$gt": 2**53}}, ["r02"]),
    _edge("integer_float_operand", {"count": {"$gt": 2.5}}, ["r02", "r04", "r07", "r08", "r09", "r10"]),
    _edge("integer_float_eq_fraction", {"count": {"$eq": 1.5}}, []),
    _edge("integer_float_eq_whole", {"count": {"$in": [1.0, 42]}}, ["r01", "r10"]),
    _edge("number_int_operand_exact", {"score": {"$gte": 2**53}}, ["r02", "r06"]),
    _edge("number_eq_int_float", {"score": 7.0}, ["r07"]),
    _edge("boolean_eq", {"active": False}, ["r02", "r05", "r08"]),
    _edge("boolean_gt", {"active": {"$gt": False}}, ["r01", "r04", "r06", "r09", "r10"]),
    _edge("datetime_eq", {"created_at": "2024-01-01T01:00:00+01:00"}, ["r01", "r07"]),
    _edge("datetime_sub_micro_gte", {"created_at": {"$gte": "2024-02-29T12:30:45.1234561Z"}}, ["r04", "r06"]),
    _edge(
        "datetime_sub_micro_lt",
        {"created_at": {"$lt": "2024-02-29T12:30:45.1234561Z"}},
        ["r01", "r02", "r05", "r07", "r08", "r10"],
    ),
    _edge("datetime_sub_micro_eq", {"created_at": "2024-02-29T12:30:45.1234561Z"}, []),
    _edge("datetime_before_epoch", {"created_at": {"$lt": "1970-01-01T00:00:00Z"}}, ["r05"]),
    _edge("array_in", {"tags": {"$in": ["red", "x"]}}, ["r01", "r06", "r07"]),
    _edge("array_eq_case_sensitive", {"tags": "Red"}, ["r04"]),
    _edge("array_percent_literal", {"tags": {"$in": ["a_b", "a%b"]}}, ["r05"]),
    _edge("array_exists", {"tags": {"$exists": True}}, ["r01", "r04", "r05", "r06", "r07", "r09", "r10"]),
    _edge("array_not_exists", {"tags": {"$exists": False}}, ["r02", "r03", "r08"]),
    _edge("custom_number_1_eq_1_0", {"custom.n": 1}, ["r01", "r02"]),
    _edge("custom_string_1_not_number", {"custom.n": "1"}, ["r04"]),
    _edge("custom_true_not_1", {"custom.flag": True}, ["r01"]),
    _edge("custom_1_not_true", {"custom.flag": 1}, ["r02"]),
    _edge("custom_false", {"custom.flag": {"$lt": True}}, ["r04"]),
    _edge("custom_2_53_plus_1", {"custom.n": {"$gt": 2**53}}, ["r05"]),
    _edge("custom_number_range", {"custom.n": {"$gt": 0, "$lt": 1}}, ["r08"]),
    _edge("custom_string_range", {"custom.color": {"$gte": "a"}}, ["r01", "r06", "r07", "r08", "r09", "r10"]),
    _edge("custom_string_no_pad", {"custom.color": "a"}, []),
    _edge("custom_exists", {"custom.n": {"$exists": True}}, ["r01", "r02", "r04", "r05", "r06", "r08", "r09", "r10"]),
    _edge("custom_null_is_missing", {"custom.n": {"$exists": False}}, ["r03", "r07"]),
    _edge("custom_nested", {"custom.nested.a": "x"}, ["r01"]),
    _edge("custom_array_only_exists", {"custom.arr": {"$exists": True}}, ["r06"]),
    _edge("custom_array_index_is_a_key", {"custom.arr.0": {"$exists": True}}, []),
    _edge("custom_dash_key", {"custom.x-y": "ok"}, ["r09"]),
    _edge("custom_in_mixed", {"custom.n": {"$in": ["1", True, 2**53]}}, ["r04", "r06", "r10"]),
    _edge("custom_autocomplete_strings_only", {"custom.color": {"$autocomplete": "R"}}, ["r01", "r02"]),
    _edge("custom_q", {"custom.x-y": {"$q": "OK"}}, ["r09"]),
    _edge("or_and", {"$or": [{"count": 1}, {"$and": [{"active": True}, {"score": {"$lt": 0}}]}]}, ["r01", "r04"]),
    _edge(
        "sort_nulls_lowest_asc",
        {"id": {"$in": ["r03", "r01", "r09"]}},
        ["r03", "r09", "r01"],
        sort=[{"field": "created_at", "direction": 1}],
    ),
    _edge(
        "sort_nulls_lowest_desc",
        {"id": {"$in": ["r03", "r01", "r09"]}},
        ["r01", "r09", "r03"],
        sort=[{"field": "created_at", "direction": -1}],
    ),
    _edge(
        "sort_strings_code_point",
        {"name": {"$exists": True}},
        ["r05", "r01", "r02", "r08", "r07", "r10", "r06", "r04", "r09"],
        sort=[{"field": "name", "direction": 1}],
    ),
    _edge("sort_numbers_exact", {"count": {"$gte": 2**53}}, ["r04", "r02"], sort=[{"field": "count", "direction": 1}]),
]

_EDGE_CASES += [
    # Found by the differential test: big integers in `$in` on a JSON value
    # once bound as INTEGER on PostgreSQL.
    _edge("custom_in_big_integers", {"custom.n": {"$in": [0, 2**53 + 1, 2**62]}}, ["r05"]),
    _edge("custom_gt_big_integer", {"custom.n": {"$gte": 2**62}}, []),
]


CASES: tuple[Case, ...] = (
    *(Case(name, ALL_TYPES, ALL_ROWS, _by_id(f), _ids(ids)) for name, f, ids in _ALL_FILTERS),
    *(Case(name, ALL_TYPES, ALL_ROWS, request, _ids(ids)) for name, request, ids in _ALL_SORTS),
    *(Case(name, QUERY_CALLS, CALL_ROWS, request, ids) for name, request, ids in _CALLS),
    *(Case(name, QUERY_MEMBERS, MEMBER_ROWS, request, ids) for name, request, ids in _MEMBERS),
    *_EDGE_CASES,
)
