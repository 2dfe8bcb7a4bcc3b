"""The shared benchmark corpus: representative requests, simple to nested, for both endpoints.

Every benchmark (parser, in-memory, SQL, Elasticsearch) times the same requests
so their figures can be read side by side. `tests/test_corpus.py` checks that
each one parses with its endpoint's schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUERY_CALLS = "query_calls"
QUERY_MEMBERS = "query_members"


@dataclass(frozen=True)
class CorpusRequest:
    name: str
    endpoint: str  # a key of stream_filters.schema.BUILTIN_SCHEMAS
    request: dict[str, Any]


_BIG_IN = [f"user-{i:03d}" for i in range(50)]

CORPUS: tuple[CorpusRequest, ...] = (
    CorpusRequest("calls_eq_shorthand", QUERY_CALLS, {"filter_conditions": {"type": "default"}}),
    CorpusRequest("calls_eq_explicit", QUERY_CALLS, {"filter_conditions": {"id": {"$eq": "call-1"}}}),
    CorpusRequest(
        "calls_in_string",
        QUERY_CALLS,
        {"filter_conditions": {"type": {"$in": ["default", "livestream", "audio_room"]}}},
    ),
    CorpusRequest(
        "calls_datetime_range",
        QUERY_CALLS,
        {
            "filter_conditions": {
                "created_at": {"$gte": "2024-01-01T00:00:00Z", "$lt": "2024-02-01T00:00:00.123456789+02:00"}
            }
        },
    ),
    CorpusRequest("calls_members_in", QUERY_CALLS, {"filter_conditions": {"members": {"$in": ["alice", "bob"]}}}),
    CorpusRequest("calls_boolean_eq", QUERY_CALLS, {"filter_conditions": {"ongoing": {"$eq": True}}}),
    CorpusRequest(
        "calls_or_of_two",
        QUERY_CALLS,
        {"filter_conditions": {"$or": [{"backstage": True}, {"created_by_user_id": "alice"}]}},
    ),
    CorpusRequest(
        "calls_nested_depth3",
        QUERY_CALLS,
        {
            "filter_conditions": {
                "$and": [
                    {"type": "livestream"},
                    {
                        "$or": [
                            {"ongoing": True},
                            {
                                "$and": [
                                    {"ended_at": {"$gte": "2024-03-01T12:00:00Z"}},
                                    {"members": {"$in": ["alice"]}},
                                ]
                            },
                        ]
                    },
                ]
            }
        },
    ),
    CorpusRequest(
        "calls_exists_true_false",
        QUERY_CALLS,
        {"filter_conditions": {"ended_at": {"$exists": False}, "starts_at": {"$exists": True}}},
    ),
    CorpusRequest(
        "calls_multi_operator_field",
        QUERY_CALLS,
        {"filter_conditions": {"id": {"$gt": "a", "$lte": "m", "$exists": True, "$in": ["b", "c", "d"]}}},
    ),
    CorpusRequest(
        "calls_sort_two_keys",
        QUERY_CALLS,
        {
            "filter_conditions": {"team": "blue"},
            "sort": [{"field": "type", "direction": 1}, {"field": "starts_at", "direction": -1}],
            "limit": 50,
        },
    ),
    CorpusRequest("calls_big_in_50", QUERY_CALLS, {"filter_conditions": {"created_by_user_id": {"$in": _BIG_IN}}}),
    CorpusRequest(
        "calls_everything",
        QUERY_CALLS,
        {
            "filter_conditions": {
                "type": {"$in": ["default", "livestream"]},
                "created_at": {"$gte": "2024-01-01T00:00:00Z"},
                "$or": [{"backstage": False}, {"members": {"$in": ["alice", "bob", "carol"]}}],
                "ended_at": {"$exists": False},
            },
            "sort": [{"field": "created_at", "direction": -1}],
            "limit": 25,
        },
    ),
    CorpusRequest("members_empty", QUERY_MEMBERS, {}),
    CorpusRequest("members_in", QUERY_MEMBERS, {"filter_conditions": {"user_id": {"$in": ["alice", "bob", "carol"]}}}),
    CorpusRequest("members_custom_eq", QUERY_MEMBERS, {"filter_conditions": {"custom.color": "red"}}),
    CorpusRequest(
        "members_custom_range",
        QUERY_MEMBERS,
        {"filter_conditions": {"custom.score": {"$gte": 10, "$lt": 99.5}}},
    ),
    CorpusRequest(
        "members_custom_in_mixed",
        QUERY_MEMBERS,
        {"filter_conditions": {"custom.profile.level": {"$in": ["gold", 3, True]}}},
    ),
    CorpusRequest(
        "members_custom_exists",
        QUERY_MEMBERS,
        {"filter_conditions": {"custom.tags": {"$exists": True}, "custom.banned": {"$exists": False}}},
    ),
    CorpusRequest(
        "members_nested_sorted",
        QUERY_MEMBERS,
        {
            "filter_conditions": {
                "$or": [
                    {"role": {"$in": ["admin", "moderator"]}},
                    {"$and": [{"custom.vip": True}, {"created_at": {"$lt": "2023-06-30 23:59:59.5-07:00"}}]},
                ]
            },
            "sort": [{"field": "updated_at", "direction": -1}, {"field": "user_id", "direction": 1}],
            "limit": 100,
        },
    ),
)
