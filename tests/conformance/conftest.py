"""The `backend` fixture: every conformance case runs once on each entry of
`tests.backends.BACKENDS`, and the summary line says how many ran."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS, KNOWN_GAPS, Backend
from tests.conformance.cases import CASES

_ran: dict[str, int] = {}
_NAMES = {b.name for b in BACKENDS}


@pytest.fixture(params=BACKENDS, ids=lambda b: b.name)
def backend(request: pytest.FixtureRequest) -> Backend:
    found: Backend = request.param
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "backend" not in callspec.params or "case" not in callspec.params:
            continue
        reason = KNOWN_GAPS.get((callspec.params["backend"].name, callspec.params["case"].name))
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "test_conformance.py::test_case[" in report.nodeid:
        ids = report.nodeid.rsplit("[", 1)[-1].rstrip("]").split("-")
        for name in _NAMES.intersection(ids):
            _ran[name] = _ran.get(name, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _ran:
        passed = ", ".join(f"{b.name} {_ran.get(b.name, 0)}" for b in BACKENDS)
        terminalreporter.write_line(
            f"conformance: {len(CASES)} cases × {len(BACKENDS)} backends (passed per backend: {passed})"
        )
