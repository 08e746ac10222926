"""Stroke red-flag detection: does a message report a stroke warning sign happening now?

Layers, each usable and testable alone:
- `lexicon`: the words and patterns of the rules (data in `data/red_flags/lexicon.yml`);
- `rules`: the spaCy rule engine over them (negation, explained causes, questions, time);
- `encoder`: the pretrained sentence encoder all-MiniLM-L6-v2;
- `classifier`: a trained "reports a stroke sign now" classifier on the encoder and character n-grams;
- `decide`: the decision (escalate, unsure, none) that puts recall first.
"""

from atrophy.red_flags.rules import (
    SIGNS,
    Assessment,
    Finding,
    RedFlagDetector,
    build_pipeline,
    default_detector,
    rules_fingerprint,
)

__all__ = [
    "SIGNS",
    "Assessment",
    "Finding",
    "RedFlagDetector",
    "build_pipeline",
    "default_detector",
    "rules_fingerprint",
]
