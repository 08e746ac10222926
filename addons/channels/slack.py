"""Rasa's Slack channel configured from environment variables, with emergencies shown as alerts.

Environment (see .env.example): ``SLACK_BOT_TOKEN`` (xoxb-...), ``SLACK_SIGNING_SECRET``, optionally
``SLACK_CHANNEL`` (a channel the bot also answers in without being mentioned), ``SLACK_USE_THREADS``
(``true`` to answer in threads) and ``SLACK_API_URL`` (the Web API base, default https://slack.com/api/;
the tests point it at a local fake).

Without ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET`` the channel is off: ``rasa run`` still starts and
``/webhooks/slack/webhook`` answers 503. Every request is checked against the signing secret by Rasa's
``is_request_from_slack_authentic`` (HMAC-SHA256, at most 5 minutes old); a bad one gets 400.

The input policy of every channel (atrophy/input_policy.py): bodies over 64 kB get 413; a message longer than
``ATROPHY_MAX_MESSAGE_CHARS`` gets a reply saying so (with the emergency number); control characters are removed.
The conversation id is ``slack:<user id>`` (atrophy/conversation_ids.py). When the conversation cannot be loaded,
locked or stored (Redis or the tracker database down), a stroke report still gets the alert posted and anything
else a message saying the service is down (addons/reply_without_conversation.py).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels import slack as rasa_slack
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from addons.channels.common import off_blueprint, setting, slack_links
from addons.reply_without_conversation import answering_without_conversation
from atrophy.conversation_ids import conversation_id, native_id
from atrophy.input_policy import MAX_BODY_BYTES, clean_text, too_long, too_long_reply
from atrophy.settings import emergency_number

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"


def emergency_blocks(message: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    """Slack blocks for the emergency payload: a red-siren header, the number in bold, the advice."""
    number = str(message.get("number") or emergency_number())
    return [
        {
            "type": "header",
            "text": {"type": "plain_text", "emoji": True, "text": f":rotating_light: EMERGENCY: call {number} now"},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": f":telephone_receiver: *Call {number}*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": str(message.get("text", ""))}},
    ]


class SlackBot(rasa_slack.SlackBot):
    """Rasa's Slack output with a configurable Web API base and the emergency payload as alert blocks."""

    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_url: Text = DEFAULT_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, proxy=proxy, base_url=api_url)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Send to the Slack user: the conversation id without its ``slack:`` prefix."""
        await super().send_response(native_id(recipient_id), message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, slack_links(text), **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await super().send_text_with_buttons(recipient_id, slack_links(text), buttons, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if json_message.get("emergency") is True:
            channel = self.slack_channel or recipient_id
            number = json_message.get("number") or emergency_number()
            await self._post_message(
                channel=channel,
                text=f":rotating_light: EMERGENCY: call {number} now. {json_message.get('text', '')}",
                blocks=emergency_blocks(json_message),
            )
            return
        await super().send_custom_json(recipient_id, dict(json_message), **kwargs)


class SlackInput(rasa_slack.SlackInput):
    """Slack Events API / interactivity endpoint at ``/webhooks/slack/webhook``."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SlackInput":
        credentials = credentials or {}
        return cls(
            slack_token=setting(credentials, "SLACK_BOT_TOKEN", "slack_token", ""),
            slack_channel=setting(credentials, "SLACK_CHANNEL", "slack_channel"),
            proxy=credentials.get("proxy"),
            slack_retry_reason_header=credentials.get("slack_retry_reason_header", "x-slack-retry-reason"),
            slack_retry_number_header=credentials.get("slack_retry_number_header", "x-slack-retry-num"),
            errors_ignore_retry=credentials.get("errors_ignore_retry"),
            use_threads=str(setting(credentials, "SLACK_USE_THREADS", "use_threads", False)).lower() == "true",
            slack_signing_secret=setting(credentials, "SLACK_SIGNING_SECRET", "slack_signing_secret", ""),
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
            api_url=setting(credentials, "SLACK_API_URL", "api_url", DEFAULT_API_URL),
        )

    def __init__(self, slack_token: Text, *args: Any, api_url: Text = DEFAULT_API_URL, **kwargs: Any) -> None:
        self.api_url = api_url
        super().__init__(slack_token, *args, **kwargs)

    @property
    def configured(self) -> bool:
        return bool(self.slack_token and self.slack_signing_secret)

    def _validate_credentials(self) -> None:
        if not self.configured:
            logger.info("Slack channel off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on.")

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        return bool(self.slack_signing_secret) and super().is_request_from_slack_authentic(request)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not self.configured:
            return off_blueprint("slack", "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET")
        blueprint = super().blueprint(on_new_message)

        @blueprint.on_request
        async def cap(request: Request) -> Any:
            if request.method == "POST" and len(request.body or b"") > MAX_BODY_BYTES:
                return response.text("too large", status=413)
            return None

        return blueprint

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Optional[Text],
        metadata: Optional[Dict],
    ) -> Any:
        """Rasa's, with the input policy and the ``slack:`` conversation id."""
        text = clean_text(text or "")
        if too_long(text):
            metadata = metadata or {}
            thread_id = metadata.get("thread_id") if self.use_threads else None
            await self.get_output_channel(metadata.get("out_channel"), thread_id).send_text_message(
                sender_id or "", too_long_reply()
            )
            return response.text("")
        sender = conversation_id("slack", sender_id) if sender_id else sender_id
        handle = answering_without_conversation(on_new_message, request.app, self.name())
        return await super().process_message(request, handle, text, sender, metadata)

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)
