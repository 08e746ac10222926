"""The knowledge base: loading, idempotent reloading, lookups and synonyms, on SQLite (and PostgreSQL if present)."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from atrophy import knowledge, loader
from atrophy.db import session
from atrophy.models import CauseCategory, Condition, ConditionSynonym

NINE_CONDITIONS = {
    "rheumatoid_arthritis",
    "osteoarthritis",
    "multiple_sclerosis",
    "als",
    "guillain_barre",
    "diabetic_neuropathy",
    "spinal_cord_injury",
    "burns",
    "stroke",
}


def _counts(url):
    with session(url) as db:
        return tuple(
            db.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (CauseCategory, Condition, ConditionSynonym)
        )


def test_load_creates_every_cause_and_condition(db_url):
    slugs = [c.slug for c in knowledge.cause_categories()]
    assert slugs[:6] == ["disuse", "neurogenic", "nutritional", "alcohol", "ageing", "injury"]
    assert {c.slug for c in knowledge.conditions()} == NINE_CONDITIONS


def test_reload_is_idempotent(db_url):
    before = _counts(db_url)
    loader.load(db_url)
    loader.load(db_url)
    assert _counts(db_url) == before


def test_reload_applies_edits_and_removed_synonyms(db_url):
    content = copy.deepcopy(loader.read_content())
    als = next(c for c in content["conditions"] if c["slug"] == "als")
    als["synonyms"] = ["ALS"]
    als["description"] = "changed description."
    content["content_version"] += 1
    loader.load(db_url, content)
    assert knowledge.find_condition("Lou Gehrig's disease") is None
    assert knowledge.find_condition("ALS").description == "changed description."
    assert loader.loaded_version(db_url) == content["content_version"]


def test_ensure_loaded_rebuilds_a_missing_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'nested' / 'missing.db'}"
    monkeypatch.setenv("ATROPHY_DB_URL", url)
    assert loader.loaded_version(url) is None
    loader.ensure_loaded(url)
    assert knowledge.find_condition("ALS") is not None


@pytest.mark.parametrize(
    "asked, slug",
    [
        ("Lou Gehrig's disease", "als"),
        ("lou gehrigs disease", "als"),
        ("GBS", "guillain_barre"),
        ("Guillain-Barré syndrome", "guillain_barre"),
        ("guillan barre", "guillain_barre"),
        ("MS", "multiple_sclerosis"),
        ("RA", "rheumatoid_arthritis"),
        ("OA", "osteoarthritis"),
        ("Spinal cord injury", "spinal_cord_injury"),
        ("mini-stroke", "stroke"),
        ("Amyotrophic lateral sclerosis (ALS)", "als"),
    ],
)
def test_synonyms_find_the_condition(db_url, asked, slug):
    assert knowledge.find_condition(asked).slug == slug


@pytest.mark.parametrize("asked", ["", "cancer of the toe", "MSG", "flu"])
def test_unknown_names_find_nothing(db_url, asked):
    assert knowledge.find_condition(asked) is None


def test_conditions_are_linked_to_their_cause_categories(db_url):
    neurogenic = knowledge.cause_category("neurogenic")
    assert {
        "Multiple sclerosis",
        "Amyotrophic lateral sclerosis (ALS)",
        "Guillain-Barre syndrome",
        "Diabetic neuropathy",
    } <= set(neurogenic.condition_names)
    assert "Disuse atrophy" in knowledge.find_condition("RA").cause_names


def test_every_entry_names_its_source(db_url):
    assert all("HealthGrades" in c.source for c in knowledge.conditions())
    assert all(c.source for c in knowledge.cause_categories())
    assert "HealthGrades" in knowledge.topic("what_is_atrophy").source
