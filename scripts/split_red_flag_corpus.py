"""Split newly written red-flag messages into a frozen test split and the tuning corpus, once, before any tuning.

    python scripts/split_red_flag_corpus.py --date 2026-11-25 PART.yml [PART.yml ...]

writes tests/data/heldout/red-flags-DATE.yml (frozen: never edited; to grow it, add a split with a new date) and
data/red_flags/corpus/DATE.yml (tuning). Each section is split by its first tag (the sign or near-miss kind), so
every kind is in both; messages that are near-duplicates (rapidfuzz ratio >= 85) stay on the same side, so a test
message is never a reworded copy of a tuning one. Input and output follow ../shared/tools/README.md.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
TEST_SHARE = 0.22
NEAR_DUPLICATE = 85
SEED = 20261125


def sections(data: dict) -> dict[str, list[dict]]:
    near = data.get("not_emergency_near_miss") or {}
    return {
        "emergency": data.get("emergency") or [],
        "near_miss": near.get("near_miss") or [],
        "informational_stroke": near.get("informational_stroke") or [],
        "conversations": data.get("conversations") or [],
    }


def assemble(parts: dict[str, list[dict]], header: str) -> str:
    data = {
        "emergency": parts["emergency"],
        "not_emergency_near_miss": {
            "near_miss": parts["near_miss"],
            "informational_stroke": parts["informational_stroke"],
        },
        "questions": [],
        "conversations": parts["conversations"],
    }
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def duplicate_groups(texts: list[str]) -> list[int]:
    """A group id per text: texts within NEAR_DUPLICATE of each other share one (union-find)."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    scores = process.cdist(
        texts, texts, scorer=fuzz.ratio, processor=str.lower, score_cutoff=NEAR_DUPLICATE, workers=-1
    )
    for i, j in zip(*scores.nonzero()):
        if i < j:
            parent[root(int(i))] = root(int(j))
    return [root(i) for i in range(len(texts))]


def split(items: list[dict], text_of, rng: random.Random) -> tuple[list[dict], list[dict]]:
    groups = duplicate_groups([text_of(it) for it in items]) if items else []
    by_kind: dict[str, list[int]] = defaultdict(list)
    for group in dict.fromkeys(groups):
        first = next(it for it, g in zip(items, groups) if g == group)
        by_kind[(first.get("tags") or ["none"])[0]].append(group)
    test_groups: set[int] = set()
    for kind, kind_groups in sorted(by_kind.items()):
        rng.shuffle(kind_groups)
        test_groups.update(kind_groups[: round(len(kind_groups) * TEST_SHARE)])
    test = [it for it, g in zip(items, groups) if g in test_groups]
    tune = [it for it, g in zip(items, groups) if g not in test_groups]
    return test, tune


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", required=True)
    parser.add_argument("parts", nargs="+", type=Path)
    args = parser.parse_args()
    merged: dict[str, list[dict]] = defaultdict(list)
    for part in args.parts:
        for name, items in sections(yaml.safe_load(part.read_text(encoding="utf-8"))).items():
            merged[name] += items
    ids = [it["id"] for items in merged.values() for it in items]
    assert len(ids) == len(set(ids)), "ids must be unique"
    rng = random.Random(SEED)
    test, tune = {}, {}
    for name in ("emergency", "near_miss", "informational_stroke", "conversations"):
        text_of = (lambda it: " / ".join(it["turns"])) if name == "conversations" else (lambda it: it["text"])
        test[name], tune[name] = split(merged[name], text_of, rng)
    frozen = ROOT / "tests" / "data" / "heldout" / f"red-flags-{args.date}.yml"
    tuning = ROOT / "data" / "red_flags" / "corpus" / f"{args.date}.yml"
    for path in (frozen, tuning):
        path.parent.mkdir(parents=True, exist_ok=True)
    frozen.write_text(
        assemble(
            test,
            (
                f"# FROZEN test split of the red-flag corpus, {args.date} (scripts/split_red_flag_corpus.py; "
                "taxonomy in\n# docs/red-flag-taxonomy.md). Written by people who never saw the rules or the training "
                "data. Never edit,\n# never tune on it; to grow it, add a split with a new date.\n"
            ),
        ),
        encoding="utf-8",
    )
    tuning.write_text(
        assemble(
            tune,
            (
                f"# Tuning part of the red-flag corpus, {args.date} (scripts/split_red_flag_corpus.py; taxonomy in\n"
                "# docs/red-flag-taxonomy.md): the classifier is trained and the rules and thresholds are tuned on "
                "this.\n"
            ),
        ),
        encoding="utf-8",
    )
    for name in test:
        print(f"{name}: {len(test[name])} frozen, {len(tune[name])} tuning")


if __name__ == "__main__":
    main()
