"""Optional notification of an on-call person about each escalation (off unless ATROPHY_ONCALL_WEBHOOK_URL is set).

The post runs in a daemon thread with a short timeout, so a slow or broken webhook never delays the user's reply.
"""
from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone

import requests

logger = logging.getLogger(__name__)

WEBHOOK_ENV = "ATROPHY_ONCALL_WEBHOOK_URL"
TIMEOUT_SECONDS = 5


def _post(url: str, payload: dict) -> None:
    try:
        requests.post(url, json=payload, timeout=TIMEOUT_SECONDS).raise_for_status()
    except requests.RequestException as error:
        logger.warning("On-call notification failed (escalation is still recorded): %s", error)


def notify(conversation_id: str, channel: str | None, signs: list[str], message: str) -> threading.Thread | None:
    """Start posting the escalation to the on-call webhook; returns the thread, or None when not configured."""
    url = os.environ.get(WEBHOOK_ENV)
    if not url:
        return None
    payload = {
        "event": "stroke_escalation",
        "time": datetime.now(timezone.utc).isoformat(),
        "conversation_id": conversation_id,
        "channel": channel,
        "signs": signs,
        "message": message[:2000],
    }
    thread = threading.Thread(target=_post, args=(url, payload), daemon=True, name="oncall-notify")
    thread.start()
    return thread
