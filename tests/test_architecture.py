"""The package's imports run one way: no import cycle between modules, no private name across packages.

Read from the source with ``ast`` (imports inside functions count too: a lazy import is still a
dependency), so the test needs no import side effects and names the offending modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "storecast").rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> list[tuple[str, str]]:
    """(module imported, name) pairs; name is "" for ``import x`` and for modules imported by name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("storecast"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((sub, "") if sub in modules else (node.module, alias.name))
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names if alias.name.startswith("storecast")]
    return [(mod, name) for mod, name in found if mod in modules]


def _package(module: str) -> str:
    """The subpackage a module lives in (``storecast.api.routes.plan`` -> ``storecast.api``)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (SRC / Path(*parts)).is_dir() else "storecast"


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, list[str]]]:
    modules = _modules()
    out: dict[str, dict[str, list[str]]] = {}
    for name, path in modules.items():
        edges: dict[str, list[str]] = {}
        for target, imported in _imports(path, modules):
            if target != name:
                edges.setdefault(target, []).append(imported)
        out[name] = edges
    return out


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_modules(graph):
    edges = {name: set(targets) - {"storecast"} for name, targets in graph.items()}  # the lazy facade aside
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_is_imported_from_another_package(graph):
    crossing = [f"{name} imports {target}.{imported}"
                for name, targets in graph.items() for target, names in targets.items() for imported in names
                if imported.startswith("_") and not imported.startswith("__")
                and _package(name) != _package(target)]
    assert crossing == []


@pytest.mark.parametrize(("lower", "higher"), [
    ("storecast.models", "storecast.evaluation"),  # evaluation fits models, never the other way
    ("storecast.features", "storecast.models"),
    ("storecast.data", "storecast.features"),
    ("storecast.windows", "storecast.models"),
])
def test_a_lower_floor_never_imports_a_higher_one(graph, lower, higher):
    upward = [f"{name} imports {target}" for name, targets in graph.items() if name.startswith(lower)
              for target in targets if target.startswith(higher)]
    assert upward == []
