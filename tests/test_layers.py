"""The layers hold: the core (`atrophy/`) is plain Python that neither Rasa nor the project's Rasa adapters reach
into, so it can be tested, reused and read without them (docs in README's layout section)."""
from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "atrophy"
FORBIDDEN = ("rasa", "rasa_sdk", "addons", "actions", "sanic")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_the_core_imports_neither_rasa_nor_the_adapters():
    offenders = {str(path.relative_to(CORE.parent)): sorted(m for m in imported_modules(path)
                                                            if m.split(".")[0] in FORBIDDEN)
                 for path in sorted(CORE.rglob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 20   # the walk found the core's modules
