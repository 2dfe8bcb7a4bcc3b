"""The package's modules import one another without a cycle: each can be read
(and imported) after the modules it names, none calls back into a caller."""

from __future__ import annotations

import ast
from pathlib import Path

import stream_filters

PACKAGE = Path(stream_filters.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """Modules of the package that `path` imports, at the top or inside a
    function; not those under `if TYPE_CHECKING:`, which only type checkers read."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for statement in _statements(ast.parse(path.read_text())):
        if isinstance(statement, ast.Import):
            found.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            base = package
            for _ in range(statement.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{statement.module}" if statement.level and statement.module else base
            target = target if statement.level else (statement.module or "")
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in statement.names)
    return {name for name in found if name.startswith("stream_filters")}


def _statements(tree: ast.AST) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                out.append(child)
                out.extend(_statements(child))
            continue
        if isinstance(node, ast.stmt):
            out.append(node)
        out.extend(_statements(node))
    return out


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _runtime_imports(path) & set(paths) - {name} for name, path in paths.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return None


def _without_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's `__init__` re-exports its modules; a module importing a
    sibling through the package is no cycle of ideas, so packages are left out."""
    packages = {name for name in graph if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()}
    return {name: targets - packages for name, targets in graph.items() if name not in packages}


def test_modules_import_without_a_cycle() -> None:
    assert _cycle(_without_packages(_graph())) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_schema_parse_reaches_the_parser_without_importing_it() -> None:
    graph = _graph()
    assert "stream_filters.parser" in graph["stream_filters.schema"]
    assert "stream_filters.schema" not in graph["stream_filters.parser"]
    assert "stream_filters.schema" not in graph["stream_filters.query"]


# -- the Django backend without SQLAlchemy --------------------------------------------


def test_the_django_backend_runs_without_sqlalchemy() -> None:
    """The `[django]` extra has no SQLAlchemy: stream_filters.django imports
    only stream_filters.sqlcore of the SQL side, and compiles and pages
    (SQLite's Python functions included) with SQLAlchemy made unimportable
    (tests/django_orm/standalone.py, in a process of its own)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "tests.django_orm.standalone", ":memory:", "--no-sqlalchemy"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=PACKAGE.parent,
    )
    assert done.returncode == 0, done.stderr
    pages, _, modules = done.stdout.splitlines()
    # Titles by code point, descending: "alpha two", "Beta", "Alpha one", "ALPHA three". "Beta"
    # matches by its 2^64 + 1, which json_extract would read as the float 2^64 (sf_compare_numbers).
    assert pages == "[['c1', 'c2'], ['c0', 'c4']]"
    assert modules == "[]"
