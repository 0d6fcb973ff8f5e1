"""The app's pages stay thin: short scripts that reach the library only through ``fairlens.ui``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("pages/data.py", "pages/fairness.py", "pages/equity.py", "pages/over_time.py")
MAX_LINES = 250


def _fairlens_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module if node.module != "fairlens" else f"fairlens.{a.name}"
                      for a in node.names}
    return {n for n in names if n.split(".")[0] == "fairlens"}


@pytest.mark.parametrize("page", [*PAGES, "app.py"])
def test_page_reaches_the_library_only_through_the_ui(page):
    outside = {n for n in _fairlens_imports(ROOT / page)
               if n != "fairlens.ui" and not n.startswith("fairlens.ui.")}
    assert not outside, f"{page} imports {sorted(outside)}; go through fairlens.ui"


ALL_PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
SHORTER = {"pages/label_errors.py": 200}
"""Pages with a tighter limit (the label-errors page once held its own paging and retries)."""


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_is_short(page):
    lines = len((ROOT / page).read_text(encoding="utf-8").splitlines())
    limit = SHORTER.get(page, MAX_LINES)
    assert lines < limit, f"{page} has {lines} lines (at most {limit - 1})"


def test_every_page_is_checked():
    assert len(ALL_PAGES) == 9 and set(PAGES) <= set(ALL_PAGES)
