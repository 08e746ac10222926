"""The dialogue policy that adds stroke signs up over several messages, on Rasa trackers (no server)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.stroke_conversation_policy import StrokeConversationPolicy
from tests.support.paths import ROOT

DOMAIN = Domain.load(ROOT / "domain.yml")


@pytest.fixture(scope="module")
def policy():
    config = StrokeConversationPolicy.get_default_config()
    return StrokeConversationPolicy(config, None, None, SimpleNamespace(is_finetuning=False))


def user(text: str, intent: str = "inform", concepts: tuple[str, ...] = ()) -> UserUttered:
    entities = [{"entity": "stroke_concept", "value": c, "start": 0, "end": 0} for c in concepts]
    return UserUttered(text, {"name": intent, "confidence": 1.0}, entities)


def predicted(policy, events) -> str | None:
    tracker = DialogueStateTracker.from_events("t", [ActionExecuted("action_listen"), *events], DOMAIN.slots)
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if prediction.probabilities[best] > 0 else None


def test_a_sign_then_a_sudden_onset_escalates(policy):
    events = [
        user("my right arm feels weak", concepts=("weakness_numbness",)),
        ActionExecuted("utter_default"),
        ActionExecuted("action_listen"),
        user("it came on ten minutes ago", concepts=("onset",)),
    ]
    assert predicted(policy, events) == "utter_emergency"


def test_the_sequence_after_the_alert_matches_the_escalation_rule(policy):
    events = [
        user("weak arm", concepts=("weakness_numbness",)),
        ActionExecuted("action_listen"),
        user("suddenly", concepts=("onset",)),
        ActionExecuted("utter_emergency"),
    ]
    assert predicted(policy, events) == "action_record_escalation"
    events.append(ActionExecuted("action_record_escalation"))
    assert predicted(policy, events) == "utter_ask_help_called"
    events.append(ActionExecuted("utter_ask_help_called"))
    assert predicted(policy, events) == "action_listen"


def test_an_onset_alone_or_a_sign_alone_predicts_nothing(policy):
    assert predicted(policy, [user("it started an hour ago", concepts=("onset",))]) is None
    assert predicted(policy, [user("my hand is numb", concepts=("weakness_numbness",))]) is None


def test_a_message_without_concepts_does_not_reuse_old_ones(policy):
    events = [
        user("weak arm", concepts=("weakness_numbness", "onset")),
        ActionExecuted("utter_default"),
        ActionExecuted("action_listen"),
        user("what is ALS?", intent="query_knowledge_base"),
    ]
    assert predicted(policy, events) is None


def test_the_escalation_rule_keeps_single_message_emergencies(policy):
    assert (
        predicted(policy, [user("face drooping", intent="report_stroke_signs", concepts=("face_droop", "onset"))])
        is None
    )


def test_yes_to_the_unsure_question_escalates(policy):
    events = [
        user("my dad seems off", intent="possible_stroke_signs"),
        ActionExecuted("utter_possible_stroke"),
        ActionExecuted("action_listen"),
        user("/affirm", intent="affirm"),
    ]
    assert predicted(policy, events) == "utter_emergency"


def test_sudden_and_one_sided_in_the_symptom_check_escalates_and_ends_it(policy):
    events = [
        ActiveLoop("symptom_check_form"),
        SlotSet("symptom_onset", "sudden"),
        user("only on one side", concepts=("one_side",)),
    ]
    assert predicted(policy, events) == "utter_emergency"
    events += [ActionExecuted("utter_emergency"), ActionExecuted("action_record_escalation")]
    assert predicted(policy, events) == "action_deactivate_loop"


def test_a_button_answer_in_the_symptom_check_is_seen_in_its_slots(policy):
    events = [
        ActiveLoop("symptom_check_form"),
        SlotSet("symptom_onset", "sudden"),
        user("/inform"),
        ActionExecuted("symptom_check_form"),
        SlotSet("symptom_extent", "one_side"),
    ]
    assert predicted(policy, events) == "utter_emergency"
