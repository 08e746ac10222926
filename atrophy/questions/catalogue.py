"""The topics a question can be about (data/questions/topics.yml) and the names people use for them.

A name is matched tolerantly, with rapidfuzz, so that "guillan bare", "rheumatiod arthritis" or "Lou Gehrigs" find
their topic before a knowledge-base lookup can fail, and a question nothing matches can be offered the closest
topics instead of "I don't know that word".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

REPO_ROOT = Path(__file__).resolve().parents[2]
TOPICS_PATH = REPO_ROOT / "data" / "questions" / "topics.yml"
CONTENT_PATH = REPO_ROOT / "data" / "knowledge" / "atrophy.yml"
SUBJECT_CUES_PATH = REPO_ROOT / "data" / "questions" / "subject_cues.yml"
# A name matches a topic at this rapidfuzz ratio (0-100) or above: one or two typos in a name of 6+ letters.
NAME_MATCH_SCORE = 86


@dataclass(frozen=True)
class Topic:
    slug: str
    answer: dict  # {"topic": slug} | {"category": slug} | {"condition": slug} | {"causes": "all"}
    button: str
    expect_any: tuple[str, ...]
    names: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def topics() -> dict[str, Topic]:
    data = yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8"))["topics"]
    content = yaml.safe_load(CONTENT_PATH.read_text(encoding="utf-8"))
    synonyms = {c["slug"]: [c["name"], *c.get("synonyms", [])] for c in content["conditions"]}
    out = {}
    for slug, spec in data.items():
        names = list(spec.get("names") or [])
        if "condition" in spec["answer"]:
            names += synonyms[spec["answer"]["condition"]]
        out[slug] = Topic(slug, spec["answer"], spec["button"], tuple(spec["expect_any"]), tuple(dict.fromkeys(names)))
    return out


@functools.lru_cache(maxsize=1)
def _name_index() -> tuple[list[str], list[str]]:
    names, slugs = [], []
    for topic in topics().values():
        for name in topic.names:
            names.append(utils.default_process(name))
            slugs.append(topic.slug)
    return names, slugs


def match_name(text: str | None, score_cutoff: int = NAME_MATCH_SCORE) -> str | None:
    """The topic a name ("guillan barre", "RA", "sarcopenia") stands for, or None."""
    wanted = utils.default_process(text or "")
    if not wanted:
        return None
    names, slugs = _name_index()
    if wanted in names:
        return slugs[names.index(wanted)]
    if len(wanted) < 4:  # short names (RA, MS, OA) only match exactly
        return None
    best = process.extractOne(wanted, names, scorer=fuzz.ratio, score_cutoff=score_cutoff, processor=None)
    return slugs[best[2]] if best else None


def mentioned_topics(text: str, limit: int = 3, score_cutoff: int = 90) -> list[str]:
    """Topics whose names appear in a message, allowing typos (partial matching over the whole message)."""
    wanted = utils.default_process(text or "")
    names, slugs = _name_index()
    found: dict[str, float] = {}
    for name, score, index in process.extract(
        wanted, names, scorer=fuzz.partial_ratio, limit=None, score_cutoff=score_cutoff, processor=None
    ):
        if len(name) >= 5 or f" {name} " in f" {wanted} ":
            found[slugs[index]] = max(found.get(slugs[index], 0), score + len(name) / 100)
    return sorted(found, key=found.get, reverse=True)[:limit]


@functools.lru_cache(maxsize=1)
def _cues() -> dict[str, re.Pattern]:
    data = yaml.safe_load(SUBJECT_CUES_PATH.read_text(encoding="utf-8"))
    return {
        slug: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        for section in ("cues", "aspect_cues")
        for slug, patterns in (data.get(section) or {}).items()
    }


def cued_subjects(text: str) -> list[str]:
    """Subjects that everyday words in a message point to without naming them ("after a broken ankle": injury;
    "in his 80s": ageing), and aspects it asks about in passing ("is the ache from the wasting?": pain), in the order
    they appear (data/questions/subject_cues.yml)."""
    found = [(m.start(), slug) for slug, cue in _cues().items() for m in [cue.search(text or "")] if m]
    return [slug for _, slug in sorted(found)]
