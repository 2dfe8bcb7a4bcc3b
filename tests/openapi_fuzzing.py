"""What the example apps' schemathesis tests share: the bound and the checks."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

# Bounded so CI stays quick; generation only: schemathesis' coverage phase (with
# the explicit phase) does not finish on a request schema of 11 filter levels.
BOUNDED = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # what the document rejects, the app refuses: "never stricter", from outside
]
