#!/usr/bin/env python
"""Benchmark the Atrophy Assistant against a stock `rasa init` bot, in the same run, over REST on loopback.

    make bench            # or: python scripts/bench.py [--turns 20] [--conversations 20] [--json-out FILE]

For each bot: training time (the stock bot is made and trained by `rasa init` in a temporary folder; ours is
trained from the project into a temporary folder, both with an empty cache; --skip-train serves the existing
model and reports no training time),
cold start (process start to first answer, each bot starting alone), latency per message p50/p95/p99 for one
user and for 20 concurrent conversations, throughput, errors (no HTTP 200 with a JSON list) and empty replies,
and the RSS of the Rasa server's process tree. Both bots stay up and are measured in alternating rounds
(--rounds, default 3), so that other load on the machine falls on both alike. Prints a
table and JSON with both bots and the ratio ours/stock. Our bot runs as deployed: endpoints.yml (SQL tracker
store, atomic lock store) with its action server; the stock bot with its defaults (in-memory tracker, no
action server needed by its stories). Every loop is bounded; nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.processes import base_env, free_port, stop, wait_until  # noqa: E402

BIN = Path(sys.executable).parent
OUR_MESSAGES = ["hello", "what is muscle atrophy?", "what causes muscle atrophy?", "what is ALS?",
                "when should I see a doctor?", "thanks", "are you a bot?", "goodbye"]
STOCK_MESSAGES = ["hello", "I am feeling great", "are you a bot?", "I am sad", "yes", "thanks", "no",
                  "goodbye"]
TARGET_P95_RATIO = 1.2


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
    return {"messages": len(latencies), "errors": sum(r["errors"] for r in runs),
            "empty_replies": sum(r["empty"] for r in runs),
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1), "throughput_msg_s": round(len(latencies) / elapsed, 1)}


def train(cwd: Path, out: Path, extra_env: dict[str, str], log: Path) -> float:
    start = time.monotonic()
    with open(log, "ab") as f:
        subprocess.run([str(BIN / "rasa"), "train", "--fixed-model-name", "model", "--out", str(out)], cwd=cwd,
                       env=base_env(**extra_env), stdout=f, stderr=subprocess.STDOUT, check=True, timeout=3600)
    return round(time.monotonic() - start, 1)


class Bot:
    """A Rasa server (and its action server) started once and measured in rounds."""

    def __init__(self, name: str, cwd: Path, model: Path, endpoints: Path | None, credentials: Path | None,
                 messages: list[str], extra_env: dict[str, str], workdir: Path, with_actions: bool) -> None:
        self.name, self.cwd, self.model, self.endpoints, self.credentials = name, cwd, model, endpoints, credentials
        self.messages, self.env, self.workdir = messages, base_env(**extra_env), workdir
        self.with_actions = with_actions
        self.actions: subprocess.Popen | None = None
        self.rasa: subprocess.Popen | None = None
        self.webhook = ""
        self.runs: dict[str, list[dict]] = {"single": [], "concurrent": []}

    def _log(self, what: str):
        return open(self.workdir / f"{self.name}-{what}.log", "ab")

    def start(self) -> float:
        """Start the servers; return the Rasa server's cold start: process start to first answer, in seconds."""
        endpoints = self.endpoints
        if self.with_actions:
            action_port = free_port()
            self.actions = subprocess.Popen([str(BIN / "rasa"), "run", "actions", "--port", str(action_port)],
                                            cwd=self.cwd, env=self.env, stdout=self._log("actions"),
                                            stderr=subprocess.STDOUT)
            wait_until(lambda: requests.get(f"http://127.0.0.1:{action_port}/health", timeout=2).ok, 120,
                       f"{self.name} action server", self.actions)
            endpoints = self.workdir / f"{self.name}-endpoints.yml"
            endpoints.write_text(self.endpoints.read_text().replace("http://localhost:5055/webhook",
                                                                    f"http://127.0.0.1:{action_port}/webhook"))
        port = free_port()
        cmd = [str(BIN / "rasa"), "run", "--model", str(self.model), "--port", str(port), "--interface", "127.0.0.1"]
        if endpoints:
            cmd += ["--endpoints", str(endpoints)]
        if self.credentials:
            cmd += ["--credentials", str(self.credentials)]
        self.webhook = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        start = time.monotonic()
        self.rasa = subprocess.Popen(cmd, cwd=self.cwd, env=self.env, stdout=self._log("rasa"),
                                     stderr=subprocess.STDOUT)
        wait_until(lambda: requests.post(self.webhook, json={"sender": "bench-probe", "message": "hello"},
                                         timeout=30).status_code == 200, 300, f"{self.name} Rasa server", self.rasa,
                   interval=0.1)
        cold_start = round(time.monotonic() - start, 1)
        run_load(self.webhook, self.messages, 1, 5, f"{self.name}-warmup")  # lazy parts load on first use
        return cold_start

    def round(self, number: int, args: argparse.Namespace) -> None:
        self.runs["single"].append(run_load(self.webhook, self.messages, 1, args.turns, f"{self.name}-1-{number}"))
        self.runs["concurrent"].append(run_load(self.webhook, self.messages, args.conversations, args.turns,
                                                f"{self.name}-n-{number}"))

    def results(self) -> dict:
        return {"rss_mb": round(rss_tree_mb(self.rasa.pid), 1),
                "single": summarise(self.runs["single"]), "concurrent": summarise(self.runs["concurrent"])}

    def stop(self) -> None:
        stop(self.rasa)
        stop(self.actions)


ROWS = [("training time (s)", ("train_s",)), ("cold start (s)", ("cold_start_s",)),
        ("RSS of Rasa server tree (MB)", ("rss_mb",)),
        ("1 user: p50 (ms)", ("single", "p50_ms")), ("1 user: p95 (ms)", ("single", "p95_ms")),
        ("1 user: p99 (ms)", ("single", "p99_ms")), ("1 user: throughput (msg/s)", ("single", "throughput_msg_s")),
        ("1 user: errors", ("single", "errors")), ("1 user: empty replies", ("single", "empty_replies")),
        ("{n} conv.: p50 (ms)", ("concurrent", "p50_ms")), ("{n} conv.: p95 (ms)", ("concurrent", "p95_ms")),
        ("{n} conv.: p99 (ms)", ("concurrent", "p99_ms")),
        ("{n} conv.: throughput (msg/s)", ("concurrent", "throughput_msg_s")),
        ("{n} conv.: errors", ("concurrent", "errors")),
        ("{n} conv.: empty replies", ("concurrent", "empty_replies")),
        ("{n} conv.: messages", ("concurrent", "messages"))]


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
        lines.append(f"{label.format(n=conversations):34} {str(ours):>12} {str(stock):>12} "
                     f"{'' if r is None else r:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20, help="messages per conversation")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurement rounds per bot")
    parser.add_argument("--model", type=Path, default=None,
                        help="our trained model (default: ATROPHY_MODEL or models/atrophy.tar.gz)")
    parser.add_argument("--skip-train", action="store_true",
                        help="do not time a fresh training of our bot; serve the existing model instead")
    parser.add_argument("--json-out", type=Path, default=ROOT / "results" / "bench.json")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="atrophy-bench-"))
    results: dict = {"config": {"turns": args.turns, "conversations": args.conversations, "rounds": args.rounds,
                                "host": "127.0.0.1", "cpus": os.cpu_count()}}
    try:
        # Stock bot: `rasa init --no-prompt` in a temporary folder, trained there.
        stock_dir = tmp / "stock"
        stock_dir.mkdir()
        start = time.monotonic()
        with open(tmp / "stock-init.log", "ab") as f:
            subprocess.run([str(BIN / "rasa"), "init", "--no-prompt"], cwd=stock_dir,
                           env=base_env(RASA_CACHE_DIRECTORY=str(tmp / "stock-cache")),
                           stdout=f, stderr=subprocess.STDOUT, check=True, timeout=3600)
        stock_models = sorted((stock_dir / "models").glob("*.tar.gz"))
        stock_train = round(time.monotonic() - start, 1)  # `rasa init` trains the bot
        print(f"stock bot trained in {stock_train} s", flush=True)

        our_model = args.model or Path(os.environ.get("ATROPHY_MODEL", ROOT / "models" / "atrophy.tar.gz"))
        our_train = None
        our_env = {"ATROPHY_DB_URL": f"sqlite:///{tmp / 'kb.db'}",
                   "ATROPHY_TRACKER_DB_URL": f"sqlite:///{tmp / 'tracker.db'}",
                   "RASA_CACHE_DIRECTORY": str(tmp / "cache")}
        if not args.skip_train or not our_model.exists():
            our_train = train(ROOT, tmp / "ours", our_env, tmp / "ours-train.log")
            our_model = tmp / "ours" / "model.tar.gz"
            print(f"our bot trained in {our_train} s", flush=True)

        # Both bots stay up; they are measured in alternating rounds so that the load of the machine falls on
        # both alike. Each starts alone, for a clean cold start.
        ours = Bot("atrophy", ROOT, our_model, ROOT / "endpoints.yml", ROOT / "credentials.yml", OUR_MESSAGES,
                   our_env, tmp, with_actions=True)
        stock = Bot("stock", stock_dir, stock_models[-1], None, None, STOCK_MESSAGES,
                    {"RASA_CACHE_DIRECTORY": str(tmp / "stock-cache")}, tmp, with_actions=False)
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
        for label, path in ROWS}
    p95_ratio = ratio(results["atrophy"]["concurrent"]["p95_ms"], results["stock"]["concurrent"]["p95_ms"])
    results["targets"] = {
        "p95_within_1.2x_of_stock": {"ratio": p95_ratio,
                                     "met": p95_ratio is not None and p95_ratio <= TARGET_P95_RATIO},
        "zero_errors_at_concurrency": {"errors": results["atrophy"]["concurrent"]["errors"],
                                       "met": results["atrophy"]["concurrent"]["errors"] == 0}}
    print()
    print(report(results, args.conversations))
    print()
    print(json.dumps(results, indent=2))
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
