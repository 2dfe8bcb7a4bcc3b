from __future__ import annotations

from django.urls import path, re_path

from .views import QueryCallMembers, QueryCalls

urlpatterns = [
    path("calls/query", QueryCalls.as_view(), name="query-calls"),
    # A bounded cid, so that the scope built from it is always valid.
    re_path(r"^calls/(?P<cid>[A-Za-z0-9_:-]{1,128})/members/query$", QueryCallMembers.as_view(), name="query-members"),
]
