"""Read the NLU cross-validation reports and fail below the quality bar.

Usage: python scripts/check_nlu_report.py [results/nlu] [--intent-f1 0.95] [--entity-f1 0.90]
Reads intent_report.json ("macro avg" F1) and DIETClassifier_report.json (entity "micro avg" F1, the usual
entity-level score; "macro avg" is printed too). Exits 1 when a figure is below its threshold or missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def f1(report: Path, key: str) -> float | None:
    if not report.exists():
        return None
    return (json.loads(report.read_text()).get(key) or {}).get("f1-score")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="results/nlu")
    parser.add_argument("--intent-f1", type=float, default=0.95)
    parser.add_argument("--entity-f1", type=float, default=0.90)
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    intent = f1(folder / "intent_report.json", "macro avg")
    entity = f1(folder / "DIETClassifier_report.json", "micro avg")
    entity_macro = f1(folder / "DIETClassifier_report.json", "macro avg")
    ok = True
    for label, value, bar in [("intent macro F1", intent, args.intent_f1), ("entity micro F1", entity, args.entity_f1)]:
        passed = value is not None and value >= bar
        ok &= passed
        shown = "missing" if value is None else f"{value:.3f}"
        print(f"{label:16} {shown:>8}  (needs >= {bar:.2f})  {'ok' if passed else 'FAIL'}")
    if entity_macro is not None:
        print(f"{'entity macro F1':16} {entity_macro:8.3f}  (for information)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
