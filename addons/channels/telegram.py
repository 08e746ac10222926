"""Rasa's Telegram channel configured from environment variables and fixed for Python 3.11.

Rasa 3.6's connector calls ``setWebhook`` with ``asyncio.run`` while building the channel: ``rasa run`` exits
when the Telegram API cannot be reached, and otherwise the bot's aiohttp session belongs to that closed,
temporary loop, so the first update fails with "Event loop is closed". Here the bot is created without any
request; ``setWebhook`` runs in the server's own loop after start-up and is retried with back-off (logged, never
fatal); updates are answered through the server's loop.

Environment (see .env.example):

* ``TELEGRAM_ACCESS_TOKEN``: the token from @BotFather (``123456:ABC...``); without it the channel is off and
  ``/webhooks/telegram/webhook`` answers 503.
* ``TELEGRAM_WEBHOOK_URL``: the public https URL of ``/webhooks/telegram/webhook``; without it no webhook is set
  (set it yourself, or re-trigger with ``GET /webhooks/telegram/set_webhook``).
* ``TELEGRAM_SECRET_TOKEN`` (required with the access token): sent to Telegram with ``setWebhook``; updates and
  ``/set_webhook`` calls without the matching ``X-Telegram-Bot-Api-Secret-Token`` header are rejected with 403.
  Without it the channel stays off (503): anyone could otherwise post forged updates for any chat.
* The input policy of every channel (atrophy/input_policy.py): bodies over 64 kB get 413; a message longer than
  ``ATROPHY_MAX_MESSAGE_CHARS`` gets a reply saying so (with the emergency number) instead of an answer; control
  characters are removed. The conversation id is ``telegram:<chat id>`` (atrophy/conversation_ids.py).
* When the conversation cannot be loaded, locked or stored (Redis or the tracker database down), a stroke report
  still gets the alert and anything else a message saying the service is down (addons/reply_without_conversation.py).
* ``TELEGRAM_API_URL``: the Bot API base (default https://api.telegram.org; the tests use a local fake).
* ``TELEGRAM_WEBHOOK_RETRY_MAX``: longest wait in seconds between ``setWebhook`` attempts (default 60).
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from rasa.core.channels import telegram as rasa_telegram
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from addons.channels.common import off_blueprint, plain_links, setting
from addons.reply_without_conversation import answering_without_conversation
from atrophy.conversation_ids import conversation_id, native_id
from atrophy.input_policy import MAX_BODY_BYTES, clean_text, too_long, too_long_reply
from atrophy.settings import emergency_number

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"


def emergency_html(message: Dict[Text, Any]) -> Text:
    """The emergency payload as a Telegram HTML message: siren, bold call to action with the number."""
    number = html.escape(str(message.get("number") or emergency_number()))
    text = html.escape(str(message.get("text", "")))
    return f"🚨 <b>EMERGENCY: call {number} now</b> 🚨\n\n<b>{text}</b>\n\n📞 <b>{number}</b>"


class TelegramOutput(rasa_telegram.TelegramOutput):
    """Rasa's Telegram output, talking to a configurable Bot API server."""

    def __init__(self, access_token: Optional[Text], api_url: Text = DEFAULT_API_URL) -> None:
        rasa_telegram.Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Send to the chat: the conversation id without its ``telegram:`` prefix."""
        await super().send_response(native_id(recipient_id), message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, plain_links(text), **kwargs)

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        button_type: Optional[Text] = "inline",
        **kwargs: Any,
    ) -> None:
        await super().send_text_with_buttons(recipient_id, plain_links(text), buttons, button_type, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if json_message.get("emergency") is True:
            await self.send_message(recipient_id, emergency_html(json_message), parse_mode="HTML")
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class TelegramInput(InputChannel):
    """Telegram webhook at ``/webhooks/telegram/webhook``."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls(
            access_token=setting(credentials, "TELEGRAM_ACCESS_TOKEN", "access_token"),
            webhook_url=setting(credentials, "TELEGRAM_WEBHOOK_URL", "webhook_url"),
            secret_token=setting(credentials, "TELEGRAM_SECRET_TOKEN", "secret_token"),
            api_url=setting(credentials, "TELEGRAM_API_URL", "api_url", DEFAULT_API_URL),
            retry_max=float(setting(credentials, "TELEGRAM_WEBHOOK_RETRY_MAX", "webhook_retry_max", 60)),
        )

    def __init__(
        self,
        access_token: Optional[Text],
        webhook_url: Optional[Text] = None,
        secret_token: Optional[Text] = None,
        api_url: Text = DEFAULT_API_URL,
        retry_max: float = 60,
    ) -> None:
        self.access_token = access_token
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.api_url = api_url
        self.retry_max = retry_max
        self._output: Optional[TelegramOutput] = None
        self._webhook_task: Optional[asyncio.Task] = None

    def get_output_channel(self) -> Optional[TelegramOutput]:
        """The bot (created once, without any request: its session is made in the loop that first uses it)."""
        if not self.access_token:
            return None
        if self._output is None:
            self._output = TelegramOutput(self.access_token, self.api_url)
        return self._output

    async def set_webhook(self) -> bool:
        """One ``setWebhook`` call; True when Telegram accepted it."""
        bot = self.get_output_channel()
        assert bot is not None
        data = {"url": self.webhook_url}
        if self.secret_token:
            data["secret_token"] = self.secret_token
        return bool(await bot.request("setWebhook", data))

    async def _set_webhook_with_retries(self) -> None:
        delay = 1.0
        while True:
            try:
                if await self.set_webhook():
                    logger.info(f"Telegram webhook set to {self.webhook_url}.")
                    return
                logger.warning("Telegram refused the webhook URL %s.", self.webhook_url)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # unreachable API, bad token, ...: log, retry, never fatal
                logger.warning(f"Could not set the Telegram webhook ({error!r}); retrying in {delay:.0f} s.")
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max)

    def _authentic(self, request: Request) -> bool:
        if not self.secret_token:
            return False
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    @staticmethod
    def _text_and_chat(update: Update) -> tuple[Optional[Text], Optional[Any]]:
        if update.callback_query is not None:
            message = update.callback_query.message
            return update.callback_query.data, message.chat.id if message else update.callback_query.from_user.id
        message = update.message or update.edited_message
        if message is None:
            return None, None
        if message.text is not None:
            return message.text.replace("/bot", ""), message.chat.id
        if message.location is not None:
            return json.dumps({"lng": message.location.longitude, "lat": message.location.latitude}), message.chat.id
        return None, message.chat.id

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        bot = self.get_output_channel()

        if bot is None:
            logger.info("Telegram channel off: set TELEGRAM_ACCESS_TOKEN to turn it on.")
            return off_blueprint("telegram", "TELEGRAM_ACCESS_TOKEN")
        if not self.secret_token:
            logger.warning("Telegram channel off: TELEGRAM_SECRET_TOKEN is required with the access token.")
            return off_blueprint("telegram", "TELEGRAM_SECRET_TOKEN")

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @telegram_webhook.listener("after_server_start")
        async def start_webhook(app: Any, _loop: Any) -> None:
            if self.webhook_url:
                self._webhook_task = asyncio.create_task(self._set_webhook_with_retries())
            else:
                logger.info("TELEGRAM_WEBHOOK_URL is not set: the Telegram webhook is left as it is.")

        @telegram_webhook.listener("before_server_stop")
        async def stop_webhook(app: Any, _loop: Any) -> None:
            if self._webhook_task is not None:
                self._webhook_task.cancel()
            session = bot._session  # aiogram 2's Bot.close() is deprecated; close the HTTP session itself
            if session is not None and not session.closed:
                await session.close()

        @telegram_webhook.route("/set_webhook", methods=["GET", "POST"])
        async def set_webhook(request: Request) -> Any:
            if not self._authentic(request):
                return response.text("forbidden", status=HTTPStatus.FORBIDDEN)
            try:
                ok = bool(self.webhook_url) and await self.set_webhook()
            except Exception as error:
                logger.warning(f"Could not set the Telegram webhook: {error!r}")
                ok = False
            return response.text(
                "Webhook setup successful" if ok else "Invalid webhook",
                status=HTTPStatus.OK if ok else HTTPStatus.BAD_GATEWAY,
            )

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> Any:
            if not self._authentic(request):
                return response.text("forbidden", status=HTTPStatus.FORBIDDEN)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.text("too large", status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            payload = request.json
            if isinstance(payload, str):
                payload = json.loads(payload)
            update = Update(**payload)
            text, chat_id = self._text_and_chat(update)
            if update.callback_query is not None:
                try:  # stop the button's spinner in the Telegram app
                    await bot.answer_callback_query(update.callback_query.id)
                except Exception as error:
                    logger.debug(f"answerCallbackQuery failed: {error!r}")
            if text is None:
                return response.text("success")
            text = clean_text(text)
            if too_long(text):
                await bot.send_message(chat_id, too_long_reply())
                return response.text("success")
            metadata = self.get_metadata(request)
            messages: List[Text] = [text]
            if text == "/restart":
                messages.append("/start")
            # Conversation stores down: the alert or a "service is down" message is sent anyway; 200 in any case,
            # or Telegram would resend the update forever.
            handle = answering_without_conversation(on_new_message, request.app, self.name())
            for text_part in messages:
                await handle(
                    UserMessage(
                        text_part,
                        bot,
                        conversation_id("telegram", chat_id),
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            return response.text("success")

        return telegram_webhook
