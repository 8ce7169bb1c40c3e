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


# The floors, lowest first: a module may import from its own floor or a lower one, never a higher one.
# docs/architecture.md draws the same list; a new top-level module or package must be placed here.
FLOORS: list[tuple[str, ...]] = [
    ("schema", "errors", "config", "atomic", "dates", "holiday_calendar", "lookup", "windows", "card", "publish",
     "background", "long_lived", "model_imports"),  # ground: rules, files, threads and the collector
    ("data",),  # reading and checking the Kaggle files; the synthetic generator
    ("clean",),  # row filters and the cleaning transformers
    ("features",),  # the one preprocessing object
    ("models",),  # estimators: trees, conformal intervals, the LSTM; fitting, never saving
    ("artifacts", "predict", "evaluation", "weekly_totals"),  # model files, the one inference path, backtests
    ("train_run", "batch", "distributed", "workflow"),  # runs that fit and save, predict in chunks
    ("eda", "api", "web", "cli", "__main__", ""),  # the front doors ("" = the storecast package itself)
]


def _floor(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for level, names in enumerate(FLOORS):
        if top in names:
            return level
    raise AssertionError(f"{module} has no floor: add {top!r} to FLOORS (tests/test_architecture.py) "
                         "and to docs/architecture.md")


def test_every_module_has_a_floor(graph):
    for name in graph:
        _floor(name)


def _upward(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    return [f"{name} (floor {_floor(name)}) imports {target} (floor {_floor(target)})"
            for name, targets in graph.items() for target in targets
            if target != "storecast" and _floor(target) > _floor(name)]


def test_no_module_imports_from_a_higher_floor(graph):
    assert _upward(graph) == []


def test_the_floor_check_sees_an_upward_import():
    fitting_that_saves = {"storecast.models.training": {"storecast.artifacts": ["save_bundle"]},
                          "storecast.artifacts": {"storecast.models.trees": [""]}}
    assert _upward(fitting_that_saves) == [
        "storecast.models.training (floor 4) imports storecast.artifacts (floor 5)"]


def test_the_floors_in_the_docs_match_the_test():
    doc = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for level, names in enumerate(FLOORS):
        line = f"floor {level}: " + ", ".join(n or "storecast (package)" for n in names)
        assert line in doc, f"docs/architecture.md lacks the line {line!r}"


def test_every_module_over_300_lines_says_why_in_the_docs():
    doc = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    reasons = doc[doc.index("## Modules over 300 lines"):]
    long = [str(path.relative_to(SRC / "storecast")) for path in (SRC / "storecast").rglob("*.py")
            if len(path.read_text(encoding="utf-8").splitlines()) > 300]
    # a line of its own ("- `name`"): a name mentioned inside another module's reason gives no reason
    assert [name for name in long if f"- `{name}`" not in reasons] == []
