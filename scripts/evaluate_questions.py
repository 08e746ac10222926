"""Figures of question answering on the frozen question splits, through the running bot over REST, per topic.

    python scripts/evaluate_questions.py                    # start the servers, run tests/data/heldout/questions-*.yml
    python scripts/evaluate_questions.py --url http://127.0.0.1:5005   # ... against a bot already running
    python scripts/evaluate_questions.py --set FILE.yml     # another set of the same format (e.g. a check set)
    python scripts/evaluate_questions.py --readme           # ... and write the per-topic table into README.md

Each question goes to a new conversation, each conversation plays its turns in one; replies are judged as
`atrophy.questions.judge` says (the contract of ../shared/tools/evaluate.py, which gives the same figures on the
same files). It prints what is below the issue's bars (95% on topic overall, 90% on every topic, no empty reply);
`--check` exits 1 below the enforced floors (ENFORCED).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml

from atrophy.questions.judge import Figures
from scripts.readme_block import write_block
from scripts.servers import Servers, project_stores

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "data" / "heldout"
# The bars, and what `--check` and tests/e2e/test_questions_frozen_end_to_end.py enforce: no empty reply, and
# floors just under the figures on the frozen split (README: 99.5%, every topic at 17/18 or more), so that losing
# two questions of one topic, or five overall, fails `make test`.
BARS = {"on_topic": 0.95, "per_topic": 0.90, "empty_replies": 0}
ENFORCED = {"on_topic": 0.985, "per_topic": 0.88, "empty_replies": 0}


def frozen_sets() -> list[Path]:
    return sorted(HELDOUT.glob("questions-*.yml"))


def run(url: str, sets: list[Path], workers: int = 4) -> Figures:
    webhook = f"{url}/webhooks/rest/webhook"

    def send(sender: str, text: str) -> list[dict]:
        response = requests.post(webhook, json={"sender": sender, "message": text}, timeout=60)
        response.raise_for_status()
        return response.json()

    def ask(item: dict) -> list[dict]:
        return send(f"q-{uuid.uuid4()}", item["text"])

    def converse(item: dict) -> tuple[list[dict], int]:
        sender, empty, reply = f"c-{uuid.uuid4()}", 0, []
        for turn in item["turns"]:
            reply = send(sender, turn)
            empty += not reply
        return reply, empty

    figures = Figures()
    for path in sets:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        questions, conversations = data.get("questions") or [], data.get("conversations") or []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for item, reply in zip(questions, pool.map(ask, questions)):
                figures.add(item, reply)
            for item, (reply, empty) in zip(conversations, pool.map(converse, conversations)):
                figures.add_conversation(item, reply, empty)
    return figures


def table(figures: Figures, sets: list[Path]) -> str:
    names = ", ".join(f"`{p.resolve().relative_to(ROOT)}`" for p in sets)
    lines = [
        f"On {names}, through the running bot over REST (`make question-figures`): "
        f"**{figures.right}/{figures.total} ({figures.rate:.1%}) answered on topic**, "
        f"{figures.empty} empty replies, {figures.conversations[0]}/{figures.conversations[1]} conversations "
        f"answered on topic at the last turn; {figures.offered_only} of the on-topic replies only offered the "
        "topic as a button.",
        "",
        "| topic | on topic | of |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {t} | {r / n:.0%} | {n} |" for t, (r, n) in sorted(figures.per_topic.items())]
    return "\n".join(lines)


def write_readme(text: str) -> None:
    write_block("question-figures", text)


def failures(figures: Figures, bars: dict = BARS) -> list[str]:
    out = []
    if figures.rate < bars["on_topic"]:
        out.append(f"on topic {figures.rate:.1%} < {bars['on_topic']:.0%}")
    out += [
        f"{t} on topic {r:.0%} < {bars['per_topic']:.0%}"
        for t, r in figures.topic_rates().items()
        if r < bars["per_topic"]
    ]
    if figures.empty > bars["empty_replies"]:
        out.append(f"{figures.empty} empty replies")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running bot (default: start the action and Rasa servers here)")
    parser.add_argument("--set", type=Path, action="append", help="a set file (default: the frozen splits)")
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    sets = args.set or frozen_sets()
    servers = None
    if args.url:
        url = args.url
    else:
        workdir = Path(tempfile.mkdtemp(prefix="questions-"))
        # as `make run` serves it: the SQL tracker store (on a file of its own) and the atomic lock store
        env = {"ATROPHY_TRACKER_DB_URL": f"sqlite:///{workdir / 'tracker.db'}"}
        servers = Servers(workdir, stores=project_stores(), env=env).start()
        url = servers.url
    try:
        figures = run(url, sets)
    finally:
        if servers:
            servers.stop()
    text = table(figures, sets)
    print(text)
    print("misses:")
    for miss in figures.misses:
        print("  ", *miss)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures.as_dict(), indent=1), encoding="utf-8")
    if args.readme:
        write_readme(text)
    for failure in failures(figures):
        print("below the issue's bar:", failure)
    found = failures(figures, ENFORCED)
    for failure in found:
        print("BELOW THE ENFORCED FLOOR:", failure)
    return 1 if (args.check and found) else 0


if __name__ == "__main__":
    sys.exit(main())
