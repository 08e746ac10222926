"""One input policy for every channel: how much a message may hold and what is taken out of it before the models.

Each channel (REST, the web page's socket.io, Slack, Telegram) used to apply its own limits or none: socket.io took
engine.io's default of about 1 MB, Slack any body, and only REST cut control characters. A message is what a person
typed: a long page of text at most (`ATROPHY_MAX_MESSAGE_CHARS`, 5,000 characters by default). Longer ones are
refused with a reply that says why and still gives the emergency number, never silently cut (the end of a long
message may be the part that reports a stroke). Request bodies are capped at `MAX_BODY_BYTES` before they are
parsed. Within the limit, the models read at most `MODEL_CHARS` characters (`for_models`: the beginning and the
end, where a question usually is; addons/input_limit.py, the NLU pipeline's first step, whatever the channel):
DIET's attention grows with the square of the tokens, and the sentence encoder reads 512 word pieces at most. The
red-flag decision alone reads the whole message.
"""

from __future__ import annotations

import re

from atrophy.settings import emergency_number, max_message_chars

# A request body: the message (up to 4 bytes a character in UTF-8, more when JSON escapes it) and the platform's
# envelope (Slack's and Telegram's events carry a few kB of their own).
MAX_BODY_BYTES = 64 * 1024
MAX_METADATA_CHARS = 2000
MODEL_CHARS = 1500
GAP = " … "
# A message of more words than this is longer than the sentence encoder reads (128 word pieces, about 90 words):
# the red-flag decision reads it in windows of sentences too, the topic classifier its asking sentence alone.
LONG_WORDS = 80
WORD = re.compile(r"[A-Za-z0-9']+")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")

TOO_LONG = (
    "That message is too long for me: I can read at most {limit} characters at a time. Please send a shorter "
    "one. If you or someone with you has sudden weakness, numbness, a drooping face, or trouble speaking or "
    "seeing, call {number} now."
)


def clean_text(text: str) -> str:
    """The message without control characters (new lines and tabs kept) and without unpaired surrogates, which
    PostgreSQL cannot store."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub(" ", text)


def too_long(text: str | None) -> bool:
    return text is not None and len(text) > max_message_chars()


def too_long_reply() -> str:
    """What a chat channel answers to a message over the limit (REST answers 413)."""
    return TOO_LONG.format(limit=f"{max_message_chars():,}", number=emergency_number())


def word_count(text: str) -> int:
    return len(WORD.findall(text or ""))


def for_models(text: str, limit: int = MODEL_CHARS) -> str:
    """At most `limit` characters of `text` for the models: the first three fifths and the last two, each cut at a
    word boundary, joined by an ellipsis; a text within the limit is returned as it is."""
    if len(text) <= limit:
        return text
    budget = limit - len(GAP)
    head, tail = text[: budget * 3 // 5], text[len(text) - budget * 2 // 5 :]
    head = head.rsplit(None, 1)[0] if " " in head.strip() else head
    tail = tail.split(None, 1)[1] if " " in tail.strip() else tail
    return head.rstrip() + GAP + tail.lstrip()
