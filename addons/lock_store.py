"""A ticket lock store whose every step is atomic, in Redis for replicas or in memory for one server.

Rasa's stock `RedisLockStore` reads the whole lock with GET, changes it in Python and writes it back with SET.
Two Rasa replicas that take a ticket for the same conversation at the same moment both read the same lock, both
write it back with only their own ticket, and both believe they are first: they process the conversation at the
same time and one replica's events overwrite the other's in the tracker store.

Here each step is one Lua script, run atomically by Redis:

* a ticket comes from INCR on a per-conversation counter, so tickets are unique and ordered;
* waiting tickets sit in a sorted set scored by ticket number, with their expiry (Redis server time, so the
  replicas' clocks do not matter) in a hash; a ticket holds the lock when it is the lowest unexpired one, so
  tickets are served strictly in the order they were issued;
* releasing removes the ticket and deletes the keys when no one else waits, in the same script, so a ticket
  issued meanwhile can never be deleted with them.

Configure it in endpoints.yml by module path:

    lock_store:
      type: addons.lock_store.AtomicRedisLockStore

It uses Redis at `ATROPHY_REDIS_URL` (e.g. `redis://127.0.0.1:6379/1`), else at the endpoint's `url`
(a `redis://` URL or a host name with `port`, `db`, `password`), else it keeps the same ticket queue in
memory, which is correct for one Rasa server with one Sanic worker (`rasa run` without any set-up).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from addons import rasa_patches
from atrophy import settings

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "atrophy:lock:"
DEFAULT_POLL_INTERVAL = 0.02  # seconds between checks while another ticket holds the lock

ACQUIRED = 0
EXPIRED = -1

# KEYS: queue (sorted set of ticket numbers), expiries (hash ticket -> ms), counter. ARGV: lifetime in ms.
_LUA_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
_LUA_PURGE = """
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, m in ipairs(members) do
  local expires = tonumber(redis.call('HGET', KEYS[2], m))
  if expires == nil or expires < now then
    redis.call('ZREM', KEYS[1], m)
    redis.call('HDEL', KEYS[2], m)
  end
end
"""
ISSUE_SCRIPT = (
    _LUA_NOW
    + _LUA_PURGE
    + """
local lifetime = tonumber(ARGV[1])
local number = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], number, number)
redis.call('HSET', KEYS[2], number, now + lifetime)
-- the keys disappear by themselves once every ticket in them has certainly expired
local ttl = lifetime * 2 + 60000
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
return number
"""
)
# ARGV: ticket. Returns 0 when the ticket holds the lock, -1 when it expired, else the number of tickets ahead.
ACQUIRE_SCRIPT = (
    _LUA_NOW
    + _LUA_PURGE
    + """
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then return -1 end
return rank
"""
)
# ARGV: ticket. Returns the number of tickets still waiting; deletes the keys when none is.
RELEASE_SCRIPT = (
    _LUA_NOW
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
"""
    + _LUA_PURGE
    + """
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return left
"""
)
SNAPSHOT_SCRIPT = (
    _LUA_NOW
    + _LUA_PURGE
    + """
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  table.insert(out, m)
  table.insert(out, redis.call('HGET', KEYS[2], m))
end
return out
"""
)


class _RedisQueues:
    """Per-conversation ticket queues in Redis; every method is one atomic Lua script."""

    def __init__(self, client: Any, key_prefix: str) -> None:
        self.red = client
        self.key_prefix = key_prefix
        self._issue = client.register_script(ISSUE_SCRIPT)
        self._acquire = client.register_script(ACQUIRE_SCRIPT)
        self._release = client.register_script(RELEASE_SCRIPT)
        self._snapshot = client.register_script(SNAPSHOT_SCRIPT)

    def keys(self, conversation_id: str) -> list[str]:
        """The conversation's three keys, with the conversation id as their hash tag ({...}): Redis Cluster
        runs a script only when all its keys are in one slot, and it places keys by the hash tag alone."""
        base = self.key_prefix + "{" + conversation_id + "}"
        return [base + ":queue", base + ":expires", base + ":counter"]

    def issue(self, conversation_id: str, lifetime: float) -> int:
        return int(self._issue(keys=self.keys(conversation_id), args=[int(lifetime * 1000)]))

    def acquire(self, conversation_id: str, ticket: int) -> int:
        return int(self._acquire(keys=self.keys(conversation_id), args=[ticket]))

    def release(self, conversation_id: str, ticket: int) -> int:
        return int(self._release(keys=self.keys(conversation_id), args=[ticket]))

    def snapshot(self, conversation_id: str) -> list[tuple[int, float]]:
        flat = self._snapshot(keys=self.keys(conversation_id), args=[])
        return [(int(flat[i]), int(flat[i + 1]) / 1000) for i in range(0, len(flat), 2)]

    def delete(self, conversation_id: str) -> bool:
        return bool(self.red.delete(*self.keys(conversation_id)))


class _MemoryQueues:
    """The same queues in this process, for a single Rasa server; a mutex makes each method atomic."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queues: dict[str, dict[int, float]] = {}  # ticket -> expiry (time.time()), insertion-ordered
        self._counters: dict[str, int] = {}

    def _purge(self, conversation_id: str) -> dict[int, float]:
        now = time.time()
        queue = self._queues.setdefault(conversation_id, {})
        for number in [n for n, expires in queue.items() if expires < now]:
            del queue[number]
        return queue

    def issue(self, conversation_id: str, lifetime: float) -> int:
        with self._mutex:
            queue = self._purge(conversation_id)
            number = self._counters.get(conversation_id, 0) + 1
            self._counters[conversation_id] = number
            queue[number] = time.time() + lifetime
            return number

    def acquire(self, conversation_id: str, ticket: int) -> int:
        with self._mutex:
            queue = self._purge(conversation_id)
            if ticket not in queue:
                return EXPIRED
            return sorted(queue).index(ticket)

    def release(self, conversation_id: str, ticket: int) -> int:
        with self._mutex:
            queue = self._purge(conversation_id)
            queue.pop(ticket, None)
            if not queue:
                self._queues.pop(conversation_id, None)
                self._counters.pop(conversation_id, None)
            return len(queue)

    def snapshot(self, conversation_id: str) -> list[tuple[int, float]]:
        with self._mutex:
            return sorted(self._purge(conversation_id).items())

    def delete(self, conversation_id: str) -> bool:
        with self._mutex:
            self._counters.pop(conversation_id, None)
            return self._queues.pop(conversation_id, None) is not None


def redis_url_from(endpoint_config: Optional[EndpointConfig]) -> Optional[str]:
    """`ATROPHY_REDIS_URL`, else the endpoint's `url` (a redis:// URL or a host), else None (in memory)."""
    configured = settings.redis_url()
    if configured:
        return configured
    if endpoint_config is None or not endpoint_config.url:
        return None
    url = endpoint_config.url
    if "://" in url:
        return url
    kwargs = endpoint_config.kwargs
    password = kwargs.get("password")
    auth = f":{password}@" if password else ""
    return f"redis://{auth}{url}:{int(kwargs.get('port', 6379))}/{int(kwargs.get('db', 1))}"


class AtomicRedisLockStore(LockStore):
    """Rasa's ticket lock with atomic steps: in Redis (shared by replicas) or in memory (one server)."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        url: Optional[str] = None,
        key_prefix: Optional[str] = None,
        poll_interval: Optional[float] = None,
        socket_timeout: float = 10,
    ) -> None:
        rasa_patches.install()  # also installed by the tracker store: either store alone keeps the patches
        kwargs = endpoint_config.kwargs if endpoint_config else {}
        url = url or redis_url_from(endpoint_config)
        self.key_prefix = key_prefix or kwargs.get("key_prefix") or DEFAULT_KEY_PREFIX
        self.poll_interval = float(poll_interval or kwargs.get("poll_interval") or DEFAULT_POLL_INTERVAL)
        if url:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=float(kwargs.get("socket_timeout", socket_timeout)))
            self.queues: _RedisQueues | _MemoryQueues = _RedisQueues(client, self.key_prefix)
            self._redis_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redis-lock")
            logger.info(
                "Lock store: atomic ticket locks in Redis at %s",
                client.connection_pool.connection_kwargs.get("host", url),
            )
        else:
            self.queues = _MemoryQueues()
            logger.info(
                "Lock store: atomic ticket locks in memory (one Rasa server only; set %s for replicas)",
                settings.REDIS_URL,
            )
            if int(os.environ.get("SANIC_WORKERS") or 1) > 1:
                logger.error(
                    "SANIC_WORKERS > 1 with in-memory locks: each worker locks alone and events can be lost. Set %s.",
                    settings.REDIS_URL,
                )
        super().__init__()

    @property
    def in_memory(self) -> bool:
        return isinstance(self.queues, _MemoryQueues)

    # The steps Rasa's `LockStore.lock()` uses, each atomic.

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self.queues.issue(conversation_id, lock_lifetime)
        except Exception as e:
            raise LockError(f"Error while issuing a lock ticket for '{conversation_id}': {e}") from e

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's `LockStore.lock`, with every Redis round trip off the event loop (`_step`): a Redis call on the
        loop (redis-py is synchronous) held every other conversation of the server for its duration, up to the
        socket timeout when Redis hangs."""
        ticket = await self._step(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await self._step(self.cleanup, conversation_id, ticket)

    async def _step(self, function: Any, *args: Any) -> Any:
        """One atomic step: for Redis in the store's one worker thread, which runs the steps in the order they were
        asked for (two messages of a conversation get their tickets in the order they arrived); directly for the
        in-memory queues (microseconds)."""
        if self.in_memory:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._redis_thread, function, *args)

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        interval = min(self.poll_interval, wait_time_in_seconds)
        while True:
            ahead = await self._step(self.queues.acquire, conversation_id, ticket)
            if ahead == ACQUIRED:
                return await self._step(self._ticket_lock, conversation_id)
            if ahead == EXPIRED:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}': "
                    f"ticket {ticket} expired while waiting."
                )
            await asyncio.sleep(interval)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.queues.release(conversation_id, ticket_number)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.queues.release(conversation_id, ticket_number)

    def update_lock(self, conversation_id: str) -> None:
        """Expired tickets are dropped by every atomic step; nothing to do."""

    # Inspection, for Rasa's base-class API and for tests.

    def _ticket_lock(self, conversation_id: str) -> TicketLock:
        tickets = deque(Ticket(number, expires) for number, expires in self.queues.snapshot(conversation_id))
        return TicketLock(conversation_id, tickets)

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        lock = self._ticket_lock(conversation_id)
        return lock if lock.tickets else None

    def is_someone_waiting(self, conversation_id: str) -> bool:
        return bool(self.queues.snapshot(conversation_id))

    def delete_lock(self, conversation_id: str) -> None:
        self._log_deletion(conversation_id, self.queues.delete(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("AtomicRedisLockStore changes locks only through its atomic steps")
