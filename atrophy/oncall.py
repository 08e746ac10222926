"""Optional notification of an on-call person about each escalation (off unless ATROPHY_ONCALL_WEBHOOK_URL is set).

The post runs in a daemon thread with a short timeout, so a slow or broken webhook never delays the user's reply.
It carries what the on-call person needs to act (when, which channel and conversation, which signs), never what the
user wrote; it goes only to an https URL (plain http only to this machine, for local relays and tests) and is
signed with HMAC-SHA256 over the body with `ATROPHY_ONCALL_SECRET` (header `X-Atrophy-Signature: sha256=<hex>`),
so the receiver can tell it from a forgery. Without the secret nothing is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests

from atrophy import settings

logger = logging.getLogger(__name__)

WEBHOOK_ENV, SECRET_ENV = settings.ONCALL_WEBHOOK_URL, settings.ONCALL_SECRET
SIGNATURE_HEADER = "X-Atrophy-Signature"
TIMEOUT_SECONDS = 5
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def allowed_url(url: str) -> bool:
    """https anywhere; http only to this machine."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, secret: str) -> None:
    try:
        requests.post(
            url,
            data=body,
            timeout=TIMEOUT_SECONDS,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(body, secret)},
        ).raise_for_status()
    except requests.RequestException as error:
        logger.warning("On-call notification failed (escalation is still recorded): %s", error)


def notify(conversation_id: str, channel: str | None, signs: list[str]) -> threading.Thread | None:
    """Start posting the escalation to the on-call webhook; returns the thread, or None when not sent."""
    url, secret = settings.oncall_webhook()
    if not url:
        return None
    if not allowed_url(url) or not secret:
        logger.warning(
            "On-call notification not sent: %s must be https (http only to localhost) and %s set",
            WEBHOOK_ENV,
            SECRET_ENV,
        )
        return None
    body = json.dumps(
        {
            "event": "stroke_escalation",
            "time": datetime.now(timezone.utc).isoformat(),
            "conversation_id": conversation_id,
            "channel": channel,
            "signs": signs,
        }
    ).encode()
    thread = threading.Thread(target=_post, args=(url, body, secret), daemon=True, name="oncall-notify")
    thread.start()
    return thread
