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

_WITHOUT_SQLALCHEMY = r'''
import sys


class NoSqlAlchemy:
    """Makes SQLAlchemy unimportable, as in a Django project that never installed it."""

    def find_spec(self, name, path=None, target=None):
        if name == "sqlalchemy" or name.startswith("sqlalchemy."):
            raise ImportError(f"{name} is blocked")
        return None


sys.meta_path.insert(0, NoSqlAlchemy())

import django
from django.conf import settings

settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()

from django.db import connection, models

from stream_filters import Field, FieldType, Op, Schema, SortKey
from stream_filters.schema import COMPARE_OPS
from stream_filters.django import map_model, paginate


class Call(models.Model):
    cid = models.CharField(max_length=20, primary_key=True)
    title = models.CharField(max_length=50, null=True)
    custom = models.JSONField(null=True)

    class Meta:
        app_label = "sf_no_sqlalchemy"


with connection.schema_editor() as editor:
    editor.create_model(Call)
titles = ["Alpha one", "alpha two", "Beta", None, "ALPHA three"]
Call.objects.bulk_create(
    Call(cid=f"c{i}", title=t, custom={"n": [2**64 + 1, 7, 2**63, -(2**63) - 1, 0.5][i]}) for i, t in enumerate(titles)
)
schema = Schema(
    name="calls",
    fields=(
        Field("cid", FieldType.STRING, COMPARE_OPS, sortable=True),
        Field("title", FieldType.STRING, COMPARE_OPS | {Op.AUTOCOMPLETE}, sortable=True),
        Field("custom", FieldType.CUSTOM, COMPARE_OPS),
    ),
    tie_breaker="cid",
    default_sort=(SortKey("cid", 1),),
)
mapping = map_model(schema, Call)
pages, body = [], {
    "filter_conditions": {"$or": [{"title": {"$autocomplete": "alph"}}, {"custom.n": {"$gt": float(2**63)}}]},
    "sort": [{"field": "title", "direction": -1}],
    "limit": 2,
}
while True:
    page = paginate(schema.parse(body), Call.objects.all(), mapping)
    pages.append([c.cid for c in page.items])
    if page.next is None:
        break
    body = {**body, "next": page.next}
print(pages)
print(sorted(m for m in sys.modules if m.split(".")[0] == "sqlalchemy"))
'''


def test_the_django_backend_runs_without_sqlalchemy() -> None:
    """The `[django]` extra has no SQLAlchemy: stream_filters.django imports
    only stream_filters.sqlcore of the SQL side, and compiles and pages
    (SQLite's Python functions included) with SQLAlchemy made unimportable."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_SQLALCHEMY], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    pages, modules = done.stdout.splitlines()
    # Titles by code point, descending: "alpha two", "Alpha one", "ALPHA three"; c0 has title
    # "Alpha one" and 2^64 + 1 > 2^63 too; c2's 2^63 is not above the float 2^63.
    assert pages == "[['c1', 'c0'], ['c4']]"
    assert modules == "[]"
