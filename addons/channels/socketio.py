"""Rasa's socket.io channel, fixed for the web widget (rasa-webchat 1.0.1) on Python 3.11.

Three defects of rasa 3.6.21 with the pinned python-socketio / Sanic 21.12:

* Sanic 21.12's websocket upgrade crashes, so clients are kept on HTTP long-polling
  (``sio.eio.allow_upgrades = False``).
* python-socketio >= 5.10 made ``AsyncServer.enter_room`` a coroutine that Rasa does not await: with
  ``session_persistence: true`` the socket never joins the session's room and every reply is lost.
* ``SocketIOOutput.send_custom_json`` passes the payload as keyword arguments to ``sio.emit`` (a TypeError
  for any payload but ``{"data": ...}``); the widget expects the payload itself as the message, which it hands
  to the page's ``customComponent`` (the emergency alert).

The project's own rules on top: the input policy of every channel (atrophy/input_policy.py: engine.io packets
capped at 64 kB instead of about 1 MB, messages over ``ATROPHY_MAX_MESSAGE_CHARS`` answered with a reply saying so,
control characters removed); session ids issued and signed by the server, never taken from the browser unchecked,
and conversations stored as ``web:<session id>`` (atrophy/conversation_ids.py).

The origins allowed to open a socket are the ones given to ``rasa run --cors`` (Sanic-CORS adds the headers);
engine.io's own check is off (``cors_allowed_origins=[]``) as in Rasa.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from atrophy.conversation_ids import conversation_id, native_id, session_id, valid_session_id
from atrophy.input_policy import MAX_BODY_BYTES, clean_text, too_long, too_long_reply

logger = logging.getLogger(__name__)


class SocketIOOutput(rasa_socketio.SocketIOOutput):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Send to the session's room: the conversation id without its ``web:`` prefix."""
        await super().send_response(native_id(recipient_id), message)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Send the custom payload as the message itself (the widget renders it with its customComponent)."""
        await self._send_message(recipient_id, dict(json_message))


class SocketIOInput(rasa_socketio.SocketIOInput):
    """socket.io channel for the web page; same credentials as Rasa's ``socketio`` channel."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        sio.eio.allow_upgrades = False  # Sanic 21.12's websocket upgrade crashes: stay on long-polling
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES  # engine.io's default is about 1 MB

        # The handlers below replace Rasa's handlers of the same events.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            data["session_id"] = session_id(data.get("session_id"))  # the browser's only if the server issued it
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)
            logger.debug(f"User {sid} joined session {data['session_id']}.")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            output_channel = SocketIOOutput(sio, self.bot_message_evt)
            data = data if isinstance(data, dict) else {}
            if self.session_persistence:
                if not valid_session_id(data.get("session_id")):
                    logger.warning(
                        "A socket.io message without a session id issued by this server was ignored "
                        "(session_persistence is on: send `session_request` first)."
                    )
                    return
                room = data["session_id"]
            else:
                room = sid
            text = data.get("message", "")
            text = clean_text(text) if isinstance(text, str) else ""
            if too_long(text):
                await output_channel.send_text_message(room, too_long_reply())
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            await on_new_message(
                UserMessage(
                    text,
                    output_channel,
                    conversation_id("socketio", room),
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return socketio_webhook
