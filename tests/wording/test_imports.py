"""The wording and report packages import one way: no cycle, wording below the report.

Every import statement counts (module level, inside functions, under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import fairlens

ROOT = Path(fairlens.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return {name for name in out if name.startswith("fairlens")}


def graph(*packages: str) -> dict[str, set[str]]:
    modules = {module_name(p): p for pkg in packages for p in (ROOT / pkg).rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name}
            for name, path in modules.items()}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_cycle_in_report_and_wording():
    assert cycle(graph("report", "wording")) is None


def test_wording_is_below_the_report_ui_and_cli():
    for path in (ROOT / "wording").rglob("*.py"):
        bad = {m for m in imports_of(path)
               if m.startswith(("fairlens.report", "fairlens.ui", "fairlens.cli"))}
        assert not bad, (path.name, bad)


def test_the_report_has_no_formatter_of_its_own():
    names = {"num", "ci", "label", "missing", "integer", "table_metrics", "fidelity_words"}
    for path in (ROOT / "report").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assigned = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                    if isinstance(t, ast.Name)}
        assert not defined & names, (path.name, defined & names)
        assert not {"METRIC_LABELS", "MEASURE_LABELS"} & assigned, path.name
