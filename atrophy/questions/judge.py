"""How a reply to a question is judged, the same contract as ../shared/tools/evaluate.py (README there), so the
project's figures and that tool's agree without the project needing it:

- a reply **escalates** when one of its messages carries a custom payload with `"emergency": true`;
- a question is **answered on topic** when the reply's text (buttons and custom payloads included) contains one of
  its `expect_any` phrases as a whole word, and it does not escalate (except for `stroke_info`, `when_to_seek_care`);
- an **empty reply** is a user message that got no bot message.

It also counts, for honesty, the on-topic replies that only offered the topic as a button (`offered_only`):
the contract counts them, a person still has to press the button.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

ESCALATION_ALLOWED = ("stroke_info", "when_to_seek_care")


def is_emergency(message: dict) -> bool:
    custom = message.get("custom")
    return isinstance(custom, dict) and (
        custom.get("emergency") is True or str(custom.get("emergency")).lower() == "true"
    )


def reply_text(messages: list[dict], with_buttons: bool = True) -> str:
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        if with_buttons:
            parts += [b.get("title") or "" for b in m.get("buttons") or []]
            if m.get("custom"):
                parts.append(json.dumps(m["custom"]))
    return " ".join(parts).lower()


def has_any(text: str, phrases: list[str]) -> bool:
    return any(re.search(r"(?<![a-z0-9])" + re.escape(p.lower()) + r"(?![a-z0-9])", text) for p in phrases)


def on_topic(messages: list[dict], topic: str, expect_any: list[str]) -> bool:
    escalated = any(is_emergency(m) for m in messages)
    return has_any(reply_text(messages), expect_any) and (not escalated or topic in ESCALATION_ALLOWED)


@dataclass
class Figures:
    """Questions answered on topic, overall and per topic and per tag; empty replies; conversations."""

    total: int = 0
    right: int = 0
    empty: int = 0
    offered_only: int = 0
    per_topic: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    per_tag: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    conversations: list = field(default_factory=lambda: [0, 0])
    misses: list = field(default_factory=list)

    def add(self, item: dict, messages: list[dict]) -> bool:
        good = on_topic(messages, item["topic"], item["expect_any"])
        self.total += 1
        self.right += good
        self.empty += not messages
        if good and not has_any(reply_text(messages, with_buttons=False), item["expect_any"]):
            self.offered_only += 1
        for bucket in [self.per_topic[item["topic"]], *(self.per_tag[t] for t in item.get("tags") or [])]:
            bucket[0] += good
            bucket[1] += 1
        if not good:
            first = (messages[0].get("text") or "")[:70].replace("\n", " ") if messages else "(no reply)"
            self.misses.append((item["id"], item["topic"], first))
        return good

    def add_conversation(self, item: dict, last_reply: list[dict], empty_turns: int) -> bool:
        good = on_topic(last_reply, item["topic"], item["expect_any"])
        self.conversations[0] += good
        self.conversations[1] += 1
        self.empty += empty_turns
        return good

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0

    def topic_rates(self) -> dict[str, float]:
        return {t: r / n for t, (r, n) in sorted(self.per_topic.items())}

    def as_dict(self) -> dict:
        return {
            "questions": self.total,
            "on_topic": self.right,
            "on_topic_rate": round(self.rate, 4),
            "offered_only": self.offered_only,
            "empty_replies": self.empty,
            "per_topic": {t: {"on_topic": r, "of": n} for t, (r, n) in sorted(self.per_topic.items())},
            "per_tag": {t: {"on_topic": r, "of": n} for t, (r, n) in sorted(self.per_tag.items())},
            "conversations": {"answered_last": self.conversations[0], "of": self.conversations[1]},
            "misses": self.misses,
        }
