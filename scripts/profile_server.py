#!/usr/bin/env python
"""Where the Rasa server's time goes under load: py-spy samples the server while the bench's 20-conversation load
runs, and the samples are summed by the parts of a message's path (inclusive time).

    make profile          # or: python scripts/profile_server.py [--conversations 20] [--turns 20] [--out DIR]

The server and its action server are started by the project's launcher (scripts/servers.py) as `make run` serves
them; the messages are the bench's. Writes the raw py-spy samples (DIR/rasa.txt, folded stacks: open them with any
flame graph tool) and prints a table of seconds and shares of the samples, which docs/performance.md quotes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from scripts.bench import OUR_MESSAGES, run_load
from scripts.servers import Servers, project_stores

BIN = Path(sys.executable).parent
RATE = 50  # samples a second
# The parts of a message's path, by a function (file:name fragment) on the sampled stack; a stack counts for every
# part it passes through.
PARTS = [
    ("NLU pipeline (parse_message)", "parse_message"),
    ("- InputLimit", "input_limit.py"),
    ("- spaCy (SpacyNLP)", "spacy_utils.py"),
    ("- count vectors", "count_vectors_featurizer.py"),
    ("- sentence encoder features for DIET (CompiledLanguageModelFeaturizer)", "compiled_lm_featurizer.py"),
    ("- DIET", "diet_classifier.py"),
    ("- QuestionTopicClassifier", "question_topic_classifier.py"),
    ("- RedFlagClassifier", "red_flag_classifier.py"),
    ("  - its rules' spaCy pass", "red_flags/rules.py"),
    ("  - the sentence encoder (shared cache)", "red_flags/encoder.py"),
    ("dialogue (_run_prediction_loop)", "_run_prediction_loop"),
    ("- custom action round trip (RemoteAction.run)", "action.py:run"),  # file:function, not every `run`
    ("- validation of the action server's reply", "_validate_action_result"),
    ("tracker store (SQL)", "tracker_store.py"),
    ("lock store", "lock_store.py"),
]


def summarise(folded: Path) -> list[tuple[str, float, float]]:
    """(part, seconds, share of all samples) from py-spy's raw (folded) output."""
    counts: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        samples = int(number)
        total += samples
        for name, fragment in PARTS:
            if _passes(stack, fragment):
                counts[name] += samples
    return [(name, counts[name] / RATE, counts[name] / total if total else 0.0) for name, _ in PARTS] + [
        ("all samples", total / RATE, 1.0)
    ]


def _passes(stack: str, fragment: str) -> bool:
    """Whether a sampled stack passes through `fragment`: "file.py:function" names one frame exactly (a
    frame reads "function (path/file.py:line)"); anything else is a text found anywhere on the stack."""
    if ":" not in fragment:
        return fragment in stack
    file_name, function = fragment.split(":")
    return any(frame.startswith(f"{function} (") and f"/{file_name}:" in frame for frame in stack.split(";"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("results") / "profile")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="atrophy-profile-"))
    env = {"ATROPHY_DB_URL": f"sqlite:///{tmp / 'kb.db'}", "ATROPHY_TRACKER_DB_URL": f"sqlite:///{tmp / 'tracker.db'}"}
    servers = Servers(tmp, env=env, stores=project_stores(), ready_statuses=(200,), timeout=300).start()
    try:
        run_load(servers.webhook, OUR_MESSAGES, 1, 10, "profile-warmup")
        folded = args.out / "rasa.txt"
        spy = subprocess.Popen(
            [
                str(BIN / "py-spy"),
                "record",
                "--format",
                "raw",
                "--rate",
                str(RATE),
                "--pid",
                str(servers.rasa.pid),
                "--output",
                str(folded),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        time.sleep(2)
        load = run_load(servers.webhook, OUR_MESSAGES, args.conversations, args.turns, "profile")
        spy.send_signal(2)
        spy.wait(timeout=60)
    finally:
        servers.stop()
    messages = len(load["latencies"])
    print(
        f"{messages} messages in {load['elapsed']:.1f} s ({messages / load['elapsed']:.1f} msg/s), "
        f"{load['errors']} errors, {load['empty']} empty replies"
    )
    print(f"{'part (inclusive)':72} {'seconds':>8} {'share':>7} {'ms/msg':>7}")
    for name, seconds, share in summarise(folded):
        print(f"{name:72} {seconds:8.1f} {share:7.0%} {1000 * seconds / max(messages, 1):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
