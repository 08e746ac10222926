"""Check the knowledge base content for review dates: fail when an entry is past its review date, list those due soon.

`make content-check` runs it (failing past due); `make test` runs it with `--list-only`, so every test run lists
the entries due for review within 90 days (and any past due) without failing on the calendar. Entries are in
data/knowledge/atrophy.yml; each records `reviewed` and `review_due`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import yaml

CONTENT = Path(__file__).resolve().parents[1] / "data" / "knowledge" / "atrophy.yml"
SECTIONS = ("topics", "cause_categories", "conditions")


def entries(content: dict) -> list[dict]:
    return [{**e, "section": s} for s in SECTIONS for e in content.get(s) or []]


def problems(content: dict, today: dt.date) -> list[str]:
    """Past-due entries, and entries whose dates or sources are missing or unknown."""
    out = []
    for e in entries(content):
        name = f"{e['section']}/{e['slug']}"
        due, reviewed = e.get("review_due"), e.get("reviewed")
        if not isinstance(due, dt.date) or not isinstance(reviewed, dt.date):
            out.append(f"{name}: needs `reviewed` and `review_due` dates")
        elif due < today:
            out.append(f"{name}: review was due on {due} (last reviewed {reviewed})")
        for key in e.get("sources") or [None]:
            source = (content.get("sources") or {}).get(key)
            if not source or not source.get("title") or not source.get("short"):
                out.append(f"{name}: source {key!r} needs a title and a short name")
            elif source.get("url") and not str(source["url"]).startswith("https://"):
                out.append(f"{name}: source {key!r} address must be https")
    return out


def due_within(content: dict, today: dt.date, days: int) -> list[tuple[dt.date, str]]:
    limit = today + dt.timedelta(days=days)
    return sorted(
        (e["review_due"], f"{e['section']}/{e['slug']}")
        for e in entries(content)
        if isinstance(e.get("review_due"), dt.date) and today <= e["review_due"] <= limit
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=CONTENT)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--days", type=int, default=90, help="list entries due within this many days")
    parser.add_argument(
        "--list-only", action="store_true", help="list what is due or wrong without failing (what `make test` shows)"
    )
    args = parser.parse_args(argv)
    content = yaml.safe_load(args.content.read_text(encoding="utf-8"))
    soon = due_within(content, args.today, args.days)
    print(f"{len(entries(content))} knowledge entries; due for review within {args.days} days: {len(soon)}")
    for due, name in soon:
        print(f"  {name}: due {due}")
    found = problems(content, args.today)
    for problem in found:
        print(f"FAIL {problem}")
    return 1 if found and not args.list_only else 0


if __name__ == "__main__":
    sys.exit(main())
