"""The symptom check's pure logic: parsing answers and choosing the level of care and likely kinds of causes."""

from __future__ import annotations

import pytest

from atrophy import triage
from atrophy.triage import Answers, assess


@pytest.mark.parametrize(
    "text, onset",
    [
        ("suddenly", "sudden"),
        ("it came on all at once yesterday", "sudden"),
        ("gradually", "gradual"),
        ("slowly over the past year", "gradual"),
        ("over several months", "gradual"),
        ("purple", None),
    ],
)
def test_parse_onset(text, onset):
    assert triage.parse_onset(text) == onset


@pytest.mark.parametrize(
    "text, extent",
    [
        ("one muscle", "one_muscle"),
        ("just my thigh", "one_muscle"),
        ("a group of muscles", "muscle_group"),
        ("both legs", "muscle_group"),
        ("one side of the body", "one_side"),
        ("the right side of my body", "one_side"),
        ("the whole body", "whole_body"),
        ("all over", "whole_body"),
        ("no idea", None),
    ],
)
def test_parse_extent(text, extent):
    assert triage.parse_extent(text) == extent


def test_parse_symptoms_conditions_and_yes_no():
    assert triage.parse_symptoms("some numbness and tingling, and it hurts") == ["numbness", "pain"]
    assert triage.parse_symptoms("none of these") == ["none"]
    assert triage.parse_symptoms("hmm", "deny") == ["none"]
    assert triage.parse_symptoms("banana") is None
    assert triage.parse_conditions("type 2 diabetes") == ["diabetes"]
    assert set(triage.parse_conditions("I broke my leg and was in a cast")) == {"injury", "bed_rest"}
    assert triage.parse_conditions("none of these") == ["none"]
    assert triage.parse_yes_no("yes") is True and triage.parse_yes_no("no") is False
    assert triage.parse_yes_no("a bottle of wine most days") is None
    assert triage.parse_yes_no("anything", "affirm") is True and triage.parse_yes_no("yes", "deny") is False
    assert triage.parse_yes_no("I'm not being treated") is False


def test_gradual_without_warning_signs_is_a_routine_visit():
    result = assess(
        Answers(
            onset="gradual",
            extent="muscle_group",
            symptoms=("none",),
            conditions=("injury",),
            alcohol=False,
            treated=False,
        )
    )
    assert result.care == triage.ROUTINE
    assert result.categories == ["disuse", "injury"]


def test_being_treated_with_persisting_symptoms_needs_prompt_care():
    result = assess(Answers(onset="gradual", extent="one_muscle", treated=True))
    assert result.care == triage.PROMPT and "treated" in result.reasons[0]


@pytest.mark.parametrize(
    "answers", [Answers(onset="sudden", extent="one_muscle"), Answers(onset="gradual", extent="one_side")]
)
def test_sudden_or_one_sided_without_stroke_signs_needs_prompt_care(answers):
    assert assess(answers).care == triage.PROMPT


def test_sudden_and_one_sided_weakness_is_an_emergency():
    result = assess(Answers(onset="sudden", extent="one_side", symptoms=("numbness",), treated=False))
    assert result.care == triage.EMERGENCY and "stroke" in result.reasons[0]


def test_categories_follow_the_answers():
    assert assess(Answers(onset="gradual", symptoms=("numbness",), conditions=("diabetes",))).categories == [
        "neurogenic"
    ]
    assert assess(Answers(onset="gradual", extent="whole_body", alcohol=True)).categories == [
        "alcohol",
        "nutritional",
        "ageing",
    ]
    assert assess(Answers(onset="gradual", conditions=("steroids",))).categories == ["other"]
    assert assess(Answers(onset="gradual", extent="one_muscle", conditions=("none",))).categories == [
        "disuse",
        "ageing",
    ]
    assert assess(Answers(onset="sudden", extent="one_muscle")).categories == ["neurogenic"]
