"""A user message never goes unanswered: if the dialogue policies end a turn without a bot message, say so.

Rules and stories cover every intent in every state the tests reach (tests/e2e/test_every_message_answered.py), but a
chatbot that says nothing is broken, and a new intent, a new state or a model that predicts `action_listen` at
once must not make it silent. After Rasa's prediction loop for a user message, this checks the tracker: when no
bot message followed the latest user message, it sends the domain response `utter_no_answer` (what the assistant
can do, with buttons), logs a warning, and records it on the tracker as a bot message (not as an action, so the
dialogue policies see the same history as before).

`install()` is called through addons/rasa_patches.py by the project's stores, which every Rasa server of the
project loads from endpoints.yml; it wraps `MessageProcessor._run_prediction_loop` and changes no file of Rasa.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.actions.action import create_bot_utterance
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered

from addons.domain_text import render

logger = logging.getLogger(__name__)

NO_ANSWER_RESPONSE = "utter_no_answer"
LAST_RESORT = "Sorry, I don't have an answer to that."


def unanswered(events: list[Any]) -> bool:
    """True when the latest user message has no bot message after it."""
    for event in reversed(events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, UserUttered):
            return True
    return False


async def _reply(processor: MessageProcessor, output_channel: Any, tracker: Any) -> None:
    message = await render(
        processor.nlg, processor.domain, NO_ANSWER_RESPONSE, tracker, output_channel.name(), LAST_RESORT
    )
    event = create_bot_utterance(message)
    tracker.update(event)
    await output_channel.send_response(tracker.sender_id, event.message())


def install() -> None:
    """Wrap the prediction loop once (idempotent)."""
    original = MessageProcessor._run_prediction_loop
    if getattr(original, "always_reply", False):
        return

    async def run_prediction_loop(self: MessageProcessor, output_channel: Any, tracker: Any) -> None:
        await original(self, output_channel, tracker)
        if output_channel is not None and unanswered(list(tracker.events)):
            latest = tracker.latest_message
            logger.warning(
                "No bot message for intent %s; answering with %s",
                (latest.intent or {}).get("name") if latest else None,
                NO_ANSWER_RESPONSE,
            )
            await _reply(self, output_channel, tracker)

    run_prediction_loop.always_reply = True  # type: ignore[attr-defined]
    MessageProcessor._run_prediction_loop = run_prediction_loop
