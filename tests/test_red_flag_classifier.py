"""The NLU component that makes the detector, not the trained classifier, decide about escalation."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from addons.red_flag_classifier import EMERGENCY_NUMBER_ENV, RedFlagClassifier


@pytest.fixture(scope="module")
def component():
    return RedFlagClassifier({**RedFlagClassifier.get_default_config()})


def parsed(component, text: str, intent: str, confidence: float) -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": []})
    return component.process([message])[0]


def entities(message: Message, name: str) -> list[str]:
    return [e["value"] for e in message.get("entities") if e["entity"] == name]


@pytest.mark.parametrize("classifier_said", ["ask_causes", "nlu_fallback", "check_symptoms"])
def test_a_detected_sign_overrides_whatever_the_classifier_said(component, classifier_said):
    message = parsed(component, "my dad suddenly can't move his arm and his vision went blurry", classifier_said, 0.9)
    assert message.get("intent") == {"name": "report_stroke_signs", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "report_stroke_signs"
    assert {"paralysis", "vision"} <= set(entities(message, "stroke_sign"))


def test_the_classifier_alone_cannot_escalate(component):
    message = parsed(component, "I can't move my arm because it's in a cast", "report_stroke_signs", 0.97)
    assert message.get("intent")["name"] == "nlu_fallback"
    assert entities(message, "stroke_sign") == []


def test_other_predictions_pass_through(component):
    message = parsed(component, "what causes muscle atrophy?", "ask_causes", 0.95)
    assert message.get("intent") == {"name": "ask_causes", "confidence": 0.95}


def test_the_emergency_number_is_configurable_at_run_time(component, monkeypatch):
    assert entities(parsed(component, "hi", "greet", 0.9), "emergency_number") == ["911"]
    monkeypatch.setenv(EMERGENCY_NUMBER_ENV, "112")
    assert entities(parsed(component, "hi", "greet", 0.9), "emergency_number") == ["112"]
    assert entities(parsed(RedFlagClassifier({**RedFlagClassifier.get_default_config(), "emergency_number": "999"}),
                           "hi", "greet", 0.9), "emergency_number") == ["112"]
    monkeypatch.delenv(EMERGENCY_NUMBER_ENV)
    assert entities(parsed(RedFlagClassifier({**RedFlagClassifier.get_default_config(), "emergency_number": "999"}),
                           "hi", "greet", 0.9), "emergency_number") == ["999"]
