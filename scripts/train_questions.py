"""Train the question topic classifier (`make build`), or choose its settings on out-of-fold figures.

    python scripts/train_questions.py            # train on the tuning corpus and NLU data, save the model
    python scripts/train_questions.py --tune     # 5-fold out-of-fold topic accuracy on the tuning corpus per setting

Only the tuning corpus (`data/questions/corpus/`) is folded; the NLU examples are always in training. The frozen
splits in tests/data/heldout are never read here.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

import numpy as np
from sklearn.model_selection import StratifiedKFold

from atrophy.questions import classifier as qc


def tune(settings: list[tuple[float, float]]) -> None:
    corpus = [e for p in sorted(qc.CORPUS_DIR.glob("*.yml")) for e in qc.training_examples([p])]
    nlu = [e for p in sorted(qc.NLU_DATA.glob("nlu*.yml")) for e in qc.training_examples([p])]
    model = qc.TopicClassifier()
    corpus_vectors, nlu_vectors = model.embed([e.text for e in corpus]), model.embed([e.text for e in nlu])
    labels = np.array([e.label for e in corpus])
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(corpus, labels))
    for c, weight in settings:
        predicted = np.empty(len(corpus), dtype=object)
        for train, test in folds:
            texts = [nlu_e.text for nlu_e in nlu] + [corpus[i].text for i in train]
            y = [e.label for e in nlu] + [corpus[i].label for i in train]
            vectors = np.vstack([nlu_vectors, corpus_vectors[train]])
            m = qc.TopicClassifier(c=c, encoder_weight=weight).fit(texts, y, vectors=vectors)
            probs = m.probabilities([corpus[i].text for i in test], vectors=corpus_vectors[test])
            predicted[test] = np.array(m.labels)[probs.argmax(axis=1)]
        right = predicted == labels
        per_topic = {t: right[labels == t].mean() for t in sorted(set(labels))}
        worst = sorted(per_topic.items(), key=lambda kv: kv[1])[:4]
        print(
            f"C={c:<5} encoder={weight:<4} accuracy {right.mean():.3f}  worst "
            + ", ".join(f"{t} {a:.2f}" for t, a in worst),
            flush=True,
        )
    wrong = Counter((label, p) for label, p in zip(labels, predicted) if label != p)
    print("most confused (last setting):", wrong.most_common(8))


def held_out(paths: list[str], settings: list[tuple[float, float]]) -> None:
    """Topic accuracy of the classifier alone on labelled sets it was not trained on, per setting, and its cost per
    message: how much the sentence encoder adds (encoder weight 0 = n-grams only)."""
    import time

    import yaml

    train = qc.training_examples()
    items = [q for p in paths for q in (yaml.safe_load(open(p, encoding="utf-8")).get("questions") or [])]
    model = qc.TopicClassifier()
    train_vectors = model.embed([e.text for e in train])
    test_vectors = model.embed([q["text"] for q in items])
    for c, weight in settings:
        m = qc.TopicClassifier(c=c, encoder_weight=weight).fit(
            [e.text for e in train], [e.label for e in train], vectors=train_vectors
        )
        probs = m.probabilities([q["text"] for q in items], vectors=test_vectors)
        predicted = np.array(m.labels)[probs.argmax(axis=1)]
        right = predicted == np.array([q["topic"] for q in items])
        started = time.perf_counter()
        for q in items[:100]:
            m.ranking(q["text"]) if weight else m.probabilities([q["text"]], vectors=test_vectors[:1])
        per_message = (time.perf_counter() - started) / min(len(items), 100) * 1000
        print(
            f"C={c:<5} encoder={weight:<4} held-out topic accuracy {right.mean():.3f} ({right.sum()}/{len(items)})"
            f"  {per_message:.1f} ms a message",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tune",
        nargs="*",
        metavar="C:ENCODER_WEIGHT",
        help="settings to compare, e.g. 10:1.5 30:2.5 (default: the current one)",
    )
    parser.add_argument(
        "--held-out",
        nargs="+",
        metavar="SET.yml",
        help="only measure: topic accuracy on these sets per --tune setting (never used to train)",
    )
    args = parser.parse_args(argv)
    if args.held_out:
        held_out(
            args.held_out,
            [tuple(map(float, s.split(":"))) for s in args.tune or []]
            or [(qc.REGULARISATION_C, 0.0), (qc.REGULARISATION_C, qc.ENCODER_WEIGHT)],
        )
        return 0
    if args.tune is not None:
        tune([tuple(map(float, s.split(":"))) for s in args.tune] or [(qc.REGULARISATION_C, qc.ENCODER_WEIGHT)])
        return 0
    model = qc.train()
    print(
        f"topic classifier trained on {len(qc.training_examples())} messages -> {qc.DEFAULT_PATH} ({model.trained_on})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
