"""NLU component that puts the stroke red-flag decision above whatever the intent classifier predicted.

It runs the red-flag decision (`atrophy.red_flags.decide`: rules, then the trained stroke classifier) on every user
message after the intent classifiers:
- escalate: the intent becomes `report_stroke_signs` with confidence 1.0 and the signs are added as `stroke_sign`
  entities, so the escalation rule fires even inside a form;
- unsure: the intent becomes `possible_stroke_signs`, whose reply gives the number at once and asks whether it
  started suddenly. DIET predicting a stroke intent that the decision does not confirm is also unsure: a possible
  stroke never gets "I didn't understand";
- every message gets `stroke_concept` entities (signs mentioned, a sudden onset, one side) that
  `addons.stroke_conversation_policy` adds up over the conversation. It also adds the configured
emergency number as an `emergency_number` entity on every message, which fills the slot that the emergency
responses interpolate; that way the number is right even when the action server is down.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from addons import turn_gate
from addons.input_limit import full_text
from addons.message_component import MessageComponent
from atrophy import settings
from atrophy.red_flags.decide import ESCALATE, UNSURE, load_decider

logger = logging.getLogger(__name__)

EMERGENCY_NUMBER_ENV = settings.EMERGENCY_NUMBER


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagClassifier(MessageComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent": "report_stroke_signs",
            "unsure_intent": "possible_stroke_signs",
            # DIET said "stroke" and the decision says no: a question on a topic from this probability is answered.
            "question_intent": "ask_question",
            "question_from": 0.25,
            # 911 (US/Canada) by default; 999 (UK) and 112 (EU) are the documented alternatives.
            # The ATROPHY_EMERGENCY_NUMBER environment variable overrides it at run time, without retraining.
            "emergency_number": settings.DEFAULT_EMERGENCY_NUMBER,
            "pipeline_path": None,
            # build/red_flags/classifier.joblib by default (built by `make build`, not stored in the Rasa model)
            "classifier_path": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._decider = load_decider(config.get("classifier_path"), config.get("pipeline_path"))
        # Load the sentence encoder and trace its graph now, so the first person's message is not the slow one.
        self._decider.decide("warming up")
        turn_gate.decide_with(self._decider.decide)  # decided once per message, before its turn

    @property
    def emergency_number(self) -> str:
        return settings.emergency_number(default=str(self._config["emergency_number"]))

    def process_message(self, message: Message) -> None:
        text = full_text(message)  # all of it: the end of a long message may be the stroke report
        entities = list(message.get(ENTITIES) or [])
        entities.append(self._entity("emergency_number", self.emergency_number, text))
        decision = turn_gate.decided(text)
        if decision is None:  # not through a processor's turn (rasa test, /model/parse), or the text changed
            decision = self._decider.decide(text)
        entities += [self._entity("stroke_concept", concept, text) for concept in sorted(decision.concepts)]
        intent_name, unsure_name = self._config["intent"], self._config["unsure_intent"]
        predicted = (message.get(INTENT) or {}).get("name")
        if decision.level == ESCALATE:
            logger.info("Red flag: %s", decision.summary())
            signs = [(f.sign, f.evidence) for f in decision.findings] or [("reported_sign", None)]
            entities += [self._entity("stroke_sign", sign, text, evidence) for sign, evidence in signs]
            self._set_intent(message, intent_name)
        elif decision.level == UNSURE or (predicted in (intent_name, unsure_name) and decision.probability is None):
            logger.info(
                "Possible stroke, asking about the onset: %s (intent classifier: %s)", decision.summary(), predicted
            )
            self._set_intent(message, unsure_name)
        elif predicted in (intent_name, unsure_name):
            # The stroke classifier, trained on near misses, overrules word overlap ("can't move my arm, it's in a
            # cast"): a question gets its topic's answer (the question topic classifier left stroke intents alone),
            # anything else the next intent of the ranking.
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in (intent_name, unsure_name)
            ]
            question = self._question_intent(entities)
            if question:
                ranking = [question, *(r for r in ranking if r.get("name") != question["name"])]
            message.set(
                INTENT, ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 1.0}, add_to_output=True
            )
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(ENTITIES, entities, add_to_output=True)

    def _question_intent(self, entities: List[Dict[Text, Any]]) -> Dict[Text, Any] | None:
        """The question intent when the question topic classifier read a question on a topic (its `label` is a
        topic, not `none` or a follow-up) with at least `question_from` probability."""
        for entity in entities:
            if (
                entity.get("entity") == "question_topic"
                and entity.get("label") == entity.get("value")
                and float(entity.get("label_confidence") or 0) >= self._config["question_from"]
            ):
                return {"name": self._config["question_intent"], "confidence": float(entity["label_confidence"])}
        return None

    @staticmethod
    def _set_intent(message: Message, name: str) -> None:
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
        message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": 1.0}, *ranking], add_to_output=True)

    @staticmethod
    def _entity(name: str, value: str, text: str, evidence: str | None = None) -> Dict[Text, Any]:
        start = text.lower().find(evidence.lower()) if evidence else -1
        span = (start, start + len(evidence)) if start >= 0 else (0, 0)
        return {
            "entity": name,
            "value": value,
            "start": span[0],
            "end": span[1],
            "confidence_entity": 1.0,
            "extractor": "RedFlagClassifier",
        }
