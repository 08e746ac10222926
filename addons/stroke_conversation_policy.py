"""Dialogue policy for stroke signs that only add up over several messages of one conversation.

A single message with a stroke sign is escalated by the NLU (`RedFlagClassifier` -> `report_stroke_signs`) and a
rule. What no single message shows, this policy sees in the conversation:
- a sign given in one message ("my arm feels weak") and a sudden onset in another ("it came on 10 minutes ago"):
  when the latest message says anything towards a stroke (`stroke_concept` entities), the user's recent messages
  are read together by the red-flag decision (`StrokeDecider.conversation_escalates`), explanations included;
- in the symptom check, a sudden onset and one side of the body (weakness is what the check is about);
- "yes" to the unsure tier's question "did it start suddenly, in the last hours?", in or out of the symptom check.
It then runs the same sequence as the escalation rule (alert, record, end the symptom check, "have you called?"),
with a priority above the RulePolicy so that it wins over the form. Otherwise it predicts nothing.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from atrophy.red_flags.decide import default_decider

ALERT = "utter_emergency"
UNSURE_QUESTION = "utter_possible_stroke"
AFTER_ALERT = ["action_record_escalation", "action_deactivate_loop", "utter_ask_help_called"]
STROKE_INTENTS = ("report_stroke_signs",)
FORM = "symptom_check_form"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class StrokeConversationPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Above the RulePolicy (6): an emergency found over several turns wins over the form's next question.
        return {"priority": 7, "user_turns": 6}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self._next_action(tracker)
        if action and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        # Rasa's ensemble lets "no user" predictions (the RulePolicy's form happy path) overrule all others, so an
        # emergency found inside the symptom check is one too; among them the higher priority (7 > 6) wins.
        return self._prediction(probabilities, is_no_user_prediction=action is not None)

    def _next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        turns = self._user_turns(tracker)
        if not turns:
            return None
        latest, done = turns[-1]
        if (latest.intent or {}).get("name") in STROKE_INTENTS:
            return None  # the escalation rule answers
        if ALERT in done:
            pending = [
                a for a in AFTER_ALERT if a not in done and (a != "action_deactivate_loop" or tracker.active_loop_name)
            ]
            return pending[0] if pending else "action_listen"
        if done and not (tracker.active_loop_name == FORM and self._form_adds_up(tracker, set())):
            return None  # (a button answer in the symptom check is only seen in its slots, after the form ran)
        return ALERT if self._adds_up(tracker, turns) else None

    def _user_turns(self, tracker: DialogueStateTracker) -> list[tuple[UserUttered, list[str]]]:
        """The user's recent messages since the last alert, each with the actions that followed it."""
        turns: list[tuple[UserUttered, list[str]]] = []
        for event in tracker.events:
            if isinstance(event, UserUttered):
                turns.append((event, []))
            elif isinstance(event, ActionExecuted) and turns and event.action_name != "action_listen":
                turns[-1][1].append(event.action_name)
        last_alert = max((i for i, (_, done) in enumerate(turns[:-1]) if ALERT in done), default=-1)
        return turns[last_alert + 1 :][-int(self.config["user_turns"]) :]

    @staticmethod
    def _concepts(message: UserUttered) -> set[str]:
        return {e.get("value") for e in message.entities or [] if e.get("entity") == "stroke_concept"}

    def _adds_up(self, tracker: DialogueStateTracker, turns: list[tuple[UserUttered, list[str]]]) -> bool:
        latest = turns[-1][0]
        asked = len(turns) > 1 and UNSURE_QUESTION in turns[-2][1]
        if asked and (latest.intent or {}).get("name") == "affirm":
            return True
        concepts = self._concepts(latest)
        if tracker.active_loop_name == FORM and self._form_adds_up(tracker, concepts):
            return True
        if not concepts:
            return False
        return default_decider().conversation_escalates([message.text or "" for message, _ in turns])

    @staticmethod
    def _form_adds_up(tracker: DialogueStateTracker, concepts: set[str]) -> bool:
        """In the symptom check (about weakness or muscle loss): a sudden onset and one side of the body."""
        onset = "onset" in concepts or tracker.get_slot("symptom_onset") == "sudden"
        one_side = "one_side" in concepts or tracker.get_slot("symptom_extent") == "one_side"
        return onset and one_side
