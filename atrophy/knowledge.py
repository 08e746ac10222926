"""Read-only queries over the knowledge base, returning plain records that outlive the session."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from atrophy.db import session
from atrophy.models import CauseCategory, Condition, ConditionSynonym, Topic


@dataclass(frozen=True)
class TopicInfo:
    slug: str
    title: str
    body: str
    source: str


@dataclass(frozen=True)
class CategoryInfo:
    slug: str
    name: str
    summary: str
    details: str
    source: str
    condition_names: tuple[str, ...]
    condition_slugs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionInfo:
    slug: str
    name: str
    description: str
    mechanism: str
    symptoms: str
    seek_care: str
    source: str
    cause_names: tuple[str, ...]
    cause_slugs: tuple[str, ...] = ()


def normalize_name(text: str) -> str:
    """Fold case, accents, apostrophes and hyphens so "Lou Gehrig's" and "lou gehrigs" meet."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"['’`]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _category(row: CauseCategory) -> CategoryInfo:
    return CategoryInfo(
        row.slug,
        row.name,
        row.summary,
        row.details,
        row.source,
        tuple(c.name for c in row.conditions),
        tuple(c.slug for c in row.conditions),
    )


def _condition(row: Condition) -> ConditionInfo:
    return ConditionInfo(
        row.slug,
        row.name,
        row.description,
        row.mechanism,
        row.symptoms,
        row.seek_care,
        row.source,
        tuple(c.name for c in row.causes),
        tuple(c.slug for c in row.causes),
    )


def cause_categories() -> list[CategoryInfo]:
    with session() as db:
        rows = db.execute(
            select(CauseCategory).options(selectinload(CauseCategory.conditions)).order_by(CauseCategory.position)
        ).scalars()
        return [_category(r) for r in rows]


def cause_category(slug: str) -> CategoryInfo | None:
    with session() as db:
        row = db.execute(
            select(CauseCategory).options(selectinload(CauseCategory.conditions)).where(CauseCategory.slug == slug)
        ).scalar_one_or_none()
        return _category(row) if row else None


def find_cause(name: str) -> CategoryInfo | None:
    """Match a cause category by slug or name, with or without the word "atrophy" ("neurogenic", "Disuse atrophy")."""
    wanted = normalize_name(name or "")
    wanted = re.sub(r"\s*\b(muscle )?(atrophy|wasting)$", "", wanted).strip()
    if not wanted:
        return None
    for category in cause_categories():
        names = {normalize_name(category.slug.replace("_", " ")), normalize_name(category.name)}
        names |= {re.sub(r"\s*\b(atrophy|muscle disease)$", "", n).strip() for n in names}
        if wanted in names:
            return category
    return None


def conditions() -> list[ConditionInfo]:
    with session() as db:
        rows = db.execute(
            select(Condition).options(selectinload(Condition.causes)).order_by(Condition.position)
        ).scalars()
        return [_condition(r) for r in rows]


def find_condition(name: str) -> ConditionInfo | None:
    """Match a condition by any synonym; close misspellings ("guillan bare") match too."""
    wanted = normalize_name(name or "")
    if not wanted:
        return None
    with session() as db:
        synonyms = dict(db.execute(select(ConditionSynonym.normalized, ConditionSynonym.condition_id)).all())
        match = (
            wanted
            if wanted in synonyms
            else next(iter(difflib.get_close_matches(wanted, synonyms, n=1, cutoff=0.85)), None)
        )
        if match is None:
            return None
        row = db.execute(
            select(Condition).options(selectinload(Condition.causes)).where(Condition.id == synonyms[match])
        ).scalar_one()
        return _condition(row)


def topic(slug: str) -> TopicInfo | None:
    with session() as db:
        row = db.execute(select(Topic).where(Topic.slug == slug)).scalar_one_or_none()
        return TopicInfo(row.slug, row.title, row.body, row.source) if row else None
