"""Turn knowledge-base records into the assistant's replies: one place for wording, source and disclaimer."""

from __future__ import annotations

import re

from atrophy.knowledge import CategoryInfo, ConditionInfo, TopicInfo, normalize_name

DISCLAIMER = "This is general information, not a diagnosis: please see a doctor about your own symptoms."


REVIEWED = "reviewed "


# An answer built from several entries names at most this many sources, then how many more there are.
MAX_SOURCES_SHOWN = 3
_LINK_NAME = re.compile(r"^\[([^\]]+)\]")


def source_line(*sources: str) -> str:
    """One short line for one or more entries' stored sources: each source once (by the name shown), at most
    MAX_SOURCES_SHOWN of them, then the oldest review date (an answer is as current as its least recently checked
    part)."""
    parts = [p for s in sources for p in s.split("; ") if p]
    names: dict[str, str] = {}
    for part in parts:
        if not part.startswith(REVIEWED):
            shown = _LINK_NAME.match(part)
            names.setdefault(shown.group(1) if shown else part, part)
    dates = sorted(p[len(REVIEWED) :] for p in parts if p.startswith(REVIEWED))
    listed = list(names.values())
    line = "Source: " + "; ".join(listed[:MAX_SOURCES_SHOWN])
    if len(listed) > MAX_SOURCES_SHOWN:
        line += f" and {len(listed) - MAX_SOURCES_SHOWN} more"
    return f"{line} (reviewed {dates[0]})" if dates else line


def _with_source(body: str, *sources: str) -> str:
    # A single newline keeps body, source and disclaimer in one chat bubble (Rasa splits on blank lines); two
    # spaces before it make it a line break where the answer is rendered as Markdown (the web page).
    return f"{body}  \n{source_line(*sources)}  \n{DISCLAIMER}"


def topic_answer(topic: TopicInfo) -> str:
    return _with_source(f"{topic.title}\n{topic.body}", topic.source)


def causes_answer(categories: list[CategoryInfo]) -> str:
    lines = ["Muscle atrophy has several kinds of causes:"]
    lines += [f"- {c.name}: {c.summary}" for c in categories]
    lines.append("Ask me about any of them, or about a condition such as ALS or rheumatoid arthritis.")
    return _with_source("\n".join(lines), *(c.source for c in categories))


def condition_answer(condition: ConditionInfo) -> str:
    causes = " and ".join(c.lower() for c in condition.cause_names) or "muscle atrophy"
    body = (
        f"{condition.name} is {condition.description}\n"
        f"How it leads to atrophy ({causes}): {condition.mechanism}\n"
        f"Other symptoms: {condition.symptoms}\n"
        f"When to seek care: {condition.seek_care}"
    )
    return _with_source(body, condition.source)


UNKNOWN_NAME_OPENING = "I don't have checked information about"


def unknown_condition_answer(asked: str | None, known: list[ConditionInfo]) -> str:
    """Admit what is not in the knowledge base; a broad word ("arthritis") is narrowed, not guessed."""
    wanted = normalize_name(asked or "")
    narrower = [c.name for c in known if len(wanted) >= 4 and wanted in normalize_name(c.name)]
    if len(narrower) > 1:
        return (
            f'"{asked}" covers more than one condition. These kinds are linked to muscle atrophy: '
            f"{' and '.join(narrower)}. Which one would you like to know about?"
        )
    names = ", ".join(c.name for c in known)
    opening = f'{UNKNOWN_NAME_OPENING} "{asked}".' if asked else "Which condition do you mean?"
    return f"{opening} I can tell you how these conditions relate to muscle atrophy: {names}."


# What the user may ask about an object, in the words the answers use.
ATTRIBUTE_LABELS = {
    "description": "What it is",
    "mechanism": "How it leads to muscle atrophy",
    "symptoms": "Other symptoms",
    "seek_care": "When to seek care",
    "summary": "In short",
    "details": "More detail",
}


def category_answer(category: CategoryInfo) -> str:
    body = f"{category.name}: {category.details}"
    if category.condition_names:
        listed = "\n".join(f"{i}. {name}" for i, name in enumerate(category.condition_names, 1))
        body += (
            f"\nConditions in this group that I can tell you about:\n{listed}\n"
            'Ask about any of them, e.g. "the first one".'
        )
    return _with_source(body, category.source)


def attribute_answer(name: str, attribute: str, value: str, source: str, seek_care: str | None = None) -> str:
    """One thing about a condition; a condition's answer always says when to seek care too (for a stroke: call the
    emergency number now), whatever was asked about it."""
    label = ATTRIBUTE_LABELS.get(attribute, attribute.replace("_", " ").capitalize())
    care = f"\n{ATTRIBUTE_LABELS['seek_care']}: {seek_care}" if seek_care and attribute != "seek_care" else ""
    return _with_source(f"{name}. {label}: {value}{care}", source)


def listing_answer(names: list[str], sources: list[str], heading: str) -> str:
    if not names:
        return "I don't have checked information matching that. Try asking about the causes of muscle atrophy."
    lines = [heading] + [f"{i}. {name}" for i, name in enumerate(names, 1)]
    lines.append('Ask me about any of them, for example "tell me more about the second one".')
    return _with_source("\n".join(lines), *sources)


CARE_ADVICE = {
    "emergency": "Call the emergency number now: sudden weakness with warning signs can mean a stroke.",
    "prompt": "Get prompt medical care: see a doctor soon rather than waiting for a routine check-up.",
    "routine": "Book a visit with your doctor about it: muscle loss you cannot explain, or that has lasted a long "
    "time, deserves a check.",
}
EMERGENCY_REMINDER = (
    "If weakness ever comes on suddenly together with a change in vision, passing out, trouble "
    "speaking or being unable to move part of the body, call the emergency number at once."
)


def symptom_check_answer(care: str, reasons: list[str], categories: list[CategoryInfo], care_source: str) -> str:
    lines = [f"Thanks. {CARE_ADVICE[care]}"]
    if reasons:
        lines.append("Why: " + "; ".join(reasons) + ".")
    if categories:
        lines.append(
            "Kinds of causes that can be behind muscle loss like you describe (only a doctor can tell which, "
            "if any, applies to you):"
        )
        lines += [f"- {c.name}: {c.summary}" for c in categories]
    else:
        lines.append("What you told me doesn't point to one kind of cause; a doctor can look into it.")
    if care != "emergency":
        lines.append(EMERGENCY_REMINDER)
    return _with_source("\n".join(lines), care_source, *(c.source for c in categories))
