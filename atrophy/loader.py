"""Load data/knowledge/atrophy.yml into the SQL knowledge base: create the schema, then upsert by slug.

Run as `python -m atrophy.loader [--if-needed]`. Re-running changes nothing when the content is unchanged,
so it is safe at every start-up, and it works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from atrophy.db import database_url, engine_for, session
from atrophy.knowledge import normalize_name
from atrophy.models import Base, CauseCategory, Condition, ConditionSynonym, ContentVersion, Topic
from atrophy.settings import PROJECT_ROOT

CONTENT_PATH = PROJECT_ROOT / "data" / "knowledge" / "atrophy.yml"


def read_content(path: Path = CONTENT_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _upsert(db: Session, model: type, key: str, value: str, fields: dict[str, Any]) -> Any:
    row = db.execute(select(model).where(getattr(model, key) == value)).scalar_one_or_none()
    if row is None:
        row = model(**{key: value})
        db.add(row)
    for name, field_value in fields.items():
        if getattr(row, name) != field_value:
            setattr(row, name, field_value)
    return row


def _cite(content: dict[str, Any], entry: dict[str, Any]) -> str:
    """The entry's source line as stored: each source's short name (a Markdown link where it has an address, so
    the web page and Slack show it linked), then when the entry was last reviewed; `answers` merges these."""
    parts = []
    for key in entry["sources"]:
        source = content["sources"][key]
        parts.append(f"[{source['short']}]({source['url']})" if source.get("url") else source["short"])
    return "; ".join([*dict.fromkeys(parts), f"reviewed {entry['reviewed']}"])


def load(url: str | None = None, content: dict[str, Any] | None = None) -> int:
    """Create tables and upsert all content; returns the content version now in the database."""
    content = content or read_content()
    url = url or database_url()
    Base.metadata.create_all(engine_for(url))
    with session(url) as db, db.begin():
        for topic in content["topics"]:
            _upsert(
                db,
                Topic,
                "slug",
                topic["slug"],
                {
                    "title": topic["title"],
                    "body": topic["body"],
                    "source": _cite(content, topic),
                },
            )
        categories = {}
        for position, cat in enumerate(content["cause_categories"]):
            categories[cat["slug"]] = _upsert(
                db,
                CauseCategory,
                "slug",
                cat["slug"],
                {
                    "name": cat["name"],
                    "summary": cat["summary"],
                    "details": cat["details"],
                    "source": _cite(content, cat),
                    "position": position,
                },
            )
        for position, cond in enumerate(content["conditions"]):
            row = _upsert(
                db,
                Condition,
                "slug",
                cond["slug"],
                {
                    "name": cond["name"],
                    "description": cond["description"],
                    "mechanism": cond["mechanism"],
                    "symptoms": cond["symptoms"],
                    "seek_care": cond["seek_care"],
                    "source": _cite(content, cond),
                    "position": position,
                },
            )
            wanted_causes = [categories[slug] for slug in cond["causes"]]
            if list(row.causes) != wanted_causes:
                row.causes = wanted_causes
            wanted = {normalize_name(s): s for s in [cond["name"], *cond["synonyms"]]}
            have = {syn.normalized: syn for syn in row.synonyms}
            for norm in set(have) - set(wanted):
                row.synonyms.remove(have[norm])
            for norm in set(wanted) - set(have):
                row.synonyms.append(ConditionSynonym(synonym=wanted[norm], normalized=norm))
        _upsert(db, ContentVersion, "id", 1, {"version": content["content_version"]})
    return content["content_version"]


def loaded_version(url: str | None = None) -> int | None:
    """The content version in the database, or None when the schema or data is missing."""
    try:
        with session(url) as db:
            return db.execute(select(ContentVersion.version)).scalar_one_or_none()
    except Exception:  # missing file, missing table, unreachable server: all mean "not loaded"
        return None


def ensure_loaded(url: str | None = None) -> int:
    """Load only when the database lacks the current content version (cheap enough for every start-up)."""
    content = read_content()
    if loaded_version(url) == content["content_version"]:
        return content["content_version"]
    return load(url, content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-needed", action="store_true", help="skip when the current version is loaded")
    args = parser.parse_args(argv)
    version = ensure_loaded() if args.if_needed else load()
    print(f"knowledge base at {database_url()} holds content version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
