"""Where the knowledge base and escalation log live: one SQLAlchemy engine per URL."""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from atrophy import settings

DEFAULT_DB_PATH = settings.BUILD_DIR / "atrophy.db"


def database_url() -> str:
    """The URL from ATROPHY_DB_URL, else an embedded SQLite file under build/."""
    return settings.database_url()


@functools.lru_cache(maxsize=None)
def engine_for(url: str) -> Engine:
    """Engines are cached so every action shares one connection pool per database."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True, pool_pre_ping=True)


def session(url: str | None = None) -> Session:
    return Session(engine_for(url or database_url()), future=True)
