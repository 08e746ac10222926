"""Train the stroke-report classifier on the tuning corpus, and (with --tune) choose the decision thresholds.

    python scripts/train_red_flags.py            # build/red_flags/classifier.joblib (make build runs this)
    python scripts/train_red_flags.py --tune     # also: 5-fold out-of-fold figures and thresholds to decision.yml

Tuning uses only the tuning corpus (data/red_flags/corpus/ and tests/data/red_flag_messages.yml): the frozen test
splits in tests/data/heldout/ are never read here.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from atrophy.red_flags.classifier import (DEFAULT_PATH, StrokeReportClassifier, fingerprint,  # noqa: E402
                                          train, training_examples, training_files)
from atrophy.red_flags.decide import THRESHOLDS_FILE  # noqa: E402
from atrophy.red_flags.rules import default_detector  # noqa: E402


def out_of_fold(texts: list[str], labels: np.ndarray, folds: int = 5, seed: int = 13) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    model = StrokeReportClassifier()
    vectors = model.embed(texts)
    probabilities = np.zeros(len(texts))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
        fold = StrokeReportClassifier().fit([texts[i] for i in train_idx], labels[train_idx], vectors[train_idx])
        probabilities[test_idx] = fold.probabilities([texts[i] for i in test_idx], vectors[test_idx])
    return probabilities


def tune() -> None:
    examples = training_examples()
    texts = [e.text for e in examples]
    labels = np.array([e.label for e in examples])
    probabilities = out_of_fold(texts, labels)
    detector = default_detector()
    rules = np.array([detector.assess(t).escalate for t in texts])
    pos, neg = labels == 1, labels == 0
    print(f"{len(texts)} examples ({pos.sum()} reports, {neg.sum()} not); rules alone: recall "
          f"{rules[pos].mean():.3f}, false escalation {rules[neg].mean():.3f}")
    print("escalate_at unsure_at veto | recall  unsure(em)  false_esc  unsure(nm)")
    best = None
    for veto in (0.0, 0.02, 0.05, 0.1):
        for escalate_at in (0.5, 0.6, 0.7, 0.8, 0.9):
            for unsure_at in (0.1, 0.15, 0.2, 0.3, 0.4):
                if unsure_at >= escalate_at:
                    continue
                esc = (rules & (probabilities >= veto)) | (probabilities >= escalate_at)
                uns = ~esc & ((rules & (probabilities < veto)) | (probabilities >= unsure_at))
                row = (esc[pos].mean(), uns[pos].mean(), esc[neg].mean(), uns[neg].mean())
                # Recall first; then false escalation within 2%, and the unsure tier within 8% of near misses.
                ok = row[2] <= 0.02 and row[3] <= 0.08
                score = (ok, row[0] + 0.5 * row[1], -row[2])
                if best is None or score > best[0]:
                    best = (score, (escalate_at, unsure_at, veto), row)
                print(f"{escalate_at:>11} {unsure_at:>9} {veto:>4} | {row[0]:.3f}  {row[1]:.3f}  {row[2]:.3f}  "
                      f"{row[3]:.3f}")
    (escalate_at, unsure_at, veto), row = best[1], best[2]
    print(f"chosen: escalate_at {escalate_at}, unsure_at {unsure_at}, veto_below {veto}: recall {row[0]:.3f}, "
          f"unsure {row[1]:.3f} of reports, false escalation {row[2]:.3f}, unsure {row[3]:.3f} of near misses")
    THRESHOLDS_FILE.write_text(THRESHOLDS_TEMPLATE.format(escalate_at=escalate_at, unsure_at=unsure_at, veto=veto))


THRESHOLDS_TEMPLATE = """\
# Thresholds of the red-flag decision (atrophy/red_flags/decide.py) on the classifier's probability that a message
# reports a stroke sign now. Chosen by `python scripts/train_red_flags.py --tune` on 5-fold out-of-fold probabilities
# of the tuning corpus (data/red_flags/corpus/ and tests/data/red_flag_messages.yml), never on a frozen test split.
escalate_at: {escalate_at}   # at or above: escalate, even when no rule found a sign
unsure_at: {unsure_at}     # at or above (below escalate_at): the unsure tier (the number + "did it start suddenly?")
veto_below: {veto}    # a rule finding with a probability below this goes to the unsure tier, not to escalation
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--if-needed", action="store_true", help="only when the corpus or the code changed")
    args = parser.parse_args()
    if args.tune:
        tune()
    if args.if_needed and DEFAULT_PATH.is_file():
        from atrophy.red_flags.classifier import StrokeReportClassifier as Model

        if Model.load(DEFAULT_PATH).trained_on == fingerprint(training_files()):
            print(f"{DEFAULT_PATH} is up to date")
            return
    model = train()
    print(f"stroke classifier trained on {len(training_examples())} messages -> {DEFAULT_PATH} ({model.trained_on})")


if __name__ == "__main__":
    main()
