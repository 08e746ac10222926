"""Reading the bot's replies as a user sees them: their text, their buttons, whether one is the emergency alert."""

from __future__ import annotations


def texts(replies: list[dict]) -> str:
    return " ".join(m.get("text") or "" for m in replies)


def buttons(replies: list[dict]) -> list[dict]:
    return [b for m in replies for b in m.get("buttons") or []]


def is_emergency(message: dict) -> bool:
    """The emergency alert: the custom payload every channel shows as an alert."""
    return (message.get("custom") or {}).get("emergency") is True
