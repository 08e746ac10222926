"""Rasa's REST channel with its input checked: bad requests get a JSON 4xx, never a 500 or a stored error.

Rasa's `RestInput` answers 500 to an empty body or a JSON array, swallows a non-string message or metadata
into an empty reply (after logging a traceback), and passes on anything else. This subclass keeps the same
URL (`/webhooks/rest/webhook`) and the same answers for good requests, and:

* 400 for a body that is not a JSON object, a `message` that is missing or not a string, a `sender` that is
  missing, empty, "default", another channel's (`telegram:`, `slack:`, `web:`), not a string or number, or longer
  than the tracker store's 255 characters, `metadata` that is not an object;
* 413 for a message longer than `ATROPHY_MAX_MESSAGE_CHARS` (default 5000 characters, a long page of text), and
  for `metadata` over 2,000 characters of JSON (it is stored with every event);
* removes control characters (keeping new lines and tabs) and unpaired surrogates, which PostgreSQL
  cannot store, before the message reaches the NLU pipeline.

When the message cannot be handled in its conversation (the tracker store or Redis is down), Rasa's `RestInput`
logged the user's text and answered an empty 200. Here a stroke report still gets the emergency message from the NLU
pipeline alone and anything else a 503 with a clear text (addons/reply_without_conversation.py); the log names the
error, not the text.

Empty and whitespace-only messages are valid: the bot answers them like any message it does not understand.
Configure it in credentials.yml as `addons.rest_channel.SafeRestInput:` in place of `rest:`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.reply_without_conversation import reply_without_conversation
from addons.startup_gc import freeze_startup_objects
from atrophy.conversation_ids import reserved
from atrophy.input_policy import MAX_METADATA_CHARS, clean_text, max_message_chars

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 255  # the tracker store's sender_id column


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_body(request: Request) -> dict[str, Any]:
    """The checked request body: {'sender', 'message', 'metadata', 'input_channel'}, or BadRequest."""
    try:
        body = request.json
    except Exception:  # Sanic raises on a body that is not JSON, whatever the content type says
        raise BadRequest(400, 'The body must be a JSON object such as {"sender": "me", "message": "hi"}.')
    if not isinstance(body, dict):
        raise BadRequest(400, 'The body must be a JSON object such as {"sender": "me", "message": "hi"}.')

    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest(400, '"message" is required and must be a string.')
    limit = max_message_chars()
    if len(message) > limit:
        raise BadRequest(413, f'"message" is too long: at most {limit} characters.')

    sender = body.get("sender")
    if isinstance(sender, (str, int)) and not isinstance(sender, bool):
        sender = clean_text(str(sender)).strip()
    elif sender is not None:
        raise BadRequest(400, '"sender" must be a string or a number.')
    if not sender or sender == DEFAULT_SENDER_ID:
        # Rasa would put every such request into one shared "default" conversation, each reading the others'.
        raise BadRequest(400, '"sender" is required: an id of the conversation, unique to its user.')
    if reserved(sender):
        # "telegram:...", "slack:...", "web:...": other channels' conversations (atrophy/conversation_ids.py)
        raise BadRequest(400, '"sender" may not start with telegram:, slack: or web: (other channels\' conversations).')
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(400, f'"sender" is too long: at most {MAX_SENDER_CHARS} characters.')

    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest(400, '"metadata" must be a JSON object.')
    if metadata and len(json.dumps(metadata)) > MAX_METADATA_CHARS:
        # Metadata is stored with every event of the conversation: no unbounded blobs in the tracker store.
        raise BadRequest(413, f'"metadata" is too large: at most {MAX_METADATA_CHARS} characters of JSON.')
    input_channel = body.get("input_channel")
    if input_channel is not None and not isinstance(input_channel, str):
        raise BadRequest(400, '"input_channel" must be a string.')
    return {"sender": sender, "message": clean_text(message), "metadata": metadata, "input_channel": input_channel}


class SafeRestInput(RestInput):
    """`RestInput` (same name and URL) that validates and cleans its input before Rasa sees it."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's two routes (`/` and `/webhook`, streaming included), with the input check before them and the
        reply without a conversation when the message cannot be handled."""
        blueprint = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        blueprint.listener("after_server_start")(freeze_startup_objects)  # addons/startup_gc.py

        @blueprint.on_request
        async def check(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                request.ctx.checked = parse_body(request)
            except BadRequest as error:
                return response.json({"status": error.status, "error": error.message}, status=error.status)
            except Exception as error:  # whatever else is wrong with the request is still the client's
                return response.json({"status": 400, "error": f"Bad request: {error}"}, status=400)
            return None

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            checked = request.ctx.checked
            sender, text = checked["sender"], checked["message"]
            channel = self._extract_input_channel(request)
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, channel, checked["metadata"]),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=channel, metadata=checked["metadata"])
                )
            except (asyncio.CancelledError, Exception) as error:
                logger.error("A message could not be handled in its conversation (%s)", type(error).__name__)
                agent = getattr(request.app.ctx, "agent", None)
                status, messages = await reply_without_conversation(agent, text, sender, self.name())
                return response.json(collector.messages + messages, status=status)
            return response.json(collector.messages)

        return blueprint

    async def _extract_sender(self, req: Request) -> Optional[str]:
        return req.ctx.checked["sender"]

    def _extract_message(self, req: Request) -> Optional[str]:
        return req.ctx.checked["message"]

    def _extract_input_channel(self, req: Request) -> str:
        return req.ctx.checked["input_channel"] or self.name()

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        return request.ctx.checked["metadata"]
