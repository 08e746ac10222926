#!/usr/bin/env python
"""Benchmark the Atrophy Assistant against a stock `rasa init` bot, in the same run, over REST on loopback.

    make bench            # or: python scripts/bench.py [--turns 20] [--conversations 20] [--json-out FILE]
    make bench-figures    # the README's table from results/bench.json (python scripts/bench.py --readme-only)

For each bot: training time (the stock bot is made and trained by `rasa init` in a temporary folder; ours is
trained from the project into a temporary folder, both with an empty cache; --skip-train serves the existing
model and reports no training time),
cold start (process start to first answer, each bot starting alone), latency per message p50/p95/p99 for one
user (300 messages) and for 20 concurrent conversations, throughput, errors (no HTTP 200 with a JSON list:
refused, 5xx, timed out) and empty replies, the same for questions each sent once (every message new: distinct
questions of the check sets, the same for both bots, since the issue's 8 messages sent again and again are what a
cache keyed on the text remembers), and the memory (RSS) of every process of the bot: the Rasa server and,
for ours, the action server, each with its children. Our bot is measured as `make run` serves it (one worker) and,
on a machine with more than one CPU, also with one Rasa worker per CPU (--workers; conversations serialised across
the workers through the lock store's SQLite file). All bots stay up and are measured in alternating rounds
(--rounds, default 3), so that other load on the machine falls on all alike. Prints a table and JSON with the bots,
the ratios ours/stock and the issue's targets, and writes results/bench.json (with the date and the machine); the
README's table is generated from it. Our bot runs as deployed: endpoints.yml (SQL tracker store, atomic lock store)
with its action server; the stock bot with its defaults (in-memory tracker, no action server needed by its stories).
Every loop is bounded; nothing leaves 127.0.0.1.
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
import yaml

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
# Besides the load (8 messages again and again, which every cache keyed on the text remembers), both bots
# get the same questions each sent once: people's own wordings, from the question check sets.
NEW_TEXT_SETS = sorted((ROOT / "tests" / "data" / "heldout" / "checks").glob("questions-check-*.yml"))
NEW_TURNS = 6  # each of the conversations of a round, every message new
NEW_SINGLE = 40  # single-user messages a round, every message new


def new_texts() -> list[str]:
    """Distinct questions of the check sets, in file order."""
    seen: dict[str, None] = {}
    for path in NEW_TEXT_SETS:
        for items in (yaml.safe_load(path.read_text()) or {}).values():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and isinstance(item.get("text"), str) and item["text"].strip():
                    seen.setdefault(item["text"].strip(), None)
    return list(seen)


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


def run_load(
    webhook: str, messages: list[str], conversations: int, turns: int, tag: str, every_one_new: bool = False
) -> dict:
    """`conversations` concurrent conversations of `turns` messages; raw latencies (ms), errors (no HTTP 200 with
    a JSON list: refused, failed, timed out) and empty replies (200 with [], counted apart), elapsed seconds.
    The messages go round `messages`, or, `every_one_new`, each is sent once (`conversations` x `turns` of them)."""
    latencies: list[float] = []
    errors = empty = 0

    def conversation(n: int) -> tuple[list[float], int, int]:
        mine, errs, empties = [], 0, 0
        with requests.Session() as http:
            for turn in range(turns):
                text = messages[n * turns + turn] if every_one_new else messages[(n + turn) % len(messages)]
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


def failures(summaries: dict, kinds: tuple[str, ...]) -> int:
    """Errors and empty replies over the loads `kinds` (summaries of `summarise`; a load not run counts none)."""
    return sum(summaries[k]["errors"] + summaries[k]["empty_replies"] for k in kinds if k in summaries)


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

    def __init__(self, name: str, servers: Servers, messages: list[str], new: list[str]) -> None:
        self.name, self.servers, self.messages, self.new = name, servers, messages, new
        self.runs: dict[str, list[dict]] = {"single": [], "concurrent": [], "single_new": [], "concurrent_new": []}

    def start(self) -> float:
        """Start the servers (the action server first, when there is one); return the Rasa server's cold start:
        process start to first answer, in seconds."""
        if self.servers.with_actions:
            self.servers.start_actions()
        cold_start = round(self.servers.start_rasa(), 1)
        run_load(self.servers.webhook, self.messages, 1, 5, f"{self.name}-warmup")  # lazy parts load on first use
        return cold_start

    def _single_user(self, kind: str, messages: list[str], count: int, turns: int, tag: str, new: bool) -> None:
        """`count` messages of one user at a time, in conversations of `turns` messages: one conversation of hundreds
        of turns would measure how Rasa reloads a long history (every message reads the whole session back), which
        no chat has."""
        for part in range(0, count, turns):
            self.runs[kind].append(
                run_load(
                    self.servers.webhook,
                    messages[part : part + turns] if new else messages,
                    1,
                    min(turns, count - part),
                    f"{tag}-{part}",
                    every_one_new=new,
                )
            )

    def round(self, number: int, args: argparse.Namespace) -> None:
        single = max(1, round(args.single_messages / args.rounds))
        self._single_user("single", self.messages, single, args.turns, f"{self.name}-1-{number}", new=False)
        self.runs["concurrent"].append(
            run_load(self.servers.webhook, self.messages, args.conversations, args.turns, f"{self.name}-n-{number}")
        )
        # the same texts for every bot, none of them sent before
        per_round = NEW_SINGLE + args.conversations * NEW_TURNS
        texts = self.new[number * per_round : (number + 1) * per_round]
        self._single_user("single_new", texts, NEW_SINGLE, args.turns, f"{self.name}-1new-{number}", new=True)
        self.runs["concurrent_new"].append(
            run_load(
                self.servers.webhook,
                texts[NEW_SINGLE:],
                args.conversations,
                NEW_TURNS,
                f"{self.name}-nnew-{number}",
                every_one_new=True,
            )
        )

    def results(self) -> dict:
        """Memory of every process of the bot (the Rasa server and, for ours, the action server, with their
        children), after the load."""
        summaries = {kind: summarise(runs) for kind, runs in self.runs.items()}
        return {
            "rss_mb": round(sum(rss_tree_mb(pid) for pid in self.servers.pids()), 1),
            **summaries,
            "new_failures": failures(summaries, ("single_new", "concurrent_new")),
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
    ("every message new, 1 user: p50 (ms)", ("single_new", "p50_ms")),
    ("every message new, 1 user: p95 (ms)", ("single_new", "p95_ms")),
    ("every message new, {n} conv.: p95 (ms)", ("concurrent_new", "p95_ms")),
    ("every message new, {n} conv.: throughput (msg/s)", ("concurrent_new", "throughput_msg_s")),
    ("every message new: errors and empty replies", ("new_failures",)),
]


def pick(d: dict, path: tuple[str, ...]):
    for key in path:
        d = d.get(key) if isinstance(d, dict) else None
    return d


def ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return round(a / b, 2)
    return None


OURS = ("atrophy", "atrophy_workers")  # our bot as `make run` serves it, and with --workers worker processes


def columns(results: dict) -> list[tuple[str, str]]:
    """(key, heading) of the bots measured, ours first."""
    workers = results["config"].get("workers")
    names = {"atrophy": "atrophy", "atrophy_workers": f"atrophy, {workers} workers", "stock": "stock"}
    return [(key, names[key]) for key in (*OURS, "stock") if key in results]


def report(results: dict, conversations: int) -> str:
    bots = columns(results)
    ours = [key for key, _ in bots if key in OURS]
    lines = [f"{'':36}" + "".join(f"{h:>22}" for _, h in bots) + "".join(f"{'ratio ' + k:>22}" for k in ours)]
    for label, path in ROWS:
        values = [pick(results[key], path) for key, _ in bots]
        ratios = [ratio(pick(results[key], path), pick(results["stock"], path)) for key in ours]
        lines.append(
            f"{label.format(n=conversations):36}"
            + "".join(f"{str(v):>22}" for v in values)
            + "".join(f"{'' if r is None else r:>22}" for r in ratios)
        )
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
    ours = results["atrophy"]
    count = failures(ours, ("single", "concurrent")) + failures(ours, ("single_new", "concurrent_new"))
    met["0 errors and 0 empty replies"] = {"count": count, "met": count == 0}
    return met


def readme_table(results: dict) -> str:
    """The README's benchmark block: when, where, the table and the targets, from results/bench.json."""
    config, host = results["config"], results.get("machine", {})
    n = config["conversations"]
    bots = columns(results)
    ours = [key for key, _ in bots if key in OURS]
    lines = [
        f"Measured {results.get('date', '?')} on {host.get('cpus', '?')} CPUs ({host.get('cpu', '?')}), "
        f"{host.get('memory_gb', '?')} GB, {host.get('system', '?')}, Python {host.get('python', '?')}, "
        f"Rasa {host.get('rasa', '?')}; {config['rounds']} alternating rounds of "
        f"{round(config.get('single_messages', 0) / config['rounds'])} single-user messages (one conversation of "
        f"{config['turns']} messages after another) and {n} concurrent conversations of {config['turns']} messages, "
        f"over each bot's 8 messages; then, every message new, {NEW_SINGLE} single-user messages and {n} "
        f"conversations of {NEW_TURNS} messages a round, distinct questions of the check sets, the same for both bots. "
        "`atrophy` is our bot as `make run` serves it (one worker)"
        + (
            f"; `atrophy, {config['workers']} workers` the same with SANIC_WORKERS={config['workers']}"
            if len(ours) > 1
            else ""
        )
        + ". Memory is the resident memory of every process of the bot (forked workers count their shared pages "
        "again).",
        "",
        "| measure | " + " | ".join(h for _, h in bots) + " | " + " | ".join(f"ratio {k}/stock" for k in ours) + " |",
        "| --- |" + " ---: |" * (len(bots) + len(ours)),
    ]
    for label, path in ROWS:
        values = [pick(results[key], path) for key, _ in bots]
        ratios = [ratio(pick(results[key], path), pick(results["stock"], path)) for key in ours]
        lines.append(
            f"| {label.format(n=n)} | "
            + " | ".join(str(v) for v in values)
            + " | "
            + " | ".join("" if r is None else str(r) for r in ratios)
            + " |"
        )
    lines += ["", "| target (issue 13), our default set-up | value | met |", "| --- | ---: | --- |"]
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
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="also measure our bot with this many Rasa workers (SANIC_WORKERS; default: the CPUs; 1: not at all)",
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
            "workers": args.workers,
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

        # The bots stay up; they are measured in alternating rounds so that the load of the machine falls on
        # all alike. Each starts alone, for a clean cold start.
        def ours(name: str, extra_env: dict[str, str]) -> Bot:
            servers = Servers(
                tmp,
                name=name,
                model=our_model,
                env={**our_env, **extra_env},
                stores=project_stores(),
                ready_statuses=(200,),
                timeout=300,
            )
            return Bot(name, servers, OUR_MESSAGES, texts)

        texts = new_texts()
        needed = args.rounds * (NEW_SINGLE + args.conversations * NEW_TURNS)
        if len(texts) < needed:
            raise SystemExit(f"{len(texts)} distinct check-set questions, {needed} needed for the new-message load")
        bots = {"atrophy": ours("atrophy", {})}
        if args.workers > 1:
            # the same bot with several worker processes: conversations serialised through the SQLite lock file
            bots["atrophy_workers"] = ours(
                "atrophy_workers", {"SANIC_WORKERS": str(args.workers), "ATROPHY_LOCK_DB": str(tmp / "locks.db")}
            )
        stock_servers = Servers(
            tmp,
            name="stock",
            model=stock_models[-1],
            cwd=stock_dir,
            credentials=None,
            env={"RASA_CACHE_DIRECTORY": str(tmp / "stock-cache")},
            serving_env={},  # the stock bot with Rasa's defaults
            with_actions=False,
            ready_statuses=(200,),
            timeout=300,
        )
        bots["stock"] = Bot("stock", stock_servers, STOCK_MESSAGES, texts)
        try:
            cold = {name: bot.start() for name, bot in bots.items()}
            order = list(bots.values())
            for number in range(args.rounds):
                for bot in order[number % len(order) :] + order[: number % len(order)]:
                    bot.round(number, args)
                print(f"round {number + 1}/{args.rounds} measured", flush=True)
            for name, bot in bots.items():
                train_s = stock_train if name == "stock" else our_train
                results[name] = {"train_s": train_s, "cold_start_s": cold[name], **bot.results()}
        finally:
            for bot in bots.values():
                bot.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for key in OURS:
        if key in results:
            results[f"ratio_{key}_to_stock"] = {
                label.format(n=args.conversations): ratio(pick(results[key], path), pick(results["stock"], path))
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
