"""NLU component that makes stroke escalation deterministic, whatever the trained classifier predicted.

It runs the rule-based red-flag detector on every user message after the intent classifiers. When the
detector finds a stroke sign, the intent becomes `report_stroke_signs` with confidence 1.0 and the signs are
added as `stroke_sign` entities, so the escalation rule fires even inside a form. When the trained classifier
predicts `report_stroke_signs` but the detector finds no sign, the message goes to the fallback instead, so
escalation is always explained by a detected sign. It also adds the configured
emergency number as an `emergency_number` entity on every message, which fills the slot that the emergency
responses interpolate; that way the number is right even when the action server is down.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from atrophy.red_flags import RedFlagDetector

logger = logging.getLogger(__name__)

EMERGENCY_NUMBER_ENV = "ATROPHY_EMERGENCY_NUMBER"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent": "report_stroke_signs",
            # 911 (US/Canada) by default; 999 (UK) and 112 (EU) are the documented alternatives.
            # The ATROPHY_EMERGENCY_NUMBER environment variable overrides it at run time, without retraining.
            "emergency_number": "911",
            "pipeline_path": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._detector = RedFlagDetector.load(config.get("pipeline_path"))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RedFlagClassifier":
        return cls(config)

    @property
    def emergency_number(self) -> str:
        return os.environ.get(EMERGENCY_NUMBER_ENV) or str(self._config["emergency_number"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        entities = list(message.get(ENTITIES) or [])
        entities.append(self._entity("emergency_number", self.emergency_number, text))
        assessment = self._detector.assess(text)
        intent_name = self._config["intent"]
        predicted = message.get(INTENT) or {}
        if assessment.escalate:
            logger.info("Red flag: %s", assessment.explain())
            entities += [self._entity("stroke_sign", f.sign, text, f.evidence) for f in assessment.findings]
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent_name]
            message.set(INTENT, {"name": intent_name, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent_name, "confidence": 1.0}, *ranking],
                        add_to_output=True)
        elif predicted.get("name") == intent_name:
            # The classifier alone is fooled by word overlap ("can't move my arm because it's in a cast");
            # the detector decides, and the fallback (which offers "When to get help") asks instead.
            logger.info("Classifier said %s but no stroke sign was found; asking to rephrase", intent_name)
            message.set(INTENT, {"name": "nlu_fallback", "confidence": 1.0}, add_to_output=True)
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _entity(name: str, value: str, text: str, evidence: str | None = None) -> Dict[Text, Any]:
        start = text.lower().find(evidence.lower()) if evidence else -1
        span = (start, start + len(evidence)) if start >= 0 else (0, 0)
        return {"entity": name, "value": value, "start": span[0], "end": span[1],
                "confidence_entity": 1.0, "extractor": "RedFlagClassifier"}
