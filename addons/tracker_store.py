"""Rasa's SQL tracker store, with its database taken from the environment so endpoints.yml needs no variables.

Rasa substitutes ${VAR} in endpoints.yml but fails when the variable is unset, and plain `rasa run` in the
project folder must work without any set-up. So endpoints.yml names this class and the URL comes from
the endpoint's `url` when one is given there, else `ATROPHY_TRACKER_DB_URL` (any SQLAlchemy URL, e.g.
postgresql+psycopg2://rasa@db:5432/atrophy), else an SQLite file `build/tracker.db` in the project.
Conversations survive restarts and, on PostgreSQL, are shared by every Rasa replica.

Loading it also installs the project's Rasa patches (addons/rasa_patches.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from sqlalchemy.engine import make_url

from addons import rasa_patches
from atrophy import settings

logger = logging.getLogger(__name__)

DEFAULT_TRACKER_DB_PATH = settings.BUILD_DIR / "tracker.db"
CONNECT_TIMEOUT = 3  # seconds (PostgreSQL): a database that does not answer must not hold a message for minutes


def tracker_db_url(configured: Optional[str] = None) -> str:
    """`configured` (the endpoint's url) when it is a full URL, else `ATROPHY_TRACKER_DB_URL`, else the SQLite
    file in build/."""
    url = configured if configured and "://" in configured else None
    url = url or settings.tracker_database_url()  # f"sqlite:///{DEFAULT_TRACKER_DB_PATH}" by default
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return url


class EnvSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` on the database named by `ATROPHY_TRACKER_DB_URL` (default: SQLite in build/)."""

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
        self.engine = sa.create_engine(engine_url, pool_pre_ping=ping, hide_parameters=True, **options)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Write-ahead log without an fsync at every commit: Rasa's tracker store commits once per message from the
    server's event loop, and with SQLite's default journal each commit waited for the disk (several times) while
    every other conversation waited too. A crash of the machine may lose the last messages, never the file."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
