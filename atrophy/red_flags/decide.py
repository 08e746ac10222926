"""The red-flag decision: escalate, unsure, or nothing, with recall first.

- The classifier (which also reads the rules' verdicts) escalates when it is confident; a sign found by the rules
  escalates at a lower probability (`veto_below`): the rules are evidence, and the classifier learnt where they
  misfire (films, drink, a leg slept on).
- In between, the unsure tier: the first reply says "if this is happening now, call the emergency number" and asks
  whether it started suddenly. A rule finding the classifier doubts lands there too (from `dismiss_below`), and only
  a rule finding the classifier is all but certain is a near miss gets no number.
- Over several messages (`conversation_escalates`): the user's recent messages are read together, so a sign in
  one and a sudden onset in another escalate, and an explanation given later ("I'd slept on it") counts too.

Thresholds live in `data/red_flags/decision.yml`. Without a built classifier (`make build`), the rules decide alone.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import yaml

from atrophy.input_policy import LONG_WORDS, SENTENCE_BREAK, word_count
from atrophy.red_flags import lexicon
from atrophy.red_flags.normalise import normalise
from atrophy.red_flags.rules import Finding, RedFlagDetector, default_detector

logger = logging.getLogger(__name__)

THRESHOLDS_FILE = Path(__file__).resolve().parents[2] / "data" / "red_flags" / "decision.yml"
ESCALATE, UNSURE, NONE = "escalate", "unsure", "none"
# Signs that add up with a sudden onset given in another message of the same conversation.
ONSET = "onset"
MAX_TEXT = 5000
# Signs that count as one kind when two of them are named together (a weak, numb or paralysed limb is one kind).
SIGN_KINDS = {"weakness_numbness": "limb", "arm_weakness": "limb", "paralysis": "limb"}
# The end of a question (or a line) followed by more text: where a report after an unrelated question may begin.
_SENTENCE_END = re.compile(r"(?<=[?])\s+|\n+")
WINDOW_WORDS = 50
MAX_WINDOWS = 60
_CONDITIONAL = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, lexicon.CONDITIONALS)), re.I)


@dataclass(frozen=True)
class Thresholds:
    escalate_at: float  # the classifier alone escalates from here
    unsure_at: float  # the classifier alone gives the unsure tier from here
    veto_below: float  # a rule finding escalates from here
    dismiss_below: float = 0.0  # a rule finding gives the unsure tier from here; below, nothing
    two_signs_from: float = 0.3  # two kinds of sign found together escalate from here
    short_words: int = 8  # a message of at most this many words is "short"
    short_report_from: float = 0.25  # a sign found in a short message escalates from here; below, the unsure tier
    onset_from: float = 1.01  # a sign found with a time of onset in the same message escalates from here

    @staticmethod
    def load(path: Path = THRESHOLDS_FILE) -> "Thresholds":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Thresholds(
            float(data["escalate_at"]),
            float(data["unsure_at"]),
            float(data["veto_below"]),
            float(data.get("dismiss_below", 0.0)),
            float(data.get("two_signs_from", 0.3)),
            int(data.get("short_words", 8)),
            float(data.get("short_report_from", 0.25)),
            float(data.get("onset_from", 1.01)),
        )


@dataclass(frozen=True)
class Decision:
    level: str  # ESCALATE, UNSURE or NONE
    findings: tuple[Finding, ...] = ()  # the rules' signs (empty when the classifier decided)
    probability: float | None = None  # the classifier's, when it ran
    concepts: frozenset[str] = field(default_factory=frozenset)

    @property
    def escalate(self) -> bool:
        return self.level == ESCALATE

    def summary(self) -> str:
        """For logs: the level, the signs and the probability, none of the person's words (health data)."""
        signs = ", ".join(f.sign for f in self.findings) or "no rule finding"
        p = "n/a" if self.probability is None else f"{self.probability:.2f}"
        return f"{self.level} ({signs}; classifier {p})"

    def explain(self) -> str:
        signs = "; ".join(f"{f.sign}: '{f.evidence}'" for f in self.findings) or "no rule finding"
        p = "n/a" if self.probability is None else f"{self.probability:.2f}"
        return f"{self.level} ({signs}; classifier {p})"


def sign_kinds(concepts: Iterable[str]) -> set[str]:
    """The kinds of stroke sign among the concepts (onset and side left out)."""
    return {SIGN_KINDS.get(c, c) for c in concepts} - {ONSET, "one_side"}


def tails(text: str) -> list[str]:
    """The message from after each question on: a report that follows an unrelated question ("can physio help
    with steroids? Actually, more urgent, his leg's dragging") is read without the question before it. Not after
    a hypothetical ("if my mum suddenly slurred, is it a stroke? just asking"): what follows it is in its frame."""
    starts = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]
    return [text[i:] for i in starts if not _CONDITIONAL.search(text[:i])]


def windows(text: str) -> list[str]:
    """A long message in runs of whole sentences of at most `WINDOW_WORDS` words, one run starting at each sentence:
    the encoder reads 128 word pieces (about 90 words) and the classifier learnt chat-length messages, so a report in
    the middle of a long story ("Sorry for the long message ... half an hour ago his face drooped ...") was diluted
    or never seen. Only for messages over `LONG_WORDS` words; not from after a hypothetical (as for `tails`)."""
    if word_count(text) <= LONG_WORDS:
        return []
    bounds = [0, *(m.end() for m in SENTENCE_BREAK.finditer(text) if m.end() < len(text))]
    sentences = [(start, text[start:end]) for start, end in zip(bounds, [*bounds[1:], len(text)])]
    out: list[str] = []
    for i, (start, _) in enumerate(sentences):
        if _CONDITIONAL.search(text[:start]) and start:
            break
        parts, words = [], 0
        for _, sentence in sentences[i:]:
            if parts and words + word_count(sentence) > WINDOW_WORDS:
                break
            parts.append(sentence)
            words += word_count(sentence)
        out.append("".join(parts).strip())
    return list(dict.fromkeys(w for w in out if w))[:MAX_WINDOWS]


def adds_up(concepts: Iterable[str]) -> bool:
    """Signs given over several messages that together call for an emergency: a sign and a sudden onset."""
    concepts = set(concepts)
    return ONSET in concepts and bool(concepts - {ONSET, "one_side"})


def level_of(t: Thresholds, rule_found: bool, probability: float | None, concepts: Iterable[str], words: int) -> str:
    """The level of one message from what the rules found, the classifier's probability, the message's concepts
    and its length: `levels_of` on one message, so that the decision tuned is the decision the bot makes."""
    if probability is None:  # no classifier: the rules decide alone
        return ESCALATE if rule_found else NONE
    concepts = set(concepts)
    escalate, unsure = levels_of(
        t,
        np.array([rule_found]),
        np.array([probability]),
        np.array([len(sign_kinds(concepts)) >= 2]),
        np.array([ONSET in concepts]),
        np.array([words <= t.short_words]),
    )
    return ESCALATE if escalate[0] else UNSURE if unsure[0] else NONE


def levels_of(t: Thresholds, rule_found, probability, two_kinds, onset, short):
    """The decision over arrays (numpy) of many messages at once (the thresholds are tuned on it): returns
    (escalate, unsure) boolean arrays. A message escalates when
    - the classifier is confident, or the rules found a sign it does not doubt (`veto_below`);
    - the rules found two kinds of sign ("face down. arm weak. words slurred": FAST itself) and the classifier is not
      fairly sure it is no report (a film, a drink; explained, negated, chronic or hypothetical mentions never reach
      the concepts);
    - the rules found a sign and its time of onset in the same message ("can't get his leg to work since the
      match"), from `onset_from`;
    - the rules found a sign in a terse message ("husb slurrng. sober"), which the classifier, having learnt short
      messages from form answers, doubts: from `short_report_from`, and never silence below it.
    Otherwise the unsure tier (the number and the onset question) from `unsure_at` (or `dismiss_below` for a rule
    finding), else nothing."""
    p = probability
    escalate = (
        (p >= t.escalate_at)
        | (rule_found & (p >= t.veto_below))
        | (rule_found & two_kinds & (p >= t.two_signs_from))
        | (rule_found & onset & (p >= t.onset_from))
        | (rule_found & short & (p >= t.short_report_from))
    )
    unsure = ~escalate & (
        (~rule_found & (p >= t.unsure_at)) | (rule_found & (short | (p >= min(t.unsure_at, t.dismiss_below))))
    )
    return escalate, unsure


class StrokeDecider:
    def __init__(self, detector: RedFlagDetector, classifier=None, thresholds: Thresholds | None = None):
        self.detector = detector
        self.classifier = classifier
        self.thresholds = thresholds or Thresholds.load()

    def decide(self, text: str, read_tails: bool = True) -> Decision:
        text = text if isinstance(text, str) else str(text or "")
        fixed = normalise(text[:MAX_TEXT])  # shorthand and typos, for the rules as for the classifier
        assessment = self.detector.assess(fixed)
        concepts = self.detector.concepts(fixed)
        words = word_count(text)
        probability = None
        if self.classifier is not None and text.strip():
            try:
                probability = self.classifier.probability(text[:MAX_TEXT])
                if (
                    read_tails
                    and level_of(self.thresholds, assessment.escalate, probability, concepts, words) != ESCALATE
                ):
                    # A report after an unrelated question ("good stretch for a stiff neck? also a grey curtain is
                    # coming across my eye") is diluted by the question, for the classifier as for the rules: the
                    # message is read again from each later sentence on (only when the whole did not escalate:
                    # a higher probability can change nothing then, and each part costs an encoder pass).
                    # A long message the rules found a sign in is read in windows too (`windows`).
                    parts = tails(text[:MAX_TEXT]) + (windows(text[:MAX_TEXT]) if assessment.escalate else [])
                    probability = max([probability, *(self.classifier.probability(t) for t in parts)])
            except Exception:  # the rules still decide; a broken model must not silence an emergency
                logger.exception("The stroke classifier failed; the rules decide alone")
        level = level_of(self.thresholds, assessment.escalate, probability, concepts, words)
        return Decision(level, assessment.findings, probability, concepts)

    def conversation_escalates(self, texts: list[str]) -> bool:
        """Do the user's recent messages (oldest first), read together, call for the alert that none did alone?
        Yes when the joined text escalates, or when its signs add up with a sudden onset and it is at least in the
        unsure tier (an explanation in any of the messages keeps it out)."""
        texts = [t for t in texts if t and not t.startswith("/")]
        if len(texts) < 2:
            return False
        # Each message was already read with its tails; the joined text is read whole (the policy asks this at
        # every prediction of a turn, and one encoder pass per tail would be paid each time).
        decision = self.decide("\n".join(texts), read_tails=False)
        concepts = set().union(*(self.detector.concepts(t) for t in texts))
        return decision.escalate or (decision.level == UNSURE and adds_up(concepts))


def load_decider(classifier_path: str | Path | None = None, pipeline_path: str | None = None) -> StrokeDecider:
    """The rules and, when it has been built, the classifier."""
    from atrophy.red_flags.classifier import DEFAULT_PATH, load_classifier

    detector = RedFlagDetector.load(pipeline_path) if pipeline_path else default_detector()
    path = Path(classifier_path or DEFAULT_PATH)
    classifier = None
    if path.is_file():
        classifier = load_classifier(path)
    else:
        logger.warning("No stroke classifier at %s (run `make build`): the rules decide alone", path)
    return StrokeDecider(detector, classifier)


@functools.lru_cache(maxsize=1)
def default_decider() -> StrokeDecider:
    return load_decider()
