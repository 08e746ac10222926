"""Two Rasa replicas (scripts/replicas.py) on the machine's PostgreSQL and Redis: concurrent conversations whose
messages alternate between the replicas lose nothing with the project's lock store. (What Rasa's stock Redis lock
store loses the same way is a measurement, not a test: `scripts/replicas.py --lock-store stock` and deploy/README.md.)

Each conversation sends rounds of two messages at the same moment, one to each replica, and waits for both
answers before the next round. Checked in the shared tracker store: every message stored exactly once, rounds
in order, and no turn interleaved with another (each user message is followed by the bot's turn, ending in
action_listen, before the next one).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from scripts.processes import base_env, free_ports, stop
from tests.support import services
from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e

CONVERSATIONS = 6
ROUNDS = 10  # x 2 simultaneous messages = 20 user events per conversation
TEXTS = ["hello", "what causes muscle atrophy?", "what is muscle atrophy?", "thanks", "are you a bot?"]
REPLICA_DB = "atrophy_replicas_test"


@pytest.fixture(scope="module", params=["atomic"])
def replicas(request, tmp_path_factory):
    pg = services.postgres_url()
    host, port = services.redis_address()
    tracker_url = pg.rsplit("/", 1)[0] + "/" + REPLICA_DB
    workdir = tmp_path_factory.mktemp(f"replicas-{request.param}")
    rasa_port, action_port = free_ports(2), free_ports(2)  # replicas.py uses the port and the next one
    env = base_env(
        ATROPHY_TRACKER_DB_URL=tracker_url, ATROPHY_DB_URL=tracker_url, ATROPHY_REDIS_URL=f"redis://{host}:{port}/14"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "replicas.py"),
            "--replicas",
            "2",
            "--rasa-port",
            str(rasa_port),
            "--action-port",
            str(action_port),
            "--lock-store",
            request.param,
            "--workdir",
            str(workdir),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(workdir / "replicas.err", "ab"),
        text=True,
        start_new_session=True,
    )  # its own process group: whatever it started can be found and stopped
    ready: dict = {}

    def read_ready() -> None:
        line = proc.stdout.readline()
        if line:
            ready.update(json.loads(line))

    reader = threading.Thread(target=read_ready, daemon=True)
    reader.start()
    reader.join(timeout=420)
    try:
        if not ready.get("ready"):
            raise RuntimeError(f"replicas did not start: see {workdir}")
        ready["tracker_url"] = tracker_url
        ready["lock_store"] = request.param
        yield ready
    finally:
        stop(proc, timeout=90)  # the script stops its servers on Ctrl-C
        leftovers = group_members(proc.pid)
        if leftovers:
            os.killpg(proc.pid, signal.SIGKILL)
        assert not leftovers, f"scripts/replicas.py left servers running after Ctrl-C: {leftovers}"


def group_members(pgid: int) -> list[str]:
    """The processes still alive in a process group (from /proc), as 'pid command'."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid and stat.rsplit(")", 1)[1].split()[0] != "Z":
                found.append(f"{entry} {open(f'/proc/{entry}/cmdline').read().replace(chr(0), ' ')[:80]}")
        except (OSError, ValueError, IndexError):
            continue
    return found


def stored_turns(url: str, prefix: str) -> dict[str, list[tuple[str, str | None]]]:
    engine = sa.create_engine(url, future=True)
    by_sender: dict[str, list[tuple[str, str | None]]] = {}
    with engine.connect() as c:
        rows = c.execute(
            sa.text("SELECT sender_id, type_name, action_name, data FROM events WHERE sender_id LIKE :p ORDER BY id"),
            {"p": prefix + "%"},
        )
        for sender, type_name, action_name, data in rows:
            label = json.loads(data).get("text") if type_name == "user" else action_name
            by_sender.setdefault(sender, []).append((type_name, label))
    engine.dispose()
    return by_sender


def drive(ready: dict) -> dict:
    """Run the conversations; return counts of errors, lost, duplicated, out-of-order and interleaved events."""
    urls = [u + "/webhooks/rest/webhook" for u in ready["rasa"]]
    prefix = f"replica-{ready['lock_store']}-{uuid.uuid4().hex[:6]}-"
    errors: list[str] = []
    sent: dict[str, list[str]] = {}

    def send(url: str, sender: str, text: str) -> None:
        try:
            r = requests.post(url, json={"sender": sender, "message": text}, timeout=300)
            if r.status_code != 200 or not r.json():
                errors.append(f"{sender} {text!r}: {r.status_code} {r.text[:100]}")
        except requests.RequestException as e:
            errors.append(f"{sender} {text!r}: {e}")

    def conversation(n: int) -> None:
        sender = f"{prefix}{n}"
        sent[sender] = []
        with ThreadPoolExecutor(max_workers=2) as pair:
            for rnd in range(ROUNDS):
                texts = [f"{TEXTS[(n + rnd + k) % len(TEXTS)]} r{rnd}m{k}" for k in range(2)]
                sent[sender] += texts
                list(pair.map(send, urls, [sender, sender], texts))  # one to each replica, at once

    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        list(pool.map(conversation, range(CONVERSATIONS)))

    stored = stored_turns(ready["tracker_url"], prefix)
    result = {
        "conversations": CONVERSATIONS,
        "user_events_sent": 0,
        "errors": len(errors),
        "lost": 0,
        "duplicated": 0,
        "rounds_out_of_order": 0,
        "interleaved_turns": 0,
        "error_samples": errors[:3],
    }
    for sender, texts in sent.items():
        events = stored.get(sender, [])
        users = [label for kind, label in events if kind == "user"]
        result["user_events_sent"] += len(texts)
        result["lost"] += sum(1 for t in texts if t not in users)
        result["duplicated"] += sum(users.count(t) - 1 for t in set(users) if users.count(t) > 1)
        rounds = [int(u.rsplit(" r", 1)[1].split("m")[0]) for u in users]
        result["rounds_out_of_order"] += sum(1 for a, b in zip(rounds, rounds[1:]) if b < a)
        listening = True  # a user event must come after the previous turn ended in action_listen
        for kind, label in events:
            if kind == "user":
                result["interleaved_turns"] += not listening
                listening = False
            elif kind == "action" and label == "action_listen":
                listening = True
    return result


def test_concurrent_conversations_across_two_replicas(replicas, capsys):
    result = drive(replicas)
    with capsys.disabled():
        print(f"\n{replicas['lock_store']} lock store, 2 replicas: {json.dumps(result)}")
    assert result["errors"] == 0, result
    assert result["lost"] == result["duplicated"] == 0, result
    assert result["rounds_out_of_order"] == result["interleaved_turns"] == 0, result
