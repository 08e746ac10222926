"""The NLU component that puts the red-flag decision, not DIET, in charge of escalation and the unsure tier."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from addons.red_flag_classifier import EMERGENCY_NUMBER_ENV, RedFlagClassifier
from atrophy.red_flags import default_detector
from atrophy.red_flags.decide import StrokeDecider, Thresholds


@pytest.fixture(scope="module")
def component():
    return RedFlagClassifier({**RedFlagClassifier.get_default_config()})


def parsed(component, text: str, intent: str, confidence: float) -> Message:
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": [],
        }
    )
    return component.process([message])[0]


def entities(message: Message, name: str) -> list[str]:
    return [e["value"] for e in message.get("entities") if e["entity"] == name]


@pytest.mark.parametrize("classifier_said", ["ask_causes", "nlu_fallback", "check_symptoms"])
def test_a_detected_sign_overrides_whatever_the_classifier_said(component, classifier_said):
    message = parsed(component, "my dad suddenly can't move his arm and his vision went blurry", classifier_said, 0.9)
    assert message.get("intent") == {"name": "report_stroke_signs", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "report_stroke_signs"
    assert {"paralysis", "vision"} <= set(entities(message, "stroke_sign"))


class FixedClassifier:
    def __init__(self, probability: float):
        self.p = probability

    def probability(self, text: str) -> float:
        return self.p


def with_classifier(probability: float) -> RedFlagClassifier:
    """The component with a stroke classifier that always answers `probability` (thresholds 0.6 / 0.2)."""
    component = RedFlagClassifier({**RedFlagClassifier.get_default_config()})
    component._decider = StrokeDecider(
        default_detector(), FixedClassifier(probability), Thresholds(escalate_at=0.6, unsure_at=0.2, veto_below=0.01)
    )
    return component


def test_diet_alone_cannot_escalate_and_a_ruled_out_stroke_goes_to_the_next_intent():
    message = Message(
        data={
            "text": "I can't move my arm because it's in a cast",
            "entities": [],
            "intent": {"name": "report_stroke_signs", "confidence": 0.6},
            "intent_ranking": [
                {"name": "report_stroke_signs", "confidence": 0.6},
                {"name": "ask_causes", "confidence": 0.3},
            ],
        }
    )
    message = with_classifier(0.01).process([message])[0]
    assert message.get("intent") == {"name": "ask_causes", "confidence": 0.3}
    assert entities(message, "stroke_sign") == []


def test_diet_saying_stroke_when_the_decision_is_not_sure_gives_the_unsure_tier_not_a_rephrase():
    message = parsed(with_classifier(0.3), "my arm is being weird", "report_stroke_signs", 0.97)
    assert message.get("intent") == {"name": "possible_stroke_signs", "confidence": 1.0}


def test_a_confident_stroke_classifier_escalates_without_a_rule():
    message = parsed(with_classifier(0.95), "grandad has gone strange on me all of a sudden", "greet", 0.4)
    assert message.get("intent") == {"name": "report_stroke_signs", "confidence": 1.0}
    assert entities(message, "stroke_sign") == ["reported_sign"]


def test_concepts_are_passed_on_for_the_dialogue_to_add_up(component):
    message = parsed(component, "it came on suddenly, only my right arm", "inform", 0.8)
    assert {"onset", "one_side"} <= set(entities(message, "stroke_concept"))


def test_other_predictions_pass_through(component):
    message = parsed(component, "what causes muscle atrophy?", "ask_causes", 0.95)
    assert message.get("intent") == {"name": "ask_causes", "confidence": 0.95}


def test_the_emergency_number_is_configurable_at_run_time(component, monkeypatch):
    assert entities(parsed(component, "hi", "greet", 0.9), "emergency_number") == ["911"]
    monkeypatch.setenv(EMERGENCY_NUMBER_ENV, "112")
    assert entities(parsed(component, "hi", "greet", 0.9), "emergency_number") == ["112"]
    assert entities(
        parsed(
            RedFlagClassifier({**RedFlagClassifier.get_default_config(), "emergency_number": "999"}), "hi", "greet", 0.9
        ),
        "emergency_number",
    ) == ["112"]
    monkeypatch.delenv(EMERGENCY_NUMBER_ENV)
    assert entities(
        parsed(
            RedFlagClassifier({**RedFlagClassifier.get_default_config(), "emergency_number": "999"}), "hi", "greet", 0.9
        ),
        "emergency_number",
    ) == ["999"]


def test_a_ruled_out_stroke_that_is_a_question_on_a_topic_gets_the_question_answered():
    """DIET heard "stroke" in a question about muscle loss; the decision says no: the question topic classifier's
    reading (its `question_topic` entity) answers, not DIET's next-best intent."""
    topic = {
        "entity": "question_topic",
        "value": "malnutrition",
        "label": "malnutrition",
        "label_confidence": 0.97,
        "start": 0,
        "end": 0,
    }
    message = Message(
        data={
            "text": "Why does the body break down muscle when you don't eat enough?",
            "entities": [topic],
            "intent": {"name": "report_stroke_signs", "confidence": 0.5},
            "intent_ranking": [
                {"name": "report_stroke_signs", "confidence": 0.5},
                {"name": "ask_prevention_treatment", "confidence": 0.25},
            ],
        }
    )
    message = with_classifier(0.01).process([message])[0]
    assert message.get("intent")["name"] == "ask_question"
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_question", "ask_prevention_treatment"]
    # not a question on a topic (the topic classifier's best label is `none`): DIET's next intent, as before
    message = Message(
        data={
            "text": "I can't move my arm because it's in a cast",
            "entities": [{**topic, "label": "none", "label_confidence": 0.9}],
            "intent": {"name": "report_stroke_signs", "confidence": 0.5},
            "intent_ranking": [
                {"name": "report_stroke_signs", "confidence": 0.5},
                {"name": "inform", "confidence": 0.3},
            ],
        }
    )
    assert with_classifier(0.01).process([message])[0].get("intent")["name"] == "inform"
