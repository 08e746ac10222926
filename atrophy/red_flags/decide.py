"""The red-flag decision: escalate, unsure, or nothing, with recall first.

- A sign found by the rules escalates (unless the classifier is all but certain it is a near miss: then the message
  still gets the number, in the unsure tier, never silence).
- With no rule finding, the classifier escalates when it is confident, and puts the message in the unsure tier when
  it is not sure either way: the first reply then says "if this is happening now, call the emergency number" and
  asks whether it started suddenly.
- Over several messages, a sign mentioned without the context that makes it count alone, plus a sudden onset given
  in another message, escalates (`adds_up`).

Thresholds live in `data/red_flags/decision.yml`. Without a built classifier (`make build`), the rules decide alone.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from atrophy.red_flags.rules import Finding, RedFlagDetector, default_detector

logger = logging.getLogger(__name__)

THRESHOLDS_FILE = Path(__file__).resolve().parents[2] / "data" / "red_flags" / "decision.yml"
ESCALATE, UNSURE, NONE = "escalate", "unsure", "none"
# Signs that add up with a sudden onset given in another message of the same conversation.
ONSET = "onset"
MAX_TEXT = 5000


@dataclass(frozen=True)
class Thresholds:
    escalate_at: float
    unsure_at: float
    veto_below: float

    @staticmethod
    def load(path: Path = THRESHOLDS_FILE) -> "Thresholds":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Thresholds(float(data["escalate_at"]), float(data["unsure_at"]), float(data["veto_below"]))


@dataclass(frozen=True)
class Decision:
    level: str                              # ESCALATE, UNSURE or NONE
    findings: tuple[Finding, ...] = ()      # the rules' signs (empty when the classifier decided)
    probability: float | None = None        # the classifier's, when it ran
    concepts: frozenset[str] = field(default_factory=frozenset)

    @property
    def escalate(self) -> bool:
        return self.level == ESCALATE

    def explain(self) -> str:
        signs = "; ".join(f"{f.sign}: '{f.evidence}'" for f in self.findings) or "no rule finding"
        p = "n/a" if self.probability is None else f"{self.probability:.2f}"
        return f"{self.level} ({signs}; classifier {p})"


def adds_up(concepts: Iterable[str]) -> bool:
    """Signs given over several messages that together call for an emergency: a sign and a sudden onset."""
    concepts = set(concepts)
    return ONSET in concepts and bool(concepts - {ONSET, "one_side"})


class StrokeDecider:
    def __init__(self, detector: RedFlagDetector, classifier=None, thresholds: Thresholds | None = None):
        self.detector = detector
        self.classifier = classifier
        self.thresholds = thresholds or Thresholds.load()

    def decide(self, text: str) -> Decision:
        text = text if isinstance(text, str) else str(text or "")
        assessment = self.detector.assess(text)
        concepts = self.detector.concepts(text)
        probability = None
        if self.classifier is not None and text.strip():
            try:
                probability = self.classifier.probability(text[:MAX_TEXT])
            except Exception:  # the rules still decide; a broken model must not silence an emergency
                logger.exception("The stroke classifier failed; the rules decide alone")
        t = self.thresholds
        if assessment.escalate:
            vetoed = probability is not None and probability < t.veto_below
            return Decision(UNSURE if vetoed else ESCALATE, assessment.findings, probability, concepts)
        if probability is not None and probability >= t.escalate_at:
            return Decision(ESCALATE, (), probability, concepts)
        if probability is not None and probability >= t.unsure_at:
            return Decision(UNSURE, (), probability, concepts)
        return Decision(NONE, (), probability, concepts)


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
