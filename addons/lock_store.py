"""A ticket lock store whose every step is atomic: in Redis for replicas, in an SQLite file for the workers of one
server, or in memory for one server with one worker.

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
(a `redis://` URL or a host name with `port`, `db`, `password`). Without Redis:

* with `SANIC_WORKERS` > 1 (one Rasa server, several worker processes on one machine) the same queues live in an
  SQLite file the workers share, `ATROPHY_LOCK_DB`, else the endpoint's `lock_db`, else `build/locks.db` (a relative
  path is under the project root); each step is one transaction begun with BEGIN IMMEDIATE, which takes the file's
  write lock before reading, so it is atomic across the processes as a Lua script is in Redis. The file holds only
  conversation ids, ticket numbers and expiry times (time.time(): one machine, one clock);
* else the queues are in memory, which is correct for one Rasa server with one Sanic worker (`rasa run` without any
  set-up).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, AsyncGenerator, Iterator, Optional

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from addons import rasa_patches
from atrophy import settings
from atrophy.settings import BUILD_DIR, PROJECT_ROOT

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "atrophy:lock:"
DEFAULT_POLL_INTERVAL = 0.02  # seconds between checks while another ticket holds the lock
SANIC_WORKERS = "SANIC_WORKERS"  # Rasa's variable: the number of worker processes of one server
LOCK_DB = settings.LOCK_DB  # the SQLite file the workers share when there is no Redis
DEFAULT_LOCK_DB = BUILD_DIR / "locks.db"
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a step waits for another process's step to end before it fails

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


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS lock_tickets (
  lock_key TEXT NOT NULL,   -- key prefix + conversation id
  number INTEGER NOT NULL,
  expires REAL NOT NULL,    -- time.time()
  PRIMARY KEY (lock_key, number)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lock_tickets_expires ON lock_tickets (expires);
CREATE TABLE IF NOT EXISTS lock_counters (
  lock_key TEXT PRIMARY KEY,
  last INTEGER NOT NULL,    -- the last ticket issued
  keep_until REAL NOT NULL  -- every ticket of the conversation has certainly expired by then
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lock_counters_keep_until ON lock_counters (keep_until);
"""

# Connections a forked process inherited from its parent: SQLite forbids using them in the child, and closing them
# there could disturb the parent's file locks, so they are only kept from being garbage-collected (closed).
_INHERITED_CONNECTIONS: list[sqlite3.Connection] = []


class _SQLiteQueues:
    """The same queues in an SQLite file shared by the processes of one machine (Sanic workers); every method is one
    transaction begun with BEGIN IMMEDIATE (the file's write lock is taken before anything is read), so each is
    atomic across processes. One connection per thread (and per process: a fork opens its own)."""

    def __init__(self, path: Path, key_prefix: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.key_prefix = key_prefix
        self.busy_timeout = busy_timeout
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            if getattr(local, "connection", None) is not None:
                _INHERITED_CONNECTIONS.append(local.connection)
            local.connection = self._connect()
            local.pid = os.getpid()
        return local.connection

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions, each step begins its own; timeout: SQLite's busy timeout.
        db = sqlite3.connect(str(self.path), timeout=self.busy_timeout, isolation_level=None)
        try:
            # WAL: a step waits only for another step, never for readers; the mode is kept in the file. Switching
            # needs the file alone for a moment, so a worker starting while another works retries.
            deadline = time.monotonic() + self.busy_timeout
            while True:
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            db.execute("PRAGMA synchronous=NORMAL")  # atomic and consistent; only durability at power loss is lost
            with self._transaction(db):
                for statement in _SQLITE_SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
        except BaseException:
            db.close()
            raise
        return db

    @contextmanager
    def _transaction(self, db: Optional[sqlite3.Connection] = None) -> Iterator[sqlite3.Connection]:
        """One atomic step: BEGIN IMMEDIATE waits (busy timeout) until no other process is inside a step."""
        db = self._connection() if db is None else db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        finally:
            if db.in_transaction:
                db.rollback()

    def _purge(self, db: sqlite3.Connection, key: str, now: float) -> None:
        db.execute("DELETE FROM lock_tickets WHERE lock_key = ? AND expires < ?", (key, now))

    def _waiting(self, db: sqlite3.Connection, key: str) -> int:
        return db.execute("SELECT COUNT(*) FROM lock_tickets WHERE lock_key = ?", (key,)).fetchone()[0]

    def issue(self, conversation_id: str, lifetime: float) -> int:
        key = self.key_prefix + conversation_id
        with self._transaction() as db:
            now = time.time()
            # Expired tickets of every conversation (invisible to every step anyway), and the counters of
            # conversations whose every ticket has certainly expired (as the Redis keys expire by themselves).
            db.execute("DELETE FROM lock_tickets WHERE expires < ?", (now,))
            db.execute("DELETE FROM lock_counters WHERE keep_until < ?", (now,))
            row = db.execute("SELECT last FROM lock_counters WHERE lock_key = ?", (key,)).fetchone()
            number = (row[0] if row else 0) + 1
            db.execute(
                "INSERT INTO lock_counters (lock_key, last, keep_until) VALUES (?, ?, ?) ON CONFLICT (lock_key) "
                "DO UPDATE SET last = excluded.last, keep_until = max(keep_until, excluded.keep_until)",
                (key, number, now + lifetime * 2 + 60),
            )
            db.execute(
                "INSERT INTO lock_tickets (lock_key, number, expires) VALUES (?, ?, ?)", (key, number, now + lifetime)
            )
            return number

    def acquire(self, conversation_id: str, ticket: int) -> int:
        key = self.key_prefix + conversation_id
        with self._transaction() as db:
            self._purge(db, key, time.time())
            if db.execute("SELECT 1 FROM lock_tickets WHERE lock_key = ? AND number = ?", (key, ticket)).fetchone():
                ahead = db.execute("SELECT COUNT(*) FROM lock_tickets WHERE lock_key = ? AND number < ?", (key, ticket))
                return ahead.fetchone()[0]
            return EXPIRED

    def release(self, conversation_id: str, ticket: int) -> int:
        key = self.key_prefix + conversation_id
        with self._transaction() as db:
            self._purge(db, key, time.time())
            db.execute("DELETE FROM lock_tickets WHERE lock_key = ? AND number = ?", (key, ticket))
            left = self._waiting(db, key)
            if not left:
                db.execute("DELETE FROM lock_counters WHERE lock_key = ?", (key,))
            return left

    def snapshot(self, conversation_id: str) -> list[tuple[int, float]]:
        key = self.key_prefix + conversation_id
        with self._transaction() as db:
            self._purge(db, key, time.time())
            rows = db.execute("SELECT number, expires FROM lock_tickets WHERE lock_key = ? ORDER BY number", (key,))
            return [(int(number), float(expires)) for number, expires in rows.fetchall()]

    def delete(self, conversation_id: str) -> bool:
        key = self.key_prefix + conversation_id
        with self._transaction() as db:
            tickets = db.execute("DELETE FROM lock_tickets WHERE lock_key = ?", (key,)).rowcount
            counters = db.execute("DELETE FROM lock_counters WHERE lock_key = ?", (key,)).rowcount
            return bool(tickets or counters)


def sanic_workers() -> int:
    """`SANIC_WORKERS`, as Rasa reads it: 1 when unset or not a number."""
    try:
        return int(os.environ.get(SANIC_WORKERS) or 1)
    except ValueError:
        return 1


def lock_db_from(endpoint_config: Optional[EndpointConfig]) -> Path:
    """The workers' SQLite file: `ATROPHY_LOCK_DB`, else the endpoint's `lock_db`, else build/locks.db; a relative
    path is under the project root (every worker and every launcher finds the same file whatever its directory)."""
    configured = settings.lock_database() or (endpoint_config.kwargs.get("lock_db") if endpoint_config else None)
    return _under_root(configured) if configured else DEFAULT_LOCK_DB


def _under_root(path: str | Path) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


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
    """Rasa's ticket lock with atomic steps: in Redis (shared by replicas), in an SQLite file (shared by the Sanic
    workers of one server) or in memory (one server, one worker)."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        url: Optional[str] = None,
        key_prefix: Optional[str] = None,
        poll_interval: Optional[float] = None,
        socket_timeout: float = 10,
        lock_db: Optional[str | Path] = None,
    ) -> None:
        rasa_patches.install()  # also installed by the tracker store: either store alone keeps the patches
        kwargs = endpoint_config.kwargs if endpoint_config else {}
        url = url or redis_url_from(endpoint_config)
        self.key_prefix = key_prefix or kwargs.get("key_prefix") or DEFAULT_KEY_PREFIX
        self.poll_interval = float(poll_interval or kwargs.get("poll_interval") or DEFAULT_POLL_INTERVAL)
        self.queues: _RedisQueues | _SQLiteQueues | _MemoryQueues
        workers = sanic_workers()
        if url:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=float(kwargs.get("socket_timeout", socket_timeout)))
            self.queues = _RedisQueues(client, self.key_prefix)
            logger.info(
                "Lock store: atomic ticket locks in Redis at %s",
                client.connection_pool.connection_kwargs.get("host", url),
            )
        elif workers > 1:
            path = _under_root(lock_db) if lock_db else lock_db_from(endpoint_config)
            self.queues = _SQLiteQueues(path, self.key_prefix)
            logger.info(
                "Lock store: atomic ticket locks in the SQLite file %s, shared by the %d Sanic workers of this server "
                "(one machine only; set %s for replicas)",
                path,
                workers,
                settings.REDIS_URL,
            )
        else:
            self.queues = _MemoryQueues()
            logger.info(
                "Lock store: atomic ticket locks in memory (one Rasa server only; set %s for replicas)",
                settings.REDIS_URL,
            )
        # Redis and SQLite steps run in this one thread, off the event loop and in the order they were asked for.
        self._steps_thread: Optional[ThreadPoolExecutor] = None
        if not self.in_memory:
            name = "redis-lock" if isinstance(self.queues, _RedisQueues) else "sqlite-lock"
            self._steps_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
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
        """Rasa's `LockStore.lock`, with every Redis round trip or SQLite transaction off the event loop (`_step`): a
        Redis call on the loop (redis-py is synchronous) held every other conversation of the server for its
        duration, up to the socket timeout when Redis hangs (an SQLite step, up to the busy timeout)."""
        ticket = await self._step(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await self._step(self.cleanup, conversation_id, ticket)

    async def _step(self, function: Any, *args: Any) -> Any:
        """One atomic step: for Redis and SQLite in the store's one worker thread, which runs the steps in the order
        they were asked for (two messages of a conversation get their tickets in the order they arrived) and keeps
        the event loop free while Redis answers or another worker's SQLite step holds the file; directly for the
        in-memory queues (microseconds)."""
        if self._steps_thread is None:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._steps_thread, function, *args)

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
