"""The project's lock store (addons/lock_store.py): atomic ticket locks in Redis (real server) and in memory."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from addons.lock_store import AtomicRedisLockStore, redis_url_from
from tests.support import services
from tests.support.paths import ROOT

REDIS_TEST_DB = 15


@pytest.fixture
def redis_url() -> str:
    host, port = services.redis_address()
    return f"redis://{host}:{port}/{REDIS_TEST_DB}"


@pytest.fixture(params=["redis", "memory"])
def make_store(request):
    """A factory of lock stores sharing one backend, as replicas share Redis (memory: one shared instance)."""
    prefix = f"test:{uuid.uuid4().hex}:"
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
    assert redis_url_from(None) is None
    assert redis_url_from(EndpointConfig(url="redis-host", port=6380, db=2)) == "redis://redis-host:6380/2"
    assert redis_url_from(EndpointConfig(url="redis://r:1/3")) == "redis://r:1/3"
    monkeypatch.setenv("ATROPHY_REDIS_URL", redis_url)
    store = LockStore.create(EndpointConfig(type="addons.lock_store.AtomicRedisLockStore"))
    assert isinstance(store, AtomicRedisLockStore) and not store.in_memory
    monkeypatch.delenv("ATROPHY_REDIS_URL")
    assert LockStore.create(EndpointConfig(type="addons.lock_store.AtomicRedisLockStore")).in_memory


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
