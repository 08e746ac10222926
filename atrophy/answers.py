"""Turn knowledge-base records into the assistant's replies: one place for wording, source and disclaimer."""
from __future__ import annotations

from atrophy.knowledge import CategoryInfo, ConditionInfo, TopicInfo

DISCLAIMER = "This is general information, not a diagnosis: please see a doctor about your own symptoms."


def _with_source(body: str, source: str) -> str:
    # A single newline keeps body, source and disclaimer in one chat bubble (Rasa splits on blank lines).
    return f"{body}\nSource: {source}\n{DISCLAIMER}"


def topic_answer(topic: TopicInfo) -> str:
    return _with_source(topic.body, topic.source)


def causes_answer(categories: list[CategoryInfo]) -> str:
    lines = ["Muscle atrophy has several kinds of causes:"]
    lines += [f"- {c.name}: {c.summary}" for c in categories]
    lines.append("Ask me about any of them, or about a condition such as ALS or rheumatoid arthritis.")
    sources = dict.fromkeys(part for c in categories for part in c.source.split("; "))
    return _with_source("\n".join(lines), "; ".join(sources))


def condition_answer(condition: ConditionInfo) -> str:
    causes = " and ".join(c.lower() for c in condition.cause_names) or "muscle atrophy"
    body = (
        f"{condition.name} is {condition.description}\n"
        f"How it leads to atrophy ({causes}): {condition.mechanism}\n"
        f"Other symptoms: {condition.symptoms}\n"
        f"When to seek care: {condition.seek_care}"
    )
    return _with_source(body, condition.source)


def unknown_condition_answer(asked: str | None, known: list[ConditionInfo]) -> str:
    names = ", ".join(c.name for c in known)
    opening = f"I don't have checked information about \"{asked}\"." if asked else "Which condition do you mean?"
    return f"{opening} I can tell you how these conditions relate to muscle atrophy: {names}."
