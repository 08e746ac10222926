#!/usr/bin/env python
"""Benchmark the Atrophy Assistant against a stock `rasa init` bot, in the same run, over REST on loopback.

    make bench            # or: python scripts/bench.py [--turns 20] [--conversations 20] [--json-out FILE]
    make bench-figures    # the README's table from results/bench.json (python scripts/bench.py --readme-only)

For each bot: training time (the stock bot is made and trained by `rasa init` in a temporary folder; ours is
trained from the project into a temporary folder, both with an empty cache; --skip-train serves the existing
model and reports no training time),
cold start (process start to first answer, each bot starting alone), latency per message p50/p95/p99 for one
user (300 messages) and for 20 concurrent conversations, throughput, errors (no HTTP 200 with a JSON list:
refused, 5xx, timed out) and empty replies, and the memory (RSS) of every process of the bot: the Rasa server and,
for ours, the action server, each with its children. Both bots stay up and are measured in alternating rounds
(--rounds, default 3), so that other load on the machine falls on both alike. Prints a
table and JSON with both bots and the ratio ours/stock. Our bot runs as deployed: endpoints.yml (SQL tracker
store, atomic lock store) with its action server; the stock bot with its defaults (in-memory tracker, no
action server needed by its stories). Every loop is bounded; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from atrophy.settings import PROJECT_ROOT as ROOT
from atrophy.settings import model_path
from scripts.processes import base_env
from scripts.readme_block import write_block
from scripts.servers import Servers, project_stores

BIN = Path(sys.executable).parent
OUR_MESSAGES = [
    "hello",
    "what is muscle atrophy?",
    "what causes muscle atrophy?",
    "what is ALS?",
    "when should I see a doctor?",
    "thanks",
    "are you a bot?",
    "goodbye",
]
STOCK_MESSAGES = ["hello", "I am feeling great", "are you a bot?", "I am sad", "yes", "thanks", "no", "goodbye"]


def rss_tree_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            status = (entry / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total / 1024


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_load(webhook: str, messages: list[str], conversations: int, turns: int, tag: str) -> dict:
    """`conversations` concurrent conversations of `turns` messages; raw latencies (ms), errors (no HTTP 200 with
    a JSON list: refused, failed, timed out) and empty replies (200 with [], counted apart), elapsed seconds."""
    latencies: list[float] = []
    errors = empty = 0

    def conversation(n: int) -> tuple[list[float], int, int]:
        mine, errs, empties = [], 0, 0
        with requests.Session() as http:
            for turn in range(turns):
                text = messages[(n + turn) % len(messages)]
                start = time.perf_counter()
                try:
                    r = http.post(webhook, json={"sender": f"bench-{tag}-{n}", "message": text}, timeout=120)
                    body = r.json() if r.status_code == 200 else None
                    ok = isinstance(body, list)
                    empties += ok and not body
                except (requests.RequestException, ValueError):
                    ok = False
                mine.append((time.perf_counter() - start) * 1000)
                errs += not ok
        return mine, errs, empties

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        for mine, errs, empties in pool.map(conversation, range(conversations)):
            latencies += mine
            errors += errs
            empty += empties
    return {"latencies": latencies, "errors": errors, "empty": empty, "elapsed": time.perf_counter() - started}


def summarise(runs: list[dict]) -> dict:
    latencies = [x for run in runs for x in run["latencies"]]
    elapsed = sum(run["elapsed"] for run in runs)
    return {
        "messages": len(latencies),
        "errors": sum(r["errors"] for r in runs),
        "empty_replies": sum(r["empty"] for r in runs),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "throughput_msg_s": round(len(latencies) / elapsed, 1),
    }


def train(cwd: Path, out: Path, extra_env: dict[str, str], log: Path) -> float:
    start = time.monotonic()
    with open(log, "ab") as f:
        subprocess.run(
            [str(BIN / "rasa"), "train", "--fixed-model-name", "model", "--out", str(out)],
            cwd=cwd,
            env=base_env(**extra_env),
            stdout=f,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=3600,
        )
    return round(time.monotonic() - start, 1)


class Bot:
    """A bot started once by the project's launcher (scripts/servers.py) and measured in rounds."""

    def __init__(self, name: str, servers: Servers, messages: list[str]) -> None:
        self.name, self.servers, self.messages = name, servers, messages
        self.runs: dict[str, list[dict]] = {"single": [], "concurrent": []}

    def start(self) -> float:
        """Start the servers (the action server first, when there is one); return the Rasa server's cold start:
        process start to first answer, in seconds."""
        if self.servers.with_actions:
            self.servers.start_actions()
        cold_start = round(self.servers.start_rasa(), 1)
        run_load(self.servers.webhook, self.messages, 1, 5, f"{self.name}-warmup")  # lazy parts load on first use
        return cold_start

    def round(self, number: int, args: argparse.Namespace) -> None:
        single = max(1, round(args.single_messages / args.rounds))
        self.runs["single"].append(run_load(self.servers.webhook, self.messages, 1, single, f"{self.name}-1-{number}"))
        self.runs["concurrent"].append(
            run_load(self.servers.webhook, self.messages, args.conversations, args.turns, f"{self.name}-n-{number}")
        )

    def results(self) -> dict:
        """Memory of every process of the bot (the Rasa server and, for ours, the action server, with their
        children), after the load."""
        return {
            "rss_mb": round(sum(rss_tree_mb(pid) for pid in self.servers.pids()), 1),
            "single": summarise(self.runs["single"]),
            "concurrent": summarise(self.runs["concurrent"]),
        }

    def stop(self) -> None:
        self.servers.stop()


ROWS = [
    ("training time (s)", ("train_s",)),
    ("cold start (s)", ("cold_start_s",)),
    ("RSS of all the bot's processes (MB)", ("rss_mb",)),
    ("1 user: p50 (ms)", ("single", "p50_ms")),
    ("1 user: p95 (ms)", ("single", "p95_ms")),
    ("1 user: p99 (ms)", ("single", "p99_ms")),
    ("1 user: throughput (msg/s)", ("single", "throughput_msg_s")),
    ("1 user: errors", ("single", "errors")),
    ("1 user: empty replies", ("single", "empty_replies")),
    ("{n} conv.: p50 (ms)", ("concurrent", "p50_ms")),
    ("{n} conv.: p95 (ms)", ("concurrent", "p95_ms")),
    ("{n} conv.: p99 (ms)", ("concurrent", "p99_ms")),
    ("{n} conv.: throughput (msg/s)", ("concurrent", "throughput_msg_s")),
    ("{n} conv.: errors", ("concurrent", "errors")),
    ("{n} conv.: empty replies", ("concurrent", "empty_replies")),
    ("{n} conv.: messages", ("concurrent", "messages")),
]


def pick(d: dict, path: tuple[str, ...]):
    for key in path:
        d = d.get(key) if isinstance(d, dict) else None
    return d


def ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return round(a / b, 2)
    return None


def report(results: dict, conversations: int) -> str:
    lines = [f"{'':34} {'atrophy':>12} {'stock':>12} {'ratio':>8}"]
    for label, path in ROWS:
        ours, stock = pick(results["atrophy"], path), pick(results["stock"], path)
        r = ratio(ours, stock)
        lines.append(f"{label.format(n=conversations):34} {str(ours):>12} {str(stock):>12} {'' if r is None else r:>8}")
    return "\n".join(lines)


# The targets for our bot against the stock one (issue 13): (name, measure path, ratio bound, op).
TARGETS = [
    ("20 conversations: p95 <= 1.2x", ("concurrent", "p95_ms"), 1.2, "le"),
    ("1 user: p50 <= 1.2x", ("single", "p50_ms"), 1.2, "le"),
    ("1 user: p95 <= 1.2x", ("single", "p95_ms"), 1.2, "le"),
    ("20 conversations: throughput >= 0.9x", ("concurrent", "throughput_msg_s"), 0.9, "ge"),
    ("training <= 1.5x", ("train_s",), 1.5, "le"),
    ("memory of all our processes <= 1.5x", ("rss_mb",), 1.5, "le"),
]
TRAINING_LIMIT_S = 180


def machine() -> dict:
    """What the figures were measured on."""
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor() or "unknown",
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    memory_kb = (
        next(
            (
                int(line.split()[1])
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")
            ),
            0,
        )
        if Path("/proc/meminfo").exists()
        else 0
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "rasa": importlib.metadata.version("rasa"),
    }


def targets(results: dict) -> dict:
    met: dict = {}
    for name, path, bound, op in TARGETS:
        r = ratio(pick(results["atrophy"], path), pick(results["stock"], path))
        met[name] = {"ratio": r, "met": r is not None and (r <= bound if op == "le" else r >= bound)}
    train_s = results["atrophy"].get("train_s")
    met[f"training <= {TRAINING_LIMIT_S} s"] = {
        "seconds": train_s,
        "met": train_s is not None and train_s <= TRAINING_LIMIT_S,
    }
    failures = sum(
        results["atrophy"][k]["errors"] + results["atrophy"][k]["empty_replies"] for k in ("single", "concurrent")
    )
    met["0 errors and 0 empty replies"] = {"count": failures, "met": failures == 0}
    return met


def readme_table(results: dict) -> str:
    """The README's benchmark block: when, where, the table and the targets, from results/bench.json."""
    config, host = results["config"], results.get("machine", {})
    n = config["conversations"]
    lines = [
        f"Measured {results.get('date', '?')} on {host.get('cpus', '?')} CPUs ({host.get('cpu', '?')}), "
        f"{host.get('memory_gb', '?')} GB, {host.get('system', '?')}, Python {host.get('python', '?')}, "
        f"Rasa {host.get('rasa', '?')}; our bot as `make run` serves it ({config.get('setup', 'one worker')}); "
        f"{config['rounds']} alternating rounds, {config.get('single_messages', '?')} single-user messages and "
        f"{n} conversations of {config['turns']} messages per round.",
        "",
        "| measure | atrophy | stock | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, path in ROWS:
        ours, stock = pick(results["atrophy"], path), pick(results["stock"], path)
        r = ratio(ours, stock)
        lines.append(f"| {label.format(n=n)} | {ours} | {stock} | {'' if r is None else r} |")
    lines += ["", "| target (issue 13) | value | met |", "| --- | ---: | --- |"]
    for name, t in results.get("targets", {}).items():
        value = next(v for k, v in t.items() if k != "met")
        lines.append(f"| {name} | {value} | {'yes' if t['met'] else '**no**'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20, help="messages per conversation")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurement rounds per bot")
    parser.add_argument(
        "--model", type=Path, default=None, help="our trained model (default: ATROPHY_MODEL or models/atrophy.tar.gz)"
    )
    parser.add_argument(
        "--skip-train",
        action="store_true",
        help="do not time a fresh training of our bot; serve the existing model instead",
    )
    parser.add_argument("--single-messages", type=int, default=300, help="single-user messages, over all rounds")
    parser.add_argument("--json-out", type=Path, default=ROOT / "results" / "bench.json")
    parser.add_argument("--readme", action="store_true", help="also write the README's table")
    parser.add_argument("--readme-only", action="store_true", help="write the README's table from --json-out")
    args = parser.parse_args(argv)
    if args.readme_only:
        write_block("bench-figures", readme_table(json.loads(args.json_out.read_text())))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="atrophy-bench-"))
    results: dict = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "config": {
            "turns": args.turns,
            "conversations": args.conversations,
            "rounds": args.rounds,
            "single_messages": args.single_messages,
            "host": "127.0.0.1",
        },
    }
    try:
        # Stock bot: `rasa init --no-prompt` in a temporary folder, trained there.
        stock_dir = tmp / "stock"
        stock_dir.mkdir()
        start = time.monotonic()
        with open(tmp / "stock-init.log", "ab") as f:
            subprocess.run(
                [str(BIN / "rasa"), "init", "--no-prompt"],
                cwd=stock_dir,
                env=base_env(RASA_CACHE_DIRECTORY=str(tmp / "stock-cache")),
                stdout=f,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=3600,
            )
        stock_models = sorted((stock_dir / "models").glob("*.tar.gz"))
        stock_train = round(time.monotonic() - start, 1)  # `rasa init` trains the bot
        print(f"stock bot trained in {stock_train} s", flush=True)

        our_model = args.model or model_path()
        our_train = None
        our_env = {
            "ATROPHY_DB_URL": f"sqlite:///{tmp / 'kb.db'}",
            "ATROPHY_TRACKER_DB_URL": f"sqlite:///{tmp / 'tracker.db'}",
            "RASA_CACHE_DIRECTORY": str(tmp / "cache"),
        }
        if not args.skip_train or not our_model.exists():
            our_train = train(ROOT, tmp / "ours", our_env, tmp / "ours-train.log")
            our_model = tmp / "ours" / "model.tar.gz"
            print(f"our bot trained in {our_train} s", flush=True)

        # Both bots stay up; they are measured in alternating rounds so that the load of the machine falls on
        # both alike. Each starts alone, for a clean cold start.
        ours = Bot(
            "atrophy",
            Servers(
                tmp,
                name="atrophy",
                model=our_model,
                env=our_env,
                stores=project_stores(),
                ready_statuses=(200,),
                timeout=300,
            ),
            OUR_MESSAGES,
        )
        stock = Bot(
            "stock",
            Servers(
                tmp,
                name="stock",
                model=stock_models[-1],
                cwd=stock_dir,
                credentials=None,
                env={"RASA_CACHE_DIRECTORY": str(tmp / "stock-cache")},
                with_actions=False,
                ready_statuses=(200,),
                timeout=300,
            ),
            STOCK_MESSAGES,
        )
        try:
            cold = {"atrophy": ours.start(), "stock": stock.start()}
            for number in range(args.rounds):
                for bot in (ours, stock) if number % 2 == 0 else (stock, ours):
                    bot.round(number, args)
                print(f"round {number + 1}/{args.rounds} measured", flush=True)
            results["atrophy"] = {"train_s": our_train, "cold_start_s": cold["atrophy"], **ours.results()}
            results["stock"] = {"train_s": stock_train, "cold_start_s": cold["stock"], **stock.results()}
        finally:
            ours.stop()
            stock.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    results["ratio_atrophy_to_stock"] = {
        label.format(n=args.conversations): ratio(pick(results["atrophy"], path), pick(results["stock"], path))
        for label, path in ROWS
    }
    results["targets"] = targets(results)
    print()
    print(report(results, args.conversations))
    print()
    print(json.dumps(results, indent=2))
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(results, indent=2) + "\n")
    if args.readme:
        write_block("bench-figures", readme_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
