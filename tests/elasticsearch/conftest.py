"""The engines the Elasticsearch suites run on, and a summary of the emulator runs.

`engine` is parametrised: `evaluator` (the documented-semantics model in
evaluator.py) and `osmem` (the osmem-server emulator, emulator.py, started
once per session on 127.0.0.1 on a free port). Each has
`indexed(schema, rows)`: a context manager giving (a client for `paginate`
that records the bodies it was sent, the index name).

At the end of a run the terminal summary says how many tests ran on the
emulator, per module and outcome, so the CI log shows them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.elasticsearch.emulator import Emulator
from tests.elasticsearch.harness import EvaluatorEngine

_on_emulator: set[str] = set()
_outcomes: Counter[tuple[str, str]] = Counter()
_started: list[Emulator] = []


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """osmem-server on 127.0.0.1:<free port>, for the whole session; stopped at its end."""
    server = Emulator.start()
    _started.append(server)
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["evaluator", "osmem"])
def engine(request: pytest.FixtureRequest) -> Any:
    if request.param == "osmem":
        return request.getfixturevalue("emulator")
    return EvaluatorEngine()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator: the test runs on osmem-server (counted in the summary)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(item, "callspec", None)
        engine = params.params.get("engine") if params is not None else None
        named = "emulator" in getattr(item, "fixturenames", ()) or item.get_closest_marker("emulator") is not None
        if engine == "osmem" or (engine is None and named):
            _on_emulator.add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in _on_emulator:
        return
    if report.when == "call" or report.outcome != "passed":
        _outcomes[(Path(report.nodeid.split("::")[0]).name, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _outcomes:
        return
    version = f"OpenSearch {_started[0].version} API" if _started else "not started"
    terminalreporter.section(f"Elasticsearch suites on osmem-server ({version}, bleve, not Lucene)")
    for module in sorted({module for module, _ in _outcomes}):
        counts = ", ".join(f"{n} {outcome}" for (m, outcome), n in sorted(_outcomes.items()) if m == module)
        terminalreporter.write_line(f"{module}: {counts}")
