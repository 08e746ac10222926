"""Where the knowledge base and escalation log live: one SQLAlchemy engine per URL."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "build" / "atrophy.db"


def database_url() -> str:
    """The URL from ATROPHY_DB_URL, else an embedded SQLite file under build/."""
    return os.environ.get("ATROPHY_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


@functools.lru_cache(maxsize=None)
def engine_for(url: str) -> Engine:
    """Engines are cached so every action shares one connection pool per database."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True, pool_pre_ping=True)


def session(url: str | None = None) -> Session:
    return Session(engine_for(url or database_url()), future=True)
