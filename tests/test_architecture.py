"""The import graph of ``fairlens/``, built from the source with :mod:`ast`.

Every ``import`` and ``from ... import`` statement counts, wherever it stands (module level,
inside a function, under ``if TYPE_CHECKING:``). An edge goes to the module that is imported:
``import a.b.c`` is an edge to ``a.b.c`` (a package stands for its ``__init__``), and
``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fairlens"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return _modules()[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of the module a ``from`` import names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> list[tuple[str, int]]:
    """``(imported module, line)`` for every import statement in ``module``."""
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append((sub if sub in _modules() else target, node.lineno))
    return out


@cache
def graph() -> dict[str, set[str]]:
    """Edges between the package's own modules."""
    known = _modules()
    return {m: {t for t, _ in imports_of(m) if t in known and t != m} for m in known}


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
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
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return cycles


def _path(module: str) -> str:
    return str(_modules()[module].relative_to(PACKAGE.parent))


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(target: str, allowed: tuple[str, ...]) -> list[str]:
    """``file:line`` of every import of ``target`` (or below) from outside ``allowed``."""
    found = []
    for module in _modules():
        if any(_inside(module, a) for a in allowed):
            continue
        for name, line in imports_of(module):
            if _inside(name, target):
                found.append(f"{_path(module)}:{line} imports {name}")
    return list(dict.fromkeys(found))


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    edges = graph()
    assert "fairlens.data" in edges["fairlens"]
    assert "fairlens.auditing._options" in edges["fairlens.auditing"]
    for module in _modules():
        assert all(not t.startswith(".") for t, _ in imports_of(module)), module


def test_the_cycle_finder_reports_every_module_of_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert find_cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycles():
    cycles = find_cycles(graph())
    assert not cycles, "import cycles:\n" + "\n".join(
        " <-> ".join(_path(m) for m in cycle) for cycle in cycles)


def test_only_the_cli_imports_the_cli():
    found = _violations("fairlens.cli", ("fairlens.cli",))
    assert not found, "\n".join(found)


def test_only_the_ui_imports_the_ui():
    found = _violations("fairlens.ui", ("fairlens.ui",))
    assert not found, "\n".join(found)


def test_only_the_ui_imports_streamlit():
    found = _violations("streamlit", ("fairlens.ui",))
    assert not found, "\n".join(found)
