"""The SQL-backed rasa_sdk KnowledgeBase: object types, listing with filters, lookups by slug, name or synonym."""

from __future__ import annotations

import asyncio

import pytest

from actions.sql_knowledge_base import CAUSE, CONDITION, SQLKnowledgeBase


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def kb(db_url):
    return SQLKnowledgeBase()


def test_object_types_attributes_and_keys(kb):
    assert kb.get_object_types() == [CONDITION, CAUSE]
    assert {"description", "mechanism", "symptoms", "seek_care", "cause"} <= set(
        run(kb.get_attributes_of_object(CONDITION))
    )
    assert run(kb.get_key_attribute_of_object(CONDITION)) == "slug"
    represent = run(kb.get_representation_function_of_object(CAUSE))
    assert represent({"name": "Disuse atrophy"}) == "Disuse atrophy"
    assert run(kb.get_attributes_of_object("restaurant")) == []


def test_lists_every_object_in_curated_order(kb):
    causes = run(kb.get_objects(CAUSE, []))
    assert [c["slug"] for c in causes][:3] == ["disuse", "neurogenic", "nutritional"]
    assert len(run(kb.get_objects(CONDITION, []))) == 9


@pytest.mark.parametrize("value", ["neurogenic", "Neurogenic atrophy", "NEUROGENIC"])
def test_filters_conditions_by_cause(kb, value):
    names = [c["name"] for c in run(kb.get_objects(CONDITION, [{"name": "cause", "value": value}]))]
    assert names[:4] == [
        "Multiple sclerosis",
        "Amyotrophic lateral sclerosis (ALS)",
        "Guillain-Barre syndrome",
        "Diabetic neuropathy",
    ]
    assert "Osteoarthritis" not in names


def test_filters_causes_by_condition_and_unknown_filters_give_nothing(kb):
    assert [c["slug"] for c in run(kb.get_objects(CAUSE, [{"name": "condition", "value": "stroke"}]))] == [
        "neurogenic",
        "injury",
    ]
    assert run(kb.get_objects(CONDITION, [{"name": "cause", "value": "witchcraft"}])) == []
    assert run(kb.get_objects("restaurant", [])) == []


@pytest.mark.parametrize(
    "object_type, identifier, slug",
    [
        (CONDITION, "als", "als"),
        (CONDITION, "Lou Gehrig's disease", "als"),
        (CONDITION, "guillain_barre", "guillain_barre"),
        (CONDITION, "spinal_cord_injury", "spinal_cord_injury"),
        (CAUSE, "ageing", "ageing"),
        (CAUSE, "Disuse atrophy", "disuse"),
    ],
)
def test_get_object_by_slug_name_or_synonym(kb, object_type, identifier, slug):
    obj = run(kb.get_object(object_type, identifier))
    assert obj["slug"] == slug and obj["source"]


def test_get_object_unknown_or_wrong_type(kb):
    assert run(kb.get_object(CONDITION, "lupus")) is None
    assert run(kb.get_object(CAUSE, "als")) is None
    assert run(kb.get_object(CONDITION, "")) is None


def test_find_any_resolves_a_slug_of_either_type(kb):
    assert run(kb.find_any("neurogenic"))[0] == CAUSE
    object_type, obj = run(kb.find_any("multiple_sclerosis"))
    assert object_type == CONDITION and obj["cause"] == ["neurogenic"]
    assert run(kb.find_any("nothing like this")) is None
