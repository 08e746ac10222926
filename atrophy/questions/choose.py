"""Which topic to answer, given the topic classifier's ranking and any name the person used.

- a confident classifier answers (`ANSWER_AT`);
- a name in the question that matches a topic (tolerantly, `catalogue.match_name`) answers when the classifier is
  unsure, or when it is among the classifier's runners-up;
- a classifier that is only fairly sure still answers (`GUESS_AT`): an answer on the likely topic with its title,
  which the person can see is or is not what they asked, beats a question back;
- below that, nothing is guessed: the closest topics are offered as buttons.

Many questions join a subject (a cause, a condition, ageing) and an aspect of it (will it recover, does it hurt,
how to treat it, when to see a doctor): "broke my back two years ago, will my leg muscles come back?". When the
runner-up is likely too (`ALSO_AT`), or the question names a subject (a condition, a cause), and the two are one
subject and one aspect, both are answered, the likelier first.

A comparison (`COMPARES`) that names two subjects ("how is cachexia different from just not eating enough?") gets
both answered.

A follow-up that points back ("what exercise is safe with it?", "can it make your muscles waste?") names no subject:
the subject of the conversation's last answer (`previous`) is answered beside the aspect, or alone when nothing
else is likely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from atrophy.questions.catalogue import match_name, mentioned_topics, topics

ANSWER_AT = 0.45
GUESS_AT = 0.2
ALSO_AT = 0.2
ASPECTS = frozenset({"recovery", "pain", "prevention_treatment", "when_to_seek_care"})
# A comparison ("how does cachexia differ from not eating enough?", "is it age or the steroids?"): each subject it
# names is answered, not only the likelier one.
COMPARES = re.compile(
    r"\b(differ\w*|difference|vs\.?|versus|compared?|comparison|same (thing )?as|or is it|or (just|simply))\b", re.I
)
# Words by which a follow-up points back at what was just talked about.
REFERS_BACK = re.compile(r"\b(it|its|it's|that|this|those|these|them|they|the same|that one|this one)\b", re.I)


@dataclass(frozen=True)
class Choice:
    topic: str | None  # the topic to answer, or None: offer `offer` as buttons
    offer: tuple[str, ...] = ()
    reason: str = ""
    also: str | None = None  # a second topic answered after the first (a subject and an aspect of it)


# Topics answered from their own text that are a cause all the same: muscle loss after a stroke.
CAUSE_TOPICS = frozenset({"stroke_atrophy"})


def is_subject(topic: str | None) -> bool:
    """A condition or a kind of cause (not an aspect such as recovery, nor a general topic)."""
    return (
        bool(topic)
        and topic in topics()
        and (topic in CAUSE_TOPICS or bool({"condition", "category"} & set(topics()[topic].answer)))
    )


def choose(
    ranking: list[tuple[str, float]],
    names: list[str | None] = (),
    text: str = "",
    previous: str | None = None,
    cued: list[str] = (),
) -> Choice:
    known = topics()
    ranking = [(t, p) for t, p in ranking if t in known]
    named = [t for t in (match_name(n) for n in names if n) if t]
    named += [t for t in mentioned_topics(text) if t not in named]
    choice = _choose(ranking, named, [t for t in cued if t in known])
    if choice.topic and choice.also is None and COMPARES.search(text or ""):
        other = next((t for t in named if t != choice.topic and is_subject(t)), None)
        if other:
            choice = Choice(choice.topic, reason=f"{choice.reason}; compared with {other}", also=other)
    if not (is_subject(previous) and not named and REFERS_BACK.search(text or "")):
        return choice
    if choice.topic is None:
        return Choice(previous, reason=f"follow-up on {previous}")
    if choice.topic in ASPECTS and choice.also in (None, previous):
        return Choice(choice.topic, reason=f"{choice.reason}; follow-up on {previous}", also=previous)
    return choice


def _choose(ranking: list[tuple[str, float]], named: list[str], cued: list[str] = ()) -> Choice:
    best, probability = ranking[0] if ranking else (None, 0.0)
    if best and probability >= ANSWER_AT:
        return Choice(best, reason=f"classifier {probability:.2f}", also=_also(ranking, named, cued))
    runners_up = [t for t, _ in ranking[:3]]
    for topic in named:
        if topic in runners_up or probability < GUESS_AT:
            return Choice(topic, reason=f"named ({topic})")
    if best and probability >= GUESS_AT:
        return Choice(best, reason=f"classifier guess {probability:.2f}", also=_also(ranking, named, cued))
    offer = tuple(dict.fromkeys([*named, *runners_up]))[:3]
    return Choice(None, offer or ("what_is_atrophy", "causes", "when_to_seek_care"), reason="unsure")


def _also(ranking: list[tuple[str, float]], named: list[str] = (), cued: list[str] = ()) -> str | None:
    """The second topic to answer: a likely runner-up, or a subject the question names ("how is ALS treated?") or
    points to in everyday words ("after a broken ankle", `catalogue.cued_subjects`), when one of the two is an aspect
    and the other a subject."""
    first = ranking[0][0]
    subjects = [t for t in [*named, *cued] if is_subject(t)]
    aspects = [t for t in cued if t in ASPECTS]
    candidates = [t for t, p in ranking[1:2] if p >= ALSO_AT] + subjects + aspects
    for second in candidates:
        if second != first and (first in ASPECTS) != (second in ASPECTS):
            return second
    return None
