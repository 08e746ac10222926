"""The layers hold: the core (`atrophy/`) is plain Python that neither Rasa nor the project's Rasa adapters reach
into, so it can be tested, reused and read without them, and its tests (`tests/unit/`) need no Rasa either
(docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT

CORE = ROOT / "atrophy"
FORBIDDEN = ("rasa", "rasa_sdk", "addons", "actions", "sanic")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def offenders(folder: Path) -> dict[str, list[str]]:
    found = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN)
        for path in sorted(folder.rglob("*.py"))
    }
    assert len(found) > 10  # the walk found the folder's modules
    return {k: v for k, v in found.items() if v}


def test_the_core_imports_neither_rasa_nor_the_adapters():
    assert offenders(CORE) == {}


def test_the_unit_tests_need_no_rasa():
    assert offenders(ROOT / "tests" / "unit") == {}
