"""Figures of the stroke red-flag decision on the frozen test splits, per category, computed by the project's code.

    python scripts/evaluate_red_flags.py                 # every tests/data/heldout/red-flags-*.yml: table + figures
    python scripts/evaluate_red_flags.py --check         # ... and exit 1 below the bars (make test runs this)
    python scripts/evaluate_red_flags.py --readme        # ... and write the table into README.md

The decision is the one the bot makes on one message (`atrophy.red_flags.decide`); conversations are replayed with
the same decision plus the adding-up of signs over turns that the dialogue policy applies (outside the symptom
check). Through the running bot, `tests/e2e/test_red_flags_frozen_end_to_end.py` asserts the same emergencies over REST,
and ../shared/tools/evaluate.py gives the black-box figures on the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import yaml

from atrophy.red_flags.decide import ESCALATE, UNSURE, default_decider
from scripts.readme_block import write_block

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "data" / "heldout"
# The bars of the issue (escalation recall 100%, false escalation <= 3%, unsure tier <= 10% of near misses), which
# `--check` enforces, with the number given first to every emergency.
BARS = {"recall": 1.0, "false_escalation": 0.03, "unsure_near_miss": 0.10}
ENFORCED = {"recall": 1.0, "number_first": 1.0, "false_escalation": 0.03, "unsure_near_miss": 0.10}
USER_TURNS = 6  # as addons/stroke_conversation_policy.py
AFFIRM = re.compile(r"^\W*(yes|yeah|yep|yup|y|ya|yea|ok|correct|right)\b", re.I)


def frozen_sets() -> list[Path]:
    return sorted(HELDOUT.glob("red-flags-*.yml"))


def replay(decider, turns: list[str]) -> list[bool]:
    """Whether each turn of a conversation escalates, as the bot decides outside the symptom check: the message
    alone, "yes" to the unsure tier's question, or the recent messages read together (the dialogue policy)."""
    out, since_alert, asked = [], [], False
    for text in turns:
        decision = decider.decide(text)
        since_alert = [*since_alert, text][-USER_TURNS:]
        escalate = (
            decision.level == ESCALATE
            or (asked and bool(AFFIRM.match(text)))
            or (bool(decision.concepts) and decider.conversation_escalates(since_alert))
        )
        if escalate:
            since_alert = []
        asked = decision.level == UNSURE
        out.append(escalate)
    return out


def evaluate(paths: list[Path]) -> dict:
    decider = default_decider()
    rows: dict[str, dict[str, list]] = {
        "emergency": defaultdict(lambda: [0, 0, 0]),
        "near_miss": defaultdict(lambda: [0, 0, 0]),
    }
    misses, false_alarms = [], []
    conv = defaultdict(lambda: [0, 0])
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        near = data.get("not_emergency_near_miss") or {}
        groups = {
            "emergency": data.get("emergency") or [],
            "near_miss": (near.get("near_miss") or [])
            + [dict(i, tags=["info", *(i.get("tags") or [])]) for i in near.get("informational_stroke") or []],
        }
        for section, items in groups.items():
            for item in items:
                level = decider.decide(item["text"]).level
                for tag in ["all", *dict.fromkeys(item.get("tags") or [])]:
                    row = rows[section][tag]
                    row[0] += 1
                    row[1] += level == ESCALATE
                    row[2] += level == UNSURE
                if section == "emergency" and level != ESCALATE:
                    misses.append((item["id"], level, item["text"]))
                if section == "near_miss" and level == ESCALATE:
                    false_alarms.append((item["id"], item["text"]))
        for script in data.get("conversations") or []:
            escalations = replay(decider, script["turns"])
            good = escalations[-1] if script["expect"] == "escalate_last" else not any(escalations)
            conv[script["expect"]][0] += 1
            conv[script["expect"]][1] += good
    em, nm = rows["emergency"]["all"], rows["near_miss"]["all"]
    return {
        "sets": [str(p.resolve().relative_to(ROOT)) if p.resolve().is_relative_to(ROOT) else str(p) for p in paths],
        "recall": em[1] / max(em[0], 1),
        "unsure_emergency": em[2] / max(em[0], 1),
        "number_first": (em[1] + em[2]) / max(em[0], 1),
        "false_escalation": nm[1] / max(nm[0], 1),
        "unsure_near_miss": nm[2] / max(nm[0], 1),
        "emergencies": em[0],
        "near_misses": nm[0],
        "conversations": {k: {"n": n, "pass": g} for k, (n, g) in conv.items()},
        "by_tag": {s: {t: {"n": r[0], "escalated": r[1], "unsure": r[2]} for t, r in rows[s].items()} for s in rows},
        "misses": misses,
        "false_alarms": false_alarms,
    }


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def table(result: dict) -> str:
    lines = [
        f"Frozen split{'s' if len(result['sets']) > 1 else ''}: "
        + ", ".join(f"`{s}`" for s in result["sets"])
        + f" ({result['emergencies']} emergencies, {result['near_misses']} near misses and information "
        "questions; `make eval-red-flags`).",
        "",
        "| emergencies by tag | n | escalated | unsure tier | missed |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for tag, r in sorted(result["by_tag"]["emergency"].items(), key=lambda kv: (kv[0] != "all", kv[0])):
        lines.append(
            f"| {tag} | {r['n']} | {pct(r['escalated'], r['n'])} | {pct(r['unsure'], r['n'])} | "
            f"{pct(r['n'] - r['escalated'] - r['unsure'], r['n'])} |"
        )
    lines += ["", "| near misses by tag | n | false escalation | unsure tier |", "| --- | ---: | ---: | ---: |"]
    for tag, r in sorted(result["by_tag"]["near_miss"].items(), key=lambda kv: (kv[0] != "all", kv[0])):
        lines.append(f"| {tag} | {r['n']} | {pct(r['escalated'], r['n'])} | {pct(r['unsure'], r['n'])} |")
    if result["conversations"]:
        lines += ["", "| conversations | n | pass |", "| --- | ---: | ---: |"]
        for kind, c in sorted(result["conversations"].items()):
            lines.append(f"| {kind} | {c['n']} | {pct(c['pass'], c['n'])} |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    write_block("red-flag-figures", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, action="append", help="a set (default: every frozen split)")
    parser.add_argument("--check", action="store_true", help="exit 1 below the bars")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--show", type=int, default=20, help="misses and false alarms to print")
    args = parser.parse_args()
    result = evaluate(args.set or frozen_sets())
    text = table(result)
    print(text)
    print(
        f"\nrecall {result['recall']:.3f} (unsure tier {result['unsure_emergency']:.3f}; the number first "
        f"{result['number_first']:.3f}), false escalation "
        f"{result['false_escalation']:.3f}, unsure tier on near misses {result['unsure_near_miss']:.3f}"
    )
    for iid, level, message in result["misses"][: args.show]:
        print(f"  missed ({level}) {iid}: {message[:150]}")
    for iid, message in result["false_alarms"][: args.show]:
        print(f"  false alarm {iid}: {message[:150]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    if args.readme:
        write_readme(text)
    gaps = [
        f"{k} {result[k]:.3f} (bar {v})" for k, v in BARS.items() if (result[k] < v if k == "recall" else result[k] > v)
    ]
    if gaps:
        print("short of the issue's bars: " + "; ".join(gaps))
    if args.check:
        failed = [
            f"{k} {result[k]:.3f} < {v}"
            for k, v in ENFORCED.items()
            if k in ("recall", "number_first") and result[k] < v
        ]
        failed += [
            f"{k} {result[k]:.3f} > {v}"
            for k, v in ENFORCED.items()
            if k not in ("recall", "number_first") and result[k] > v
        ]
        if failed:
            raise SystemExit("below the enforced bars: " + "; ".join(failed))


if __name__ == "__main__":
    main()
