"""Replace the text between two HTML comment markers of README.md: how `make red-flag-figures` and
`make question-figures` keep their tables current without touching the rest of the file."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def write_block(name: str, text: str, readme: Path = README) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    content = readme.read_text(encoding="utf-8")
    if start not in content:
        raise SystemExit(f"README.md has no {start} ... {end} block")
    head, rest = content.split(start, 1)
    readme.write_text(head + start + "\n" + text + "\n" + end + rest.split(end, 1)[1], encoding="utf-8")
