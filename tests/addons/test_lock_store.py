"""The project's lock store (addons/lock_store.py): atomic ticket locks in Redis (real server), in an SQLite file
shared by worker processes, and in memory."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from addons.lock_store import (
    AtomicRedisLockStore,
    _MemoryQueues,
    _RedisQueues,
    _SQLiteQueues,
    redis_url_from,
)
from atrophy.settings import BUILD_DIR
from tests.support import services
from tests.support.paths import ROOT

REDIS_TEST_DB = 15


@pytest.fixture
def redis_url() -> str:
    host, port = services.redis_address()
    return f"redis://{host}:{port}/{REDIS_TEST_DB}"


def _sqlite_rows(db) -> list:
    with closing(sqlite3.connect(db)) as check:
        return (
            check.execute("SELECT * FROM lock_tickets").fetchall()
            + check.execute("SELECT * FROM lock_counters").fetchall()
        )


@pytest.fixture(params=["redis", "sqlite", "memory"])
def make_store(request, monkeypatch, tmp_path):
    """A factory of lock stores sharing one backend, as replicas share Redis and the Sanic workers of one server
    share the SQLite file (memory: one shared instance)."""
    prefix = f"test:{uuid.uuid4().hex}:"
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    if request.param == "sqlite":
        monkeypatch.delenv("ATROPHY_REDIS_URL", raising=False)
        monkeypatch.setenv("SANIC_WORKERS", "2")
        db = tmp_path / "locks.db"
        sqlite_stores = []

        def make_sqlite():
            sqlite_stores.append(AtomicRedisLockStore(key_prefix=prefix, poll_interval=0.002, lock_db=db))
            assert isinstance(sqlite_stores[-1].queues, _SQLiteQueues) and not sqlite_stores[-1].in_memory
            return sqlite_stores[-1]

        yield make_sqlite
        if sqlite_stores:
            assert _sqlite_rows(db) == [], "tickets or counters left in the SQLite file"
        return
    if request.param == "memory":
        shared = AtomicRedisLockStore(key_prefix=prefix, poll_interval=0.002)
        assert shared.in_memory
        yield lambda: shared
        return
    url = request.getfixturevalue("redis_url")
    stores = []

    def make():
        stores.append(AtomicRedisLockStore(url=url, key_prefix=prefix, poll_interval=0.002))
        return stores[-1]

    yield make
    if stores:
        leftover = stores[0].queues.red.keys(prefix + "*")
        assert leftover == [], f"keys left in Redis: {leftover}"


def test_tickets_are_served_in_the_order_they_were_issued(make_store):
    store = make_store()
    cid = "conversation"
    tickets = [store.issue_ticket(cid) for _ in range(3)]
    assert tickets == sorted(tickets) and len(set(tickets)) == 3
    assert [store.queues.acquire(cid, t) for t in tickets] == [0, 1, 2]
    store.cleanup(cid, tickets[0])
    assert store.queues.acquire(cid, tickets[1]) == 0
    assert store.is_someone_waiting(cid)
    assert [t.number for t in store.get_lock(cid).tickets] == tickets[1:]
    for t in tickets[1:]:
        store.cleanup(cid, t)
    assert store.get_lock(cid) is None and not store.is_someone_waiting(cid)


def test_waiters_enter_one_at_a_time_in_ticket_order(make_store):
    stores = [make_store(), make_store()]
    cid = "ordered"
    entered: list[int] = []

    async def turn(i: int) -> None:
        async with stores[i % 2].lock(cid, lock_lifetime=10):
            entered.append(i)
            await asyncio.sleep(0.005)

    async def main() -> None:
        tasks = []
        for i in range(8):  # each task takes its ticket (a Redis round trip) before the next one is created
            tasks.append(asyncio.create_task(turn(i)))
            await asyncio.sleep(0.02)
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert entered == list(range(8))


def test_an_expired_ticket_frees_the_lock_and_its_holder_gets_a_lock_error(make_store):
    store = make_store()
    cid = "expiry"
    stale = store.issue_ticket(cid, lock_lifetime=0.05)
    fresh = store.issue_ticket(cid, lock_lifetime=10)
    assert store.queues.acquire(cid, fresh) == 1
    time.sleep(0.1)
    assert store.queues.acquire(cid, fresh) == 0
    with pytest.raises(LockError):
        asyncio.run(store._acquire_lock(cid, stale, 0.01))
    store.cleanup(cid, stale)
    store.cleanup(cid, fresh)


def _hammer(make, workers_per_store: int, turns: int, cid: str, lifetime: float = 10) -> dict:
    """Threads, each with its own event loop, split over two lock stores; counts overlaps and lost updates."""
    state = {"inside": 0, "overlaps": 0, "counter": 0, "errors": 0, "stuck": 0}
    guard = threading.Lock()
    stores = [make(), make()]

    def worker(store) -> None:
        async def turn() -> None:
            async with store.lock(cid, lock_lifetime=lifetime, wait_time_in_seconds=0.002):
                with guard:
                    state["inside"] += 1
                    state["overlaps"] += state["inside"] > 1
                seen = state["counter"]  # read-modify-write that a real lock keeps whole
                await asyncio.sleep(0.001)
                state["counter"] = seen + 1
                with guard:
                    state["inside"] -= 1

        async def run() -> None:
            for _ in range(turns):
                try:
                    # A waiter whose ticket was overwritten (stock store) would wait for ever: bound it.
                    await asyncio.wait_for(turn(), timeout=lifetime * 4 + 5)
                except LockError:
                    with guard:
                        state["errors"] += 1
                except asyncio.TimeoutError:
                    with guard:
                        state["stuck"] += 1

        asyncio.run(run())

    threads = [
        threading.Thread(target=worker, args=(store,), daemon=True)
        for store in stores
        for _ in range(workers_per_store)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    state["expected"] = len(threads) * turns
    return state


def test_two_replicas_never_hold_the_same_conversation_at_once(make_store):
    state = _hammer(make_store, workers_per_store=3, turns=8, cid="hammered")
    assert state["overlaps"] == 0 and state["errors"] == 0 and state["stuck"] == 0
    assert state["counter"] == state["expected"]


def test_configuration_from_endpoints_and_environment(monkeypatch, redis_url):
    monkeypatch.delenv("ATROPHY_REDIS_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    assert redis_url_from(None) is None
    assert redis_url_from(EndpointConfig(url="redis-host", port=6380, db=2)) == "redis://redis-host:6380/2"
    assert redis_url_from(EndpointConfig(url="redis://r:1/3")) == "redis://r:1/3"
    monkeypatch.setenv("ATROPHY_REDIS_URL", redis_url)
    store = LockStore.create(EndpointConfig(type="addons.lock_store.AtomicRedisLockStore"))
    assert isinstance(store, AtomicRedisLockStore) and not store.in_memory
    monkeypatch.delenv("ATROPHY_REDIS_URL")
    assert LockStore.create(EndpointConfig(type="addons.lock_store.AtomicRedisLockStore")).in_memory


def test_sanic_workers_without_redis_lock_in_one_sqlite_file(monkeypatch, tmp_path, caplog, redis_url):
    """SANIC_WORKERS > 1 without Redis: the workers share an SQLite file (ATROPHY_LOCK_DB, else the endpoint's
    lock_db, else build/locks.db); Redis still wins when configured, and one worker keeps the memory queues."""
    monkeypatch.delenv("ATROPHY_REDIS_URL", raising=False)
    monkeypatch.delenv("ATROPHY_LOCK_DB", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "3")
    endpoint = EndpointConfig(type="addons.lock_store.AtomicRedisLockStore", lock_db=str(tmp_path / "endpoint.db"))
    with caplog.at_level(logging.INFO, logger="addons.lock_store"):
        store = LockStore.create(endpoint)
    assert isinstance(store.queues, _SQLiteQueues) and not store.in_memory
    assert store.queues.path == tmp_path / "endpoint.db"
    assert str(tmp_path / "endpoint.db") in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text

    monkeypatch.setenv("ATROPHY_LOCK_DB", str(tmp_path / "env.db"))  # the environment wins, as for Redis
    assert LockStore.create(endpoint).queues.path == tmp_path / "env.db"
    monkeypatch.setenv("ATROPHY_LOCK_DB", "build/other.db")  # relative: under the project root
    assert AtomicRedisLockStore().queues.path == BUILD_DIR / "other.db"
    monkeypatch.delenv("ATROPHY_LOCK_DB")
    default = AtomicRedisLockStore()
    assert default.queues.path == BUILD_DIR / "locks.db"  # opened at the first step only: no file made here

    monkeypatch.setenv("ATROPHY_REDIS_URL", redis_url)
    assert isinstance(LockStore.create(endpoint).queues, _RedisQueues)
    monkeypatch.delenv("ATROPHY_REDIS_URL")
    for workers in ("1", "", "many"):
        monkeypatch.setenv("SANIC_WORKERS", workers)
        store = LockStore.create(endpoint)
        assert isinstance(store.queues, _MemoryQueues) and store.in_memory


def test_the_sqlite_queues_answer_as_the_memory_queues(tmp_path):
    """The same random steps on both backends give the same answers (expiry: the behavioural tests above)."""
    memory, sqlite = _MemoryQueues(), _SQLiteQueues(tmp_path / "locks.db", "p:")
    rng = random.Random(7)
    issued: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    for _ in range(400):
        cid = rng.choice(sorted(issued))
        step = rng.choice(["issue", "issue", "acquire", "release", "release", "snapshot", "delete"])
        if step == "issue":
            answers = [q.issue(cid, 60) for q in (memory, sqlite)]
            issued[cid].append(answers[0])
        elif step == "delete":  # its answer may differ (memory: True for an emptied queue), what it leaves not
            for q in (memory, sqlite):
                q.delete(cid)
        if step in ("snapshot", "delete"):
            answers = [[number for number, _ in q.snapshot(cid)] for q in (memory, sqlite)]
        else:
            ticket = rng.choice(issued[cid] + [0, 999])
            answers = [getattr(q, step)(cid, ticket) for q in (memory, sqlite)]
        assert answers[0] == answers[1], (step, cid, answers)
    for cid in issued:
        sqlite.delete(cid)
    assert _sqlite_rows(tmp_path / "locks.db") == []


# One Sanic worker: a separate process whose store locks `cid` `turns` times, writing a start and an end line
# around a short await inside the lock. Rasa's patches (TensorFlow: seconds per process) are not what is tested.
_WORKER = r"""
import asyncio, os, sys, types

sys.modules["addons.rasa_patches"] = types.SimpleNamespace(install=lambda: None)
from addons.lock_store import AtomicRedisLockStore

db, cid, out, turns = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = AtomicRedisLockStore(lock_db=db, poll_interval=0.001)
print(type(store.queues).__name__, flush=True)
sys.stdin.readline()  # every worker starts at once


def write(line):
    with open(out, "a") as f:  # O_APPEND: each line lands whole
        f.write(line + "\n")


async def main():
    for _ in range(turns):
        async with store.lock(cid, lock_lifetime=30, wait_time_in_seconds=0.001):
            write(f"start {os.getpid()}")
            await asyncio.sleep(0.003)
            write(f"end {os.getpid()}")


asyncio.run(main())
"""


@pytest.mark.parametrize("workers", ["3", "1"], ids=["sqlite", "memory-each-process-alone"])
def test_worker_processes_never_hold_the_same_conversation_at_once(tmp_path, workers):
    """Three processes (the Sanic workers of one server) lock one conversation many times: with SANIC_WORKERS > 1
    their critical sections never overlap. The control, one worker's in-memory queues in each process, shows that
    the check sees overlaps when the processes do not share a lock."""
    processes, turns = 3, 30
    out = tmp_path / "sections.log"
    env = {k: v for k, v in os.environ.items() if k not in ("ATROPHY_REDIS_URL", "ATROPHY_LOCK_DB")}
    env["SANIC_WORKERS"] = workers
    argv = [sys.executable, "-c", _WORKER, str(tmp_path / "locks.db"), "slack:U1", str(out), str(turns)]
    logs = [open(tmp_path / f"worker{i}.err", "w") for i in range(processes)]
    procs = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT, env=env)
        for log in logs
    ]
    try:
        backends = [p.stdout.readline().strip() for p in procs]
        errors = "".join((tmp_path / f"worker{i}.err").read_text()[-2000:] for i in range(processes))
        assert backends == ["_SQLiteQueues" if workers != "1" else "_MemoryQueues"] * processes, errors
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.close()
        codes = [p.wait(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in logs:
            log.close()
    errors = "".join((tmp_path / f"worker{i}.err").read_text()[-2000:] for i in range(processes))
    assert codes == [0] * processes, errors

    lines = out.read_text().splitlines()
    assert len(lines) == 2 * processes * turns
    inside, overlaps = set(), 0
    for line in lines:
        kind, pid = line.split()
        if kind == "start":
            overlaps += bool(inside)
            inside.add(pid)
        else:
            inside.discard(pid)
    if workers == "1":
        assert overlaps > 0, "the control found no overlap: the check cannot fail"
        return
    assert overlaps == 0
    # Strictly alternating start/end pairs of one process each...
    assert all(
        a.split() == ["start", b.split()[1]] and b.startswith("end ") for a, b in zip(lines[::2], lines[1::2])
    ), lines
    # ...from processes that really contended (the ticket queue hands the lock from one to the next).
    holders = [line.split()[1] for line in lines[::2]]
    assert sum(a != b for a, b in zip(holders, holders[1:])) >= turns, holders
    assert _sqlite_rows(tmp_path / "locks.db") == []


def test_a_conversations_keys_share_one_redis_cluster_slot(redis_url):
    from redis.crc import key_slot

    store = AtomicRedisLockStore(url=redis_url, key_prefix="atrophy:lock:")
    for conversation in ("slack:U123", "telegram:42", "socketio:a{b}c", "rest:x"):
        keys = store.queues.keys(conversation)
        assert len(set(keys)) == 3
        assert len({key_slot(k.encode()) for k in keys}) == 1, keys


def test_a_slow_redis_step_does_not_hold_other_conversations(redis_url):
    """redis-py is synchronous: a round trip on the event loop would stop every other conversation meanwhile."""
    store = AtomicRedisLockStore(url=redis_url, key_prefix=f"test:{uuid.uuid4().hex}:", poll_interval=0.002)
    acquire = store.queues.acquire

    def slow_acquire(conversation_id, ticket):
        time.sleep(0.5)  # a Redis that takes half a second to answer
        return acquire(conversation_id, ticket)

    store.queues.acquire = slow_acquire

    async def scenario() -> int:
        ticks = 0

        async def other_conversation():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        other = asyncio.create_task(other_conversation())
        async with store.lock("slow-conversation"):
            pass
        other.cancel()
        return ticks

    assert asyncio.run(scenario()) >= 20


def test_either_store_alone_installs_the_projects_rasa_patches():
    """Swapping the tracker store for Rasa's own must not silently drop the server-side apology (the lock store
    installs the patches too)."""
    import subprocess
    import sys

    probe = (
        "import rasa.core.actions.action as a; from rasa.core.processor import MessageProcessor as P; "
        "from addons.lock_store import AtomicRedisLockStore; AtomicRedisLockStore(); "
        "print(a.RemoteAction.__name__, getattr(P._run_prediction_loop, 'always_reply', False))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    assert out.stdout.split() == ["ApologeticRemoteAction", "True"], out.stderr[-2000:]
