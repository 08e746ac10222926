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
from atrophy.red_flags.normalise import normalise  # noqa: E402
from atrophy.red_flags.rules import default_detector  # noqa: E402


ROOT_BUILD = DEFAULT_PATH.parent


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
    np.save(ROOT_BUILD / "out_of_fold.npy", probabilities)
    detector = default_detector()
    rules = np.array([detector.assess(normalise(t)).escalate for t in texts])  # as the decision reads them
    # The bars are about near misses of the taxonomy: the NLU examples (easy negatives) are left out of the figures.
    pos = labels == 1
    neg = (labels == 0) & np.array(["nlu" not in e.tags for e in examples])
    print(f"{len(texts)} examples ({pos.sum()} reports, {neg.sum()} not); rules alone: recall "
          f"{rules[pos].mean():.3f}, false escalation {rules[neg].mean():.3f}")
    rows = []
    grid = [round(x, 2) for x in np.arange(0.05, 0.96, 0.05)]
    for escalate_at in grid:
        for veto in (x for x in grid if x <= escalate_at):
            for unsure_at in (x for x in grid if x < escalate_at):
                for dismiss in (x for x in [0.0, *grid] if x <= veto):
                    esc = (probabilities >= escalate_at) | (rules & (probabilities >= veto))
                    uns = ~esc & ((probabilities >= unsure_at) | (rules & (probabilities >= dismiss)))
                    rows.append(((escalate_at, unsure_at, veto, dismiss),
                                 (esc[pos].mean(), uns[pos].mean(), esc[neg].mean(), uns[neg].mean())))
    # Recall first, within the bars (false escalation 3%, unsure tier 10% of near misses); then the
    # fewest emergencies left with neither the alert nor the number.
    for fp_max, unsure_max in ((0.03, 0.10), (0.03, 1.0)):
        allowed = [r for r in rows if r[1][2] <= fp_max and r[1][3] <= unsure_max]
        if allowed:
            break
    allowed = allowed or rows
    best = max(allowed, key=lambda r: (round(r[1][0], 3), r[1][0] + r[1][1], -r[1][2]))
    print("escalate_at unsure_at veto dismiss | recall  unsure(em)  false_esc  unsure(nm)")
    for (e, u, v, d), row in sorted(allowed, key=lambda r: (-round(r[1][0], 3), -r[1][0] - r[1][1]))[:8]:
        print(f"{e:>11} {u:>9} {v:>4} {d:>7} | {row[0]:.3f}  {row[1]:.3f}  {row[2]:.3f}  {row[3]:.3f}")
    (escalate_at, unsure_at, veto, dismiss), row = best
    print(f"chosen: escalate_at {escalate_at}, unsure_at {unsure_at}, veto_below {veto}, dismiss_below {dismiss}: "
          f"recall {row[0]:.3f}, "
          f"unsure {row[1]:.3f} of reports, false escalation {row[2]:.3f}, unsure {row[3]:.3f} of near misses")
    THRESHOLDS_FILE.write_text(THRESHOLDS_TEMPLATE.format(escalate_at=escalate_at, unsure_at=unsure_at, veto=veto,
                                                       dismiss=dismiss))


THRESHOLDS_TEMPLATE = """\
# Thresholds of the red-flag decision (atrophy/red_flags/decide.py) on the classifier's probability that a message
# reports a stroke sign now. Chosen by `python scripts/train_red_flags.py --tune` on 5-fold out-of-fold probabilities
# of the tuning corpus (data/red_flags/corpus/ and tests/data/red_flag_messages.yml), never on a frozen test split.
escalate_at: {escalate_at}     # the classifier alone escalates from here
unsure_at: {unsure_at}       # the classifier alone gives the unsure tier (the number + "did it start suddenly?") from here
veto_below: {veto}      # a sign found by the rules escalates from here
dismiss_below: {dismiss}   # a sign found by the rules gives the unsure tier from here; below it, nothing
two_signs_from: 0.3   # two kinds of sign found by the rules together (FAST itself) escalate from here
short_words: 8        # a message of at most this many words is short ...
short_report_from: 0.25  # ... and a sign the rules found in it escalates from here; below, the unsure tier, never nothing
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
