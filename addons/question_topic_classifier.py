"""NLU component that reads a question for its topic, so questions in anyone's words reach their answer.

It runs the question topic classifier (`atrophy.questions.classifier`) after DIET and the fallback classifier,
and before the red-flag classifier (a stroke report always wins):
- every message gets a `question_topic` entity: the best topic, its probability and the runners-up (`ranking`),
  which `action_answer_question` reads;
- a question on a topic becomes the intent `ask_question` (answered by that one action): always when DIET called it
  one of its six question intents or `query_knowledge_base`, or did not understand it (the answer action answers
  the likely topic or offers the closest ones as buttons, better than "please rephrase"); from `guess_at` when DIET
  called it out of scope, or `check_symptoms` (a question about one's own muscle loss is answered first, and the
  check offered); from `take_over_at` whatever else DIET said (`stop`: "how do I stop my legs wasting";
  `bot_challenge`: "doctor or wait?").
  A symptom-check answer (`inform`) is only taken for a question when it is worded as one, and a stroke intent
  never (the red-flag classifier decides those).
- a follow-up or list request (`knowledge_base`: "the second one", "which conditions cause it?") becomes
  `query_knowledge_base`; anything else (`none`: greetings, yes, no, form answers) keeps DIET's intent.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from addons.message_component import MessageComponent
from atrophy.questions.catalogue import cued_subjects, mentioned_topics
from atrophy.questions.classifier import KNOWLEDGE_BASE, NONE, load_classifier, normalised, question_part

logger = logging.getLogger(__name__)

QUESTION_INTENTS = frozenset(
    {
        "ask_what_is_atrophy",
        "ask_causes",
        "ask_symptoms",
        "ask_when_to_seek_care",
        "ask_prevention_treatment",
        "ask_stroke_info",
    }
)
# Intents that give no answer (not understood, out of scope) or start the symptom check instead of answering:
# a likely topic beats them from `guess_at` (the check starts only when asked for: the classifier's `none`).
NON_ANSWERS = frozenset({"nlu_fallback", "out_of_scope", "check_symptoms"})
# Stroke intents are the red-flag classifier's alone (it runs after this component).
STROKE_INTENTS = frozenset({"report_stroke_signs", "possible_stroke_signs"})
_QUESTION_WORDING = re.compile(
    r"\?|^\s*(what|why|how|when|where|which|who|is|are|am|can|could|do|does|did|will|would|should|shall|has|have)\b",
    re.IGNORECASE,
)
# A question asked after a description, without a question mark ("legs gone skinny and they throb, does atrophy
# do that"): a question word or an auxiliary with its subject at the start of a later clause.
_LATER_QUESTION = re.compile(
    r"(?:[,;.!:]\s*|\b(?:and|but|so|or)\s+)(?:what|why|how|when|where|which|(?:is|are|can|could|do|does|did|will|would"
    r"|should|has|have)\s+(?:it|this|that|atrophy|wasting|i|he|she|they|we|you|my|his|her|the|muscle|muscles)\b)",
    re.IGNORECASE,
)


def worded_as_question(text: str) -> bool:
    return bool(_QUESTION_WORDING.search(text or "") or _LATER_QUESTION.search(text or ""))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionTopicClassifier(MessageComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent": "ask_question",
            "knowledge_base_intent": "query_knowledge_base",
            # A topic takes over DIET's intent from this probability (DIET's own question intents always go to it,
            # and "not understood" or "out of scope" from `guess_at`).
            "take_over_at": 0.5,
            "guess_at": 0.25,
            "classifier_path": None,  # build/questions/topic_classifier.joblib by default (`make build`)
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._classifier = load_classifier(*(p for p in [config.get("classifier_path")] if p))
        self._classifier.ranking("warming up")

    def process_message(self, message: Message) -> None:
        text = (message.get(TEXT) or "").strip()
        if not text or text.startswith("/"):
            return
        ranking = self._classifier.ranking(text)  # at most 1,500 characters (addons/input_limit.py)
        part = question_part(text)
        if part:  # a long message: its asking sentence alone, when that reads more clearly
            alone = self._classifier.ranking(part)
            ranking = alone if alone[0][1] > ranking[0][1] else ranking
        label, probability = ranking[0]
        topics = [(t, p) for t, p in ranking if t not in (NONE, KNOWLEDGE_BASE)]
        entities = list(message.get(ENTITIES) or [])
        entities.append(
            {
                "entity": "question_topic",
                "value": topics[0][0],
                "start": 0,
                "end": 0,
                "confidence_entity": round(topics[0][1], 4),
                "extractor": "QuestionTopicClassifier",
                "label": label,
                "label_confidence": round(probability, 4),
                "ranking": [[t, round(p, 4)] for t, p in topics[:3]],
                # subjects its everyday words point to ("after a broken ankle"), for the answer's second part
                "subjects": cued_subjects(normalised(text)),
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)
        predicted = (message.get(INTENT) or {}).get("name")
        if predicted == "nlu_fallback" and label == NONE and mentioned_topics(text):
            # Not understood, and not worded as a question, but it names a topic ("knee osteoarthritis, exercises").
            self._set_intent(message, self._config["intent"], topics[0][1])
            return
        if label == NONE or predicted in STROKE_INTENTS:
            return
        if predicted == "check_symptoms" and label != KNOWLEDGE_BASE and worded_as_question(text):
            # Answer first: a question about one's own muscle loss is answered (likely topic, or the closest
            # ones as buttons) and the answer offers the check; "can you check my symptoms?" is `none` above.
            self._set_intent(message, self._config["intent"], probability)
            return
        if label == KNOWLEDGE_BASE:
            if predicted in QUESTION_INTENTS or probability >= self._config["take_over_at"]:
                self._set_intent(message, self._config["knowledge_base_intent"], probability)
            return
        if predicted == "inform" and not worded_as_question(text):
            return
        if (
            predicted in QUESTION_INTENTS
            or predicted in ("query_knowledge_base", "nlu_fallback")
            or probability >= self._config["take_over_at"]
            or (predicted in NON_ANSWERS and probability >= self._config["guess_at"])
        ):
            self._set_intent(message, self._config["intent"], probability)

    @staticmethod
    def _set_intent(message: Message, name: str, confidence: float) -> None:
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
        message.set(INTENT, {"name": name, "confidence": max(confidence, 0.5)}, add_to_output=True)
        message.set(
            INTENT_RANKING_KEY, [{"name": name, "confidence": max(confidence, 0.5)}, *ranking], add_to_output=True
        )
