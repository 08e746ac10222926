"""Conversation ids that one channel cannot forge for another, and web session ids that only the server issues.

Rasa keys a conversation by the sender id its channel gives. Telegram gives the chat id, Slack the user id, the
web widget a session id it keeps in the browser, and REST whatever the caller writes in `sender`: any REST caller
could post as a Telegram chat or as another visitor's web session, read that conversation's context through
follow-ups and write into it. So:

* every chat channel's conversation id carries the channel's prefix (`telegram:123`, `slack:U1`, `web:...`), and
  REST refuses a sender that starts with one of those prefixes (REST itself belongs behind the API token or a
  gateway that sets `sender`: see deploy/README.md);
* a web session id is a random id with an HMAC of it under the server's secret (`ATROPHY_SESSION_SECRET`); the
  server keeps a session id the browser brings back only when its HMAC checks out, and issues a new one otherwise.
  Without the variable the secret is random per process: sessions then last as long as the server process.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid

from atrophy import settings

PREFIXES = {"telegram": "telegram", "slack": "slack", "socketio": "web"}
SESSION_SECRET_ENV = settings.SESSION_SECRET
_SIGNATURE_CHARS = 32
_process_secret = secrets.token_bytes(32)
_TOKEN = re.compile(r"[0-9a-f]{32}")


def conversation_id(channel: str, native_id: object) -> str:
    """The id under which a chat channel's conversation is stored: its prefix, a colon, the platform's id."""
    return f"{PREFIXES[channel]}:{native_id}"


def native_id(conversation: str) -> str:
    """The platform's own id back from a conversation id (what its API must be sent); other ids unchanged."""
    prefix, sep, rest = str(conversation).partition(":")
    return rest if sep and prefix in PREFIXES.values() else str(conversation)


def reserved(sender: str) -> bool:
    """True when a sender id would address another channel's conversation."""
    prefix, sep, _ = str(sender).partition(":")
    return bool(sep) and prefix.strip().lower() in PREFIXES.values()


def _secret() -> bytes:
    configured = settings.session_secret()
    return configured.encode("utf-8") if configured else _process_secret


def _signature(token: str) -> str:
    return hmac.new(_secret(), token.encode("ascii"), hashlib.sha256).hexdigest()[:_SIGNATURE_CHARS]


def new_session_id() -> str:
    token = uuid.uuid4().hex
    return f"{token}.{_signature(token)}"


def valid_session_id(session_id: object) -> bool:
    if not isinstance(session_id, str) or session_id.count(".") != 1:
        return False
    token, signature = session_id.split(".")
    return bool(_TOKEN.fullmatch(token)) and hmac.compare_digest(signature, _signature(token))


def session_id(requested: object) -> str:
    """The session id a browser may use: the one it brought back if the server issued it, else a new one."""
    return requested if valid_session_id(requested) else new_session_id()  # type: ignore[return-value]
