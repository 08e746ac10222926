"""Custom actions: thin adapters between Rasa and the knowledge base / escalation log in `atrophy`."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from atrophy import answers, escalations, knowledge, loader, oncall

logger = logging.getLogger(__name__)

# Build or refresh the knowledge base when the action server starts, so a missing database is rebuilt.
try:
    loader.ensure_loaded()
except SQLAlchemyError:
    logger.exception("Knowledge base could not be loaded; answers will apologise until it is reachable")


def _latest_entity(tracker: Tracker, entity: str) -> str | None:
    return next(tracker.get_latest_entity_values(entity), None)


class KnowledgeAction(Action):
    """Base for actions that answer from the database and apologise clearly when it is unreachable."""

    def answer(self, tracker: Tracker) -> tuple[str, list[dict[str, Any]]]:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        try:
            text, events = self.answer(tracker)
        except SQLAlchemyError:
            logger.exception("Knowledge base query failed in %s", self.name())
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            return []
        dispatcher.utter_message(text=text)
        return events


class ActionExplainTopic(KnowledgeAction):
    """Answers the general questions, each stored as a topic in the knowledge base."""

    TOPIC_BY_INTENT = {
        "ask_what_is_atrophy": "what_is_atrophy",
        "ask_symptoms": "accompanying_symptoms",
        "ask_when_to_seek_care": "when_to_seek_care",
    }

    def name(self) -> str:
        return "action_explain_topic"

    def answer(self, tracker: Tracker) -> tuple[str, list[dict[str, Any]]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        slug = self.TOPIC_BY_INTENT.get(intent, "what_is_atrophy")
        return answers.topic_answer(knowledge.topic(slug)), []


class ActionListCauses(KnowledgeAction):
    def name(self) -> str:
        return "action_list_causes"

    def answer(self, tracker: Tracker) -> tuple[str, list[dict[str, Any]]]:
        return answers.causes_answer(knowledge.cause_categories()), []


class ActionExplainCondition(KnowledgeAction):
    def name(self) -> str:
        return "action_explain_condition"

    def answer(self, tracker: Tracker) -> tuple[str, list[dict[str, Any]]]:
        asked = _latest_entity(tracker, "condition") or tracker.get_slot("condition")
        found = knowledge.find_condition(asked) if asked else None
        if found is None:
            return answers.unknown_condition_answer(asked, knowledge.conditions()), []
        return answers.condition_answer(found), [SlotSet("condition", found.name)]


class ActionRecordEscalation(Action):
    """Writes the escalation down; the emergency message itself is a domain response sent before this runs."""

    def name(self) -> str:
        return "action_record_escalation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        signs = list(tracker.get_latest_entity_values("stroke_sign"))
        channel = tracker.get_latest_input_channel()
        text = tracker.latest_message.get("text") or ""
        try:
            row = escalations.record(tracker.sender_id, text, channel, signs)
            logger.warning("Emergency escalation %s recorded for %s (signs: %s)", row, tracker.sender_id, signs)
        except SQLAlchemyError:
            logger.exception("Emergency escalation for %s could not be recorded", tracker.sender_id)
        oncall.notify(tracker.sender_id, channel, signs, text)
        return []
