"""Custom actions: thin adapters between Rasa and the knowledge base / escalation log in `atrophy`."""

from __future__ import annotations

import abc
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker, utils
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.knowledge_base.actions import ActionQueryKnowledgeBase
from rasa_sdk.knowledge_base.utils import (
    SLOT_ATTRIBUTE,
    SLOT_LAST_OBJECT,
    SLOT_LAST_OBJECT_TYPE,
    SLOT_LISTED_OBJECTS,
    SLOT_MENTION,
    SLOT_OBJECT_TYPE,
)
from sqlalchemy.exc import SQLAlchemyError

from actions.sql_knowledge_base import CAUSE, CONDITION, SQLKnowledgeBase
from atrophy import answers, escalations, knowledge, loader, oncall, triage
from atrophy.db import database_url
from atrophy.questions import catalogue, choose, own_situation

logger = logging.getLogger(__name__)
# The condition or kind of cause the last question was answered on: a follow-up that points back ("does it hurt?")
# is answered on it too (`choose.choose(previous=...)`).
SLOT_LAST_SUBJECT = "last_question_subject"

# Databases whose content version has been checked (and loaded when missing) by this process.
_ready: set[str] = set()


def knowledge_base_ready() -> None:
    """Build or refresh the knowledge base on its first use by this process, never at import (importing this module
    for a test or a linter must not write a database). `make build` loads it beforehand; this check makes a missing
    or stale database rebuild itself. A failure is not remembered, so the next message tries again."""
    url = database_url()
    if url not in _ready:
        loader.ensure_loaded(url)
        _ready.add(url)


def form_slots(domain: dict[str, Any], form: str = "symptom_check_form") -> list[str]:
    """The form's slots as domain.yml lists them (Rasa sends the domain with every action call)."""
    return list(((domain.get("forms") or {}).get(form) or {}).get("required_slots") or [])


class KnowledgeAction(Action, abc.ABC):
    """Base for actions that answer from the database and apologise clearly when it is unreachable."""

    # Abstract, so that the action server does not register this base class (it has no name).
    @abc.abstractmethod
    def name(self) -> str: ...

    def answer(self, tracker: Tracker, domain: dict) -> tuple[str, list[dict[str, Any]]]:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        try:
            knowledge_base_ready()
            text, events = await utils.call_potential_coroutine(self.answer(tracker, domain))
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
        "ask_prevention_treatment": "prevention_treatment",
        "ask_stroke_info": "stroke_signs",
    }
    # Stroke questions about signs that went away get the mini-stroke (TIA) topic.
    TIA_WORDS = re.compile(r"\b(tia|mini[- ]?stroke|transient|go(ne|es)? away|went away|pass(ed|es)?)\b", re.I)

    def name(self) -> str:
        return "action_explain_topic"

    def answer(self, tracker: Tracker, domain: dict) -> tuple[str, list[dict[str, Any]]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        slug = self.TOPIC_BY_INTENT.get(intent, "what_is_atrophy")
        if slug == "stroke_signs" and self.TIA_WORDS.search(tracker.latest_message.get("text") or ""):
            slug = "tia"
        return answers.topic_answer(knowledge.topic(slug)), []


class ActionListCauses(KnowledgeAction):
    """Lists the cause categories and remembers them, so "tell me more about the second one" works next."""

    def name(self) -> str:
        return "action_list_causes"

    def answer(self, tracker: Tracker, domain: dict) -> tuple[str, list[dict[str, Any]]]:
        categories = knowledge.cause_categories()
        return answers.causes_answer(categories), [
            SlotSet(SLOT_LISTED_OBJECTS, [c.slug for c in categories]),
            SlotSet(SLOT_LAST_OBJECT_TYPE, CAUSE),
            SlotSet(SLOT_LAST_OBJECT, None),
        ]


class ActionQueryAtrophyKnowledgeBase(KnowledgeAction, ActionQueryKnowledgeBase):
    """Rasa SDK's knowledge-base action over the SQL knowledge base, answering in the project's wording.

    Resolves, in order: a list request ("what conditions cause neurogenic atrophy?"), a named condition or
    cause ("what about ALS?"), an ordinal mention of the last list ("the second one"), else the last object
    discussed ("when should someone with it see a doctor?"). An `attribute` narrows the answer.
    """

    def __init__(self) -> None:
        ActionQueryKnowledgeBase.__init__(self, SQLKnowledgeBase())

    def name(self) -> str:
        return "action_query_knowledge_base"

    async def answer(self, tracker: Tracker, domain: dict) -> tuple[str, list[dict[str, Any]]]:
        kb = self.knowledge_base
        said = {}
        for e in tracker.latest_message.get("entities") or []:
            said.setdefault(e.get("entity"), e.get("value"))
        named = [(t, said[t]) for t in kb.get_object_types() if said.get(t)]
        object_type = said.get(SLOT_OBJECT_TYPE) or tracker.get_slot(SLOT_OBJECT_TYPE)
        if object_type in kb.get_object_types() and all(t != object_type for t, _ in named):
            return await self._list(object_type, named)

        target = None
        for object_type, value in named:
            obj = await kb.get_object(object_type, value)
            if obj is not None:
                target = (object_type, obj)
                break
        if named and target is None:
            return self._not_found(named[0][1], tracker), self._reset()
        if target is None:
            identifier = self._mentioned(tracker, said.get(SLOT_MENTION) or tracker.get_slot(SLOT_MENTION))
            target = await kb.find_any(identifier) if identifier else None
        if target is None:
            return None, self._reset()
        return self._describe(*target, said.get(SLOT_ATTRIBUTE) or tracker.get_slot(SLOT_ATTRIBUTE))

    @staticmethod
    def _not_found(asked: str, tracker: Tracker) -> str:
        """A name the knowledge base does not hold: a misspelt or lay name of a topic is answered (rapidfuzz);
        a broad name ("arthritis") is narrowed; an unknown one ("lupus") is admitted, not guessed."""
        text = tracker.latest_message.get("text") or ""
        # DIET may take part of a misspelt name ("guillan" of "guillan bare"): the whole message is searched too.
        topic = catalogue.match_name(asked) or next(iter(catalogue.mentioned_topics(text)), None)
        ranking = ActionAnswerQuestion.ranking(tracker)
        if not topic and ranking and ranking[0][1] >= CONFIDENT_TOPIC:
            # DIET took a stretch of ordinary words for a name ("damage to a"); the question's topic is clear.
            topic = ranking[0][0]
        if topic:
            return ActionAnswerQuestion.answer_topic(topic, text)[0]
        return answers.unknown_condition_answer(asked, knowledge.conditions())

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """A lookup that finds nothing to refer to is not the end: the question's likely topic is answered, or the
        closest topics are offered as buttons (ActionAnswerQuestion); an unknown name also gets those buttons."""
        try:
            knowledge_base_ready()
            text, events = await self.answer(tracker, domain)
        except SQLAlchemyError:
            logger.exception("Knowledge base query failed in %s", self.name())
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            return []
        if text is None:
            return events + await ActionAnswerQuestion().run(dispatcher, tracker, domain, knowledge_base=False)
        if text.startswith(answers.UNKNOWN_NAME_OPENING):
            dispatcher.utter_message(text=text, buttons=ActionAnswerQuestion.closest_topic_buttons(tracker))
        else:
            dispatcher.utter_message(text=text)
        return events

    async def _list(self, object_type: str, named: list[tuple[str, str]]) -> tuple[str, list[dict[str, Any]]]:
        objects = await self.knowledge_base.get_objects(object_type, [{"name": t, "value": v} for t, v in named])
        kind = "conditions" if object_type == CONDITION else "kinds of causes"
        heading = f"The {kind} I have checked information about"
        if named:
            linked = await self.knowledge_base.find_any(named[0][1])
            heading += f" linked to {linked[1]['name'] if linked else named[0][1]}"
        text = answers.listing_answer([o["name"] for o in objects], [o["source"] for o in objects], heading + ":")
        return text, self._reset() + [
            SlotSet(SLOT_LISTED_OBJECTS, [o["slug"] for o in objects] or None),
            SlotSet(SLOT_LAST_OBJECT_TYPE, object_type),
            SlotSet(SLOT_LAST_OBJECT, objects[0]["slug"] if len(objects) == 1 else None),
        ]

    def _mentioned(self, tracker: Tracker, mention: str | None) -> str | None:
        """An ordinal ("2", "LAST") picks from the last list; anything else means the last object discussed."""
        listed = tracker.get_slot(SLOT_LISTED_OBJECTS) or []
        pick = self.knowledge_base.ordinal_mention_mapping.get(str(mention)) if mention else None
        if pick and listed:
            try:
                return pick(listed)
            except IndexError:
                return None
        return tracker.get_slot(SLOT_LAST_OBJECT)

    def _describe(
        self, object_type: str, obj: dict[str, Any], attribute: str | None
    ) -> tuple[str, list[dict[str, Any]]]:
        events = self._reset() + [SlotSet(SLOT_LAST_OBJECT, obj["slug"]), SlotSet(SLOT_LAST_OBJECT_TYPE, object_type)]
        if object_type == CONDITION:
            events.append(SlotSet("condition", obj["name"]))
            if attribute in answers.ATTRIBUTE_LABELS and obj.get(attribute):
                return answers.attribute_answer(
                    obj["name"], attribute, obj[attribute], obj["source"], obj.get("seek_care")
                ), events
            return answers.condition_answer(knowledge.find_condition(obj["slug"].replace("_", " "))), events
        if attribute == "seek_care":
            return answers.topic_answer(knowledge.topic("when_to_seek_care")), events
        category = knowledge.cause_category(obj["slug"])
        return answers.category_answer(category), events + [
            SlotSet(SLOT_LISTED_OBJECTS, list(category.condition_slugs) or None)
        ]

    @staticmethod
    def reset_request() -> list[dict[str, Any]]:
        """Forget what was asked of the knowledge base (list type, mention, attribute), not what was discussed."""
        return [SlotSet(SLOT_OBJECT_TYPE, None), SlotSet(SLOT_MENTION, None), SlotSet(SLOT_ATTRIBUTE, None)]

    _reset = reset_request


class ActionAnswerQuestion(Action):
    """Answers a question on its topic, answer first (`atrophy.questions.choose` picks the topic).

    The topic comes from the `question_topic` entity (addons/question_topic_classifier.py) and any name DIET
    extracted; when no topic is likely, the closest topics are offered as buttons instead of a failed lookup.
    Where the person describes their own or a relative's muscle loss, the answer is followed by an offer of the
    symptom check (`utter_offer_symptom_check`, Yes / No buttons), which starts only when accepted. A condition
    named with an attribute ("when should someone with MS see a doctor") or an ordinal ("the second one") is the
    knowledge-base action's, which this hands over to. After the unsure tier (a possible stroke: the number and the
    onset question come first), it answers only a message that is clearly a question, and otherwise says nothing.
    """

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict, knowledge_base: bool = True
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        found = {e.get("entity"): e for e in reversed(message.get("entities") or [])}
        if (message.get("intent") or {}).get("name") == "possible_stroke_signs":
            # After the unsure tier's number and onset question: answer only a message that is clearly a question.
            topic = found.get("question_topic") or {}
            confidence = float(topic.get("label_confidence") or 0)
            if topic.get("label") != topic.get("value") or confidence < QUESTION_AFTER_UNSURE:
                return []
            reply, events = self.answer_topic(topic["value"], text)
            dispatcher.utter_message(text=reply)
            return events
        if knowledge_base and (found.get("mention") or (found.get("condition") and found.get("attribute"))):
            return await ActionQueryAtrophyKnowledgeBase().run(dispatcher, tracker, domain)
        ranking = self.ranking(tracker)
        names = [(found.get(k) or {}).get("value") for k in ("condition", "cause")]
        cued = (found.get("question_topic") or {}).get("subjects") or []
        choice = choose.choose(ranking, names, text, previous=tracker.get_slot(SLOT_LAST_SUBJECT), cued=cued)
        if choice.topic is None:
            dispatcher.utter_message(response="utter_which_topic", buttons=self.topic_buttons(choice.offer))
            return []
        try:
            knowledge_base_ready()
            reply, events = self.answer_topic(choice.topic, text)
        except SQLAlchemyError:
            logger.exception("Knowledge base query failed in %s", self.name())
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            return []
        # A list request or an attribute DIET saw in a question must not linger into the next follow-up.
        events += ActionQueryAtrophyKnowledgeBase.reset_request()
        logger.info(
            "Question answered on %s (%s)%s",
            choice.topic,
            choice.reason,
            f", and on {choice.also}" if choice.also else "",
        )
        dispatcher.utter_message(text=reply)
        if choice.also:
            also_reply, also_events = self.answer_topic(choice.also, text)
            dispatcher.utter_message(text=also_reply)
            events += also_events  # a subject's slots, for follow-ups (aspects set none)
        subject = next((t for t in (choice.topic, choice.also) if choose.is_subject(t)), None)
        if subject:
            events.append(SlotSet(SLOT_LAST_SUBJECT, subject))
        if own_situation.describes_own_muscle_loss(text) and not tracker.active_loop_name:
            events.append(FollowupAction("utter_offer_symptom_check"))
        return events

    @staticmethod
    def topic_buttons(slugs: Any) -> list[dict[str, str]]:
        return [
            {"title": catalogue.topics()[t].button, "payload": f'/ask_question{{"question_topic": "{t}"}}'}
            for t in slugs
        ]

    @staticmethod
    def ranking(tracker: Tracker) -> list[tuple[str, float]]:
        """The topic classifier's best topics for the latest message (the `question_topic` entity)."""
        entity = next(
            (e for e in reversed(tracker.latest_message.get("entities") or []) if e.get("entity") == "question_topic"),
            {},
        )
        ranking = [(t, float(p)) for t, p in entity.get("ranking") or []]
        if not ranking and entity.get("value"):
            ranking = [(entity["value"], float(entity.get("confidence_entity") or 1.0))]
        return ranking

    @classmethod
    def closest_topic_buttons(cls, tracker: Tracker) -> list[dict[str, str]]:
        ranked = [t for t, _ in cls.ranking(tracker)] or ["what_is_atrophy", "causes", "when_to_seek_care"]
        return cls.topic_buttons(ranked[:3])

    @staticmethod
    def answer_topic(slug: str, text: str) -> tuple[str, list[dict[str, Any]]]:
        answer = catalogue.topics()[slug].answer
        if "condition" in answer:
            condition = knowledge.find_condition(answer["condition"].replace("_", " "))
            return answers.condition_answer(condition), [
                SlotSet(SLOT_LAST_OBJECT, condition.slug),
                SlotSet(SLOT_LAST_OBJECT_TYPE, CONDITION),
                SlotSet("condition", condition.name),
            ]
        if "category" in answer:
            category = knowledge.cause_category(answer["category"])
            return answers.category_answer(category), [
                SlotSet(SLOT_LAST_OBJECT, category.slug),
                SlotSet(SLOT_LAST_OBJECT_TYPE, CAUSE),
                SlotSet(SLOT_LISTED_OBJECTS, list(category.condition_slugs) or None),
            ]
        if "causes" in answer:
            categories = knowledge.cause_categories()
            return answers.causes_answer(categories), [
                SlotSet(SLOT_LISTED_OBJECTS, [c.slug for c in categories]),
                SlotSet(SLOT_LAST_OBJECT_TYPE, CAUSE),
                SlotSet(SLOT_LAST_OBJECT, None),
            ]
        topic_slug = answer["topic"]
        if topic_slug == "stroke_signs" and ActionExplainTopic.TIA_WORDS.search(text):
            topic_slug = "tia"
        return answers.topic_answer(knowledge.topic(topic_slug)), []


# A topic this likely outweighs a name DIET extracted that matches nothing.
CONFIDENT_TOPIC = 0.6
# After the unsure tier's question, a message is also answered as a question when the topic classifier says so
# at least this surely.
QUESTION_AFTER_UNSURE = 0.5


class ActionStartSymptomCheck(Action):
    """Starts the guided symptom check afresh: forgets earlier answers, then explains what will happen."""

    def name(self) -> str:
        return "action_start_symptom_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_symptom_check_intro")
        return [SlotSet(slot, None) for slot in form_slots(domain)]


class ValidateSymptomCheckForm(FormValidationAction):
    """Turns each free-text answer into a value with `atrophy.triage`; an unclear answer is asked again."""

    def name(self) -> str:
        return "validate_symptom_check_form"

    @staticmethod
    def _checked(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        if value is None:
            dispatcher.utter_message(response="utter_symptom_check_unclear")
        return {slot: value}

    @staticmethod
    def _intent(tracker: Tracker) -> str | None:
        return (tracker.latest_message.get("intent") or {}).get("name")

    def validate_symptom_onset(self, value, dispatcher, tracker, domain):
        return self._checked("symptom_onset", triage.parse_onset(str(value)), dispatcher)

    def validate_symptom_extent(self, value, dispatcher, tracker, domain):
        return self._checked("symptom_extent", triage.parse_extent(str(value)), dispatcher)

    def validate_symptom_accompanying(self, value, dispatcher, tracker, domain):
        parsed = triage.parse_symptoms(str(value), self._intent(tracker))
        return self._checked("symptom_accompanying", parsed, dispatcher)

    def validate_symptom_conditions(self, value, dispatcher, tracker, domain):
        parsed = triage.parse_conditions(str(value), self._intent(tracker))
        return self._checked("symptom_conditions", parsed, dispatcher)

    def validate_symptom_alcohol(self, value, dispatcher, tracker, domain):
        return self._checked("symptom_alcohol", triage.parse_yes_no(str(value), self._intent(tracker)), dispatcher)

    def validate_symptom_treated(self, value, dispatcher, tracker, domain):
        return self._checked("symptom_treated", triage.parse_yes_no(str(value), self._intent(tracker)), dispatcher)


class ActionSymptomCheckResult(KnowledgeAction):
    """The end of the symptom check: level of care and likely kinds of causes, never a diagnosis."""

    def name(self) -> str:
        return "action_symptom_check_result"

    def answer(self, tracker: Tracker, domain: dict) -> tuple[str, list[dict[str, Any]]]:
        given = triage.Answers(
            onset=tracker.get_slot("symptom_onset"),
            extent=tracker.get_slot("symptom_extent"),
            symptoms=tuple(tracker.get_slot("symptom_accompanying") or ()),
            conditions=tuple(tracker.get_slot("symptom_conditions") or ()),
            alcohol=tracker.get_slot("symptom_alcohol"),
            treated=tracker.get_slot("symptom_treated"),
        )
        result = triage.assess(given)
        categories = [c for c in (knowledge.cause_category(slug) for slug in result.categories) if c]
        care_source = knowledge.topic("when_to_seek_care").source
        text = answers.symptom_check_answer(result.care, result.reasons, categories, care_source)
        return text, [SlotSet(slot, None) for slot in form_slots(domain)] + [
            SlotSet(SLOT_LISTED_OBJECTS, [c.slug for c in categories] or None),
            SlotSet(SLOT_LAST_OBJECT_TYPE, CAUSE),
        ]


class ActionRecordEscalation(Action):
    """Writes the escalation down; the emergency message itself is a domain response sent before this runs."""

    def name(self) -> str:
        return "action_record_escalation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        signs = list(tracker.get_latest_entity_values("stroke_sign"))
        channel = tracker.get_latest_input_channel()
        try:
            row = escalations.record(tracker.sender_id, channel, signs)
            logger.warning("Emergency escalation %s recorded for %s (signs: %s)", row, tracker.sender_id, signs)
        except SQLAlchemyError:
            logger.exception("Emergency escalation for %s could not be recorded", tracker.sender_id)
        oncall.notify(tracker.sender_id, channel, signs)
        return []
