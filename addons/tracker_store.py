"""Rasa's SQL tracker store, with its database taken from the environment so endpoints.yml needs no variables.

Rasa substitutes ${VAR} in endpoints.yml but fails when the variable is unset, and plain `rasa run` in the
project folder must work without any set-up. So endpoints.yml names this class and the URL comes from
the endpoint's `url` when one is given there, else `ATROPHY_TRACKER_DB_URL` (any SQLAlchemy URL, e.g.
postgresql+psycopg2://rasa@db:5432/atrophy), else an SQLite file `build/tracker.db` in the project.
Conversations survive restarts and, on PostgreSQL, are shared by every Rasa replica.

Rasa's store reads a conversation's whole session back and replays it into a tracker for every message, then
counts the stored events before writing the new ones: a quarter of the server's time per message
(docs/performance.md). This store keeps the tracker it last saved for each recent conversation, with the highest
event id it wrote, and hands it out again only when that id is still the conversation's highest in the database:
a message handled by another replica or worker, a deletion by the retention job, or anything else written in
between makes it read the database as Rasa does. An entry is handed out once (a message that fails before its
save leaves nothing behind to be reused), lives at most `CACHE_SECONDS` without use and only in this process's
memory, beside the database that already holds the same events.

Loading it also installs the project's Rasa patches (addons/rasa_patches.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url

from addons import rasa_patches
from atrophy import settings

logger = logging.getLogger(__name__)

DEFAULT_TRACKER_DB_PATH = settings.BUILD_DIR / "tracker.db"
CONNECT_TIMEOUT = 3  # seconds (PostgreSQL): a database that does not answer must not hold a message for minutes
CACHE_SIZE = 500  # conversations whose tracker is kept between two messages
CACHE_SECONDS = 15 * 60  # an idle conversation's tracker is dropped after this (its next message reads the database)


def tracker_db_url(configured: Optional[str] = None) -> str:
    """`configured` (the endpoint's url) when it is a full URL, else `ATROPHY_TRACKER_DB_URL`, else the SQLite
    file in build/."""
    url = configured if configured and "://" in configured else None
    url = url or settings.tracker_database_url()  # f"sqlite:///{DEFAULT_TRACKER_DB_PATH}" by default
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return url


@dataclass
class _Saved:
    """A tracker as this store wrote it: the highest event id of its conversation then, and how many of its events
    (since the session started) are in the database."""

    tracker: DialogueStateTracker | None
    last_id: int | None
    stored: int
    at: float


class EnvSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` on the database named by `ATROPHY_TRACKER_DB_URL` (default: SQLite in build/), which
    reuses the tracker it saved last while the database shows nothing newer for the conversation."""

    def __init__(self, domain: Any = None, host: Optional[str] = None, event_broker: Any = None, **kwargs: Any) -> None:
        rasa_patches.install()
        url = tracker_db_url(host)
        logger.info("Tracker store: %s", make_url(url).render_as_string(hide_password=True))
        for key in ("dialect", "db", "username", "password", "port", "url"):
            kwargs.pop(key, None)  # the URL says it all
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        # Rasa's engine again, with what a store that can go down needs: a pooled connection is checked before use
        # (a database that restarted leaves dead ones in the pool: the first message after it is back would fail),
        # a connection attempt gives up in seconds, and errors do not quote the events' parameters (user text).
        engine_url = self.engine.url
        self.engine.dispose()
        options = create_engine_kwargs(engine_url)
        if engine_url.get_backend_name() == "postgresql":
            options["connect_args"] = {**options.get("connect_args", {}), "connect_timeout": CONNECT_TIMEOUT}
        # (An SQLite file cannot restart under a pooled connection: no ping, which cost a round trip per query.)
        ping = engine_url.get_backend_name() != "sqlite"
        if not ping and engine_url.database not in (None, "", ":memory:"):
            # SQLAlchemy 1.4 opens and closes a new connection to an SQLite file for every session (two a message,
            # each setting the pragmas again): a pool keeps them. The server's event loop uses one at a time; a
            # connection may be returned from another thread than the one that opened it.
            options["poolclass"] = sa.pool.QueuePool
            options["connect_args"] = {**options.get("connect_args", {}), "check_same_thread": False}
        self.engine = sa.create_engine(engine_url, pool_pre_ping=ping, hide_parameters=True, **options)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._saved: OrderedDict[str, _Saved] = OrderedDict()  # kept between messages, least recently used first
        self._handed_out: OrderedDict[str, _Saved] = OrderedDict()  # retrieved, not saved yet

    def _last_event_id(self, session: Any, sender_id: str) -> int | None:
        return session.execute(
            sa.select(sa.func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id)
        ).scalar()

    def _forget_idle(self, now: float) -> None:
        for kept in (self._saved, self._handed_out):
            while kept and (len(kept) > CACHE_SIZE or now - next(iter(kept.values())).at > CACHE_SECONDS):
                kept.popitem(last=False)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's tracker: the one saved last by this store if the database holds nothing newer (and it
        gained no event since), else read back from the database."""
        now = time.monotonic()
        self._forget_idle(now)
        saved = self._saved.pop(sender_id, None)
        with self.session_scope() as session:
            last_id = self._last_event_id(session, sender_id)
        if (
            saved is not None
            and last_id is not None
            and saved.last_id == last_id
            and saved.tracker is not None
            and len(saved.tracker.events) == saved.stored
        ):
            tracker = saved.tracker
        else:
            # Rasa's own read. Anything written after the id above makes the next save find the database changed
            # and fall back to Rasa's count: never a lost or repeated event.
            tracker = await super().retrieve(sender_id)
        self._handed_out.pop(sender_id, None)
        self._handed_out[sender_id] = _Saved(tracker, last_id, len(tracker.events) if tracker else 0, now)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the tracker's new events: those after the ones it was read or last saved with when the database
        still ends where it did then, else those Rasa's count finds missing."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        known = self._handed_out.pop(sender_id, None) or self._saved.get(sender_id)
        with self.session_scope() as session:
            last_id = self._last_event_id(session, sender_id)
            if known is not None and (known.tracker is tracker or known.tracker is None) and known.last_id == last_id:
                new_events = list(tracker.events)[known.stored :]
            else:
                new_events = list(self._additional_events(session, tracker))
            if new_events:
                session.execute(sa.insert(self.SQLEvent.__table__), [_row(sender_id, event) for event in new_events])
                last_id = self._last_event_id(session, sender_id)
            session.commit()
        now = time.monotonic()
        self._saved.pop(sender_id, None)
        if _holds_one_session(tracker):
            self._saved[sender_id] = _Saved(tracker, last_id, len(tracker.events), now)
        self._forget_idle(now)
        logger.debug("Tracker with sender_id '%s' stored to database", sender_id)


def _holds_one_session(tracker: DialogueStateTracker) -> bool:
    """Whether the tracker is what Rasa would read back: nothing but actions before its last session start (a
    tracker that went on into a new session is not kept, as Rasa reads back only the latest session)."""
    events = list(tracker.events)
    starts = [index for index, event in enumerate(events) if isinstance(event, SessionStarted)]
    return not starts or all(isinstance(event, ActionExecuted) for event in events[: starts[-1]])


def _row(sender_id: str, event: Any) -> dict:
    """An event as Rasa's `SQLTrackerStore.save` stores it."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Write-ahead log without an fsync at every commit: Rasa's tracker store commits once per message from the
    server's event loop, and with SQLite's default journal each commit waited for the disk (several times) while
    every other conversation waited too. A crash of the machine may lose the last messages, never the file."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
