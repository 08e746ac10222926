"""What the Rasa server can still say when a conversation cannot be loaded, locked or stored.

Rasa handles a message inside its conversation: the lock store (Redis with replicas) serialises it and the tracker
store (PostgreSQL or SQLite) holds its history. When either is down, Rasa's channels log the error and answer as if
the bot had nothing to say: an empty 200, so a person reporting a stroke got no alert and no error. The emergency
must not depend on those stores: the NLU pipeline (with the red-flag decision in it) runs in the Rasa server's
memory and needs neither. So a channel whose message could not be handled asks the pipeline alone:

* a stroke report gets the domain's emergency message, with the configured number, and a note that the
  conversation cannot go on right now (status 200: the user got what matters);
* any other message gets status 503 and a clear text that also gives the number in case it is an emergency.

Nothing of the message is logged: it is health data (nor the error's text, which can quote the events a
store failed to write).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from addons.domain_text import render
from atrophy.settings import emergency_number

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "report_stroke_signs"
EMERGENCY_RESPONSE = "utter_emergency"
NUMBER_ENTITY = "emergency_number"
# domain.yml's words; the last-resort sentences apply only when no model (no domain) is loaded at all.
UNAVAILABLE = "utter_service_unavailable"
CANNOT_GO_ON = "utter_conversation_unavailable"
LAST_RESORT = {
    UNAVAILABLE: "Part of the service is down. If someone has signs of a stroke, call {emergency_number} now.",
    CANNOT_GO_ON: "Please call {emergency_number} now.",
}


def _number(parsed: dict[str, Any]) -> str:
    """The number the pipeline set (the RedFlagClassifier's), else the configured one: the domain slot's initial
    value would ignore ATROPHY_EMERGENCY_NUMBER when the pipeline itself failed."""
    for entity in parsed.get("entities") or []:
        if entity.get("entity") == NUMBER_ENTITY and entity.get("value"):
            return str(entity["value"])
    return emergency_number()


def _tracker(agent: Any, sender_id: str, number: str) -> DialogueStateTracker:
    """A conversation of no events but the number, to render domain responses with."""
    tracker = DialogueStateTracker.from_events(sender_id, [], slots=getattr(agent.domain, "slots", None) or [])
    if any(slot.name == NUMBER_ENTITY for slot in tracker.slots.values()):
        tracker.update(SlotSet(NUMBER_ENTITY, number))
    return tracker


async def _emergency_message(agent: Any, tracker: DialogueStateTracker, number: str, channel: str) -> dict[str, Any]:
    try:
        message = await agent.nlg.generate(EMERGENCY_RESPONSE, tracker, channel)
        if message:
            return message
    except Exception:  # the alert itself must not fail: fall back to a plain payload
        logger.exception("Could not render %s", EMERGENCY_RESPONSE)
    return {
        "custom": {"emergency": True, "number": number, "text": f"EMERGENCY: this may be a stroke. Call {number} now."}
    }


async def _say(agent: Any, tracker: DialogueStateTracker | None, response: str, number: str, channel: str) -> str:
    message = await render(
        getattr(agent, "nlg", None),
        getattr(agent, "domain", None),
        response,
        tracker,
        channel,
        LAST_RESORT[response],
        emergency_number=number,
    )
    return message.get("text") or LAST_RESORT[response].format(emergency_number=number)


async def reply_without_conversation(
    agent: Any, text: Optional[str], sender_id: str, channel: str
) -> tuple[int, list[dict[str, Any]]]:
    """(HTTP status, bot messages) for a message whose conversation could not be handled."""
    parsed: dict[str, Any] = {}
    if agent is not None and text:
        try:
            parsed = await agent.parse_message(text)
        except Exception as error:  # then we know nothing, and say the general thing with the number
            logger.error("The NLU pipeline failed too (%s)", type(error).__name__)
    number = _number(parsed)
    tracker = _tracker(agent, sender_id, number) if agent is not None and agent.domain is not None else None
    if (parsed.get("intent") or {}).get("name") == EMERGENCY_INTENT:
        logger.warning("Emergency answered without its conversation (the conversation stores are unavailable)")
        alert = await _emergency_message(agent, tracker, number, channel)
        return 200, [
            {"recipient_id": sender_id, **alert},
            {"recipient_id": sender_id, "text": await _say(agent, tracker, CANNOT_GO_ON, number, channel)},
        ]
    return 503, [{"recipient_id": sender_id, "text": await _say(agent, tracker, UNAVAILABLE, number, channel)}]


def answering_without_conversation(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], app: Any, channel: str
) -> Callable[[UserMessage], Awaitable[None]]:
    """`on_new_message` for channels that answer through their platform's API (Slack, Telegram): when the message
    cannot be handled in its conversation, the replies of `reply_without_conversation` are sent through the
    message's own output channel (the platform got its 200 long ago, or must get it anyway: Telegram resends an
    update that failed). The Sanic `app`'s agent is looked up only then: it is not there when the route is built."""

    async def handle(message: UserMessage) -> None:
        try:
            await on_new_message(message)
        except (asyncio.CancelledError, Exception) as error:
            logger.error("A %s message could not be handled in its conversation (%s)", channel, type(error).__name__)
            try:
                agent = getattr(app.ctx, "agent", None)
                _, replies = await reply_without_conversation(agent, message.text, message.sender_id, channel)
            except Exception as reply_error:  # never raise into the platform's webhook: Telegram would resend
                logger.error("No reply without a conversation either (%s)", type(reply_error).__name__)
                return
            for reply in replies:
                payload = {key: value for key, value in reply.items() if key != "recipient_id"}
                try:
                    await message.output_channel.send_response(message.sender_id, payload)
                except Exception as send_error:  # the platform is unreachable too: nothing more can be done
                    logger.error("Could not send the %s reply (%s)", channel, type(send_error).__name__)

    return handle
